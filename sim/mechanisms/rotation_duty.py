"""Resident rotation duty (居民轮值): residents take turns on duty in community work.

Article: in Xinmenkou community (Gulou) residents take turns on duty, and their enthusiasm
for self-governance "rises day by day".

Rule. Every ``recruit_days`` core members ask residents in person to join a roster (the
participation decision with the canvassing effect, MODEL 3.1). Each day the next ``on_duty``
roster members are due; each turns up by the participation rule, reminded in person (asked).
Those who serve take part, gain efficacy (Finkel 1985) and pass a share of it to their
face-to-face ties (ownership spreading), notice unreported issues in their buildings, and
watch over conventions in their buildings for the next month (monitoring, Ostrom 1990
principle 4: ``levers.monitored``). The duty is posted, so their face-to-face ties see a
neighbour serving: for ``RECENT_DAYS`` the social-pressure effect enters those ties'
participation decisions (``levers.visible``; Gerber, Green & Larimer 2008, scaled down).
A social worker coordinates the roster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.model.behaviour import RECENT_DAYS
from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel


class RotationDutyParams(Params):
    """Parameters of rotation duty."""

    on_duty: int = param(
        2, ge=1, le=100, unit="residents/day", zh="每日值班人数", help="Residents on duty each day"
    )
    roster_max: int = param(
        60, ge=1, le=10_000, unit="residents", zh="轮值名单上限", help="Largest roster"
    )
    asks: int = param(
        150,
        ge=0,
        le=100_000,
        unit="residents",
        zh="每轮动员人数",
        help="Residents asked to join at each recruitment",
    )
    recruit_days: int = param(
        90, ge=1, le=3650, unit="days", zh="招募间隔", help="Days between recruitment rounds"
    )
    efficacy_gain: float = param(
        0.05,
        ge=0,
        le=1,
        zh="值班效能感提升",
        help="Efficacy gained by serving a shift",
        source="ASSUMPTION; Finkel 1985 (direction)",
    )
    spillover: float = param(
        0.01,
        ge=0,
        le=1,
        zh="效能感外溢",
        help="Efficacy passed to each tie of a resident on duty",
        source="ASSUMPTION; article: enthusiasm rises",
    )
    p_notice: float = param(
        0.2,
        ge=0,
        le=1,
        zh="巡查发现概率",
        help="Chance a shift notices an unknown issue in its buildings",
    )
    coordination_hours: float = param(
        0.5,
        ge=0,
        le=24,
        unit="h/day",
        zh="协调工时",
        help="Social-worker hours a day coordinating the roster",
    )


class RotationDuty(Mechanism):
    """Residents serve on duty in turn."""

    name = "rotation_duty"
    title = "Resident rotation duty"
    title_zh = "居民轮值"
    summary = "Residents take turns on duty: efficacy, ownership, monitoring, early notice"
    summary_zh = "居民轮流值班：提升效能感和主人翁意识，监督公约，及早发现问题。"
    article = "Xinmenkou community, Gulou (居民轮值)"
    article_zh = "鼓楼区新门口社区（居民轮值）"
    explanation = (
        "In Xinmenkou community (Gulou) residents take turns on duty (居民轮值); their "
        "enthusiasm for self-governance rises day by day."
    )
    explanation_zh = "鼓楼区新门口社区实行“居民轮值”制度,居民参与社区自治积极性日渐高涨。"
    Params = RotationDutyParams

    def setup(self, model: CommunityModel) -> None:
        """An empty roster; nobody has seen a neighbour on duty."""
        self.roster = np.empty(0, dtype=np.int64)
        self.turn = 0
        self.seen = np.full(model.pop.n, -RECENT_DAYS)  # last day a tie served
        model.open_channel(self.name)  # volunteers on duty hear complaints

    def participate(self, model: CommunityModel) -> None:
        """Recruit when due; today's shift serves."""
        p = self.params
        rng = model.stream(self.name)
        if model.day % p.recruit_days == 0 and len(self.roster) < p.roster_max:
            core = np.flatnonzero(model.pop.core)
            asked = np.zeros(model.pop.n)
            asked[core] = 1.0
            asked[rng.choice(model.pop.n, size=min(p.asks, model.pop.n), replace=False)] = 1.0
            joined = model.draw_participants(rng, asked > 0, asked=asked, daytime=False)
            new = np.setdiff1d(joined, self.roster)[: p.roster_max - len(self.roster)]
            self.roster = np.concatenate([self.roster, new])
        model.levers.visible[:] = model.day - self.seen < RECENT_DAYS
        if not len(self.roster):
            return
        if model.committee.spend(p.coordination_hours, "duty") < p.coordination_hours:
            return
        take = np.arange(self.turn, self.turn + p.on_duty) % len(self.roster)
        self.turn = int(take[-1] + 1) % len(self.roster)
        due = np.zeros(model.pop.n, dtype=bool)
        due[self.roster[take]] = True
        shift = model.draw_participants(rng, due, asked=1.0, daytime=False)
        if not len(shift):
            return
        model.took_part(shift)
        model.levers.monitored[model.pop.building[shift]] = model.day
        model.gain_efficacy(shift, p.efficacy_gain)
        tied, ties = model.net.ties_of(shift)  # the others have no spillover
        model.gain_efficacy(tied, p.spillover * ties)
        self.seen[tied] = model.day
        on_duty = np.zeros(model.pop.n_buildings, dtype=bool)
        on_duty[model.pop.building[shift]] = True
        for issue in model.issues.open:
            if (
                not issue.known
                and on_duty[model.pop.building[issue.members]].any()
                and rng.random() < p.p_notice
            ):
                model.detect(issue)
