"""Building a community's residents: thresholds of the neighbour rule, adults and children."""

import numpy as np
import pytest

from sim.model import CommunityModel
from sim.model.population import YOUNG

NO_SPINUP = {"behaviour.spinup_days": 0}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thresholds_are_one_two_or_three_ties_in_the_declared_shares(seed):
    model = CommunityModel(rng=seed, overrides=NO_SPINUP, resident_agents=False)
    kappa, b = model.state.kappa, model.spec.behaviour
    assert set(np.unique(kappa)) <= {1, 2, 3}
    shares = [np.mean(kappa == k) for k in (1, 2, 3)]
    want = [b.kappa1_share, b.kappa2_share, 1 - b.kappa1_share - b.kappa2_share]
    # 3,200 draws: a share's standard error is at most 0.009; 4 of them
    np.testing.assert_allclose(shares, want, atol=0.036)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_children_are_young_and_in_the_declared_share(seed):
    model = CommunityModel(rng=seed, overrides=NO_SPINUP, resident_agents=False)
    pop, p = model.pop, model.spec.population
    assert np.all(pop.age[~pop.adult] == YOUNG)
    # 3,200 residents: the share's standard error is about 0.005; 4 of them
    assert abs(np.mean(~pop.adult) - p.child_share) < 0.021


def test_kappa_shares_above_one_are_refused():
    with pytest.raises(Exception, match="kappa1_share"):
        CommunityModel(overrides={"behaviour.kappa1_share": 0.7, "behaviour.kappa2_share": 0.6})
