"""Proactive consultation and community conventions (社区公约, from "passive" to "active").

Article: Gulou's 2017 plan is to consult not only when conflicts arise but to prompt
residents to draft community conventions themselves.

Rule. For each conflict-prone issue type, at the first early warning (a known open issue of
the type whose affected residents' mean grievance reaches ``warn_grievance``, below the level
that forms an issue committee) the committee convenes a drafting consultation: core members and
affected residents are asked in person and attend by the participation rule (MODEL 3.1);
attendees deliberate and get pre-decision voice (heard, ``v = 1``), and their face-to-face
ties count as represented (``v = 0.5``). After ``draft_days`` the convention is adopted: the
residents it binds decide monthly whether to keep it by the rule shared with the issue
committee (:class:`sim.mechanisms.shared.ConventionRule`; Tyler 1990, Ostrom 1990, DeCaro et
al. 2015), defectors cause the type's conflicts (parking: :mod:`sim.model.parking`), and the
community prevents a share ``prevention x`` (realised share keeping it) of the type's new
issues.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.mechanisms.shared import ConventionParams, ConventionRule
from sim.params import ISSUE_TYPES, param

if TYPE_CHECKING:
    from sim.model import CommunityModel


class ProactiveParams(ConventionParams):
    """Parameters of proactive conventions."""

    types: tuple[Literal[ISSUE_TYPES], ...] = param(
        ("parking", "illegal_construction", "property_management", "environment"),
        zh="公约议题",
        help="Issue types that get a convention",
        source="conflict-prone types (MODEL 2)",
    )
    warn_grievance: float = param(
        0.1,
        ge=0,
        le=1,
        zh="预警阈值",
        help="Mean grievance of the affected that prompts drafting",
        source="ASSUMPTION",
    )
    draft_days: int = param(
        30,
        ge=1,
        le=730,
        unit="days",
        zh="起草期",
        help="Days from the drafting consultation to adoption",
    )
    authority: float = param(
        0.9,
        ge=0,
        le=1,
        zh="自定公约权重",
        help="Authority of the residents' drafted position in decisions on the type (lambda_auth)",
        source="ASSUMPTION; ordering from Fung 2006 (self-drafted rules)",
    )
    asks: int = param(
        100,
        ge=0,
        le=100_000,
        unit="residents",
        zh="动员人数",
        help="Affected residents asked to the drafting consultation",
    )
    drafting_hours: float = param(
        8.0,
        ge=0,
        le=200,
        unit="h",
        zh="起草工时",
        help="Social-worker hours a drafting consultation takes",
    )
    prevention: float = param(
        0.3,
        ge=0,
        le=1,
        zh="预防比例",
        help="Share of new issues prevented at full compliance",
        source="ASSUMPTION",
    )


class Convention(Mechanism):
    """Residents draft conventions at early warning signs, before conflicts."""

    name = "convention"
    title = "Proactive consultation and conventions"
    title_zh = "社区公约(主动协商)"
    summary = "Drafting conventions at early warning signs, which prevents issues and conflicts"
    summary_zh = "在问题苗头出现时起草公约，预防议题和冲突。"
    article = "Gulou's 2017 plan (从“被动”到“主动”, 社区公约)"
    article_zh = "鼓楼区2017年工作方案（从“被动”到“主动”、社区公约）"
    explanation = (
        "Gulou's 2017 plan moves consultation from 'passive' to 'active': consult not only when "
        "problems and conflicts arise, but prompt residents to draw up community conventions "
        "(社区公约) themselves."
    )
    explanation_zh = (
        "鼓楼区推动社区民主协商从“被动”到“主动”转变:不仅在出现问题矛盾时协商,更要调动居民自 "
        "主协商意识,例如启发居民主动建立社区公约。"
    )
    Params = ProactiveParams

    def setup(self, model: CommunityModel) -> None:
        """No convention yet."""
        self.kinds = [ISSUE_TYPES.index(t) for t in self.params.types]
        self.drafted: dict[int, int] = {}  # kind -> drafting day
        self.voice = {k: np.zeros(model.pop.n) for k in self.kinds}  # heard 1, represented 0.5
        self.rules: dict[int, ConventionRule] = {}

    def participate(self, model: CommunityModel) -> None:
        """Convene a drafting consultation for a type at its first early warning."""
        p = self.params
        st = model.state
        for k in self.kinds:
            if k in self.drafted:
                continue
            warned = [
                i
                for i in model.issues.of_kind(k)
                if i.known and st.grievance[i.members].mean() >= p.warn_grievance
            ]
            if not warned or model.committee.free < p.drafting_hours:
                continue
            model.committee.spend(p.drafting_hours, "meetings")
            model.record_meeting()
            rng = model.stream(self.name)
            affected = np.unique(np.concatenate([i.members for i in warned]))
            asked = model.pop.core.astype(float)
            asked[rng.choice(affected, size=min(p.asks, len(affected)), replace=False)] = 1.0
            who = model.draw_participants(rng, asked > 0, asked=asked, daytime=False)
            model.took_part(who)
            model.give_voice(who, None, pre=True)
            proposal = model.deliberate(who, k, p.drafting_eps)
            for issue in warned:
                issue.propose(proposal, who, p.authority)
            voice = self.voice[k]
            tied = model.net.ties_of(who)[0]
            voice[tied] = np.maximum(voice[tied], 0.5)
            voice[who] = 1.0
            self.drafted[k] = model.day

    def decide(self, model: CommunityModel) -> None:
        """Adopted conventions: today's compliance decisions and prevention.

        Prevention follows the realised share keeping the convention among those it binds
        (the last month's while it binds nobody).
        """
        p = self.params
        for k, day in self.drafted.items():
            if model.day < day + p.draft_days:
                continue
            if k not in self.rules:
                self.rules[k] = ConventionRule(model, p, k, self.voice[k], self.name)
            rule = self.rules[k]
            rule.apply(model)
            bound = rule.decision[~np.isnan(rule.decision)]
            if len(bound):  # else the last month's share stands
                model.levers.prevention[k] = p.prevention * float(bound.mean())
