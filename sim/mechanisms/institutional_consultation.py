"""Institutional consultation (健全社区协商体制机制, Jianye): consultation by written rules.

Article: Jianye district's experimental theme is "sound institutions and mechanisms for
community consultation"; it gives no detail. The national guideline of July 2015
(中办国办《关于加强城乡社区协商的意见》) asks for consultation with broad participants, defined
content, scientific procedures and sound institutions (协商主体广泛、内容丰富、形式多样、程序科学、
制度健全); written rules of that kind fix who may raise a matter, a catalogue of what must
be consulted (协商目录), the procedure (议题征集, 公示, 协商, 结果公开, 落实, 回访), and the
publication and follow-up of outcomes. Institutionalised deliberation in China combines such
rules with the committee's control of the agenda (He & Warren 2011, "authoritarian
deliberation"); Zeguo's deliberative polls bound officials to implement what a random sample
chose (Fishkin, He, Luskin & Siu 2010). The mechanism adds no meeting: it changes how the
others work.

Rule. For issues of the ``catalogue`` types:
- raising: residents affected by an unknown catalogue issue report it ``1 + raise_boost`` times
  more readily (any resident may raise a catalogue matter by written proposal);
- who is invited: when a joint meeting is held, the rules require ``invite_quota`` affected
  residents of each catalogue issue on its agenda to be invited in person (stakeholders, 利益相关
  方), beyond the meeting's own invitations; they attend by the participation rule (MODEL 3.1);
- obligatory consultation: a catalogue issue may not be decided before it is consulted on. When
  the committee learns of it, it is posted for written opinions (公示征求意见) and held out of the
  top-down routine for ``notice_days`` (with a joint meeting, the rules name it the forum: until
  the next meeting, ``interval_days``), unless a meeting or committee makes a proposal first;
  then the affected residents, who heard of it by notice, comment at ``comment_cost`` of a
  meeting's time cost; they take part and get pre-decision voice, their mean position becomes
  the proposal, and the issue is released to handling;
- an issue committee's draft convention is posted ``draft_notice_days`` before adoption; the
  affected who comment count as represented in drafting (which raises their compliance);
- obligatory implementation (协商结果落实): consulted catalogue issues are prepared and decided
  before the committee's other work, within its free hours, and their preparation leaves the
  decision's follow-through hours free (a priority on implementation hours, not a guaranteed
  resolution: the shared graded routine of ``administrative`` decides or refers them);
- publication and follow-up: a resolved catalogue issue's outcome is published (the reply effect
  for the affected, Chen et al. 2023) and ``followup_days`` later social workers visit back
  ``followup_households`` affected households, whose residents get post-decision voice
  (their evaluation heard, Lind, Kanfer & Earley 1990).
Notices, publications and visits cost social-worker hours (``procedure`` in the ledger): a
draft convention's notice only when the hours are there (else it is not posted); an issue's
notice when its written opinions are taken, at the end of the hold, even with no hours left
(the rules oblige it), and not at all when a meeting's proposal ends the hold first.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Literal

import numpy as np

from sim.mechanisms.administrative import handle
from sim.mechanisms.base import Mechanism
from sim.metrics import metric
from sim.params import ISSUE_TYPES, SHARE, Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel
    from sim.model.issues import Issue


class InstitutionalConsultationParams(Params):
    """Parameters of institutional consultation."""

    catalogue: tuple[Literal[ISSUE_TYPES], ...] = param(
        ("parking", "property_management", "environment", "elderly_services"),
        zh="协商目录",
        help="Issue types that must be consulted (illegal construction is enforcement, not "
        "consultation)",
        source="ASSUMPTION; 中办国办 2015 城乡社区协商意见 (协商内容)",
    )
    authority: float = param(
        0.5,
        **SHARE,
        zh="协商结果权重",
        help="Authority of written opinions under the binding consult-first rule (lambda_auth)",
        source="ASSUMPTION; ordering from Fung 2006",
    )
    raise_boost: float = param(
        0.5,
        ge=0,
        le=20,
        zh="议题提出增强",
        help="Extra reporting propensity of residents affected by a catalogue issue (x)",
        source="ASSUMPTION",
    )
    invite_quota: int = param(
        30,
        ge=0,
        le=10_000,
        unit="residents",
        zh="利益相关方邀请名额",
        help="Affected residents the rules require be invited in person "
        "per catalogue issue on a joint meeting's agenda",
        source="ASSUMPTION",
    )
    invite_minutes: float = param(
        5.0,
        ge=0,
        le=120,
        unit="min/resident",
        zh="邀请时长",
        help="Staff minutes per personal invitation",
        source="ASSUMPTION (as the joint meeting's)",
    )
    notice_days: int = param(
        7,
        ge=0,
        le=365,
        unit="days",
        zh="公示征求意见期",
        help="Days a catalogue issue is posted for written opinions before it can be decided",
        source="ASSUMPTION: a week's notice",
    )
    comment_cost: float = param(
        0.2,
        ge=0,
        le=5,
        zh="书面意见成本系数",
        help="Time cost of a written opinion relative to a meeting",
        source="ASSUMPTION (as cloud consultation's comments)",
    )
    draft_notice_days: int = param(
        7,
        ge=0,
        le=365,
        unit="days",
        zh="公约草案公示期",
        help="Days before adoption that a draft convention is posted",
        source="ASSUMPTION",
    )
    publish_hours: float = param(
        0.5,
        ge=0,
        le=24,
        unit="h",
        zh="公示工时",
        help="Staff hours to post a notice or publish an outcome",
        source="ASSUMPTION",
    )
    followup_days: int = param(
        30,
        ge=1,
        le=365,
        unit="days",
        zh="回访间隔",
        help="Days from resolution to the follow-up visits",
        source="ASSUMPTION",
    )
    followup_households: int = param(
        10,
        ge=0,
        le=10_000,
        unit="households",
        zh="回访户数",
        help="Affected households visited back per resolved catalogue issue",
        source="ASSUMPTION",
    )
    followup_minutes: float = param(
        10.0,
        ge=0,
        le=240,
        unit="min/household",
        zh="回访时长",
        help="Staff minutes per follow-up visit",
        source="ASSUMPTION (as an explanation visit)",
    )


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def procedure_share(model: CommunityModel, m: InstitutionalConsultation | None) -> float:
    """Share of resolved issues consulted under the written procedure and published.

    Institutional consultation's record; 0 without it, NaN before any resolution.
    """
    return _ratio(m.n_procedure if m else 0.0, model.totals.resolved)


def published_share(model: CommunityModel, m: InstitutionalConsultation | None) -> float:
    """Share of issues resolved so far whose outcome was published (catalogue issues)."""
    return _ratio(m.n_published if m else 0.0, model.totals.resolved)


class InstitutionalConsultation(Mechanism):
    """Written rules of consultation: catalogue, invitations, procedure, publication."""

    name = "institutional_consultation"
    title = "Institutional consultation (written rules)"
    title_zh = "社区协商制度化(建邺)"
    summary = (
        "Written rules: catalogue issues are raised, consulted, implemented first, "
        "published and followed up"
    )
    summary_zh = "成文制度：目录内议题必须提出、协商，优先落实，公开结果并回访。"
    article = "Jianye (健全社区协商制度)"
    article_zh = "建邺区（健全社区协商制度）"
    explanation = (
        "Jianye (Nanjing) makes 'sound institutions and mechanisms for community consultation' "
        "(健全社区协商体制机制) its theme. Modelled as written rules: a catalogue of matters "
        "that must be consulted, any resident may raise them, affected residents must be "
        "invited, a matter is posted for opinions before it is decided, consulted outcomes are "
        "implemented first, published and followed up. It adds no meeting; it changes how the "
        "joint meeting and the issue committee work."
    )
    explanation_zh = (
        "建邺区以“健全社区协商体制机制”为实验主题。模型中表现为成文规则:列入协商目录的事项必须 "
        "协商,居民均可提出议题,利益相关居民须受邀参加,事项决定前先公示征求意见,协商结果优先落 "
        "实、公开并回访。它不增加会议,而是改变联席会和议事委员会的运作方式。"
    )
    Params = InstitutionalConsultationParams
    metrics = (
        metric(
            procedure_share,
            unit="share of resolved issues",
            label="Resolved under the written procedure",
            zh="按程序协商解决比例",
            owner="institutional_consultation",
        ),
        metric(
            published_share,
            unit="share of resolved issues",
            label="Outcomes published",
            zh="结果公开比例",
            owner="institutional_consultation",
        ),
    )

    def setup(self, model: CommunityModel) -> None:
        """Nothing consulted, published or followed up yet."""
        self.kinds = {ISSUE_TYPES.index(t) for t in self.params.catalogue}
        self.consulted: set[int] = set()  # ids of open catalogue issues consulted on
        self.held: dict[int, int] = {}  # id -> day posted, while held for written opinions
        self.posted: set[int] = set()  # ids of issues ever posted (each is posted once)
        self.n_procedure = 0  # resolved issues consulted under the procedure and published
        model.open_channel(self.name)  # follow-up visits (回访) hear complaints
        self.n_published = 0  # resolved issues whose outcome was published
        self.n_written = 0  # written consultations held
        self.followups: deque[tuple[int, np.ndarray]] = deque()  # (day due, affected)

    def _catalogue(self, model: CommunityModel) -> list[Issue]:
        return [i for i in model.issues.open if i.kind in self.kinds]

    def inform(self, model: CommunityModel) -> None:
        """Residents affected by unknown catalogue issues raise them more readily."""
        unknown = [i.members for i in self._catalogue(model) if not i.known]
        if unknown and self.params.raise_boost:
            mask = np.zeros(model.pop.n, dtype=bool)
            mask[np.concatenate(unknown)] = True
            model.levers.report_weight[mask] *= 1.0 + self.params.raise_boost

    def participate(self, model: CommunityModel) -> None:
        """Stakeholder invitations to a joint meeting; posted drafts; written consultation."""
        rng = model.stream(self.name)
        meeting = model.mechanism("joint_meeting")
        if meeting is not None and len(meeting.attendees):
            self._invite(model, meeting, rng)
        committee = model.mechanism("issue_committee")
        if committee is not None:
            self._post_draft(model, committee, rng)
        period = meeting.params.interval_days if meeting is not None else self.params.notice_days
        for issue in self._catalogue(model):
            if not issue.known:
                continue
            if issue.id not in self.posted and issue.proposal is None and issue.queued:
                self.posted.add(issue.id)
                self.held[issue.id] = model.day
                issue.hold(self.name)
            if (
                issue.id in self.held
                and issue.proposal is None
                and model.day - self.held[issue.id] >= period
            ):
                self._written(model, issue, rng)
                self._release(issue)

    def _release(self, issue: Issue) -> None:
        """End a hold: the issue returns to the committee's queue."""
        if self.held.pop(issue.id, None) is not None:
            issue.release()

    def _invite(self, model: CommunityModel, meeting: Mechanism, rng: np.random.Generator) -> None:
        p = self.params
        asked = np.zeros(model.pop.n)
        for issue in meeting.agenda:
            if issue.kind not in self.kinds or not p.invite_quota:
                continue
            fresh = np.setdiff1d(issue.members, meeting.attendees, assume_unique=True)
            hours = model.committee.spend(
                min(p.invite_quota, len(fresh)) * p.invite_minutes / 60.0, "procedure"
            )
            k = min(
                len(fresh),
                int(hours * 60.0 / p.invite_minutes + 1e-9) if p.invite_minutes else p.invite_quota,
            )
            asked[rng.choice(fresh, size=k, replace=False)] = 1.0
        came = model.draw_participants(rng, asked > 0, asked=asked, daytime=meeting.params.daytime)
        if len(came):
            meeting.admit(model, came)

    def _post_draft(
        self, model: CommunityModel, committee: Mechanism, rng: np.random.Generator
    ) -> None:
        p = self.params
        if (
            committee.formed_day < 0
            or committee.adopted_day >= 0
            or model.day - committee.formed_day
            != max(0, committee.params.draft_days - p.draft_notice_days)
        ):
            return
        if model.committee.spend(p.publish_hours, "procedure") < p.publish_hours:
            return
        pool = np.zeros(model.pop.n, dtype=bool)
        pool[committee.affected(model)] = True
        who = model.draw_participants(rng, pool, broadcast=1.0, cost_factor=p.comment_cost)
        model.took_part(who)
        model.give_voice(who, None, pre=True)
        committee.represent(who)

    def _written(self, model: CommunityModel, issue: Issue, rng: np.random.Generator) -> None:
        """Post an unconsulted catalogue issue for written opinions."""
        p = self.params
        model.committee.spend(p.publish_hours, "procedure")
        pool = np.zeros(model.pop.n, dtype=bool)
        pool[issue.members] = True
        who = model.draw_participants(rng, pool, broadcast=1.0, cost_factor=p.comment_cost)
        self.n_written += 1
        if not len(who):
            return
        model.took_part(who)
        model.give_voice(who, issue, pre=True)
        issue.propose(float(model.state.opinion[who, issue.kind].mean()), who, p.authority)

    def consult(self, model: CommunityModel) -> None:
        """Consulted catalogue issues are handled first, with their follow-through reserved."""
        for issue in self._catalogue(model):
            if issue.proposal is not None:
                self.consulted.add(issue.id)
                self._release(issue)
        queue = sorted(
            (i for i in self._catalogue(model) if i.id in self.consulted and i.known and i.queued),
            key=lambda i: (i.known_day, i.id),
        )
        handle(model, queue, model.stream(self.name), reserve=True)

    def on_resolved(self, model: CommunityModel, issue: Issue) -> None:
        """Publish a catalogue issue's outcome and schedule its follow-up."""
        if issue.kind not in self.kinds:
            return
        model.committee.spend(self.params.publish_hours, "procedure")
        model.reply(issue.members)
        self.n_published += 1
        if issue.id in self.consulted:
            self.consulted.discard(issue.id)
            self.n_procedure += 1
        self.followups.append((model.day + self.params.followup_days, issue.members))

    def decide(self, model: CommunityModel) -> None:
        """Follow-up visits due today: the visited households' evaluations are heard."""
        p = self.params
        rng = model.stream(self.name)
        while self.followups and self.followups[0][0] <= model.day:
            _, members = self.followups.popleft()
            households = np.unique(model.pop.household[members])
            want = min(p.followup_households, len(households))
            hours = model.committee.spend(want * p.followup_minutes / 60.0, "procedure")
            k = (
                min(want, int(hours * 60.0 / p.followup_minutes + 1e-9))
                if p.followup_minutes
                else want
            )
            visited = np.zeros(model.pop.n_households, dtype=bool)
            visited[rng.choice(households, size=k, replace=False)] = True
            heard = members[visited[model.pop.household[members]]]
            model.give_voice(heard, None, pre=False)
