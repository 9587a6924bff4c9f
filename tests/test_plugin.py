"""A mechanism from another package (tests/plugin, entry point ``cogov.mechanisms``).

`.ci/setup test` installs the example package; nothing in sim/ names it.
"""

from importlib.metadata import EntryPoint

import ipyvuetify as v
import pytest
import solara

import sim
import sim.mechanisms as registry
from sim.cli import main
from sim.mechanisms import BUILTIN, MECHANISMS, PluginError, plugins
from sim.metrics import METRICS, SPECS
from sim.ui.app import Page

PLUGIN = "noticeboard"


def test_the_plugin_is_registered_after_the_builtins():
    assert PLUGIN in MECHANISMS and PLUGIN not in BUILTIN
    assert list(MECHANISMS)[: len(BUILTIN)] == list(BUILTIN)
    assert SPECS["noticeboard_readers"].owner == PLUGIN


def test_cogov_mechanisms_lists_the_plugin(capsys):
    assert main(["mechanisms"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(PLUGIN))
    assert "公告栏" in line and "plug-in: cogov_example_plugin" in line


def test_all_means_the_builtins_only():
    model = sim.CommunityModel("xianlu_xincun", rng=0, mechanisms="all")
    assert [m.name for m in model.mechanisms] == list(BUILTIN)


def test_its_metric_is_a_column_of_every_run_and_counts_readers():
    with_it = sim.run("xianlu_xincun", days=60, seed=1, mechanisms=[PLUGIN]).metrics
    without = sim.run("xianlu_xincun", days=60, seed=1, mechanisms="administrative").metrics
    assert list(with_it.columns) == list(without.columns) == list(METRICS)
    assert (without["noticeboard_readers"] == 0).all()
    assert with_it["noticeboard_readers"].sum() > 0  # policies arrive monthly: some read them


def test_it_runs_in_an_experiment(tmp_path):
    out = tmp_path / "out"
    assert (
        main(
            [
                "experiment",
                "run",
                "tests/plugin_experiment.toml",
                "--out",
                str(out),
                "--workers",
                "1",
                "--quiet",
            ]
        )
        == 0
    )
    tables = list(out.rglob("*.csv"))
    assert tables, "the experiment wrote no tables"
    text = "\n".join(p.read_text(encoding="utf-8") for p in tables)
    assert "noticeboard_readers" in text and "noticeboard" in text


def test_it_shows_in_the_ui_mechanism_list():
    _, rc = solara.render(Page(), handle_error=False)
    try:
        rc.find(v.Switch, class_=f"cogov-mech-{PLUGIN}").assert_single()
    finally:
        rc.close()


def _with_entry_points(monkeypatch, *eps):
    monkeypatch.setattr(registry, "entry_points", lambda group: list(eps))


def test_a_plugin_that_fails_to_load_is_named(monkeypatch):
    _with_entry_points(
        monkeypatch, EntryPoint("broken", "no_such_module:Thing", "cogov.mechanisms")
    )
    with pytest.raises(PluginError, match=r"'broken'.*failed to load.*ModuleNotFoundError"):
        plugins()


def test_a_plugin_may_not_take_a_builtin_name(monkeypatch):
    _with_entry_points(
        monkeypatch,
        EntryPoint(
            "joint_meeting", "sim.mechanisms.joint_meeting:JointMeeting", "cogov.mechanisms"
        ),
    )
    with pytest.raises(PluginError, match="clashes"):
        plugins()


def test_a_plugin_name_must_match_its_class(monkeypatch):
    _with_entry_points(
        monkeypatch, EntryPoint("board", "cogov_example_plugin:Noticeboard", "cogov.mechanisms")
    )
    with pytest.raises(PluginError, match=r"'noticeboard'.*'board'"):
        plugins()
