"""The web UI without a browser: its state module, its pictures, and the page rendered by Solara.

Page tests render ``Page`` with ``solara.render`` and drive the widgets from Python, so they
check behaviour, not looks; the browser tests (test_ui_browser.py) check the served page.
"""

import time
import tomllib

import ipyvue
import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara

from sim.cli import ui as cli
from sim.inputs import InputError
from sim.mechanisms import MECHANISMS, PACKAGES, Mechanism
from sim.metrics import SPECS
from sim.model import CommunityModel
from sim.params import describe
from sim.scenario import Scenario, load_scenario
from sim.ui import charts
from sim.ui.app import Page
from sim.ui.components import mechanism_title, package_title
from sim.ui.i18n import TEXT, UNITS_ZH, explanation, metric_label, pick_language, t
from sim.ui.state import (
    OFFICIAL_PARAMS,
    RunConfig,
    Simulation,
    Source,
    check_override,
    check_seed,
    controls,
    fmt,
    headline,
    load_upload,
    metrics_csv,
    scenario_toml,
)

OTHER = next((n for n in MECHANISMS if n != "administrative"), None)
needs_other = pytest.mark.skipif(OTHER is None, reason="only the administrative baseline exists")


# ---------------------------------------------------------------------------- texts
@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("zh-TW", "zh"),
        ("fr-FR,fr;q=0.9", "en"),
        ("en;q=0.5,zh;q=0.7", "zh"),
        ("", "en"),
        (None, "en"),
        ("zh;q=abc,en", "en"),
    ],
)
def test_language_follows_accept_language(header, lang):
    assert pick_language(header) == lang


def test_every_text_in_both_languages():
    for key, texts in TEXT.items():
        assert set(texts) == {"en", "zh"}, key
        assert all(texts.values()), key
    assert all(UNITS_ZH.values())
    for name, spec in SPECS.items():  # every metric is labelled in both languages
        assert spec.label and spec.zh, name
    assert metric_label("conflicts", "zh", "sum30") == "矛盾冲突(近30天)"


def test_every_mechanism_has_a_title_and_explanation_in_both_languages():
    for name, cls in MECHANISMS.items():
        assert cls.title and cls.title_zh, name
        if cls.__module__.startswith("sim."):  # cogov's own: the article's account in both
            assert cls.explanation and cls.explanation_zh, name
        for lang in ("en", "zh"):  # the account, or else the class summary
            assert explanation(cls, lang), name

    class Bare(Mechanism):
        name, summary = "new_one", "A summary"

    assert explanation(Bare, "zh") == "A summary"


# ---------------------------------------------------------------------------- settings
def test_controls_come_from_the_declarations():
    spec = load_scenario("xianlu_xincun")
    official, more = controls(spec, {"administrative"})
    declared = {r.path: r for r in describe(Scenario)}
    assert [r.path for r in official] == [p for p in OFFICIAL_PARAMS if p in declared]
    for row in official:
        assert row == declared[row.path]  # default, unit, help and bounds as declared
    assert more == {}
    every = controls(spec, set(MECHANISMS))
    for name, cls in MECHANISMS.items():
        paths = {r.path for r in describe(cls.Params, f"mechanisms.{name}.")}
        shown = {r.path for r in every[0]} | {r.path for r in every[1].get(name, [])}
        assert paths <= shown, name


@pytest.mark.parametrize(
    ("path", "text", "words"),
    [
        ("committee.admin_share", "2", ["less than or equal to 1", "allowed: 0.0 to 1.0 share"]),
        ("committee.admin_share", "lots", ["valid number"]),
        ("committee.admin_share", "", ["valid number"]),
        ("committee.staff", "2.5", ["valid integer"]),
        ("population.online_share_elderly", "-0.1", ["greater than or equal to 0"]),
    ],
)
def test_a_bad_value_gets_the_validators_message(path, text, words):
    value, message = check_override(RunConfig(), path, text)
    assert value is None
    for w in words:
        assert w in message


@needs_other
def test_a_bad_mechanism_value_gets_a_message():
    from sim.params import describe as params_of

    row = params_of(MECHANISMS[OTHER].Params, f"mechanisms.{OTHER}.")[0]
    value, message = check_override(RunConfig(), row.path, "1e9" if row.le else "-1e9")
    assert value is None
    assert row.path.rsplit(".", 1)[1] in message


def test_a_good_value_is_parsed():
    assert check_override(RunConfig(), "committee.admin_share", " 0.4 ") == (0.4, None)
    assert check_override(RunConfig(), "committee.staff", "12") == (12, None)


@pytest.mark.parametrize(
    ("text", "seed"), [("7", 7), (" 42 ", 42), ("-1", None), ("1.5", None), ("x", None), ("", None)]
)
def test_seed_field(text, seed):
    assert check_seed(text) == seed


def test_an_uploaded_file_gets_the_clis_message(tmp_path):
    data = b"name = 'x'\n[population]\nresidents = 1\n"
    path = tmp_path / "bad.toml"
    path.write_bytes(data)
    with pytest.raises(InputError) as cli_error:
        load_scenario(path)
    with pytest.raises(InputError) as ui_error:
        load_upload("bad.toml", data)
    assert str(ui_error.value) == str(cli_error.value).replace(str(path), "bad.toml")
    assert "population.residents" in str(ui_error.value)
    assert "allowed: 2 to 2000000 persons" in str(ui_error.value)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", ["upload.toml", "empty"]),
        (b"\xff\xfe", ["upload.toml", "UTF-8"]),
        (b"name = ", ["upload.toml", "malformed TOML"]),
        (b"x" * 1_000_001, ["upload.toml", "larger than 1 MB"]),
    ],
)
def test_bad_uploads_are_reported(data, words):
    with pytest.raises(InputError) as err:
        load_upload("upload.toml", data)
    for w in words:
        assert w in str(err.value)


def test_a_good_upload_loads():
    spec = load_upload(
        "mine.toml", b"[population]\nresidents = 60\nhouseholds = 20\nhouseholds_per_building = 5\n"
    )
    assert spec.name == "mine"
    sim = Simulation(RunConfig(source=Source("mine", spec)))
    sim.step(3)
    assert sim.models["A"].pop.n == 60


def test_config_changes():
    config = RunConfig()
    assert config.with_override("committee.staff", 3).with_override(
        "committee.staff", 4
    ).overrides == (("committee.staff", 4),)
    on = config.with_compare(True)
    assert on.mechanisms_b == tuple(MECHANISMS)
    assert on.with_compare(False).mechanisms_b is None
    off = on.with_mechanism("B", "administrative", False)
    assert "administrative" in off.mechanisms_b  # the baseline is always on


# ---------------------------------------------------------------------------- the run
def test_sets_a_and_b_share_random_numbers():
    sim = Simulation(RunConfig(mechanisms_b=("administrative",)))
    sim.step(60)
    a, b = (sim.models[k].metrics() for k in "AB")
    assert a.equals(b)


def test_run_until_stops_at_target_or_when_paused():
    sim = Simulation(RunConfig())
    chunks = []
    sim.run_until(20, lambda: True, lambda: chunks.append(sim.day), chunk_seconds=0.0)
    assert sim.day == 20 and chunks[-1] == 20
    sim.run_until(40, lambda: sim.day < 25, lambda: None)
    assert sim.day == 25


def test_headline_change_since_the_start():
    sim = Simulation(RunConfig())
    start = headline(sim.frame(), "satisfaction_mean", "last")["A"]
    assert start[1] == 0.0
    sim.step(40)
    value, change = headline(sim.frame(), "satisfaction_mean", "last")["A"]
    assert change == pytest.approx(value - start[0])
    hours = headline(sim.frame(), "social_worker_hours", "mean30")["A"][0]
    assert hours == pytest.approx(
        sim.models["A"].metrics()["social_worker_hours"].iloc[-30:].mean()
    )


@pytest.mark.parametrize(
    ("value", "kind", "signed", "text"),
    [
        (0.123, "pct", False, "12.3%"),
        (0.05, "pct", True, "+5.0 pt"),
        (-2.0, "int", True, "-2"),
        (1234.0, "int", False, "1,234"),
        (0.5, "2f", True, "+0.50"),
        (float("nan"), "1f", False, "–"),
    ],
)
def test_formats(value, kind, signed, text):
    assert fmt(value, kind, signed) == text


def test_metrics_csv_has_both_sets():
    sim = Simulation(RunConfig(mechanisms_b=("administrative",)))
    sim.step(5)
    lines = metrics_csv(sim.frame()).splitlines()
    assert lines[0].startswith("set,day,")
    assert len(lines) == 1 + 2 * 5
    assert {line.split(",")[0] for line in lines[1:]} == {"A", "B"}


def test_exported_scenario_reproduces_the_run(tmp_path):
    mechanisms = ("administrative", OTHER) if OTHER else ("administrative",)
    config = RunConfig(
        overrides=(("committee.admin_share", 0.45),), mechanisms_a=mechanisms, seed=3
    )
    sim = Simulation(config)
    sim.step(30)
    path = tmp_path / "exported.toml"
    path.write_text(scenario_toml(sim), encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))
    spec = load_scenario(path)
    assert spec.committee.admin_share == 0.45
    assert set(spec.mechanisms) == set(mechanisms)
    again = CommunityModel(path, rng=3)  # mechanisms from the file's table
    assert again.run(30).equals(sim.models["A"].metrics())


# ---------------------------------------------------------------------------- pictures
def test_community_layout_is_computed_once_and_fits():
    sim = Simulation(RunConfig())
    frame = sim.frame()
    pop = sim.models["A"].pop
    first = charts.layout(frame.layout_key, pop, frame.seed)
    assert charts.layout(frame.layout_key, pop, frame.seed) is first
    assert first.dots.shape[0] == pop.n
    assert first.dots.max() < first.width * first.height
    centres = first.dots[:, first.dots.shape[1] // 2]
    assert len(np.unique(centres)) > 0.9 * pop.n  # residents are told apart
    images = charts.community_images(frame)
    assert images["A"].shape == (first.height, first.width, 3)
    assert charts.encode(images["A"]).startswith(b"\x89PNG")


def test_participants_are_ringed():
    sim = Simulation(RunConfig())
    frame = sim.frame()
    lay = charts.layout(frame.layout_key, sim.models["A"].pop, frame.seed)
    none = charts.paint(lay, frame.satisfaction["A"], np.zeros(sim.models["A"].pop.n, bool))
    some = charts.paint(lay, frame.satisfaction["A"], np.arange(sim.models["A"].pop.n) < 50)
    assert (some == charts.RING).all(axis=2).sum() > (none == charts.RING).all(axis=2).sum()


def test_ab_chart_draws_two_series_per_metric():
    sim = Simulation(RunConfig(mechanisms_b=tuple(MECHANISMS)))
    sim.step(40)
    chart = charts.TimeSeriesChart("en", ("A", "B"), sim.spec.days)
    assert chart.render(sim.frame()).startswith(b"\x89PNG")
    by_column: dict[str, set[str]] = {}
    for which, col, line in chart.lines:
        by_column.setdefault(col, set()).add(which)
        assert len(line.get_xdata()) == 40
    assert all(sets == {"A", "B"} for sets in by_column.values())
    assert chart.export(sim.frame()).startswith(b"\x89PNG")


def test_chinese_charts_need_a_cjk_font():
    assert charts.chart_language("en") == "en"
    assert charts.chart_language("zh") == ("zh" if charts.cjk_font() else "en")


def test_nice_ceiling():
    assert [charts.nice_ceiling(x) for x in (0.03, 0.05, 7, 11, 260)] == [0.05, 0.05, 10, 20, 500]


# ---------------------------------------------------------------------------- the CLI
def test_ui_command_serves_offline_on_loopback(monkeypatch):
    from sim.cli import parser

    args = parser().parse_args(["ui"])
    assert args.fn is cli.cmd_ui
    argv = cli.solara_args(args)
    assert argv[0].endswith("app.py")
    for flag in ("--production", "--no-check-version", "--no-open"):
        assert flag in argv
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "8765"
    assert cli.FORCED["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    args = parser().parse_args(["ui", "--host", "0.0.0.0", "--port", "9000", "--open"])
    argv = cli.solara_args(args)
    assert "--open" in argv and argv[argv.index("--port") + 1] == "9000"


def test_cli_does_not_import_solara():
    import subprocess
    import sys

    code = "import sys, sim.cli; sim.cli.parser(); print('solara' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------- the page
@pytest.fixture
def page():
    _, rc = solara.render(Page(), handle_error=False)
    yield rc
    rc.close()


def widgets(rc):
    """Every widget under the render context, depth first."""
    seen, stack, out = set(), [rc.container], []
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
        elif isinstance(item, ipywidgets.Widget) and id(item) not in seen:
            seen.add(id(item))
            out.append(item)
            stack.extend(reversed([getattr(item, k) for k in item.keys]))
    return out


def with_class(rc, cls, kind=ipyvue.VueWidget):
    """Widgets of a kind whose classes include ``cls``, in page order."""
    return [
        w
        for w in widgets(rc)
        if isinstance(w, kind) and cls in (getattr(w, "class_", None) or "").split()
    ]


def text_of(rc, cls):
    return [w.children[0] for w in with_class(rc, cls, v.Html)]


def day(rc):
    return text_of(rc, "cogov-day")[0]


def click(rc, cls):
    (button,) = with_class(rc, cls, v.Btn)
    button.click()


def has_button(rc, cls):
    return len(with_class(rc, cls, v.Btn)) == 1


def wait_for(condition, timeout=30.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def set_field(rc, cls, text):
    field = rc.find(v.TextField, class_=cls).widget
    field.v_model = text
    field.fire_event("focusout", None)
    return rc.find(v.TextField, class_=cls).widget


def test_page_shows_day_cards_charts_and_controls(page):
    assert day(page) == "Day 0"
    assert len(text_of(page, "cogov-value")) == 6
    assert len(with_class(page, "cogov-timeseries")) == 1
    assert len(with_class(page, "cogov-explanation")) == len(MECHANISMS)
    for path in ("committee.admin_share", "committee.staff", "population.online_share_elderly"):
        page.find(v.TextField, class_=f"cogov-field-{path.replace('.', '-')}").assert_single()
    for name in MECHANISMS:
        page.find(v.Switch, class_=f"cogov-mech-{name}").assert_single()


def test_step_advances_the_day_and_a_headline(page):
    before = text_of(page, "cogov-value") + text_of(page, "cogov-change")
    click(page, "cogov-step")
    assert day(page) == "Day 1"
    # the first policy to explain, issue or conflict arrives within days
    for n in range(2, 31):
        click(page, "cogov-step")
        assert day(page) == f"Day {n}"
        if text_of(page, "cogov-value") + text_of(page, "cogov-change") != before:
            break
    else:
        pytest.fail("no headline changed in 30 days")


def test_step_and_redraw_are_fast(page):
    click(page, "cogov-step")  # first draw of the axes
    times = []
    for n in range(2, 12):
        t0 = time.perf_counter()
        click(page, "cogov-step")
        times.append(time.perf_counter() - t0)
        assert day(page) == f"Day {n}"  # drawn within the click, not later by another thread
    # The budget is 200 ms; the bound leaves room for a loaded test machine.
    assert np.median(times) < 0.6, times


def test_jump_runs_in_the_background_and_pause_stops_it(page):
    click(page, "cogov-jump_month")
    wait_for(lambda: day(page) == "Day 30")
    wait_for(lambda: has_button(page, "cogov-run"))
    click(page, "cogov-run")  # to the end of the experiment
    wait_for(lambda: has_button(page, "cogov-pause"), 10)
    click(page, "cogov-pause")
    wait_for(lambda: has_button(page, "cogov-run"), 10)
    stopped = int(day(page).split()[1])
    assert 30 <= stopped < 1096
    time.sleep(0.5)
    assert int(day(page).split()[1]) == stopped


def test_language_toggle(page):
    click(page, "cogov-language")
    assert day(page) == "第 0 天"
    shown = {c for w in widgets(page) for c in getattr(w, "children", ()) if isinstance(c, str)}
    assert metric_label("participation_rate", "zh") in shown
    for key in ("step", "mechanisms", "left_out", "explained"):
        assert t(key, "zh") in shown, key
    click(page, "cogov-language")
    assert day(page) == "Day 0"


def test_bad_value_shows_a_message_beside_the_field_and_keeps_the_run(page):
    click(page, "cogov-step")
    field = set_field(page, "cogov-field-committee-admin_share", "1.5")
    assert field.error and "less than or equal to 1" in field.messages[0]
    assert day(page) == "Day 1"  # nothing restarted
    field = set_field(page, "cogov-field-committee-admin_share", "0.3")
    assert not field.error
    assert day(page) == "Day 0"  # a good value restarts the run


@needs_other
def test_switching_a_mechanism_on_changes_the_curves(page):
    click(page, "cogov-jump_month")
    wait_for(lambda: day(page) == "Day 30")
    wait_for(lambda: has_button(page, "cogov-run"))
    baseline = text_of(page, "cogov-value") + text_of(page, "cogov-change")
    page.find(v.Switch, class_=f"cogov-mech-{OTHER}").widget.v_model = True
    wait_for(lambda: day(page) == "Day 0")  # another thread may be drawing the last chunk
    click(page, "cogov-jump_month")
    wait_for(lambda: day(page) == "Day 30")
    wait_for(lambda: has_button(page, "cogov-run"))
    assert text_of(page, "cogov-value") + text_of(page, "cogov-change") != baseline


def test_ab_shows_both_sets_and_their_difference(page):
    page.find(v.Switch, class_="cogov-compare").widget.v_model = True
    click(page, "cogov-step")
    assert len(text_of(page, "cogov-diff")) == 6
    assert len(text_of(page, "cogov-value-A")) == len(text_of(page, "cogov-value-B")) == 6
    assert len(with_class(page, "cogov-ab-legend")) == 1


def test_seed_field_resets_with_another_seed(page):
    click(page, "cogov-step")
    field = set_field(page, "cogov-seed", "x")
    assert field.error
    assert day(page) == "Day 1"
    set_field(page, "cogov-seed", "5")
    assert day(page) == "Day 0"
    click(page, "cogov-step")
    click(page, "cogov-reset")
    assert day(page) == "Day 0"


def test_two_pages_have_their_own_runs():
    _, first = solara.render(Page(), handle_error=False)
    _, second = solara.render(Page(), handle_error=False)
    try:
        click(first, "cogov-step")
        click(first, "cogov-step")
        click(second, "cogov-step")
        assert (day(first), day(second)) == ("Day 2", "Day 1")
    finally:
        first.close()
        second.close()


def switched_on(rc):
    """The mechanisms whose switch is on (single-set mode)."""
    return {n for n in MECHANISMS if rc.find(v.Switch, class_=f"cogov-mech-{n}").widget.v_model}


def choose_package(rc, which, title):
    select = rc.find(v.Select, class_=f"cogov-package-{which}").widget
    select.v_model = title
    return rc.find(v.Select, class_=f"cogov-package-{which}").widget


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_choosing_a_zone_package_switches_on_exactly_its_mechanisms(page, lang):
    if lang == "zh":
        click(page, "cogov-language")
    select = page.find(v.Select, class_="cogov-package-A").widget
    assert select.label == t("package", lang)
    assert select.items == [package_title(n, lang) for n in PACKAGES]
    assert select.v_model is None  # the baseline alone is no package
    click(page, "cogov-step")
    for name, package in PACKAGES.items():
        select = choose_package(page, "A", package_title(name, lang))
        assert switched_on(page) == {"administrative", *package.mechanisms}, name
        assert select.v_model == package_title(name, lang)
        assert day(page) == t("day", lang, n=0)  # a new set of mechanisms starts again
    # switching one more mechanism on makes the set no package any more
    extra = next(n for n in MECHANISMS if n not in {"administrative", *package.mechanisms})
    page.find(v.Switch, class_=f"cogov-mech-{extra}").widget.v_model = True
    assert page.find(v.Select, class_="cogov-package-A").widget.v_model is None
    switch = page.find(v.Switch, class_=f"cogov-mech-{extra}").widget
    assert switch.label == mechanism_title(extra, lang)


def test_ab_has_a_package_choice_per_set(page):
    page.find(v.Switch, class_="cogov-compare").widget.v_model = True
    choose_package(page, "B", package_title("gusu", "en"))
    choose_package(page, "A", package_title("gulou", "en"))
    headings = [c for w in widgets(page) if isinstance(w, v.Html) for c in w.children[:1]]
    headings = [h for h in headings if isinstance(h, str)]
    for name in MECHANISMS:
        explained = f"{mechanism_title(name, 'en')} ({MECHANISMS[name].title_zh})"
        heading = next(h for h in headings if h.startswith(explained))  # the explanation's
        sets = heading.split(" · on in ")[1].split(", ") if " · on in " in heading else []
        want = [
            w
            for w in "AB"
            if name == "administrative"
            or name in PACKAGES[{"A": "gulou", "B": "gusu"}[w]].mechanisms
        ]
        assert sets == want, name
