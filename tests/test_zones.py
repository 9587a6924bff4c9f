"""Jianye, Yunlong and Gusu: institutional consultation, public services, project services.

Direction tests use paired seeds (common random numbers): every arm runs the same seeds, and the
model's named streams keep arrivals, population and network identical across arms.
"""

from functools import cache

import numpy as np
import pytest

from sim import CommunityModel
from sim.cli import main
from sim.experiments.design import load_experiment
from sim.mechanisms import MECHANISMS, MechanismError, configure
from sim.metrics import METRICS
from sim.params import ISSUE_TYPES
from sim.ui.i18n import explanation

SEEDS = range(3)
DAYS = 365
NEW = ["institutional_consultation", "public_services", "project_services"]


@cache
def run(mechanisms: str, seed: int, days: int = DAYS, overrides: tuple = ()):
    """One Xianlu Xincun run (cached: tests only read it)."""
    model = CommunityModel(
        "xianlu_xincun", rng=seed, mechanisms=mechanisms, overrides=dict(overrides)
    )
    model.initial_face = model.net.face.copy()
    model.run(days)
    return model


def last(mechanisms: str, column: str, seed: int, **kw) -> float:
    return float(run(mechanisms, seed, **kw).metrics()[column].iloc[-1])


def mean(mechanisms: str, column: str, seed: int, **kw) -> float:
    return float(run(mechanisms, seed, **kw).metrics()[column].mean())


def mechanism(model: CommunityModel, name: str):
    return next(m for m in model.mechanisms if m.name == name)


# ------------------------------------------------------------------ registry, UI, invariants
def test_new_mechanisms_are_registered_and_explained_in_both_languages():
    for name in NEW:
        cls = MECHANISMS[name]
        assert cls.title and cls.title_zh and cls.summary
        for lang in ("en", "zh"):  # the article's account, not the summary fallback
            assert explanation(cls, lang) != cls.summary


@pytest.mark.parametrize("mechanisms", [*NEW, "all"])
def test_runs_within_bounds(mechanisms):
    model = run(mechanisms, 0, days=200)
    df = model.metrics()
    assert list(df.columns) == list(METRICS)
    for col in [
        "participation_rate",
        "satisfaction_mean",
        "trust_mean",
        "procedure_share",
        "published_share",
        "service_coverage",
        "service_coverage_elderly",
        "project_reach_share",
    ]:
        values = df[col].dropna()
        assert ((values >= 0) & (values <= 1)).all(), col
    assert (df["social_worker_hours"] <= model.committee.hours_free_per_day + 1e-9).all()
    assert (df["procedure_share"].fillna(0) <= df["published_share"].fillna(0) + 1e-12).all()


# ------------------------------------------------------------------ institutional consultation
def test_catalogue_issues_are_consulted_published_and_held_until_consulted():
    """Alone, the procedure's written consultation gives most resolved issues a residents'
    proposal (0.85 of all resolved issues when written; we assert 0.6 in every seed); exactly
    the resolved catalogue issues are published; none is decided before its notice period."""
    notice = configure("institutional_consultation").params.notice_days
    catalogue = {
        ISSUE_TYPES.index(t) for t in configure("institutional_consultation").params.catalogue
    }
    for s in SEEDS:
        model = run("institutional_consultation", s)
        mech = mechanism(model, "institutional_consultation")
        resolved = [i for i in model.issues.resolved if i.kind in catalogue]
        assert mech.n_published == len(resolved) > 10
        # arrived in the run (not carried over from the spin-up, whose issues known on day 0
        # were decided a day early: reported to the lead) and not reopened by complaints
        arrived = [i for i in resolved if i.id not in model.reopened and i.day >= 0]
        assert all(i.resolved_day - i.known_day >= notice for i in arrived)
        assert last("institutional_consultation", "procedure_share", s) > 0.6
        assert last("administrative", "procedure_share", s) == 0
        assert last("institutional_consultation", "participation_rate", s) >= 0
        assert mean("institutional_consultation", "participation_rate", s) > mean(
            "administrative", "participation_rate", s
        )
        others = [i for i in model.issues.resolved if i.kind not in catalogue]
        assert not any(i.authority for i in others)  # outside the catalogue: top-down


def test_rules_invite_stakeholders_to_the_joint_meeting():
    """The rules add personal invitations of affected residents: with the default quota (30
    per catalogue agenda issue) more attend each meeting than with none, in every seed, and by
    at least 0.5 a meeting on average over the three seeds (+0.8 to +4.6 a seed over seeds 0-7
    at stop 31, +1.2 on average over 0-2: the invitations take the hours the meeting's own
    mobilisation leaves, and how many catalogue issues reach the agenda varies with the seed)."""
    jianye = "institutional_consultation,joint_meeting,issue_committee"
    none = (("mechanisms.institutional_consultation.invite_quota", 0),)

    def per_meeting(seed, **kw):
        a = run(jianye, seed, **kw).metrics()["meeting_attendance"]
        return a[a > 0].mean()

    gain = [per_meeting(s) - per_meeting(s, overrides=none) for s in SEEDS]
    assert min(gain) > 0 and sum(gain) / len(gain) > 0.5, gain


def test_procedure_raises_trust_and_satisfaction_over_the_bare_meeting():
    """Jianye's package against the same meeting and committee without rules, paired seeds over
    three years: final trust and satisfaction higher summed over seeds (trust +0.03, satisfaction
    +0.03 in seed 0 when written)."""
    gulou = "joint_meeting,issue_committee"
    for col in ("trust_mean", "satisfaction_mean"):
        with_rules = sum(
            last(f"institutional_consultation,{gulou}", col, s, days=1096) for s in SEEDS
        )
        bare = sum(last(gulou, col, s, days=1096) for s in SEEDS)
        assert with_rules > bare, col


# ------------------------------------------------------------------ public services
def test_counter_hours_set_coverage_and_waiting():
    """A quarter of the counter's hours serves fewer needs and makes them wait longer, in every
    seed; with the default hours nearly every need is met (coverage 1.00 when written)."""
    short = (("mechanisms.public_services.counter_hours_per_week", 10.0),)
    for s in SEEDS:
        full_cov = last("public_services", "service_coverage", s)
        short_cov = last("public_services", "service_coverage", s, overrides=short)
        assert full_cov > 0.95 and short_cov < full_cov - 0.1
        assert (
            last("public_services", "service_wait_days", s, overrides=short)
            > last("public_services", "service_wait_days", s) + 1.0
        )


def test_home_visits_serve_the_offline_elderly():
    """With a short counter, home visits raise the elderly's coverage (every seed)."""
    short = ("mechanisms.public_services.counter_hours_per_week", 10.0)
    none = (short, ("mechanisms.public_services.home_visits_per_week", 0.0))
    for s in SEEDS:
        assert last("public_services", "service_coverage_elderly", s, overrides=(short,)) > last(
            "public_services", "service_coverage_elderly", s, overrides=none
        )


def test_services_raise_satisfaction_through_outcomes_not_voice():
    """Satisfaction and trust end higher than the baseline in every seed, while nobody takes
    part in a consultation (the counter gives outcomes, not voice). Satisfaction by 0.02;
    trust, which since issue 20 moves only at events toward 0.4·DJ + 0.6·PJ with PJ near the
    climate of the unheard (0.3), by less, and the counter's hours leave fewer for issues, so
    only the sign of its mean over the seeds is asserted (a seed's difference is about 0.001)."""
    gain = []
    for s in SEEDS:
        base = last("administrative", "satisfaction_mean", s)
        assert last("public_services", "satisfaction_mean", s) > base + 0.02
        gain.append(
            last("public_services", "trust_mean", s) - last("administrative", "trust_mean", s)
        )
        assert (run("public_services", s).metrics()["participation_rate"] == 0).all()
        assert mean("public_services", "service_hours", s) > 5.0  # 40 h a week staffed
    assert np.mean(gain) > 0, gain


def test_the_meeting_is_booked_before_the_counter_under_heavy_load():
    """With 85% administrative load 6.8 free hours a day remain. The joint meeting (6 staff
    hours on a fixed monthly date) books them first and the counter (5.7 a day) gets the rest:
    as many meetings are held with the counter as without, in every seed, and the counter's
    hours are lower on meeting days than on other days."""
    heavy = (("committee.admin_share", 0.85),)
    for s in SEEDS:
        alone = last("joint_meeting", "meetings_held_total", s, overrides=heavy)
        both = run("joint_meeting,public_services", s, overrides=heavy).metrics()
        assert both["meetings_held_total"].iloc[-1] == alone > 0
        held = both["meetings_held_total"].diff().fillna(both["meetings_held_total"]) > 0
        hours = both["service_hours"]
        assert hours[held].mean() < hours[~held].mean()


# ------------------------------------------------------------------ project services
def test_projects_are_funded_renewed_and_reach_residents():
    """Over three years: three projects a year fit the budget; some are renewed; a share of
    residents is reached; the money per resident reached is what was spent over who was reached;
    satisfaction ends higher than the baseline summed over seeds."""
    for s in SEEDS:
        model = run("project_services", s, days=1096)
        mech = mechanism(model, "project_services")
        df = model.metrics()
        assert df["projects_active"].iloc[-1] <= 3
        assert df["projects_funded_total"].iloc[-1] >= 3
        assert (np.diff(df["projects_funded_total"]) >= 0).all()
        assert df["project_reach_share"].iloc[-1] > 0.2
        reached = np.count_nonzero(mech.reached)
        assert df["project_yuan_per_reached"].iloc[-1] == pytest.approx(mech.spent / reached)
        assert mech.spent == pytest.approx(150_000 * 4)  # calls on days 0, 365, 730, 1095
    assert sum(last("project_services", "satisfaction_mean", s, days=1096) for s in SEEDS) > sum(
        last("administrative", "satisfaction_mean", s, days=1096) for s in SEEDS
    )


def test_residents_needs_choose_the_projects():
    """Funded projects follow the votes: a larger share of elderly care in an elderly community
    than in a young one (12 outside proposals a call, so every kind is usually offered)."""

    def elderly_share(young, elderly):
        kinds = []
        for s in SEEDS:
            model = CommunityModel(
                "xianlu_xincun",
                rng=s,
                mechanisms="project_services",
                overrides={
                    "population.share_young": young,
                    "population.share_elderly": elderly,
                    "mechanisms.project_services.outside_proposals": 12,
                },
            )
            model.run(1)
            kinds += [p.kind for p in mechanism(model, "project_services").projects]
        return kinds.count("elderly_care") / len(kinds)

    # since issue 20 the elderly vote more (SUNS age gradient) and children not at all, so a
    # young community still funds some elderly care: only the order and the old one's majority
    assert elderly_share(0.1, 0.7) > 0.5 > elderly_share(0.6, 0.1)


def test_evaluation_renews_better_projects():
    """Quarterly calls over two years (many evaluations): renewed projects have a higher mean
    quality than dropped ones, pooled over seeds (scores carry N(0, 0.1) noise)."""
    quarterly = (("mechanisms.project_services.cycle_days", 90),)
    record = [
        e
        for s in SEEDS
        for e in mechanism(
            run("project_services", s, days=730, overrides=quarterly), "project_services"
        ).evaluated
    ]
    kept = [q for q, renewed in record if renewed]
    dropped = [q for q, renewed in record if not renewed]
    assert len(kept) >= 5 and len(dropped) >= 5
    assert np.mean(kept) > np.mean(dropped)


def test_local_organisations_deliver_projects_when_social_organisations_are_on():
    """With social organisations, their service organisations propose first and some deliver
    projects, at their higher quality; without them every project comes from outside."""
    local = 0
    for s in SEEDS:
        with_orgs = mechanism(run("project_services,social_organisations", s), "project_services")
        local += sum(p.local for p in with_orgs.projects)
        assert all(
            p.org
            in mechanism(
                run("project_services,social_organisations", s), "social_organisations"
            ).orgs
            for p in with_orgs.projects
            if p.local
        )
        alone = mechanism(run("project_services", s), "project_services")
        assert not any(p.local for p in alone.projects)
    assert local >= len(SEEDS)


def test_a_bigger_budget_funds_more_projects():
    rich = (("mechanisms.project_services.budget_per_year", 300_000.0),)
    for s in SEEDS:
        assert last("project_services", "projects_active", s, overrides=rich) > last(
            "project_services", "projects_active", s
        )


# ------------------------------------------------------------------ common random numbers
@pytest.mark.parametrize("name", NEW)
def test_mechanism_leaves_other_streams_unchanged(name):
    """Switching a mechanism on leaves the population, the initial network and the issues'
    arrivals (day, type, members) exactly as without it."""
    for s in SEEDS[:2]:
        a, b = run("administrative", s), run(name, s)
        assert (a.pop.age == b.pop.age).all() and (a.pop.online == b.pop.online).all()
        assert (a.initial_face != b.initial_face).nnz == 0
        arrivals = [
            [
                (i.day, i.kind, tuple(i.members))
                for i in sorted(m.issues.open + m.issues.resolved, key=lambda i: i.id)
                if i.id not in m.reopened  # reopened by complaints: no arrival
            ]
            for m in (a, b)
        ]
        assert arrivals[0] == arrivals[1] and len(arrivals[0]) > 20


# ------------------------------------------------------------------ the zones experiment
def test_zones_experiment_compares_the_five_packages_in_four_community_types():
    exp, bases, _ = load_experiment("zones")
    assert set(exp.arms) == {"administrative", "gulou", "qixia", "jianye", "yunlong", "gusu"}
    assert {b.community_type for b in bases.values()} == {
        "old_estate",
        "commercial",
        "affordable",
        "rural",
    }


# ------------------------------------------------------------------ bad parameters
BAD = [
    ("institutional_consultation", {"catalogue": ["noise"]}, "catalogue.0", "'parking'"),
    (
        "institutional_consultation",
        {"notice_days": -1},
        "notice_days",
        "greater than or equal to 0",
    ),
    ("institutional_consultation", {"quota": 3}, "quota", "unknown parameter"),
    ("public_services", {"case_minutes": 0}, "case_minutes", "greater than 0"),
    ("public_services", {"online_share": 1.5}, "online_share", "less than or equal to 1"),
    ("project_services", {"cycle_days": 10}, "cycle_days", "greater than or equal to 30"),
    ("project_services", {"project_cost": 0}, "project_cost", "greater than 0"),
    ("project_services", {"quality_spread": 0.6}, "quality_spread", "less than or equal to 0.5"),
]


@pytest.mark.parametrize(("name", "table", "field", "words"), BAD)
def test_bad_parameter_names_field_and_what_is_allowed(name, table, field, words):
    with pytest.raises(MechanismError) as info:
        configure(name, table)
    assert info.value.field == f"mechanisms.{name}.{field}"
    assert words in str(info.value) and "parameters:" in str(info.value)


def test_bad_override_exits_2_without_traceback(capsys):
    assert (
        main(
            [
                "run",
                "xianlu_xincun",
                "--mechanisms",
                "public_services",
                "--days",
                "5",
                "--set",
                "mechanisms.public_services.max_wait_days=0",
                "--quiet",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "mechanisms.public_services.max_wait_days" in err and "Traceback" not in err
