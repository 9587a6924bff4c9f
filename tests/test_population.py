"""Building a community's residents: the participation thresholds' distribution."""

import numpy as np
import pytest
from scipy import stats

from sim.model import CommunityModel
from sim.model.population import truncated_normal


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thresholds_are_a_truncated_normal_with_no_pile_at_the_bounds(seed):
    model = CommunityModel(rng=seed)
    theta, b = model.state.theta, model.spec.behaviour
    assert np.all((theta > 0) & (theta < 1))  # clipping put 1.5 % at exactly 0
    a, c = (0 - b.theta_mean) / b.theta_sd, (1 - b.theta_mean) / b.theta_sd
    law = stats.truncnorm(a, c, loc=b.theta_mean, scale=b.theta_sd)
    # 3,200 residents: a KS test at the 0.1 % level fails a right law once in 1,000 seeds
    assert stats.kstest(theta, law.cdf).pvalue > 0.001


def test_truncated_normal_by_inverse_cdf():
    u = np.random.default_rng(4).random(20_000)
    x = truncated_normal(u, 0.0, 0.5)  # half the normal's mass below 0 is cut away
    assert x.min() >= 0 and x.max() <= 1
    law = stats.truncnorm(0, 2, loc=0, scale=0.5)
    # 20,000 draws: the mean within 4 standard errors
    assert abs(x.mean() - law.mean()) < 4 * law.std() / np.sqrt(len(x))
    assert np.all(np.diff(truncated_normal(np.sort(u), 0.3, 0.2)) >= 0)  # monotone in u
    np.testing.assert_array_equal(truncated_normal(u[:5], 0.3, 0.0), np.full(5, 0.3))
    np.testing.assert_array_equal(truncated_normal(u[:5], 1.4, 0.0), np.ones(5))
