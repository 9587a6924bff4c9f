"""Benchmarks of speed and scale: ``cogov bench [--json] [--repeats N] [--quick]``.

Each case runs ``repeats`` times, every time in a fresh Python process, with BLAS and OpenMP
limited to one thread; the table reports the median wall time and the peak memory over
repetitions (and the fastest). Peak memory is the proportional set size (PSS) of the case's
process and every process it starts (interpreter and imports included, so a pool's workers
count too), sampled from the parent every 0.2 s, or the case process's own ``ru_maxrss`` if
larger.
Cases (full size; ``--quick`` shrinks each to seconds, for tests):

- ``community``: Xianlu Xincun (3,200 residents), every mechanism, 1,096 days, one process.
- ``community_jm``: the same with the administrative routine and the joint meeting only, the
  dynamics the per-agent reference implements.
- ``reference``: the per-agent Mesa reference (:mod:`sim.bench.reference_model`) and the
  vectorised model on the same community, mechanisms and days (365; a third of the horizon,
  rates are per resident-day), and their ratio; ``reference_50k`` the same on a 50,000-resident
  community over 30 days.
- ``district`` / ``district_2w``: the Gulou district (120 communities), 365 days, in one process
  and on two worker processes (peak memory: the parent's plus each worker's).
- ``sweep``: 20 one-year runs on 1 and 2 workers (:func:`sim.bench.sweep.bench_sweep`).
- ``classic``: the classic-model kernels (:func:`sim.bench.classic.bench_classic`).

Nothing runs at import.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Targets of issue 7, by case: (description, metric, threshold, at least (True) or at most).
TARGETS: dict[str, tuple[str, str, float, bool]] = {
    "community": ("<= 1.0 s (>= 3.5 M resident-days/s)", "wall_s", 1.0, False),
    "reference": (">= 50x the per-agent reference", "speedup", 50.0, True),
    "reference_50k": (">= 100x the per-agent reference", "speedup", 100.0, True),
    "district": (">= 10 M resident-days/s, <= 1 GB", "rate", 10e6, True),
    "district_2w": (">= 10 M resident-days/s, <= 1 GB", "rate", 10e6, True),
}
MEMORY_LIMIT_MB = 1024.0
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _sizes(quick: bool) -> dict[str, Any]:
    """The workload of every case, full or quick."""
    tiny = {"population.residents": 300, "population.households": 95}
    if quick:
        return {
            "community": ("xianlu_xincun", tiny, 30),
            "reference": (tiny, 20),
            "reference_50k": ({"population.residents": 2000, "population.households": 640}, 5),
            "district": (20, True),
            "sweep": (4, 20),
        }
    return {
        "community": ("xianlu_xincun", {}, 1096),
        "reference": ({}, 365),
        "reference_50k": ({"population.residents": 50_000, "population.households": 15_940}, 30),
        "district": (365, False),
        "sweep": (20, 365),
    }


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


# ------------------------------------------------------------------------- cases (children)
def _community(quick: bool, mechanisms: str) -> dict[str, Any]:
    from sim.model import CommunityModel

    scenario, overrides, days = _sizes(quick)["community"]
    start = time.perf_counter()
    model = CommunityModel(scenario, rng=0, mechanisms=mechanisms, overrides=overrides)
    built = time.perf_counter()
    model.run(days)
    wall = time.perf_counter() - built
    return {
        "residents": model.pop.n,
        "days": days,
        "build_s": built - start,
        "wall_s": wall,
        "rate": model.pop.n * days / wall,
    }


def _reference(quick: bool, big: bool) -> dict[str, Any]:
    from sim.bench.reference_model import ReferenceModel
    from sim.model import CommunityModel

    overrides, days = _sizes(quick)["reference_50k" if big else "reference"]
    vec = CommunityModel("xianlu_xincun", rng=0, mechanisms=["joint_meeting"], overrides=overrides)
    start = time.perf_counter()
    vec.run(days)
    vec_s = time.perf_counter() - start
    ref = ReferenceModel("xianlu_xincun", rng=0, overrides=overrides)
    start = time.perf_counter()
    ref.run(days)
    ref_s = time.perf_counter() - start
    n = vec.pop.n
    return {
        "residents": n,
        "days": days,
        "wall_s": vec_s,
        "rate": n * days / vec_s,
        "reference_s": ref_s,
        "reference_rate": n * days / ref_s,
        "speedup": ref_s / vec_s,
    }


def _district(quick: bool, workers: int) -> dict[str, Any]:
    from sim.experiments.district import load_district, run_district

    days, small = _sizes(quick)["district"]
    spec = load_district("gulou")
    if small:
        spec = spec.model_copy(
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
    start = time.perf_counter()
    if workers > 1:
        from sim.experiments.execution import executor

        with executor(workers) as pool, tempfile.TemporaryDirectory() as store:
            result = run_district(spec, days, 0, executor=pool, in_flight=workers + 1, store=store)
    else:
        result = run_district(spec, days, 0)
    wall = time.perf_counter() - start
    n = result.manifest["residents"]
    return {
        "residents": n,
        "communities": spec.n_communities,
        "days": days,
        "wall_s": wall,
        "rate": n * days / wall,
        "workers": workers,
    }


def _sweep(quick: bool) -> dict[str, Any]:
    from sim.bench.sweep import bench_sweep

    runs, days = _sizes(quick)["sweep"]
    report = bench_sweep(n_runs=runs, days=days, workers=(1, 2))
    wall = report["wall_s"][2]
    return {
        "residents": 3200,
        "days": days,
        "workers": 2,
        "wall_s": wall,
        "rate": 3200 * days * runs / wall,
        "sweep": report,
    }


def _classic(quick: bool) -> dict[str, Any]:
    from sim.bench.classic import bench_classic

    start = time.perf_counter()
    rows = bench_classic(repeats=1 if quick else 3)
    return {"wall_s": time.perf_counter() - start, "kernels": rows}


CASES = {
    "community": lambda q: _community(q, "all"),
    "community_jm": lambda q: _community(q, "joint_meeting"),
    "reference": lambda q: _reference(q, big=False),
    "reference_50k": lambda q: _reference(q, big=True),
    "district": lambda q: _district(q, 1),
    "district_2w": lambda q: _district(q, 2),
    "sweep": _sweep,
    "classic": _classic,
}


def child(name: str, quick: bool) -> None:
    """Run one case in this (fresh) process and print its figures as one JSON line."""
    out = CASES[name](quick)
    out["self_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(out))


# ------------------------------------------------------------------------- the parent
def _run_child(name: str, quick: bool) -> dict[str, Any]:
    """One repetition of a case in a fresh process.

    ``peak_mb``: the peak memory of that process and any workers it started (sampled PSS),
    or its own ``ru_maxrss`` if larger (``self_peak_mb``).
    """
    env = {**os.environ, **dict.fromkeys(THREAD_VARS, "1")}
    code = f"from sim.bench import child; child({name!r}, {quick!r})"
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


def summarise(name: str, reps: list[dict[str, Any]], quick: bool = False) -> dict[str, Any]:
    """Median figures over repetitions, peak memory over them, and the target if any.

    Targets are judged at full size only (``quick`` sizes say nothing about them).
    """
    row: dict[str, Any] = {"name": name, "repeats": len(reps)}
    for key in ("wall_s", "rate", "speedup", "reference_s", "reference_rate", "build_s"):
        if key in reps[0]:
            row[key] = statistics.median(r[key] for r in reps)
    row["wall_min_s"] = min(r["wall_s"] for r in reps)
    for key in ("residents", "days", "communities", "workers"):
        if key in reps[0]:
            row[key] = reps[0][key]
    row["peak_mb"] = max(r["peak_mb"] for r in reps)
    row["self_peak_mb"] = max(r["self_peak_mb"] for r in reps)
    if name == "sweep":
        row["sweep"] = reps[len(reps) // 2]["sweep"]
    if name == "classic":
        row["kernels"] = reps[len(reps) // 2]["kernels"]
    if name in TARGETS and not quick:
        text, key, threshold, at_least = TARGETS[name]
        met = row[key] >= threshold if at_least else row[key] <= threshold
        if name.startswith("district"):
            met = met and row["peak_mb"] <= MEMORY_LIMIT_MB
        row["target"], row["met"] = text, bool(met)
    return row


def run_bench(
    repeats: int = 3, quick: bool = False, cases: tuple[str, ...] = tuple(CASES)
) -> dict[str, Any]:
    """Run every case ``repeats`` times in fresh processes; the report as a dict."""
    report: dict[str, Any] = {
        "machine": machine(),
        "quick": quick,
        "repeats": repeats,
        "cases": [],
        "skipped": [],
    }
    for name in cases:
        reps = [_run_child(name, quick) for _ in range(repeats)]
        report["cases"].append(summarise(name, reps, quick))
    return report


def table(report: dict[str, Any]) -> str:
    """The report as a Markdown table."""
    lines = [
        "| case | residents | days | wall s, median (min) | resident-days/s | "
        "per-agent ref. | peak MB | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for c in report["cases"]:
        rate = f"{c['rate'] / 1e6:.2f} M" if "rate" in c else ""
        ref = f"{c['reference_rate'] / 1e6:.3f} M/s, {c['speedup']:.0f}x" if "speedup" in c else ""
        mem = f"{c['peak_mb']:.0f}"
        met = {True: "yes", False: "no"}.get(c.get("met"), "")
        lines.append(
            f"| {c['name']} | {c.get('residents', '')} | {c.get('days', '')} | "
            f"{c['wall_s']:.2f} ({c['wall_min_s']:.2f}) | {rate} | {ref} | {mem} | "
            f"{c.get('target', '')} | "
            f"{met} |"
        )
    return "\n".join(lines)
