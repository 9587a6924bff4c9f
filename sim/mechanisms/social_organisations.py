"""Social organisations (社会组织: 协会, 商会; 三社联动): associations that serve and connect.

Article: Qixia builds "three-society linkage" (三社联动) of community, social organisations and
social workers, and will help sub-districts and communities cultivate associations and
chambers of commerce (协会、商会) that "fill the gaps in government public services".

Rule. The community starts with ``initial`` organisations; new ones are founded at the daily
rate ``cultivation_per_year / 365 x support x min(1, civic / civic_ref)``, up to
``max_organisations``, where ``support`` is the share of ``linkage_hours_per_week`` the
committee's social workers could give today (三社联动) and ``civic`` the share of residents who
took part in a consultation or an organisation's activity in the last 30 days (founders come
from active residents; civic engagement breeds associations, Putnam 2000). Kinds follow
``types`` in rotation: a volunteer association (志愿者协会) takes on environment issues, an
elderly-care service (养老服务组织) elderly-service issues, each up to ``capacity_per_month``; a
chamber of local businesses (商会) brings outside resources, a quality bonus on open issues of
both types. Each day, in the decide phase after the committee, organisations with capacity take
over the oldest open issues of their types that the committee knows of or that they notice
(chance ``p_notice`` a day each; they then report it, so it counts as detected) and resolve
them by the graded rule (sim.model.decision) with ``quality`` as their own capacity, their own
hands for implementation, on the affected residents' own mean position (self-service).

Each organisation holds ``activities_per_month`` activities: volunteers ask
``asks_per_activity`` residents of its target group (the elderly for elderly care) in person, a
notice reaches the building WeChat groups, and residents attend by the participation rule
(MODEL 3.1) at ``activity_cost`` of a meeting's time cost. Each pair of attendees without a tie
forms a face-to-face tie with ``p_new_tie`` (drawn as a binomial number of pairs, then which
pairs: O(attendees), not one draw per pair), at most ``max_new_ties`` new ties per attendee per
activity (shared activities work like shared space, Grannis 2009; MODEL 3.8), so the network
grows denser and bridges buildings (Granovetter 1973; Putnam 2000). Attending an activity is
taking part (``model.took_part``): it counts in ``participation_rate`` and the neighbours'
threshold like a consultation (issue 20: every mechanism works through participation); being
reached by a local project (:meth:`SocialOrganisations.active`) counts only in the civic share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import field_validator

from sim.mechanisms.administrative import settle
from sim.mechanisms.base import Mechanism
from sim.model.behaviour import RECENT_DAYS
from sim.model.population import ELDERLY
from sim.params import ISSUE_TYPES, Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel

#: Kind -> (issue types it serves, takes issues over (else brings resources), asks the elderly)
KINDS: dict[str, tuple[tuple[str, ...], bool, bool]] = {
    "volunteer": (("environment",), True, False),  # 志愿者协会
    "elderly_care": (("elderly_services",), True, True),  # 养老服务组织
    "chamber": (("environment", "elderly_services"), False, False),  # 商会
}


@dataclass
class Organisation:
    """One social organisation."""

    kind: str
    founded: int  # day
    next_activity: float  # day
    credit: float = 0.0  # issues it can take over now


class SocialOrganisationsParams(Params):
    """Parameters of social organisations."""

    types: tuple[Literal[tuple(KINDS)], ...] = param(
        ("volunteer", "elderly_care", "chamber"),
        zh="社会组织类型",
        help="Kinds cultivated, in rotation (volunteer association, elderly-care service, "
        "chamber of local businesses)",
        source="article: 协会、商会; MODEL 2",
    )
    initial: int = param(
        2,
        ge=0,
        le=100,
        unit="organisations",
        zh="初始社会组织数",
        help="Organisations active at day 0 (the first kinds of the rotation)",
        source="ASSUMPTION",
    )
    max_organisations: int = param(
        10,
        ge=0,
        le=1000,
        unit="organisations",
        zh="社会组织上限",
        help="Most organisations the community sustains",
        source="MCA 2017 (民发〔2017〕191号): at least 10 per urban community by 2020",
    )
    cultivation_per_year: float = param(
        2.5,
        ge=0,
        le=100,
        unit="1/year",
        zh="培育速度",
        help="New organisations a year at full linkage support "
        "and a civic share of at least civic_ref",
        source="ASSUMPTION: from 2 to the MCA target of 10 in "
        "about three years; article: 培育和发展一批协会、商会",
    )
    civic_ref: float = param(
        0.05,
        gt=0,
        le=1,
        unit="share",
        zh="参照活跃比例",
        help="Civic share (last 30 days) from which cultivation runs at its full rate",
        source="ASSUMPTION (P6: a few percent a month)",
    )
    linkage_hours_per_week: float = param(
        4.0,
        ge=0,
        le=200,
        unit="h/week",
        zh="三社联动工时",
        help="Social-worker hours a week supporting organisations",
        source="ASSUMPTION",
    )
    capacity_per_month: float = param(
        1.0,
        ge=0,
        le=100,
        unit="issues/month",
        zh="服务能力",
        help="Issues an organisation takes over a month",
        source="ASSUMPTION",
    )
    p_notice: float = param(
        0.1,
        ge=0,
        le=1,
        unit="1/day",
        zh="发现概率",
        help="Daily chance an organisation notices an unknown open issue of its types",
        source="ASSUMPTION",
    )
    quality: float = param(
        0.6,
        ge=0,
        le=1,
        unit="share",
        zh="服务方案质量",
        help="An organisation's own input to an issue it takes over (as the committee's capacity)",
        source="ASSUMPTION: specialised, above the committee's 0.5",
    )
    chamber_quality: float = param(
        0.1,
        ge=0,
        le=1,
        unit="share",
        zh="商会资源质量提升",
        help="Quality a chamber's resources add to issues of its types",
        source="ASSUMPTION; article: 弥补政府公共服务的缺失",
    )
    activities_per_month: float = param(
        1.0,
        ge=0,
        le=30,
        unit="1/month",
        zh="每月活动次数",
        help="Activities an organisation holds a month",
        source="ASSUMPTION",
    )
    asks_per_activity: int = param(
        30,
        ge=0,
        le=100_000,
        unit="residents",
        zh="当面邀请人数",
        help="Residents volunteers ask in person to an activity",
        source="ASSUMPTION",
    )
    activity_cost: float = param(
        0.5,
        ge=0,
        le=5,
        zh="活动时间成本系数",
        help="Time cost of an activity relative to a meeting",
        source="ASSUMPTION",
    )
    p_new_tie: float = param(
        0.005,
        ge=0,
        le=1,
        unit="share",
        zh="结识概率",
        help="Chance two attendees without a tie form one in an activity",
        source="ASSUMPTION: the estate-wide tie chance (MODEL 3.8, 3.9 #15)",
    )
    max_new_ties: int = param(
        1,
        ge=0,
        le=100,
        unit="ties",
        zh="每次活动新增关系上限",
        help="Most new ties an attendee forms in one activity",
        source="ASSUMPTION",
    )

    @field_validator("types")
    @classmethod
    def _some_kind(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(f"at least one kind is needed; known: {', '.join(KINDS)}")
        return value


class SocialOrganisations(Mechanism):
    """Associations, services and chambers cultivated with social workers' support."""

    name = "social_organisations"
    title = "Social organisations (three-society linkage)"
    title_zh = "社会组织(三社联动)"
    summary = "Organisations take over service issues and hold activities that tie residents"
    summary_zh = "社会组织承接服务类议题，并举办把居民联系起来的活动。"
    article = "Qixia (社会组织, 三社联动)"
    article_zh = "栖霞区（社会组织、“三社联动”）"
    explanation = (
        "Qixia's 'three-society linkage' (三社联动) joins communities, social organisations and "
        "social workers; the district will cultivate associations and chambers of commerce to "
        "fill gaps in public services."
    )
    explanation_zh = (
        "栖霞区推动三社联动,下一步将帮助街道和社区培育和发展一批协会、商会,借助社会组织的力量, "
        "弥补政府公共服务的缺失。"
    )
    Params = SocialOrganisationsParams

    def setup(self, model: CommunityModel) -> None:
        """The initial organisations; nobody has attended an activity."""
        self.orgs: list[Organisation] = []
        self.last_activity = np.full(model.pop.n, -RECENT_DAYS, dtype=np.int64)
        self.in_group = np.asarray(model.net.groups.sum(axis=1)).ravel() > 0
        for _ in range(self.params.initial):
            self._found(model)

    def _found(self, model: CommunityModel) -> None:
        p = self.params
        kind = p.types[len(self.orgs) % len(p.types)]
        interval = 30.0 / p.activities_per_month if p.activities_per_month else np.inf
        self.orgs.append(Organisation(kind, model.day, model.day + interval / 2))

    def participate(self, model: CommunityModel) -> None:
        """Organisations due hold their activities; attendees take part and form new ties."""
        p = self.params
        rng = model.stream(self.name)
        for org in self.orgs:
            if model.day < org.next_activity:
                continue
            org.next_activity += 30.0 / p.activities_per_month
            target = (
                (model.pop.age == ELDERLY)
                if KINDS[org.kind][2]
                else np.ones(model.pop.n, dtype=bool)
            )
            pool = np.flatnonzero(target)
            asked = np.zeros(model.pop.n)
            asked[rng.choice(pool, size=min(p.asks_per_activity, len(pool)), replace=False)] = 1.0
            notice = self.in_group.astype(float)
            who = model.draw_participants(
                rng,
                (asked > 0) | self.in_group,
                asked=asked,
                broadcast=notice,
                cost_factor=p.activity_cost,
            )
            self.last_activity[who] = model.day
            model.took_part(who)
            self._tie(model, who, rng)

    def active(self, model: CommunityModel, who: np.ndarray) -> None:
        """Residents (indices) took part in an organisation's activity today."""
        self.last_activity[who] = model.day

    def _tie(self, model: CommunityModel, who: np.ndarray, rng: np.random.Generator) -> None:
        """New ties among attendees without one, at most ``max_new_ties`` per attendee."""
        p = self.params
        if len(who) < 2 or p.max_new_ties == 0:
            return
        k = len(who)
        # Pairs (a < b) in np.triu_indices(k, 1) order. Each pair is drawn with p_new_tie
        # independently: the number drawn is binomial, and given it, which pairs is a uniform
        # subset (O(drawn) memory and time; numpy's Floyd sampling for sparse draws).
        n_pairs = k * (k - 1) // 2
        n_drawn = int(rng.binomial(n_pairs, p.p_new_tie))
        drawn = np.sort(rng.choice(n_pairs, size=n_drawn, replace=False, shuffle=False))
        row_start = np.concatenate(([0], np.cumsum(np.arange(k - 1, 0, -1))))
        a = np.searchsorted(row_start, drawn, side="right") - 1
        b = a + 1 + drawn - row_start[a]
        u, v = who[a], who[b]
        new = ~model.net.tied(u, v)
        u, v = u[new], v[new]
        order = rng.permutation(len(u))
        u, v = u[order], v[order]
        ends = np.concatenate([u, v])
        pair = np.tile(np.arange(len(u)), 2)
        by = np.lexsort((pair, ends))  # each attendee's candidate ties in random order
        sorted_ends = ends[by]
        first = np.searchsorted(sorted_ends, sorted_ends)
        rank = np.empty(len(ends), dtype=np.int64)
        rank[by] = np.arange(len(ends)) - first
        keep = (rank[: len(u)] < p.max_new_ties) & (rank[len(u) :] < p.max_new_ties)
        model.net.add_ties(u[keep], v[keep])

    def decide(self, model: CommunityModel) -> None:
        """Linkage hours, cultivation, chamber resources, then take-overs within capacity."""
        p = self.params
        rng = model.stream(self.name)
        want = p.linkage_hours_per_week / 7.0
        support = model.committee.spend(want, "linkage") / want if want > 0 else 0.0
        civic = float(
            np.count_nonzero(
                model.recent_participants() | (model.day - self.last_activity < RECENT_DAYS)
            )
            / model.pop.n
        )
        rate = p.cultivation_per_year / 365.0 * support * min(1.0, civic / p.civic_ref)
        if rng.random() < rate and len(self.orgs) < p.max_organisations:
            self._found(model)
        kinds = {o.kind for o in self.orgs}
        served = {ISSUE_TYPES.index(t) for k in kinds for t in KINDS[k][0]}
        candidates = sorted(
            (i for i in model.issues.open if i.kind in served and i.queued),
            key=lambda i: (i.day, i.id),
        )
        noticed = rng.random(len(candidates)) < p.p_notice
        if "chamber" in kinds:
            chamber = {ISSUE_TYPES.index(t) for t in KINDS["chamber"][0]}
            for issue in candidates:
                if issue.kind in chamber:
                    issue.quality_bonus = max(issue.quality_bonus, p.chamber_quality)
        for org in self.orgs:
            org.credit = min(
                org.credit + p.capacity_per_month / 30.0, max(1.0, p.capacity_per_month / 30.0)
            )
        for issue, seen in zip(candidates, noticed, strict=True):
            if not (issue.known or seen):
                continue
            org = next(
                (
                    o
                    for o in self.orgs
                    if KINDS[o.kind][1] and o.credit >= 1.0 and issue.type_name in KINDS[o.kind][0]
                ),
                None,
            )
            if org is None:
                continue
            org.credit -= 1.0
            model.detect(issue)
            decision = (
                issue.proposal
                if issue.proposal is not None
                else float(model.state.opinion[issue.members, issue.kind].mean())
            )
            settle(model, issue, rng, capacity=p.quality, position=decision, staffed=False)
