"""Cloud consultation (小市云协商): an online platform at the sub-district level.

Article: Xiaoshi sub-district runs an online platform; problems a community cannot solve pass
to the sub-district, where the sub-district, the district human-resources and social-security
bureau (区人社局), university experts (高校专家) and social organisations help solve them.

Rule. The platform is open every day to ``online`` residents; an offline resident uses it
through a family member who is online (free; family use is partial, ``family_use``) or, with
probability ``proxy_share`` whether or not the family is online, through a social worker, who
gives full access (costing ``proxy_minutes`` a report).
Residents with access report issues ``report_boost`` times more readily, and residents affected
by known open issues comment in its threads (participation with a broadcast invitation, at a
fraction of a meeting's time cost), which gives them voice before the decision. Issues beyond
the committee's capacity go to the sub-district instead of a department: a reply acknowledges
them (Chen et al. 2023), they join one queue shared with the sub-district's other communities,
and are served at ``capacity_per_month``; a served issue is solved with experts and departments
convened (``p_convened``, Chen, Pan & Xu 2016 as raised by convening, MODEL 3.3) at higher
quality, or gets a referral-only answer (Nie & Wang 2023).

Queue. In a single-community run each cloud consultation keeps its own
:class:`EscalationQueue` and the sub-district's ``other_communities`` stand in as Poisson
arrivals. In a district run (:mod:`sim.experiments.district`) the communities of a sub-district
:meth:`~CloudConsultation.join` one queue, which the sub-district serves once a day after all
of them have stepped; a served issue's outcome then reaches its community the next day.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.metrics import metric
from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel
    from sim.model.issues import Issue


class CloudConsultationParams(Params):
    """Parameters of cloud consultation."""

    report_boost: float = param(
        1.0,
        ge=0,
        le=20,
        zh="线上反映增强",
        help="Extra reporting propensity with platform access (x)",
    )
    family_use: float = param(
        0.3,
        ge=0,
        le=1,
        zh="家人代用比例",
        help="Relative use of the platform through an online family member",
        source="ASSUMPTION (digital divide, MODEL 5 Q2)",
    )
    proxy_share: float = param(
        0.2,
        ge=0,
        le=1,
        zh="社工代理比例",
        help=(
            "Share of offline residents (online family or not) a social worker helps,"
            " with full access"
        ),
        source="ASSUMPTION (digital-divide experiment varies it)",
    )
    proxy_minutes: float = param(
        15.0,
        ge=0,
        le=240,
        unit="min/report",
        zh="代理时长",
        help="Staff minutes per report made by proxy",
    )
    comment_cost: float = param(
        0.2,
        ge=0,
        le=1,
        zh="线上参与成本系数",
        help="Time cost of commenting online relative to a meeting",
    )
    comment_days: float = param(
        30.0,
        ge=1,
        le=365,
        unit="days",
        zh="参与周期",
        help="Mean days between an affected resident's visits",
    )
    capacity_per_month: float = param(
        12.0,
        ge=0,
        le=1000,
        unit="issues/month",
        zh="街道处理能力",
        help="Escalated issues the sub-district handles a month",
    )
    other_communities: int = param(
        9,
        ge=0,
        le=1000,
        unit="communities",
        zh="同街道其他社区",
        help="Other communities sharing the sub-district's capacity",
    )
    other_rate_per_month: float = param(
        0.5,
        ge=0,
        le=100,
        unit="issues/month",
        zh="其他社区上报",
        help="Escalations a month from each other community",
    )
    min_days: int = param(
        7,
        ge=0,
        le=365,
        unit="days",
        zh="最短处理期",
        help="Days before an escalated issue can be served",
    )
    p_convened: float = param(
        0.6,
        ge=0,
        le=1,
        zh="联动解决概率",
        help="Chance a served issue is solved with experts convened",
        source="ASSUMPTION (MODEL 3.3, 3.9 #8)",
    )
    expert_quality: float = param(
        0.2, ge=0, le=1, zh="专家质量提升", help="Solution quality added by experts and departments"
    )


class EscalationQueue:
    """A sub-district's escalation queue: first come, first served, at a monthly capacity.

    Capacity accrues daily as credit (``capacity_per_month / 30``, at most one day's worth
    or one issue); an entry is served when one credit is available and it has waited
    ``min_days``. Entries are ``(day queued, community model, issue)``; the issue is None for
    the stand-ins of communities outside the simulation.
    """

    def __init__(self, capacity_per_month: float, min_days: int):
        self.capacity_per_month = capacity_per_month
        self.min_days = min_days
        self.items: deque[tuple[int, CommunityModel | None, Issue | None]] = deque()
        self.credit = 0.0
        self.waits: list[int] = []  # days each served entry waited

    def __len__(self) -> int:
        return len(self.items)

    def push(self, day: int, model: CommunityModel | None, issue: Issue | None) -> None:
        """Queue an escalated issue (or a stand-in) on ``day``."""
        self.items.append((day, model, issue))

    def serve(self, day: int) -> list[tuple[CommunityModel | None, Issue | None]]:
        """Add a day's capacity and take the entries it covers, oldest first."""
        rate = self.capacity_per_month / 30.0
        self.credit = min(self.credit + rate, max(1.0, rate))
        served = []
        while self.items and self.credit >= 1.0 and day - self.items[0][0] >= self.min_days:
            queued, model, issue = self.items.popleft()
            self.credit -= 1.0
            self.waits.append(day - queued)
            served.append((model, issue))
        return served


def proxy_hours(model: CommunityModel, m: CloudConsultation | None) -> float:
    """Social-worker hours spent today raising issues online for offline residents."""
    return float(model.committee.spent.get("proxy", 0.0))


class CloudConsultation(Mechanism):
    """The sub-district's online consultation and escalation platform."""

    name = "cloud_consultation"
    title = "Cloud consultation"
    title_zh = "小市云协商"
    summary = "Sub-district online platform: online reporting and comments, shared escalation"
    summary_zh = "街道线上平台：网上反映和评论，社区解决不了的问题交街道协同解决。"
    article = "Xiaoshi sub-district, Gulou (小市云协商)"
    article_zh = "鼓楼区小市街道（小市云协商）"
    explanation = (
        "Xiaoshi sub-district runs an online consultation platform, 'Xiaoshi cloud "
        "consultation' (小市云协商). Problems a community cannot solve pass to the "
        "sub-district, where the sub- district, the district human-resources and "
        "social-security bureau, university experts and social organisations help solve them."
    )
    explanation_zh = (
        "小市街道有综合协商平台“小市云协商”:社区层面解决不了的难题,可以将信息传递到街道层面, "
        "由街道、区人社局、高校专家、社会组织等各方帮助协商解决。"
    )
    online = True
    Params = CloudConsultationParams
    metrics = (
        metric(
            proxy_hours,
            unit="hours/day",
            label="Hours raising issues for offline residents",
            zh="社工代为线上反映工时",
            owner="cloud_consultation",
        ),
    )

    def setup(self, model: CommunityModel) -> None:
        """How much each resident can use it: by themselves, via family, via a worker."""
        p, pop = self.params, model.pop
        rng = model.stream(self.name)
        family_online = (
            np.bincount(pop.household, weights=pop.online, minlength=pop.n_households)[
                pop.household
            ]
            > 0
        )
        self.by_worker = pop.offline & (rng.random(pop.n) < p.proxy_share)
        family = pop.offline & family_online & ~self.by_worker
        self.access = np.select([pop.online | self.by_worker, family], [1.0, p.family_use], 0.0)
        model.open_channel(self.name, self.access, online=True)  # comments after decisions, too
        self.queue = EscalationQueue(p.capacity_per_month, p.min_days)
        self.shared = False
        model.levers.escalator = self

    def join(self, queue: EscalationQueue) -> None:
        """Escalate into a sub-district queue shared with other simulated communities.

        The queue's owner then serves it (and calls :meth:`settle`); this community no longer
        adds stand-in arrivals for the others.
        """
        self.queue = queue
        self.shared = True

    def inform(self, model: CommunityModel) -> None:
        """Residents with access report more readily; proxies cost social-worker hours."""
        p = self.params
        model.levers.report_weight *= 1.0 + p.report_boost * self.access
        b = self.by_worker
        reports = (model.spec.committee.report_prob * model.state.grievance[b]).sum()
        model.committee.spend(reports * p.report_boost * p.proxy_minutes / 60.0, "proxy")

    def participate(self, model: CommunityModel) -> None:
        """Affected residents with access comment on known open issues."""
        known = [i for i in model.issues.open if i.known]
        if not known:
            return
        p = self.params
        rng = model.stream(self.name)
        affected = np.zeros(model.pop.n, dtype=bool)
        for issue in known:
            affected[issue.members] = True
        u = rng.random(model.pop.n)
        pool = np.flatnonzero(affected & (self.access > 0))
        prob = model.participation_probability(
            broadcast=1.0, online=True, cost_factor=p.comment_cost, who=pool
        )
        who = pool[u[pool] < self.access[pool] * prob / p.comment_days]
        if len(who):
            model.took_part(who)
            commented = np.zeros(model.pop.n, dtype=bool)
            commented[who] = True
            for issue in known:  # members are ascending: their commenters, ascending
                model.give_voice(issue.members[commented[issue.members]], issue, pre=True)

    def escalate(self, model: CommunityModel, issue: Issue) -> None:
        """Take an issue the committee cannot solve: reply, then queue at the sub-district."""
        issue.escalated = True
        issue.hold(self.name)  # out of the committee's queue while the sub-district has it
        model.reply(issue.members)
        self.queue.push(model.day, model, issue)

    def decide(self, model: CommunityModel) -> None:
        """Other communities' escalations arrive; the sub-district serves its own queue."""
        if not self.shared:
            p = self.params
            rng = model.stream(self.name)
            arrivals = int(rng.poisson(p.other_communities * p.other_rate_per_month / 30.0))
            for _ in range(arrivals):
                self.queue.push(model.day, None, None)
            for _, issue in self.queue.serve(model.day):
                self.settle(model, issue)

    def settle(self, model: CommunityModel, issue: Issue | None) -> None:
        """A served issue: solved with experts convened, or a referral-only answer."""
        if issue is None or issue not in model.issues.open:
            return
        p = self.params
        issue.release()
        if model.stream(self.name).random() < p.p_convened:
            issue.quality_bonus += p.expert_quality
            model.sub_district.respond(issue)
        else:
            model.referral_failed(issue)
