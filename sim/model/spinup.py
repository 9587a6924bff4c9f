"""Spin-up: the administrative baseline run before day 0 (design doc 3.3).

A run starts from the baseline's steady state rather than from the fixed start (satisfaction
0.80, no grievance): the freshly built model runs ``administrative`` only, with car growth
off, for ``spinup_days`` on its own streams (children of the run's seed under the name
``spinup``), so the arms of an experiment that share a seed and the parameters the baseline
reads share the spin-up (common random numbers), and the run's own streams start where they
would without it. Then the day, totals, records and metrics are reset, and every state array,
the network and the open issues (their days shifted) are kept.

The spun-up state is kept in a small in-process cache (design doc 3.3, step 5) under
everything the spin-up reads: the scenario without its days and its mechanisms other than
``administrative``, the seed and whether the run has resident views. The arms of an experiment
that share a seed, and the tests, then pay for one spin-up, not one each; a run restored from
the cache is bit-identical to one spun up afresh (tests/test_resident_core.py).
"""

from __future__ import annotations

import copy
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.mechanisms import build
from sim.params import MAX_DAYS

if TYPE_CHECKING:
    from sim.model.community import CommunityModel

#: The name of the spin-up's child seed sequence.
STREAM = "spinup"
#: The cache's bound, in residents over all the spun-up states it holds (~0.4 kB each).
CACHE_RESIDENTS = 200_000
#: Attributes of a model that are not its world: Mesa's own, the run's configuration and the
#: views rebuilt with every model (``residents``, ``datacollector``).
NOT_WORLD = {"spec", "mechanisms", "_by_name", "seed_seq", "residents", "datacollector"}
#: Attributes of an institutional agent that stay with the agent (Mesa's identity).
AGENT_OWN = {"model", "unique_id", "pos"}

_cache: OrderedDict[tuple, _Snapshot] = OrderedDict()
_lock = threading.Lock()  # the web page builds runs in more than one thread
_mesa_attributes: set[str] = set()


def spin_up(model: CommunityModel, days: int, resident_agents: bool = True) -> None:
    """Run the administrative baseline for ``days`` days, then restart the clock at day 0.

    A state already spun up under the same key (see the module's docstring) is restored from
    the cache instead.
    """
    if days <= 0:
        return
    key = _key(model, days, resident_agents)
    with _lock:
        snapshot = _cache.get(key)
        if snapshot is not None:
            _cache.move_to_end(key)
    if snapshot is not None:
        snapshot.restore(model)
        return
    _run(model, days)
    snapshot = _Snapshot.take(model)
    with _lock:
        _cache[key] = snapshot
        while sum(s.residents for s in _cache.values()) > CACHE_RESIDENTS:
            _cache.popitem(last=False)


def clear_cache() -> None:
    """Forget every spun-up state (the next runs spin up afresh)."""
    with _lock:
        _cache.clear()


def _key(model: CommunityModel, days: int, resident_agents: bool) -> tuple:
    spec = model.spec
    read = spec.model_copy(
        update={"days": 0, "mechanisms": {"administrative": spec.mechanisms.get("administrative")}}
    )
    seq = model.seed_seq
    return read.model_dump_json(), str(seq.entropy), tuple(seq.spawn_key), days, resident_agents


@dataclass
class _Snapshot:
    """A spun-up world: the model's attributes and its institutional agents' fields.

    References to the model and to its institutional agents are replaced by tokens when taken
    and by the new model's own objects when restored, so Mesa's registry stays the new model's.
    """

    data: Any
    tokens: list[object]
    types: list[type]
    residents: int

    @staticmethod
    def _agents(model: CommunityModel) -> list[mesa.Agent]:
        from sim.model.agents import Resident

        return sorted(
            (a for a in model.agents if not isinstance(a, Resident)), key=lambda a: a.unique_id
        )

    @classmethod
    def take(cls, model: CommunityModel) -> _Snapshot:
        if not _mesa_attributes:
            _mesa_attributes.update(vars(mesa.Model()))
        skip = NOT_WORLD | _mesa_attributes
        agents = cls._agents(model)
        tokens = [object() for _ in range(len(agents) + 1)]
        memo = {id(o): t for o, t in zip([model, *agents], tokens, strict=True)}
        world = {k: v for k, v in vars(model).items() if k not in skip}
        fields = [{k: v for k, v in vars(a).items() if k not in AGENT_OWN} for a in agents]
        data = copy.deepcopy((world, fields), memo)
        return cls(data, tokens, [type(a) for a in agents], model.pop.n)

    def restore(self, model: CommunityModel) -> None:
        agents = self._agents(model)
        assert [type(a) for a in agents] == self.types, "the cached world has other agents"
        memo = {id(t): o for t, o in zip(self.tokens, [model, *agents], strict=True)}
        world, fields = copy.deepcopy(self.data, memo)
        vars(model).update(world)
        for agent, f in zip(agents, fields, strict=True):
            vars(agent).update(f)


def _run(model: CommunityModel, days: int) -> None:
    """The spin-up itself: ``days`` days of the administrative baseline on its own streams."""
    root = model.seed_seq
    spec = model.spec
    saved = model._streams, model.mechanisms, model._by_name
    model.seed_seq = np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, zlib.crc32(STREAM.encode()))
    )
    model._streams = {}
    model.spec = spec.model_copy(
        update={
            "days": MAX_DAYS,
            "parking": spec.parking.model_copy(update={"car_growth_per_year": 0.0}),
        }
    )
    model.mechanisms = build(["administrative"], spec.mechanisms)
    model._by_name = {m.name: m for m in model.mechanisms}
    for m in model.mechanisms:
        m.setup(model)
    step = type(model).step  # the day itself: Mesa's clock (time, steps) stays at 0
    model.collecting = False  # no metrics rows: they would be dropped at day 0
    for _ in range(days):
        step(model)
    model.collecting = True
    model.seed_seq, model.spec = root, spec
    model._streams, model.mechanisms, model._by_name = saved
    _restart_clock(model, days)


def _restart_clock(model: CommunityModel, days: int) -> None:
    """Day 0 again: shift every recorded day by ``days``, clear totals, records and metrics."""
    model.day = 0
    model.running = True
    st = model.state
    st.last_part -= days
    st.last_loss -= days
    for issue in model.issues.open:
        issue.day -= days
        if issue.known_day >= 0:
            issue.known_day -= days
        if issue.referred_until >= 0:
            issue.referred_until -= days
    model._complaints_due = [(d - days, who) for d, who in model._complaints_due]
    model.issues.resolved.clear()
    model.totals = type(model.totals)()
    model.complaints = 0
    model.reopened = []
    model._resolution_days.clear()
    model._detection_days.clear()
    model._detection_offline.clear()
    model.metric_memo.clear()
    model._recent = model._year = None
    model.drain_metrics()
