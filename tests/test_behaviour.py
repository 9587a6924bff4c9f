"""Rule tests of sim.behaviour: each term of each rule, on constructed arrays.

Each test changes one input of a rule and checks the direction and size of the change the
rule states (MODEL section 3; README, ODD 7), so a term removed, inverted or doubled fails.
"""

import warnings

import numpy as np
import pytest
from scipy.stats import truncnorm

from sim.model import behaviour
from sim.params import BehaviourParams

B = BehaviourParams()
N = 5
ZERO = np.zeros(N)


def logit_inputs(**changed):
    """Inputs of the participation rule for N adult residents: all zero unless changed."""
    base = dict(
        resources=ZERO,
        engagement=ZERO,
        age_term=ZERO,
        social=ZERO,
        cost=ZERO,
        efficacy=ZERO,
        benefit=ZERO,
        adult=np.ones(N, dtype=bool),
    )
    base.update(changed)
    return base


def logit_of(p):
    return np.log(p / (1.0 - p))


@pytest.mark.parametrize(
    "term, weight, sign",
    [
        ("resources", "b_resources", 1),
        ("engagement", "b_engagement", 1),
        ("social", "b_social", 1),
        ("cost", "b_cost", -1),
        ("efficacy", "b_efficacy", 1),
        ("benefit", "b_stake", 1),
    ],
)
def test_each_logit_term_moves_participation_by_its_weight(term, weight, sign):
    """Resource model, threshold and Olson terms: one unit moves the logit by its weight."""
    base = behaviour.participation_probability(B, **logit_inputs())
    x = np.linspace(0.0, 1.0, N)
    p = behaviour.participation_probability(B, **logit_inputs(**{term: x}))
    np.testing.assert_allclose(
        logit_of(p) - logit_of(base), sign * getattr(B, weight) * x, atol=1e-9
    )
    assert getattr(B, weight) > 0


def test_age_term_enters_the_logit_one_for_one():
    x = np.array([0.0, B.b_age_middle, B.b_age_elderly, 0.0, 0.0])
    p = behaviour.participation_probability(B, **logit_inputs(age_term=x))
    base = behaviour.participation_probability(B, **logit_inputs())
    np.testing.assert_allclose(logit_of(p) - logit_of(base), x, atol=1e-9)


def test_children_never_take_part_even_when_asked():
    adult = np.array([True, False, True, False, True])
    p = behaviour.participation_probability(B, **logit_inputs(adult=adult), asked=1.0, visible=1.0)
    assert np.all(p[~adult] == 0.0) and np.all(p[adult] > B.ask_personal)


def test_baseline_is_the_logistic_of_b0():
    p = behaviour.participation_probability(B, **logit_inputs())
    np.testing.assert_allclose(p, 1.0 / (1.0 + np.exp(-B.b0)))


@pytest.mark.parametrize(
    "kw, weight",
    [("asked", "ask_personal"), ("broadcast", "ask_broadcast"), ("visible", "visibility")],
)
def test_recruitment_and_visibility_add_absolute_probability(kw, weight):
    """Canvassing, notices and a posted roster add their effect to p, not to the logit."""
    base = behaviour.participation_probability(B, **logit_inputs())
    p = behaviour.participation_probability(B, **logit_inputs(), **{kw: 1.0})
    np.testing.assert_allclose(p - base, getattr(B, weight), atol=1e-12)
    assert getattr(B, weight) > 0


def test_participation_is_clipped_to_a_probability():
    high = BehaviourParams(b0=20.0, ask_personal=0.5)
    p = behaviour.participation_probability(high, **logit_inputs(), asked=1.0, visible=1.0)
    assert np.all(p == 1.0)


def test_social_threshold_is_a_smooth_step_at_theta_and_zero_without_ties():
    """MODEL 3.1 (Granovetter 1978): logit⁻¹((s − θ)/0.05) of the share s of ties who took part."""
    theta = np.full(6, 0.25)
    share = np.array([0.0, 0.1, 0.245, 0.25, 0.255, 1.0])
    got = behaviour.social_threshold(share, theta, np.ones(6, dtype=bool))
    assert np.all(np.diff(got) > 0)  # rises with the share of ties who took part
    assert got[3] == pytest.approx(0.5)  # half met at s = θ
    np.testing.assert_allclose(got[[0, 5]], 1 / (1 + np.exp([5.0, -15.0])))  # near the step
    assert got[4] - got[2] == pytest.approx(0.05, rel=0.01)  # slope 1/(4·0.05): no hard step
    higher = behaviour.social_threshold(share, np.full(6, 0.5), np.ones(6, dtype=bool))
    assert np.all(higher < got)  # a higher threshold needs a larger share
    alone = behaviour.social_threshold(share, np.zeros(6), np.zeros(6, dtype=bool))
    np.testing.assert_array_equal(alone, 0.0)  # no ties: no neighbour term, even at θ = 0


def test_thresholds_follow_the_truncated_normal_by_inverse_cdf():
    """θ = F⁻¹(u) of N(theta_mean, theta_sd) truncated to [0, 1]: the median, the bounds."""
    u = np.array([0.0, 0.5, 1.0 - 1e-12])
    theta = behaviour.theta_draw(B, u)
    lo, hi = (0 - B.theta_mean) / B.theta_sd, (1 - B.theta_mean) / B.theta_sd
    want = truncnorm(lo, hi, loc=B.theta_mean, scale=B.theta_sd).ppf(u)
    np.testing.assert_allclose(theta, want, atol=1e-9)
    assert theta[0] == pytest.approx(0.0, abs=1e-12) and theta[-1] < 1.0
    fixed = behaviour.theta_draw(BehaviourParams(theta_sd=0.0), u)
    np.testing.assert_array_equal(fixed, B.theta_mean)


def test_group_benefit_falls_with_group_size_as_n_to_the_minus_gamma():
    """Olson: the same stake and gain are worth (N_ref/N)^γ; γ = 0 removes pure size."""
    stake = np.array([0.5])
    small = behaviour.group_benefit(B, stake, 1.0, 25)
    big = behaviour.group_benefit(B, stake, 1.0, 400)
    np.testing.assert_allclose(small / big, (400 / 25) ** B.group_gamma)
    flat = BehaviourParams(group_gamma=0.0)
    np.testing.assert_allclose(
        behaviour.group_benefit(flat, stake, 1.0, 25),
        behaviour.group_benefit(flat, stake, 1.0, 400),
    )
    np.testing.assert_allclose(behaviour.group_benefit(B, stake, 1.0, round(B.group_ref)), stake)


def test_voice_gain_falls_with_the_voices_already_heard():
    """Δp: the marginal information of one more voice, 1 for the first, e^-1 after n_info."""
    assert behaviour.voice_gain(0) == 1.0
    np.testing.assert_allclose(behaviour.voice_gain(round(behaviour.N_INFO)), np.exp(-1.0))
    assert behaviour.voice_gain(3) > behaviour.voice_gain(20)


def test_performance_is_one_minus_grievance_and_harm():
    g = np.array([0.0, 0.2, 0.5, 0.9, 0.0])
    h = np.array([0.0, 0.1, 0.1, 0.3, 0.4])
    np.testing.assert_allclose(behaviour.performance(g, h), [1.0, 0.7, 0.4, 0.0, 0.6])


def sat(perf, expectation=None, justice=None, process=None, disc=None, b=B):
    n = len(perf)
    terms = behaviour.satisfaction_terms(
        b,
        np.asarray(perf, float),
        np.full(n, 0.5) if expectation is None else np.asarray(expectation, float),
        np.zeros(n) if justice is None else np.asarray(justice, float),
        np.zeros(n) if process is None else np.asarray(process, float),
        np.zeros(n) if disc is None else np.asarray(disc, float),
    )
    assert tuple(terms) == behaviour.SAT_TERMS
    return sum(terms.values())


def test_satisfaction_formula_term_by_term():
    """S = s0 + a·P + b·(P − E) + D + w·PJ·(1 − P) + V (Van Ryzin 2004; Brockner 1996)."""
    perf, exp_, just, proc, disc = 0.4, 0.7, 0.5, 0.05, -0.02
    expected = (
        B.sat_base
        + B.sat_performance * perf
        + B.sat_disconfirmation * (perf - exp_)
        + disc
        + B.w_procedure * just * (1 - perf)
        + proc
    )
    got = sat([perf], [exp_], [just], [proc], [disc])
    np.testing.assert_allclose(got, [expected])


def test_disconfirmation_lowers_satisfaction_when_expectations_exceed_performance():
    """Same performance; higher expectations give lower satisfaction, by b per unit."""
    low, high = sat([0.5], expectation=[0.3]), sat([0.5], expectation=[0.7])
    np.testing.assert_allclose(low - high, B.sat_disconfirmation * 0.4)


def test_procedural_justice_weighs_more_when_outcomes_are_bad():
    """Brockner & Wiesenfeld 1996: the justice bonus is w·PJ·(1 − P)."""
    bad = sat([0.2], justice=[1.0]) - sat([0.2])
    good = sat([0.8], justice=[1.0]) - sat([0.8])
    np.testing.assert_allclose(bad, B.w_procedure * 0.8)
    np.testing.assert_allclose(good, B.w_procedure * 0.2)


def test_process_bonus_adds_one_for_one():
    np.testing.assert_allclose(sat([0.5], process=[0.1]) - sat([0.5]), [0.1])


def test_procedural_climate_rises_with_heard_issues_and_own_voice():
    """PC = 0.3 + 0.4·share heard + 0.3·(1 − e^-voices): 0.3 unheard, → 1 fully heard."""
    pc = behaviour.procedural_climate(B, np.array([0.0, 1.0, 0.0, 0.5]), np.array([0, 0, 50, 1.0]))
    np.testing.assert_allclose(
        pc[:3], [B.climate_base, B.climate_base + B.climate_issues, B.climate_base + B.climate_own]
    )
    np.testing.assert_allclose(
        pc[3], B.climate_base + 0.5 * B.climate_issues + B.climate_own * (1 - np.exp(-1))
    )


def test_trust_falls_twice_as_fast_as_it_rises_and_co_governance_doubles_the_rise():
    """Slovic 1993 asymmetry (λ⁻ = 2λ⁺) and power-sharing (λ⁺ × 2), toward T*."""
    t = np.array([0.5])
    up = behaviour.trust_step(B, t, np.array([0.7])) - t
    down = t - behaviour.trust_step(B, t, np.array([0.3]))
    cogov = behaviour.trust_step(B, t, np.array([0.7]), cogov=True) - t
    np.testing.assert_allclose(up, B.trust_gain * 0.2)
    np.testing.assert_allclose(down, B.trust_neg_ratio * B.trust_gain * 0.2)
    np.testing.assert_allclose(cogov, B.trust_cogov * up)
    assert B.trust_neg_ratio == 2 and B.trust_cogov == 2


def test_trust_target_weighs_procedure_over_outcome():
    """MODEL 3.2: T* = 0.4·DJ + 0.6·PJ."""
    np.testing.assert_allclose(behaviour.trust_target(B, 1.0, np.array([0.0])), 0.4)
    np.testing.assert_allclose(behaviour.trust_target(B, 0.0, np.array([1.0])), 0.6)


def test_reopening_rises_smoothly_with_the_complaint_share_without_a_threshold():
    shares = np.linspace(0.0, 0.5, 501)
    p = np.array([behaviour.reopen_probability(B, x) for x in shares])
    assert np.all(np.diff(p) > 0) and p[0] > 0  # a few complaints can reopen, more do more often
    assert np.max(np.diff(p)) < 0.006  # no jump: the logistic's slope 1/(4·scale) x 0.001
    np.testing.assert_allclose(behaviour.reopen_probability(B, B.reopen_share), 0.5)
    assert behaviour.reopen_probability(B, 0.05) < 0.05 and p[-1] > 0.99


def test_daily_rate_compounds_to_the_monthly_rate():
    d = behaviour.daily_rate(0.3)
    np.testing.assert_allclose(1 - (1 - d) ** 30, 0.3)
    assert behaviour.daily_rate(0.0) == 0.0


def test_halflife_factor_halves_in_the_half_life():
    np.testing.assert_allclose(behaviour.halflife_factor(90.0) ** 90, 0.5)
    np.testing.assert_allclose(behaviour.halflife_factor(7.0) ** 14, 0.25)


def test_logistic_reaches_its_limits_without_an_overflow_warning():
    """Far below 0 ``exp(-x)`` overflows; the inverse logit is then its limit 0, silently (a
    warning here once surfaced from a decision's very negative logit)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = behaviour.logistic(np.array([-1000.0, -5.0, 0.0, 5.0, 1000.0]))
        assert behaviour.logistic(-800.0) == 0.0
    assert out[0] == 0.0 and out[2] == 0.5 and out[4] == 1.0
    assert np.all(np.diff(out) > 0)
    assert out[1] == pytest.approx(1.0 - out[3])  # symmetric: logistic(-x) = 1 - logistic(x)
