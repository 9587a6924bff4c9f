"""Micro-benchmarks of the classic-model kernels in ``sim.classic``.

``bench_classic`` times each kernel on a fixed workload (inputs built outside the timed
region) and returns plain dict rows, ready for a table or JSON; nothing runs or prints
at import.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np

from sim import classic

__all__ = ["bench_classic"]


def _median_time(fn: Callable[[], Any], repeats: int) -> float:
    """Median wall-clock seconds of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_classic(repeats: int = 3, seed: int = 0) -> list[dict[str, Any]]:
    """Time the classic kernels on their reference workloads.

    Workloads: ``hegselmann_krause`` on the complete graph, n = 1000 uniform opinions,
    eps = 0.15, 50 steps (early stopping disabled by timing ``hk_step`` 50 times as well);
    ``sir_final_size`` on a 100,000-node Erdős-Rényi graph with mean degree 4 and
    T = 0.5 from one random seed, given the networkx graph (includes CSR conversion)
    and a prebuilt CSR adjacency; ``deffuant`` with 10^6 random-pair encounters among
    n = 1000 agents (d = 0.2, mu = 0.5). Graph construction is not timed.

    Args:
        repeats: timed repetitions per workload (the median is reported).
        seed: seed for inputs and the kernels' random generator.

    Returns:
        One dict per workload with keys ``name``, ``size`` (agents or nodes),
        ``median_s`` (median seconds per call) and ``unit_rate`` (work units per
        second: agent-steps for HK, nodes for SIR, encounters for Deffuant).
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []

    x_hk = rng.random(1000)
    t = _median_time(lambda: classic.hegselmann_krause(x_hk, 0.15, 50), repeats)
    rows.append(
        {"name": "hegselmann_krause", "size": 1000, "median_s": t, "unit_rate": 1000 * 50 / t}
    )

    def hk_fixed() -> None:
        x = x_hk
        for _ in range(50):
            x = classic.hk_step(x, 0.15)

    t = _median_time(hk_fixed, repeats)
    rows.append({"name": "hk_step x50", "size": 1000, "median_s": t, "unit_rate": 1000 * 50 / t})

    n_sir = 100_000
    graph = nx.fast_gnp_random_graph(n_sir, 4 / (n_sir - 1), seed=seed)
    adj = classic.to_csr(graph)
    t = _median_time(lambda: classic.sir_final_size(graph, 0.5, None, rng), repeats)
    rows.append({"name": "sir_final_size", "size": n_sir, "median_s": t, "unit_rate": n_sir / t})
    t = _median_time(lambda: classic.sir_final_size(adj, 0.5, None, rng), repeats)
    rows.append(
        {"name": "sir_final_size[csr]", "size": n_sir, "median_s": t, "unit_rate": n_sir / t}
    )

    x_df = rng.random(1000)
    encounters = 1_000_000
    t = _median_time(lambda: classic.deffuant(x_df, 0.2, 0.5, encounters, rng), repeats)
    rows.append({"name": "deffuant", "size": 1000, "median_s": t, "unit_rate": encounters / t})
    return rows
