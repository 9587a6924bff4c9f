"""Running a district: sub-districts as tasks on an executor, in exchange intervals.

A sub-district is a task on any ``concurrent.futures.Executor`` (a local process pool or Dask's,
as for sweeps); the run advances in intervals of ``exchange_days``: each interval submits one
task per sub-district, then reallocates. A task builds its communities (first interval) or
unpickles them, steps them, and returns the pickled state (as bytes, or as a file in a shared
``store`` folder), the daily metrics of the interval and the queue's daily record. Seeds are
spawned from the run's ``SeedSequence``, one child per sub-district and one grandchild per
community, so results do not depend on the executor or the number of workers. Without an
executor everything runs in this process and no state is pickled. Residents are not created as
Mesa agents in district runs (``resident_agents=False``): the arrays are the model.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.district.coupling import (
    Recipe,
    advance,
    advance_shipped,
    allocate,
    build,
    recipes,
)
from sim.experiments.district.schema import (
    DistrictSpec,
    load_district,
)
from sim.files import git_commit, version_of, versions
from sim.mechanisms import MECHANISMS, MechanismError, names
from sim.run import check_days, check_seed


# ------------------------------------------------------------------------- the run
@dataclass
class DistrictResult:
    """A district run: each community's daily metrics, each queue's record, the manifest."""

    metrics: pd.DataFrame
    queues: pd.DataFrame
    waits: dict[str, list[int]]
    manifest: dict[str, Any]

    def summary(self) -> pd.DataFrame:
        """Per sub-district: final means over its communities, escalations, queue waits."""
        last = self.metrics[self.metrics["day"] == self.metrics["day"].max()]
        table = last.groupby("sub_district", sort=False).agg(
            communities=("community", "size"),
            participation=("participation_rate", "mean"),
            satisfaction=("satisfaction_mean", "mean"),
            trust=("trust_mean", "mean"),
            escalations=("escalations_total", "sum"),
        )
        table["served"] = [len(self.waits[s]) for s in table.index]
        table["wait_days"] = [
            float(np.mean(self.waits[s])) if self.waits[s] else float("nan") for s in table.index
        ]
        table["backlog"] = (
            self.queues.groupby("sub_district", sort=False)["queue"].last().reindex(table.index)
        )
        return table


def _submit_all(
    executor: cf.Executor,
    states: list[Any],
    days: int,
    capacity: list[float],
    keep: bool,
    in_flight: int,
    store: str | None,
) -> list[Any]:
    """Advance every sub-district on ``executor``, at most ``in_flight`` tasks at a time.

    A submitted state is dropped here (the task holds it), so this process keeps at most
    ``in_flight`` states in flight besides the results; the results are in input order.
    """
    outs: list[Any] = [None] * len(states)
    pending: dict[cf.Future, int] = {}
    order = iter(range(len(states)))

    def submit(i: int) -> None:
        pending[executor.submit(advance_shipped, states[i], days, capacity[i], keep, store)] = i
        states[i] = None

    for i in itertools.islice(order, in_flight):
        submit(i)
    while pending:
        done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        for future in done:
            outs[pending.pop(future)] = future.result()
            nxt = next(order, None)
            if nxt is not None:
                submit(nxt)
    return outs


def run_district(
    name: str | Path | DistrictSpec = "gulou",
    days: int = 365,
    seed: int | np.random.SeedSequence = 0,
    mechanisms: Any = None,
    executor: cf.Executor | None = None,
    exchange_days: int | None = None,
    in_flight: int | None = None,
    store: str | Path | None = None,
) -> DistrictResult:
    """Run a district for ``days`` days.

    Args:
        name: A built-in district, a district TOML path or a :class:`DistrictSpec`.
        days: Days to simulate.
        seed: The run's seed; sub-districts and communities get spawned children.
        mechanisms: Mechanism names (a list or a comma-separated string); None takes the
            district file's.
        executor: Where sub-district tasks run (None: in this process).
        exchange_days: Days between district-level exchanges; None takes the file's.
        in_flight: Tasks submitted to the executor at once (None: every sub-district); a
            sub-district's state stays in this process until its task is submitted, so a
            small number (the workers plus one) bounds this process's memory.
        store: A folder every worker can read and write (a local pool: a temporary folder);
            states then travel as files and only paths pass through this process. None
            ships them as bytes through the executor (works anywhere, e.g. Dask).
    """
    spec = load_district(name)
    days = check_days(days)
    seed = check_seed(seed)
    if mechanisms is None:
        mechs = spec.mechanisms
    else:
        mechs = tuple(names(mechanisms) if isinstance(mechanisms, str) else mechanisms)
    for mech in mechs:
        if mech not in MECHANISMS:
            raise MechanismError(
                "mechanisms", f"unknown mechanism {mech!r}; available: " + ", ".join(MECHANISMS)
            )
    interval = exchange_days or spec.exchange_days
    plans = recipes(spec, seed, mechs)
    states: list[Any] = list(plans)
    capacity = allocate(spec, [0] * len(plans))
    metrics, queues = [], []
    waits: dict[str, list[int]] = {p.name: [] for p in plans}
    exchanges = []
    for start in range(0, days, interval):
        n = min(interval, days - start)
        keep = start + n < days
        if executor is None:
            local = [build(s) if isinstance(s, Recipe) else s for s in states]
            outs = [(st, advance(st, n, c)) for st, c in zip(local, capacity, strict=True)]
        else:
            outs = _submit_all(
                executor,
                states,
                n,
                capacity,
                keep,
                in_flight or len(states),
                None if store is None else str(store),
            )
        states = [s for s, _ in outs]
        for plan, (_, out) in zip(plans, outs, strict=True):
            metrics.append(out.metrics)
            queues.append(out.queue)
            waits[plan.name].extend(out.waits)
        backlog = [out.backlog for _, out in outs]
        capacity = allocate(spec, backlog)
        exchanges.append({"day": start + n, "backlog": backlog, "capacity": capacity})
    manifest = {
        "district": spec.model_dump(mode="json"),
        "days": days,
        "seed": seed if isinstance(seed, int) else str(seed),
        "mechanisms": list(mechs),
        "exchange_days": interval,
        "residents": int(sum(sc.population.residents for p in plans for _, sc in p.communities)),
        "exchanges": exchanges,
        "versions": versions(pandas=pd.__version__, pyarrow=version_of("pyarrow")),
        "git_commit": git_commit(),
    }
    table = pd.concat(metrics, ignore_index=True).sort_values(
        ["sub_district", "community", "day"], kind="stable", ignore_index=True
    )
    return DistrictResult(table, pd.concat(queues, ignore_index=True), waits, manifest)
