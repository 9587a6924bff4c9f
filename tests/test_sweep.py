"""The sweep engine: identical results on 1 worker, 2 workers and Dask; resume; failed runs."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

TINY = """
name = "tiny"
[population]
residents = 200
households = {households}
households_per_building = 10
[behaviour]
spinup_days = 30  # the sweep engine is tested here, not the spin-up: 30 days, not 730
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
    assert list(one.columns[:8]) == [
        "run_id",
        "scenario",
        "arm",
        "point",
        "behaviour.sat_base",
        "replicate",
        "seed",
        "day",
    ]
    for name in ("summary.csv", "table.csv", "table.md"):
        assert (tmp_path / "w1" / name).read_text() == (tmp_path / "w2" / name).read_text()
    assert sorted(p.name for p in (tmp_path / "w1" / "figures").iterdir()) == [
        "01_timeseries.png",
        "02_response.png",
    ]
    manifest = json.loads((tmp_path / "w1" / "manifest.json").read_text())
    assert manifest["root_seed"] == 11 and manifest["complete"] is True
    assert "seed = 11" in manifest["experiment"]["content"]
    assert manifest["versions"]["numpy"]


def test_seeds_are_spawned_per_point_and_replicate_and_shared_by_arms(tmp_path):
    path = write(tmp_path, days=5)
    assert run_cli(path, tmp_path / "out", "--workers", "2") == 0
    runs = table(tmp_path / "out").drop_duplicates("run_id")
    assert set(runs["seed"]) == {"11/0/0", "11/0/1", "11/1/0", "11/1/1"}
    by_arm = runs.pivot_table(
        index=["point", "replicate"], columns="arm", values="seed", aggfunc="first"
    )
    assert (by_arm["base"] == by_arm["low_admin"]).all()  # common random numbers


def test_dask_local_cluster_gives_the_same_table(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = write(tmp_path)
    assert run_cli(path, tmp_path / "local", "--workers", "1") == 0
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        assert run_cli(path, tmp_path / "dask", "--scheduler", cluster.scheduler_address) == 0
    pd.testing.assert_frame_equal(
        table(tmp_path / "local"), table(tmp_path / "dask"), check_exact=True
    )


def test_killed_sweep_resumes_to_the_same_table(tmp_path, capsys):
    path = write(tmp_path, days=365, replicates=5)  # 20 runs of ~0.2 s each
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "sim.cli",
        "experiment",
        "run",
        str(path),
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
    ]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300  # generous: runs on a loaded 2-core machine
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
    text = EXPERIMENT.replace(
        '"behaviour.sat_base" = [0.1, 0.3]',
        '"population.residents" = [200, 60]\n"population.households" = [50, 70]',
    )
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
    # The failed design point's groups are named, not silently left out of the table.
    for arm in ("base", "low_admin"):
        group = (
            f"scenario = tiny, arm = {arm}, population.residents = 60, population.households = 70"
        )
        assert group in (out / "table.md").read_text() and group in err
    assert "2 group(s) have no finished run" in err


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


def test_replicates_flag_is_what_the_manifest_and_the_message_say(tmp_path, capsys):
    path = write(tmp_path, days=3, replicates=2)
    assert run_cli(path, tmp_path / "out", "--workers", "1", "--replicates", "1") == 0
    assert "x 1 replicate(s)" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["replicates"] == 1 and manifest["runs"] == 4
    assert table(tmp_path / "out")["replicate"].unique().tolist() == [0]


def test_folder_with_runs_but_no_readable_manifest_is_refused(tmp_path, capsys):
    path = write(tmp_path, days=3, replicates=1)
    out = tmp_path / "out"
    assert run_cli(path, out, "--workers", "1") == 0
    (out / "manifest.json").unlink()
    before = sorted(p.name for p in (out / "runs").iterdir())
    assert run_cli(path, out, "--workers", "1") == 2
    err = capsys.readouterr().err
    assert str(out) in err and "no manifest.json" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    (out / "manifest.json").write_text('{"experiment": ', encoding="utf-8")  # cut off
    assert run_cli(path, out, "--workers", "1") == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "cannot be read" in err
    assert sorted(p.name for p in (out / "runs").iterdir()) == before  # nothing written


@pytest.mark.parametrize("where", ["file", "devnull", "below_file", "proc"])
def test_bad_out_is_refused_before_anything_runs(tmp_path, capsys, where):
    path = write(tmp_path, days=3, replicates=1)
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    out = {
        "file": tmp_path / "afile",
        "devnull": "/dev/null",
        "below_file": tmp_path / "afile" / "sub",
        "proc": "/proc/cogov-out",
    }[where]  # /proc takes no new folders, even from root
    assert run_cli(path, out, "--workers", "1") == 2
    cap = capsys.readouterr()
    assert cap.out == ""  # refused before the plan is announced or anything simulated
    assert cap.err.startswith(f"cogov: error: {out}") and "Traceback" not in cap.err
    assert len(cap.err.strip().splitlines()) == 1


def _disk_full(monkeypatch, method, allowed):
    """Make ``method`` write a partial file, then fail as a full disk does, after ``allowed``
    successful calls."""
    import errno

    real = getattr(pd.DataFrame if method == "to_parquet" else None, method, None)
    calls = {"n": 0}

    def fake(self, target, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= allowed:
            return real(self, target, *args, **kwargs)
        with open(target, "wb") as fh:
            fh.write(b"PAR1")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, method, fake)


def test_full_disk_keeps_finished_runs_and_removes_the_temporary_file(
    tmp_path, capsys, monkeypatch
):
    path = write(tmp_path, days=5, replicates=2)
    out = tmp_path / "out"
    _disk_full(monkeypatch, "to_parquet", allowed=2)  # the parent writes runs; workers don't
    assert run_cli(path, out, "--workers", "1") == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    kept = sorted((out / "runs").glob("*.parquet"))
    assert len(kept) == 2
    assert all(len(pd.read_parquet(p)) == 5 for p in kept)  # whole runs, readable
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".*.tmp"))
    monkeypatch.undo()
    assert run_cli(path, out, "--workers", "1") == 0  # space freed: resumes
    assert "resuming: 2 runs already in" in capsys.readouterr().out


def test_outputs_are_atomic_and_complete_is_written_last(tmp_path, capsys, monkeypatch):
    import errno

    from matplotlib.figure import Figure

    path = write(tmp_path, days=5, replicates=1)
    out = tmp_path / "out"

    def broken_savefig(self, target, *args, **kwargs):
        with open(target, "wb") as fh:
            fh.write(b"\x89PNG")  # a partial image, as a kill or a full disk leaves
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    assert run_cli(path, out, "--workers", "1") == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert not (out / "figures" / "01_timeseries.png").exists()
    assert not list((out / "figures").iterdir())  # no partial or temporary file
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False
    monkeypatch.undo()
    assert run_cli(path, out, "--workers", "1") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True
    assert "figures/01_timeseries.png" in manifest["outputs"]
    assert all((out / name).stat().st_size > 0 for name in manifest["outputs"])


def _start(path, out, workers):
    cmd = [
        sys.executable,
        "-m",
        "sim.cli",
        "experiment",
        "run",
        str(path),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--quiet",
    ]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while not list((out / "runs").glob("*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep ended before the test could act on it"
    return proc


def _descendants(pid):
    """Live (non-zombie) descendants of ``pid``, from /proc (Linux)."""
    children = {}
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                text = Path(f"/proc/{stat}/stat").read_text()
            except OSError:
                continue
            state, ppid = text.rsplit(")", 1)[1].split()[:2]
            if state != "Z":
                children.setdefault(int(ppid), []).append(int(stat))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_second_sweep_on_the_same_folder_is_refused(tmp_path, capsys):
    path = write(tmp_path, days=365, replicates=5)  # 20 runs of ~0.2 s each
    out = tmp_path / "out"
    proc = _start(path, out, workers=1)
    try:
        assert run_cli(path, out, "--workers", "1") == 2
        err = capsys.readouterr().err
        assert "another sweep" in err and str(proc.pid) in err and "Traceback" not in err
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # The kernel dropped the dead sweep's lock: the folder resumes.
    assert run_cli(path, out, "--workers", "2") == 0
    assert table(out)["run_id"].nunique() == 20


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads process tables from /proc")
def test_workers_exit_when_only_the_parent_is_killed(tmp_path):
    path = write(tmp_path, days=365, replicates=5)
    out = tmp_path / "out"
    proc = _start(path, out, workers=2)
    family = _descendants(proc.pid)  # the forkserver and the workers
    try:
        assert len(family) >= 2
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, as the OOM killer does
        proc.wait()
        # Generous: the kernel's parent-death signal acts at once, the watchdog within ~1 s.
        deadline = time.monotonic() + 60
        while any(map(_alive, family)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in family if _alive(pid)]
    finally:
        for pid in family:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
