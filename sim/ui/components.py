"""The parts of the page, as Solara components; :mod:`sim.ui.app` puts them together.

Components get what they show as arguments and report changes through callbacks; the only
state they keep is what a field shows while it is being edited, or an upload in progress.
"""

# ruff: noqa: N802 (Solara components are named in CapWords, and Solara looks for Page)

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any, cast

import solara
from ipyvuetify.extra import FileInput

from sim.inputs import InputError
from sim.mechanisms import MECHANISMS, PACKAGES
from sim.model.population import Population
from sim.params import ParamInfo
from sim.scenario import Scenario
from sim.ui import charts, summary
from sim.ui.i18n import choice_label, explanation, metric_label, t, unit, zh_text
from sim.ui.state import (
    GROUPS,
    Frame,
    RunConfig,
    Simulation,
    Source,
    breakdown,
    builtin_choices,
    calendar_date,
    experiment_toml,
    fmt,
    headline,
    load_upload,
    metrics_csv,
    metrics_parquet,
    package_of,
    parse_number,
    scenario_value,
)

SMALL = {"font-size": "0.85rem", "color": "#555"}
HEADING = {"font-size": "1.05rem", "font-weight": "600", "margin-top": "8px"}
#: Denser switches and checkboxes than Vuetify's default in the mechanism list.
CSS = """
.cogov-mechs .v-input--selection-controls { margin-top: 0 !important; padding-top: 0 !important; }
.cogov-mechs .v-input__slot { margin-bottom: 0 !important; }
.cogov-mechs .v-messages { display: none; }
.cogov-left-out th, .cogov-left-out td { text-align: left; padding: 2px 6px; }
.cogov-left-out { display: block; overflow-x: auto; }
.cogov-param .v-label, .cogov-more button { white-space: normal; text-align: left; }
/* Solara's banner, should a server run without SOLARA_THEME_SHOW_BANNER=false */
div:has(> b > a[href="https://solara.dev"]) { display: none !important; }
/* narrower windows (a 1280 px laptop, a tablet): a narrower panel, then panel above */
@media (max-width: 1400px) { .cogov-side { width: 340px !important; min-width: 300px !important; } }
@media (max-width: 1024px) {
  .cogov-body { flex-direction: column !important; }
  .cogov-side, .cogov-main { width: 100% !important; height: auto !important;
    border-right: none !important; overflow-y: visible !important; }
}
/* print: the main column only, on the whole page width */
@media print {
  /* doubled classes: stronger than Vuetify's .d-flex { display: flex !important } */
  .cogov-side.cogov-side, .cogov-bar button, .cogov-controls.cogov-controls,
  .cogov-link-error { display: none !important; }
  .cogov-main { height: auto !important; overflow: visible !important; padding: 0 !important; }
  .cogov-body.cogov-body { display: block !important; }
  .cogov-card { break-inside: avoid; box-shadow: none !important; border: 1px solid #ccc; }
  img { max-width: 100% !important; break-inside: avoid; }
}
@page { size: A4; margin: 12mm; }
"""


def number(value: Any) -> str:
    """A parameter value as typed in a field."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # 100000000, not 1e+08
    return f"{value:g}" if isinstance(value, float) else str(value)


def mechanism_title(name: str, lang: str) -> str:
    """A mechanism's title in ``lang``."""
    cls = MECHANISMS[name]
    return zh_text(cls.title_zh or cls.title) if lang == "zh" else (cls.title or name)


def package_title(name: str, lang: str) -> str:
    """A zone package's title in ``lang``."""
    package = PACKAGES[name]
    return zh_text(package.title_zh) if lang == "zh" else package.title


def hint(info: ParamInfo, value: Any, lang: str) -> str:
    """A field's hint in words: unit, allowed range, and this community's own value."""
    parts = [unit(info.unit, lang)] if info.unit else []
    if info.ge is not None and info.le is not None:
        parts.append(t("allowed", lang, lo=number(info.ge), hi=number(info.le)))
    elif info.choices:
        names = t("list_sep", lang).join(choice_label(c, lang) for c in info.choices)
        parts.append(t("one_of", lang, choices=names))
    parts.append(t("this_community", lang, value=shown_value(value, lang)))
    return t("hint_sep", lang).join(parts)


def shown_value(value: Any, lang: str) -> str:
    """A parameter's value in words: yes/no, a choice's name, a list of names, a number."""
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, list | tuple):
        return t("list_sep", lang).join(choice_label(v, lang) for v in value) or t("none", lang)
    if isinstance(value, str):
        return choice_label(value, lang)
    return number(value)


def slider_step(info: ParamInfo) -> float:
    """A slider's step: 1 for whole numbers, else a hundredth of the range."""
    if isinstance(info.default, int):
        return 1
    span = float(info.le) - float(info.ge)  # type: ignore[arg-type]
    return float(f"{span / 100:.1g}")


def has_slider(info: ParamInfo) -> bool:
    """A bounded number whose range a slider can show (not millions of steps)."""
    if isinstance(info.default, bool) or not isinstance(info.default, int | float):
        return False
    if info.ge is None or info.le is None:
        return False
    return isinstance(info.default, float) or info.le - info.ge <= 1000


@solara.component
def TextField(
    value: str,
    on_value: Callable[[str], None],
    label: str = "",
    error: str | bool = False,
    message: str | None = None,
    classes: list[str] | None = None,
    style: dict[str, str] | None = None,
) -> solara.Element:
    """A text field that hands over its text on Enter or on leaving it, and keeps what is typed.

    ``solara.InputText`` gives its widget the last handed-over text at every render, and Solara
    (reacton) sets each widget of the page back to its render's values whenever anything on
    the page renders: a simulated day or a background seed arriving between typing and Enter
    replaced the typed text by the old one, and Enter then handed over the old text (Solara
    issue 779). Here no render names the text: the widget's text is set only when ``value``
    changes to another text than the one last handed over, so what the browser sends stays
    until it is handed over (the page taking a handed-over text late, after more was typed,
    does not bring that text back). The text handed over is the one the browser had at Enter.

    Args:
        value: The text to show; shown when it changes (unless it is the text last handed over).
        on_value: Called with the field's text on Enter or on leaving the field, when the text
            differs from the last one handed over (or from ``value``, since it changed).
        label: The field's label.
        error: A message shown in red under the field (True: red without a message).
        message: The hint under the field when there is no error.
        classes: CSS classes of the field.
        style: CSS of the field.
    """
    messages = [error] if isinstance(error, str) and error else [message] if message else []
    field = solara.v.TextField(
        label=label,
        error=bool(error),
        messages=messages,
        class_=" ".join(classes or []),
        style_=";".join(f"{k}: {v}" for k, v in (style or {}).items()),
        dense=True,
        hide_details="auto",
    )
    sent = solara.use_ref(cast(str | None, None))  # the text last shown or handed over

    def show() -> None:
        if value != sent.current:
            sent.current = value
            cast(Any, solara.get_widget(field)).v_model = value

    solara.use_effect(show, [value])

    def hand_over(_widget: Any, _event: str, text: str | None) -> None:
        text = text or ""
        if text != sent.current:
            sent.current = text
            on_value(text)

    # Vuetify's change event (Enter, or leaving a changed field; not Enter while an input method
    # composes) carries the text itself: a keyup.enter message can overtake the text's own
    # update, which the browser holds back while an earlier message is unanswered.
    solara.v.use_event(field, "change", hand_over)
    return field


@solara.component
def ParamField(
    info: ParamInfo, value: Any, lang: str, check: Callable[[str, Any, str], str | None]
) -> None:
    """One parameter: its help text, a widget and, right under it, the hint or the error.

    Yes/no settings are switches, choices and lists drop-downs, bounded numbers a slider over
    the declared range beside a field (which takes full-width digits too).

    Args:
        info: The parameter's declaration.
        value: Its current value (the community's own, or the one set on the page).
        lang: "en" or "zh".
        check: Called with (path, text or value, lang) when a value is chosen; applies a valid
            one and returns None, or returns the message for a bad one.
    """
    text, set_text = solara.use_state(number(value))
    error, set_error = solara.use_state(cast(str | None, None))

    def submit(new: Any) -> None:
        if isinstance(new, str):
            set_text(new)
        elif isinstance(new, int | float) and not isinstance(new, bool):
            set_text(number(new))
        set_error(check(info.path, new, lang))

    label = zh_text(info.zh or info.help) if lang == "zh" else info.help
    cls = f"cogov-field-{info.path.replace('.', '-')}"
    message = hint(info, value, lang)
    with solara.Column(gap="0px", classes=["cogov-param"]):
        solara.Text(label, style={"font-size": "0.9rem"})
        if isinstance(info.default, bool):
            solara.Switch(
                label=shown_value(value, lang), value=bool(value), on_value=submit, classes=[cls]
            )
            solara.Text(error or message, style=SMALL | ({"color": "#c62828"} if error else {}))
            return
        if info.choices:
            labels = {choice_label(c, lang): c for c in info.choices}
            if isinstance(info.default, tuple):
                solara.SelectMultiple(
                    "",
                    values=[choice_label(v, lang) for v in value],
                    all_values=list(labels),
                    on_value=lambda chosen: submit([labels[c] for c in chosen]),
                    dense=True,
                    classes=[cls],
                )
            else:
                solara.Select(
                    "",
                    values=list(labels),
                    value=choice_label(value, lang),
                    on_value=lambda chosen: submit(labels[chosen]),
                    dense=True,
                    classes=[cls],
                )
            solara.Text(error or message, style=SMALL | ({"color": "#c62828"} if error else {}))
            return
        if has_slider(info):  # a Div for its class: Solara's sliders take none
            shown = parse_number(text, isinstance(info.default, int))[0]
            inside = shown if shown is not None and info.ge <= shown <= info.le else value
            slider = solara.SliderInt if isinstance(info.default, int) else solara.SliderFloat
            with solara.Div(classes=[f"{cls}-slider"]):
                slider(
                    "",
                    value=inside,
                    min=info.ge,
                    max=info.le,
                    step=slider_step(info),
                    on_value=submit,
                    thumb_label=False,
                )
        TextField(text, submit, error=error or False, message=message, classes=[cls])


@solara.component
def CommunityPicker(
    config: RunConfig, pop: Population | None, lang: str, on_source: Callable[[Source], None]
) -> None:
    """The community: a built-in scenario, or an uploaded TOML file validated as by the CLI."""
    choices = solara.use_memo(builtin_choices, [])
    builtin = {(zh if lang == "zh" else en): name for name, en, zh in choices}
    source = config.source
    if source.uploaded is not None:
        current = t("uploaded", lang, name=source.name)
        labels = [*builtin, current]
    else:
        current = next(label for label, name in builtin.items() if name == source.name)
        labels = list(builtin)

    def pick(label: str) -> None:
        if label != current:
            on_source(Source(builtin[label]))

    solara.Select(t("community", lang), values=labels, value=current, on_value=pick)
    if pop is not None:
        solara.Text(
            t(
                "residents_count",
                lang,
                n=f"{pop.n:,}",
                h=f"{pop.n_households:,}",
                b=pop.n_buildings,
            ),
            style=SMALL,
        )
    ScenarioUpload(lang, on_source)


@solara.component
def TomlFile(
    on_file: Callable[[str, bytes], None], on_error: Callable[[str], None]
) -> solara.Element:
    """A file field for one .toml file; reads it from the browser and hands over its bytes."""
    file_info, set_file_info = solara.use_state(cast(list | None, None))
    files, set_files = solara.use_state(cast(list | None, None))
    field = FileInput.element(
        accept=".toml", multiple=False, show_progress=False, on_file_info=set_file_info
    )

    def wire() -> None:
        if not file_info:
            return
        widget = cast(FileInput, solara.get_widget(field))
        widget.version += 1  # as solara.FileDrop does: a new read of the new file
        widget.reset_stats()
        set_files(widget.get_files())

    solara.use_effect(wire, [file_info])

    def read() -> None:
        if not files:
            return
        name = files[0]["name"]
        try:
            data = files[0]["file_obj"].read()
        except Exception as exc:  # the browser went away mid-upload, a read timed out
            on_error(f"{name}: {exc}")
            return
        on_file(name, data)

    solara.use_thread(read, [files])
    return field


@solara.component
def ScenarioUpload(lang: str, on_source: Callable[[Source], None]) -> None:
    """An upload field for a scenario; its message (or the file's name when good) shows below."""
    result, set_result = solara.use_state(cast(tuple[str, str] | None, None))

    def loaded(name: str, data: bytes) -> None:
        try:
            scenario = load_upload(name, data)
        except InputError as exc:
            set_result(("error", str(exc)))
            return
        set_result(("ok", name))
        on_source(Source(name, scenario))

    solara.Text(t("upload", lang), style=SMALL)
    with solara.Div(classes=["cogov-upload"]):
        TomlFile(loaded, lambda message: set_result(("error", message)))
    if result is not None and result[0] == "error":
        solara.Error(result[1], dense=True, classes=["cogov-upload-error"])
    elif result is not None:
        solara.Success(t("upload_ok", lang, name=result[1]), dense=True)


@solara.component
def MechanismSwitches(config: RunConfig, lang: str, on_config: Callable[[RunConfig], None]) -> None:
    """A switch per mechanism of the registry; with A/B, a checkbox per set."""
    compare = config.mechanisms_b is not None
    with solara.Column(gap="6px", classes=["cogov-mechs"]):
        solara.Switch(
            label=t("compare", lang),
            value=compare,
            classes=["cogov-compare"],
            on_value=lambda on: on_config(config.with_compare(on)),
        )
        for which in ("A", "B") if compare else ("A",):
            PackagePicker(config, which, lang, on_config)
        for name in MECHANISMS:
            fixed = name == "administrative"
            title = mechanism_title(name, lang)
            if fixed:
                title = t("bracket", lang, text=title, note=t("always_on", lang))
            if not compare:
                solara.Switch(
                    label=title,
                    value=name in config.mechanisms_a,
                    disabled=fixed,
                    classes=[f"cogov-mech-{name}"],
                    on_value=lambda on, n=name: on_config(config.with_mechanism("A", n, on)),
                )
                continue
            with solara.Row(gap="4px", style={"align-items": "center"}):
                for which, chosen in (("A", config.mechanisms_a), ("B", config.mechanisms_b or ())):
                    solara.Checkbox(
                        label=which,
                        value=name in chosen,
                        disabled=fixed,
                        on_value=lambda on, n=name, w=which: on_config(
                            config.with_mechanism(w, n, on)
                        ),
                    )
                solara.Text(title)


@solara.component
def PackagePicker(
    config: RunConfig, which: str, lang: str, on_config: Callable[[RunConfig], None]
) -> None:
    """A zone's package for set ``which``: choosing one switches on exactly its mechanisms.

    Shows the package the set is now, or nothing when the switches make no package.
    """
    titles = {package_title(name, lang): name for name in PACKAGES}
    current = package_of(config.mechanisms_a if which == "A" else config.mechanisms_b)

    def pick(title: str | None) -> None:
        if title in titles:
            on_config(config.with_package(which, titles[title]))

    solara.Select(
        t("package_set", lang, which=which)
        if config.mechanisms_b is not None
        else t("package", lang),
        values=list(titles),
        value=package_title(current, lang) if current is not None else None,
        on_value=pick,
        dense=True,
        classes=[f"cogov-package-{which}"],
    )


@solara.component
def Settings(
    config: RunConfig,
    spec: Scenario,
    official: list[ParamInfo],
    more: dict[str, list[ParamInfo]],
    lang: str,
    check: Callable[[str, Any, str], str | None],
) -> None:
    """The parameter fields: the official ones, then per mechanism "more settings"."""
    key = config.source.name
    for info in official:
        ParamField(info, scenario_value(spec, info.path), lang, check).key(f"{key}:{info.path}")
    for name, rows in more.items():
        MoreSettings(name, rows, spec, lang, check).key(f"{key}:more:{name}")


@solara.component
def MoreSettings(
    name: str,
    rows: list[ParamInfo],
    spec: Scenario,
    lang: str,
    check: Callable[[str, Any, str], str | None],
) -> None:
    """A mechanism's other parameters, behind a toggle; its fields exist only when open."""
    shown, set_shown = solara.use_state(False)
    solara.Button(
        ("▾ " if shown else "▸ ") + t("more_settings", lang, name=mechanism_title(name, lang)),
        text=True,
        on_click=lambda: set_shown(not shown),
        classes=[f"cogov-more-{name}"],
        style={"text-transform": "none"},
    )
    if shown:
        for info in rows:
            ParamField(info, scenario_value(spec, info.path), lang, check).key(info.path)


@solara.component
def Summary(frame: Frame, lang: str) -> None:
    """The plain-language summary at the top, generated from the numbers (sim.ui.summary)."""
    names = {w: set_names(frame, w, lang) for w in frame.sets}
    with solara.Card(margin=0, classes=["cogov-summary"], style={"background": "#f5f8fc"}):
        solara.Text(t("summary", lang), style=HEADING)
        for sentence in summary.plain_summary(frame, lang, names):
            solara.Text(sentence, classes=["cogov-summary-line"], style={"display": "block"})


@solara.component
def Headlines(frame: Frame, lang: str) -> None:
    """The headline cards: the ensemble's mean (95% range); with A/B, B − A and a verdict.

    Verdicts use the experiment analysis's statistics (:mod:`sim.ui.summary`); at day 0 the
    cards say that nothing has happened yet instead of a change of zero.
    """
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}, classes=["cogov-cards"]):
        for c in summary.comparisons(frame):
            with solara.Card(
                margin=0,
                classes=["cogov-card", f"cogov-card-{c.key}"],
                style={"flex": "1 1 170px", "min-width": "170px"},
            ):
                solara.Text(metric_label(c.key, lang, c.how), style=SMALL)
                if c.diff is None:
                    change = headline(frame, c.key, c.how)["A"][1]
                    with solara.Column(gap="0px"):
                        solara.Text(
                            fmt(c.sets["A"].mean, c.kind, False, lang),
                            classes=["cogov-value"],
                            style={"font-size": "1.7rem", "font-weight": "600"},
                        )
                        solara.Text(
                            summary.interval(c.sets["A"], c.kind, False, lang)
                            if c.sets["A"].n > 1
                            else t("one_seed", lang),
                            classes=["cogov-range"],
                            style=SMALL,
                        )
                        solara.Text(
                            t("start_day0", lang)
                            if frame.day == 0
                            else t("since_start", lang, change=fmt(change, c.kind, True, lang)),
                            classes=["cogov-change"],
                            style=SMALL,
                        )
                    continue
                with solara.Column(gap="0px"):
                    for which, est in c.sets.items():
                        solara.Text(
                            f"{which}  {fmt(est.mean, c.kind, False, lang)}",
                            classes=[f"cogov-value-{which}"],
                            style={"font-weight": "600", "white-space": "nowrap"},
                        )
                    solara.Text(
                        t("difference", lang, change=fmt(c.diff.mean, c.kind, True, lang)),
                        classes=["cogov-diff"],
                        style={"font-size": "1.3rem", "font-weight": "600"},
                    )
                    solara.Text(
                        summary.verdict_text(c, lang),
                        classes=["cogov-verdict", f"cogov-verdict-{c.verdict}"],
                        style={
                            "color": summary.VERDICT_STYLE[c.verdict or "unknown"],
                            "font-weight": "600",
                            "font-size": "0.9rem",
                        },
                    )
    total, done = frame.replicates, frame.done
    posterior = t("with_posterior", lang) if frame.posterior else ""
    solara.Text(
        t("ensemble_done", lang, total=total, posterior=posterior)
        if done >= total
        else t("ensemble", lang, done=done, total=total, posterior=posterior),
        classes=["cogov-ensemble"],
        style=SMALL,
    )


def set_names(frame: Frame, which: str, lang: str) -> str:
    """The mechanisms of one set, by title."""
    return " + ".join(mechanism_title(m.name, lang) for m in frame.models[which].mechanisms)


@solara.component
def TimeSeries(frame: Frame, lang: str, horizon: int) -> None:
    """The six panels over time; the chart object lives as long as language and sets."""
    sets = tuple(frame.sets)
    chart = solara.use_memo(
        lambda: charts.TimeSeriesChart(lang, sets, horizon), [lang, sets, horizon]
    )
    image = solara.use_memo(lambda: chart.render(frame), [chart, frame])
    solara.Text(t("over_time", lang), style=HEADING)
    with solara.Div(classes=["cogov-timeseries"]):
        solara.Image(image, width="100%")
    if len(sets) > 1:
        with solara.Column(gap="0px", classes=["cogov-ab-legend"]):
            for which in sets:
                solara.Text(
                    t(f"legend_{which.lower()}", lang, names=set_names(frame, which, lang)),
                    style=SMALL,
                )


def _bar(value: float, scale: float, colour: str) -> str:
    width = 0 if value != value or scale <= 0 else min(100.0, 100 * value / scale)
    return (
        f'<div style="background:{colour};height:8px;width:{width:.0f}%;border-radius:2px"></div>'
    )


@solara.component
def LeftOut(frame: Frame, lang: str) -> None:
    """Participation and satisfaction by age group and online use (who is left out)."""
    data = breakdown(frame)
    top = max((v[0] for d in data.values() for v in d.values() if v[0] == v[0]), default=0.0)
    head = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in (
            t("group", lang),
            t("residents", lang),
            *(
                f"{t('participation', lang)} {w}" if len(data) > 1 else t("participation", lang)
                for w in data
            ),
            *(
                f"{t('satisfaction', lang)} {w}" if len(data) > 1 else t("satisfaction", lang)
                for w in data
            ),
        )
    )
    rows = []
    for g in GROUPS:
        cells = [html.escape(t(f"group_{g}", lang)), f"{frame.group_sizes[g]:,}"]
        cells += [
            f"{fmt(d[g][0], 'pct')}{_bar(d[g][0], max(top, 0.01), '#1f77b4')}"
            for d in data.values()
        ]
        cells += [f"{fmt(d[g][1], '2f')}{_bar(d[g][1], 1.0, '#2ca02c')}" for d in data.values()]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    solara.Text(t("left_out", lang), style=HEADING)
    solara.HTML(
        tag="table",
        classes=["cogov-left-out"],
        style="width:100%;border-collapse:collapse;font-size:0.9rem",
        unsafe_innerHTML=f"<tr>{head}</tr>{''.join(rows)}",
    )
    if frame.day == 0:
        solara.Text(t("gap_day0", lang), classes=["cogov-gap"], style=SMALL)
        return
    for which, d in data.items():
        if all(d[g][0] == 0 for g in GROUPS):
            alone = {m.name for m in frame.models[which].mechanisms} == {"administrative"}
            key = "no_participation" if alone else "no_participation_yet"
            solara.Text(t(key, lang, which=which), classes=["cogov-gap"], style=SMALL)
            continue
        gap_p = d["offline"][0] - d["online"][0]
        gap_s = d["offline"][1] - d["online"][1]
        if gap_p != gap_p or gap_s != gap_s:
            continue
        p = t(
            "gap_more" if gap_p >= 0 else "gap_less",
            lang,
            x=fmt(abs(gap_p), "pct", True, lang).lstrip("+"),
        )
        s = t("gap_more" if gap_s >= 0 else "gap_less", lang, x=fmt(abs(gap_s), "2f", False, lang))
        prefix = f"{which}{t('colon', lang)}" if len(data) > 1 else ""
        solara.Text(prefix + t("gap", lang, p=p, s=s), classes=["cogov-gap"], style=SMALL)


@solara.component
def CommunityView(frame: Frame, lang: str) -> None:
    """Residents by building, coloured by satisfaction, participants ringed."""
    images = solara.use_memo(
        lambda: {w: charts.encode(img) for w, img in charts.community_images(frame).items()},
        [frame],
    )
    solara.Text(t("community_view", lang), style=HEADING)
    with solara.Row(gap="12px", classes=["cogov-community"]):
        for which, image in images.items():
            with solara.Column(gap="2px", style={"flex": "1"}):
                if len(images) > 1:
                    solara.Text(which, style={"font-weight": "600"})
                solara.Image(image, width="100%")
    gradient = ",".join(
        f"rgb{tuple(int(c) for c in charts.palette()[i])}" for i in range(0, 256, 32)
    )
    solara.HTML(
        tag="div",
        style="display:flex;align-items:center;gap:6px;font-size:0.8rem",
        unsafe_innerHTML=(
            f"<span>{html.escape(t('low', lang))}</span><span style='display:inline-"
            f"block;width:120px;height:10px;background:linear-gradient(to right,"
            f"{gradient})'></span><span>{html.escape(t('high', lang))}</span>"
        ),
    )
    solara.Text(t("map_legend", lang), style=SMALL)


def model_sentence(cls: type, lang: str) -> str:
    """What a mechanism does in the model, in one sentence: its declared ``summary``.

    The Chinese page shows ``summary_zh`` (a plug-in without one shows none: no English on the
    Chinese page).
    """
    text = getattr(cls, "summary_zh", "") if lang == "zh" else cls.summary
    if not text:
        return ""
    text = zh_text(text) if lang == "zh" else text
    return text if text.endswith(("。", ".")) else text + ("。" if lang == "zh" else ".")


@solara.component
def Explanations(config: RunConfig, lang: str) -> None:
    """What each mechanism is, from the article, and in which set it is on."""
    solara.Text(t("explained", lang), style=HEADING)
    for name, cls in MECHANISMS.items():
        sets = [
            w
            for w, chosen in (("A", config.mechanisms_a), ("B", config.mechanisms_b))
            if chosen is not None and name in chosen
        ]
        other = f" ({cls.title_zh})" if lang == "en" and cls.title_zh else ""
        status = f" · {t('on_in', lang, sets=t('set_sep', lang).join(sets))}" if sets else ""
        with solara.Column(
            gap="0px", classes=["cogov-explanation"], style={"margin-bottom": "6px"}
        ):
            solara.Text(
                f"{mechanism_title(name, lang)}{other}{status}", style={"font-weight": "600"}
            )
            in_model = model_sentence(cls, lang)
            if in_model:
                solara.Text(
                    t("in_model", lang, text=in_model),
                    classes=["cogov-in-model"],
                    style={"font-size": "0.9rem"},
                )
            solara.Text(
                t("in_article", lang, text=explanation(cls, lang)), style={"font-size": "0.9rem"}
            )
            where = getattr(cls, "article_zh" if lang == "zh" else "article", "")
            if where:
                solara.Text(t("where_article", lang, text=where), style={"font-size": "0.9rem"})


def settings_line(sim: Simulation, frame: Frame, lang: str) -> str:
    """The community, date and sets of a run, for the title of an exported picture."""
    title = (sim.spec.title_zh or sim.spec.title) if lang == "zh" else sim.spec.title
    names = t("list_sep", lang).join(f"{w} = {set_names(frame, w, lang)}" for w in frame.sets)
    sets = t("sets_line", lang) + t("colon", lang) + names
    return t(
        "export_title",
        lang,
        community=title or sim.spec.name,
        day=frame.day,
        date=calendar_date(frame.day).isoformat(),
        seed=sim.config.seed,
        n=frame.done,
        sets=sets,
    )


def report_pdf(sim: Simulation, frame: Frame) -> bytes:
    """The meeting report (imported on use: the page does not need PdfPages to start)."""
    from sim.ui.report import report_pdf as make

    return make(sim, frame)


def makers(sim: Simulation, lang: str) -> dict[str, Callable[[], Any]]:
    """The downloads' contents, each made from the run's latest frame when clicked."""
    sets, horizon = tuple(sim.config.sets()), sim.spec.days

    def chart() -> bytes:
        frame = sim.frame()
        return charts.TimeSeriesChart(lang, sets, horizon).export(
            frame, settings_line(sim, frame, lang)
        )

    def community() -> bytes:
        frame = sim.frame()
        return charts.community_export(frame, settings_line(sim, frame, lang), lang)

    return {
        "csv": lambda: metrics_csv(sim, sim.frame(), lang),
        "parquet": lambda: metrics_parquet(sim, sim.frame()),
        "png": chart,
        "map": community,
        "pdf": lambda: report_pdf(sim, sim.frame()),
        "toml": lambda: experiment_toml(sim),
    }


@solara.component
def Exports(sim: Simulation, frame: Frame, lang: str) -> None:
    """Downloads of the current run: metrics, charts, community view, report and experiment.

    The callables last as long as the run, language and day: Solara's download restarts its
    work when they change, and the background seeds redraw the page meanwhile.
    """
    make = solara.use_memo(lambda: makers(sim, lang), [sim, lang, frame.day])
    stem = f"{sim.spec.name}_seed{sim.config.seed}_day{frame.day}"
    for key, filename, mime in (
        ("csv", f"{stem}_metrics.csv", "text/csv"),
        ("parquet", f"{stem}_metrics.parquet", "application/vnd.apache.parquet"),
        ("png", f"{stem}_charts.png", "image/png"),
        ("map", f"{stem}_community.png", "image/png"),
        ("pdf", f"{stem}_report.pdf", "application/pdf"),
        ("toml", f"{sim.spec.name}_ab.toml", "application/toml"),
    ):
        solara.FileDownload(
            make[key], filename=filename, label=t(f"export_{key}", lang), mime_type=mime
        )
