"""Community joint meeting (社区联席会): residents, social workers and units consult monthly.

Article: Xianlu Xincun holds a joint meeting once a month where residents, social workers and
resident units (辖区单位) discuss and jointly solve livelihood problems; each Gulou community
chose a consultation form: invitation-based (邀约式协商), an open deliberation garden (议事园), a
consultation think-tank of experts (协商智库), or a "say it straight" walk-in studio
(有一说一协商工作室).

Rule. On a meeting day social workers invite core members and residents affected by the agenda
(the oldest known open issues) in person and brief each building head (楼栋长), who asks some of
the affected among its own face-to-face ties (MODEL 3.1); the rest hear of it from a notice.
These take staff hours the day's administrative load may not leave, and then fewer are invited,
briefed and reached (:meth:`JointMeeting.mobilise`). Each resident attends with the
participation probability of MODEL 3.1 (canvassing effect for the personally invited; double
time cost for employed residents at a daytime meeting). Attendees deliberate on each agenda
issue (Hegselmann-Krause within a confidence bound widened by facilitation, Luskin et al. 2022;
a committee chair pulls toward the committee's view, Spada & Vreeland 2013) and agree on a
proposal; affected attendees get pre-decision voice. Units present commit resources to issues
that need them (after-hours parking spaces) and have a seat when the committee asks actors to
engage; a think-tank adds expert input. The proposal carries the meeting's ``authority`` in the
decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.metrics import metric
from sim.params import SHARE, Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel


class FormatParams(Params):
    """How one consultation format invites, announces, costs and advises (ASSUMPTIONS)."""

    personal: bool = param(
        True,
        zh="入户邀请",
        help="Social workers and building heads invite the agenda's affected residents in person",
    )
    reach: float = param(
        0.2,
        ge=0,
        le=1,
        unit="share",
        zh="通知覆盖率",
        help="Share of the other residents who hear of the meeting from its notice",
    )
    cost_factor: float = param(
        1.0,
        ge=0,
        le=5,
        zh="参会成本系数",
        help="Time cost of attending relative to an ordinary meeting",
    )
    expert_quality: float = param(
        0.0,
        ge=0,
        le=1,
        zh="专家方案质量提升",
        help="Solution quality experts add to the agenda's issues",
    )


class FormatsParams(Params):
    """The four consultation forms of Gulou's communities (article), one block each."""

    invitation: FormatParams = FormatParams(  # 邀约式协商: personal invitations
        personal=True, reach=0.2, cost_factor=1.0, expert_quality=0.0
    )
    open_forum: FormatParams = FormatParams(  # 议事园: open to all, announced widely
        personal=False, reach=0.6, cost_factor=1.0, expert_quality=0.0
    )
    think_tank: FormatParams = FormatParams(  # 协商智库: invited residents plus experts
        personal=True, reach=0.2, cost_factor=1.0, expert_quality=0.15
    )
    studio: FormatParams = FormatParams(  # 有一说一: walk-in, low threshold
        personal=False, reach=0.4, cost_factor=0.5, expert_quality=0.0
    )


class JointMeetingParams(Params):
    """Parameters of the joint meeting."""

    format: Literal["invitation", "open_forum", "think_tank", "studio"] = param(
        "invitation",
        zh="协商形式",
        help="Consultation format (its numbers: the formats blocks)",
        source="article: 邀约式协商, 议事园, 协商智库, 有一说一协商工作室",
    )
    formats: FormatsParams = FormatsParams()
    interval_days: int = param(
        30,
        ge=1,
        le=365,
        unit="days",
        zh="会议间隔",
        help="Days between meetings",
        source="article: once a month",
    )
    daytime: bool = param(
        True,
        zh="工作时间召开",
        help="Held in working hours (employed residents pay double cost)",
        source="ASSUMPTION (MODEL 3.1)",
    )
    agenda_size: int = param(
        3, ge=1, le=20, unit="issues", zh="议题数", help="Known open issues discussed per meeting"
    )
    invitations: int = param(
        60,
        ge=0,
        le=10_000,
        unit="residents",
        zh="入户邀请人数",
        help="Affected residents social workers try to invite in person",
    )
    head_asks: int = param(
        5,
        ge=0,
        le=1000,
        unit="residents",
        zh="楼栋长邀请人数",
        help="Affected face-to-face ties each building head (楼栋长) asks in person",
        source="ASSUMPTION; MODEL 3.1: an RC worker, building head or neighbour asks in person "
        "(Middleton & Green 2008)",
    )
    invite_minutes: float = param(
        5.0,
        ge=0,
        le=120,
        unit="min/resident",
        zh="邀请时长",
        help="Staff minutes per personal invitation",
    )
    brief_minutes: float = param(
        5.0,
        ge=0,
        le=120,
        unit="min/building head",
        zh="楼栋长动员时长",
        help="Staff minutes to brief one building head on the agenda before it asks its ties",
        source="ASSUMPTION: a phone call",
    )
    notice_hours: float = param(
        1.0,
        ge=0,
        le=24,
        unit="h/meeting",
        zh="会议通知时长",
        help="Staff hours to post and pass on a meeting's notice (boards, WeChat group)",
        source="ASSUMPTION",
    )
    meeting_hours: float = param(
        3.0, ge=0, le=24, unit="h", zh="会议时长", help="Length of a meeting"
    )
    staff_at_meeting: int = param(
        2, ge=1, le=50, unit="persons", zh="参会社工", help="Social workers running a meeting"
    )
    facilitation_eps: float = param(
        0.5,
        ge=0,
        le=1,
        zh="引导后信任阈",
        help="Confidence bound in a facilitated meeting",
        source="ASSUMPTION; Luskin et al. 2022 (0.3 -> 0.5)",
    )
    facilitator_pull: float = param(
        0.1,
        ge=0,
        le=1,
        zh="主持人引导偏向",
        help="Pull toward the committee's view per meeting",
        source="ASSUMPTION; Spada & Vreeland 2013",
    )
    authority: float = param(
        0.7,
        **SHARE,
        zh="协商方案权重",
        help="Authority of the meeting's proposal in the decision (lambda_auth)",
        source="ASSUMPTION; ordering from Fung 2006",
    )
    unit_support: float = param(
        0.3,
        ge=0,
        le=1,
        zh="驻区单位支持",
        help="Resources units at the meeting pledge to issues needing them (share of the need)",
        source="ASSUMPTION; article: units share parking spaces",
    )


def meeting_attendance(model: CommunityModel, m: JointMeeting | None) -> float:
    """Residents attending a joint meeting today (0 on other days)."""
    return m.attendance if m is not None and m.attendance_day == model.day else 0.0


class JointMeeting(Mechanism):
    """A monthly meeting of residents, social workers and resident units."""

    name = "joint_meeting"
    title = "Community joint meeting"
    title_zh = "社区联席会"
    summary = "Monthly consultation of residents, social workers and units on open issues"
    summary_zh = "每月召开居民、社工和辖区单位的联席会，协商未决议题。"
    article = "Xianlu Xincun, Gulou (社区联席会, monthly)"
    article_zh = "鼓楼区仙鹿新村（社区联席会，每月一次）"
    explanation = (
        "Xianlu Xincun (Gulou) holds a community joint meeting (社区联席会) once a month: "
        "residents, social workers and resident units discuss and jointly solve livelihood "
        "problems. Gulou's 120 communities each found their own form: invitation-based "
        "consultation, a deliberation garden, a consultation think-tank, a 'say it straight' "
        "studio."
    )
    explanation_zh = (
        "鼓楼区线路新村社区每月举办一次“社区联席会”,居民、社工、辖区单位等各方代表参与讨论,共 "
        "同协商解决民生难题。鼓楼区120个社区都摸索出适合自己的协商形式,例如邀约式协商、议事园 "
        "、协商智库、有一说一协商工作室等。"
    )
    Params = JointMeetingParams
    metrics = (
        metric(
            meeting_attendance,
            unit="residents",
            label="Joint-meeting attendance",
            zh="联席会参会人数",
            owner="joint_meeting",
        ),
    )

    def setup(self, model: CommunityModel) -> None:
        """No meeting yet."""
        self.attendees = np.empty(0, dtype=np.int64)
        self.agenda: list = []
        self.share = None  # today's meeting: the share of its mobilisation hours granted
        self.attendance, self.attendance_day = 0, -1  # attendees of the last meeting held

    def admit(self, model: CommunityModel, who: np.ndarray) -> None:
        """More residents (indices) attend today's meeting (stakeholders invited by rules)."""
        self.attendees = np.union1d(self.attendees, who)
        self.attendance = len(self.attendees)

    def arrivals(self, model: CommunityModel) -> None:
        """On a meeting day the staff book the meeting's hours before any other work.

        The joint meeting is held once a month on a fixed date (MODEL, the systems table), so
        the day's other work fits around it. It needs ``staff_at_meeting x meeting_hours`` free
        hours; when the administrative load leaves fewer, it is not held that month (MODEL 3.7).
        Its mobilisation is booked next (:meth:`mobilise`).
        """
        p = self.params
        cost = p.meeting_hours * p.staff_at_meeting
        self.share = None
        if model.day % p.interval_days == p.interval_days - 1 and model.committee.free >= cost:
            model.committee.spend(cost, "meetings")
            self.share = self.mobilise(model)

    def mobilise(self, model: CommunityModel) -> float:
        """Spend the meeting's mobilisation hours; return the share of them granted.

        The notice, and in a personal format the invitations and a briefing of each building
        head, take their hours from what the administrative load leaves after the meeting
        itself (MODEL 3.7: participation opportunities are fewer than promised; Heberer & Göbel
        2011, Read 2012). Short hours are shared pro rata: with a share ``g`` granted, ``g`` of
        the invitations are made, each building head is briefed (and asks its ties) with chance
        ``g`` and the notice reaches ``g`` of its ``reach``: a graded cap between the load that
        leaves all the hours and the one that leaves none.
        """
        p = self.params
        need = p.notice_hours
        if getattr(p.formats, p.format).personal:
            heads = int(np.count_nonzero(model.net.affiliation["building_head"]))
            need += (p.invitations * p.invite_minutes + heads * p.brief_minutes) / 60.0
        return model.committee.spend(need, "meetings") / need if need > 0 else 1.0

    def participate(self, model: CommunityModel) -> None:
        """On a booked meeting day, invite, then draw who attends."""
        p = self.params
        self.attendees = np.empty(0, dtype=np.int64)
        share = self.share
        if share is None:
            return
        form = getattr(p.formats, p.format)
        rng = model.stream(self.name)
        self.agenda = sorted(
            (i for i in model.issues.open if i.known and i.proposal is None),
            key=lambda i: (i.known_day, i.id),
        )[: p.agenda_size]
        n = model.pop.n
        asked = model.pop.core.astype(float)
        if form.personal and self.agenda:
            affected = np.unique(np.concatenate([i.members for i in self.agenda]))
            k = min(len(affected), int(share * p.invitations))
            asked[rng.choice(affected, size=k, replace=False)] = 1.0
            target = np.zeros(n, dtype=bool)
            target[affected] = asked[affected] == 0
            heads = np.flatnonzero(model.net.affiliation["building_head"])
            if share < 1.0:
                heads = heads[rng.random(len(heads)) < share]
            asked[model.net.ask(heads, target, p.head_asks, rng)] = 1.0
        heard = (asked > 0) | (rng.random(n) < form.reach * share)
        self.attendees = model.draw_participants(
            rng, heard, asked=asked, daytime=p.daytime, cost_factor=form.cost_factor
        )
        model.record_meeting()
        self.attendance, self.attendance_day = len(self.attendees), model.day

    def consult(self, model: CommunityModel) -> None:
        """Deliberate on each agenda issue; units commit resources."""
        if not len(self.attendees):
            return
        p = self.params
        model.took_part(self.attendees)
        expert = getattr(p.formats, p.format).expert_quality
        units = bool(model.units)
        for issue in self.agenda:
            position = model.deliberate(
                self.attendees, issue.kind, p.facilitation_eps, p.facilitator_pull
            )
            issue.propose(position, self.attendees, p.authority)
            issue.quality_bonus = max(issue.quality_bonus, expert)
            if units and "units" in getattr(model.spec.issues, issue.type_name).stakeholders:
                issue.support = max(issue.support, p.unit_support)
            voiced = np.intersect1d(self.attendees, issue.members, assume_unique=True)
            model.give_voice(voiced, issue, pre=True)
