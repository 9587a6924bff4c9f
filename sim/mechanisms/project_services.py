"""Project-run community services (社区服务"项目化", 公益创投, Gusu): funded, chosen, evaluated.

Article: Gusu district (Suzhou) builds "a pattern of community governance in which community
services run as projects"; it gives no detail. The pattern is the venture-philanthropy contest
(公益创投) and project-based purchase of services (政府购买服务, national policy since 2013):
government funds projects that social organisations propose and deliver, chosen against
residents' needs and evaluated for renewal. Shanghai's first community venture-philanthropy
contest (2009, civil-affairs bureau with NPI) judged proposals on community need, project design
and team capacity; Changning district later added a needs-collection step before the call;
Suzhou Industrial Park's incubator (2014) saw 4 projects of 3 incubated organisations funded by
the city's venture-philanthropy programme. Whether contracting raises quality is contested in the
evidence (Enjuto Martinez, Qu & Howell 2021; Wang & Snape 2018).

Rule. Every ``cycle_days`` (from day 0) the sub-district runs a call:
1. evaluation: each running project scores ``quality x min(1, reached / target) + noise`` (target:
   ``reach_per_month`` a month of the cycle, noise N(0, ``eval_noise``)); at least
   ``renew_threshold`` renews it, otherwise it is dropped;
2. needs: residents are told of the call by notice and vote (participation rule at
   ``vote_cost``; voters take part and get pre-decision voice); each voter's need is that of
   the age group (elderly: elderly care; young: children and youth; middle: neighbourhood and
   environment);
3. proposals: each service organisation of ``social_organisations`` (when it is on) without a
   project proposes one of its kind (volunteer association: neighbourhood; elderly-care service:
   elderly care), with quality ``+ local_bonus``; ``outside_proposals`` more come from
   organisations outside the community, of random kinds; qualities are drawn uniformly in
   ``quality ± quality_spread``, unknown to voters;
4. funding: the yearly budget left after renewals funds proposals at ``project_cost`` a year
   each, in order of votes for their kind, each kind's votes divided by one plus its projects
   already running (money is spent pro rata of the cycle's length).
Each day a running project reaches Poisson(``reach_per_month / 30``) residents of its target
group, scaled by the share of ``management_hours_per_week`` (per project) the committee's social
workers could give; a reached resident gets the action effect times the project's quality and
the trust gain times it (outcomes, MODEL 3.2-3.3); a local organisation's project counts as its
activity for those reached (the civic share that cultivates organisations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.metrics import metric
from sim.model.population import ELDERLY, MIDDLE, YOUNG
from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel

#: Project kind -> the age group whose voters need it (neighbourhood projects serve everyone).
KINDS: dict[str, int] = {"elderly_care": ELDERLY, "youth": YOUNG, "neighbourhood": MIDDLE}
#: Social-organisation kind -> the project kind it proposes.
LOCAL: dict[str, str] = {"volunteer": "neighbourhood", "elderly_care": "elderly_care"}


@dataclass
class Project:
    """One funded project."""

    kind: str
    quality: float
    local: bool
    funded_day: int
    org: Any = None  # the local social organisation delivering it, if any
    reached: int = 0  # residents reached in the current cycle (counted once a day each)


class ProjectServicesParams(Params):
    """Parameters of project-run services."""

    budget_per_year: float = param(
        150_000.0,
        ge=0,
        le=1e9,
        unit="yuan/year",
        zh="创投资金",
        help="Money the sub-district gives the community's projects a year",
        source="ASSUMPTION",
    )
    project_cost: float = param(
        50_000.0,
        gt=0,
        le=1e8,
        unit="yuan/year",
        zh="单个项目资助额",
        help="Funding of one project a year",
        source="ASSUMPTION",
    )
    cycle_days: int = param(
        365,
        ge=30,
        le=3650,
        unit="days",
        zh="项目周期",
        help="Days from one call (and evaluation) to the next",
        source="ASSUMPTION: yearly calls, as Shanghai's and Suzhou's",
    )
    outside_proposals: int = param(
        4,
        ge=0,
        le=1000,
        unit="proposals",
        zh="外部申报数",
        help="Proposals from organisations outside the community per call",
        source="ASSUMPTION",
    )
    quality: float = param(
        0.6,
        ge=0,
        le=1,
        unit="share",
        zh="项目质量均值",
        help="Mean quality of a proposed project",
        source="ASSUMPTION: as a social organisation's service",
    )
    quality_spread: float = param(
        0.2,
        ge=0,
        le=0.5,
        unit="share",
        zh="项目质量离散度",
        help="Half-width of the uniform spread of project quality",
        source="ASSUMPTION",
    )
    local_bonus: float = param(
        0.1,
        ge=0,
        le=1,
        unit="share",
        zh="本地组织质量加成",
        help="Quality added when a local organisation proposes",
        source="ASSUMPTION: local knowledge",
    )
    reach_per_month: float = param(
        30.0,
        ge=0,
        le=10_000,
        unit="residents/month",
        zh="月服务人次",
        help="Residents a project reaches a month",
        source="ASSUMPTION",
    )
    management_hours_per_week: float = param(
        1.0,
        ge=0,
        le=100,
        unit="h/week",
        zh="项目对接工时",
        help="Social-worker hours a week each project needs",
        source="ASSUMPTION",
    )
    vote_cost: float = param(
        0.2,
        ge=0,
        le=5,
        zh="需求投票成本系数",
        help="Time cost of voting on needs relative to a meeting",
        source="ASSUMPTION (as a written opinion)",
    )
    renew_threshold: float = param(
        0.5,
        ge=0,
        le=2,
        zh="续签评分线",
        help="Evaluation score from which a project is renewed",
        source="ASSUMPTION",
    )
    eval_noise: float = param(
        0.1, ge=0, le=1, zh="评估误差", help="SD of the evaluation's error", source="ASSUMPTION"
    )


def projects_active(model: CommunityModel, m: ProjectServices | None) -> float:
    """Service projects running (project-run services)."""
    return len(m.projects) if m else 0.0


def projects_funded_total(model: CommunityModel, m: ProjectServices | None) -> float:
    """Projects funded so far (new ones; renewals not counted)."""
    return m.funded if m else 0.0


def projects_renewed_total(model: CommunityModel, m: ProjectServices | None) -> float:
    """Project renewals after evaluation so far."""
    return m.renewed if m else 0.0


def project_reach_share(model: CommunityModel, m: ProjectServices | None) -> float:
    """Share of residents a project has reached at least once."""
    return float(np.count_nonzero(m.reached) / len(m.reached)) if m else 0.0


def project_yuan_per_reached(model: CommunityModel, m: ProjectServices | None) -> float:
    """Project money committed so far per resident reached (yuan; NaN if none reached)."""
    if m is None:
        return float("nan")
    reached = float(np.count_nonzero(m.reached))
    return m.spent / reached if reached else float("nan")


class ProjectServices(Mechanism):
    """Sub-district-funded service projects, chosen by residents' needs and evaluated."""

    name = "project_services"
    title = "Project-run services (venture philanthropy)"
    title_zh = "社区服务项目化(姑苏)"
    summary = (
        "Funded projects by social organisations, chosen by residents' needs, renewed or dropped"
    )
    summary_zh = "按居民需求选定、由社会组织承接的资助项目，按成效续办或停办。"
    article = "Gusu, Suzhou (社区服务项目化)"
    article_zh = "苏州市姑苏区（社区服务项目化）"
    explanation = (
        "Gusu (Suzhou) builds 'a pattern of community governance in which community services "
        "run as projects' (社区服务“项目化”运行). Modelled on venture philanthropy (公益创投): "
        "the sub-district funds projects that social organisations propose and deliver, "
        "residents' votes on their needs choose them, and a yearly evaluation renews or drops "
        "them."
    )
    explanation_zh = (
        "姑苏区构建社区服务“项目化”运行的社区治理格局。模型参照公益创投:街道出资,社会组织申报 "
        "并实施项目,居民按需求投票选择项目,每年评估后续签或淘汰。"
    )
    Params = ProjectServicesParams
    metrics = (
        metric(
            projects_active,
            unit="projects",
            label="Projects running",
            zh="在运行项目",
            owner="project_services",
        ),
        metric(
            projects_funded_total,
            unit="projects",
            label="Projects funded",
            zh="累计立项",
            owner="project_services",
        ),
        metric(
            projects_renewed_total,
            unit="projects",
            label="Projects renewed",
            zh="累计续签",
            owner="project_services",
        ),
        metric(
            project_reach_share,
            unit="share of residents",
            label="Residents reached",
            zh="项目覆盖率",
            owner="project_services",
        ),
        metric(
            project_yuan_per_reached,
            unit="yuan/resident",
            label="Yuan per resident reached",
            zh="人均项目经费",
            owner="project_services",
        ),
    )

    def setup(self, model: CommunityModel) -> None:
        """No projects yet; the first call is on day 0."""
        self.projects: list[Project] = []
        self.reached = np.zeros(model.pop.n, dtype=bool)
        self.pools = {k: np.flatnonzero(model.pop.age == g) for k, g in KINDS.items()}
        self.pools["neighbourhood"] = np.arange(model.pop.n)
        self.spent = 0.0
        self.funded = 0
        self.renewed = 0
        self.evaluated: list[tuple[float, bool]] = []  # (quality, renewed) of each evaluation

    def participate(self, model: CommunityModel) -> None:
        """On a call day: evaluate, ask residents' needs, fund proposals."""
        p = self.params
        if model.day % p.cycle_days:
            return
        rng = model.stream(self.name)
        target = p.reach_per_month * p.cycle_days / 30.0
        running = []
        for proj in self.projects:
            score = proj.quality * min(1.0, proj.reached / target) if target else proj.quality
            renew = score + rng.normal(0.0, p.eval_noise) >= p.renew_threshold
            self.evaluated.append((proj.quality, bool(renew)))
            if renew:
                running.append(proj)
                self.renewed += 1
            proj.reached = 0
        self.projects = running
        voters = model.draw_participants(
            rng, np.ones(model.pop.n, dtype=bool), broadcast=1.0, cost_factor=p.vote_cost
        )
        model.took_part(voters)
        model.give_voice(voters, None, pre=True)
        votes = np.bincount(model.pop.age[voters], minlength=3).astype(float)
        orgs = self._local_orgs(model)
        busy = {id(proj.org) for proj in self.projects if proj.org is not None}
        proposals = [(LOCAL[o.kind], p.local_bonus, o) for o in orgs if id(o) not in busy]
        kinds = list(KINDS)
        proposals += [
            (kinds[int(k)], 0.0, None) for k in rng.integers(len(kinds), size=p.outside_proposals)
        ]
        q = rng.uniform(p.quality - p.quality_spread, p.quality + p.quality_spread, len(proposals))
        slots = int(p.budget_per_year / p.project_cost + 1e-9)  # both are yearly
        self.spent += len(self.projects) * p.project_cost * p.cycle_days / 365.0
        while len(self.projects) < slots and proposals:
            count = {k: sum(pr.kind == k for pr in self.projects) for k in kinds}
            score = [votes[KINDS[kind]] / (1 + count[kind]) for kind, _, _ in proposals]
            best = int(np.argmax(score))  # ties: the first proposal (local ones first)
            kind, bonus, org = proposals.pop(best)
            quality = float(np.clip(q[best] + bonus, 0.0, 1.0))
            q = np.delete(q, best)
            self.projects.append(Project(kind, quality, org is not None, model.day, org))
            self.funded += 1
            self.spent += p.project_cost * p.cycle_days / 365.0

    @staticmethod
    def _local_orgs(model: CommunityModel) -> list:
        """Service organisations of ``social_organisations`` able to propose, if it is on."""
        orgs = model.mechanism("social_organisations")
        return [] if orgs is None else [o for o in orgs.orgs if o.kind in LOCAL]

    def decide(self, model: CommunityModel) -> None:
        """Running projects reach residents of their target groups."""
        if not self.projects:
            return
        p = self.params
        rng = model.stream(self.name)
        want = p.management_hours_per_week / 7.0 * len(self.projects)
        support = model.committee.spend(want, "projects") / want if want > 0 else 1.0
        counts = rng.poisson(p.reach_per_month / 30.0 * support, len(self.projects))
        orgs = model.mechanism("social_organisations")
        for proj, k in zip(self.projects, counts, strict=True):
            pool = self.pools[proj.kind]
            if not k or not len(pool):
                continue
            who = np.unique(pool[rng.integers(len(pool), size=k)])
            proj.reached += len(who)
            self.reached[who] = True
            model.benefit(who, proj.quality)
            if proj.local and orgs is not None:
                orgs.active(model, who)
