"""Spin-up: the administrative baseline run before day 0 (design doc 3.3).

A run starts from the baseline's steady state rather than from the fixed start (satisfaction
0.80, no grievance): the freshly built model runs ``administrative`` only, with car growth
off, for ``spinup_days`` on its own streams (children of the run's seed under the name
``spinup``), so the arms of an experiment that share a seed and the parameters the baseline
reads share the spin-up (common random numbers), and the run's own streams start where they
would without it. Then the day, totals, records and metrics are reset, and every state array,
the network and the open issues (their days shifted) are kept.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import build
from sim.params import MAX_DAYS

if TYPE_CHECKING:
    from sim.model.community import CommunityModel

#: The name of the spin-up's child seed sequence.
STREAM = "spinup"


def spin_up(model: CommunityModel, days: int) -> None:
    """Run the administrative baseline for ``days`` days, then restart the clock at day 0."""
    if days <= 0:
        return
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
    for _ in range(days):
        step(model)
    model.seed_seq, model.spec = root, spec
    model._streams, model.mechanisms, model._by_name = saved
    _restart_clock(model, days)


def _restart_clock(model: CommunityModel, days: int) -> None:
    """Day 0 again: shift every recorded day by ``days``, clear totals, records and metrics."""
    model.day = 0
    model.running = True
    st = model.state
    st.last_part -= days
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
    model._recent = None
    model.drain_metrics()
