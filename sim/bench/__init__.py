"""Benchmarks of speed and scale: ``cogov bench [CASE ...] [--json] [--repeats N] [--quick]``.

Targets (issue 15) are judged on ratios, not seconds: this machine is shared, and a ratio of
two workloads timed in turn in one process moves far less with the load than either time.
Each case runs in a fresh Python process with BLAS and OpenMP limited to one thread; inside it
the workloads a ratio compares are timed alternately (a, b, a, b, ... ``repeats`` times, by
:func:`alternate`), each with the thread's CPU time (:func:`time.thread_time`; wall time where
the work runs in worker processes) and the minimum over repetitions kept (the least disturbed).
The load average is recorded before and after every case. Peak memory is the proportional set
size (PSS) of the case's process and every process it starts, sampled from the parent every
0.2 s, or the case process's own ``ru_maxrss`` if larger.

The limit unit (:func:`limit_unit`) is what a day of a fully array-based model cannot go below:
10 sparse mat-vecs and 20 elementwise array operations on the community's own face-to-face
network. Cases (full size; ``--quick`` shrinks each to seconds, for tests):

- ``community``: a simulated day of Xianlu Xincun (3,200 residents) with every mechanism, as a
  multiple of the limit unit on its network; ``community_jm`` the same with the administrative
  routine and the joint meeting only.
- ``reference`` / ``reference_50k``: the per-agent speed-up: a day of the per-agent model
  against a day of the vectorised one with the same dynamics (:func:`reference_pair`), at
  3,200 and 50,000 residents.
- ``district``: the Gulou district (120 communities, 365 days, building included) in one
  process: resident-days per core-second, and a resident-day as a multiple of the limit unit per
  resident; ``district_2w`` the same on two worker processes: resident-days per second of wall
  time, and per core-second the workers and this process used (their CPU time, read from
  ``/proc``), with the share of the two cores the run got (under other sessions' load a
  session's processes share their scheduler group's part of the machine, so two workers can
  get no more CPU than one process: the wall-time rate then says little about the code).
- ``sweep``: replicates of one design point: one-year replicates per core-second run one by one
  in this process, and through the local pool on two workers (its overhead included).
- ``organisations_320k``: every mechanism at 320,000 residents for 40 days, through the social
  organisations' first activities (16,000-18,000 attendees each): peak memory.
- ``classic``: the classic-model kernels (:func:`sim.bench.classic.bench_classic`).

Nothing runs at import.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

Timer = Callable[[], float]

#: Targets of issue 15 by (case, figure): (as printed, threshold, at least (True) or at most).
TARGETS: dict[tuple[str, str], tuple[str, float, bool]] = {
    ("community", "limit_multiple"): ("<= 2x", 2.0, False),
    ("reference", "speedup"): (">= 50x", 50.0, True),
    ("reference_50k", "speedup"): (">= 150x", 150.0, True),
    ("district", "rate"): (">= 5 M/core-s (10 M/s on 2 cores)", 5e6, True),
    ("district_2w", "rate"): (">= 10 M/s", 10e6, True),
    ("district", "peak_mb"): ("<= 1 GB", 1024.0, False),
    ("district_2w", "peak_mb"): ("<= 1 GB", 1024.0, False),
    ("sweep", "batched_gain"): (">= 3x", 3.0, True),
    ("organisations_320k", "peak_mb"): ("<= 700 MB", 700.0, False),
}
#: What each figure is, as printed: name -> (label, format of its value).
FIGURES: dict[str, tuple[str, str]] = {
    "limit_multiple": ("day / limit unit", "{:.2f}x"),
    "speedup": ("per-agent day / vectorised day", "{:.1f}x"),
    "rate": ("resident-days/s (building included)", "{:.2f} M"),
    "unit_multiple": ("resident-day / limit unit per resident", "{:.2f}x"),
    "core_rate": ("resident-days per core-second used (CPU time)", "{:.2f} M"),
    "core_share": ("share of the workers' cores the run got", "{:.2f}"),
    "replicates_per_core_s": ("replicates per core-second, one by one", "{:.2f}"),
    "pool_replicates_per_core_s": ("replicates per core-second, 2-worker pool", "{:.2f}"),
    "batched_gain": ("batched / unbatched resident-days per core-s", "{:.2f}x"),
    "peak_mb": ("peak memory", "{:.0f} MB"),
}
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _sizes(quick: bool) -> dict[str, Any]:
    """The workload of every case, full or quick."""
    short = {"behaviour.spinup_days": 30}  # quick: the spin-up is not what is timed
    tiny = {"population.residents": 300, "population.households": 95, **short}
    if quick:
        return {
            "community": ("xianlu_xincun", tiny, 3, 5),  # days and limit units per repetition
            "reference": (tiny, 2),  # days per repetition
            "reference_50k": (
                {"population.residents": 2000, "population.households": 640, **short},
                1,
            ),
            "district": (20, True, short),  # days, two small sub-districts, the unit's overrides
            "sweep": (20, 4, short),  # days, runs through the pool, overrides
            "organisations_320k": (tiny, 20),
        }
    return {
        "community": ("xianlu_xincun", {}, 50, 100),
        "reference": ({}, 10),
        "reference_50k": ({"population.residents": 50_000, "population.households": 15_940}, 2),
        "district": (365, False, {}),
        "sweep": (365, 20, {}),
        "organisations_320k": (
            {"population.residents": 320_000, "population.households": 102_016},
            40,  # the two initial organisations' first activities fall on day 15
        ),
    }


# ------------------------------------------------------------------------- timing
def limit_unit(face: sp.csr_matrix, x: np.ndarray) -> np.ndarray:
    """The limit unit: 10 sparse mat-vecs and 20 elementwise array ops on ``face`` (issue 15)."""
    for _ in range(10):
        y = face @ x
        x = x + y
        x = x * 0.5
    return x


def unit_work(face: sp.csr_matrix, units: int) -> Callable[[], int]:
    """A workload of ``units`` limit units on ``face`` (returns how many it did)."""
    x = np.random.default_rng(0).random(face.shape[0])

    def work() -> int:
        for _ in range(units):
            limit_unit(face, x)
        return units

    return work


def alternate(
    work: dict[str, Callable[[], float]], repeats: int, timer: Timer = time.thread_time
) -> dict[str, float]:
    """Time ``work``'s workloads in turn, ``repeats`` rounds; the minimum seconds per unit of each.

    Each workload does its work and returns how many units (days, limit units, runs) it did.
    """
    best = dict.fromkeys(work, math.inf)
    for _ in range(repeats):
        for name, fn in work.items():
            start = timer()
            units = fn()
            best[name] = min(best[name], (timer() - start) / units)
    return best


def _days(model: Any, days: int) -> Callable[[], int]:
    """A workload: ``days`` simulated days of ``model`` (anything with ``step()``)."""

    def work() -> int:
        for _ in range(days):
            model.step()
        return days

    return work


# ------------------------------------------------------------------------- cases (children)
def _community(quick: bool, repeats: int, timer: Timer, mechanisms: str) -> dict[str, Any]:
    from sim.model import CommunityModel

    scenario, overrides, days, units = _sizes(quick)["community"]
    model = CommunityModel(scenario, rng=0, mechanisms=mechanisms, overrides=overrides)
    model.run(5)  # warm-up: caches filled, the first issues open
    best = alternate(
        {"day": _days(model, days), "limit_unit": unit_work(model.net.face, units)},
        repeats,
        timer,
    )
    return {
        "residents": model.pop.n,
        "days": 5 + days * repeats,
        "seconds": best,
        "figures": {"limit_multiple": best["day"] / best["limit_unit"]},
    }


def reference_pair(overrides: dict[str, Any]) -> tuple[Any, Any]:
    """The vectorised model and the per-agent reference with the same dynamics and seed.

    Both have ``step()``; the reference implements the administrative routine and the joint
    meeting (:mod:`sim.bench.reference_model`).
    """
    from sim.bench.reference_model import ReferenceModel
    from sim.model import CommunityModel

    fast = CommunityModel("xianlu_xincun", rng=0, mechanisms=["joint_meeting"], overrides=overrides)
    return fast, ReferenceModel("xianlu_xincun", rng=0, overrides=overrides)


def _speedup(quick: bool, repeats: int, timer: Timer, key: str) -> dict[str, Any]:
    overrides, days = _sizes(quick)[key]
    fast, slow = reference_pair(overrides)
    fast.step()
    slow.step()  # warm-up
    best = alternate(
        {"vectorised": _days(fast, days), "per_agent": _days(slow, days)}, repeats, timer
    )
    return {
        "residents": fast.pop.n,
        "days": 1 + days * repeats,
        "seconds": best,
        "figures": {"speedup": best["per_agent"] / best["vectorised"]},
    }


def _small_district(spec: Any) -> Any:
    """Two sub-districts of one 300-resident community each (``--quick``)."""
    return spec.model_copy(
        update={
            "exchange_days": 10,
            "sub_districts": tuple(
                sd.model_copy(
                    update={
                        "communities": (
                            sd.communities[0].model_copy(update={"residents": (300, 300)}),
                        )
                    }
                )
                for sd in spec.sub_districts[:2]
            ),
        }
    )


def _district(quick: bool, repeats: int, timer: Timer, workers: int) -> dict[str, Any]:
    from sim.experiments.district import load_district, run_district
    from sim.model import CommunityModel, spinup

    days, small, overrides = _sizes(quick)["district"]
    spec = load_district("gulou")
    spec = _small_district(spec) if small else spec
    unit_model = CommunityModel("xianlu_xincun", rng=0, resident_agents=False, overrides=overrides)
    residents: list[int] = []

    used: list[float] = []  # core-seconds of each round with workers (None: not readable)

    def district() -> int:
        spinup.clear_cache()  # every round builds its communities: no spin-up from the cache
        if workers > 1:
            from sim.experiments.execution import executor

            start = time.process_time()
            with executor(workers) as pool, tempfile.TemporaryDirectory() as store:
                result = run_district(
                    spec, days, 0, executor=pool, in_flight=workers + 1, store=store
                )
                cpu = _cpu_seconds(list(getattr(pool, "_processes", None) or {}))
            used.append(math.nan if cpu is None else cpu + time.process_time() - start)
        else:
            result = run_district(spec, days, 0)
        residents.append(result.manifest["residents"])
        return 1

    # In worker processes the work is not on this thread: wall time, and the CPU time used.
    clock = timer if workers == 1 else time.perf_counter
    best = alternate(
        {"district": district, "limit_unit": unit_work(unit_model.net.face, 100)}, repeats, clock
    )
    n = residents[0]
    figures = {"rate": n * days / best["district"]}
    core_s = best["district"]
    if workers > 1:
        core_s = min(used) if not any(map(math.isnan, used)) else best["district"] * workers
        figures["core_rate"] = n * days / core_s
        figures["core_share"] = core_s / (best["district"] * workers)
        best["core_seconds"] = core_s
    per_resident_unit = best["limit_unit"] / unit_model.pop.n
    figures["unit_multiple"] = core_s / (n * days) / per_resident_unit
    return {
        "residents": n,
        "communities": spec.n_communities,
        "days": days,
        "workers": workers,
        "seconds": best,
        "figures": figures,
    }


def _cpu_seconds(pids: list[int]) -> float | None:
    """CPU seconds (user + system) the processes ``pids`` have used, from ``/proc/<pid>/stat``.

    None where that cannot be read (not Linux, or a process has already gone).
    """
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return total / ticks


def _sweep(quick: bool, repeats: int, timer: Timer) -> dict[str, Any]:
    from sim.bench.sweep import bench_sweep, replicate_plan
    from sim.experiments.execution import execute, task

    days, pool_runs, overrides = _sizes(quick)["sweep"]
    plan = replicate_plan(repeats, days, overrides=overrides)
    tasks = iter([task(plan, run) for run in plan.runs])

    def one() -> int:
        execute(next(tasks))  # a different replicate in every round
        return 1

    best = alternate({"replicate": one}, repeats, timer)
    pool = bench_sweep(n_runs=pool_runs, days=days, workers=(2,), overrides=overrides)
    return {
        "residents": 3200,
        "days": days,
        "seconds": {**best, "pool_wall": pool["wall_s"][2], "loop_wall": pool["loop_s"]},
        "workers": 2,
        "figures": {
            "replicates_per_core_s": 1.0 / best["replicate"],
            "pool_replicates_per_core_s": pool_runs / (pool["wall_s"][2] * 2),
            # No batched engine yet (issue 15 item 1): the gain is not measured.
            "batched_gain": None,
        },
        "sweep": pool,
    }


def _organisations(quick: bool, repeats: int, timer: Timer) -> dict[str, Any]:
    from sim.model import CommunityModel

    overrides, days = _sizes(quick)["organisations_320k"]
    start = timer()
    model = CommunityModel(
        "xianlu_xincun",
        rng=0,
        mechanisms="all",
        overrides=overrides,
        resident_agents=False,
    )
    built = timer()
    model.run(days)
    return {
        "residents": model.pop.n,
        "days": days,
        "seconds": {"build": built - start, "run": timer() - built},
        "figures": {},
    }


def _classic(quick: bool, repeats: int, timer: Timer) -> dict[str, Any]:
    from sim.bench.classic import bench_classic

    start = timer()
    rows = bench_classic(repeats=1 if quick else repeats)
    return {"seconds": {"all": timer() - start}, "figures": {}, "kernels": rows}


CASES: dict[str, Callable[[bool, int, Timer], dict[str, Any]]] = {
    "community": lambda q, r, t: _community(q, r, t, "all"),
    "community_jm": lambda q, r, t: _community(q, r, t, "joint_meeting"),
    "reference": lambda q, r, t: _speedup(q, r, t, "reference"),
    "reference_50k": lambda q, r, t: _speedup(q, r, t, "reference_50k"),
    "district": lambda q, r, t: _district(q, r, t, 1),
    "district_2w": lambda q, r, t: _district(q, r, t, 2),
    "sweep": _sweep,
    "organisations_320k": _organisations,
    "classic": _classic,
}


def child(name: str, quick: bool, repeats: int) -> None:
    """Run one case in this (fresh) process and print its figures as one JSON line."""
    load_before = list(os.getloadavg())
    out = CASES[name](quick, repeats, time.thread_time)
    out["load_average"] = [load_before, list(os.getloadavg())]
    out["self_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(out))


# ------------------------------------------------------------------------- the parent
def _descendants(root: int) -> list[int]:
    """A process and all its descendants, from ``/proc/<pid>/task/<tid>/children``."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                todo.extend(int(c) for c in task.read_text().split())
            except OSError:
                continue
    return out


def _pss_kb(pid: int) -> float:
    """Proportional set size of a process in kB (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def _watch(proc: subprocess.Popen[str], interval: float = 0.2) -> float:
    """Wait for ``proc``, sampling the memory of its process tree; the peak in MB.

    Memory is the sum of the tree's proportional set sizes (PSS shares each page among the
    processes mapping it, so workers forked from one server are not counted twice for the
    libraries they share). Sampling runs in this process, so it does not slow the case.
    """
    peak = 0.0
    enabled = Path("/proc/self/smaps_rollup").exists()
    while True:
        try:
            proc.wait(timeout=interval)
            return peak / 1024.0
        except subprocess.TimeoutExpired:
            if enabled:
                peak = max(peak, sum(_pss_kb(pid) for pid in _descendants(proc.pid)))


def _run_child(name: str, quick: bool, repeats: int) -> dict[str, Any]:
    """A case in a fresh process; ``peak_mb`` the peak memory of its process tree."""
    env = {**os.environ, **dict.fromkeys(THREAD_VARS, "1")}
    code = f"from sim.bench import child; child({name!r}, {quick!r}, {repeats!r})"
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", code], stdout=out, stderr=err, env=env, text=True
        )
        tree_mb = _watch(proc)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark case {name} failed:\n{err.read()[-2000:]}")
        row = json.loads(out.read().strip().splitlines()[-1])
    row["peak_mb"] = max(tree_mb, row["self_peak_mb"])
    return row


def machine() -> dict[str, Any]:
    """Where the figures were taken."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "scipy": version("scipy"),
        "mesa": version("mesa"),
        "platform": platform.platform(),
        "load_average": list(os.getloadavg()),
    }


def summarise(name: str, out: dict[str, Any], quick: bool = False) -> dict[str, Any]:
    """A case's report: its figures (peak memory among them), each beside its target if any.

    Targets are judged at full size only (``quick`` sizes say nothing about them); a figure
    not measured (None) is neither met nor failed.
    """
    values = {**out.get("figures", {}), "peak_mb": out["peak_mb"]}
    figures = []
    for key, value in values.items():
        fig: dict[str, Any] = {"figure": key, "value": value}
        if (name, key) in TARGETS:
            text, threshold, at_least = TARGETS[(name, key)]
            fig["target"] = text
            if not quick and value is not None:
                fig["met"] = bool(value >= threshold if at_least else value <= threshold)
        figures.append(fig)
    row = {k: v for k, v in out.items() if k != "figures"}
    return {"name": name, **row, "figures": figures}


def run_bench(
    repeats: int = 3, quick: bool = False, cases: tuple[str, ...] = tuple(CASES)
) -> dict[str, Any]:
    """Run each case in a fresh process (``repeats`` alternating rounds); the report as a dict."""
    report: dict[str, Any] = {
        "machine": machine(),
        "quick": quick,
        "repeats": repeats,
        "cases": [],
    }
    for name in cases:
        report["cases"].append(summarise(name, _run_child(name, quick, repeats), quick))
    return report


def _seconds(seconds: dict[str, float]) -> str:
    """Absolute times, ms below a second."""
    return ", ".join(
        f"{k.replace('_', ' ')} {v * 1e3:.3g} ms" if v < 1 else f"{k.replace('_', ' ')} {v:.2f} s"
        for k, v in seconds.items()
    )


def _value(key: str, value: float | None) -> str:
    if value is None:
        return "not measured"
    fmt = FIGURES[key][1]
    return fmt.format(value / 1e6 if key in ("rate", "core_rate") else value)


def table(report: dict[str, Any]) -> str:
    """The report as a Markdown table: one row per figure, its case's times on its first row.

    The load average is the 1-minute one before and after the case.
    """
    lines = [
        "| case | figure | value | target | met | seconds (min of rounds) | load avg (1 min) |",
        "|---|---|---:|---|---|---|---|",
    ]
    for c in report["cases"]:
        load = " → ".join(f"{la[0]:.2f}" for la in c["load_average"])
        for i, f in enumerate(c["figures"]):
            met = {True: "pass", False: "fail"}.get(f.get("met"), "")
            first = i == 0
            lines.append(
                f"| {c['name'] if first else ''} | {FIGURES[f['figure']][0]} | "
                f"{_value(f['figure'], f['value'])} | {f.get('target', '')} | {met} | "
                f"{_seconds(c['seconds']) if first else ''} | {load if first else ''} |"
            )
    return "\n".join(lines)
