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
from sim.ui import charts
from sim.ui.i18n import explanation, metric_label, t, unit
from sim.ui.state import (
    GROUPS,
    HEADLINES,
    Frame,
    RunConfig,
    Simulation,
    Source,
    breakdown,
    builtin_choices,
    fmt,
    headline,
    load_upload,
    metrics_csv,
    package_of,
    scenario_toml,
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
"""


def number(value: Any) -> str:
    """A parameter value as typed in a field."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def mechanism_title(name: str, lang: str) -> str:
    """A mechanism's title in ``lang``."""
    cls = MECHANISMS[name]
    return (cls.title_zh or cls.title) if lang == "zh" else (cls.title or name)


def package_title(name: str, lang: str) -> str:
    """A zone package's title in ``lang``."""
    package = PACKAGES[name]
    return package.title_zh if lang == "zh" else package.title


def hint(info: ParamInfo, lang: str) -> str:
    """A field's hint: unit, allowed range and default, from the declaration."""
    parts = [unit(info.unit, lang)] if info.unit else []
    if info.ge is not None and info.le is not None:
        parts.append(t("allowed", lang, lo=number(info.ge), hi=number(info.le)))
    elif info.allowed:
        parts.append(info.allowed)
    parts.append(f"{t('default', lang)} {number(info.default)}")
    return " · ".join(parts)


@solara.component
def ParamField(
    info: ParamInfo, value: Any, lang: str, check: Callable[[str, str], str | None]
) -> None:
    """One parameter: its help text, a field and, right under it, the hint or the error.

    Args:
        info: The parameter's declaration.
        value: Its current value.
        lang: "en" or "zh".
        check: Called with (path, text) when the field is left or Enter pressed; applies a
            valid value and returns None, or returns the message for a bad one.
    """
    text, set_text = solara.use_state(number(value))
    error, set_error = solara.use_state(cast(str | None, None))

    def submit(new: str) -> None:
        set_text(new)
        set_error(check(info.path, new))

    label = (info.zh or info.help) if lang == "zh" else info.help
    with solara.Column(gap="0px", classes=["cogov-param"]):
        solara.Text(label, style={"font-size": "0.9rem"})
        solara.InputText(
            "",
            value=text,
            on_value=submit,
            error=error or False,
            message=hint(info, lang),
            dense=True,
            classes=[f"cogov-field-{info.path.replace('.', '-')}"],
        )


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
            title = mechanism_title(name, lang) + (f" ({t('always_on', lang)})" if fixed else "")
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
    check: Callable[[str, str], str | None],
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
    check: Callable[[str, str], str | None],
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
def Headlines(frame: Frame, lang: str) -> None:
    """The headline cards: value now and change since day 0; with A/B, the difference."""
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        for key, how, kind in HEADLINES:
            values = headline(frame, key, how)
            with solara.Card(
                margin=0,
                classes=["cogov-card", f"cogov-card-{key}"],
                style={"flex": "1 1 160px", "min-width": "160px"},
            ):
                solara.Text(metric_label(key, lang, how), style=SMALL)
                if "B" not in values:
                    value, change = values["A"]
                    with solara.Column(gap="0px"):
                        solara.Text(
                            fmt(value, kind),
                            classes=["cogov-value"],
                            style={"font-size": "1.7rem", "font-weight": "600"},
                        )
                        solara.Text(
                            t("since_start", lang, change=fmt(change, kind, True)),
                            classes=["cogov-change"],
                            style=SMALL,
                        )
                    continue
                with solara.Column(gap="0px"):
                    for which, (value, change) in values.items():
                        solara.Text(
                            f"{which}  {fmt(value, kind)}  ({fmt(change, kind, True)})",
                            classes=[f"cogov-value-{which}"],
                            style={"font-weight": "600", "white-space": "nowrap"},
                        )
                    diff = values["B"][0] - values["A"][0]
                    solara.Text(
                        t("difference", lang, change=fmt(diff, kind, True)),
                        classes=["cogov-diff"],
                        style={"font-size": "1.3rem", "font-weight": "600"},
                    )
    if "B" in frame.metrics:
        solara.Text(t("change_in_brackets", lang), style=SMALL)


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
    for which, d in data.items():
        gap_p = d["offline"][0] - d["online"][0]
        gap_s = d["offline"][1] - d["online"][1]
        if gap_p != gap_p or gap_s != gap_s:
            continue
        p = t(
            "gap_more" if gap_p >= 0 else "gap_less",
            lang,
            x=fmt(abs(gap_p), "pct", True).lstrip("+"),
        )
        s = t("gap_more" if gap_s >= 0 else "gap_less", lang, x=fmt(abs(gap_s), "2f"))
        prefix = f"{which}: " if len(data) > 1 else ""
        solara.Text(prefix + t("gap", lang, p=p, s=s), style=SMALL)


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
        other = cls.title if lang == "zh" else cls.title_zh
        status = f" · {t('on_in', lang, sets=', '.join(sets))}" if sets else ""
        with solara.Column(
            gap="0px", classes=["cogov-explanation"], style={"margin-bottom": "6px"}
        ):
            solara.Text(
                f"{mechanism_title(name, lang)} ({other}){status}", style={"font-weight": "600"}
            )
            solara.Text(explanation(cls, lang), style={"font-size": "0.9rem"})


@solara.component
def Exports(sim: Simulation, frame: Frame, lang: str) -> None:
    """Downloads of the current run: metrics, charts, community view and scenario."""
    stem = f"{sim.spec.name}_seed{sim.config.seed}_day{frame.day}"
    sets, horizon = tuple(frame.sets), sim.spec.days
    solara.FileDownload(
        lambda: metrics_csv(frame),
        filename=f"{stem}_metrics.csv",
        label=t("export_csv", lang),
        mime_type="text/csv",
    )
    solara.FileDownload(
        lambda: charts.TimeSeriesChart(lang, sets, horizon).export(frame),
        filename=f"{stem}_charts.png",
        label=t("export_png", lang),
        mime_type="image/png",
    )
    solara.FileDownload(
        lambda: charts.community_export(frame),
        filename=f"{stem}_community.png",
        label=t("export_map", lang),
        mime_type="image/png",
    )
    solara.FileDownload(
        lambda: scenario_toml(sim),
        filename=f"{sim.spec.name}.toml",
        label=t("export_toml", lang),
        mime_type="application/toml",
    )
