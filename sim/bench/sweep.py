"""The sweep benchmark: replicates of one design point on local workers against a plain loop."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from sim.experiments.design import Experiment, Plan
from sim.experiments.design import plan as make_plan
from sim.experiments.execution import execute, executor, sweep, task
from sim.scenario import load_scenario


def replicate_plan(
    n_runs: int, days: int, scenario: str = "xianlu_xincun", overrides: dict | None = None
) -> Plan:
    """The plan of ``n_runs`` replicates of one design point (the administrative arm)."""
    exp = Experiment.model_validate(
        {
            "name": "bench",
            "scenario": [scenario],
            "days": days,
            "replicates": n_runs,
            "metrics": ["participation_rate", "satisfaction_mean"],
            "arms": {"administrative": {"mechanisms": ["administrative"], "set": overrides or {}}},
        }
    )
    return make_plan(exp, {scenario: load_scenario(scenario)})


def bench_sweep(
    n_runs: int = 20,
    days: int = 365,
    scenario: str = "xianlu_xincun",
    workers: tuple[int, ...] = (1, 2),
    overrides: dict | None = None,
) -> dict[str, Any]:
    """Time a sweep of ``n_runs`` one-year runs against a plain loop.

    The pool is started and warmed up before the clock starts, so the figures measure
    per-run costs: scheduling, pickling the metrics back, writing Parquet, combining.

    Returns:
        ``loop_s`` (plain loop of :func:`execute`), then per worker count ``w``:
        ``wall_s[w]``, ``speedup[w]`` (loop / wall), ``overhead_ms_per_run[w]``
        ((wall x w - loop) / runs: worker time not spent simulating) and
        ``parent_cpu_ms_per_run[w]`` (the parent's CPU time per run: submitting, receiving,
        writing, combining; unlike wall times, not inflated by other load on the machine).
    """
    plan = replicate_plan(n_runs, days, scenario, overrides)
    start = time.perf_counter()
    for run in plan.runs:
        execute(task(plan, run))
    loop = time.perf_counter() - start
    report: dict[str, Any] = {
        "runs": n_runs,
        "days": days,
        "scenario": scenario,
        "loop_s": loop,
        "wall_s": {},
        "speedup": {},
        "overhead_ms_per_run": {},
        "parent_cpu_ms_per_run": {},
    }
    for w in workers:
        with executor(w) as pool, tempfile.TemporaryDirectory() as tmp:
            list(pool.map(time.sleep, [0.2] * w))  # start every worker before timing
            start, cpu = time.perf_counter(), time.process_time()
            sweep(plan, Path(tmp), pool)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        report["wall_s"][w] = wall
        report["speedup"][w] = loop / wall
        report["overhead_ms_per_run"][w] = 1000 * (wall * w - loop) / n_runs
        report["parent_cpu_ms_per_run"][w] = 1000 * cpu / n_runs
    return report
