"""A per-agent reference of the community model, written the way a plain Mesa user would.

Each resident is a ``mesa.discrete_space.CellAgent`` holding its own attributes, placed in a
cell of ``mesa.discrete_space.Network(G, layout=None)`` and reading its neighbours through
that cell's connections; every rule runs one resident at a time. It covers the core daily
dynamics and one consultation mechanism, the administrative routine plus the monthly joint
meeting (``mechanisms=["joint_meeting"]``):

1. arrivals: car growth, policies from above, issues (as ``CommunityModel._arrivals``);
2. inform: word of mouth on the face-to-face layer; residents report issues; social workers
   explain the current policy in person;
3. participate / consult: the joint meeting's invitations, each resident's participation
   decision, Hegselmann-Krause deliberation among attendees, voice;
4. decide: the committee handles issues; resolutions, referrals and their effects on the
   affected residents;
5. feedback: Deffuant chats, grievance, conflicts, ignored issues, expectation, satisfaction,
   trust and efficacy, decay of voice and harm;
6. collect: a few daily metrics.

It draws the same arrays from the same named streams as :class:`sim.model.CommunityModel` and
hands each agent its element, so the two give the same results (to rounding: the vectorised
model sums with pairwise summation and numpy's vector ``exp``; tests allow 1e-9).
Restrictions: ``chats_per_day <= 1/8`` (the vectorised chats then draw all encounters at once)
and no property firm rules beyond the scenario's data (the administrative routine ignores it).
It exists to check the vectorised model and to time it against a like-for-like per-agent
implementation (``cogov bench``); it is not part of the package.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import CellAgent, Network

from sim.mechanisms.joint_meeting import JointMeetingParams
from sim.model.community import NEVER, SHORTAGE_REF, named_stream, poisson_count
from sim.model.network import build_network
from sim.model.population import ELDERLY, build_population
from sim.params import ISSUE_TYPES
from sim.scenario import load_scenario

RECENT_DAYS = 30


def clip(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """``x`` limited to ``[lo, hi]``."""
    return min(max(x, lo), hi)


class Issue:
    """A problem touching some residents (the same fields as ``sim.model.issues.Issue``)."""

    def __init__(
        self,
        id_: int,
        kind: int,
        day: int,
        members: list[Resident],
        severity: float,
        complexity: float,
        effort: float,
    ):
        self.id, self.kind, self.day, self.members = id_, kind, day, members
        self.severity, self.complexity, self.effort_left = severity, complexity, effort
        self.known_day = self.referred_until = -1
        self.ignored = False
        self.support = self.quality_bonus = 0.0
        self.proposal: float | None = None
        self.voiced: list[list[Resident]] = []

    @property
    def known(self) -> bool:
        """Whether the committee knows of it."""
        return self.known_day >= 0


class Resident(CellAgent):
    """A resident: attributes of its own, rules stepping itself, neighbours via its cell."""

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, idx: int, opinion: list[float], theta: float):
        super().__init__(model)
        pop, b = model.pop, model.b
        self.idx = idx
        self.household = int(pop.household[idx])
        self.building = int(pop.building[idx])
        self.elderly = bool(pop.age[idx] == ELDERLY)
        self.employed = bool(pop.employed[idx])
        self.online = bool(pop.online[idx])
        self.core = bool(pop.core[idx])
        by_age = (b.resources_young, b.resources_middle, b.resources_elderly)
        self.resources = by_age[pop.age[idx]] + b.resources_core * self.core
        self.engagement = b.engagement_core if self.core else b.engagement_other
        self.time_cost = b.cost_employed if self.employed else b.cost_retired
        self.aware = True
        self.grievance = 0.0
        self.efficacy = b.efficacy0
        self.trust = b.trust0
        self.expectation = 1.0
        self.justice = self.process = self.harm = 0.0
        self.last_part = NEVER
        self.opinion = opinion
        self.theta = theta
        self.satisfaction = self.compute_satisfaction(self.performance())
        self.neighbours: list[Resident] = []
        self.load = 0.0

    # -- rules ---------------------------------------------------------------------------
    def performance(self) -> float:
        """One minus grievance and conflict harm."""
        return clip(1.0 - self.grievance - self.harm)

    def compute_satisfaction(self, perf: float) -> float:
        """Expectancy disconfirmation plus procedure and voice (behaviour.satisfaction)."""
        b = self.model.b
        return clip(
            b.sat_base
            + b.sat_performance * perf
            + b.sat_disconfirmation * (perf - self.expectation)
            + b.w_procedure * self.justice * (1.0 - perf)
            + self.process
        )

    def hears(self, u: float) -> bool:
        """Word of mouth: each aware tie tells with a small daily chance."""
        informed = sum(1 for nb in self.neighbours if nb.aware)
        return u < 1.0 - (1.0 - self.model.b.word_of_mouth) ** informed

    def took_part_recently(self) -> bool:
        """Took part in a consultation in the last 30 days."""
        return self.model.day - self.last_part < RECENT_DAYS

    def participation_probability(self, asked: float, daytime: bool, cost_factor: float) -> float:
        """Chance of taking part in an occasion (sim.model.behaviour.participation_probability)."""
        b, model = self.model.b, self.model
        n = len(self.neighbours)
        share = sum(1 for nb in self.neighbours if nb.took_part_recently()) / n if n else 0.0
        cost = self.time_cost * cost_factor * (2.0 if daytime and self.employed else 1.0)
        z = (
            b.b0
            + b.b_resources * self.resources
            + b.b_engagement * self.engagement
            + b.b_social * float(share >= self.theta)
            - b.b_cost * cost
            + b.b_efficacy * self.efficacy
            + b.b_stake * self.grievance
        )
        p = 1.0 / (1.0 + math.exp(-z)) + b.ask_personal * asked
        return clip(p + b.visibility * model.visible)

    def chat(self, other: Resident, kind: int) -> None:
        """Deffuant encounter: both move toward each other if close enough."""
        b = self.model.b
        diff = other.opinion[kind] - self.opinion[kind]
        if abs(diff) < b.chat_eps:
            step = b.chat_mu * diff
            self.opinion[kind] += step
            other.opinion[kind] -= step

    def update_feelings(self) -> None:
        """Daily feedback on one's own state (synchronous: it reads only one's own state)."""
        b, model = self.model.b, self.model
        self.grievance = clip(
            self.grievance * (1.0 - b.grievance_decay) + b.grievance_rise * self.load
        )
        perf = self.performance()
        self.expectation += model.expectation_rate * (perf - self.expectation)
        self.satisfaction = self.compute_satisfaction(perf)
        self.process *= model.voice_decay
        self.justice *= model.voice_decay
        self.harm *= 1.0 - b.conflict_decay


class ReferenceModel(mesa.Model):
    """Administrative routine plus the joint meeting, one resident at a time."""

    def __init__(
        self,
        scenario: str = "xianlu_xincun",
        *,
        rng: int = 0,
        overrides: dict[str, Any] | None = None,
    ):
        self.seed_seq = np.random.SeedSequence(rng)
        self._streams: dict[str, np.random.Generator] = {}
        super().__init__(rng=self.stream("mesa"))
        self.spec = s = load_scenario(scenario, overrides)
        self.b = s.behaviour
        self.jm = JointMeetingParams(**s.mechanisms.get("joint_meeting", {}))
        self.day = 0
        self.pop = pop = build_population(s.population, self.stream("population"))
        net = build_network(pop, s.network, self.stream("network"))
        init = self.stream("initial")
        opinion = init.random((pop.n, len(ISSUE_TYPES)))
        u = init.random(pop.n)
        self.space = Network(nx.from_scipy_sparse_array(net.face), layout=None, random=self.random)
        self.residents = [
            Resident(self, i, opinion[i].tolist(), self.threshold(float(u[i])))
            for i in range(pop.n)
        ]
        for r in self.residents:
            r.cell = self.space[r.idx]
        for r in self.residents:
            r.neighbours = [a for cell in r.cell.connections.values() for a in cell.agents]
        self.edges = sorted(
            (a.idx, b.idx) for a in self.residents for b in a.neighbours if a.idx < b.idx
        )
        self.households: list[list[Resident]] = [[] for _ in range(pop.n_households)]
        for r in self.residents:
            self.households[r.household].append(r)
        cars = self.stream("cars")
        self.car = (cars.random(pop.n_households) < s.population.car_share_households).tolist()
        self.spaces = round(s.parking.spaces_per_household * pop.n_households)
        self.expectation_rate = 1.0 - (1.0 - self.b.expectation_rate) ** (1.0 / 30.0)
        self.voice_decay = 0.5 ** (1.0 / self.b.voice_halflife)
        self.visible = 0.0
        self.open: list[Issue] = []
        self.next_id = 0
        self.totals = {"resolved": 0, "escalations": 0, "conflicts": 0, "meetings": 0}
        self.rows: list[dict[str, float]] = []
        self.attendees: list[Resident] = []
        self.agenda: list[Issue] = []

    def threshold(self, u: float) -> float:
        """A resident's threshold: N(theta_mean, theta_sd) truncated to [0, 1], from one uniform.

        The inverse CDF written out (the model calls scipy's ``truncnorm``).
        """
        mean, sd = self.b.theta_mean, self.b.theta_sd
        if sd == 0:
            return clip(mean)
        z = NormalDist()
        lo, hi = z.cdf((0.0 - mean) / sd), z.cdf((1.0 - mean) / sd)
        return clip(mean + sd * z.inv_cdf(lo + u * (hi - lo)))

    def stream(self, name: str) -> np.random.Generator:
        """The named random stream, seeded as in ``CommunityModel.stream``."""
        if name not in self._streams:
            self._streams[name] = named_stream(self.seed_seq, name)
        return self._streams[name]

    # -- the committee's hours -----------------------------------------------------------
    def spend(self, hours: float) -> float:
        """Spend up to ``hours`` of today's free hours; return what was granted."""
        granted = min(max(hours, 0.0), self.free)
        self.free -= granted
        return granted

    # -- the day -------------------------------------------------------------------------
    def step(self) -> None:
        """One day, in the vectorised model's phase order."""
        c = self.spec.committee
        self.free = c.staff * c.hours_per_day * (1.0 - c.admin_share)
        self.today = {"conflicts": 0.0}
        self.arrivals()
        self.word_of_mouth()
        self.detect_issues()
        self.explain_in_person()
        self.meeting_participate()
        self.meeting_consult()
        self.administrative_decide()
        self.feedback()
        self.collect()
        self.day += 1

    def parking_shortage(self) -> float:
        """Share of car-owning households without a space."""
        cars = sum(self.car)
        return max(0.0, 1.0 - self.spaces / cars) if cars else 0.0

    def arrivals(self) -> None:
        """Cars, policies and issues arrive."""
        s = self.spec
        grow = self.stream("cars").random(len(self.car))
        n_cars = sum(self.car)
        p_new = s.parking.car_growth_per_year / 365.0 * n_cars / max(1, len(self.car) - n_cars)
        self.car = [has or g < p_new for has, g in zip(self.car, grow, strict=True)]
        if (
            poisson_count(self.stream("policies").random(), s.committee.policies_per_month / 30.0)
            >= 1
        ):
            for r in self.residents:
                r.aware = False
        arr = self.stream("issues")
        u = arr.random(len(ISSUE_TYPES))
        for k, name in enumerate(ISSUE_TYPES):
            t = getattr(s.issues, name)
            rate = getattr(t.rate, s.community_type) / 365.0
            if name == "parking":
                rate *= self.parking_shortage() / SHORTAGE_REF
            for _ in range(poisson_count(u[k], rate)):
                self.open_issue(k, t, arr)

    def open_issue(self, k: int, t: Any, arr: np.random.Generator) -> None:
        """A new issue in some buildings, touching the eligible residents there."""
        n_buildings = self.pop.n_buildings
        ranks = arr.random(n_buildings)
        severity = t.severity * (0.5 + arr.random())
        chosen = set(range(n_buildings))
        if 0 < t.buildings < n_buildings:
            chosen = set(np.argsort(ranks)[: t.buildings].tolist())
        members = [
            r
            for r in self.residents
            if r.building in chosen
            and (
                t.affects == "all"
                or (t.affects == "elderly" and r.elderly)
                or (t.affects == "car_owners" and self.car[r.household])
            )
        ]
        if members:
            self.open.append(
                Issue(
                    self.next_id,
                    k,
                    self.day,
                    members,
                    min(severity, 1.0),
                    t.complexity,
                    t.effort_hours,
                )
            )
            self.next_id += 1

    def word_of_mouth(self) -> None:
        """Unaware residents hear from aware ties (decided first, then applied)."""
        u = self.stream("word_of_mouth").random(len(self.residents)).tolist()
        told = [r for r in self.residents if not r.aware and r.hears(u[r.idx])]
        for r in told:
            r.aware = True

    def detect_issues(self) -> None:
        """Each unknown issue is detected when anybody affected reports it."""
        prob = self.spec.committee.report_prob
        unknown = [i for i in self.open if not i.known]
        u = self.stream("detect").random(len(unknown))
        for issue, ui in zip(unknown, u, strict=True):
            log_none = 0.0
            for r in issue.members:
                log_none += math.log1p(-clip(prob * r.grievance * 1.0, 0.0, 0.999))
            if ui < 1.0 - math.exp(log_none):
                issue.known_day = self.day

    def household_aware(self) -> list[bool]:
        """Households with a member who knows the current policy."""
        return [any(r.aware for r in members) for members in self.households]

    def explain_in_person(self) -> None:
        """Social workers visit uninformed households up to the coverage target."""
        c = self.spec.committee
        known = self.household_aware()
        short = int(np.ceil(c.explain_coverage * len(known))) - sum(known)
        if short <= 0 or c.explain_minutes == 0:
            return
        visits = int(self.spend(short * c.explain_minutes / 60.0) * 60.0 / c.explain_minutes)
        targets = [h for h, k in enumerate(known) if not k]
        for pos in self.stream("explain").permutation(len(targets))[:visits]:
            for r in self.households[targets[pos]]:
                r.aware = True

    def meeting_participate(self) -> None:
        """On a meeting day: agenda, invitations, and who attends."""
        p = self.jm
        self.attendees = []
        cost = p.meeting_hours * p.staff_at_meeting
        if self.day % p.interval_days != p.interval_days - 1 or self.free < cost:
            return
        self.spend(cost)
        form = getattr(p.formats, p.format)
        personal, reach, cost_factor = form.personal, form.reach, form.cost_factor
        rng = self.stream("joint_meeting")
        self.agenda = sorted(
            (i for i in self.open if i.known and i.proposal is None),
            key=lambda i: (i.known_day, i.id),
        )[: p.agenda_size]
        n = len(self.residents)
        asked = [1.0 if r.core else 0.0 for r in self.residents]
        if personal and self.agenda and p.invitations:
            affected = np.unique([r.idx for i in self.agenda for r in i.members])
            hours = self.spend(p.invitations * p.invite_minutes / 60.0)
            k = min(
                len(affected),
                int(hours * 60.0 / p.invite_minutes) if p.invite_minutes else p.invitations,
            )
            for idx in rng.choice(affected, size=k, replace=False):
                asked[idx] = 1.0
        reached = rng.random(n).tolist()
        u = rng.random(n).tolist()
        self.attendees = [
            r
            for r in self.residents
            if (asked[r.idx] > 0 or reached[r.idx] < reach)
            and u[r.idx] < r.participation_probability(asked[r.idx], p.daytime, cost_factor)
        ]
        self.totals["meetings"] += 1
        self.today["meeting_attendance"] = float(len(self.attendees))

    def meeting_consult(self) -> None:
        """Attendees deliberate on each agenda issue and get voice."""
        if not self.attendees:
            return
        p = self.jm
        for r in self.attendees:
            r.last_part = self.day
        expert = getattr(p.formats, p.format).expert_quality
        for issue in self.agenda:
            issue.proposal = self.deliberate(issue.kind, p.facilitation_eps, p.facilitator_pull)
            issue.quality_bonus = max(issue.quality_bonus, p.quality_bonus + expert)
            stakeholders = getattr(self.spec.issues, ISSUE_TYPES[issue.kind]).stakeholders
            if self.spec.units and "units" in stakeholders:
                issue.support = max(issue.support, p.unit_support)
            members = set(issue.members)
            voiced = [r for r in self.attendees if r in members]
            for r in voiced:
                r.process += self.b.voice_pre
                r.justice = min(r.justice + self.b.justice_step, 1.0)
            if voiced:
                issue.voiced.append(voiced)

    def deliberate(self, kind: int, eps: float, pull: float, steps: int = 5) -> float:
        """Hegselmann-Krause among attendees (synchronous rounds), then the chair's pull."""
        x = [r.opinion[kind] for r in self.attendees]
        for _ in range(steps):
            new = []
            for xi in x:
                near = [xj for xj in x if xi - eps <= xj <= xi + eps]
                new.append(sum(near) / len(near))
            if new == x:
                break
            x = new
        position = self.spec.committee.position
        x = [xi + pull * (position - xi) for xi in x]
        for r, xi in zip(self.attendees, x, strict=True):
            r.opinion[kind] = xi
        return sum(x) / len(x)

    def administrative_decide(self) -> None:
        """Returning referrals, then known issues in order within the free hours."""
        c, rng = self.spec.committee, self.stream("administrative")
        for issue in [i for i in self.open if i.referred_until == self.day]:
            issue.referred_until = -1
            if rng.random() < c.p_dept_response:
                self.settle(issue)
            else:
                self.referral_failed(issue)
        queue = sorted(
            (i for i in self.open if i.known and i.referred_until < 0),
            key=lambda i: (i.known_day, i.id),
        )
        for issue in queue:
            if self.free <= 0:
                break
            issue.effort_left -= self.spend(issue.effort_left)
            if issue.effort_left > 1e-9:
                break
            if issue.complexity <= c.capacity + issue.support:
                self.settle(issue)
            else:
                self.totals["escalations"] += 1
                issue.referred_until = self.day + c.referral_days

    def settle(self, issue: Issue) -> None:
        """Resolve on the residents' proposal if any, else top-down."""
        quality = min(1.0, self.spec.committee.base_quality + issue.quality_bonus)
        if issue.proposal is None:
            self.resolve(issue, quality, self.spec.committee.position, False)
        else:
            self.resolve(issue, quality, issue.proposal, True)

    def resolve(self, issue: Issue, quality: float, decision: float, co_governed: bool) -> None:
        """Outcomes for each affected resident; voice pays off in efficacy."""
        b = self.b
        for r in issue.members:
            fav = quality * (1.0 - abs(r.opinion[issue.kind] - decision))
            r.grievance *= 1.0 - fav
            r.process += b.action_effect
            r.trust = clip(r.trust + b.trust_gain * fav * (2 if co_governed else 1))
        for voiced in issue.voiced:
            for r in voiced:
                r.efficacy = min(r.efficacy + b.efficacy_step, 1.0)
        self.open.remove(issue)
        self.totals["resolved"] += 1

    def referral_failed(self, issue: Issue) -> None:
        """A referral-only answer: back to the committee, trust and satisfaction fall."""
        b = self.b
        issue.effort_left = (
            self.spec.committee.retry_effort
            * getattr(self.spec.issues, ISSUE_TYPES[issue.kind]).effort_hours
        )
        for r in issue.members:
            r.process -= b.referral_effect
            r.trust = max(r.trust - b.trust_gain * b.trust_neg_ratio, 0.0)

    def feedback(self) -> None:
        """Chats, issue load, conflicts, ignored issues, then everyone's feelings."""
        b = self.b
        n_chats = int(b.chats_per_day * len(self.residents))
        if n_chats:
            assert n_chats <= max(1, len(self.residents) // 8), "chats_per_day above 1/8"
            rng = self.stream("chat")
            kind = int(rng.integers(len(ISSUE_TYPES)))
            if self.edges:
                for e in rng.integers(0, len(self.edges), size=n_chats).tolist():
                    u, v = self.edges[e]
                    self.residents[u].chat(self.residents[v], kind)
        for r in self.residents:
            r.load = 0.0
        for issue in self.open:
            for r in issue.members:
                r.load += issue.severity
        self.conflicts()
        self.ignored()
        self.agents.do("update_feelings")

    def conflicts(self) -> None:
        """Conflicts from aggrieved residents of conflict-prone issues harm buildings."""
        if not self.open:
            return
        rng = self.stream("conflicts")
        harm = [0.0] * self.pop.n_buildings
        for issue in self.open:
            t = getattr(self.spec.issues, ISSUE_TYPES[issue.kind])
            if t.conflict_rate == 0:
                continue
            aggrieved = 0.0
            for r in issue.members:
                aggrieved += r.grievance
            lam = t.conflict_rate * aggrieved * (1.0 - 0.0)
            n = int(rng.poisson(lam)) if lam > 0 else 0
            if n:
                idx = np.array([r.idx for r in issue.members])
                for i in rng.choice(idx, size=n):
                    harm[self.residents[i].building] += 1.0
                self.today["conflicts"] += n
        if self.today["conflicts"]:
            for r in self.residents:
                r.harm = clip(r.harm + self.b.conflict_harm * harm[r.building])
            self.totals["conflicts"] += int(self.today["conflicts"])

    def ignored(self) -> None:
        """Issues open past residents' patience count once as ignored."""
        b = self.b
        for issue in self.open:
            if not issue.ignored and self.day - issue.day >= b.patience_days:
                issue.ignored = True
                for r in issue.members:
                    r.trust = max(r.trust - b.trust_gain * b.trust_neg_ratio, 0.0)
                for voiced in issue.voiced:
                    for r in voiced:
                        r.efficacy = max(r.efficacy - b.efficacy_step, 0.0)
                        r.process -= b.voice_pre

    def collect(self) -> None:
        """The day's metrics (the vectorised model's names)."""
        rs, n = self.residents, len(self.residents)
        known = self.household_aware()
        self.rows.append(
            {
                "day": self.day,
                "participation_rate": sum(r.took_part_recently() for r in rs) / n,
                "satisfaction_mean": sum(r.satisfaction for r in rs) / n,
                "trust_mean": sum(r.trust for r in rs) / n,
                "efficacy_mean": sum(r.efficacy for r in rs) / n,
                "policy_awareness": sum(known) / len(known),
                "issues_open": len(self.open),
                "issues_resolved_total": self.totals["resolved"],
                "escalations_total": self.totals["escalations"],
                "conflicts": self.today["conflicts"],
                "meeting_attendance": self.today.get("meeting_attendance", 0.0),
                "meetings_held_total": self.totals["meetings"],
            }
        )

    def run(self, days: int) -> list[dict[str, float]]:
        """Simulate ``days`` days; return the daily rows."""
        for _ in range(days):
            self.step()
        return self.rows
