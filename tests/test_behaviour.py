"""Rule tests of sim.behaviour: each term of each rule, on constructed arrays.

Each test changes one input of a rule and checks the direction and size of the change the
rule states (MODEL section 3; README, ODD 7), so a term removed, inverted or doubled fails.
"""

import numpy as np
import pytest

from sim.model import behaviour
from sim.params import BehaviourParams

B = BehaviourParams()
N = 5
ZERO = np.zeros(N)


def logit_inputs(**changed):
    """Inputs of the participation rule for N residents: all zero unless changed."""
    base = dict(
        resources=ZERO, engagement=ZERO, social_met=ZERO, cost=ZERO, efficacy=ZERO, stake=ZERO
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
        ("social_met", "b_social", 1),
        ("cost", "b_cost", -1),
        ("efficacy", "b_efficacy", 1),
        ("stake", "b_stake", 1),
    ],
)
def test_each_logit_term_moves_participation_by_its_weight(term, weight, sign):
    """Resource model and Granovetter term: one unit of a term moves the logit by its weight."""
    base = behaviour.participation_probability(B, **logit_inputs())
    x = np.linspace(0.0, 1.0, N)
    p = behaviour.participation_probability(B, **logit_inputs(**{term: x}))
    np.testing.assert_allclose(
        logit_of(p) - logit_of(base), sign * getattr(B, weight) * x, atol=1e-9
    )
    assert getattr(B, weight) > 0


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


def test_social_met_is_a_step_not_a_share():
    """The Granovetter term enters as 0 or 1 (threshold met), so its weight is b_social."""
    met = behaviour.participation_probability(B, **logit_inputs(social_met=np.ones(N)))
    not_met = behaviour.participation_probability(B, **logit_inputs())
    np.testing.assert_allclose(logit_of(met) - logit_of(not_met), B.b_social)


def test_performance_is_one_minus_grievance_and_harm():
    g = np.array([0.0, 0.2, 0.5, 0.9, 0.0])
    h = np.array([0.0, 0.1, 0.1, 0.3, 0.4])
    np.testing.assert_allclose(behaviour.performance(g, h), [1.0, 0.7, 0.4, 0.0, 0.6])


def sat(perf, expectation=None, justice=None, process=None, b=B):
    n = len(perf)
    return behaviour.satisfaction(
        b,
        np.asarray(perf, float),
        np.full(n, 0.5) if expectation is None else np.asarray(expectation, float),
        np.zeros(n) if justice is None else np.asarray(justice, float),
        np.zeros(n) if process is None else np.asarray(process, float),
    )


def test_satisfaction_formula_term_by_term():
    """S = s0 + a·P + b·(P − E) + w·PJ·(1 − P) + process (Van Ryzin 2004; Brockner 1996)."""
    perf, exp_, just, proc = 0.4, 0.7, 0.5, 0.05
    expected = (
        B.sat_base
        + B.sat_performance * perf
        + B.sat_disconfirmation * (perf - exp_)
        + B.w_procedure * just * (1 - perf)
        + proc
    )
    got = sat([perf], [exp_], [just], [proc])
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


def test_process_bonus_adds_one_for_one_and_result_is_clipped():
    np.testing.assert_allclose(sat([0.5], process=[0.1]) - sat([0.5]), [0.1])
    assert sat([1.0], expectation=[0.0], justice=[1.0], process=[1.0])[0] == 1.0
    assert sat([0.0], expectation=[1.0], process=[-1.0])[0] == 0.0


def test_daily_rate_compounds_to_the_monthly_rate():
    d = behaviour.daily_rate(0.3)
    np.testing.assert_allclose(1 - (1 - d) ** 30, 0.3)
    assert behaviour.daily_rate(0.0) == 0.0


def test_halflife_factor_halves_in_the_half_life():
    np.testing.assert_allclose(behaviour.halflife_factor(90.0) ** 90, 0.5)
    np.testing.assert_allclose(behaviour.halflife_factor(7.0) ** 14, 0.25)
