import pytest

from sim.model import CommunityModel


@pytest.fixture(scope="session")
def xianlu_run():
    """One three-year administrative run of Xianlu Xincun, shared by read-only tests."""
    model = CommunityModel("xianlu_xincun", rng=0)
    model.run()
    return model
