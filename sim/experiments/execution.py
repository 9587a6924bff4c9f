"""Running an experiment's plan: any ``concurrent.futures`` executor, resumable, fault-tolerant.

Workers run :func:`execute` (one community, the kept metrics back as a DataFrame); the parent
writes each finished run at once, atomically (temporary file, then ``os.replace``), as
``OUT/runs/<run_id>.parquet``. A run is done exactly when its file exists, so an interrupted
sweep (Ctrl-C, killed process, lost worker) loses no finished run, and rerunning the same
command on the same OUT runs only what is missing. A run that raises is recorded in
``OUT/failed/<run_id>.json`` and the others go on. At the end the finished runs are combined,
in plan order, into ``OUT/runs.parquet``; ``OUT/manifest.json`` records what produced them
and says ``"complete": true`` only once the final outputs are written too. ``OUT/.lock``
(``flock``) keeps a second sweep out of OUT while one runs.

Executors: a local ``ProcessPoolExecutor`` (forkserver start, workers ignore Ctrl-C so the
parent decides), or Dask distributed through ``Client(address).get_executor(pure=False)``
(imported only then). Seeds travel with the task, so results do not depend on the executor.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.design import Plan, Run
from sim.files import atomic, git_commit, version_of, versions, write_json
from sim.inputs import InputError
from sim.model import CommunityModel
from sim.scenario import Scenario

#: Identity columns of every row of the results table, before factors and metrics.
ID_COLUMNS = ["run_id", "scenario", "arm", "point"]


class RunError(Exception):
    """A run raised inside a worker; carries the message and the worker's traceback as text.

    Model exceptions are re-raised as this one so that any of them crosses process and
    network boundaries (some exception classes cannot be rebuilt from their pickled args).
    """

    def __init__(self, message: str, detail: str):
        super().__init__(message, detail)
        self.message, self.detail = message, detail

    def __str__(self) -> str:
        return self.message


class SweepError(Exception):
    """The sweep cannot go on (a worker process died); finished runs are kept on disk."""


@dataclass(frozen=True)
class Task:
    """What a worker needs for one run (pickled to the worker)."""

    scenario: Scenario
    overrides: dict[str, Any]
    mechanisms: tuple[str, ...]
    days: int
    seed: np.random.SeedSequence
    metrics: tuple[str, ...]


def execute(task: Task) -> pd.DataFrame:
    """Run one community and return its kept daily metrics (``day`` first).

    Raises:
        RunError: whatever the model raised, as text.
    """
    try:
        model = CommunityModel(
            task.scenario, rng=task.seed, mechanisms=list(task.mechanisms), overrides=task.overrides
        )
        return model.run(task.days)[["day", *task.metrics]]
    except Exception as exc:
        raise RunError(f"{type(exc).__name__}: {exc}", traceback.format_exc()) from None


def task(plan: Plan, run: Run) -> Task:
    """The worker's task for one run of a plan.

    Overrides apply in this order: the experiment's ``set`` (already in the base scenario),
    the replicate's posterior draw (if any), the design point's values, the arm's ``set``.
    """
    exp = plan.experiment
    arm = exp.arms[run.arm]
    return Task(
        scenario=plan.bases[run.point.scenario],
        overrides={**plan.draw(run), **run.point.values, **arm.overrides},
        mechanisms=arm.mechanisms,
        days=run.days,
        seed=run.seed(exp.seed),
        metrics=tuple(m for m in exp.metrics if m != "day"),
    )


def tidy(plan: Plan, run: Run, metrics: pd.DataFrame) -> pd.DataFrame:
    """A run's rows of the results table: identity, factors, replicate, seed, day, metrics."""
    ids: dict[str, Any] = {
        "run_id": run.run_id,
        "scenario": run.point.scenario,
        "arm": run.arm,
        "point": run.point.index,
    }
    for key in plan.factors:
        ids[key] = run.point.values[key]
    ids["replicate"] = run.replicate
    ids["seed"] = run.seed_text(plan.experiment.seed)
    metrics = metrics.reset_index(drop=True)
    return pd.concat([pd.DataFrame(ids, index=metrics.index), metrics], axis=1)


# ------------------------------------------------------------------------- files
def manifest(plan: Plan, **extra: Any) -> dict[str, Any]:
    """What produced a sweep: experiment file and content, root seed, versions, commit."""
    exp = plan.experiment
    return {
        "experiment": {
            "name": exp.name,
            "path": plan.source,
            "content": plan.text,
            "design_hash": plan.design_hash(),
        },
        "root_seed": exp.seed,
        "seeds": "run seed = SeedSequence(root_seed, spawn_key=(point, replicate))"
        if exp.common_seeds == "arms"
        else "run seed = SeedSequence(root_seed, spawn_key=(replicate,))",
        "replicates": exp.replicates,
        "runs": len(plan.runs),
        "days": {name: exp.days or base.days for name, base in plan.bases.items()},
        "versions": versions(
            pandas=pd.__version__, pyarrow=version_of("pyarrow"), SALib=version_of("SALib")
        ),
        "git_commit": git_commit(),
        **extra,
    }


def done_runs(plan: Plan, out: Path) -> set[str]:
    """Ids of the plan's runs already on disk."""
    return {r.run_id for r in plan.runs if (out / "runs" / f"{r.run_id}.parquet").exists()}


def combine(plan: Plan, out: Path) -> pd.DataFrame:
    """The finished runs' rows, in plan order (one row per run and day)."""
    parts = [
        pd.read_parquet(p)
        for r in plan.runs
        if (p := out / "runs" / f"{r.run_id}.parquet").exists()
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def check_out(out: Path) -> None:
    """Create the output folder, or refuse a place that cannot be one.

    A file, a place below a file or one that cannot be written is refused. Called before
    anything is simulated, so a bad ``--out`` costs no work.

    Raises:
        InputError: naming OUT and what is wrong with it.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "", "exists and is not a folder; choose another --out")
    place = out
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir():
        raise InputError(str(out), "", f"is below {place}, which is not a folder")
    if not os.access(place, os.W_OK | os.X_OK):
        raise InputError(str(out), "", f"{place} is not writable; choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)  # the only sure test (root, /proc, read-only)
    except OSError as exc:
        raise InputError(str(out), "", f"cannot be created: {exc.strerror}") from None


def _mkdir(out: Path) -> None:
    check_out(out)
    try:
        for sub in ("runs", "failed"):
            (out / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(out), "", f"cannot be created: {exc.strerror}") from None


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold OUT/.lock (``flock``) while a sweep writes OUT; refuse a second sweep at once.

    The kernel drops the lock when its process ends, however it ends, so a killed sweep
    never leaves the folder locked.
    """
    import fcntl  # POSIX

    try:
        handle = open(out / ".lock", "a+", encoding="utf-8")  # noqa: SIM115 (held until exit)
    except OSError as exc:
        raise InputError(str(out), "", f"cannot be written: {exc.strerror}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip() or "?"
            raise InputError(
                str(out),
                "",
                (
                    f"another sweep (process {pid}) is writing this folder; wait for it to end "
                    "(then rerun to resume) or choose another --out"
                ),
            ) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def _prepare(plan: Plan, out: Path) -> None:
    """Refuse results of another design or of an unknown one; clear a killed run's temporaries."""
    old = out / "manifest.json"
    if old.exists():
        try:
            digest = json.loads(old.read_text(encoding="utf-8"))["experiment"]["design_hash"]
        except (OSError, ValueError, KeyError, TypeError):
            raise InputError(
                str(old),
                "",
                (
                    "cannot be read, so which design the runs in this folder belong to is "
                    "unknown; choose another --out or remove the folder"
                ),
            ) from None
        if digest != plan.design_hash():
            raise InputError(
                str(out),
                "manifest.json",
                (
                    "this folder holds runs of a different experiment design; choose another "
                    "--out or remove the folder"
                ),
            )
    elif found := [
        p
        for p in (*out.glob("runs/*.parquet"), *out.glob("failed/*.json"), out / "runs.parquet")
        if p.exists()
    ]:
        raise InputError(
            str(out),
            "",
            (
                f"holds run files ({found[0].relative_to(out)} and {len(found) - 1} more) but no "
                "manifest.json, so which design they belong to is unknown; choose another --out "
                "or remove the folder"
            ),
        )
    for tmp in (*out.glob(".*.tmp"), *out.glob("runs/.*.tmp"), *out.glob("figures/.*.tmp")):
        tmp.unlink()


# ------------------------------------------------------------------------- executors
PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_S = 1.0  # how often a worker checks that the sweep is still alive


def _worker_init(sweep_pid: int) -> None:
    """Worker initializer: ignore Ctrl-C (the parent's to handle) and die with the sweep.

    A worker must not outlive its sweep (an OOM kill of the parent would leave it holding
    memory): on Linux the kernel kills it when its parent (the forkserver, which exits when
    the sweep does) dies (``prctl(PR_SET_PDEATHSIG)``); everywhere, a watchdog thread ends it
    once the sweep's process is gone or the worker has been re-parented.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(
        target=_watch, args=(sweep_pid, parent), daemon=True, name="cogov-watchdog"
    ).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _watch(sweep_pid: int, parent: int) -> None:
    while os.getppid() == parent and _alive(sweep_pid):
        time.sleep(WATCH_S)
    os._exit(1)


def process_pool(workers: int | None = None) -> cf.ProcessPoolExecutor:
    """A local pool; forkserver starts workers from one process that imported the model.

    (Plain fork is unsafe once the parent runs threads; spawn where forkserver is missing.)
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("spawn")
    else:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.experiments.execution"])
    return cf.ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1,
        mp_context=ctx,
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )


@contextmanager
def executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[cf.Executor]:
    """A local process pool, or a Dask cluster's executor when ``scheduler`` is given.

    Args:
        workers: Local worker processes (default: the number of cores).
        scheduler: A Dask scheduler address, e.g. ``tcp://10.0.0.5:8786``.
    """
    if not scheduler:
        pool = process_pool(workers)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler", "", "needs Dask: pip install 'cogov[sweep]'") from None
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError("--scheduler", "", f"cannot reach {scheduler}: {exc}") from None
    with client:
        pool = client.get_executor(pure=False)
        try:
            yield pool
        finally:
            pool.shutdown(wait=False)


def _abandon(pool: cf.Executor, pending: dict[cf.Future, Run]) -> None:
    """Stop at once: cancel what has not started; a local pool's running workers are ended."""
    for fut in pending:
        fut.cancel()
    if isinstance(pool, cf.ProcessPoolExecutor):
        # The pool's own children (its private table of them: 3.12 has no public call).
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)


# ------------------------------------------------------------------------- the sweep
@dataclass
class SweepResult:
    """What a sweep did: runs found on disk, finished now, failed (id -> error)."""

    out: Path
    total: int
    skipped: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def complete(self) -> bool:
        """Every run of the plan is on disk."""
        return len(self.skipped) + len(self.finished) == self.total


Progress = Callable[[int, int, int], None]
#: Writes the final outputs from the combined table; returns the files written.
Finish = Callable[[pd.DataFrame], list[Path]]


def _unwritable(path: Path, exc: OSError, result: SweepResult) -> SweepError:
    why = exc.strerror or str(exc)
    return SweepError(
        f"cannot write {path}: {why}; {len(result.finished)} runs finished in "
        f"this call are saved in {result.out}; free space and rerun the same "
        "command to resume"
    )


def sweep(
    plan: Plan,
    out: Path,
    pool: cf.Executor,
    *,
    progress: Progress | None = None,
    finish: Finish | None = None,
) -> SweepResult:
    """Run the plan's missing runs on ``pool``, combine every finished run, write outputs.

    OUT is locked while this runs. ``manifest.json`` says ``"complete": true`` only once
    every run is on disk and ``runs.parquet`` and ``finish``'s outputs are written.

    Args:
        plan: The expanded experiment.
        out: The output folder (created; reused to resume).
        pool: Any ``concurrent.futures.Executor`` (see :func:`executor`).
        progress: Called as ``progress(done, failed, todo)`` after each run of this call.
        finish: Writes the final outputs (tables, figures) from the combined table.

    Raises:
        InputError: OUT cannot be a folder, is locked by another sweep, or holds runs of
            another (or an unknown) design.
        SweepError: a local worker process died, or a file cannot be written (a full disk);
            finished runs stay on disk.
    """
    out = Path(out)
    _mkdir(out)
    with _locked(out):
        return _sweep_locked(plan, out, pool, progress, finish)


def _sweep_locked(
    plan: Plan, out: Path, pool: cf.Executor, progress: Progress | None, finish: Finish | None
) -> SweepResult:
    _prepare(plan, out)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(
        out / "manifest.json", manifest(plan, started=started, finished=None, complete=False)
    )
    on_disk = done_runs(plan, out)
    todo = [r for r in plan.runs if r.run_id not in on_disk]
    result = SweepResult(
        out, len(plan.runs), skipped=[r.run_id for r in plan.runs if r.run_id in on_disk]
    )
    pending = {pool.submit(execute, task(plan, r)): r for r in todo}
    try:
        for fut in cf.as_completed(list(pending)):  # waits on each future once: O(runs)
            _collect(plan, out, pending.pop(fut), fut, result)
            if progress is not None:
                progress(len(result.finished), len(result.failed), len(todo))
    except OSError as exc:  # a manifest or failure record (a full disk)
        _abandon(pool, pending)
        raise _unwritable(Path(exc.filename or out), exc, result) from None
    except BrokenProcessPool:
        _abandon(pool, pending)
        raise SweepError(
            f"a worker process died; {len(result.finished)} runs finished in "
            f"this call are saved in {out}; rerun the same command to resume"
        ) from None
    except BaseException:
        _abandon(pool, pending)
        raise
    result.table = combine(plan, out)
    path = out / "runs.parquet"
    try:
        atomic(path, lambda p: result.table.to_parquet(p, index=False))
        outputs = finish(result.table) if finish is not None else []
    except OSError as exc:
        raise _unwritable(Path(exc.filename or path), exc, result) from None
    write_json(
        out / "manifest.json",
        manifest(
            plan,
            started=started,
            finished=datetime.now(UTC).isoformat(timespec="seconds"),
            complete=result.complete,
            failed=sorted(result.failed),
            outputs=[str(p.relative_to(out)) for p in outputs],
        ),
    )
    return result


def _collect(plan: Plan, out: Path, run: Run, fut: cf.Future, result: SweepResult) -> None:
    """Write a finished run, or record its failure (a lost local worker aborts the sweep)."""
    failed = out / "failed" / f"{run.run_id}.json"
    try:
        metrics = fut.result()
    except BrokenProcessPool:
        raise
    except Exception as exc:
        detail = exc.detail if isinstance(exc, RunError) else traceback.format_exc()
        message = str(exc) or type(exc).__name__
        result.failed[run.run_id] = message
        write_json(
            failed,
            {
                "run_id": run.run_id,
                "error": message,
                "traceback": detail,
                "seed": run.seed_text(plan.experiment.seed),
                "scenario": run.point.scenario,
                "arm": run.arm,
                "replicate": run.replicate,
                "values": run.point.values,
            },
        )
        return
    rows = tidy(plan, run, metrics)
    path = out / "runs" / f"{run.run_id}.parquet"
    try:
        atomic(path, lambda p: rows.to_parquet(p, index=False))
    except OSError as exc:
        raise _unwritable(path, exc, result) from None
    failed.unlink(missing_ok=True)
    result.finished.append(run.run_id)


# ------------------------------------------------------------------------- benchmark
