"""Rule tests of graded issue handling (sim/model/decision.py, sim/mechanisms/administrative.py).

Design: docs/design/causal_core.md section 1 (the rules) and 6.3 (no knife edge). Each pure
rule is checked on its own quantity; the handling routine on small communities, over several
seeds where it draws.
"""

import numpy as np
import pytest

from sim.mechanisms.administrative import handle, settle
from sim.model import CommunityModel
from sim.model import decision as rules
from sim.params import ISSUE_TYPES, DecisionParams

P = DecisionParams()
SMALL = {
    "population.residents": 120,
    "population.households": 40,
    "population.households_per_building": 10,
}
QUIET = {f"issues.{t}.rate.{c}": 0.0 for t in ISSUE_TYPES for c in ("old_estate", "commercial")}
QUIET |= {"committee.policies_per_month": 0.0}
PARKING = ISSUE_TYPES.index("parking")
PROPERTY = ISSUE_TYPES.index("property_management")
ENV = ISSUE_TYPES.index("environment")


def tiny(seed=0, scenario="xianlu_xincun", **overrides):
    return CommunityModel(
        scenario,
        rng=seed,
        mechanisms="administrative",
        overrides={**SMALL, **QUIET, **overrides},
        resident_agents=False,
    )


def prepared(model, kind, complexity, members=None):
    """A known issue whose preparation is done (its full effort spent)."""
    members = np.arange(20) if members is None else members
    t = getattr(model.spec.issues, ISSUE_TYPES[kind])
    issue = model.issues.add(kind, model.day, np.asarray(members), 0.3, complexity, t.effort_hours)
    issue.effort_left, issue.hours = 0.0, t.effort_hours
    model.detect(issue)
    return issue


# ---------------------------------------------------------------- the pure rules
def test_information_rises_with_informants_and_saturates():
    info = np.array([rules.information(n, P) for n in range(0, 41)])
    assert info[0] == 0 and np.all(np.diff(info) > 0)
    assert np.all(np.diff(info, 2) < 0)  # each informant adds less
    assert info[8] == pytest.approx(1 - np.exp(-1))
    assert info[40] > 0.99


def test_quality_rises_with_informants_and_saturates_below_one():
    q = [
        rules.quality(P, rules.inputs(P, 0.475, rules.information(n, P), 0, 0), 0.8)
        for n in range(0, 60, 4)
    ]
    assert np.all(np.diff(q) > 0) and np.all(np.diff(q, 2) < 0) and q[-1] < 1
    assert rules.quality(P, 0.0, 0.8) == P.q_lo
    # the design's check (parking 0.8, capacity 0.5, tau 1): committee alone 0.38
    assert rules.quality(P, rules.inputs(P, 0.5, 0, 0, 0), 0.8) == pytest.approx(0.38, abs=0.005)


def test_quality_falls_with_complexity_and_rises_with_resources_and_experts():
    base = rules.inputs(P, 0.475, 0.3, 0.2, 0.0)
    assert rules.quality(P, base, 0.9) < rules.quality(P, base, 0.8)
    assert rules.inputs(P, 0.475, 0.3, 0.4, 0.0) > base
    assert rules.inputs(P, 0.475, 0.3, 0.2, 0.2) > base


def test_ces_exponent_below_one_penalises_unbalanced_inputs():
    """With s < 1, spreading the same weighted total over inputs gives more than one input."""
    q = DecisionParams(ces=0.5, w_cap=1, w_info=1, w_res=1, w_exp=1)
    balanced = rules.inputs(q, 0.25, 0.25, 0.25, 0.25)
    lopsided = rules.inputs(q, 1.0, 0.0, 0.0, 0.0)
    assert balanced > lopsided
    additive = DecisionParams(w_cap=1, w_info=1, w_res=1, w_exp=1)
    assert rules.inputs(additive, 0.25, 0.25, 0.25, 0.25) == pytest.approx(1.0)


def test_representation_rises_with_represented_groups():
    group = np.repeat(np.arange(4), 10)  # four equal groups
    r = []
    for k in range(5):
        heard = np.zeros(40, dtype=bool)
        heard[[10 * g for g in range(k)]] = True  # one voice in each of the first k groups
        r.append(rules.representation(group, heard, 0, 0, P))
    assert r[0] == 0 and np.all(np.diff(r) > 0)
    assert r[4] == pytest.approx(1 - np.exp(-1 / P.m_rep))  # one voice everywhere: 0.49
    many = rules.representation(group, np.ones(40, dtype=bool), 2, 2, P)
    assert many > rules.representation(group, np.ones(40, dtype=bool), 0, 2, P)
    # residents' groups saturated (weight 1), two engaged organisations one voice each (0.1)
    one = 1 - np.exp(-1 / P.m_rep)
    assert many == pytest.approx((1 + 2 * P.org_share * one) / (1 + 2 * P.org_share), abs=0.01)


def test_agreement_is_one_at_consensus_and_zero_at_uniform_spread():
    assert rules.agreement(np.full(10, 0.3)) == pytest.approx(1.0)
    assert rules.agreement(np.linspace(0, 1, 1001)) == pytest.approx(0.0, abs=0.01)
    assert rules.agreement(np.array([0.3])) == 0.0  # one voice: no deliberation
    assert 0 < rules.agreement(np.array([0.4, 0.5, 0.6])) < 1


def test_acceptance_rises_with_every_term_and_favourability_weighs_most():
    """Arnesen 2017: favourability over influence; each term raises acceptance."""
    one = np.ones(1)

    def a(fav=0.5, v=0.0, r=0.0, d=0.0, t=0.5):
        return float(rules.acceptance(P, fav * one, v * one, r, d, t * one)[0])

    base = a()
    assert base == pytest.approx(0.5)
    for changed in (a(fav=0.7), a(v=1.0), a(r=1.0), a(d=1.0), a(t=0.8)):
        assert changed > base
    assert a(fav=0.75) - base > a(v=1.0) - base  # dA/dfav over the range > dA/dv
    assert a(v=1.0, t=0.9) - a(t=0.9) > a(v=1.0, t=0.1) - a(t=0.1)  # Wu & Wu 2015


def test_authority_weighs_the_proposal_by_rung_and_agreement():
    assert rules.authority(0.7, 1.0) == 0.7 and rules.authority(0.7, 0.25) == 0.35
    assert rules.position(0.0, 0.9, 0.5) == 0.5 and rules.position(1.0, 0.9, 0.5) == 0.9
    assert rules.position(0.5, 0.9, 0.5) == pytest.approx(0.7)


def test_referral_chance_is_a_half_where_inputs_meet_complexity_and_smooth():
    assert rules.referral_probability(P, 0.8, 0.5, 0.3) == pytest.approx(0.5)
    ks = np.linspace(0.0, 1.0, 201)
    p = np.array([rules.referral_probability(P, k, 0.475, 0.0) for k in ks])
    assert np.all(np.diff(p) > 0) and np.max(np.diff(p)) < 0.02  # no jump
    assert rules.referral_probability(P, 0.8, 0.475, 0.4) < rules.referral_probability(
        P, 0.8, 0.475, 0.0
    )


def test_engagement_rises_with_seat_interest_and_ask():
    e = rules.engagement_probability
    assert e(P, 0, 0, 0) == pytest.approx(1 / (1 + np.exp(2)))
    assert e(P, 1, 1, 1) > e(P, 0, 1, 1) > e(P, 0, 1, 0) > e(P, 0, 0.3, 0)


# ---------------------------------------------------------------- the handling routine
def test_voice_record_heard_one_household_and_ties_half_others_zero():
    m = tiny()
    issue = prepared(m, ENV, 0.2, members=np.arange(120))
    m.give_voice(np.array([0]), issue)
    voice, heard = rules.voice_record(m, issue)
    near = set(m.net.ties_of(np.array([0]))[0]) | set(
        np.flatnonzero(m.pop.household == m.pop.household[0])
    )
    assert voice[0] == 1 and heard.sum() == 1
    assert all(voice[j] == 0.5 for j in near - {0})
    assert np.all(voice[[j for j in range(120) if j not in near | {0}]] == 0)


def test_represented_voice_is_the_declared_value_and_zero_knocks_it_out():
    """``decision.voice_represented``: a heard resident's household and ties get it (K17 sets
    0, so the represented count as unheard); the heard keep 1, the others 0."""
    records = []
    for value in (0.2, 0.0):
        m = tiny(**{"decision.voice_represented": value})
        issue = prepared(m, ENV, 0.2, members=np.arange(120))
        m.give_voice(np.array([0]), issue)
        records.append(rules.voice_record(m, issue)[0])
    (low, off) = records
    near = low == 0.2
    assert near.any() and np.all(off[near] == 0) and low[0] == off[0] == 1
    assert np.all(low[~near & (np.arange(120) != 0)] == 0)


def test_heard_share_counts_the_affected_who_spoke_per_decided_issue():
    """``heard_share_mean``: distinct affected voices over the affected, averaged over the
    decided issues; a voice from outside the issue or a repeated one does not count."""
    from sim.metrics import heard_share_mean

    m = tiny()
    m.committee.start_day()
    spoken = prepared(m, ENV, 0.2, members=np.arange(60))
    m.give_voice(np.arange(6), spoken)
    m.give_voice(np.array([0, 100]), spoken)  # a repeat and a resident not affected
    silent = prepared(m, ENV, 0.2, members=np.arange(60, 120))
    assert np.isnan(heard_share_mean(m))
    for issue in (spoken, silent):
        settle(m, issue, np.random.default_rng(0))
    assert heard_share_mean(m) == pytest.approx((6 / 60 + 0.0) / 2)


def test_decision_records_quality_implementation_acceptance_and_favourability():
    m = tiny()
    m.committee.start_day()
    issue = prepared(m, ENV, 0.2)
    m.give_voice(np.arange(5), issue)
    settle(m, issue, np.random.default_rng(0))
    assert issue in m.issues.resolved
    assert P.q_lo < issue.quality < 1 and 0 < issue.implementation <= 1
    x = m.state.opinion[issue.members, ENV]
    np.testing.assert_allclose(
        issue.fav, issue.quality * issue.implementation * (1 - np.abs(x - issue.decision))
    )
    assert issue.acceptance.shape == issue.members.shape
    assert issue.acceptance[:5].mean() > issue.acceptance[5:].mean()  # the heard accept more
    assert issue.decision == m.committee.position and issue.authority == 0  # top-down


def test_proposal_weighs_by_rung_and_agreement_and_records_authority():
    m = tiny()
    m.committee.start_day()
    issue = prepared(m, ENV, 0.2)
    who = np.arange(10)
    m.state.opinion[who, ENV] = 0.9  # full agreement on 0.9
    issue.propose(0.9, who, 0.7)
    settle(m, issue, np.random.default_rng(0))
    assert issue.agreement == 1.0 and issue.authority == pytest.approx(0.7)
    assert issue.decision == pytest.approx(0.7 * 0.9 + 0.3 * m.committee.position)


def test_informants_raise_quality_in_the_handling_routine():
    q = []
    for n in (0, 5, 20):
        m = tiny()
        m.committee.start_day()
        issue = prepared(m, ENV, 0.2, members=np.arange(40))
        if n:
            m.give_voice(np.arange(n), issue)
        settle(m, issue, np.random.default_rng(0))
        q.append(issue.quality)
    assert q[0] < q[1] < q[2]


def test_compliance_needing_types_are_implemented_in_proportion_to_acceptance():
    """Parking needs residents' behaviour: M carries the mean acceptance; environment not."""
    m = tiny(**{"units": []})
    m.committee.start_day()
    park, env = prepared(m, PARKING, 0.2), prepared(m, ENV, 0.2)
    for issue in (park, env):
        settle(m, issue, np.random.default_rng(0))
    full = 1 - np.exp(-1 / P.time_scale)  # all follow-through hours granted, no pledges
    assert env.implementation == pytest.approx(full)
    assert park.implementation == pytest.approx(full * park.acceptance.mean())


def test_follow_through_hours_limit_implementation():
    m = tiny()
    m.committee.start_day()
    m.committee.free = 0.0  # no hours left for follow-through
    issue = prepared(m, ENV, 0.2)
    settle(m, issue, np.random.default_rng(0))
    assert issue.implementation == 0 and np.all(issue.fav == 0)


def firm_outcomes(reliability=None, strength=0.7, seeds=range(4), n=30):
    """Mean implementation and favourability of property issues in a small zhijia_garden."""
    impl, fav = [], []
    for seed in seeds:
        m = tiny(seed, "zhijia_garden", **{"property_firm.strength": strength})
        if reliability is not None:
            m.property_firm.reliability = reliability
        m.committee.start_day()
        m.committee.free = 1e9
        rng = np.random.default_rng(seed)
        for _ in range(n):
            issue = prepared(m, PROPERTY, 0.4)
            settle(m, issue, rng)
            impl.append(issue.implementation)
            fav.append(issue.fav.mean())
    return np.mean(impl), np.mean(fav)


def test_unreliable_firm_lowers_implementation():
    """The firm engages on about 38 % of 120 property issues (no seat, not asked); its
    unkept pledges remove their share of the inputs. Reliability 0.9 vs 0.1 moves the mean
    M by about 0.05; the tolerance (0.02) is several standard errors of that mean."""
    good, _ = firm_outcomes(reliability=0.9)
    bad, _ = firm_outcomes(reliability=0.1)
    assert good - bad > 0.02


def test_property_firm_strength_changes_property_outcomes():
    """Strength is the firm's input and its reliability: property-management favourability
    rises with it (mean over 120 issues, 4 seeds; the gap is far above the noise)."""
    _, weak = firm_outcomes(strength=0.1)
    _, strong = firm_outcomes(strength=0.9)
    assert strong > weak + 0.02
    # an engaged firm pledges its strength, delivered with its strength as reliability
    m = tiny(0, "zhijia_garden", **{"property_firm.strength": 0.3, "decision.eta0": 10.0})
    m.committee.start_day()
    issue = prepared(m, PROPERTY, 0.4)
    settle(m, issue, np.random.default_rng(0))
    assert issue.pledges["property_firm"] == (0.3, 0.3)


def test_returned_referral_is_decided_with_the_departments_resources():
    m = tiny(**{"committee.p_dept_response": 1.0})
    m.committee.start_day()
    issue = prepared(m, PARKING, 0.8)
    issue.effort_left = 0.0
    issue.referred_until = m.day
    m._hook("decide")
    assert issue in m.issues.resolved and "sub_district" in issue.pledges
    assert issue.pledges["sub_district"][0] == m.spec.sub_district.resources


# ---------------------------------------------------------------- no knife edge (design 6.3)
def handled(seed, capacity=1.0, complexity=1.0, support=1.0, n=150):
    """Share decided (not referred) and mean quality of n prepared parking issues."""
    m = tiny(seed, **{"committee.capacity": 0.5 * capacity})
    m.committee.start_day()
    m.committee.free = 1e9
    issues = []
    for _ in range(n):
        issue = prepared(m, PARKING, 0.8 * complexity)
        issue.support = 0.3 * support
        issues.append(issue)
    handle(m, issues, np.random.default_rng(seed))
    done = [i for i in issues if i in m.issues.resolved]
    return len(done) / n, float(np.mean([i.quality for i in done]))


@pytest.mark.parametrize("factor", ["capacity", "complexity", "support"])
def test_no_knife_edge_in_share_decided_and_quality(factor):
    """Design 6.3: at multipliers 0.95..1.05 (4 seeds, 150 issues each), no adjacent step
    carries the change (|step| <= 0.4 |y(1.05) - y(0.95)| + 2 sd/sqrt(R)) and the local
    elasticity is at most 3. The noise allowance is the design's; sd is the SD over seeds."""
    mults = [0.95, 0.975, 1.0, 1.025, 1.05]
    runs = np.array([[handled(s, **{factor: x}) for s in range(4)] for x in mults])  # x, s, 2
    for k in range(2):  # share decided, quality
        y = runs[:, :, k].mean(axis=1)
        noise = 2 * runs[:, :, k].std(axis=1, ddof=1).max() / np.sqrt(4)
        steps = np.abs(np.diff(y))
        assert np.all(steps <= 0.4 * abs(y[-1] - y[0]) + noise), (factor, k, y)
        elasticity = np.abs(np.diff(np.log(y)) / np.diff(np.log(mults)))
        assert np.all(elasticity <= 3), (factor, k, elasticity)
