"""Parameters and rules that several mechanisms share, declared once.

The issue committee (``issue_committee``) and proactive conventions (``convention``) both run
self-drafted conventions: the same per-resident compliance rule (causal_core.md 2.3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.behaviour import logistic
from sim.model.parking import MONTH
from sim.params import ISSUE_TYPES, Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel

#: The trust at which acceptance is neutral: the middle of the scale (causal_core.md 1.3's
#: ``4(trust - 0.5)``).
TRUST_NEUTRAL = 0.5
#: Severity of the graduated sanctions in order: a warning, loss of the shared-space permit, a
#: public notice (causal_core.md 2.3; Ostrom 1990 principle 5). A ladder, not a parameter.
SANCTION_LADDER = np.array([0.3, 0.7, 1.0])
CONDITIONAL, FREE_RIDER, OTHER = 0, 1, 2  # Fischbacher, Gächter & Fehr 2001 types


class ConventionParams(Params):
    """Compliance with a self-drafted convention (causal_core.md 2.3)."""

    share_conditional: float = param(
        0.5,
        ge=0,
        le=1,
        zh="条件合作者比例",
        help="Share of conditional cooperators among those the convention binds",
        source="Fischbacher, Gächter & Fehr 2001: about 50%",
    )
    share_free_rider: float = param(
        0.33,
        ge=0,
        le=1,
        zh="搭便车者比例",
        help="Share of free riders (the rest are other types)",
        source="Fischbacher, Gächter & Fehr 2001: about a third",
    )
    intercept_conditional: float = param(
        1.5,
        ge=-10,
        le=10,
        unit="logit",
        zh="条件合作者截距",
        help="Compliance logit of a conditional cooperator before other terms",
        source=(
            "ASSUMPTION: design -0.2 + 1.7, so that a convention without monitoring or "
            "sanctions still beats the tacit rule at the merged core's trust (OWG 1992)"
        ),
    )
    intercept_free_rider: float = param(
        -1.0,
        ge=-10,
        le=10,
        unit="logit",
        zh="搭便车者截距",
        help="Compliance logit of a free rider (who ignores neighbours)",
        source="ASSUMPTION: design -1.5 + 0.5 (causal_core.md 2.3)",
    )
    intercept_other: float = param(
        1.0,
        ge=-10,
        le=10,
        unit="logit",
        zh="其他类型截距",
        help="Compliance logit of the other types (half the neighbour weight)",
        source="ASSUMPTION: design 0 + 1.0 (causal_core.md 2.3)",
    )
    beta_legitimacy: float = param(
        1.0,
        ge=0,
        le=10,
        unit="logit",
        zh="合法性权重",
        help="Compliance logit per unit of acceptance L = 4(A - 0.5)",
        source="ASSUMPTION; Tyler 1990/2006 (legitimacy predicts compliance)",
    )
    accept_voice: float = param(
        0.6,
        ge=0,
        le=10,
        unit="logit",
        zh="参与起草加成",
        help="Acceptance logit of a resident heard in drafting (half if represented)",
        source="ASSUMPTION; Esaiasson et al. 2012; Dal Bó, Foster & Putterman 2010",
    )
    accept_trust: float = param(
        0.4,
        ge=0,
        le=10,
        unit="logit",
        zh="信任对接受度影响",
        help="Acceptance logit per unit of 4(trust - 0.5)",
        source="ASSUMPTION (causal_core.md 1.3)",
    )
    beta_neighbours: float = param(
        1.5,
        ge=0,
        le=10,
        unit="logit per share",
        zh="邻里遵守影响",
        help="Compliance logit per share of one's bound ties who complied last month",
        source="Keizer, Lindenberg & Steg 2008: 33% vs 69% littering (logit 1.51)",
    )
    beta_monitoring: float = param(
        0.8,
        ge=0,
        le=10,
        unit="logit",
        zh="监督影响",
        help="Compliance logit when a volunteer watched one's building in the last month",
        source="ASSUMPTION; Ostrom 1990 principle 4",
    )
    sanctions: bool = param(
        True,
        zh="分级惩戒",
        help="The convention carries graduated sanctions chosen in drafting",
        source="Ostrom 1990 principle 5; Rationality and Society 2023 CPR experiment",
    )
    beta_sanction: float = param(
        0.6,
        ge=-10,
        le=10,
        unit="logit",
        zh="惩戒影响(参与者)",
        help="Compliance logit per unit of expected sanction, for those with a say",
        source="ASSUMPTION; sign from DeCaro, Janssen & Lee 2015",
    )
    beta_sanction_imposed: float = param(
        -0.2,
        ge=-10,
        le=10,
        unit="logit",
        zh="惩戒影响(无发言)",
        help="The same for those without a say (imposed rules crowd out motivation)",
        source="ASSUMPTION; sign from DeCaro, Janssen & Lee 2015",
    )
    detect_monitored: float = param(
        0.5,
        ge=0,
        le=1,
        zh="监督下发现概率",
        help="Monthly chance a defection is detected in a monitored building",
        source="ASSUMPTION",
    )
    detect_unmonitored: float = param(
        0.1,
        ge=0,
        le=1,
        zh="无监督发现概率",
        help="Monthly chance a defection is detected in an unmonitored building",
        source="ASSUMPTION",
    )
    beta_pressure: float = param(
        1.0,
        ge=0,
        le=10,
        unit="logit",
        zh="个人压力影响",
        help="Fall of the logit per share of the last 7 nights a car household was unplaced",
        source="ASSUMPTION (causal_core.md 2.3)",
    )
    decay_per_month: float = param(
        0.08,
        ge=0,
        le=10,
        unit="logit/month",
        zh="遵守衰减",
        help="Fall of the logit per month without monitoring (reset when monitored)",
        source="ASSUMPTION (causal_core.md 2.3)",
    )
    decay_floor: float = param(
        0.5,
        ge=0,
        le=10,
        unit="logit",
        zh="衰减上限",
        help="Largest total fall of the logit without monitoring",
        source="ASSUMPTION (causal_core.md 2.3)",
    )
    individual: bool = param(
        True,
        zh="个体遵守决策",
        help="Each bound resident decides with its own c (off: all with the bound's mean c)",
        source="knock-out switch (causal_core.md 6.2, K6)",
    )
    draft_days: int = param(
        60,
        ge=1,
        le=730,
        unit="days",
        zh="起草期",
        help="Days from forming to adopting the convention",
    )
    drafting_eps: float = param(
        0.5,
        ge=0,
        le=1,
        zh="起草协商信任阈",
        help="Confidence bound of the drafting deliberation",
        source="ASSUMPTION (as a facilitated meeting's; Luskin et al. 2022)",
    )


def acceptance(p: ConventionParams, voice: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """Acceptance ``L = 4(A - 0.5)`` with ``A = logit⁻¹(α_V·v + α_T·4(trust - 0.5))``.

    ``v`` is 1 for a resident heard in drafting, 0.5 for one represented (a household member
    or face-to-face tie heard), 0 otherwise (causal_core.md 1.3, fav and group terms left out
    until per-issue acceptance exists).
    """
    a = logistic(p.accept_voice * voice + p.accept_trust * 4.0 * (trust - TRUST_NEUTRAL))
    return 4.0 * (a - 0.5)


def cooperator_types(model: CommunityModel, p: ConventionParams) -> np.ndarray:
    """Each resident's type (conditional cooperator, free rider, other), Fischbacher et al. 2001.

    Drawn from one uniform per resident of a stream of its own, re-created on each call, so
    every convention of a run sees the same types.
    """
    from sim.model.community import named_stream

    u = named_stream(model.seed_seq, "cooperator_types").random(model.pop.n)
    return np.where(
        u < p.share_conditional,
        CONDITIONAL,
        np.where(u < p.share_conditional + p.share_free_rider, FREE_RIDER, OTHER),
    )


class ConventionRule:
    """One adopted convention's per-resident compliance, decided monthly (causal_core.md 2.3).

    Bound: for parking every car household (one decision a household, taken with the
    household's best voice, its members' ties and its head's trust and type), for another type
    the residents affected by its open issues. Every ``MONTH`` days from adoption each binds:

        c = logit⁻¹(β0_type + β_L·L + β_N,type·n + β_M·m + β_S·s (v > 0) / β_S,imp·s (v = 0)
                    − β_G·g − decay)

    with ``L`` from :func:`acceptance`, ``n`` the share of one's bound face-to-face ties who
    complied last month (0.5 without any; Keizer et al. 2008), ``m`` whether a duty volunteer
    served in one's building in the last month (``levers.monitored``; Ostrom 1990 principle 4),
    ``s = p_detect(m) x`` the severity of the next graduated sanction (with ``sanctions``;
    DeCaro, Janssen & Lee 2015 for the split by voice), ``g`` the parking pressure (share of
    the last 7 nights unplaced, :meth:`sim.model.parking.ParkingLot.pressure`) and ``decay``
    growing ``decay_per_month`` a month unmonitored up to
    ``decay_floor``, reset when monitored. All decisions use last month's states, then are drawn
    (synchronous). A defection detected (``p_detect(m)``) moves one up the sanction ladder.
    """

    def __init__(
        self, model: CommunityModel, p: ConventionParams, kind: int, voice: np.ndarray, name: str
    ):
        n = model.pop.n
        self.p, self.kind, self.voice = p, kind, voice
        self.adopted = model.day
        self.rng = model.stream(f"{name}.compliance.{ISSUE_TYPES[kind]}")
        kinds = cooperator_types(model, p)
        self.intercept = np.array(
            [p.intercept_conditional, p.intercept_free_rider, p.intercept_other]
        )[kinds]
        self.beta_n = np.array([1.0, 0.0, 0.5])[kinds] * p.beta_neighbours
        self.decay = np.zeros(n)
        self.level = np.zeros(n, dtype=np.int64)  # next sanction on the ladder
        self.decision = np.full(n, np.nan)  # this month's: 1 keeps, 0 defects, NaN unbound
        self.chance = np.full(n, np.nan)  # this month's c

    def _deciders(self, model: CommunityModel) -> np.ndarray:
        if ISSUE_TYPES[self.kind] == "parking":
            return model.parking.head[model.car_household]
        issues = model.issues.of_kind(self.kind)
        if not issues:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate([i.members for i in issues]))

    def _decide(self, model: CommunityModel) -> None:
        p, pop, net = self.p, model.pop, model.net
        who = self._deciders(model)
        last = self.decision
        parking = ISSUE_TYPES[self.kind] == "parking"
        a, b = net.edges
        if parking:  # a household's own members are not its neighbours
            other = pop.household[a] != pop.household[b]
            a, b = a[other], b[other]
        bound = ~np.isnan(last)
        kept = bound & (last == 1.0)
        unit = pop.household if parking else np.arange(pop.n)
        size = int(unit[-1]) + 1
        n_kept = np.bincount(unit[a], kept[b], size) + np.bincount(unit[b], kept[a], size)
        n_ties = np.bincount(unit[a], bound[b], size) + np.bincount(unit[b], bound[a], size)
        n = np.divide(n_kept, n_ties, out=np.full(size, 0.5), where=n_ties > 0)[unit[who]]
        voice = self.say(model)
        m = model.day - model.levers.monitored[pop.building[who]] < MONTH
        grown = np.minimum(self.decay[who] + p.decay_per_month, p.decay_floor)
        self.decay[who] = np.where(m, 0.0, grown)
        u = self.rng.random((2, pop.n))
        detect = np.where(m, p.detect_monitored, p.detect_unmonitored)
        caught = (last[who] == 0.0) & (u[1, who] < detect)
        self.level[who] = np.minimum(self.level[who] + caught, len(SANCTION_LADDER) - 1)
        v = voice[who]
        s = detect * SANCTION_LADDER[self.level[who]] if p.sanctions else 0.0
        g = model.parking.pressure()[pop.household[who]] if parking else 0.0
        z = (
            self.intercept[who]
            + p.beta_legitimacy * acceptance(p, v, model.state.trust[who])
            + self.beta_n[who] * n
            + p.beta_monitoring * m
            + np.where(v > 0, p.beta_sanction, p.beta_sanction_imposed) * s
            - p.beta_pressure * g
            - self.decay[who]
        )
        c = logistic(z) if p.individual or not len(z) else np.full(len(z), logistic(z).mean())
        self.chance[:] = np.nan
        self.decision[:] = np.nan
        if parking:  # the head decides for the household
            at = np.flatnonzero(model.car_household[pop.household])
            head = pop.household[at]
            pos = np.searchsorted(pop.household[who], head)
            self.chance[at] = c[pos]
            self.decision[at] = (u[0, who] < c)[pos]
        else:
            self.chance[who] = c
            self.decision[who] = u[0, who] < c

    def say(self, model: CommunityModel) -> np.ndarray:
        """Each resident's voice in drafting as its decision uses it.

        For parking the household's best voice: the head decides for the household (kept
        while ``voice`` is unchanged; not to be modified).
        """
        if ISSUE_TYPES[self.kind] != "parking":
            return self.voice
        key = self.voice.tobytes()  # an exact comparison without np.array_equal's overhead
        memo = self.__dict__.get("_say")
        if memo is None or memo[0] != key:
            best = np.maximum.reduceat(self.voice, model.parking.head)[model.pop.household]
            memo = self._say = (key, best)
        return memo[1]

    def apply(self, model: CommunityModel) -> None:
        """Decide when a month is due, then state today's decisions on ``levers.compliance``.

        Two conventions of one type: a resident keeps the rule if it keeps either.
        """
        if (model.day - self.adopted) % MONTH == 0:
            self._decide(model)
        row = model.levers.compliance[self.kind]
        np.fmax(row, self.decision, out=row)
