"""Building a community's residents: thresholds of the neighbour rule, adults and children."""

import numpy as np
import pytest
from scipy.stats import kstest, truncnorm

from sim.model import CommunityModel
from sim.model.population import YOUNG

NO_SPINUP = {"behaviour.spinup_days": 0}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thresholds_are_a_normal_truncated_to_zero_one(seed):
    """MODEL 3.1: θ ~ N(0.25, 0.12) truncated to [0, 1] (Granovetter 1978)."""
    model = CommunityModel(rng=seed, overrides=NO_SPINUP, resident_agents=False)
    theta, b = model.state.theta, model.spec.behaviour
    assert theta.min() >= 0 and theta.max() <= 1
    lo, hi = (0 - b.theta_mean) / b.theta_sd, (1 - b.theta_mean) / b.theta_sd
    want = truncnorm(lo, hi, loc=b.theta_mean, scale=b.theta_sd)
    # 3,200 draws: the Kolmogorov-Smirnov test of the declared law at the 0.1 % level
    assert kstest(theta, want.cdf).pvalue > 0.001
    # truncated, not clipped: clipping would pile N(0.25, 0.12)'s 1.9 % below 0 at 0, doubling
    # the 0.9 % below 0.02 (its standard error over 3,200 draws is 0.17 %; 3.5 of them)
    assert np.mean(theta < 0.02) == pytest.approx(want.cdf(0.02), abs=0.006)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_children_are_young_and_in_the_declared_share(seed):
    model = CommunityModel(rng=seed, overrides=NO_SPINUP, resident_agents=False)
    pop, p = model.pop, model.spec.population
    assert np.all(pop.age[~pop.adult] == YOUNG)
    # 3,200 residents: the share's standard error is about 0.005; 4 of them
    assert abs(np.mean(~pop.adult) - p.child_share) < 0.021
