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

from sim.mechanisms.base import Mechanism

if TYPE_CHECKING:
    from sim.model import CommunityModel
    from sim.model.issues import Issue


class Administrative(Mechanism):
    """Top-down handling of known issues by the resident committee."""

    name = "administrative"
    title = "Administrative handling"
    title_zh = "行政化处理"
    summary = "The committee handles issues top-down with the hours its administrative load leaves"
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
        """Answer returning referrals, then work through known issues in order."""
        c, committee = model.spec.committee, model.committee
        rng = model.stream(self.name)
        for issue in [i for i in model.issues.open if i.referred_until == model.day]:
            issue.referred_until = -1
            if rng.random() < c.p_dept_response:
                settle(model, issue)
            else:
                model.referral_failed(issue)
        queue = sorted(
            (i for i in model.issues.open if i.known and i.queued),
            key=lambda i: (i.known_day, i.id),
        )
        for issue in queue:
            if committee.free <= 0:
                break
            issue.effort_left -= committee.spend(issue.effort_left, "handling")
            if issue.effort_left > 1e-9:
                break
            if issue.complexity <= c.capacity + issue.support:
                settle(model, issue)
            else:
                model.escalate(issue)


def settle(model: CommunityModel, issue: Issue) -> None:
    """Resolve an issue on the residents' proposal if they made one, else top-down."""
    quality = min(1.0, model.spec.committee.base_quality + issue.quality_bonus)
    if issue.proposal is None:
        model.resolve_issue(issue, quality, model.committee.position)
    else:
        model.resolve_issue(issue, quality, issue.proposal, co_governed=True)
