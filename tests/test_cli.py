"""The command line: bad input gets one clear message naming file and field, exit status 2."""

import json
import subprocess
import sys

import pandas as pd
import pytest

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
    ("name = 'x'\n[population]\nresidents = 1\n",
     ["population.residents", "allowed: 2 to 2000000 persons"]),
    ("name = 'x'\n[population]\nresidents = 10\nhouseholds = 20\n",
     ["population", "households (20) cannot exceed residents (10)"]),
    ("name = 'x'\n[population]\nshare_elderly = 1.5\n", ["population.share_elderly", "0.0 to 1.0"]),
    ("name = 'x'\n[issues.parking.rate]\nold_estate = -1\n",
     ["issues.parking.rate.old_estate", "greater than or equal to 0"]),
    ("name = 'x'\ndays = 0\n", ["days", "allowed: 1 to 36500"]),
    ("name = 'x'\n[[units]]\nname = 'a unit'\n", ["units.0.kind", "required field is missing"]),
    ("name = 'x'\n[mechanisms.nonsense]\n", ["mechanisms", "unknown mechanism", "administrative"]),
    ("name = 'x'\n[network]\nmean_degree = 5\n", ["network", "even"]),
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
        (["run", "xianlu_xincun", "--days", "0"], "--days: must be at least 1"),
        (["run", "xianlu_xincun", "--seed", "x"], "--seed: expected a whole number"),
        (["run", "xianlu_xincun", "--set", "novalue"], "expected KEY=VALUE"),
        (["run", "no_such_scenario"], "built-in: qixia_affordable"),
        (["run", "xianlu_xincun", "--set", "committee.admin_share=2", "--days", "1"],
         "committee.admin_share"),
        (["run", "xianlu_xincun", "--set", "population.bogus=1", "--days", "1"],
         "population.bogus: unknown key"),
        (["run", "xianlu_xincun", "--mechanisms", "nope", "--days", "1"],
         "unknown mechanism; available: administrative"),
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
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "population.residents" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_run_writes_outputs_with_manifest(tmp_path, capsys):
    scenario = write(tmp_path, GOOD)
    out = tmp_path / "out"
    code = main(["run", str(scenario), "--days", "20", "--seed", "3", "--out", str(out),
                 "--set", "committee.admin_share=0.5", "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "satisfaction, final mean" in printed
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
    assert main(["validate", "xianlu_xincun", "zhijia_garden", "qixia_affordable",
                 "qixia_rural"]) == 0


def test_run_with_mechanisms_shows_the_change_against_the_baseline(tmp_path, capsys):
    scenario = write(tmp_path, GOOD)
    assert main(["run", str(scenario), "--days", "40", "--mechanisms", "joint_meeting",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "administrative only" in line)
    assert "with mechanisms" in header and "change" in header
    row = next(line for line in out.splitlines() if line.startswith("issues resolved"))
    with_it, base, change = (float(v) for v in row.split()[-3:])
    assert change == with_it - base
