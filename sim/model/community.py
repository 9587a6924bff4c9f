"""The community model: one day per step, residents as arrays, mechanisms as plug-ins."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim import classic
from sim.mechanisms import MECHANISMS, Mechanism, build
from sim.metrics import METRICS
from sim.model import behaviour
from sim.model import decision as decision_rules
from sim.model.agents import (
    PropertyFirm,
    Resident,
    ResidentCommittee,
    ResidentUnit,
    SubDistrict,
)
from sim.model.issues import Issue, IssueBook
from sim.model.network import build_network
from sim.model.parking import ParkingLot
from sim.model.population import ELDERLY, build_population
from sim.model.spinup import spin_up
from sim.model.state import Levers, State, Today, Totals
from sim.params import ISSUE_TYPES
from sim.scenario import Scenario, load_scenario

NEVER = -(10**6)  # "last took part" of someone who never did
#: The parking shortage at which the declared parking rates hold (a rate's unit, not a
#: parameter): the rates are stated for a shortage of half the cars (MODEL 3.7).
SHORTAGE_REF = 0.5
DEFAULT_SCENARIO = "xianlu_xincun"


def poisson_count(u: float, lam: float) -> int:
    """Poisson(lam) draw by inverse CDF of one uniform.

    Counts under different rates then use the same random number (common random numbers).
    """
    k, p = 0, np.exp(-lam)
    cdf = p
    while u > cdf and p > 0:
        k += 1
        p *= lam / k
        cdf += p
    return k


def named_stream(root: np.random.SeedSequence, name: str) -> np.random.Generator:
    """The child stream of ``root`` keyed by a process's name (CRC-32 of the name)."""
    key = (*root.spawn_key, zlib.crc32(name.encode()))
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=key))


def seed_sequence(rng: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    """The run's root seed sequence."""
    if isinstance(rng, np.random.SeedSequence):
        return rng
    return np.random.SeedSequence(rng)


class DailyCollector(mesa.DataCollector):
    """Mesa's DataCollector of the daily metrics, one reporter per :data:`sim.metrics.METRICS`.

    It pickles without its reporters (group metrics are closures) and takes them from
    ``METRICS`` again when unpickled, so a model can travel between processes.
    """

    def __init__(self) -> None:
        super().__init__(model_reporters=dict(METRICS))

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "model_reporters": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.model_reporters = dict(METRICS)


class NoMesaParameters(MesaScenario):
    """Mesa's scenario object of a :class:`CommunityModel`: it holds no parameters.

    cogov's parameters live in its own scenario (``model.spec``). The object is falsy, so Mesa's
    SolaraViz re-creates the model on Reset from the page's ``model_params`` alone, as for a
    model without a Mesa scenario (Mesa 3.5.1, ``_build_model_init_kwargs``), and a ``scenario``
    key there names cogov's scenario instead of being replaced by Mesa's object.
    """

    def __bool__(self) -> bool:
        return False


class CommunityModel(mesa.Model):
    """A community (社区) under one or more consultation mechanisms.

    Args:
        scenario: A :class:`Scenario` or the name / path of a scenario file. A Mesa scenario
            (``mesa.experimental.scenarios.Scenario``) runs the default scenario with its
            fields as keyword arguments (below) and its ``rng`` as the seed if none is given.
        rng: The run's seed: an int, a ``numpy.random.SeedSequence`` or None (fresh entropy).
        mechanisms: Mechanism names, configured instances or ``"all"``; None takes the
            scenario's ``mechanisms`` table. ``administrative`` is always active.
        overrides: Dotted scenario overrides (``{"committee.admin_share": 0.4}``).
        resident_agents: Create a Mesa :class:`Resident` view per resident (``residents``);
            a district run leaves them out, which saves memory and makes the model cheap to
            pickle between exchanges.
        **kwargs: More overrides, with ``__`` for dots (``committee__admin_share=0.4``), as
            Mesa's SolaraViz passes them.
    """

    def __init__(
        self,
        scenario: str | Path | Scenario | MesaScenario = DEFAULT_SCENARIO,
        *,
        rng: int | np.random.SeedSequence | None = None,
        mechanisms: Any = None,
        overrides: dict[str, Any] | None = None,
        resident_agents: bool = True,
        **kwargs: Any,
    ):
        if isinstance(scenario, MesaScenario):
            fields = {k: v for k, v in scenario if k != "rng"}
            rng = scenario.rng if rng is None else rng
            scenario, kwargs = DEFAULT_SCENARIO, {**fields, **kwargs}
        self.seed_seq = seed_sequence(rng)
        self._streams: dict[str, np.random.Generator] = {}
        super().__init__(rng=self.stream("mesa"))
        self.scenario = NoMesaParameters(rng=self.scenario.rng)
        extra = {k.replace("__", "."): v for k, v in kwargs.items()}
        self.spec = load_scenario(scenario, {**(overrides or {}), **extra})
        self.mechanisms: list[Mechanism] = build(mechanisms, self.spec.mechanisms)
        self._by_name = {m.name: m for m in self.mechanisms}
        self.day = 0
        self._build(resident_agents)
        #: Mesa's DataCollector of the daily metrics (one column per metric, as plain lists).
        self.datacollector = DailyCollector()
        #: Whether a day ends with its metrics row (off in the spin-up, whose rows are dropped).
        self.collecting = True
        spin_up(self, self.spec.behaviour.spinup_days, resident_agents)
        for m in self.mechanisms:
            m.setup(self)

    # ------------------------------------------------------------------ construction
    def stream(self, name: str) -> np.random.Generator:
        """The named random stream of this run (independent of every other name)."""
        if name not in self._streams:
            self._streams[name] = named_stream(self.seed_seq, name)
        return self._streams[name]

    def _build(self, resident_agents: bool = True) -> None:
        s = self.spec
        self.pop = pop = build_population(s.population, self.stream("population"))
        self.net = build_network(
            pop,
            s.network,
            self.stream("network"),
            units=[u.kind for u in s.units],
            property_firm=s.property_firm is not None,
        )
        n, k = pop.n, len(ISSUE_TYPES)
        b = s.behaviour
        init = self.stream("initial")
        self.state = State(
            aware=np.ones(n, dtype=bool),
            grievance=np.zeros(n),
            efficacy=np.full(n, b.efficacy0),
            trust=np.full(n, b.trust0),
            satisfaction=np.zeros(n),
            expectation=np.ones(n),
            justice=np.full(n, b.climate_base),
            process=np.zeros(n),
            harm=np.zeros(n),
            last_part=np.full(n, NEVER, dtype=np.int64),
            last_loss=np.full(n, NEVER, dtype=np.int64),
            opinion=init.random((n, k)),
            theta=behaviour.theta_draw(b, init.random(n)),
            fav_expect=np.full(n, 0.5),
            disc_issue=np.zeros(n),
            issues_touched=np.zeros(n),
            issues_heard=np.zeros(n),
            voices=np.zeros(n),
        )
        #: Complaint channels mechanisms opened (:meth:`open_channel`): name -> reach.
        self.channels: dict[str, np.ndarray | float] = {}
        #: Names of the open channels that are online (complaints there have no age gradient).
        self.online_channels: set[str] = set()
        self._decided: list[tuple[np.ndarray, np.ndarray]] = []  # today's decisions (fav)
        self._complaints_due: list[tuple[int, np.ndarray]] = []  # (day, complainers) pending
        self.complaints = 0  # complaints after decisions since day 0
        self.reopened: list[int] = []  # ids of the issues reopened by complaints since day 0
        self.state.satisfaction = self.compute_satisfaction()
        h = pop.n_households
        cars = self.stream("cars")
        self.car_household = cars.random(h) < s.population.car_share_households
        self.spaces = round(s.parking.spaces_per_household * h)
        self.levers = Levers(
            report_weight=np.ones(n),
            compliance=np.full((k, n), np.nan),
            prevention=np.zeros(k),
            units_open=np.zeros(len(s.units), dtype=bool),
            visible=np.zeros(n),
            monitored=np.full(pop.n_buildings, NEVER, dtype=np.int64),
        )
        self.issues = IssueBook(n)
        self.residents = [Resident(self, i) for i in range(n)] if resident_agents else []
        self.committee = ResidentCommittee(self, s.committee)
        self.units = [ResidentUnit(self, u) for u in s.units]
        self.property_firm = (
            PropertyFirm(self, s.property_firm) if s.property_firm is not None else None
        )
        self.sub_district = SubDistrict(self, s.sub_district)
        self.parking = ParkingLot(self)
        by_age = np.array([b.resources_young, b.resources_middle, b.resources_elderly])
        self.resources = by_age[pop.age] + b.resources_core * pop.core
        self.age_term = np.array([0.0, b.b_age_middle, b.b_age_elderly])[pop.age]
        self.engagement = np.where(pop.core, b.engagement_core, b.engagement_other)
        self.time_cost = np.where(pop.employed, b.cost_employed, b.cost_retired)
        self.totals = Totals()
        self.today = Today()
        self._resolution_days: list[int] = []
        self._detection_days: list[int] = []
        self._detection_offline: list[float] = []  # offline share of each detected issue
        self._recent: np.ndarray | None = None  # the last collected day's recent participants
        self._year: np.ndarray | None = None  # the last collected day's year participants
        self._heard: np.ndarray | None = None  # today's heard shares, once the feedback has them
        self._row: dict[str, Any] | None = None  # values shared by a metrics row's metrics
        #: Metrics of append-only records, by name: (record length, value, ...); see sim.metrics.
        self.metric_memo: dict[str, tuple] = {}

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """Simulate one day, in the phases below (each mechanism hook after the core's).

        1. ``arrivals``: car ownership grows; policies from above and issues arrive.
        2. ``inform``: word of mouth on the face-to-face layer; residents report issues,
           which the committee detects; mechanisms spread information and detect; then the
           committee explains the current policy in person to households still unaware.
        3. ``participate``: mechanisms decide who takes part today.
        4. ``consult``: mechanisms deliberate with today's participants.
        5. ``decide``: the committee handles known issues (the ``administrative`` routine)
           and mechanisms decide and implement; resolved issues feed back on residents.
        6. feedback (the core's own): informal chats move opinions; grievance, conflicts,
           expectations, satisfaction, trust and efficacy are updated from today's state.
        7. ``collect``: the daily metrics row; at the scenario's horizon (``days``) the model
           stops ``running`` (Mesa's flag for its runners and SolaraViz).

        Rules that read neighbours update synchronously: all residents' new values are
        computed from the same arrays and then assigned.
        """
        self.committee.start_day()
        self.today = Today()
        self.levers.compliance[:] = np.nan  # conventions state today's compliance in ``decide``
        self.levers.report_weight[:] = 1.0  # channel mechanisms raise it in ``inform``
        self._recent = self._year = self._heard = self._row = None  # live until they are set
        self._arrivals()
        self._hook("arrivals")
        self._inform()
        self._hook("inform")
        self._detect()
        self.explain_in_person()
        self._hook("participate")
        self._hook("consult")
        self._hook("decide")
        self._feedback()
        if self.collecting:
            self._collect()
        self.day += 1
        if self.day >= self.spec.days:
            self.running = False

    def _hook(self, phase: str) -> None:
        for m in self.mechanisms:
            getattr(m, phase)(self)

    def mechanism(self, name: str) -> Mechanism | None:
        """The active mechanism of that registry name, or None when it is not active.

        Raises:
            KeyError: ``name`` is no registered mechanism (a typo).
        """
        if name not in MECHANISMS:
            raise KeyError(f"no mechanism {name!r}; registered: {', '.join(MECHANISMS)}")
        return self._by_name.get(name)

    # 1. arrivals ---------------------------------------------------------------
    def parking_shortage(self) -> float:
        """Share of car-owning households without a legal space tonight (shared spaces open)."""
        cars = int(np.count_nonzero(self.car_household))
        return max(0.0, 1.0 - self.parking.supply(self) / cars) if cars else 0.0

    def _arrivals(self) -> None:
        s = self.spec
        # Car ownership grows at a yearly rate (MODEL 3.7); one draw per household a day.
        grow = self.stream("cars").random(len(self.car_household))
        n_cars = np.count_nonzero(self.car_household)
        p_new = (
            s.parking.car_growth_per_year
            / 365.0
            * n_cars
            / max(1, len(self.car_household) - n_cars)
        )
        self.car_household |= grow < p_new
        # Policies from above that the committee must explain (one uniform a day).
        u = self.stream("policies").random()
        if poisson_count(u, s.committee.policies_per_month / 30.0) >= 1:
            self.state.aware[:] = False
            self.today.policy = True
        # Issues: Poisson counts by inverse CDF of one uniform per type (common random
        # numbers), buildings chosen by ranking one uniform per building.
        arr = self.stream("issues")
        u = arr.random(len(ISSUE_TYPES))
        for k, name in enumerate(ISSUE_TYPES):
            t = getattr(s.issues, name)
            rate = getattr(t.rate, s.community_type) / 365.0
            if name == "parking":
                rate *= self.parking_shortage() / SHORTAGE_REF
            rate *= 1.0 - self.levers.prevention[k]
            for _ in range(poisson_count(u[k], rate)):
                self._open_issue(k, t, arr)

    def _open_issue(self, k: int, t: Any, arr: np.random.Generator) -> None:
        pop = self.pop
        ranks = arr.random(pop.n_buildings)
        severity = t.severity * (0.5 + arr.random())
        if t.affects == "car_owners":
            eligible = self.car_household[pop.household]
        elif t.affects == "elderly":
            eligible = pop.age == ELDERLY
        else:
            eligible = np.ones(pop.n, dtype=bool)
        if 0 < t.buildings < pop.n_buildings:
            chosen = np.zeros(pop.n_buildings, dtype=bool)
            chosen[np.argsort(ranks)[: t.buildings]] = True
            eligible = eligible & chosen[pop.building]
        members = np.flatnonzero(eligible)
        if len(members):
            self.issues.add(k, self.day, members, min(severity, 1.0), t.complexity, t.effort_hours)

    # 2. inform -----------------------------------------------------------------
    def _inform(self) -> None:
        st, pop = self.state, self.pop
        # Word of mouth: each aware tie tells with a small daily chance (simple contagion).
        # One uniform a resident; only the unaware with an aware tie have a chance above 0.
        u = self.stream("word_of_mouth").random(pop.n)
        who = np.flatnonzero(~st.aware)
        if len(who):
            share = self.net.share(st.aware, track="aware")
            who = who[share[who] > 0]
            informed = share[who] * self.net.degree[who]
            p = 1.0 - (1.0 - self.spec.behaviour.word_of_mouth) ** informed
            st.aware[who[u[who] < p]] = True

    def _detect(self) -> None:
        """Residents report issues; the committee learns of one when anybody reports it.

        A resident reports with daily chance ``report_prob x grievance x report_weight``,
        where mechanisms raise ``report_weight`` for residents with an extra channel.
        """
        st, c = self.state, self.spec.committee
        unknown = [i for i in self.issues.open if not i.known]
        u = self.stream("detect").random(len(unknown))
        for issue, ui in zip(unknown, u, strict=True):
            m = issue.members
            weight = self.levers.report_weight[m]
            p_report = (c.report_prob * st.grievance[m] * weight).clip(0.0, 0.999)
            # log P(nobody reports), summed in member order (a running sum)
            log_none = np.cumsum(np.log1p(-p_report))[-1]
            if ui < 1.0 - np.exp(log_none):
                self.detect(issue)

    def household_aware(self) -> np.ndarray:
        """Households with at least one member who knows the current policy."""
        return (
            np.bincount(
                self.pop.household, weights=self.state.aware, minlength=self.pop.n_households
            )
            > 0
        )

    def explain_in_person(self) -> None:
        """Social workers visit uninformed households until the coverage target is met."""
        c = self.spec.committee
        known = self.household_aware()
        short = int(np.ceil(c.explain_coverage * len(known))) - int(np.count_nonzero(known))
        if short <= 0 or c.explain_minutes == 0:
            return
        hours = self.committee.spend(short * c.explain_minutes / 60.0, "explanation")
        visits = int(hours * 60.0 / c.explain_minutes)
        targets = np.flatnonzero(~known)
        order = self.stream("explain").permutation(len(targets))[:visits]
        visited = np.zeros(len(known), dtype=bool)
        visited[targets[order]] = True
        self.state.aware |= visited[self.pop.household]

    def detect(self, issue: Issue) -> None:
        """The committee learns of an issue today (delay and offline share recorded)."""
        if not issue.known:
            issue.known_day = self.day
            self._detection_days.append(self.day - issue.day)
            self._detection_offline.append(float(self.pop.offline[issue.members].mean()))

    # 5. decide (helpers the mechanisms call) ------------------------------------
    def resolve_issue(
        self,
        issue: Issue,
        quality: float,
        decision: float,
        *,
        authority: float = 0.0,
        implementation: float = 1.0,
        agreement: float = 0.0,
        acceptance: np.ndarray | None = None,
    ) -> None:
        """Decide an issue: record the decision, apply its effects, then the hooks.

        Realised favourability ``fav_j = quality x implementation x (1 - |x_j - decision|)``
        (design causal_core 1.1); ``acceptance`` per member, by default from the rule of
        :func:`sim.model.decision.acceptance` on the issue's voice record. The effects on the
        affected are :meth:`outcome`; those who gave voice gain efficacy (Finkel 1985).
        """
        st, b = self.state, self.spec.behaviour
        m = issue.members
        x = st.opinion[m, issue.kind]
        if acceptance is None:
            voice, _ = decision_rules.voice_record(self, issue)
            fav0 = decision_rules.favourability(quality, 1.0, x, decision)
            acceptance = decision_rules.acceptance(
                self.spec.decision, fav0, voice, 0.0, agreement, st.trust[m]
            )
        fav = decision_rules.favourability(quality, implementation, x, decision)
        issue.quality, issue.decision, issue.implementation = quality, decision, implementation
        issue.authority, issue.agreement = authority, agreement
        issue.fav, issue.acceptance = fav, acceptance
        self.outcome(m, fav, acceptance, authority)
        for voiced in issue.voiced:
            st.efficacy[voiced] = np.minimum(st.efficacy[voiced] + b.efficacy_step, 1.0)
        self.issues.close(issue, self.day)
        self.totals.resolved += 1
        self._resolution_days.append(self.day - issue.day)
        for mech in self.mechanisms:
            mech.on_resolved(self, issue)

    def outcome(
        self,
        members: np.ndarray,
        fav: np.ndarray,
        acceptance: np.ndarray | None,
        authority: float,
    ) -> None:
        """A decision's effects on the affected residents ``members`` (design doc 3.1-3.2).

        Grievance falls by the favourability ``fav``; the action bonus (Nie & Wang 2023) joins
        the voice term, scaled by ``fav`` as a delivered service's is by its quality. The
        decision's outcome satisfaction ``O = 0.6·fav + 0.4·PJ_issue`` (MODEL 3.2), with
        ``PJ_issue = ½·authority + ½·PJ + (acceptance − fav)`` clipped to [0, 1] (acceptance
        beyond favourability is legitimacy of the process; ``acceptance`` None: ``fav`` is its
        proxy), gives the per-issue disconfirmation
        ``sat_issue·(O − Ê)`` against the expected outcome ``Ê`` (mean of the last three),
        then updates ``Ê``. The decision counts toward the procedural climate as decided with
        voice by ``authority``. Trust steps toward ``0.4·fav + 0.6·PJ_issue``: trust in the
        RC weighs the procedure of the decision judged (MODEL 3.2; co-governed when
        ``authority ≥ 0.5``). Losers may complain at the end of the day (:meth:`_complaints`).
        """
        st, b = self.state, self.spec.behaviour
        acc = fav if acceptance is None else acceptance
        st.grievance[members] *= 1.0 - fav
        st.process[members] += b.action_effect * fav
        pj_issue = (0.5 * authority + 0.5 * st.justice[members] + acc - fav).clip(0.0, 1.0)
        o = b.outcome_dj_weight * fav + (1.0 - b.outcome_dj_weight) * pj_issue
        st.disc_issue[members] += b.sat_issue * (o - st.fav_expect[members])
        st.fav_expect[members] += behaviour.EXPECT_WEIGHT * (o - st.fav_expect[members])
        st.issues_touched[members] += 1.0
        st.issues_heard[members] += authority
        self._trust_event(members, fav, pj_issue, cogov=authority >= 0.5)
        st.last_loss[members[np.asarray(fav) < 0.5]] = self.day
        self._decided.append((members, np.asarray(fav, dtype=float)))

    def _trust_event(
        self,
        who: np.ndarray,
        dj: np.ndarray | float,
        pj: np.ndarray | None = None,
        cogov: bool = False,
    ) -> None:
        """An event moves trust toward ``T* = 0.4·DJ + 0.6·PJ`` (:func:`behaviour.trust_step`).

        ``pj``: the event's own procedural justice (a decision's ``PJ_issue``, :meth:`outcome`);
        None for events without a procedure of their own (replies, services, complaints,
        ignored issues), judged by the residents' perceived justice ``justice``.
        """
        st, b = self.state, self.spec.behaviour
        target = behaviour.trust_target(b, dj, st.justice[who] if pj is None else pj)
        st.trust[who] = behaviour.trust_step(b, st.trust[who], target, cogov)

    def open_channel(
        self, name: str, reach: np.ndarray | float = 1.0, online: bool = False
    ) -> None:
        """A mechanism opens a channel for complaints after decisions (call it in ``setup``).

        ``reach``: each resident's access to it (an array or one share); ``online``: it is an
        online channel, where complaints carry no age gradient (as online occasions). Opening it
        raises the expectations of those it reaches by ``promise_effect`` of the gap to 1 (a
        promise; design doc 3.1).
        """
        st, b = self.state, self.spec.behaviour
        self.channels[name] = reach
        if online:
            self.online_channels.add(name)
        st.expectation += b.promise_effect * np.asarray(reach) * (1.0 - st.expectation)

    def _complaints(self) -> None:
        """Post-decision voice on today's decisions (design doc 3.1, MODEL 3.2).

        Affected residents with ``fav < 0.5`` complain with the participation chance at
        ``complaint_cost`` times the time cost, times their reach of the open channels
        (``1 − Π(1 − reach)``); none without a channel. A complaint is post-decision voice
        (``voice_post``) and a trust event. The issue reopens with chance
        :func:`behaviour.reopen_probability` of the complaining share, the complainers as its
        first voices; otherwise each complaint counts as ignored after ``patience_days``
        (:meth:`_ignored`: efficacy and trust pay for it, the voice bonus stays).
        """
        decided, self._decided = self._decided, []
        if not decided or not self.channels:
            return
        b = self.spec.behaviour
        rng = self.stream("complaints")
        missed = np.ones(self.pop.n)
        for reach in self.channels.values():
            missed *= 1.0 - np.asarray(reach)
        online = self.online_channels == set(self.channels)  # every channel is online
        today = [i for i in self.issues.resolved[-len(decided) :] if i.resolved_day == self.day]
        for members, fav in decided:
            u = rng.random(len(members) + 1)
            lose = np.flatnonzero(fav < 0.5)
            if not len(lose):
                continue
            who = members[lose]
            p = self.participation_probability(who=who, cost_factor=b.complaint_cost, online=online)
            came = who[u[lose] < p * (1.0 - missed[who])]
            if not len(came):
                continue
            self.complaints += len(came)
            self.took_part(came)
            self.give_voice(came, None, pre=False)
            self._trust_event(came, self.state.fav_expect[came])
            issue = next((i for i in today if i.members is members), None)
            share = len(came) / len(members)
            if issue is not None and u[-1] < behaviour.reopen_probability(b, share):
                self._reopen(issue, came)
            else:
                self._complaints_due.append((self.day + b.patience_days, came))

    def _reopen(self, issue: Issue, complainers: np.ndarray) -> None:
        """Open a decided issue again, known to the committee, its complainers as voices."""
        t = getattr(self.spec.issues, issue.type_name)
        again = self.issues.add(
            issue.kind, self.day, issue.members, issue.severity, issue.complexity, t.effort_hours
        )
        again.known_day = self.day
        again.voiced.append(complainers)
        again.post_voiced = 1
        self.reopened.append(again.id)

    def referral_failed(self, issue: Issue) -> None:
        """A referral came back with no action: a referral-only answer (Nie & Wang 2023).

        The issue returns to the committee, which needs ``retry_effort`` of its effort before
        it decides or refers it again.
        """
        st, b = self.state, self.spec.behaviour
        issue.referred_until = -1
        issue.release()
        issue.effort_left = (
            self.spec.committee.retry_effort
            * getattr(self.spec.issues, issue.type_name).effort_hours
        )
        st.process[issue.members] -= b.referral_effect
        st.trust[issue.members] = np.maximum(
            st.trust[issue.members] - b.trust_gain * b.trust_neg_ratio, 0.0
        )

    def escalate(self, issue: Issue) -> None:
        """Refer an issue upward (the committee drew a referral, sim.model.decision).

        By default it is referred to a department (answered after ``referral_days``); a
        mechanism that sets ``model.levers.escalator`` (cloud consultation) takes it instead.
        """
        self.totals.escalations += 1
        issue.referred = True
        if self.levers.escalator is not None:
            self.levers.escalator.escalate(self, issue)
        else:
            issue.referred_until = self.day + self.spec.committee.referral_days

    def record_meeting(self) -> None:
        """Count a consultation meeting held today (``meetings_held_total``)."""
        self.totals.meetings += 1

    def make_aware(self, who: np.ndarray) -> None:
        """Residents (a mask) learn of the current policy from above."""
        self.state.aware |= who

    def reply(self, who: np.ndarray) -> None:
        """Residents (indices or a mask) get a reply on their issue (Chen et al. 2023).

        The ``reply_effect`` bonus; the issue counts as heard in the procedural climate, and
        trust steps toward ``T*`` with the expected outcome as distributive justice.
        """
        st = self.state
        st.process[who] += self.spec.behaviour.reply_effect
        st.issues_heard[who] += 1.0
        self._trust_event(who, st.fav_expect[who])

    def let_down(self, who: np.ndarray) -> None:
        """Residents whose request lapsed unanswered: the ``referral_effect`` penalty."""
        self.state.process[who] -= self.spec.behaviour.referral_effect

    def benefit(self, who: np.ndarray, quality: float) -> None:
        """A service delivered to residents (indices): the action bonus x quality.

        Trust steps toward ``T*`` with the quality as distributive justice.
        """
        st, b = self.state, self.spec.behaviour
        st.process[who] += b.action_effect * quality
        self._trust_event(who, quality)

    def gain_efficacy(self, who: np.ndarray, amount: np.ndarray | float) -> None:
        """Residents (indices) gain external efficacy by ``amount`` (capped at 1)."""
        st = self.state
        st.efficacy[who] = np.minimum(st.efficacy[who] + amount, 1.0)

    def took_part(self, who: np.ndarray) -> None:
        """Record that residents (indices or a mask) took part in a consultation today."""
        self.state.last_part[who] = self.day

    def give_voice(self, who: np.ndarray, issue: Issue | None, pre: bool = True) -> None:
        """Residents had a say: a voice bonus, procedural justice, their record of being heard.

        Pre-decision voice counts more than post-decision voice (Lind, Kanfer & Earley
        1990); pre-decision voice lifts perceived justice by ``justice_step`` of the gap to
        1 (design doc 3.1). With an issue, they are recorded as having voiced it (efficacy
        feedback) and their expectations rise by ``promise_effect`` (a promise).
        """
        b, st = self.spec.behaviour, self.state
        st.process[who] += b.voice_pre if pre else b.voice_post
        st.voices[who] += 1.0
        if pre:
            st.justice[who] += b.justice_step * (1.0 - st.justice[who])
        if issue is not None:
            st.expectation[who] += b.promise_effect * (1.0 - st.expectation[who])
        if issue is not None and len(np.atleast_1d(who)):
            issue.voiced.append(
                np.flatnonzero(who) if np.asarray(who).dtype == bool else np.asarray(who)
            )

    def participation_probability(
        self,
        *,
        asked: np.ndarray | float = 0.0,
        broadcast: np.ndarray | float = 0.0,
        daytime: bool = False,
        online: bool = False,
        cost_factor: float = 1.0,
        who: np.ndarray | None = None,
    ) -> np.ndarray:
        """Everyone's chance of taking part in an occasion today (design doc 4.1, MODEL 3.1).

        ``daytime`` doubles the time cost for employed residents (ASSUMPTION, MODEL 3.1);
        ``online`` leaves out the age gradient, which is calibrated to turnout at RC elections,
        an offline act (SUNS 2017); online the digital divide acts through who has access
        (MODEL 3.7), not through a higher propensity of the elderly;
        the neighbour term sets the share of one's face-to-face ties who took part in the last
        year against one's threshold θ (:func:`behaviour.social_threshold`); the benefit term is
        :meth:`group_benefit`. Children never take part. With ``who`` (indices), the chances
        of those residents only, in that order (the same values).
        """
        st, b = self.state, self.spec.behaviour
        at = slice(None) if who is None else who

        def pick(x: np.ndarray | float) -> np.ndarray | float:
            return x[at] if getattr(x, "ndim", 0) else x  # np.ndim without its wrapper

        share, has_ties = self._year_share()[at], self.net.degree[at] > 0
        return behaviour.participation_chance(
            b,
            base=self._fixed_term("base", online)[at],
            social=behaviour.social_threshold(share, st.theta[at], has_ties),
            cost=self._fixed_term("cost", cost_factor, daytime)[at],
            efficacy=st.efficacy[at],
            benefit=self.group_benefit()[at],
            adult=self.pop.adult[at],
            asked=pick(asked),
            broadcast=pick(broadcast),
            visible=pick(self.levers.visible),
        )

    def _fixed_term(self, *key: Any) -> np.ndarray:
        """Everyone's fixed participation terms of an occasion, computed once a run.

        ``("base", online)``: :func:`behaviour.participation_base` (no age term online);
        ``("cost", factor, daytime)``: the time cost times ``factor``, doubled for employed
        residents in the daytime. Recomputed if the behaviour parameters are replaced.
        """
        b = self.spec.behaviour
        memo = self.__dict__.get("_fixed_terms")
        if memo is None or memo[0] is not b:
            memo = self._fixed_terms = (b, {})
        terms = memo[1]
        if key not in terms:
            if key[0] == "base":
                age = 0.0 if key[1] else self.age_term
                terms[key] = behaviour.participation_base(b, self.resources, self.engagement, age)
            else:
                _, factor, daytime = key
                terms[key] = (
                    self.time_cost * factor * np.where(daytime & self.pop.employed, 2.0, 1.0)
                )
        return terms[key]

    def _year_share(self) -> np.ndarray:
        """Share of each resident's face-to-face ties who took part in the last year (0 without).

        Kept while the year's participants and the network are the same (one computation for
        the occasions of a day instead of one each), and updated from those who joined or left
        the year's participants since (:meth:`Network.share`'s ``track``).
        """
        year = self.day - self.state.last_part < behaviour.YEAR_DAYS
        key = year.tobytes()  # an exact comparison without np.array_equal's overhead
        memo = self.__dict__.get("_ties_memo")
        face = self.net.face
        if memo is None or memo[0] is not face or memo[1] != key:
            memo = self._ties_memo = (face, key, self.net.share(year, track="year"))
        return memo[2]

    def group_benefit(self) -> np.ndarray:
        """Each resident's largest group-size benefit over the known open issues touching them.

        ``stake·Δp/N^γ`` (:func:`behaviour.group_benefit`) with the stake = grievance, doubled
        for a car household on a parking issue (ASSUMPTION, design doc 4.1), and ``Δp`` from
        the issue's distinct voices so far (:func:`behaviour.voice_gain`).
        """
        b, st = self.spec.behaviour, self.state
        out = np.zeros(self.pop.n)
        for issue in self.issues.open:
            if not issue.known:
                continue
            m = issue.members
            stake = st.grievance[m]
            if issue.type_name == "parking":
                stake = stake * np.where(self.car_household[self.pop.household[m]], 2.0, 1.0)
            gain = behaviour.voice_gain(self._distinct_voices(issue))
            out[m] = np.maximum(out[m], behaviour.group_benefit(b, stake, gain, len(m)))
        return out

    def _distinct_voices(self, issue: Issue) -> int:
        """Distinct residents who have voiced ``issue``, recounted only when voices are added."""
        memo: dict[int, tuple[int, int]] = self.__dict__.setdefault("_voices_memo", {})
        hit = memo.get(issue.id)
        if hit is None or hit[0] != len(issue.voiced):
            count = len(np.unique(np.concatenate(issue.voiced))) if issue.voiced else 0
            hit = memo[issue.id] = (len(issue.voiced), count)
        return hit[1]

    def draw_participants(
        self, rng: np.random.Generator, pool: np.ndarray, **occasion: Any
    ) -> np.ndarray:
        """Residents of ``pool`` (a mask) who take part in an occasion (indices, ascending).

        One uniform is drawn per resident, pool or not (so the stream does not depend on the
        pool), and compared with :meth:`participation_probability` under ``occasion``,
        which is computed for the pool only.
        """
        u = rng.random(self.pop.n)
        who = np.flatnonzero(pool)
        return who[u[who] < self.participation_probability(who=who, **occasion)]

    def deliberate(
        self, who: np.ndarray, kind: int, eps: float, pull: float = 0.0, steps: int = 5
    ) -> float:
        """Deliberation among ``who`` on one issue axis; returns the agreed position.

        Participants average the opinions within ``eps`` of their own (synchronous
        Hegselmann-Krause, a few rounds), a facilitator pulls them toward the committee's
        position by ``pull`` (Spada & Vreeland 2013), and the group settles on the mean.
        """
        x = self.state.opinion[who, kind]
        if len(x) == 0:
            return self.committee.position
        x = classic.hegselmann_krause(x, eps, steps)
        x += pull * (self.committee.position - x)
        self.state.opinion[who, kind] = x
        return float(x.mean())

    # 6. feedback ---------------------------------------------------------------
    def compute_satisfaction(self, perf: np.ndarray | None = None) -> np.ndarray:
        """Satisfaction from today's state (:func:`sim.model.behaviour.satisfaction_terms`).

        Keeps the mean of each term and the share clipped to [0, 1] in
        :attr:`satisfaction_terms` (the ``sat_*`` metrics). ``perf``: today's performance,
        if already computed.
        """
        st = self.state
        if perf is None:
            perf = behaviour.performance(st.grievance, st.harm)
        terms = behaviour.satisfaction_terms(
            self.spec.behaviour, perf, st.expectation, st.justice, st.process, st.disc_issue
        )
        raw = sum(terms.values())
        #: Mean of each satisfaction term before clipping, and the clipped share, today.
        self.satisfaction_terms = {
            k: float(np.add.reduce(v) / len(v)) if getattr(v, "ndim", 0) else float(v)
            for k, v in terms.items()
        }  # the mean of each term (np.mean's sum and division, without its overhead)
        clipped = np.count_nonzero((raw < 0) | (raw > 1))
        self.satisfaction_terms["clipped_share"] = float(clipped / len(raw))
        return raw.clip(0.0, 1.0)

    def _feedback(self) -> None:
        """Phase 6: chats, conflicts, ignored issues and complaints, then the residents' stocks.

        Grievance rises with the open issues' severity and decays; expectations follow
        performance at ``expectation_rate``; perceived procedural justice relaxes toward the
        procedural climate over ``justice_days`` (:func:`behaviour.procedural_climate`); the
        voice and per-issue terms decay with ``voice_halflife``, the year's records with a
        365-day time constant, the harm of conflicts at ``conflict_decay`` (before today's
        performance); satisfaction is computed last, from the updated stocks.
        """
        st, b = self.state, self.spec.behaviour
        self._chat()
        load = np.zeros(self.pop.n)  # severity of the open issues touching each resident
        for issue in self.issues.open:
            load[issue.members] += issue.severity
        self._conflicts()
        self._ignored()
        self._complaints()
        st.grievance = (st.grievance * (1.0 - b.grievance_decay) + b.grievance_rise * load).clip(
            0.0, 1.0
        )
        st.harm *= 1.0 - b.conflict_decay
        perf = behaviour.performance(st.grievance, st.harm)
        st.expectation += behaviour.daily_rate(b.expectation_rate) * (perf - st.expectation)
        year = np.exp(-1.0 / behaviour.YEAR_DAYS)
        for record in (st.issues_touched, st.issues_heard, st.voices):
            record *= year
        heard = self._heard = self.heard_share()
        climate = behaviour.procedural_climate(b, heard, st.voices)
        st.justice += (climate - st.justice) / b.justice_days
        decay = behaviour.halflife_factor(b.voice_halflife)
        st.process *= decay
        st.disc_issue *= decay
        st.satisfaction = self.compute_satisfaction(perf)

    def _chat(self) -> None:
        """Informal chats: Deffuant pairwise bounded confidence on face-to-face ties."""
        b, st = self.spec.behaviour, self.state
        n_chats = int(b.chats_per_day * self.pop.n)
        if n_chats == 0:
            return
        rng = self.stream("chat")
        k = int(rng.integers(len(ISSUE_TYPES)))
        u, v = self.net.edges
        classic.deffuant_edges_unchecked(
            st.opinion[:, k], u, v, b.chat_eps, b.chat_mu, n_chats, rng
        )  # in place on the column

    def _conflicts(self) -> None:
        """Conflicts: parking's from unmet demand tonight, the other types' from open issues.

        Parking: :meth:`sim.model.parking.ParkingLot.night` (with or without an open parking
        issue). Other conflict-prone types: daily count ~ Poisson(conflict_rate x sum over the
        affected of grievance x (1 - compliance)), compliance being each resident's decision
        under the type's convention (0 without one), each conflict in an affected resident's
        building. Every conflict harms its building.
        """
        st, pop = self.state, self.pop
        by_type = self.today.conflicts_by_type
        n, harm_at = self.parking.night(self)
        if n:
            by_type["parking"] = float(n)
            self.today.conflicts += n
        rng = self.stream("conflicts")
        at = [harm_at]
        for issue in self.issues.open:
            t = getattr(self.spec.issues, issue.type_name)
            if t.conflict_rate == 0:
                continue
            m = issue.members
            keeps = self.levers.compliance[issue.kind, m]
            keeps = np.where(np.isnan(keeps), 0.0, keeps)  # no convention: nobody keeps one
            lam = t.conflict_rate * float(st.grievance[m] @ (1.0 - keeps))
            n = int(rng.poisson(lam)) if lam > 0 else 0
            if n:
                at.append(pop.building[rng.choice(m, size=n)])
                by_type[issue.type_name] = by_type.get(issue.type_name, 0.0) + n
                self.today.conflicts += n
        if self.today.conflicts:
            harm_by_building = np.bincount(np.concatenate(at), minlength=pop.n_buildings)
            st.harm = (
                st.harm + self.spec.behaviour.conflict_harm * harm_by_building[pop.building]
            ).clip(0.0, 1.0)
            self.totals.conflicts += int(self.today.conflicts)

    def _ignored(self) -> None:
        """Issues open past residents' patience, and complaints past it, count as ignored.

        An ignored issue is a trust event with no outcome (``T* = 0.6·PJ``) and an issue
        touching its members not decided with voice; those who voiced it lose efficacy, and
        those who voiced it before a decision the pre-decision voice bonus too (a broken
        promise, van den Bos et al. 1996; a reopened issue's complainers spoke after one). An
        ignored
        complaint costs the complainers ``efficacy_step`` of efficacy (MODEL 3.1: −0.05 when
        one's issue is ignored) and is a trust event with no outcome, at the asymmetric rate
        (MODEL 3.3); its ``voice_post`` bonus stays: post-decision voice raised fairness
        judgments over no voice though it could not change the decision, i.e. voice has
        non-instrumental value (Lind, Kanfer & Earley 1990; MODEL 3.2). The complainer had
        that voice, so no promise of voice was broken.
        """
        st, b = self.state, self.spec.behaviour
        while self._complaints_due and self._complaints_due[0][0] <= self.day:
            _, who = self._complaints_due.pop(0)
            st.efficacy[who] = np.maximum(st.efficacy[who] - b.efficacy_step, 0)
            self._trust_event(who, 0.0)
        for issue in self.issues.open:
            if not issue.ignored and self.day - issue.day >= b.patience_days:
                issue.ignored = True
                m = issue.members
                st.issues_touched[m] += 1.0
                self._trust_event(m, 0.0)
                for j, voiced in enumerate(issue.voiced):
                    st.efficacy[voiced] = np.maximum(st.efficacy[voiced] - b.efficacy_step, 0)
                    if j >= issue.post_voiced:  # a broken promise of voice (van den Bos 1996)
                        st.process[voiced] -= b.voice_pre

    # ------------------------------------------------------------------ results
    @property
    def resolution_days(self) -> Sequence[int]:
        """Days from arrival to resolution of each issue resolved so far (read-only)."""
        return self._resolution_days

    @property
    def detection_days(self) -> Sequence[int]:
        """Days from arrival to detection of each issue detected so far (read-only)."""
        return self._detection_days

    @property
    def detection_offline(self) -> Sequence[float]:
        """The offline share of the affected of each issue detected so far (read-only)."""
        return self._detection_offline

    def recent_participants(self) -> np.ndarray:
        """Mask of residents who took part in a consultation in the last 30 days.

        During a step the window ends today; after it, the window of the day just simulated
        (the mask its metrics row used), so callers between steps see what the row shows.
        """
        if self._recent is not None:
            return self._recent
        return self.day - self.state.last_part < behaviour.RECENT_DAYS

    def year_participants(self) -> np.ndarray:
        """Mask of the adults who took part in a consultation in the last 365 days.

        As :meth:`recent_participants`: after a step, the mask of the day just simulated.
        """
        if self._year is not None:
            return self._year
        return self.pop.adult & (self.day - self.state.last_part < behaviour.YEAR_DAYS)

    def heard_share(self) -> np.ndarray:
        """Each resident's share of its issues of the last year decided with voice or replied.

        The procedural climate's share (at most 1; 0 without issues). After the day's feedback,
        the array it used (nothing changes the records until the next step).
        """
        if self._heard is not None:
            return self._heard
        st = self.state
        return np.minimum(st.issues_heard / np.maximum(st.issues_touched, 1e-9), 1.0)

    def per_row(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, computed once for the metrics row being collected (and read after it).

        For intermediate values several metrics share; during a step (state still changing),
        computed on every call.
        """
        row = self._row
        if row is None:
            return compute()
        if key not in row:
            row[key] = compute()
        return row[key]

    def _collect(self) -> None:
        """Phase 7: the day's row of every metric in :data:`sim.metrics.METRICS`.

        The recent- and year-participant masks are computed once for the row (nothing changes
        state while metrics are read) and kept until the next step starts. The values go into
        :attr:`datacollector`'s columns, stamped with Mesa's ``model.time`` as its ``collect``
        does, without its per-value ``deepcopy`` (every metric is a plain number).
        """
        self._recent = self.recent_participants()
        self._year = self.year_participants()
        self._row = {}
        dc = self.datacollector
        dc._collection_steps.append(self.time)
        columns = dc.model_vars
        for name, fn in METRICS.items():
            columns[name].append(fn(self))

    def metrics(self) -> pd.DataFrame:
        """The daily metrics table, one row per simulated day (since the last drain)."""
        return pd.DataFrame({name: self.datacollector.model_vars[name] for name in METRICS})

    def drain_metrics(self) -> pd.DataFrame:
        """The daily rows collected since the last drain, removed from the model.

        For long runs that ship the model between processes (:mod:`sim.experiments.district`): the
        model then carries only the rows of the days since the last exchange.
        """
        table = self.metrics()
        dc = self.datacollector
        dc._collection_steps.clear()
        for column in dc.model_vars.values():
            column.clear()
        return table

    def run(self, days: int | None = None) -> pd.DataFrame:
        """Simulate ``days`` days (default: the scenario's horizon) and return the metrics."""
        for _ in range(self.spec.days if days is None else days):
            self.step()
        return self.metrics()
