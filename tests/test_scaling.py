"""The size rule: a community's institutions follow its residents (issue 15 item 6).

Committee staff are at least the national norm per resident in whole posts
(``CommitteeParams.staff_at``); the committee's size factor multiplies the fixed service hours
of public services. Built-in communities keep their declared staff.
"""

from functools import cache

import numpy as np
import pytest

from sim import CommunityModel
from sim.experiments.district.schema import community_scenario, load_district
from sim.params import CommitteeParams
from sim.scenario import builtin_names, load_scenario


def test_staff_at_32000_follows_the_rate():
    c = CommitteeParams()  # 8 declared staff, 18 per 10,000 residents
    staff = c.staff_at(32_000)
    norm = c.staff_per_10k * 32_000 / 10_000
    assert staff > c.staff
    assert staff <= norm < staff + 1  # the norm's whole posts
    assert c.staff_at(320_000) == pytest.approx(10 * staff, abs=10)  # linear in residents
    assert CommitteeParams(staff_per_10k=0.0).staff_at(32_000) == c.staff  # the rule off


def test_small_community_keeps_its_declared_staff():
    c = CommitteeParams(staff=8)
    assert c.staff_at(300) == c.staff_at(3200) == 8


def test_builtin_scenarios_and_gulou_communities_keep_their_staff():
    """The rule moves no built-in community: each is at or above the norm in whole posts."""
    for name in builtin_names():
        s = load_scenario(name)
        assert s.committee.staff_at(s.population.residents) == s.committee.staff, name
    for sd in load_district("gulou").sub_districts:
        for group in sd.communities:
            base = load_scenario(group.scenario)
            for residents in group.residents:
                s = community_scenario(base, residents)
                assert s.committee.staff_at(residents) == s.committee.staff


def test_committee_hours_and_size_factor_follow_the_rule():
    over = {"population.residents": 3000, "population.households": 960}
    plain = CommunityModel("xianlu_xincun", rng=0, overrides=over)
    big = CommunityModel(
        "xianlu_xincun", rng=0, overrides={**over, "committee.staff_per_10k": 40.0}
    )
    assert (plain.committee.staff, plain.committee.scale) == (8, 1.0)
    assert (big.committee.staff, big.committee.scale) == (12, 1.5)  # floor(40 x 0.3) = 12
    assert big.committee.hours_free_per_day == pytest.approx(
        1.5 * plain.committee.hours_free_per_day
    )


def test_public_services_counter_hours_grow_with_the_committee():
    """A committee the rule makes 1.5x as large staffs the counter 1.5x as many hours."""
    over = {
        "population.residents": 3000,
        "population.households": 960,
        "mechanisms.public_services.home_visits_per_week": 0.0,
    }
    hours = []
    for rate in (0.0, 40.0):
        model = CommunityModel(
            "xianlu_xincun",
            rng=0,
            mechanisms=["public_services"],
            overrides={**over, "committee.staff_per_10k": rate},
        )
        model.step()
        hours.append(model.committee.spent["services"])
    assert hours[0] == pytest.approx(40.0 / 7.0)
    assert hours[1] == pytest.approx(1.5 * hours[0])


SMALL, DAYS, SEEDS = 1000, 300, range(4)


@cache
def open_issues(residents: int, rate: float, seed: int) -> float:
    """Mean open issues over the last 150 days of an administrative Xianlu Xincun run.

    Both have 2 declared staff: more than the norm's whole posts at 1,000 residents
    (floor(1.8) = 1), so the small community keeps its 2 and the larger one is staffed by the
    rule alone (18 at 10,000 residents).
    """
    over = {
        "population.residents": residents,
        "population.households": round(residents * 1020 / 3200),
        "committee.staff": 2,
        "committee.staff_per_10k": rate,
    }
    model = CommunityModel("xianlu_xincun", rng=seed, overrides=over, resident_agents=False)
    return float(model.run(DAYS)["issues_open"].iloc[-150:].mean())


def test_a_10x_community_is_not_overwhelmed():
    """Open issues per resident at 10x stay within 0.15x the small community's.

    Issue arrivals are declared per community a year, so a committee that keeps up has about
    as many open issues at 10,000 residents as at 1,000: a tenth per resident. Tolerance: the
    10x community's mean over four seeds within 1.5x the small one's count (0.15x per
    resident). Open issues vary by about 40 % between seeds (2.9 to 6.6 in the small
    community), so a four-seed mean ratio moves by about 30 %: measured 0.76x. With the
    declared 2 staff at 10,000 residents (rule off) the backlog grows: 2.4x (4.2 to 15.4 open
    issues a seed), so the bound can fail.
    """
    small = np.mean([open_issues(SMALL, 18.0, s) for s in SEEDS]) / SMALL
    large = np.mean([open_issues(10 * SMALL, 18.0, s) for s in SEEDS]) / (10 * SMALL)
    fixed = np.mean([open_issues(10 * SMALL, 0.0, s) for s in SEEDS]) / (10 * SMALL)
    assert small > 0
    assert large <= 0.15 * small
    assert fixed > 0.15 * small
