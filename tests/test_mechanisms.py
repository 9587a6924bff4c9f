"""Consultation mechanisms: the registry, their interface, and the patterns of MODEL 6."""

import numpy as np
import pytest

from sim import MECHANISMS, CommunityModel, run
from sim.calibration import patterns as pat
from sim.calibration.patterns import target
from sim.cli import main
from sim.mechanisms import BUILTIN, MechanismError, configure
from sim.params import describe

#: Every built-in mechanism residents take part in (P5 is stated for each; issue 20 item 7).
CONSULTATION = list(pat.CONSULTATION)
ONLINE = [m for m in CONSULTATION if MECHANISMS[m].online]
OFFLINE = [m for m in CONSULTATION if not MECHANISMS[m].online]
SEEDS = range(3)
DAYS = 1096


@pytest.fixture(scope="module")
def arms():
    """Three paired seeds of Xianlu Xincun over the experiment, per single mechanism."""
    out = {}
    for arm in ["administrative", *CONSULTATION]:
        out[arm] = []
        for seed in SEEDS:
            model = CommunityModel("xianlu_xincun", rng=seed, mechanisms=[arm])
            model.run(DAYS)
            out[arm].append(model)
    return out


def mean_of(models, column):
    return float(np.mean([m.metrics()[column].mean() for m in models]))


def test_registry_lists_every_mechanism_with_documented_parameters(capsys):
    assert set(CONSULTATION) <= set(MECHANISMS)
    assert next(iter(MECHANISMS)) == "administrative"
    main(["mechanisms"])
    out = capsys.readouterr().out
    for name, cls in MECHANISMS.items():
        assert cls.title and cls.title_zh and cls.summary, name
        assert name in out and cls.title_zh in out
        for p in describe(cls.Params):
            assert p.help and p.zh, (name, p.path)
            assert f"{p.path} = {p.default}" in out


def test_unknown_mechanism_and_parameter_are_clear_errors(tmp_path, capsys):
    with pytest.raises(MechanismError, match="unknown mechanism; available: administrative"):
        configure("parking_lot")
    with pytest.raises(MechanismError, match=r"mechanisms\.joint_meeting\.bogus: unknown"):
        configure("joint_meeting", {"bogus": 1})
    with pytest.raises(MechanismError, match=r"interval_days: .*greater than or equal to 1"):
        configure("joint_meeting", {"interval_days": 0})
    path = tmp_path / "s.toml"
    path.write_text("name = 'x'\n[mechanisms.palm_community]\np_read = 1.5\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "mechanisms.palm_community.p_read" in err


def test_run_accepts_names_instances_and_all():
    a = run("xianlu_xincun", days=40, seed=2, mechanisms=["joint_meeting"])
    b = run("xianlu_xincun", days=40, seed=2, mechanisms=[configure("joint_meeting")])
    assert a.metrics.equals(b.metrics)
    every = run("xianlu_xincun", days=5, mechanisms="all")
    assert list(every.manifest["mechanisms"]) == list(BUILTIN)  # "all": the built-ins


def test_a_configured_instance_is_not_shared_between_runs():
    mech = configure("rotation_duty")
    first = run("xianlu_xincun", days=100, seed=1, mechanisms=[mech]).metrics
    second = run("xianlu_xincun", days=100, seed=1, mechanisms=[mech]).metrics
    assert first.equals(second)


def test_switching_a_mechanism_on_leaves_unrelated_draws_unchanged():
    """Common random numbers: population, network and issue arrivals are the same with
    or without a meeting and a WeChat account (neither changes the parking supply)."""
    base = CommunityModel("xianlu_xincun", rng=4)
    other = CommunityModel("xianlu_xincun", rng=4, mechanisms=["joint_meeting", "palm_community"])
    base.run(365)
    other.run(365)
    assert (base.pop.online == other.pop.online).all()
    assert (base.net.face != other.net.face).nnz == 0
    arrivals = [
        [
            (i.day, i.kind, tuple(i.members))
            for i in sorted(m.issues.open + m.issues.resolved, key=lambda i: i.id)
        ]
        for m in (base, other)
    ]
    assert arrivals[0] == arrivals[1] and len(arrivals[0]) > 30


@pytest.mark.parametrize("arm", CONSULTATION)
def test_p5_every_consultation_mechanism_raises_participation(arms, arm):
    """P5: participation above the administrative baseline (which has none) in every seed."""
    base = [m.metrics()["participation_rate"].mean() for m in arms["administrative"]]
    with_it = [m.metrics()["participation_rate"].mean() for m in arms[arm]]
    assert all(w > b for w, b in zip(with_it, base, strict=True)), (arm, with_it, base)


def test_p5_offline_mechanisms_include_the_elderly_more_than_online_ones(arms):
    """P5: relative to other residents, the elderly take part more under every offline
    mechanism than under any online one (ratio of mean participation, pooled over three
    seeds; the ratios were 1.4-1.8 offline against 0.4-0.8 online when written)."""

    def ratio(arm):
        return mean_of(arms[arm], "participation_rate_elderly") / mean_of(
            arms[arm], "participation_rate_nonelderly"
        )

    assert min(ratio(a) for a in OFFLINE) > max(ratio(a) for a in ONLINE)
    assert max(ratio(a) for a in ONLINE) < target("p5_online").high  # elderly left behind


def test_p6_consultation_stays_a_minority_activity(arms):
    """P6: a joint meeting draws a few percent of households (the declared range widened by
    its tolerance), and even with every mechanism on, most residents take no part in a
    given month."""
    attendance, ceiling = target("p6_attendance"), target("p6_ceiling")
    for model in arms["joint_meeting"]:
        df = model.metrics()
        held = df["meeting_attendance"][df["meeting_attendance"] > 0]
        assert len(held) >= 28  # most of the 36 months (the hours left miss a few)
        assert held.mean() / model.pop.n_households <= attendance.high + attendance.tolerance
    df = run("xianlu_xincun", seed=0, mechanisms="all").metrics
    assert df["participation_rate"].max() < ceiling.high


def test_p2_parking_conflicts_fall_after_the_convention(arms):
    """P2: with the parking committee, conflicts after the convention's adoption fall below
    the administrative run with the same seed (common random numbers): over the half-year
    after adoption summed over seeds, and to less than half over the rest of the experiment
    in every seed (the committee forms early, often before conflicts build up, so the
    paired baseline is the fair comparison)."""
    first = []
    for model, base in zip(arms["issue_committee"], arms["administrative"], strict=True):
        mech = model.mechanisms[-1]
        assert mech.adopted_day > mech.formed_day >= 0
        c = model.metrics()["conflicts_parking"].to_numpy()
        cb = base.metrics()["conflicts_parking"].to_numpy()
        window = slice(mech.adopted_day + 1, mech.adopted_day + 181)
        first.append((c[window].sum(), cb[window].sum()))
        late = slice(mech.adopted_day + 1, DAYS)
        assert c[late].sum() < target("p2_ratio").high * cb[late].sum()
    assert sum(a for a, _ in first) < sum(b for _, b in first)


def test_p3_palm_community_reaches_220_followers_in_two_to_three_months():
    """P3, Zhijia Garden: 220+ followers 60 to 90 days after launch, growing slower after.

    Calibrated (README) with launch promotion p = 0.12/month for 90 days, then p = 0.01,
    q = 0.1, interest 0.45; four seeds gave 219-266 at day 60 and 306-353 at day 90, so
    the declared targets ask for 220+ by day 75 and no more than 600 by day 90 (not saturated).
    """
    day75, day90 = target("p3_day75"), target("p3_day90")
    for seed in range(4):
        model = CommunityModel(
            "zhijia_garden", rng=seed, mechanisms=[configure("palm_community", {"launch_day": 0})]
        )
        f = model.run(181)["palm_followers"].to_numpy()
        assert f[75] >= day75.low and f[90] <= day90.high, f[[60, 75, 90]]
        assert (f[180] - f[90]) < (f[90] - f[0]), "growth slows after the launch months"


def test_zhijia_scenario_launches_palm_in_december_2016():
    model = CommunityModel("zhijia_garden", rng=0)
    palm = next(m for m in model.mechanisms if m.name == "palm_community")
    assert palm.params.launch_day == 519
    f = model.run(600)["palm_followers"].to_numpy()
    assert f[518] == 0 and f[519 + 75] >= 220


def test_p4_palm_community_cuts_explanation_hours(arms):
    """P4: explaining policies takes fewer social-worker hours with the account: lower in
    every paired seed, and at least 20% lower pooled (the cut was about 30% over five
    seeds when written, 3.8 -> 2.6 hours a day)."""
    pairs = [
        (palm.metrics()["explanation_hours"].mean(), base.metrics()["explanation_hours"].mean())
        for palm, base in zip(arms["palm_community"], arms["administrative"], strict=True)
    ]
    assert all(p < b for p, b in pairs)
    assert sum(p for p, _ in pairs) < target("p4_ratio").high * sum(b for _, b in pairs)


def test_higher_administrative_load_does_not_raise_participation_with_meetings():
    """With joint meetings, a committee whose hours go to tasks from above holds fewer
    meetings: participation does not rise (three paired seeds, a year)."""

    def part(share):
        return np.mean(
            [
                run(
                    "xianlu_xincun",
                    days=365,
                    seed=s,
                    mechanisms=["joint_meeting"],
                    overrides={"committee.admin_share": share},
                )
                .metrics["participation_rate"]
                .mean()
                for s in SEEDS
            ]
        )

    assert part(0.95) <= part(0.3)


def test_proxies_close_part_of_the_digital_divide():
    """Cloud consultation: social-worker proxies raise offline residents' participation and
    cost proxy hours (paired seeds; without proxies offline access is only via family)."""

    def runs(share):
        return [
            run(
                "xianlu_xincun",
                days=365,
                seed=s,
                mechanisms=["cloud_consultation"],
                overrides={"mechanisms.cloud_consultation.proxy_share": share},
            ).metrics
            for s in SEEDS
        ]

    none, full = runs(0.0), runs(1.0)
    off = [np.mean([d["participation_rate_offline"].mean() for d in r]) for r in (none, full)]
    assert off[1] > off[0]
    assert sum(d["proxy_hours"].sum() for d in none) == 0
    assert all(d["proxy_hours"].sum() > 0 for d in full)


def test_escalation_congests_when_many_communities_share_the_platform():
    """Cloud consultation's capacity is shared: with many more communities escalating, the
    queue grows and resolutions take longer (paired seeds, a year)."""

    def days(others):
        out = []
        for s in SEEDS:
            m = CommunityModel(
                "xianlu_xincun",
                rng=s,
                mechanisms=["cloud_consultation"],
                overrides={"mechanisms.cloud_consultation.other_communities": others},
            )
            df = m.run(365)
            out.append(df["resolution_days_mean"].iloc[-1])
        return np.mean(out)

    assert days(60) > days(5)


def test_monitoring_by_volunteers_raises_convention_compliance(arms):
    """Rotation duty's volunteers monitor proactive conventions in their buildings: compliance
    in the last year is higher with it than with the conventions alone (paired seeds; measured
    about 0.39 against 0.29)."""
    for seed, alone in zip(SEEDS, arms["convention"], strict=True):
        both = CommunityModel("xianlu_xincun", rng=seed, mechanisms=["convention", "rotation_duty"])
        both.run(DAYS)
        last = slice(DAYS - 365, DAYS)
        assert (
            both.metrics()["convention_compliance"][last].mean()
            > alone.metrics()["convention_compliance"][last].mean()
        )


def test_rotation_duty_raises_efficacy(arms):
    for duty, base in zip(arms["rotation_duty"], arms["administrative"], strict=True):
        assert duty.state.efficacy.mean() > base.state.efficacy.mean()


@pytest.mark.parametrize("scenario", ["xianlu_xincun", "qixia_rural"])
def test_all_mechanisms_together_keep_invariants(scenario):
    df = run(scenario, days=400, seed=1, mechanisms="all").metrics
    # disconfirmation and penalties may be negative; a gap between two groups too, and an
    # intraclass correlation's ANOVA estimate (its floor is −1/(n₀ − 1))
    signed = {"sat_disc", "sat_voice", "compliance_voice_gap", "participation_stairwell_icc"}
    for col in df.columns.difference(sorted(signed)):
        assert (df[col].dropna() >= 0).all(), col
    for col in (
        "participation_rate",
        "satisfaction_mean",
        "trust_mean",
        "convention_compliance",
        "policy_awareness",
    ):
        assert df[col].between(0, 1).all(), col


def test_a_formats_numbers_are_declared_overridable_and_sweepable(tmp_path, capsys):
    def attendance(reach):
        total = 0.0
        for seed in range(3):  # three seeds: the effect of 0.1 vs 0.9 reach is many-fold
            m = run(
                "xianlu_xincun",
                days=120,
                seed=seed,
                mechanisms=[
                    configure(
                        "joint_meeting",
                        {"format": "open_forum", "formats": {"open_forum": {"reach": reach}}},
                    )
                ],
            ).metrics
            total += m["meeting_attendance"].sum()
        return total

    assert attendance(0.9) > 2 * attendance(0.1)
    studio = configure("joint_meeting", {"formats": {"studio": {"reach": 0.7}}}).params.formats
    assert studio.studio.reach == 0.7 and studio.studio.cost_factor == 0.5  # the rest kept
    path = tmp_path / "exp.toml"
    path.write_text(
        'scenario = "xianlu_xincun"\ndays = 30\nreplicates = 1\nseed = 1\n'
        'metrics = ["meeting_attendance"]\n[arms]\njm = ["joint_meeting"]\n'
        '[design]\nkind = "factorial"\n[design.factors]\n'
        '"mechanisms.joint_meeting.formats.invitation.reach" = [0.1, 0.5]\n'
    )
    assert main(["experiment", "validate", str(path)]) == 0
    assert "2 design point(s)" in capsys.readouterr().out
