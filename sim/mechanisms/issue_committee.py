"""Issue committee and its convention (停车管理委员会, 错时停车公约).

Article: in Xianlu Xincun a parking management committee of resident core members, the
kindergarten and the industrial park manages entry and parking, drafts a staggered-parking
convention, and negotiates with city management (城管) for street-side spaces at some hours.

Rule. When residents affected by open issues of the committee's type are aggrieved past a
threshold, a committee forms: resident core members (the affected first), one representative
per resident unit,
and the property firm if any. For ``draft_days`` it meets weekly with affected residents whom
members ask in person, their own face-to-face ties first (neighbour canvassing, Middleton &
Green 2008; :meth:`IssueCommittee.canvass`); those who take part are
heard in drafting (``v = 1``) and their face-to-face ties represented (``v = 0.5``). On adoption
the units share their after-hours spaces (``levers.units_open``), the sub-district's city
management allows street-side spaces with probability ``p_city``, and the committee pledges
resources to its issues and proposes its members' position with its ``authority``. After
adoption the weekly meeting renegotiates with a unit that withdrew its spaces (agreeing with
chance ``p_reagree``), and the committee watches over the estate's parking (the article's
committee "manages entry and parking": monitoring of every building, ``levers.monitored``,
Ostrom 1990 principle 4). Those the convention binds (for parking every car household) decide
monthly whether to keep it (:class:`sim.mechanisms.shared.ConventionRule`); defectors cause
the type's conflicts (parking: :mod:`sim.model.parking`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.mechanisms.shared import ConventionParams, ConventionRule
from sim.metrics import metric
from sim.params import ISSUE_TYPES, SHARE, param

if TYPE_CHECKING:
    from sim.model import CommunityModel


class IssueCommitteeParams(ConventionParams):
    """Parameters of the issue committee."""

    issue_type: Literal[ISSUE_TYPES] = param(
        "parking",
        zh="议题类型",
        help="The issue type it manages",
        source="article: parking committee",
    )
    trigger_grievance: float = param(
        0.3,
        ge=0,
        le=1,
        zh="成立阈值",
        help="Mean grievance of the affected that forms it",
        source="ASSUMPTION",
    )
    max_core_members: int = param(
        7,
        ge=1,
        le=100,
        unit="persons",
        zh="骨干成员数",
        help="Resident core members on the committee",
    )
    asks_per_member: int = param(
        5,
        ge=0,
        le=100,
        unit="residents/week",
        zh="每周动员人数",
        help="Affected residents each member asks per weekly meeting",
    )
    p_city: float = param(
        0.6,
        ge=0,
        le=1,
        zh="城管同意概率",
        help="Chance city management allows street-side spaces",
        source="ASSUMPTION; sub-district convening (MODEL 3.3)",
    )
    support: float = param(
        0.4,
        ge=0,
        le=1,
        zh="委员会处理能力",
        help="Resources the committee pledges to issues of its type (share of the need)",
    )
    authority: float = param(
        0.7,
        **SHARE,
        zh="委员会方案权重",
        help="Authority of the committee's position in decisions on its type (lambda_auth)",
        source="ASSUMPTION; ordering from Fung 2006",
    )
    share_spaces: bool = param(
        True,
        zh="共享车位",
        help="Units and city management share spaces on adoption (parking)",
        source="article: units' and street-side spaces",
    )
    monitors: bool = param(
        True,
        zh="委员巡查",
        help="The committee watches over the estate's parking after adoption (weekly)",
        source="article: the committee manages entry and parking",
    )
    p_reagree: float = param(
        0.25,
        ge=0,
        le=1,
        zh="重新协商成功率",
        help="Chance a weekly meeting wins back a unit that withdrew its spaces",
        source="ASSUMPTION (causal_core.md 2.2: reopening needs an agreement)",
    )
    staff_hours_per_week: float = param(
        2.0,
        ge=0,
        le=100,
        unit="h/week",
        zh="社工支持",
        help="Social-worker hours the committee takes a week",
    )


def committee_members(model: CommunityModel, m: IssueCommittee | None) -> float:
    """Members of issue committees currently formed."""
    return m.n_members if m is not None else 0


class IssueCommittee(Mechanism):
    """A residents' committee for one issue type that drafts and runs a convention."""

    name = "issue_committee"
    title = "Issue committee and convention"
    title_zh = "议事委员会与公约(停车管理委员会)"
    summary = "An issue committee forms when grievances mount, drafts a convention, wins spaces"
    summary_zh = "怨气积累时成立议事委员会，起草公约，争取共享车位。"
    article = "Xianlu Xincun, Gulou (停车管理委员会, 错时停车公约)"
    article_zh = "鼓楼区仙鹿新村（停车管理委员会、错时停车公约）"
    explanation = (
        "Against the parking shortage (停车难), with spaces grabbed and ground locks installed, "
        "Xianlu Xincun brought resident core members, the kindergarten and the industrial park "
        "together in a parking management committee (停车管理委员会). It manages entry and "
        "parking, drafted a staggered-parking convention (错时停车公约) and asks city "
        "management (城管) for street-side spaces at some hours."
    )
    explanation_zh = (
        "为解决“停车难”(抢车位、装地锁),线路新村社区通过社区协商,召集居民骨干、辖区幼儿园、 "
        "产业园等成立“停车管理委员会”,统一管理车辆进入和停放,拟定“错时停车”小区公约,并协调 "
        "城管等部门争取沿街停车位的一些时段。"
    )
    Params = IssueCommitteeParams
    metrics = (
        metric(
            committee_members,
            unit="persons",
            label="Issue-committee members",
            zh="议事委员会成员",
            owner="issue_committee",
        ),
    )

    def setup(self, model: CommunityModel) -> None:
        """Not formed yet."""
        self.kind = ISSUE_TYPES.index(self.params.issue_type)
        self.formed_day = -1
        self.adopted_day = -1
        self.members = np.empty(0, dtype=np.int64)
        #: Voice in drafting: 1 heard, 0.5 represented (a face-to-face tie heard), else 0.
        self.represented = np.zeros(model.pop.n)
        self.rule: ConventionRule | None = None
        self.n_members = 0  # committee members, residents, units and the firm

    def represent(self, who: np.ndarray) -> None:
        """Residents (indices) are heard in drafting (comments on a posted draft)."""
        self.represented[who] = 1.0

    def affected(self, model: CommunityModel) -> np.ndarray:
        """Residents touched by open issues of the committee's type."""
        issues = model.issues.of_kind(self.kind)
        if not issues:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate([i.members for i in issues]))

    def participate(self, model: CommunityModel) -> None:
        """Form when grievances pass the threshold; meet weekly while drafting and after."""
        p = self.params
        if self.formed_day < 0:
            who = self.affected(model)
            if len(who) and model.state.grievance[who].mean() >= p.trigger_grievance:
                self._form(model, who)
            return
        if (model.day - self.formed_day) % 7 != 6:
            return
        if model.committee.spend(p.staff_hours_per_week, "meetings") < p.staff_hours_per_week:
            return
        model.record_meeting()
        model.took_part(self.members)
        if self.adopted_day >= 0:
            self._follow_up(model)
            return
        who = self.affected(model)
        if not len(who):
            return
        rng = model.stream(self.name)
        asked = self.canvass(model, who, rng)
        joined = model.draw_participants(rng, asked > 0, asked=asked, daytime=False)
        drafting = np.union1d(self.members, joined)
        model.took_part(joined)
        model.give_voice(drafting, None, pre=True)
        model.deliberate(drafting, self.kind, p.drafting_eps)
        tied = model.net.ties_of(drafting)[0]
        self.represented[tied] = np.maximum(self.represented[tied], 0.5)
        self.represented[drafting] = 1.0

    def canvass(
        self, model: CommunityModel, affected: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Who the members ask this week (1 asked, 0 not): neighbours first, then strangers.

        Neighbour canvassing (Middleton & Green 2008; MODEL 3.1: a building head or neighbour
        asks in person): each member asks up to ``asks_per_member`` of its affected
        face-to-face ties other than members, at random among them; the asks the members'
        ties cannot take go to other affected residents at random, so that
        ``min(affected, asks_per_member x members)`` residents are asked in all, as before.
        """
        n, k = model.pop.n, self.params.asks_per_member
        target = np.zeros(n, dtype=bool)
        target[affected] = True
        target[self.members] = False
        asked = model.net.ask(self.members, target, k, rng).astype(float)
        rest = np.setdiff1d(affected, np.flatnonzero(asked), assume_unique=True)
        n_rest = min(len(rest), min(len(affected), k * len(self.members)) - int(asked.sum()))
        asked[rng.choice(rest, size=n_rest, replace=False)] = 1.0
        return asked

    def _form(self, model: CommunityModel, affected: np.ndarray) -> None:
        """Seat ``max_core_members`` resident core members: the affected first, the readiest first.

        The article's committee is of resident core members (居民骨干), the estate's activists,
        who stand for neighbours with and without a stake (non-owners have one in access and
        safety, MODEL 3.1). The committee asks core members in person, affected ones first; in
        each group those with the highest chance of taking part when asked
        (:meth:`~sim.model.community.CommunityModel.participation_probability`: time, age,
        efficacy, neighbours) take the seats.
        """
        core = np.flatnonzero(model.pop.core)
        chance = model.participation_probability(asked=1.0, who=core)
        stake = np.isin(core, affected)
        core = core[np.lexsort((-chance, ~stake))][: self.params.max_core_members]
        self.members = core
        self.formed_day = model.day
        self.represented[core] = 1.0
        self.n_members += len(core) + len(model.units) + (model.property_firm is not None)

    def _follow_up(self, model: CommunityModel) -> None:
        """After adoption: the committee monitors the estate; it wins back withdrawn units."""
        p, lv = self.params, model.levers
        if p.monitors:
            lv.monitored[:] = model.day
        if p.issue_type == "parking" and p.share_spaces:
            closed = ~lv.units_open
            lv.units_open |= closed & (model.stream(self.name).random(len(closed)) < p.p_reagree)

    def decide(self, model: CommunityModel) -> None:
        """Adopt the convention after drafting; keep compliance current."""
        p = self.params
        if self.formed_day < 0:
            return
        if self.adopted_day < 0 and model.day - self.formed_day >= p.draft_days:
            self.adopted_day = model.day
            city = model.stream(self.name).random() < p.p_city
            if p.issue_type == "parking" and p.share_spaces:
                model.levers.units_open[:] = True
                if city:
                    model.levers.extra_spaces["street"] = model.sub_district.street_spaces
            self.rule = ConventionRule(model, p, self.kind, self.represented, self.name)
        if self.adopted_day < 0:
            return
        for issue in model.issues.of_kind(self.kind):
            issue.support = max(issue.support, p.support)
            if issue.proposal is None:
                issue.propose(
                    float(model.state.opinion[self.members, self.kind].mean())
                    if len(self.members)
                    else model.committee.position,
                    self.members,
                    p.authority,
                )
        self.rule.apply(model)
