"""Rule tests of the nightly parking (sim/model/parking.py) and of per-resident compliance
(sim/mechanisms/shared.py), and the ordering tests of causal_core.md 6.4 that belong to them.

Rule tests: a small community, a chosen state, one night or one monthly decision; the test
checks the rule's own quantity. Ordering tests: small estates (800 residents), paired seeds.
"""

import numpy as np
import pytest
from test_rules_model import ENV, PARKING, open_issue, tiny

from sim.mechanisms.shared import (
    CONDITIONAL,
    FREE_RIDER,
    SANCTION_LADDER,
    ConventionParams,
    ConventionRule,
    acceptance,
    cooperator_types,
)
from sim.model import CommunityModel
from sim.model.behaviour import logistic
from sim.model.parking import MONTH

KAPPA = {"parking.kappa_grab": 0.05, "parking.kappa_lock": 0.02, "parking.kappa_over": 0.01}


def lot_model(**over):
    """120 residents, 40 households, all with a car; 10 own spaces; conflicts switched on."""
    m = tiny(**{"parking.spaces_per_household": 0.25, **KAPPA, **over})
    m.car_household[:] = True
    return m


def logit(p):
    return np.log(p / (1 - p))


# ---------------------------------------------------------------- supply and placement
def test_supply_counts_own_open_unit_and_other_spaces_and_sets_the_shortage():
    m = lot_model()
    lot, lv = m.parking, m.levers
    assert m.spaces == 10 and lot.supply(m) == 10
    assert m.parking_shortage() == pytest.approx(1 - 10 / 40)
    lv.units_open[0] = True
    lv.extra_spaces["street"] = 4
    assert lot.supply(m) == 10 + m.units[0].spaces_after_hours + 4
    lv.units_open[:] = True
    assert m.parking_shortage() == 0.0  # more spaces than cars


def test_each_night_exactly_the_cars_beyond_supply_are_unplaced_and_they_vary():
    m = lot_model()
    m.car_household[:5] = False
    seen = np.zeros(40, dtype=bool)
    for day in range(10):
        m.day = day
        m.parking.night(m)
        unplaced = m.parking.unplaced
        assert unplaced.sum() == 35 - 10 and not unplaced[:5].any()
        seen |= unplaced
    assert seen[5:].all()  # first come, first served: a new order each night


def test_unit_spaces_are_filled_after_own_spaces_and_count_their_overstays():
    m = lot_model(**{"parking.compliance_norule": 0.0})  # everyone defects
    m.levers.units_open[0] = True
    m.parking.night(m)
    used = min(40 - 10, m.units[0].spaces_after_hours)
    assert m.parking.used[0] == used and m.parking.overstayed[0] == used
    assert m.parking.used[1] == 0


# ---------------------------------------------------------------- conflicts
def test_conflict_rate_is_the_sum_over_defectors_by_where_they_are():
    """Defectors: kappa_grab x unplaced + kappa_lock x ell x placed + kappa_over x in units."""
    m = lot_model()
    p = m.spec.parking
    m.levers.units_open[0] = True  # 10 own + units[0]'s spaces; the rest unplaced
    m.parking.night(m)
    lot = m.parking
    d = lot.defect
    expected = (
        p.kappa_grab * np.count_nonzero(d & lot.unplaced)
        + p.kappa_lock * p.lock_share * np.count_nonzero(d & ~lot.unplaced)
        + p.kappa_over * lot.overstayed[0]  # the defectors among the unit's users
    )
    assert lot.lam == pytest.approx(expected)
    assert 0 < d.sum() < 40


def test_keepers_cause_no_conflicts_and_defectors_harm_their_own_buildings():
    m = lot_model(**{"parking.compliance_norule": 1.0})
    for day in range(20):
        m.day = day
        assert m.parking.night(m)[0] == 0
    m2 = lot_model(**{"parking.compliance_norule": 0.0})
    m2.car_household[:] = m2.parking.building == 1  # cars only in building 1
    m2.spaces = 0  # 10 unplaced defectors: 0.5 conflicts a night
    hits = np.concatenate([m2.parking.night(m2)[1] for m2.day in range(30)])
    assert len(hits) > 0 and np.all(hits == 1)


def test_a_convention_decision_overrides_the_tacit_rule():
    m = lot_model(**{"parking.compliance_norule": 0.0})
    m.levers.compliance[PARKING, :] = 1.0  # every household keeps the convention
    m.parking.night(m)
    assert not m.parking.defect.any() and m.parking.lam == 0.0
    m.levers.compliance[PARKING, :] = np.nan  # no convention binds: tacit (all defect)
    m.day = 1
    m.parking.night(m)
    assert m.parking.defect.all()


def test_tacit_rule_is_kept_by_its_share_and_redrawn_monthly():
    """compliance_norule 0.4 over 1,020 households: the share's sd is 0.015; tolerance 0.06."""
    m = CommunityModel("xianlu_xincun", rng=1, mechanisms="administrative", resident_agents=False)
    m.parking.night(m)
    first = m.parking.tacit.copy()
    assert first.mean() == pytest.approx(0.4, abs=0.06)
    m.day = 1
    m.parking.night(m)
    np.testing.assert_array_equal(m.parking.tacit, first)  # within the month
    m.day = MONTH
    m.parking.night(m)
    assert not np.array_equal(m.parking.tacit, first)


def test_parking_conflicts_do_not_need_an_open_parking_issue():
    """Same seed with and without parking issues: the same nightly conflicts (CRN), all > 0."""
    for seed in range(2):
        with_issues = run_small(seed, None, days=200)
        without = run_small(seed, None, days=200, **{"issues.parking.rate.old_estate": 0.0})
        assert with_issues.conflicts_parking.sum() > 0
        np.testing.assert_array_equal(with_issues.conflicts_parking, without.conflicts_parking)


def test_pressure_is_the_share_of_the_last_seven_nights_unplaced():
    m = lot_model()
    m.spaces = 0
    for day in range(7):
        m.day = day
        m.parking.night(m)
    np.testing.assert_allclose(m.parking.pressure(), 1.0)
    m.spaces = 40
    for day in range(7, 10):
        m.day = day
        m.parking.night(m)
    np.testing.assert_allclose(m.parking.pressure(), 4 / 7)


# ---------------------------------------------------------------- unit withdrawal
@pytest.mark.parametrize("overstay, kept", [(0.0, True), (1.0, False)])
def test_units_keep_or_withdraw_their_spaces_monthly_by_their_overstay(overstay, kept):
    m = lot_model(**{"parking.unit_keep0": 10.0, "parking.unit_keep_overstay": 20.0})
    m.levers.units_open[:] = True
    m.parking.used[:] = 100
    m.parking.overstayed[:] = 100 * overstay
    m.day = MONTH - 1
    m.parking.night(m)  # not a review night
    assert m.levers.units_open.all()
    m.parking.used[:] = 100
    m.parking.overstayed[:] = 100 * overstay
    m.day = MONTH
    m.parking.night(m)
    assert m.levers.units_open.all() == kept and m.levers.units_open.any() == kept


def test_withdrawal_probability_follows_the_logit():
    """logit⁻¹(3 - 20 x 0.1) = 0.73 over 400 reviews of 2 units: sd 0.016, tolerance 0.07."""
    m = lot_model(**{"parking.unit_keep0": 3.0, "parking.unit_keep_overstay": 20.0})
    rng = np.random.default_rng(0)
    kept = []
    for _ in range(400):
        m.levers.units_open[:] = True
        m.parking.used[:] = 10
        m.parking.overstayed[:] = 1
        m.parking._review_units(m, rng)
        kept.extend(m.levers.units_open)
    assert np.mean(kept) == pytest.approx(logistic(1.0), abs=0.07)


# ---------------------------------------------------------------- compliance rule
def rule_model(**over):
    m = tiny(**over)
    m.car_household[:] = True
    return m


def expected_logit(rule, p, who, voice, trust, n, m, s, g, decay):
    return (
        rule.intercept[who]
        + p.beta_legitimacy * acceptance(p, voice, trust)
        + rule.beta_n[who] * n
        + p.beta_monitoring * m
        + np.where(voice > 0, p.beta_sanction, p.beta_sanction_imposed) * s
        - p.beta_pressure * g
        - decay
    )


def test_acceptance_rises_with_voice_and_trust_and_is_zero_when_neutral():
    p = ConventionParams()
    a = acceptance(p, np.array([0.0, 0.5, 1.0, 0.0]), np.array([0.5, 0.5, 0.5, 0.9]))
    assert a[0] == 0.0 and a[0] < a[1] < a[2] and a[3] > 0
    assert a[2] == pytest.approx(4 * (logistic(p.accept_voice) - 0.5))


def test_compliance_logit_term_by_term_for_affected_residents():
    """Non-parking type: each affected resident decides; first month n = 0.5 (no history)."""
    m = rule_model()
    p = ConventionParams()
    who = np.flatnonzero(m.pop.building <= 1)
    open_issue(m, who, kind=ENV)
    voice = np.zeros(m.pop.n)
    voice[who[::2]] = 1.0
    m.state.trust[:] = np.linspace(0.2, 0.9, m.pop.n)
    m.levers.monitored[0] = m.day  # building 0 watched, building 1 not
    rule = ConventionRule(m, p, ENV, voice, "test")
    rule.apply(m)
    mon = m.pop.building[who] == 0
    s = np.where(mon, p.detect_monitored, p.detect_unmonitored) * SANCTION_LADDER[0]
    decay = np.where(mon, 0.0, p.decay_per_month)
    z = expected_logit(rule, p, who, voice[who], m.state.trust[who], 0.5, mon, s, 0.0, decay)
    np.testing.assert_allclose(rule.chance[who], logistic(z))
    others = np.setdiff1d(np.arange(m.pop.n), who)
    assert np.all(np.isnan(rule.chance[others])) and np.all(np.isnan(rule.decision[others]))
    np.testing.assert_array_equal(m.levers.compliance[ENV], rule.decision)


def test_neighbours_who_complied_raise_compliance_by_beta_n():
    m = rule_model()
    p = ConventionParams()
    open_issue(m, np.arange(m.pop.n), kind=ENV)
    rule = ConventionRule(m, p, ENV, np.zeros(m.pop.n), "test")
    rule.apply(m)
    first = logit(rule.chance)
    has_ties = m.net.degree > 0
    rule.decision[:] = 1.0  # everyone complied last month
    rule.decay[:] = 0.0
    m.day = MONTH
    rule.apply(m)
    all_kept = logit(rule.chance)
    rule.decision[:] = 0.0
    rule.decay[:] = 0.0
    rule.level[:] = 0
    m.day = 2 * MONTH
    rule._decide(m)
    none_kept = logit(rule.chance)
    np.testing.assert_allclose((all_kept - first)[has_ties], 0.5 * rule.beta_n[has_ties])
    # none kept: detected defectors moved up the sanction ladder, so compare without s
    diff = all_kept - none_kept
    up = rule.level > 0
    np.testing.assert_allclose(diff[has_ties & ~up], rule.beta_n[has_ties & ~up])


def test_decay_grows_monthly_without_monitoring_to_its_floor_and_resets_when_watched():
    m = rule_model()
    p = ConventionParams()
    open_issue(m, np.arange(m.pop.n), kind=ENV)
    rule = ConventionRule(m, p, ENV, np.zeros(m.pop.n), "test")
    for month in range(10):
        m.day = month * MONTH
        rule._decide(m)
        assert rule.decay[0] == pytest.approx(min((month + 1) * p.decay_per_month, p.decay_floor))
    m.levers.monitored[:] = m.day
    rule._decide(m)
    assert np.all(rule.decay == 0)


def test_detected_defectors_move_up_the_graduated_ladder():
    m = rule_model()
    p = ConventionParams(detect_unmonitored=1.0)
    open_issue(m, np.arange(m.pop.n), kind=ENV)
    rule = ConventionRule(m, p, ENV, np.zeros(m.pop.n), "test")
    rule._decide(m)
    for _ in range(4):
        defected = rule.decision == 0.0
        level = rule.level.copy()
        m.day += MONTH
        rule._decide(m)
        np.testing.assert_array_equal(rule.level, np.minimum(level + defected, 2))
    assert rule.level.max() == 2


def test_parking_compliance_is_one_decision_a_household_with_its_pressure():
    m = rule_model()
    p = ConventionParams()
    voice = np.zeros(m.pop.n)
    heads = m.parking.head
    last = np.r_[heads[1:], m.pop.n] - 1  # each household's last member
    heard = (last > heads) & (np.arange(len(heads)) % 2 == 0)  # not the head, every other
    voice[last[heard]] = 1.0
    m.parking.recent[:3] = True  # unplaced on 3 of the last 7 nights
    rule = ConventionRule(m, p, PARKING, voice, "test")
    rule.apply(m)
    hh_voice = np.maximum.reduceat(voice, heads)
    np.testing.assert_array_equal(hh_voice, heard)  # the household's best voice
    z = expected_logit(
        rule,
        p,
        heads,
        hh_voice,
        m.state.trust[heads],
        0.5,
        False,
        p.detect_unmonitored * SANCTION_LADDER[0],
        3 / 7,
        p.decay_per_month,
    )
    np.testing.assert_allclose(rule.chance[heads], logistic(z))
    np.testing.assert_array_equal(rule.decision, rule.decision[heads][m.pop.household])


def test_types_follow_their_shares_and_are_the_same_for_every_convention():
    """1,000 draws: the shares' sd is <= 0.016; tolerance 0.06."""
    m = tiny(**{"population.residents": 1000, "population.households": 300})
    p = ConventionParams()
    kinds = cooperator_types(m, p)
    np.testing.assert_array_equal(kinds, cooperator_types(m, p))
    assert np.mean(kinds == CONDITIONAL) == pytest.approx(p.share_conditional, abs=0.06)
    assert np.mean(kinds == FREE_RIDER) == pytest.approx(p.share_free_rider, abs=0.06)
    rule = ConventionRule(m, p, ENV, np.zeros(m.pop.n), "x")
    assert np.all(rule.beta_n[kinds == FREE_RIDER] == 0)
    assert np.all(rule.beta_n[kinds == CONDITIONAL] == p.beta_neighbours)


def test_no_voice_sanctions_lower_compliance_and_voiced_sanctions_raise_it():
    m = rule_model()
    open_issue(m, np.arange(m.pop.n), kind=ENV)
    voice = (np.arange(m.pop.n) % 2).astype(float)
    chances = {}
    for sanctions in (True, False):
        m.day = 0
        rule = ConventionRule(m, ConventionParams(sanctions=sanctions), ENV, voice, "t")
        rule._decide(m)
        chances[sanctions] = rule.chance
    effect = chances[True] - chances[False]
    assert np.all(effect[voice > 0] > 0) and np.all(effect[voice == 0] < 0)


# ---------------------------------------------------------------- ordering tests (6.4)
ESTATE = {"population.residents": 800, "population.households": 255}
#: The committee forms at the first parking grievances and drafts for a month (cheap runs).
QUICK = {"trigger_grievance": 0.05, "draft_days": 30}
SEEDS = range(4)


def run_small(seed, mechanisms, days=400, **over):
    m = CommunityModel(
        "xianlu_xincun",
        rng=seed,
        mechanisms=mechanisms,
        overrides={**ESTATE, **over},
        resident_agents=False,
    )
    return m.run(days)


def run_committee(seed, days=400, **params):
    over = {f"mechanisms.issue_committee.{k}": v for k, v in {**QUICK, **params}.items()}
    m = CommunityModel(
        "xianlu_xincun",
        rng=seed,
        mechanisms=["issue_committee"],
        overrides={**ESTATE, **over},
        resident_agents=False,
    )
    df = m.run(days)
    return m, df


def late(df):
    """Mean expected parking conflicts a night over days 200-400 (the Poisson mean: the
    count's own noise left out, so that 4 seeds can show an ordering)."""
    return df.parking_conflict_rate.values[200:].mean()


def test_ostrom_walker_gardner_ordering_of_conflicts():
    """No convention > convention without monitoring or sanctions > with both, same shortage.

    Spaces are not shared in any arm (the same shortage). Mean expected conflicts per night
    over days 200-400 and 4 seeds; each step must hold in the seed mean and in at least 3 of 4
    seeds (paired: the arms differ only in the rule).
    """
    none = np.array([late(run_small(s, None)) for s in SEEDS])
    bare = np.array(
        [
            late(run_committee(s, share_spaces=False, monitors=False, sanctions=False)[1])
            for s in SEEDS
        ]
    )
    full = np.array([late(run_committee(s, share_spaces=False)[1]) for s in SEEDS])
    assert none.mean() > bare.mean() > full.mean()
    assert np.sum(none > bare) >= 3 and np.sum(bare > full) >= 3


def represented_chances(m):
    ic = m.mechanism("issue_committee")
    heads = m.parking.head[m.car_household]
    voice = np.maximum.reduceat(ic.represented, m.parking.head)[m.pop.household[heads]]
    return ic.rule.chance[heads], voice > 0


def test_dal_bo_premium_represented_households_comply_more():
    """Within each run, represented car households' mean chance exceeds the others'.

    The premium must exceed 0.02 in the mean over 4 seeds and be positive in at least 3: a
    run's premium also carries the draw of cooperator types among the represented, and
    chances near 1 compress it (both noise, not the rule).
    """
    premium = []
    for seed in SEEDS:
        m, _ = run_committee(seed, days=300)
        c, rep = represented_chances(m)
        assert rep.any() and (~rep).any()
        premium.append(np.nanmean(c[rep]) - np.nanmean(c[~rep]))
    assert np.mean(premium) > 0.02 and np.sum(np.array(premium) > 0) >= 3, premium


def test_decaro_sanctions_help_the_represented_and_not_the_unrepresented():
    """Paired seeds with and without sanctions: the represented gain, the others do not.

    Mean chance at day 300 per group; the sign must hold in the mean over 4 seeds, and the
    unrepresented's effect stays <= 0.01 (the neighbour term can carry a small spill-over
    from the represented's gain).
    """
    gain_rep, gain_un = [], []
    for seed in SEEDS:
        on, _ = run_committee(seed, days=300)
        off, _ = run_committee(seed, days=300, sanctions=False)
        c_on, rep = represented_chances(on)
        c_off, rep_off = represented_chances(off)
        np.testing.assert_array_equal(rep, rep_off)  # the same drafting in both arms
        gain_rep.append(np.nanmean(c_on[rep]) - np.nanmean(c_off[rep]))
        gain_un.append(np.nanmean(c_on[~rep]) - np.nanmean(c_off[~rep]))
    assert np.mean(gain_rep) > 0
    assert np.mean(gain_un) <= 0.01


def test_conflicts_persist_while_the_shortage_persists_without_a_parking_issue():
    """Parking issues never arrive: conflicts still come in every 50-day window.

    About 0.15 expected conflicts a night on this estate: a window's count is Poisson(7.5),
    P(0) = 0.0006; the second half of the run has at least 70 % of the first half's rate
    (cars grow, the shortage stays).
    """
    for seed in range(2):
        df = run_small(seed, None, days=350, **{"issues.parking.rate.old_estate": 0.0})
        assert (df.issues_open_parking == 0).all() and (df.parking_shortage > 0.3).all()
        windows = df.conflicts_parking.values.reshape(7, 50).sum(axis=1)
        assert np.all(windows > 0)
        rate = df.parking_conflict_rate.values
        assert rate[175:].mean() >= 0.7 * rate[:175].mean() > 0


def test_shared_spaces_cut_conflicts():
    """The committee with and without sharing spaces (paired seeds): fewer conflicts with."""
    shared = np.array([late(run_committee(s)[1]) for s in SEEDS])
    unshared = np.array([late(run_committee(s, share_spaces=False)[1]) for s in SEEDS])
    assert shared.mean() < unshared.mean() and np.sum(shared < unshared) >= 3
