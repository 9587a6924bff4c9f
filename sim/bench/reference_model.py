"""A per-agent reference of the community model, written the way a plain Mesa user would.

Each resident is a ``mesa.discrete_space.CellAgent`` holding its own attributes, placed in a
cell of ``mesa.discrete_space.Network(G, layout=None)`` and reading its neighbours through
that cell's connections; every rule runs one resident at a time, and collective quantities
(a decision's inputs over the heard, a conflict rate over the affected) are Python loops and
sums over agents. It covers the core's daily dynamics with the administrative routine plus the
monthly joint meeting (``mechanisms=["joint_meeting"]``), in the vectorised model's order:

0. spin-up: ``behaviour.spinup_days`` of the administrative baseline on the ``spinup`` child
   streams with car growth off, then the clock restarts at day 0 (``sim.model.spinup``);
1. arrivals: car growth, policies from above, issues (parking's rate scaled by the shortage);
2. inform: word of mouth on the face-to-face layer; residents report issues; social workers
   explain the current policy in person;
3. participate / consult: the joint meeting's invitations, each resident's participation
   decision (resources, age gradient, smooth neighbour threshold θ on the share of one's
   ties who took part in the last year, Olson's group-size benefit), Hegselmann-Krause deliberation
   among attendees, their proposal with the meeting's authority, pre-decision voice;
4. decide: returning referrals, then the graded handling (``sim.mechanisms.administrative``):
   preparation hours, the actors' engagement and pledges, the referral draw, quality,
   position, acceptance, implementation (follow-through hours, delivered pledges, compliance),
   and the outcome on each affected resident (grievance, action bonus, per-issue
   disconfirmation, expected outcome, records, trust event, efficacy of the voiced);
5. feedback: Deffuant chats, issue load, the nightly parking (random order, tacit rule drawn
   monthly, conflicts of defectors), conflicts of the other open issues, ignored issues,
   grievance, harm, expectation, the year's records, procedural justice toward the climate,
   decay of voice and disconfirmation, satisfaction;
6. collect: a few daily metrics.

It draws the same arrays from the same named streams as :class:`sim.model.CommunityModel` and
hands each agent its element, so the two give the same results to rounding (the vectorised
model sums with pairwise summation and BLAS dot products and uses numpy's vector ``exp``;
tests allow 1e-9).

Restrictions (what this configuration never exercises, so the reference leaves it out):
``chats_per_day <= 1/8`` (the vectorised chats then draw all encounters at once); no
complaint channel is open (the joint meeting opens none), so decisions bring no complaints,
reopenings or ignored complaints; no convention binds anyone (compliance is NaN: parking
follows the tacit rule, the other types' conflicts see no compliance); no unit's after-hours
spaces are ever open (only an issue committee opens them), so parking's supply is the estate's
own spaces and the units' monthly review only draws its uniforms; no other channel raises the
report weight, no duty makes a neighbour visible; the joint meeting's ``admit`` (stakeholders
invited by institutional rules) is unused. It exists to check the vectorised model and to time
it against a like-for-like per-agent implementation (``cogov bench``); it is not part of the
package.
"""

from __future__ import annotations

import math
import zlib
from statistics import NormalDist
from typing import Any

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import CellAgent, Network
from scipy.stats import poisson

from sim.mechanisms.joint_meeting import JointMeetingParams
from sim.model.community import NEVER, SHORTAGE_REF, named_stream, poisson_count
from sim.model.decision import SD_UNIFORM
from sim.model.network import build_network
from sim.model.population import ELDERLY, build_population
from sim.params import ISSUE_TYPES
from sim.scenario import load_scenario

RECENT_DAYS = 30  # participation_rate's window
YEAR_DAYS = 365  # the neighbour threshold's and the records' window
N_INFO = 8.0  # informants of the voice gain (sim.model.behaviour.N_INFO)
SOCIAL_SMOOTH = 0.05  # logistic scale of the neighbour threshold, in shares of ties
EXPECT_WEIGHT = 1.0 / 3.0  # weight of a new outcome in the expected outcome
MONTH = 30  # days between the tacit-rule draws and the units' reviews
PARKING = "parking"


def clip(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """``x`` limited to ``[lo, hi]``."""
    return min(max(x, lo), hi)


def logistic(z: float) -> float:
    """The inverse logit."""
    return 1.0 / (1.0 + math.exp(-z))


def saturating(n: float, scale: float) -> float:
    """``1 - exp(-n / scale)``."""
    return 1.0 - math.exp(-n / scale)


class Issue:
    """A problem touching some residents (the fields of ``sim.model.issues.Issue`` it needs)."""

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
        self.member_set = set(members)
        self.severity, self.complexity = severity, complexity
        self.effort = self.effort_left = effort
        self.known_day = self.referred_until = -1
        self.ignored = self.asked = False
        self.support = self.quality_bonus = self.hours = self.rung = 0.0
        self.proposal: float | None = None
        self.participants: list[Resident] | None = None
        self.pledges: dict[str, tuple[float, float]] = {}
        self.voiced: list[list[Resident]] = []

    @property
    def type_name(self) -> str:
        """The issue type's name."""
        return ISSUE_TYPES[self.kind]

    @property
    def known(self) -> bool:
        """Whether the committee knows of it."""
        return self.known_day >= 0

    @property
    def resources(self) -> float:
        """Resources pledged so far: the table's and the actors'."""
        return self.support + sum(amount for amount, _ in self.pledges.values())


class Resident(CellAgent):
    """A resident: attributes of its own, rules stepping itself, neighbours via its cell."""

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, idx: int, opinion: list[float], u_theta: float):
        super().__init__(model)
        pop, b = model.pop, model.b
        self.idx = idx
        self.household = int(pop.household[idx])
        self.building = int(pop.building[idx])
        age = int(pop.age[idx])
        self.elderly = age == ELDERLY
        self.employed = bool(pop.employed[idx])
        self.core = bool(pop.core[idx])
        self.adult = bool(pop.adult[idx])
        by_age = (b.resources_young, b.resources_middle, b.resources_elderly)
        self.resources = by_age[age] + b.resources_core * self.core
        self.age_term = (0.0, b.b_age_middle, b.b_age_elderly)[age]
        self.engagement = b.engagement_core if self.core else b.engagement_other
        self.time_cost = b.cost_employed if self.employed else b.cost_retired
        # θ ~ N(theta_mean, theta_sd) truncated to [0, 1], by inverse CDF (behaviour.theta_draw)
        if b.theta_sd == 0:
            self.theta = b.theta_mean
        else:
            normal = NormalDist(b.theta_mean, b.theta_sd)
            lo, hi = normal.cdf(0.0), normal.cdf(1.0)
            self.theta = clip(normal.inv_cdf(lo + u_theta * (hi - lo)))
        self.aware = True
        self.grievance = self.process = self.harm = self.disc_issue = 0.0
        self.efficacy = b.efficacy0
        self.trust = b.trust0
        self.expectation = 1.0
        self.justice = b.climate_base
        self.fav_expect = 0.5
        self.issues_touched = self.issues_heard = self.voices = 0.0
        self.last_part = NEVER
        self.opinion = opinion
        self.satisfaction = self.compute_satisfaction(self.performance())
        self.neighbours: list[Resident] = []
        self.load = 0.0

    # -- rules ---------------------------------------------------------------------------
    def performance(self) -> float:
        """One minus grievance and conflict harm."""
        return clip(1.0 - self.grievance - self.harm)

    def compute_satisfaction(self, perf: float) -> float:
        """``s0 + a·P + [b·(P − E) + D] + w·PJ·(1 − P) + V``, clipped (satisfaction_terms)."""
        b = self.model.b
        return clip(
            b.sat_base
            + b.sat_performance * perf
            + (b.sat_disconfirmation * (perf - self.expectation) + self.disc_issue)
            + b.w_procedure * self.justice * (1.0 - perf)
            + self.process
        )

    def hears(self, u: float) -> bool:
        """Word of mouth: each aware tie tells with a small daily chance."""
        informed = sum(1 for nb in self.neighbours if nb.aware)
        return u < 1.0 - (1.0 - self.model.b.word_of_mouth) ** informed

    def took_part_within(self, days: int) -> bool:
        """Took part in a consultation in the last ``days`` days."""
        return self.model.day - self.last_part < days

    def group_benefit(self) -> float:
        """Largest Olson benefit ``stake·e^(−voices/8)·(N_ref/N)^γ`` over known issues of one's."""
        b, model = self.model.b, self.model
        best = 0.0
        for issue in model.open:
            if not issue.known or self not in issue.member_set:
                continue
            stake = self.grievance
            if issue.type_name == PARKING:
                stake = stake * (2.0 if model.car[self.household] else 1.0)
            n_voiced = len({r for voiced in issue.voiced for r in voiced})
            gain = math.exp(-n_voiced / N_INFO)
            best = max(
                best, stake * gain * (b.group_ref / max(len(issue.members), 1)) ** b.group_gamma
            )
        return best

    def participation_probability(self, asked: float, daytime: bool, cost_factor: float) -> float:
        """Chance of taking part in an occasion (sim.model.behaviour.participation_probability)."""
        b = self.model.b
        ties = sum(1 for nb in self.neighbours if nb.took_part_within(YEAR_DAYS))
        if self.neighbours:
            social = logistic((ties / len(self.neighbours) - self.theta) / SOCIAL_SMOOTH)
        else:
            social = 0.0
        cost = self.time_cost * cost_factor * (2.0 if daytime and self.employed else 1.0)
        z = (
            b.b0
            + b.b_resources * self.resources
            + b.b_engagement * self.engagement
            + self.age_term
            + b.b_social * social
            - b.b_cost * cost
            + b.b_efficacy * self.efficacy
            + b.b_stake * self.group_benefit()
        )
        p = logistic(z) + b.ask_personal * asked
        return clip(p) if self.adult else 0.0

    def give_voice(self) -> None:
        """Pre-decision voice on an issue: bonus, a voice on record, justice, a promise."""
        b = self.model.b
        self.process += b.voice_pre
        self.voices += 1.0
        self.justice += b.justice_step * (1.0 - self.justice)
        self.expectation += b.promise_effect * (1.0 - self.expectation)

    def trust_event(self, dj: float, pj: float | None = None, cogov: bool = False) -> None:
        """Trust steps toward ``T* = 0.4·DJ + 0.6·PJ``, asymmetrically (behaviour.trust_step).

        ``pj``: the event's own procedural justice (a decision's), else one's justice stock.
        """
        b = self.model.b
        pj = self.justice if pj is None else pj
        target = b.trust_dj_weight * dj + (1.0 - b.trust_dj_weight) * pj
        up = b.trust_gain * (b.trust_cogov if cogov else 1.0)
        rate = up if target >= self.trust else b.trust_gain * b.trust_neg_ratio
        self.trust = clip(self.trust + rate * (target - self.trust))

    def outcome(self, fav: float, acceptance: float, authority: float) -> None:
        """A decision's effects on this affected resident (CommunityModel.outcome)."""
        b = self.model.b
        self.grievance *= 1.0 - fav
        self.process += b.action_effect * fav
        pj_issue = clip(0.5 * authority + 0.5 * self.justice + acceptance - fav)
        o = b.outcome_dj_weight * fav + (1.0 - b.outcome_dj_weight) * pj_issue
        self.disc_issue += b.sat_issue * (o - self.fav_expect)
        self.fav_expect += EXPECT_WEIGHT * (o - self.fav_expect)
        self.issues_touched += 1.0
        self.issues_heard += authority
        self.trust_event(fav, pj_issue, cogov=authority >= 0.5)

    def chat(self, other: Resident, kind: int) -> None:
        """Deffuant encounter: both move toward each other if close enough."""
        b = self.model.b
        diff = other.opinion[kind] - self.opinion[kind]
        if abs(diff) < b.chat_eps:
            step = b.chat_mu * diff
            self.opinion[kind] += step
            other.opinion[kind] -= step

    def update_feelings(self) -> None:
        """Daily stocks from one's own state (CommunityModel._feedback, after conflicts)."""
        b, model = self.model.b, self.model
        self.grievance = clip(
            self.grievance * (1.0 - b.grievance_decay) + b.grievance_rise * self.load
        )
        self.harm *= 1.0 - b.conflict_decay
        perf = self.performance()
        self.expectation += model.expectation_rate * (perf - self.expectation)
        self.issues_touched *= model.year_decay
        self.issues_heard *= model.year_decay
        self.voices *= model.year_decay
        heard = min(self.issues_heard / max(self.issues_touched, 1e-9), 1.0)
        climate = (
            b.climate_base
            + b.climate_issues * heard
            + b.climate_own * (1.0 - math.exp(-self.voices))
        )
        self.justice += (climate - self.justice) / b.justice_days
        self.process *= model.voice_decay
        self.disc_issue *= model.voice_decay
        self.satisfaction = self.compute_satisfaction(perf)


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
        self.p = s.decision
        self.jm = JointMeetingParams(**s.mechanisms.get("joint_meeting", {}))
        self.day = 0
        self.pop = pop = build_population(s.population, self.stream("population"))
        net = build_network(
            pop,
            s.network,
            self.stream("network"),
            units=[u.kind for u in s.units],
            property_firm=s.property_firm is not None,
        )
        init = self.stream("initial")
        opinion = init.random((pop.n, len(ISSUE_TYPES)))
        u = init.random(pop.n)
        self.space = Network(nx.from_scipy_sparse_array(net.face), layout=None, random=self.random)
        self.residents = [Resident(self, i, opinion[i].tolist(), float(u[i])) for i in range(pop.n)]
        for r in self.residents:
            r.cell = self.space[r.idx]
        for r in self.residents:
            r.neighbours = [a for cell in r.cell.connections.values() for a in cell.agents]
            r.building_head = bool(net.affiliation["building_head"][r.idx])
        self.edges = sorted(
            (a.idx, b.idx) for a in self.residents for b in a.neighbours if a.idx < b.idx
        )
        self.households: list[list[Resident]] = [[] for _ in range(pop.n_households)]
        for r in self.residents:
            self.households[r.household].append(r)
        cars = self.stream("cars")
        self.car = (cars.random(pop.n_households) < s.population.car_share_households).tolist()
        self.spaces = round(s.parking.spaces_per_household * pop.n_households)
        self.tacit = [False] * pop.n_households  # keeps the tacit parking rule this month
        self.expectation_rate = 1.0 - (1.0 - self.b.expectation_rate) ** (1.0 / 30.0)
        self.voice_decay = 0.5 ** (1.0 / self.b.voice_halflife)
        self.year_decay = math.exp(-1.0 / YEAR_DAYS)
        self.car_growth = s.parking.car_growth_per_year
        self.meetings_on = True
        self.open: list[Issue] = []
        self.next_id = 0
        self.attendees: list[Resident] = []
        self.agenda: list[Issue] = []
        self.attendance_day = -1
        self.spin_up(self.b.spinup_days)
        self.totals = {"resolved": 0, "escalations": 0, "conflicts": 0, "meetings": 0}
        self.rows: list[dict[str, float]] = []

    def stream(self, name: str) -> np.random.Generator:
        """The named random stream, seeded as in ``CommunityModel.stream``."""
        if name not in self._streams:
            self._streams[name] = named_stream(self.seed_seq, name)
        return self._streams[name]

    def spin_up(self, days: int) -> None:
        """The administrative baseline for ``days`` days on the ``spinup`` child streams.

        Car growth is off and no meeting is held; then every recorded day shifts by ``days``
        and the clock restarts at 0 (``sim.model.spinup``).
        """
        if days <= 0:
            return
        root, streams = self.seed_seq, self._streams
        self.seed_seq = np.random.SeedSequence(
            root.entropy, spawn_key=(*root.spawn_key, zlib.crc32(b"spinup"))
        )
        self._streams = {}
        self.car_growth, self.meetings_on = 0.0, False
        self.totals = {"resolved": 0, "escalations": 0, "conflicts": 0, "meetings": 0}
        self.rows = []
        for _ in range(days):
            self.step()
        self.seed_seq, self._streams = root, streams
        self.car_growth, self.meetings_on = self.spec.parking.car_growth_per_year, True
        self.day = 0
        for r in self.residents:
            r.last_part -= days
        for issue in self.open:
            issue.day -= days
            if issue.known_day >= 0:
                issue.known_day -= days
            if issue.referred_until >= 0:
                issue.referred_until -= days

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
        self.free = c.staff_at(len(self.residents)) * c.hours_per_day * (1.0 - c.admin_share)
        self.today = {"conflicts": 0.0}
        self.arrivals()
        share = self.book_meeting() if self.meetings_on else None
        self.word_of_mouth()
        self.detect_issues()
        self.explain_in_person()
        if self.meetings_on:
            self.meeting_participate(share)
            self.meeting_consult()
        self.administrative_decide()
        self.feedback()
        self.collect()
        self.day += 1

    def parking_supply(self) -> int:
        """Legal spaces tonight: the estate's own (no unit's spaces are open here)."""
        return self.spaces

    def parking_shortage(self) -> float:
        """Share of car-owning households without a space."""
        cars = sum(self.car)
        return max(0.0, 1.0 - self.parking_supply() / cars) if cars else 0.0

    def arrivals(self) -> None:
        """Cars, policies and issues arrive."""
        s = self.spec
        grow = self.stream("cars").random(len(self.car))
        n_cars = sum(self.car)
        p_new = self.car_growth / 365.0 * n_cars / max(1, len(self.car) - n_cars)
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
            if name == PARKING:
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
                log_none += math.log1p(-clip(prob * r.grievance, 0.0, 0.999))
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

    # -- the joint meeting ---------------------------------------------------------------
    def book_meeting(self) -> float | None:
        """On a meeting day the meeting's hours, then its mobilisation's, are booked first.

        Returns the share of the mobilisation hours granted (None: no meeting today).
        """
        p = self.jm
        cost = p.meeting_hours * p.staff_at_meeting
        if self.day % p.interval_days != p.interval_days - 1 or self.free < cost:
            return None
        self.spend(cost)
        need = p.notice_hours
        if getattr(p.formats, p.format).personal:
            heads = sum(r.building_head for r in self.residents)
            need += (p.invitations * p.invite_minutes + heads * p.brief_minutes) / 60.0
        return self.spend(need) / need if need > 0 else 1.0

    def meeting_participate(self, share: float | None) -> None:
        """On a booked meeting day: agenda, invitations, and who attends."""
        p = self.jm
        self.attendees = []
        if share is None:
            return
        form = getattr(p.formats, p.format)
        rng = self.stream("joint_meeting")
        self.agenda = sorted(
            (i for i in self.open if i.known and i.proposal is None),
            key=lambda i: (i.known_day, i.id),
        )[: p.agenda_size]
        n = len(self.residents)
        asked = [1.0 if r.core else 0.0 for r in self.residents]
        if form.personal and self.agenda:
            affected = sorted({r.idx for i in self.agenda for r in i.members})
            k = min(len(affected), int(share * p.invitations))
            for idx in rng.choice(affected, size=k, replace=False):
                asked[idx] = 1.0
            heads = [r for r in self.residents if r.building_head]
            if share < 1.0:
                u = rng.random(len(heads)).tolist()
                heads = [h for h, ui in zip(heads, u, strict=True) if ui < share]
            self.heads_ask(heads, affected, asked, rng)
        reached = rng.random(n).tolist()
        u = rng.random(n).tolist()
        self.attendees = [
            r
            for r in self.residents
            if (asked[r.idx] > 0 or reached[r.idx] < form.reach * share)
            and u[r.idx] < r.participation_probability(asked[r.idx], p.daytime, form.cost_factor)
        ]
        self.totals["meetings"] += 1
        self.attendance, self.attendance_day = len(self.attendees), self.day

    def heads_ask(
        self, heads: list, affected: list[int], asked: list[float], rng: np.random.Generator
    ) -> None:
        """Each of ``heads`` asks up to ``head_asks`` affected ties not yet asked, at random."""
        open_ = {i for i in affected if asked[i] == 0}
        pairs = [(h, t) for h in heads for t in sorted(a.idx for a in h.neighbours) if t in open_]
        u = rng.random(len(pairs)).tolist()
        per_head: dict[int, list[tuple[float, int]]] = {}
        for (h, t), ui in zip(pairs, u, strict=True):
            per_head.setdefault(h.idx, []).append((ui, t))
        for draws in per_head.values():
            for _, t in sorted(draws)[: self.jm.head_asks]:
                asked[t] = 1.0

    def meeting_consult(self) -> None:
        """Attendees deliberate on each agenda issue, propose, and the affected get voice."""
        if not self.attendees:
            return
        p = self.jm
        for r in self.attendees:
            r.last_part = self.day
        expert = getattr(p.formats, p.format).expert_quality
        for issue in self.agenda:
            issue.proposal = self.deliberate(issue.kind, p.facilitation_eps, p.facilitator_pull)
            issue.participants, issue.rung = list(self.attendees), p.authority
            issue.quality_bonus = max(issue.quality_bonus, expert)
            stakeholders = getattr(self.spec.issues, issue.type_name).stakeholders
            if self.spec.units and "units" in stakeholders:
                issue.support = max(issue.support, p.unit_support)
            voiced = [r for r in self.attendees if r in issue.member_set]
            for r in voiced:
                r.give_voice()
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

    # -- the administrative routine ------------------------------------------------------
    def administrative_decide(self) -> None:
        """Returning referrals, then known issues in order within the free hours."""
        c, p, rng = self.spec.committee, self.p, self.stream("administrative")
        for issue in [i for i in self.open if i.referred_until == self.day]:
            issue.referred_until = -1
            if rng.random() < c.p_dept_response:
                issue.pledges["sub_district"] = (self.spec.sub_district.resources, 1.0)
                self.settle(issue, rng)
            else:
                self.referral_failed(issue)
        queue = sorted(
            (i for i in self.open if i.known and i.referred_until < 0),
            key=lambda i: (i.known_day, i.id),
        )
        for issue in queue:
            if self.free <= 0:
                break
            granted = self.spend(min(issue.effort_left, self.free))
            issue.effort_left -= granted
            issue.hours += granted
            if issue.effort_left > 1e-9:
                break
            self.ask_actors(issue, rng)
            tau = self.staff_time(issue.hours, issue.effort)
            rho = issue.resources
            refer = logistic((issue.complexity - c.capacity * tau - rho / (1.0 + rho)) / p.s_ref)
            if "sub_district" in issue.pledges or rng.random() >= refer:
                self.settle(issue, rng)
            else:
                self.totals["escalations"] += 1
                issue.referred_until = self.day + c.referral_days

    def staff_time(self, hours: float, effort: float) -> float:
        """``1 - exp(-H / (time_scale x E))``, 1 for an issue needing no hours."""
        return 1.0 if effort <= 0 else saturating(hours, self.p.time_scale * effort)

    def ask_actors(self, issue: Issue, rng: np.random.Generator) -> None:
        """Once per issue the units and the property firm may engage and pledge."""
        if issue.asked:
            return
        issue.asked = True
        p, s = self.p, self.spec
        stakeholders = getattr(s.issues, issue.type_name).stakeholders
        actors = [(f"unit {k}", "units", u.resources, u.reliability) for k, u in enumerate(s.units)]
        if s.property_firm is not None:
            strength = s.property_firm.strength
            actors.append(("property_firm", "property_firm", strength, strength))
        u = rng.random(len(actors))
        seat = float(issue.support > 0)
        consulted = float(issue.proposal is not None or issue.support > 0)
        for (name, role, resources, reliability), ui in zip(actors, u, strict=True):
            party = role in stakeholders
            interest = 1.0 if party else p.interest_other
            chance = logistic(
                p.eta0 + p.eta_seat * seat + p.eta_int * interest + p.eta_ask * (consulted * party)
            )
            if ui < chance and resources > 0:
                issue.pledges[name] = (resources, reliability)

    def inputs(self, capacity_time: float, info: float, resources: float, expert: float) -> float:
        """The co-produced input ``(sum_k w_k z_k^s)^(1/s)``."""
        p = self.p
        s = p.ces
        total = 0.0
        for w, z in zip(
            (p.w_cap, p.w_info, p.w_res, p.w_exp),
            (capacity_time, info, resources, expert),
            strict=True,
        ):
            total += w * z**s
        return total ** (1.0 / s)

    def settle(self, issue: Issue, rng: np.random.Generator) -> None:
        """Decide an issue by the graded rules (sim.mechanisms.administrative.settle)."""
        p, c = self.p, self.spec.committee
        t = getattr(self.spec.issues, issue.type_name)
        self.ask_actors(issue, rng)
        tau = self.staff_time(issue.hours, issue.effort)
        spoke = {r for voiced in issue.voiced for r in voiced}
        heard = [r for r in issue.members if r in spoke]
        near_homes = {r.household for r in heard}
        near = {nb for r in heard for nb in r.neighbours}
        voice = {
            r: 1.0 if r in spoke else 0.5 if r.household in near_homes or r in near else 0.0
            for r in issue.members
        }
        kind = issue.kind
        positions = [
            r.opinion[kind]
            for r in (
                heard
                if issue.proposal is None or issue.participants is None
                else issue.participants
            )
        ]
        agreed = 0.0
        if len(positions) >= 2:
            mean = sum(positions) / len(positions)
            sd = math.sqrt(sum((x - mean) ** 2 for x in positions) / len(positions))
            agreed = clip(1.0 - sd / SD_UNIFORM)
        engaged = {
            "units": any(a.startswith("unit ") for a in issue.pledges),
            "property_firm": "property_firm" in issue.pledges,
            "city_management": "sub_district" in issue.pledges,
            "experts": issue.quality_bonus > 0,
        }
        # representation over the affected's groups (building x car x elderly) and the orgs
        sizes: dict[int, list[int]] = {}
        for r in issue.members:
            g = r.building * 4 + int(self.car[r.household]) * 2 + int(r.elderly)
            entry = sizes.setdefault(g, [0, 0])
            entry[0] += 1
            entry[1] += r in spoke
        n_orgs = len(t.stakeholders)
        residents = 0.0
        for g in sorted(sizes):
            size, voices = sizes[g]
            residents += size / len(issue.members) * saturating(voices, p.m_rep)
        orgs = p.org_share * (sum(engaged[x] for x in t.stakeholders) * saturating(1, p.m_rep))
        rep = (residents + orgs) / (1.0 + p.org_share * n_orgs)
        info = saturating(len(heard), p.n_info)
        rho = issue.resources
        planned = self.inputs(c.capacity * tau, info, rho / (1.0 + rho), issue.quality_bonus)
        q = (
            1.0
            if issue.complexity <= 0
            else p.q_lo + (1.0 - p.q_lo) * saturating(planned, issue.complexity)
        )
        if issue.proposal is not None:
            lam = issue.rung * math.sqrt(agreed)
            d = lam * issue.proposal + (1.0 - lam) * c.position
        else:
            lam, d = 0.0, c.position
        accept = {}
        for r in issue.members:
            fav0 = q * (1.0 - abs(r.opinion[kind] - d))
            v = voice[r]
            accept[r] = logistic(
                p.alpha0
                + p.alpha_f * 4.0 * (fav0 - 0.5)
                + p.alpha_v * v
                + p.alpha_r * rep
                + p.alpha_d * agreed
                + p.alpha_t * 4.0 * (r.trust - 0.5)
                + p.alpha_vt * v * (r.trust - 0.5)
            )
        need = p.impl_share * issue.effort
        staff = self.staff_time(self.spend(need), need)
        pledged = list(issue.pledges.values())
        kept = rng.random(len(pledged)).tolist()
        delivered = issue.support + sum(
            a for (a, psi), ui in zip(pledged, kept, strict=True) if ui < psi
        )
        done = self.inputs(
            c.capacity * tau, info, delivered / (1.0 + delivered), issue.quality_bonus
        )
        share = done / planned if planned > 0 else 1.0
        comply = 1.0
        if issue.type_name in p.needs_compliance:
            comply = sum(accept.values()) / len(accept)
        self.resolve(issue, q, d, lam, staff * share * comply, accept)

    def resolve(
        self,
        issue: Issue,
        quality: float,
        decision: float,
        authority: float,
        implementation: float,
        accept: dict[Resident, float],
    ) -> None:
        """Each affected resident's outcome; voice pays off in efficacy."""
        for r in issue.members:
            fav = quality * implementation * (1.0 - abs(r.opinion[issue.kind] - decision))
            r.outcome(fav, accept[r], authority)
        for voiced in issue.voiced:
            for r in voiced:
                r.efficacy = min(r.efficacy + self.b.efficacy_step, 1.0)
        self.open.remove(issue)
        self.totals["resolved"] += 1

    def referral_failed(self, issue: Issue) -> None:
        """A referral-only answer: back to the committee, trust and satisfaction fall."""
        b = self.b
        issue.effort_left = (
            self.spec.committee.retry_effort
            * getattr(self.spec.issues, issue.type_name).effort_hours
        )
        for r in issue.members:
            r.process -= b.referral_effect
            r.trust = max(r.trust - b.trust_gain * b.trust_neg_ratio, 0.0)

    # -- feedback ------------------------------------------------------------------------
    def feedback(self) -> None:
        """Chats, issue load, conflicts, ignored issues, then everyone's stocks."""
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
        harm = [0] * self.pop.n_buildings
        self.parking_night(harm)
        self.conflicts(harm)
        if self.today["conflicts"]:
            for r in self.residents:
                r.harm = clip(r.harm + self.b.conflict_harm * harm[r.building])
            self.totals["conflicts"] += int(self.today["conflicts"])
        self.ignored()
        self.agents.do("update_feelings")

    def parking_night(self, harm: list[int]) -> None:
        """Tonight's parking: households in random order, defectors' conflicts (model.parking)."""
        p = self.spec.parking
        rng = self.stream("parking")
        h = len(self.households)
        if self.day % MONTH == 0:
            if self.day:
                rng.random(len(self.spec.units))  # the units' review: none is open here
            u = rng.random(h).tolist()
            self.tacit = [ui < p.compliance_norule for ui in u]
        u = rng.random(h).tolist()
        order = sorted((k for k in range(h) if self.car[k]), key=lambda k: u[k])
        placed = min(self.parking_supply(), len(order))
        rate = [0.0] * h
        for pos, k in enumerate(order):
            defects = not self.tacit[k]  # no convention binds: the tacit rule
            if defects:
                rate[k] = p.kappa_lock * p.lock_share if pos < placed else p.kappa_grab
        lam = sum(rate)
        u_night = rng.random()
        n = int(poisson.ppf(u_night, lam)) if lam > 0 else 0
        if n:
            where = self.stream("parking_where").choice(h, size=n, p=[x / lam for x in rate])
            for k in where.tolist():
                harm[self.households[k][0].building] += 1
            self.today["conflicts"] += n

    def conflicts(self, harm: list[int]) -> None:
        """Conflicts of aggrieved residents on open conflict-prone issues (not parking's night)."""
        rng = self.stream("conflicts")
        for issue in self.open:
            t = getattr(self.spec.issues, issue.type_name)
            if t.conflict_rate == 0:
                continue
            aggrieved = 0.0
            for r in issue.members:
                aggrieved += r.grievance  # no convention: nobody keeps one
            lam = t.conflict_rate * aggrieved
            n = int(rng.poisson(lam)) if lam > 0 else 0
            if n:
                for i in rng.choice([r.idx for r in issue.members], size=n).tolist():
                    harm[self.residents[i].building] += 1
                self.today["conflicts"] += n

    def ignored(self) -> None:
        """Issues open past residents' patience count once as ignored (a trust event)."""
        b = self.b
        for issue in self.open:
            if not issue.ignored and self.day - issue.day >= b.patience_days:
                issue.ignored = True
                for r in issue.members:
                    r.issues_touched += 1.0
                    r.trust_event(0.0)
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
                "participation_rate": sum(r.took_part_within(RECENT_DAYS) for r in rs) / n,
                "satisfaction_mean": sum(r.satisfaction for r in rs) / n,
                "trust_mean": sum(r.trust for r in rs) / n,
                "efficacy_mean": sum(r.efficacy for r in rs) / n,
                "justice_mean": sum(r.justice for r in rs) / n,
                "policy_awareness": sum(known) / len(known),
                "issues_open": len(self.open),
                "issues_resolved_total": self.totals["resolved"],
                "escalations_total": self.totals["escalations"],
                "conflicts": self.today["conflicts"],
                "meeting_attendance": self.attendance if self.attendance_day == self.day else 0.0,
                "meetings_held_total": self.totals["meetings"],
            }
        )

    def run(self, days: int) -> list[dict[str, float]]:
        """Simulate ``days`` days; return the daily rows."""
        for _ in range(days):
            self.step()
        return self.rows
