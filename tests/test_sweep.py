"""The sweep engine: identical results on 1 worker, 2 workers and Dask; resume; failed runs."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from sim.cli import main

TINY = """
name = "tiny"
[population]
residents = 200
households = {households}
households_per_building = 10
"""

EXPERIMENT = """
title = "tiny sweep"
scenario = "tiny.toml"
days = {days}
replicates = {replicates}
seed = 11
metrics = ["satisfaction_mean", "trust_mean", "conflicts"]

[arms]
base = ["administrative"]
low_admin = {{ mechanisms = ["administrative"], set = {{ "committee.admin_share" = 0.2 }} }}

[design]
kind = "factorial"
[design.factors]
"behaviour.sat_base" = [0.1, 0.3]

[[figures]]
kind = "timeseries"
metrics = ["satisfaction_mean"]

[[figures]]
kind = "response"
x = "behaviour.sat_base"
summaries = ["satisfaction_mean_last"]
"""


def write(tmp_path, days=30, replicates=2, households=70, text=EXPERIMENT):
    (tmp_path / "tiny.toml").write_text(TINY.format(households=households), encoding="utf-8")
    path = tmp_path / "exp.toml"
    path.write_text(text.format(days=days, replicates=replicates), encoding="utf-8")
    return path


def run_cli(path, out, *extra):
    return main(["experiment", "run", str(path), "--out", str(out), "--quiet", *extra])


def table(out):
    return pd.read_parquet(out / "runs.parquet")


def test_one_and_two_workers_give_identical_results(tmp_path):
    path = write(tmp_path)
    assert run_cli(path, tmp_path / "w1", "--workers", "1") == 0
    assert run_cli(path, tmp_path / "w2", "--workers", "2") == 0
    one, two = table(tmp_path / "w1"), table(tmp_path / "w2")
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert len(one) == 2 * 2 * 2 * 30  # points x arms x replicates x days
    assert not one.duplicated(["run_id", "day"]).any()
    assert list(one.columns[:8]) == ["run_id", "scenario", "arm", "point", "behaviour.sat_base",
                                     "replicate", "seed", "day"]
    for name in ("summary.csv", "table.csv", "table.md"):
        assert (tmp_path / "w1" / name).read_text() == (tmp_path / "w2" / name).read_text()
    assert sorted(p.name for p in (tmp_path / "w1" / "figures").iterdir()) == [
        "01_timeseries.png", "02_response.png"]
    manifest = json.loads((tmp_path / "w1" / "manifest.json").read_text())
    assert manifest["root_seed"] == 11 and manifest["complete"] is True
    assert "seed = 11" in manifest["experiment"]["content"]
    assert manifest["versions"]["numpy"]


def test_seeds_are_spawned_per_point_and_replicate_and_shared_by_arms(tmp_path):
    path = write(tmp_path, days=5)
    assert run_cli(path, tmp_path / "out", "--workers", "2") == 0
    runs = table(tmp_path / "out").drop_duplicates("run_id")
    assert set(runs["seed"]) == {"11/0/0", "11/0/1", "11/1/0", "11/1/1"}
    by_arm = runs.pivot_table(index=["point", "replicate"], columns="arm", values="seed",
                              aggfunc="first")
    assert (by_arm["base"] == by_arm["low_admin"]).all()  # common random numbers


def test_dask_local_cluster_gives_the_same_table(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = write(tmp_path)
    assert run_cli(path, tmp_path / "local", "--workers", "1") == 0
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert run_cli(path, tmp_path / "dask", "--scheduler", cluster.scheduler_address) == 0
    pd.testing.assert_frame_equal(table(tmp_path / "local"), table(tmp_path / "dask"),
                                  check_exact=True)


def test_killed_sweep_resumes_to_the_same_table(tmp_path, capsys):
    path = write(tmp_path, days=365, replicates=5)  # 20 runs of ~0.2 s each
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim.cli", "experiment", "run", str(path), "--out", str(out),
           "--workers", "1", "--quiet"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list((out / "runs").glob("*.parquet"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep, its forkserver and its workers
    proc.wait()
    before = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")}
    assert 2 <= len(before) < 20
    assert not (out / "runs.parquet").exists()

    assert run_cli(path, out, "--workers", "2", "--resume") == 0
    assert f"resuming: {len(before)} runs already in" in capsys.readouterr().out
    after = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")}
    assert {k: after[k] for k in before} == before  # finished runs were not run again
    assert run_cli(path, tmp_path / "whole", "--workers", "2") == 0
    resumed, whole = table(out), table(tmp_path / "whole")
    pd.testing.assert_frame_equal(resumed, whole, check_exact=True)
    assert not resumed.duplicated(["run_id", "day"]).any()
    assert resumed["run_id"].nunique() == 20


def test_failed_runs_are_recorded_and_the_others_finish(tmp_path, capsys):
    # residents 60 with households 70 passes each value alone but not together: the model's
    # validation raises inside the worker for that design point only.
    text = EXPERIMENT.replace('"behaviour.sat_base" = [0.1, 0.3]',
                              '"population.residents" = [200, 60]\n'
                              '"population.households" = [50, 70]')
    text = text.replace('x = "behaviour.sat_base"', 'x = "population.residents"')
    path = write(tmp_path, days=10, households=50, text=text)
    out = tmp_path / "out"
    assert run_cli(path, out, "--workers", "2") == 1
    err = capsys.readouterr().err
    bad = sorted(p.stem for p in (out / "failed").glob("*.json"))
    assert bad == ["p3-base-r0", "p3-base-r1", "p3-low_admin-r0", "p3-low_admin-r1"]
    assert "4 of 16 runs failed" in err
    for run_id in bad:
        assert run_id in err
    assert "households (70) cannot exceed residents (60)" in err
    record = json.loads((out / "failed" / "p3-base-r1.json").read_text())
    assert record["seed"] == "11/3/1" and "cannot exceed" in record["error"]
    assert table(out)["run_id"].nunique() == 12
    assert json.loads((out / "manifest.json").read_text())["complete"] is False


def test_out_of_another_design_is_refused(tmp_path, capsys):
    path = write(tmp_path, days=3, replicates=1)
    assert run_cli(path, tmp_path / "out", "--workers", "1") == 0
    path.write_text(path.read_text().replace("seed = 11", "seed = 12"))
    assert run_cli(path, tmp_path / "out", "--workers", "1") == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "different experiment design" in err
    # More replicates extend the same design: only the new runs are run.
    path.write_text(path.read_text().replace("seed = 12", "seed = 11"))
    assert run_cli(path, tmp_path / "out", "--workers", "1", "--replicates", "2") == 0
    assert "resuming: 4 runs already in" in capsys.readouterr().out
    assert table(tmp_path / "out")["run_id"].nunique() == 8
