"""The command line: bad input gets one clear message naming file and field, exit status 2."""

import json
import subprocess
import sys

import pandas as pd
import pytest

import sim
from sim.cli import main

GOOD = """
name = "tiny"
[population]
residents = 60
households = 20
households_per_building = 5
"""


def write(tmp_path, text, name="s.toml", binary=False):
    path = tmp_path / name
    if binary:
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


BAD_FILES = [
    # (file text, words the message must contain)
    ("name = 'x'\nfoo = 1\n", ["foo", "unknown key"]),
    ("name = 'x'\n[population]\nresidents = 'many'\n", ["population.residents", "integer"]),
    (
        "name = 'x'\n[population]\nresidents = 1\n",
        ["population.residents", "allowed: 2 to 2000000 persons"],
    ),
    (
        "name = 'x'\n[population]\nresidents = 10\nhouseholds = 20\n",
        ["population", "households (20) cannot exceed residents (10)"],
    ),
    ("name = 'x'\n[population]\nshare_elderly = 1.5\n", ["population.share_elderly", "0.0 to 1.0"]),
    (
        "name = 'x'\n[issues.parking.rate]\nold_estate = -1\n",
        ["issues.parking.rate.old_estate", "greater than or equal to 0"],
    ),
    ("name = 'x'\ndays = 0\n", ["days", "allowed: 1 to 36500"]),
    ("name = 'x'\n[[units]]\nname = 'a unit'\n", ["units.0.kind", "required field is missing"]),
    ("name = 'x'\n[mechanisms.nonsense]\n", ["mechanisms", "unknown mechanism", "administrative"]),
    ("name = 'x'\n[network]\np_stair = 1.5\n", ["network.p_stair", "0.0 to 1.0"]),
    ("name = 'x\n", ["malformed TOML"]),
    ("   \n", ["empty"]),
]


@pytest.mark.parametrize(("text", "words"), BAD_FILES)
def test_bad_scenario_file_exits_2_naming_file_and_field(tmp_path, capsys, text, words):
    path = write(tmp_path, text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    for w in words:
        assert w in err
    assert "Traceback" not in err


def test_not_utf8_missing_and_directory(tmp_path, capsys):
    cases = [
        (write(tmp_path, b"name = '\xff\xfe'\n", binary=True), "not UTF-8"),
        (tmp_path / "absent.toml", "file not found"),
        (tmp_path, "is a directory"),
    ]
    for path, words in cases:
        assert main(["run", str(path), "--days", "1", "--quiet"]) == 2
        err = capsys.readouterr().err
        assert str(path) in err and words in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["run", "xianlu_xincun", "--days", "0"], "--days: must be 1 to 36500"),
        (["run", "xianlu_xincun", "--seed", "x"], "--seed: expected a whole number"),
        (["run", "xianlu_xincun", "--set", "novalue"], "expected KEY=VALUE"),
        (["run", "no_such_scenario"], "built-in: qixia_affordable"),
        (
            ["run", "xianlu_xincun", "--set", "committee.admin_share=2", "--days", "1"],
            "committee.admin_share",
        ),
        (
            ["run", "xianlu_xincun", "--set", "population.bogus=1", "--days", "1"],
            "population.bogus: unknown key",
        ),
        (
            ["run", "xianlu_xincun", "--mechanisms", "nope", "--days", "1"],
            "unknown mechanism; available: administrative",
        ),
    ],
)
def test_bad_flags_exit_2(capsys, argv, words):
    assert exit_code([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err


def exit_code(argv):
    """The exit status of ``cogov ARGV``, whether argparse exits or main returns."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def test_console_script_prints_no_traceback(tmp_path):
    """Through a real process: exit status 2 and a one-line message on stderr."""
    path = write(tmp_path, "name = 'x'\n[population]\nresidents = 'lots'\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "population.residents" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_run_writes_outputs_with_manifest(tmp_path, capsys):
    scenario = write(tmp_path, GOOD)
    out = tmp_path / "out"
    code = main(
        [
            "run",
            str(scenario),
            "--days",
            "20",
            "--seed",
            "3",
            "--out",
            str(out),
            "--set",
            "committee.admin_share=0.5",
            "--quiet",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "Satisfaction, on the last day" in printed
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert len(metrics) == 20
    pd.testing.assert_frame_equal(pd.read_csv(out / "metrics.csv"), metrics, check_dtype=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["population"] == {"residents": 60, "households": 20, "buildings": 4}
    assert manifest["scenario"]["committee"]["admin_share"] == 0.5
    assert manifest["versions"]["numpy"] and manifest["versions"]["mesa"]
    assert "administrative" in manifest["mechanisms"]
    assert (out / "metrics.png").read_bytes()[:4] == b"\x89PNG"


def test_scenarios_lists_four_community_types(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for t in ("old_estate", "commercial", "affordable", "rural"):
        assert t in out


def test_validate_builtins(capsys):
    assert (
        main(["validate", "xianlu_xincun", "zhijia_garden", "qixia_affordable", "qixia_rural"]) == 0
    )


def test_run_with_mechanisms_shows_the_change_against_the_baseline(tmp_path, capsys):
    scenario = write(tmp_path, GOOD)
    assert (
        main(["run", str(scenario), "--days", "40", "--mechanisms", "joint_meeting", "--quiet"])
        == 0
    )
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "administrative only" in line)
    assert "with mechanisms" in header and "change" in header
    row = next(line for line in out.splitlines() if line.startswith("Issues resolved"))
    with_it, base, change = (float(v) for v in row.split()[-3:])
    assert change == with_it - base


# ------------------------------------------------------------------ issue 13: sharp edges
def one_error_line(err):
    """The stderr of a refused command: one error line, no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(("cogov: error: ", "error: "))
    return lines[0]


def test_days_and_replicates_share_the_declared_bounds(capsys):
    from sim.cli import parser
    from sim.experiments.design import Experiment
    from sim.params import MAX_DAYS, MAX_REPLICATES, describe, find

    # One bound, declared once: the scenario's and the experiment's fields use it ...
    assert find(describe(sim.Scenario), "days").le == MAX_DAYS
    assert find(describe(Experiment), "days").le == MAX_DAYS
    assert find(describe(Experiment), "replicates").le == MAX_REPLICATES
    # ... and so do the flags: the bound is accepted, one more is refused like --set days=.
    p = parser()
    assert p.parse_args(["run", "x", "--days", str(MAX_DAYS)]).days == MAX_DAYS
    for argv in (
        ["run", "x", "--days", str(MAX_DAYS + 1)],
        ["run", "x", "--days", "1000000000"],
        ["district", "run", "gulou", "--days", str(MAX_DAYS + 1)],
        ["experiment", "run", "x", "--replicates", str(MAX_REPLICATES + 1)],
        ["experiment", "run", "x", "--replicates", "100000000"],
    ):
        with pytest.raises(SystemExit) as exc:
            p.parse_args(argv)
        assert exc.value.code == 2
        assert f"must be 1 to {MAX_DAYS if '--days' in argv else MAX_REPLICATES}" in (
            capsys.readouterr().err
        )
    assert exit_code(["run", "xianlu_xincun", "--set", f"days={MAX_DAYS + 1}"]) == 2
    assert f"allowed: 1 to {MAX_DAYS}" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["file", "/dev/null", "below_file", "/sys/cogov-out"])
def test_a_bad_out_is_refused_before_the_run(tmp_path, capsys, where):
    target = {
        "file": tmp_path / "f.txt",
        "/dev/null": "/dev/null",
        "below_file": tmp_path / "f.txt" / "sub",
        "/sys/cogov-out": "/sys/cogov-out",
    }[where]
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    assert exit_code(["run", "xianlu_xincun", "--days", "3", "--quiet", "--out", str(target)]) == 2
    out, err = capsys.readouterr()
    assert "residents" not in out  # refused before simulating: no summary was printed
    line = one_error_line(err)
    assert "--out" in line and str(target) in line


def test_override_errors_name_the_set_flag_not_the_file(capsys):
    assert exit_code(["run", "xianlu_xincun", "--set", "committee.bogus=1"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("cogov: error: --set: committee.bogus: unknown key")
    assert "xianlu_xincun.toml" not in line


@pytest.mark.parametrize(
    ("text", "words", "not_words"),
    [
        (
            "[committee]\nhours_per_day = nan\n",
            ["committee.hours_per_day", "finite number"],
            ["less than or equal"],
        ),
        ("[committee]\nadmin_share = inf\n", ["finite number"], []),
        (
            "[population]\nresidents = true\n",
            ["population.residents", "boolean"],
            ["greater than or equal"],
        ),
        ("[committee]\nadmin_share = true\n", ["committee.admin_share", "boolean"], []),
        ("[committee]\nstaff = 2.5\n", ["committee.staff", "integer"], []),
        ("[population]\nresidents = '3200'\n", ["population.residents", "integer"], []),
        (
            "[committee]\nhours_per_day = 0\n",
            ["allowed: above 0 and at most 24 h/day"],
            ["0 to 24"],
        ),
        ("[committee]\nstaf = 3\n", ["committee.staf", "unknown key", "did you mean 'staff'"], []),
        (
            "[mechanisms.joint_meeting]\nbogus = 1\n",
            ["mechanisms.joint_meeting.bogus: unknown parameter"],
            ["mechanisms: mechanisms."],
        ),
        (
            "[mechanisms.joint_meeting]\nunit_support = 2\n",
            ["mechanisms.joint_meeting.unit_support", "allowed: 0 to 1"],
            ["mechanisms: mechanisms."],
        ),
        ("[mechanisms.joint_meting]\n", ["did you mean 'joint_meeting'"], []),
    ],
)
def test_messages_say_what_is_wrong(tmp_path, capsys, text, words, not_words):
    path = write(tmp_path, "name = 'x'\n" + text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err
    for w in not_words:
        assert w not in err


@pytest.mark.parametrize(
    "key", ["mechanisms.joint_meeting.daytime", "mechanisms.joint_meeting.formats.studio.personal"]
)
def test_a_boolean_parameter_takes_only_true_or_false(tmp_path, capsys, key):
    for value in ("1", "0", "'true'"):
        assert exit_code(["run", "xianlu_xincun", "--quiet", "--set", f"{key}={value}"]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert f"--set: {key}: must be true or false, got " in line
    # the text true/false (what --set passes) is still read as a boolean
    value = sim.load_scenario("xianlu_xincun", {key: "false"}).mechanisms
    for part in key.split(".")[1:]:
        value = value[part]
    assert value is False
    table, _, leaf = key.rpartition(".")
    path = write(tmp_path, f"name = 'x'\n[{table}]\n{leaf} = 1\n")
    assert main(["validate", str(path)]) == 2
    assert f"{key}: must be true or false, got 1" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["true", "false", "nan"])
def test_set_refuses_booleans_and_nan_where_a_number_is_meant(capsys, value):
    assert exit_code(["run", "xianlu_xincun", "--set", f"committee.admin_share={value}"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--set: committee.admin_share" in line


def test_mechanism_lists_may_have_spaces(capsys):
    assert (
        main(
            [
                "run",
                "xianlu_xincun",
                "--days",
                "2",
                "--quiet",
                "--mechanisms",
                "joint_meeting, palm_community",
            ]
        )
        == 0
    )
    assert "mechanisms: administrative, joint_meeting, palm_community" in capsys.readouterr().out


def test_validate_refuses_a_fifo_at_once(tmp_path):
    import os

    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    # A reader of a FIFO blocks until a writer comes; the timeout turns a hang into a failure.
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "validate", str(fifo)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "not a regular file" in one_error_line(proc.stderr)


def test_validate_points_an_experiment_file_to_experiment_validate(capsys):
    from sim.scenario import data_dir

    path = data_dir("experiments") / "mechanisms.toml"
    assert main(["validate", str(path)]) == 2
    assert "this is an experiment file; use cogov experiment validate" in capsys.readouterr().err


def test_a_file_cut_off_at_a_line_break_warns_which_tables_are_defaults(tmp_path, capsys):
    from sim.scenario import locate

    text = locate("xianlu_xincun").read_text(encoding="utf-8")
    cut = write(tmp_path, text[: text.index("[committee]")])  # valid TOML, tables lost
    assert main(["validate", str(cut)]) == 0
    captured = capsys.readouterr()
    assert "ok" in captured.out
    assert "tables taken from defaults: committee, sub_district" in captured.err
    assert main(["run", str(cut), "--days", "1", "--quiet"]) == 0
    assert "tables taken from defaults: committee, sub_district" in capsys.readouterr().err
    assert main(["validate", "xianlu_xincun"]) == 0
    assert "warning" not in capsys.readouterr().err  # complete files say nothing


def test_params_lists_units_and_property_firm_fields(capsys):
    assert main(["params"]) == 0
    paths = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert {"units.N.kind", "units.N.spaces_after_hours", "property_firm.strength"} <= paths


def test_set_reaches_a_unit_by_its_position(tmp_path, capsys):
    assert (
        main(
            [
                "run",
                "xianlu_xincun",
                "--days",
                "1",
                "--quiet",
                "--set",
                "units.0.spaces_after_hours=10",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    units = json.loads((tmp_path / "manifest.json").read_text())["scenario"]["units"]
    assert [u["spaces_after_hours"] for u in units] == [10, 60]  # the second unit is untouched
    assert exit_code(["run", "xianlu_xincun", "--set", "units.5.kind=school"]) == 2
    assert "units is a list of tables with positions 0 to 1" in capsys.readouterr().err


def test_ui_refuses_a_busy_port_before_starting_the_server(monkeypatch, capsys):
    import socket

    from solara.__main__ import run

    started = []
    monkeypatch.setattr(run, "main", lambda **kw: started.append(kw))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["ui", "--port", str(port)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--port" in line and f"port {port} on 127.0.0.1 is in use" in line
    assert not started


def test_metrics_table_is_printed_and_written_between_markers(tmp_path, capsys):
    assert main(["metrics"]) == 0
    printed = capsys.readouterr().out
    assert "| `participation_rate` | share of residents |" in printed
    bare = tmp_path / "bare.md"
    bare.write_text("# Metrics\n", encoding="utf-8")
    assert main(["metrics", "--update-docs", str(bare)]) == 2
    assert str(bare) in capsys.readouterr().err
    doc = tmp_path / "metrics.md"
    doc.write_text(
        "# M\n\n<!-- metrics table: generated, do not edit -->\nSTALE-ROW\n"
        "<!-- end metrics table -->\ntail\n",
        encoding="utf-8",
    )
    assert main(["metrics", "--update-docs", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert "STALE-ROW" not in text and text.endswith("tail\n") and "`trust_mean`" in text
