"""Rule tests of the core model (sim/model.py; README, ODD 7 "Submodels").

Each test builds a small community, sets the state the rule reads, calls the phase or helper
that applies the rule, and checks the rule's own quantity (a trust step, a grievance, who
becomes aware), so that removing, inverting or doubling the rule fails the test.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from sim.model import CommunityModel, behaviour
from sim.model.community import NEVER, poisson_count
from sim.model.population import ELDERLY
from sim.model.state import Today
from sim.params import ISSUE_TYPES

SMALL = {
    "population.residents": 120,
    "population.households": 40,
    "population.households_per_building": 10,
    "behaviour.spinup_days": 0,  # rule tests start from the constructed state
    "population.child_share": 0.0,  # so "everyone asked takes part" holds (children tested apart)
}
NO_PARKING_CONFLICTS = {f"parking.kappa_{k}": 0.0 for k in ("grab", "lock", "over")}
QUIET = (
    {f"issues.{t}.rate.old_estate": 0.0 for t in ISSUE_TYPES}
    | {"committee.policies_per_month": 0.0}
    | NO_PARKING_CONFLICTS
)
PARKING = ISSUE_TYPES.index("parking")
ENV = ISSUE_TYPES.index("environment")


def tiny(seed=0, mechanisms="administrative", quiet=True, **overrides):
    """A community of 120 residents in 4 buildings; no arrivals and no parking conflicts
    unless ``quiet`` is False."""
    over = {**SMALL, **(QUIET if quiet else {}), **overrides}
    return CommunityModel(
        "xianlu_xincun", rng=seed, mechanisms=mechanisms, overrides=over, resident_agents=False
    )


def open_issue(model, members, kind=ENV, severity=0.3, complexity=0.2, effort=4.0):
    return model.issues.add(kind, model.day, np.asarray(members), severity, complexity, effort)


# ---------------------------------------------------------------- outcomes of a resolution
def test_resolution_moves_trust_toward_its_target_and_scores_the_outcome():
    """outcome(): grievance × (1 − fav); trust toward 0.4·fav + 0.6·PJ_issue; D += b·(O − Ê)."""
    m = tiny()
    b, st = m.spec.behaviour, m.state
    who = np.arange(6)
    st.opinion[who, ENV] = [0.5, 0.5, 0.3, 0.9, 0.0, 1.0]
    st.grievance[who] = 0.4
    st.justice[who] = 0.9  # a target above trust for the favoured, below for the others
    before = st.trust[who].copy()
    issue = open_issue(m, who)
    m.resolve_issue(issue, quality=0.8, decision=0.5)
    fav = 0.8 * (1 - np.abs(st.opinion[who, ENV] - 0.5))
    # top-down (authority 0): the decision's procedural justice is half the justice stock
    # plus the acceptance beyond favourability
    pj_issue = np.clip(0.5 * 0.9 + issue.acceptance - fav, 0.0, 1.0)
    target = 0.4 * fav + 0.6 * pj_issue
    rate = np.where(target >= before, b.trust_gain, b.trust_gain * b.trust_neg_ratio)
    np.testing.assert_allclose(st.trust[who], before + rate * (target - before))
    np.testing.assert_allclose(st.grievance[who], 0.4 * (1 - fav))
    np.testing.assert_allclose(st.process[who], b.action_effect * fav)
    outcome = 0.6 * fav + 0.4 * pj_issue
    np.testing.assert_allclose(st.disc_issue[who], b.sat_issue * (outcome - 0.5))
    np.testing.assert_allclose(st.fav_expect[who], 0.5 + (outcome - 0.5) / 3)
    assert np.all(st.trust[6:] == before[0])  # the unaffected keep theirs
    assert m.issues.open == [] and m.totals.resolved == 1


def test_outcome_takes_acceptance_beyond_favourability_as_procedural_legitimacy():
    m = tiny()
    b, st = m.spec.behaviour, m.state
    who = np.arange(4)
    fav = np.full(4, 0.3)
    m.outcome(who, fav, np.full(4, 0.7), 1.0)
    pj_issue = np.clip(0.5 + 0.5 * b.climate_base + 0.4, 0, 1)
    np.testing.assert_allclose(st.disc_issue[who], b.sat_issue * (0.6 * 0.3 + 0.4 * pj_issue - 0.5))
    np.testing.assert_allclose(st.issues_heard[who], 1.0)


def test_resolution_with_authority_builds_twice_the_trust():
    """Power-sharing builds trust (MODEL 3.3): twice the gain when the participants' position
    carried weight (authority >= 0.5)."""
    gains = []
    for authority in (0.0, 0.7):
        m = tiny()
        who = np.arange(4)
        m.state.justice[who] = 1.0
        before = m.state.trust[who].copy()
        # the decision's procedural justice is 1 at both authorities (clipped): the same target
        m.outcome(who, np.full(4, 0.3), np.full(4, 1.0), authority)
        gains.append(m.state.trust[who] - before)
    np.testing.assert_allclose(gains[1], 2 * gains[0])
    assert np.all(gains[0] > 0)


def test_a_decision_is_trusted_by_its_own_procedure_not_the_justice_stock():
    """Trust's target at a decision is ``0.4·fav + 0.6·PJ_issue`` (MODEL 3.2: trust in the RC
    weighs the procedure of the decision judged): with the same favourability and the same
    perceived-justice stock, a decision with some authority and an acceptance beyond its
    favourability moves trust further up than a top-down one; both below the co-governance
    threshold, so the rate is the same. Under a target from the stock alone they would be equal.
    """
    gains = []
    for authority, accept in ((0.0, 0.3), (0.4, 0.8)):
        m = tiny()
        b, st = m.spec.behaviour, m.state
        who = np.arange(4)
        st.justice[who] = 0.4
        before = st.trust[who].copy()
        m.outcome(who, np.full(4, 0.3), np.full(4, accept), authority)
        pj_issue = np.clip(0.5 * authority + 0.5 * 0.4 + accept - 0.3, 0.0, 1.0)
        target = 0.4 * 0.3 + 0.6 * pj_issue
        rate = np.where(target >= before, b.trust_gain, b.trust_gain * b.trust_neg_ratio)
        np.testing.assert_allclose(st.trust[who], before + rate * (target - before))
        np.testing.assert_array_equal(st.justice[who], 0.4)  # the stock is not what moved
        gains.append(st.trust[who] - before)
    assert np.all(gains[1] > gains[0] + 0.005), gains


def test_resolution_scales_favourability_by_implementation():
    m = tiny()
    st = m.state
    who = np.arange(4)
    st.opinion[who, ENV], st.grievance[who] = 0.5, 0.4
    issue = open_issue(m, who)
    m.resolve_issue(issue, 0.8, 0.5, implementation=0.5)
    np.testing.assert_allclose(issue.fav, 0.4)
    np.testing.assert_allclose(st.grievance[who], 0.4 * 0.6)


def test_those_who_voiced_a_resolved_issue_gain_efficacy():
    m = tiny()
    b, st = m.spec.behaviour, m.state
    issue = open_issue(m, np.arange(10))
    m.give_voice(np.array([1, 2]), issue)
    before = st.efficacy.copy()
    m.resolve_issue(issue, 0.5, 0.5)
    np.testing.assert_allclose(st.efficacy[[1, 2]] - before[[1, 2]], b.efficacy_step)
    assert np.all(st.efficacy[[0, 3, 4]] == before[[0, 3, 4]])


def test_referral_only_answer_costs_trust_and_satisfaction_and_needs_a_quarter_effort():
    m = tiny()
    b, st = m.spec.behaviour, m.state
    who = np.arange(5)
    issue = open_issue(m, who, kind=PARKING)
    issue.referred_until = m.day
    before = st.trust[who].copy()
    m.referral_failed(issue)
    np.testing.assert_allclose(before - st.trust[who], b.trust_gain * b.trust_neg_ratio)
    np.testing.assert_allclose(st.process[who], -b.referral_effect)
    assert issue.referred_until == -1
    assert issue.effort_left == pytest.approx(
        m.spec.committee.retry_effort * m.spec.issues.parking.effort_hours
    )


def test_ignored_issue_costs_trust_once_at_the_asymmetric_rate():
    """Open past patience: trust falls toward 0.6·PJ at λ⁻ (Slovic 1993), once only."""
    m = tiny()
    b, st = m.spec.behaviour, m.state
    assert b.trust_neg_ratio > 1
    who = np.arange(8)
    m.day = 500
    young = open_issue(m, np.arange(8, 16))
    young.day = m.day - b.patience_days + 1
    issue = open_issue(m, who)
    issue.day = m.day - b.patience_days
    m.give_voice(np.array([0, 1]), issue)
    eff, proc, trust = st.efficacy.copy(), st.process.copy(), st.trust.copy()
    m._ignored()
    target = 0.6 * st.justice[who]  # no outcome: distributive justice 0
    np.testing.assert_allclose(
        trust[who] - st.trust[who], b.trust_gain * b.trust_neg_ratio * (trust[who] - target)
    )
    assert np.all(st.trust[8:] == trust[8:])  # the younger issue is not yet ignored
    np.testing.assert_allclose(eff[[0, 1]] - st.efficacy[[0, 1]], b.efficacy_step)
    np.testing.assert_allclose(proc[[0, 1]] - st.process[[0, 1]], b.voice_pre)
    assert np.all(st.efficacy[2:] == eff[2:])
    after = st.trust.copy()
    m._ignored()
    assert np.array_equal(st.trust, after) and issue.ignored and not young.ignored


# ---------------------------------------------------------------- voice and deliberation
def test_pre_decision_voice_counts_more_than_post_decision_voice():
    """Bonuses voice_pre > voice_post; only pre-decision voice lifts PJ, by half the gap."""
    m = tiny()
    b, st = m.spec.behaviour, m.state
    assert b.voice_pre > b.voice_post
    issue = open_issue(m, np.arange(10))
    pj0 = b.climate_base
    m.give_voice(np.array([0, 1]), issue, pre=True)
    m.give_voice(np.array([2]), None, pre=False)
    np.testing.assert_allclose(st.process[:3], [b.voice_pre, b.voice_pre, b.voice_post])
    jump = pj0 + b.justice_step * (1 - pj0)
    np.testing.assert_allclose(st.justice[:4], [jump, jump, pj0, pj0])
    np.testing.assert_allclose(st.voices[:4], [1, 1, 1, 0])
    m.give_voice(np.array([0]), None)
    assert jump < st.justice[0] < 1.0
    assert [list(v) for v in issue.voiced] == [[0, 1]]


def test_voicing_an_issue_and_an_opened_channel_raise_expectations():
    """A promise: E rises by promise_effect of its gap to 1 (design doc 3.1)."""
    m = tiny()
    b, st = m.spec.behaviour, m.state
    st.expectation[:] = 0.6
    m.give_voice(np.array([0]), open_issue(m, np.arange(3)))
    m.give_voice(np.array([1]), None)
    np.testing.assert_allclose(st.expectation[:3], [0.6 + b.promise_effect * 0.4, 0.6, 0.6])
    reach = np.zeros(m.pop.n)
    reach[5] = 1.0
    m.open_channel("x", reach)
    assert st.expectation[5] == pytest.approx(0.6 + b.promise_effect * 0.4)
    assert st.expectation[6] == 0.6 and m.channels["x"] is reach


def test_deliberation_pulls_toward_the_committee_and_agrees_on_the_mean():
    m = tiny()
    who = np.arange(5)
    m.state.opinion[who, ENV] = 0.1
    agreed = m.deliberate(who, ENV, eps=0.3, pull=0.5)
    assert agreed == pytest.approx(0.1 + 0.5 * (m.committee.position - 0.1))
    np.testing.assert_allclose(m.state.opinion[who, ENV], agreed)


# ---------------------------------------------------------------- participation
def social_model():
    """Resident 0 and its ties; everyone needs half of one's ties (constructed, not drawn)."""
    m = tiny()
    m.state.theta[:] = 0.5
    ties = m.net.face.indices[m.net.face.indptr[0] : m.net.face.indptr[1]]
    assert len(ties) >= 2
    return m, ties


def p_of(m, i, **occasion):
    return m.participation_probability(**occasion)[i]


def lo(p):
    return np.log(p / (1 - p))


def test_neighbour_threshold_sets_the_share_of_ties_who_took_part_against_theta():
    """Granovetter 1978: the logit rises by bS·(s(k/d) − s(0)), s the smooth step at θ = ½."""
    m, ties = social_model()
    b, d = m.spec.behaviour, len(ties)
    m.pop.adult[0] = True
    none = p_of(m, 0)
    rise = []
    for k in range(1, d + 1):
        m.state.last_part[ties[:k]] = m.day
        s = behaviour.social_threshold(np.array([k / d, 0.0]), np.full(2, 0.5), np.ones(2, bool))
        rise.append(lo(p_of(m, 0)) - lo(none))
        assert rise[-1] == pytest.approx(b.b_social * (s[0] - s[1]))
    assert np.all(np.diff(rise) > 0)  # each further tie who took part counts
    assert rise[-1] > 0.99 * b.b_social  # all of one's ties: met


def test_no_ties_no_neighbour_term():
    """A resident without face-to-face ties gets no neighbour term, even at θ = 0."""
    m = tiny()
    alone = int(np.argmax(m.net.degree))
    m.pop.adult[alone] = True
    m.state.theta[:] = 0.0
    m.state.last_part[:] = m.day  # everyone took part: every tie counts
    with_ties = p_of(m, alone)
    keep = sp.diags((np.arange(m.pop.n) != alone).astype(float))
    m.net.face = (keep @ m.net.face @ keep).tocsr()
    m.net.face.eliminate_zeros()
    assert m.net.degree[alone] == 0
    b = m.spec.behaviour
    # the neighbour term was s = 1 (every tie took part, θ = 0) and is now 0
    assert lo(with_ties) - lo(p_of(m, alone)) == pytest.approx(b.b_social, rel=1e-6)


def test_ties_count_for_a_year():
    m, ties = social_model()
    m.pop.adult[0] = True
    m.day = 400
    m.state.last_part[ties[:2]] = m.day - behaviour.YEAR_DAYS
    old = p_of(m, 0)
    m.state.last_part[ties[:2]] = m.day - behaviour.YEAR_DAYS + 1
    assert p_of(m, 0) > old


def test_children_never_take_part_and_age_shifts_the_logit():
    m = tiny(**{"population.child_share": 0.2})
    assert (~m.pop.adult).sum() > 10
    b = m.spec.behaviour
    p = m.participation_probability(asked=1.0)
    assert np.all(p[~m.pop.adult] == 0) and np.all(p[m.pop.adult] > 0)
    np.testing.assert_allclose(
        m.age_term, np.array([0.0, b.b_age_middle, b.b_age_elderly])[m.pop.age]
    )


def test_group_benefit_is_the_olson_term_of_the_known_issue_touching_one():
    """B = stake·Δp·(N_ref/N)^γ, the stake doubled for car households on parking."""
    m = tiny()
    b, st = m.spec.behaviour, m.state
    st.grievance[:] = 0.4
    small = open_issue(m, np.arange(4))
    big = open_issue(m, np.arange(4, 64), kind=PARKING)
    assert not m.group_benefit().any()  # unknown issues: no benefit
    small.known_day = big.known_day = m.day
    m.give_voice(np.array([0]), small)
    got = m.group_benefit()
    np.testing.assert_allclose(got[:4], 0.4 * np.exp(-1 / 8) * (b.group_ref / 4) ** 0.5)
    car = m.car_household[m.pop.household[4:64]]
    want = 0.4 * np.where(car, 2, 1) * (b.group_ref / 60) ** 0.5
    np.testing.assert_allclose(got[4:64], want)
    assert got[64:].sum() == 0


def test_daytime_doubles_the_time_cost_of_the_employed_only():
    m = tiny()
    b = m.spec.behaviour
    emp, ret = np.flatnonzero(m.pop.employed)[0], np.flatnonzero(~m.pop.employed)[0]
    night, day = m.participation_probability(), m.participation_probability(daytime=True)
    assert day[ret] == night[ret]
    lo = lambda p: np.log(p / (1 - p))  # noqa: E731
    assert lo(night[emp]) - lo(day[emp]) == pytest.approx(b.b_cost * m.time_cost[emp])
    assert m.time_cost[emp] == b.cost_employed and m.time_cost[ret] == b.cost_retired


def test_visibility_adds_its_effect_to_the_adults_who_see_it_only():
    m = tiny()
    base = m.participation_probability()
    m.levers.visible[:10] = 1.0
    gain = m.participation_probability() - base
    np.testing.assert_allclose(gain[:10], m.spec.behaviour.visibility * m.pop.adult[:10])
    assert np.all(gain[10:] == 0)
    who = np.arange(5, 15)  # the same values for a subset
    np.testing.assert_allclose(m.participation_probability(who=who), (base + gain)[who])


def test_draw_participants_takes_only_the_pool():
    m = tiny(**{"behaviour.b0": 20.0})
    pool = np.zeros(m.pop.n, dtype=bool)
    pool[[3, 7, 9]] = True
    assert list(m.draw_participants(m.stream("t"), pool)) == [3, 7, 9]


# ---------------------------------------------------------------- feedback of a day
def feedback(m):
    m.today = Today()
    m._feedback()


def test_daily_feedback_updates_grievance_expectations_and_decays():
    """Grievance decays and rises with open severity; E moves toward P; PJ toward the
    climate; voice decays; satisfaction from the updated stocks."""
    m = tiny(**{"behaviour.chats_per_day": 0.0})
    b, st = m.spec.behaviour, m.state
    who = np.arange(10)
    open_issue(m, who, severity=0.5)
    st.grievance[:] = 0.2
    st.harm[:] = 0.1
    st.expectation[:] = 0.9
    st.process[:] = 0.1
    st.justice[:] = 0.8
    feedback(m)
    g = np.full(m.pop.n, 0.2 * (1 - b.grievance_decay))
    g[who] += b.grievance_rise * 0.5
    np.testing.assert_allclose(st.grievance, g)
    perf = np.clip(1 - g - 0.1 * (1 - b.conflict_decay), 0, 1)
    np.testing.assert_allclose(
        st.expectation, 0.9 + behaviour.daily_rate(b.expectation_rate) * (perf - 0.9)
    )
    decay = behaviour.halflife_factor(b.voice_halflife)
    np.testing.assert_allclose(st.process, 0.1 * decay)
    pj = 0.8 + (b.climate_base - 0.8) / b.justice_days  # toward the climate of the unheard
    np.testing.assert_allclose(st.justice, pj)
    np.testing.assert_allclose(st.harm, 0.1 * (1 - b.conflict_decay))
    terms = behaviour.satisfaction_terms(
        b,
        perf,
        0.9 + behaviour.daily_rate(b.expectation_rate) * (perf - 0.9),
        np.full(m.pop.n, pj),
        np.full(m.pop.n, 0.1 * decay),
        np.zeros(m.pop.n),
    )
    np.testing.assert_allclose(st.satisfaction, np.clip(sum(terms.values()), 0, 1))


def test_expectations_close_the_monthly_share_of_the_gap_in_thirty_days():
    """E moves toward P at expectation_rate a month: after 30 days of P = 0.5 from E = 1."""
    m = tiny(**{"behaviour.chats_per_day": 0.0})
    m.state.expectation[:] = 1.0
    for _ in range(30):
        m.state.harm[:] = 0.5 / (1 - m.spec.behaviour.conflict_decay)  # decays to 0.5 first
        feedback(m)  # grievance stays 0, so performance is 0.5 each day
    rate = m.spec.behaviour.expectation_rate
    np.testing.assert_allclose(m.state.expectation, 1 - rate * 0.5)


# ---------------------------------------------------------------- conflicts of open issues
def conflict_model(rate=0.5):
    """Environment issues with a conflict rate (parking's nightly conflicts are off)."""
    return tiny(**{"issues.environment.conflict_rate": rate, "behaviour.chats_per_day": 0.0})


def test_conflicts_follow_grievance_and_harm_the_buildings_they_happen_in():
    m = conflict_model()
    b, st = m.spec.behaviour, m.state
    building0 = np.flatnonzero(m.pop.building == 0)
    open_issue(m, building0, kind=ENV)
    st.grievance[building0] = 1.0
    m.today = Today()
    m._conflicts()
    n = m.today.conflicts
    assert n > 0 and m.today.conflicts_by_type["environment"] == n
    np.testing.assert_allclose(st.harm[building0], min(1.0, b.conflict_harm * n))
    assert np.all(st.harm[m.pop.building != 0] == 0)
    m2 = conflict_model()
    open_issue(m2, building0, kind=ENV)  # no grievance, no conflicts
    m2.today = Today()
    m2._conflicts()
    assert m2.today.conflicts == 0


def mean_conflicts(compliance, days=400):
    m = conflict_model(0.05)
    who = np.flatnonzero(m.pop.building == 0)
    open_issue(m, who, kind=ENV)
    m.state.grievance[who] = 1.0
    total = 0.0
    for _ in range(days):
        m.today = Today()
        m.levers.compliance[ENV, who] = compliance
        m._conflicts()
        total += m.today.conflicts
    return total / days, 0.05 * len(who)


def test_compliance_scales_conflicts_down():
    """Poisson mean conflict_rate x sum(grievance x (1 - compliance)); full compliance: none.

    400 days at a mean of 1.5 a day: the mean's sd is 0.06, the tolerance 0.25 (4 sd).
    """
    none, lam = mean_conflicts(np.nan)  # no convention binds: compliance 0
    half, _ = mean_conflicts(0.5)
    full, _ = mean_conflicts(1.0)
    assert none == pytest.approx(lam, abs=0.25)
    assert half == pytest.approx(lam / 2, abs=0.25)
    assert full == 0.0


# ---------------------------------------------------------------- arrivals and detection
def count_arrivals(model, days):
    for _ in range(days):
        model._arrivals()
        model.day += 1
    return [len([i for i in model.issues.open if i.kind == k]) for k in range(len(ISSUE_TYPES))]


def busy(**over):
    return tiny(
        quiet=False,
        **{f"issues.{t}.rate.old_estate": 365.0 for t in ISSUE_TYPES},
        **{"committee.policies_per_month": 0.0},
        **over,
    )


def test_prevention_removes_its_share_of_arrivals():
    """Rate x (1 - prevention): full prevention stops a type; half halves it.

    800 days at one arrival a day: counts near 800 (sd 28) and 400 (sd 20); a tolerance of
    0.12 on the ratio is over 4 sd.
    """
    free = busy()
    free.car_household[:] = True
    base = count_arrivals(free, 800)
    m = busy()
    m.car_household[:] = True
    m.levers.prevention[:] = 0.5
    m.levers.prevention[ENV] = 1.0
    got = count_arrivals(m, 800)
    assert got[ENV] == 0 and base[ENV] > 0
    for k in range(len(ISSUE_TYPES)):
        if k != ENV:
            assert got[k] / base[k] == pytest.approx(0.5, abs=0.12), ISSUE_TYPES[k]


def test_parking_arrivals_scale_with_the_shortage():
    """Parking's rate is multiplied by shortage / 0.5: no shortage, no parking issues."""
    m = busy()
    m.car_household[:] = True
    m.spaces = len(m.car_household)
    assert m.parking_shortage() == 0
    got = count_arrivals(m, 300)
    assert got[PARKING] == 0 and got[ENV] > 0
    m2 = busy()
    m2.car_household[:] = True
    m2.spaces = len(m2.car_household) // 2  # shortage 0.5: the stated rate
    got2 = count_arrivals(m2, 800)
    assert got2[PARKING] / got2[ENV] == pytest.approx(1.0, abs=0.15)


def test_issues_touch_the_eligible_residents_of_their_buildings():
    m = busy()
    count_arrivals(m, 40)
    for issue in m.issues.open:
        t = getattr(m.spec.issues, issue.type_name)
        assert len(np.unique(m.pop.building[issue.members])) <= t.buildings
        if t.affects == "elderly":
            assert np.all(m.pop.age[issue.members] == ELDERLY)
        if t.affects == "car_owners":
            assert np.all(m.car_household[m.pop.household[issue.members]])
    kinds = {i.kind for i in m.issues.open}
    assert kinds == set(range(len(ISSUE_TYPES)))


def test_poisson_count_is_monotone_in_the_rate_for_one_uniform():
    u = np.random.default_rng(0).random(2000)
    low = np.array([poisson_count(x, 0.5) for x in u])
    high = np.array([poisson_count(x, 2.0) for x in u])
    assert np.all(high >= low)
    assert low.mean() == pytest.approx(0.5, abs=0.08) and high.mean() == pytest.approx(2, abs=0.15)


def test_reports_need_grievance_and_follow_the_report_weight():
    """A resident reports with chance report_prob x grievance x report_weight."""
    m = tiny()
    issue = open_issue(m, np.arange(5))
    for _ in range(50):
        m._detect()
    assert not issue.known  # no grievance, no report
    m.state.grievance[:5] = 0.01
    m.levers.report_weight[:5] = 10_000.0  # the chance is clipped near one
    m._detect()
    assert issue.known and m.detection_days == [0]


def test_word_of_mouth_informs_residents_with_aware_ties():
    m = tiny(**{"behaviour.word_of_mouth": 1.0})
    m.state.aware[:] = False
    m.state.aware[0] = True
    ties = m.net.face.indices[m.net.face.indptr[0] : m.net.face.indptr[1]]
    m._inform()
    assert np.all(m.state.aware[ties])
    assert m.state.aware.sum() == len(ties) + 1
    m2 = tiny(**{"behaviour.word_of_mouth": 0.0})
    m2.state.aware[1:] = False
    m2._inform()
    assert m2.state.aware.sum() == 1


def test_social_workers_visit_households_up_to_the_coverage_target():
    m = tiny()
    c = m.spec.committee
    m.committee.start_day()
    m.state.aware[:] = False
    m.explain_in_person()
    aware = m.household_aware()
    assert aware.sum() == int(np.ceil(c.explain_coverage * len(aware)))
    assert m.committee.spent["explanation"] == pytest.approx(aware.sum() * c.explain_minutes / 60)


# ---------------------------------------------------------------- informal chats
def test_informal_chats_move_close_opinions_only():
    """Deffuant chats on face-to-face ties: pairs within chat_eps converge, others do not."""
    m = tiny()
    st = m.state
    st.opinion[:] = np.where(np.arange(m.pop.n)[:, None] % 2 == 0, 0.0, 1.0)  # far apart
    far = st.opinion.copy()
    m._chat()
    assert np.array_equal(st.opinion, far)
    st.opinion[:] = 0.5 + 0.2 * np.random.default_rng(1).random(st.opinion.shape)  # close
    close = st.opinion.copy()
    m._chat()
    moved = np.flatnonzero(np.any(st.opinion != close, axis=0))
    assert len(moved) == 1  # one issue axis a day
    k = moved[0]
    assert st.opinion[:, k].std() < close[:, k].std()
    assert st.opinion[:, k].mean() == pytest.approx(close[:, k].mean())


# ---------------------------------------------------------------- committee handling
def test_committee_refers_with_the_graded_chance_and_decides_the_rest_top_down():
    """Referral chance logit^-1((complexity - capacity tau - rho~) / s_ref) (design 1.3): 0.5
    where complexity equals the inputs; 400 issues, so the share is within 0.08 (4 SE)."""
    from sim.model import decision

    m = tiny(**{"units": []})
    m.committee.start_day()
    m.committee.free = 1e9
    c, p = m.spec.committee, m.spec.decision
    tau = decision.staff_time(1.0, 1.0, p)  # prepared with its full effort
    issues = []
    for k in range(400):
        issue = open_issue(m, np.arange(5 * (k % 20), 5 * (k % 20) + 5), effort=1.0)
        issue.complexity = c.capacity * tau
        m.detect(issue)
        issues.append(issue)
    m._hook("decide")
    referred = [i for i in issues if i.referred]
    assert len(referred) / 400 == pytest.approx(0.5, abs=0.08)
    assert all(i.referred_until == m.day + c.referral_days for i in referred)
    decided = [i for i in issues if i in m.issues.resolved]
    assert len(decided) + len(referred) == 400
    assert all(i.decision == m.committee.position and i.authority == 0 for i in decided)


def test_first_known_first_served_with_scarce_hours():
    m = tiny()
    m.committee.start_day()
    free = m.committee.free
    late = open_issue(m, np.arange(5), effort=0.6 * free)
    early = open_issue(m, np.arange(5, 10), effort=0.6 * free)
    m.detect(early)
    m.day += 1
    m.detect(late)
    m._hook("decide")
    assert early in m.issues.resolved and late in m.issues.open


def test_residents_proposal_is_weighted_by_authority_and_expert_input_raises_quality():
    qualities = []
    for bonus in (0.0, 0.2):
        m = tiny()
        m.committee.start_day()
        issue = open_issue(m, np.arange(5), effort=1.0)
        m.state.opinion[:3, ENV] = 0.8
        issue.propose(0.8, np.arange(3), 0.7)
        issue.quality_bonus = bonus
        m.detect(issue)
        m._hook("decide")
        assert issue.authority == pytest.approx(0.7)  # the three agree fully
        assert issue.decision == pytest.approx(0.7 * 0.8 + 0.3 * m.committee.position)
        qualities.append(issue.quality)
    assert qualities[1] > qualities[0]


@pytest.mark.parametrize("p, solved", [(1.0, True), (0.0, False)])
def test_returning_referral_is_acted_on_with_the_department_probability(p, solved):
    m = tiny(**{"committee.p_dept_response": p})
    m.committee.start_day()
    issue = open_issue(m, np.arange(5), complexity=1.0, effort=0.0)
    m.detect(issue)
    issue.referred_until = m.day
    # a resolution's trust target above today's trust: T* >= 0.6 x PJ_issue, and PJ_issue =
    # 1/2 x 1 + acceptance - fav (top-down) is about 0.35 here, so T* > 0.2
    m.state.justice[:5] = 1.0
    m.state.trust[:5] = 0.2
    trust = m.state.trust[:5].copy()
    m._hook("decide")
    assert (issue in m.issues.resolved) == solved
    assert np.all(m.state.trust[:5] > trust) == solved
    assert np.all(m.state.trust[:5] < trust) == (not solved)


def test_online_occasions_carry_no_age_gradient():
    """The age gradient is fitted to RC-election turnout (offline); online occasions leave it
    out, so only the middle-aged and the elderly lose chance online, adults under 35 don't."""
    m = tiny()
    off, on = m.participation_probability(), m.participation_probability(online=True)
    adult, age = m.pop.adult, m.pop.age
    young = adult & (age == 0)
    assert young.any() and (adult & (age == ELDERLY)).any()
    np.testing.assert_array_equal(off[young], on[young])
    older = adult & (age > 0)
    assert np.all(off[older] > on[older])
    assert np.all(off[~adult] == 0) and np.all(on[~adult] == 0)


def test_trust_where_issues_were_decided_with_voice_weights_by_the_heard_share():
    """trust_voiced_issues: trust weighted by the share of one's issues decided with voice."""
    from sim import metrics

    m = tiny()
    st = m.state
    st.issues_touched[:] = 0.0
    st.issues_heard[:] = 0.0
    assert np.isnan(metrics.trust_voiced_issues(m))  # nobody's issues decided: no weight
    st.issues_touched[:3] = 2.0
    st.issues_heard[:3] = [2.0, 1.0, 3.0]  # shares 1, 1/2 and 1 (capped)
    st.trust[:3] = [0.9, 0.3, 0.6]
    assert metrics.trust_voiced_issues(m) == pytest.approx((0.9 + 0.5 * 0.3 + 0.6) / 2.5)


def test_participation_clustering_by_stairwell_is_the_anova_icc():
    """participation_stairwell_icc: (MSB − MSW)/(MSB + (n₀ − 1)·MSW) over adults by stairwell."""
    from sim import metrics

    m = tiny(**{"population.households_per_stairwell": 4})
    st, adult = m.state, m.pop.adult
    g = m.pop.stairwell
    assert len(np.unique(g)) > 4
    m.day = 400
    st.last_part[:] = NEVER
    assert np.isnan(metrics.participation_stairwell_icc(m))  # no one took part: no variance
    st.last_part[g % 2 == 0] = m.day  # whole stairwells take part, the others not
    assert metrics.participation_stairwell_icc(m) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    draws = []
    for _ in range(200):  # taking part independent of place
        st.last_part[:] = np.where(rng.random(m.pop.n) < 0.2, m.day, NEVER)
        y, gs = (st.last_part[adult] == m.day).astype(float), g[adult]
        groups = [y[gs == k] for k in np.unique(gs)]
        n, big_g = len(y), len(groups)
        msb = sum(len(x) * (x.mean() - y.mean()) ** 2 for x in groups) / (big_g - 1)
        msw = sum(((x - x.mean()) ** 2).sum() for x in groups) / (n - big_g)
        n0 = (n - sum(len(x) ** 2 for x in groups) / n) / (big_g - 1)
        got = metrics.participation_stairwell_icc(m)
        assert got == pytest.approx((msb - msw) / (msb + (n0 - 1) * msw), abs=1e-12)
        draws.append(got)
    # 12 stairwells of 4-15 adults: one draw's sd is about 0.05, so 200 draws' mean is within
    # 0.012 (3.5 standard errors) of the estimator's near-0 expectation under independence
    assert abs(np.mean(draws)) < 0.012
