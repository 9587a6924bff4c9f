"""Coupling of a district's communities: shared queues, capacity exchanged by backlog.

Within a sub-district, the communities' cloud consultations :meth:`join
<sim.mechanisms.cloud_consultation.CloudConsultation.join>` one
:class:`~sim.mechanisms.cloud_consultation.EscalationQueue`, served once a day after all of them
have stepped, so more escalating communities mean longer waits for everyone. Across sub-
districts, every ``exchange_days`` the district reallocates its own capacity
(``district_capacity_per_month``: bureaus and experts backing the platforms) in proportion to
each sub-district's backlog at that moment (equal shares when no one has a backlog, and for the
first interval). That backlog is the only district-level aggregate exchanged.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.district.schema import (
    DistrictSpec,
    community_scenario,
)
from sim.files import atomic
from sim.mechanisms.cloud_consultation import CloudConsultation, EscalationQueue
from sim.model import CommunityModel
from sim.scenario import Scenario, load_scenario


# ------------------------------------------------------------------------- tasks
@dataclass(frozen=True)
class Recipe:
    """What a worker needs to build a sub-district (pickled to it once)."""

    name: str
    communities: tuple[tuple[str, Scenario], ...]  # (community name, resized scenario)
    mechanisms: tuple[str, ...]
    seeds: tuple[np.random.SeedSequence, ...]


@dataclass
class SubDistrictState:
    """A sub-district between intervals: its community models and their shared queue."""

    name: str
    communities: list[str]
    models: list[CommunityModel]
    queue: EscalationQueue
    day: int = 0


@dataclass
class Interval:
    """What a task returns besides the state: the interval's records."""

    metrics: pd.DataFrame  # daily metrics of each community
    queue: pd.DataFrame  # the queue each day: length, served, capacity
    backlog: int  # queue length at the end of the interval
    waits: list[int] = field(default_factory=list)  # days each entry served waited


def build(recipe: Recipe) -> SubDistrictState:
    """Build a sub-district's communities and join their cloud consultations to one queue."""
    queue = EscalationQueue(0.0, 0)
    models = []
    for (_, scenario), seed in zip(recipe.communities, recipe.seeds, strict=True):
        model = CommunityModel(
            scenario, rng=seed, mechanisms=list(recipe.mechanisms), resident_agents=False
        )
        for mech in model.mechanisms:
            if isinstance(mech, CloudConsultation):
                queue.min_days = mech.params.min_days
                mech.join(queue)
        models.append(model)
    return SubDistrictState(recipe.name, [c for c, _ in recipe.communities], models, queue)


def advance(state: SubDistrictState, days: int, capacity_per_month: float) -> Interval:
    """Step every community ``days`` days; the queue is served after each day's steps."""
    queue = state.queue
    queue.capacity_per_month = capacity_per_month
    first_wait = len(queue.waits)
    rows = []
    for _ in range(days):
        for model in state.models:
            model.step()
        served = queue.serve(state.day)
        for model, issue in served:
            model.levers.escalator.settle(model, issue)
        rows.append((state.day, len(queue), len(served), capacity_per_month))
        state.day += 1
    tables = []
    for community, model in zip(state.communities, state.models, strict=True):
        table = model.drain_metrics()
        table.insert(0, "community", community)
        table.insert(0, "sub_district", state.name)
        tables.append(table)
    waits = queue.waits[first_wait:]
    del queue.waits[first_wait:]
    return Interval(
        pd.concat(tables, ignore_index=True),
        pd.DataFrame(rows, columns=["day", "queue", "served", "capacity_per_month"]).assign(
            sub_district=state.name
        ),
        len(queue),
        waits,
    )


def advance_shipped(
    payload: Recipe | bytes | str,
    days: int,
    capacity_per_month: float,
    keep: bool,
    store: str | None = None,
) -> tuple[bytes | str | None, Interval]:
    """A worker's task: build or load, advance, and pickle the state back if ``keep``.

    The state travels as bytes, or as a file in ``store`` (then only its path travels).
    """
    if isinstance(payload, Recipe):
        state = build(payload)
    else:
        state = pickle.loads(payload if isinstance(payload, bytes) else Path(payload).read_bytes())
    out = advance(state, days, capacity_per_month)
    if not keep:
        return None, out
    blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    if store is None:
        return blob, out
    path = Path(store) / f"{state.name}.pkl"
    atomic(path, lambda p: p.write_bytes(blob))
    return str(path), out


def allocate(spec: DistrictSpec, backlog: list[int]) -> list[float]:
    """Each sub-district's capacity: its own plus the district's, shared by backlog."""
    pool = spec.district_capacity_per_month
    total = sum(backlog)
    shares = [b / total for b in backlog] if total else [1.0 / len(backlog)] * len(backlog)
    return [
        s.capacity_per_month + pool * share
        for s, share in zip(spec.sub_districts, shares, strict=True)
    ]


def recipes(
    spec: DistrictSpec, seed: int | np.random.SeedSequence, mechanisms: tuple[str, ...]
) -> list[Recipe]:
    """One recipe per sub-district, seeds spawned sub-district then community."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    out = []
    for sd, sd_seed in zip(spec.sub_districts, root.spawn(len(spec.sub_districts)), strict=True):
        communities = []
        for group in sd.communities:
            base = load_scenario(group.scenario)
            for residents in group.residents:
                name = f"{sd.name}-{len(communities) + 1:02d}"
                communities.append((name, community_scenario(base, residents)))
        out.append(
            Recipe(sd.name, tuple(communities), mechanisms, tuple(sd_seed.spawn(len(communities))))
        )
    return out
