"""Administrative handling (行政化), the baseline: the committee handles issues top-down.

The committee works through the issues it knows of, first known first served, with the staff
hours left after its administrative load. An issue within its capacity is resolved at the
top-down quality on the committee's own position, with no resident voice. One beyond it is
referred to a department, which acts with probability ``p_dept_response`` after
``referral_days`` (Chen, Pan & Xu 2016); otherwise residents get a referral-only answer and
the committee tries again. The article: committees' hours go to tasks from above, which
weakens residents' self-management (MODEL 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.model import decision

if TYPE_CHECKING:
    from sim.model import CommunityModel
    from sim.model.issues import Issue


class Administrative(Mechanism):
    """Top-down handling of known issues by the resident committee."""

    name = "administrative"
    title = "Administrative handling"
    title_zh = "行政化处理"
    summary = "The committee handles issues top-down with the hours its administrative load leaves"
    summary_zh = "居委会以行政负担之余的工时自上而下处理议题。"
    article = "everywhere (the article's diagnosis of 行政化)"
    article_zh = "全文（“行政化”问题的诊断）"
    explanation = (
        "The baseline. Resident committees have long been 'administrativised' (行政化): most "
        "staff hours go to tasks from above, which weakens their role in residents' "
        "self-management, self-education and self-service. Issues are handled top-down or "
        "referred to departments."
    )
    explanation_zh = (
        "基线情形。长期以来,社区居委会行政化趋向较为严重,社工的时间多用于上级交办的任务,影响了 "
        "其引导和组织居民进行自我管理、自我教育、自我服务职能作用的发挥;问题由居委会自上而下处理 "
        ",或转交有关部门。"
    )

    def decide(self, model: CommunityModel) -> None:
        """Answer returning referrals, then prepare and decide known issues in order."""
        rng = model.stream(self.name)
        for issue in [i for i in model.issues.open if i.referred_until == model.day]:
            issue.referred_until = -1
            if rng.random() < model.spec.committee.p_dept_response:
                model.sub_district.respond(issue)
                settle(model, issue, rng)
            else:
                model.referral_failed(issue)
        queue = sorted(
            (i for i in model.issues.open if i.known and i.queued),
            key=lambda i: (i.known_day, i.id),
        )
        handle(model, queue, rng)


def follow_through(model: CommunityModel, issue: Issue) -> float:
    """Staff hours a decision's implementation needs: ``impl_share`` of the issue's effort."""
    return model.spec.decision.impl_share * issue.effort


def handle(
    model: CommunityModel, queue: list[Issue], rng: np.random.Generator, reserve: bool = False
) -> None:
    """Prepare issues in queue order with today's free hours; decide or refer each prepared one.

    The one handling routine of every mechanism that decides issues. Hours are the binding
    cost: an issue is prepared until its effort is spent (the hours count towards its staff
    time tau), then the actors are asked to engage and the committee refers it upward with
    chance ``logit^-1((complexity - capacity x tau - rho~) / s_ref)`` (no threshold), else
    decides it (:func:`settle`). An issue a department or the sub-district has acted on is
    decided with their resources, not referred again. With ``reserve`` (a priority on
    implementation), preparation leaves the decision's follow-through hours free.
    """
    committee, c, p = model.committee, model.spec.committee, model.spec.decision
    for issue in queue:
        keep = follow_through(model, issue) if reserve else 0.0
        if committee.free - keep <= 0:
            break
        granted = committee.spend(min(issue.effort_left, committee.free - keep), "handling")
        issue.effort_left -= granted
        issue.hours += granted
        if issue.effort_left > 1e-9:
            break
        ask_actors(model, issue, rng)
        tau = decision.staff_time(issue.hours, issue.effort, p)
        refer = decision.referral_probability(
            p, issue.complexity, c.capacity * tau, decision.resource_share(issue.resources)
        )
        if "sub_district" in issue.pledges or rng.random() >= refer:
            settle(model, issue, rng)
        else:
            model.escalate(issue)


def ask_actors(model: CommunityModel, issue: Issue, rng: np.random.Generator) -> None:
    """Once per issue, when it is decided, the units and the property firm may engage.

    Each engages with ``logit^-1(eta0 + eta_seat seat + eta_int interest + eta_ask asked)``
    (design 1.2, item 5; a seat: pledges were made at a consultation table on the issue;
    asked: a forum consulted on it) and pledges its resources
    (:meth:`sim.model.agents.Actor.pledge`). Top-down handling asks nobody.
    """
    if issue.asked:
        return
    issue.asked = True
    t = getattr(model.spec.issues, issue.type_name)
    actors = [(f"unit {k}", u) for k, u in enumerate(model.units)]
    if model.property_firm is not None:
        actors.append(("property_firm", model.property_firm))
    u = rng.random(len(actors))
    seat = float(issue.support > 0)
    consulted = float(issue.proposal is not None or issue.support > 0)
    for (name, actor), ui in zip(actors, u, strict=True):
        amount = actor.pledge(model.spec.decision, t.stakeholders, seat, consulted, ui)
        if amount > 0:
            issue.pledge(name, amount, actor.reliability)


def settle(
    model: CommunityModel,
    issue: Issue,
    rng: np.random.Generator,
    *,
    capacity: float | None = None,
    position: float | None = None,
    staffed: bool = True,
) -> None:
    """Decide an issue by the graded rules of :mod:`sim.model.decision` (design 1.3).

    Inputs from the issue's record: the committee's capacity x staff time, information and
    representation from the heard, agreement of the participants (of the heard without a
    proposal), pledged resources, expert input. The position is ``lambda P + (1 - lambda)
    x_RC`` with ``lambda = rung x sqrt(D)``; implementation is the follow-through hours, the
    share of planned inputs delivered (each pledge with its reliability) and, for issue types
    that need residents' behaviour, their mean acceptance. ``capacity``, ``position`` and
    ``staffed=False`` are for other deciders (an organisation taking an issue over with its
    own capacity, on its own position and with its own hands).
    """
    p, c, st = model.spec.decision, model.spec.committee, model.state
    t = getattr(model.spec.issues, issue.type_name)
    m = issue.members
    ask_actors(model, issue, rng)
    cap = c.capacity if capacity is None else capacity
    tau = decision.staff_time(issue.hours, issue.effort, p) if staffed else 1.0
    voice, heard = decision.voice_record(model, issue)
    x = st.opinion[m, issue.kind]
    agreed = decision.agreement(
        x[heard]
        if issue.proposal is None or issue.participants is None
        else st.opinion[issue.participants, issue.kind]
    )
    engaged = {
        "units": any(a.startswith("unit ") for a in issue.pledges),
        "property_firm": "property_firm" in issue.pledges,
        "city_management": "sub_district" in issue.pledges,
        "experts": issue.quality_bonus > 0,
    }
    rep = decision.representation(
        decision.groups(model, issue),
        heard,
        sum(engaged[s] for s in t.stakeholders),
        len(t.stakeholders),
        p,
    )
    info = decision.information(int(heard.sum()), p)
    planned = decision.inputs(
        p, cap * tau, info, decision.resource_share(issue.resources), issue.quality_bonus
    )
    q = decision.quality(p, planned, issue.complexity)
    if position is not None:
        lam, d = 0.0, position
    elif issue.proposal is not None:
        lam = decision.authority(issue.rung, agreed)
        d = decision.position(lam, issue.proposal, model.committee.position)
    else:
        lam, d = 0.0, model.committee.position
    accept = decision.acceptance(
        p, decision.favourability(q, 1.0, x, d), voice, rep, agreed, st.trust[m]
    )
    staff = 1.0
    if staffed:
        need = follow_through(model, issue)
        staff = decision.staff_time(model.committee.spend(need, "implementation"), need, p)
    pledged = list(issue.pledges.values())
    kept = rng.random(len(pledged)) < np.array([psi for _, psi in pledged])
    delivered = issue.support + sum(a for (a, _), ok in zip(pledged, kept, strict=True) if ok)
    done = decision.inputs(
        p, cap * tau, info, decision.resource_share(delivered), issue.quality_bonus
    )
    share = done / planned if planned > 0 else 1.0
    comply = float(accept.mean()) if issue.type_name in p.needs_compliance else 1.0
    model.resolve_issue(
        issue,
        q,
        d,
        authority=lam,
        implementation=decision.implementation(staff, share, comply),
        agreement=agreed,
        acceptance=accept,
    )
