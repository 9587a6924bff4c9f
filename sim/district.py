"""A district of many communities: sub-districts share escalation capacity (MODEL 4, 5 Q6).

Composition. A district file (``scenarios/districts/<name>.toml``) lists sub-districts, each
with its communities as built-in scenarios and sizes (households scale with residents at the
base scenario's household size) and the capacity of its cloud-consultation queue; see
``gulou.toml`` for what is sourced and what is assumed.

Coupling. Within a sub-district, the communities' cloud consultations :meth:`join
<sim.mechanisms.cloud_consultation.CloudConsultation.join>` one
:class:`~sim.mechanisms.cloud_consultation.EscalationQueue`, served once a day after all of
them have stepped, so more escalating communities mean longer waits for everyone. Across
sub-districts, every ``exchange_days`` the district reallocates its own capacity
(``district_capacity_per_month``: bureaus and experts backing the platforms) in proportion to
each sub-district's backlog at that moment (equal shares when no one has a backlog, and for
the first interval). That backlog is the only district-level aggregate exchanged.

Execution. A sub-district is a task on any ``concurrent.futures.Executor`` (a local process
pool or Dask's, as for sweeps); the run advances in intervals of ``exchange_days``: each
interval submits one task per sub-district, then reallocates. A task builds its communities
(first interval) or unpickles them, steps them, and returns the pickled state (as bytes, or as
a file in a shared ``store`` folder), the daily metrics of the interval and the queue's daily
record. Seeds are spawned from the run's ``SeedSequence``, one child per sub-district and one
grandchild per community, so results do not depend on the executor or the number of workers.
Without an executor everything runs in this process and no state is pickled. Residents are
not created as Mesa agents in district runs (``resident_agents=False``): the arrays are the
model.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import itertools
import json
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim import argtypes
from sim.files import atomic, git_commit, version_of, versions
from sim.inputs import InputError, invalid, read_toml
from sim.mechanisms import MECHANISMS, MechanismError, names
from sim.mechanisms.cloud_consultation import CloudConsultation, EscalationQueue
from sim.model import CommunityModel
from sim.params import MAX_DAYS
from sim.run import check_days, check_seed
from sim.scenario import Scenario, data_dir, load_scenario


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CommunityGroup(_Spec):
    """Communities of one base scenario: one per entry of ``residents``."""

    scenario: str = Field(min_length=1)
    residents: tuple[int, ...] = Field(min_length=1)


class SubDistrictSpec(_Spec):
    """A sub-district (街道): its communities and its escalation capacity."""

    name: str = Field(min_length=1)
    name_zh: str = ""
    capacity_per_month: float = Field(12.0, ge=0, le=10_000)
    communities: tuple[CommunityGroup, ...] = Field(min_length=1)


class DistrictSpec(_Spec):
    """A district (区): sub-districts, mechanisms, and the district-level exchange."""

    name: str = Field(min_length=1)
    title: str = ""
    title_zh: str = ""
    mechanisms: tuple[str, ...] = ("joint_meeting", "issue_committee", "cloud_consultation")
    exchange_days: int = Field(30, ge=1, le=MAX_DAYS)
    district_capacity_per_month: float = Field(0.0, ge=0, le=100_000)
    sub_districts: tuple[SubDistrictSpec, ...] = Field(min_length=1)

    @property
    def n_communities(self) -> int:
        """Number of communities."""
        return sum(len(g.residents) for s in self.sub_districts for g in s.communities)


def district_names() -> list[str]:
    """Names of the built-in districts."""
    return sorted(p.stem for p in (data_dir("scenarios") / "districts").glob("*.toml"))


def load_district(name_or_path: str | Path | DistrictSpec) -> DistrictSpec:
    """Load a built-in district by name or a district TOML file by path.

    Raises:
        InputError: the file, a field, a scenario or a mechanism is wrong.
    """
    if isinstance(name_or_path, DistrictSpec):
        return name_or_path
    text = str(name_or_path)
    path = (data_dir("scenarios") / "districts" / f"{text}.toml"
            if text in district_names() else Path(text))
    if path.suffix != ".toml" and not path.exists():
        raise InputError(text, "", "no such district; built-in: " + ", ".join(district_names()))
    raw = read_toml(path)
    raw.setdefault("name", path.stem)
    try:
        spec = DistrictSpec.model_validate(raw)
    except ValidationError as exc:
        raise invalid(exc, str(path), DistrictSpec) from None
    for name in spec.mechanisms:
        if name not in MECHANISMS:
            raise InputError(str(path), "mechanisms",
                             f"unknown mechanism {name!r}; available: " + ", ".join(MECHANISMS))
    for i, s in enumerate(spec.sub_districts):
        for j, g in enumerate(s.communities):
            where = f"sub_districts.{i}.communities.{j}"
            try:
                base = load_scenario(g.scenario)
            except InputError as exc:
                raise InputError(str(path), f"{where}.scenario", str(exc)) from None
            for k, residents in enumerate(g.residents):
                try:
                    community_scenario(base, residents)
                except InputError as exc:
                    raise InputError(str(path), f"{where}.residents.{k}",
                                     f"{residents}: {exc.field}: {exc.message}") from None
    return spec


def community_scenario(base: Scenario, residents: int) -> Scenario:
    """A base scenario resized to ``residents``, households scaled at its household size."""
    p = base.population
    households = max(1, min(residents, round(residents * p.households / p.residents)))
    return load_scenario(base, {"population.residents": residents,
                                "population.households": households})


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
        model = CommunityModel(scenario, rng=seed, mechanisms=list(recipe.mechanisms),
                               resident_agents=False)
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
    return Interval(pd.concat(tables, ignore_index=True),
                    pd.DataFrame(rows, columns=["day", "queue", "served", "capacity_per_month"]
                                 ).assign(sub_district=state.name),
                    len(queue), waits)


def advance_shipped(payload: Recipe | bytes | str, days: int, capacity_per_month: float,
                    keep: bool, store: str | None = None) -> tuple[bytes | str | None, Interval]:
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
            escalations=("escalations_total", "sum"))
        table["served"] = [len(self.waits[s]) for s in table.index]
        table["wait_days"] = [float(np.mean(self.waits[s])) if self.waits[s] else float("nan")
                              for s in table.index]
        table["backlog"] = (self.queues.groupby("sub_district", sort=False)["queue"].last()
                            .reindex(table.index))
        return table


def allocate(spec: DistrictSpec, backlog: list[int]) -> list[float]:
    """Each sub-district's capacity: its own plus the district's, shared by backlog."""
    pool = spec.district_capacity_per_month
    total = sum(backlog)
    shares = ([b / total for b in backlog] if total
              else [1.0 / len(backlog)] * len(backlog))
    return [s.capacity_per_month + pool * share
            for s, share in zip(spec.sub_districts, shares, strict=True)]


def recipes(spec: DistrictSpec, seed: int | np.random.SeedSequence,
            mechanisms: tuple[str, ...]) -> list[Recipe]:
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
        out.append(Recipe(sd.name, tuple(communities), mechanisms,
                          tuple(sd_seed.spawn(len(communities)))))
    return out


def _submit_all(executor: cf.Executor, states: list[Any], days: int, capacity: list[float],
                keep: bool, in_flight: int, store: str | None) -> list[Any]:
    """Advance every sub-district on ``executor``, at most ``in_flight`` tasks at a time.

    A submitted state is dropped here (the task holds it), so this process keeps at most
    ``in_flight`` states in flight besides the results; the results are in input order.
    """
    outs: list[Any] = [None] * len(states)
    pending: dict[cf.Future, int] = {}
    order = iter(range(len(states)))

    def submit(i: int) -> None:
        pending[executor.submit(advance_shipped, states[i], days, capacity[i], keep,
                                store)] = i
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
            raise MechanismError("mechanisms", f"unknown mechanism {mech!r}; available: "
                                 + ", ".join(MECHANISMS))
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
            outs = _submit_all(executor, states, n, capacity, keep, in_flight or len(states),
                               None if store is None else str(store))
        states = [s for s, _ in outs]
        for plan, (_, out) in zip(plans, outs, strict=True):
            metrics.append(out.metrics)
            queues.append(out.queue)
            waits[plan.name].extend(out.waits)
        backlog = [out.backlog for _, out in outs]
        capacity = allocate(spec, backlog)
        exchanges.append({"day": start + n, "backlog": backlog, "capacity": capacity})
    manifest = {"district": spec.model_dump(mode="json"), "days": days,
                "seed": seed if isinstance(seed, int) else str(seed),
                "mechanisms": list(mechs), "exchange_days": interval,
                "residents": int(sum(sc.population.residents for p in plans
                                     for _, sc in p.communities)),
                "exchanges": exchanges,
                "versions": versions(pandas=pd.__version__, pyarrow=version_of("pyarrow")),
                "git_commit": git_commit()}
    table = pd.concat(metrics, ignore_index=True).sort_values(
        ["sub_district", "community", "day"], kind="stable", ignore_index=True)
    return DistrictResult(table, pd.concat(queues, ignore_index=True), waits, manifest)


# ------------------------------------------------------------------------- the CLI
def cmd_run(args: argparse.Namespace) -> int:
    """Run a district and print a summary by sub-district; with --out write the tables."""
    from sim.sweep import executor as make_executor

    out = argtypes.check_output(args.out) if args.out else None
    spec = load_district(args.district)
    print(f"{spec.title or spec.name}: {len(spec.sub_districts)} sub-districts, "
          f"{spec.n_communities} communities, {args.days} days, seed {args.seed}, "
          f"{args.workers} worker(s)")
    if args.workers > 1:
        with make_executor(args.workers) as pool, tempfile.TemporaryDirectory() as store:
            result = run_district(spec, args.days, args.seed, args.mechanisms, pool,
                                  in_flight=args.workers + 1, store=store)
    else:
        result = run_district(spec, args.days, args.seed, args.mechanisms)
    print(result.summary().to_string(float_format=lambda v: f"{v:.3f}"))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        atomic(out / "metrics.parquet", lambda p: result.metrics.to_parquet(p, index=False))
        atomic(out / "queues.parquet", lambda p: result.queues.to_parquet(p, index=False))
        atomic(out / "manifest.json", lambda p: p.write_text(
            json.dumps(result.manifest, indent=2, ensure_ascii=False), encoding="utf-8"))
        print(f"wrote {out}/metrics.parquet, queues.parquet, manifest.json")
    return 0


def register(sub: Any) -> None:
    """Add ``cogov district run`` to the CLI's subcommands."""
    d = sub.add_parser("district", help="run a district of many communities")
    dsub = d.add_subparsers(dest="district_command", required=True, metavar="COMMAND")
    r = dsub.add_parser("run", help="run a district and summarise it by sub-district")
    r.add_argument("district", help="built-in name (gulou) or a district .toml path")
    r.add_argument("--days", type=argtypes.days, default=365, help="days to simulate (default 365)")
    r.add_argument("--seed", type=argtypes.seed, default=0, help="random seed (default 0)")
    r.add_argument("--workers", type=argtypes.positive, default=1,
                   help="worker processes, one sub-district a task (default 1: in-process)")
    r.add_argument("--mechanisms", help="comma-separated mechanisms (default: the district's)")
    r.add_argument("--out", help="folder for metrics.parquet, queues.parquet, manifest.json")
    r.set_defaults(fn=cmd_run)
