"""Experiment files: validation, plans and seeds, designs and indices, the reference check."""

import tomllib

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.experiments import design
from sim.experiments.analysis import contrasts
from sim.experiments.design import (
    Design,
    builtin_experiments,
    load_experiment,
    load_plan,
    run_count,
    sample,
)
from sim.mechanisms import MECHANISMS
from sim.scenario import data_dir

TINY = """
name = "tiny"
[population]
residents = 200
households = 70
households_per_building = 10
[behaviour]
spinup_days = 30  # the experiment engine is tested here, not the spin-up: 30 days, not 730
"""

BASE = """
scenario = "tiny.toml"
days = 30
replicates = 4
seed = 5
metrics = ["satisfaction_mean", "trust_mean"]
[arms]
base = ["administrative"]
low_admin = { mechanisms = ["administrative"], set = { "committee.admin_share" = 0.2 } }
"""


def write(tmp_path, text, name="exp.toml"):
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BAD = [
    # (text appended to or replacing BASE, words the message must contain)
    ("foo = 1\n" + BASE, ["foo", "unknown key"]),
    (BASE + "[design]\nkind = 'grid'\n", ["design.kind", "'factorial'", "'sobol'"]),
    (
        BASE + "[design]\nkind = 'latin'\nsamples = 4\n[design.factors]\n"
        "'behaviour.b0' = { low = 1.0, high = 0.0 }\n",
        ['design.factors."behaviour.b0"', "low (1.0) must be below high (0.0)"],
    ),
    (
        BASE + "[design]\nkind = 'factorial'\n[design.factors]\n"
        "'committee.admin_share' = [0.5, 1.5]\n",
        ['design.factors."committee.admin_share"', "value 1.5", "allowed: 0.0 to 1.0"],
    ),
    (
        BASE + "[design]\nkind = 'factorial'\n[design.factors]\n'behaviour.nope' = [1, 2]\n",
        ['design.factors."behaviour.nope"', "not a declared parameter"],
    ),
    (
        BASE + "[design]\nkind = 'sobol'\nsamples = 10\n[design.factors]\n"
        "'behaviour.b0' = { low = -5.0, high = -3.0 }\n",
        ["design", "power of 2"],
    ),
    (
        BASE + "[design]\nkind = 'sobol'\nsamples = 8\n[design.factors]\n"
        "'behaviour.b0' = [1.0, 2.0]\n",
        ["design", "low/high ranges"],
    ),
    (BASE.replace('"tiny.toml"', '"nowhere.toml"'), ["scenario", "no such scenario"]),
    (BASE.replace('scenario = "tiny.toml"', ""), ["scenario", "required field is missing"]),
    (
        BASE.replace('["administrative"]\nlow', '["telepathy"]\nlow'),
        ["arms.base.mechanisms.0", "unknown mechanism 'telepathy'", "administrative"],
    ),
    (
        BASE.replace('"committee.admin_share" = 0.2', '"committee.admin_share" = 3'),
        ["arms.low_admin.set", "committee.admin_share", "allowed: 0.0 to 1.0"],
    ),
    (BASE.replace("[arms]\nbase", "[arms]\nBase"), ["arms.Base", "lower-case"]),
    (BASE.replace('"trust_mean"', '"happiness"'), ["metrics.1", "unknown metric 'happiness'"]),
    (BASE.replace("replicates = 4", "replicates = 0"), ["replicates", "greater than or equal"]),
    (
        BASE + "[[figures]]\nkind = 'bars'\nsummaries = ['nothing']\n",
        ["figures.0.summaries.0", "unknown summary 'nothing'"],
    ),
    (
        BASE + "[[figures]]\nkind = 'indices'\nsummaries = ['trust_mean_last']\n",
        ["figures.0.kind", "sobol or morris"],
    ),
    (BASE + "[check]\narms = ['nobody']\n", ["check.arms.0", "unknown arm"]),
    (BASE + "[check]\nreplicates = 1\n", ["check.replicates", "at least 2"]),
    (
        BASE.replace('["administrative"]\nlow', "3\nlow"),
        ["arms.base", "a list of mechanism names or a table"],
    ),
    ("scenario = 'tiny.toml\n", ["malformed TOML"]),
    ("baseline = 'bas'\n" + BASE, ["baseline", "unknown arm 'bas'; did you mean 'base'?"]),
    (
        BASE.replace("set = {", "versus = 'nobody', set = {"),
        ["arms.low_admin.versus", "unknown arm 'nobody'"],
    ),
    (
        BASE.replace("set = {", "expect = { trust_mean_last = 'lower' }, set = {"),
        ["arms.low_admin.expect", "needs a versus arm or a baseline"],
    ),
    (
        "baseline = 'base'\n" + BASE.replace("set = {", "expect = { trust = 'up' }, set = {"),
        ["arms.low_admin.expect.trust", "'higher', 'lower', 'differs' or 'unchanged'"],
    ),
]


@pytest.mark.parametrize(("text", "words"), BAD)
def test_bad_experiment_file_exits_2_naming_file_and_field(tmp_path, capsys, text, words):
    path = write(tmp_path, text)
    assert main(["experiment", "run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    for w in words:
        assert w in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


SUGGESTED = [
    # (text, words the message must contain, words it must not: the full list of choices)
    ("titel = 'x'\n" + BASE, ["titel: unknown key; did you mean 'title'?"], []),
    (
        BASE + "[design]\nkind = 'factorial'\nsample = 3\n",
        ["design.sample: unknown key; did you mean 'samples'?"],
        [],
    ),
    (
        BASE + "[design]\nkind = 'factorial'\n[design.factors]\n'behaviour.sat_bas' = [0.1, 0.3]\n",
        ["not a declared parameter; did you mean 'behaviour.sat_base'?"],
        [],
    ),
    (
        BASE.replace('"trust_mean"', '"trust_men"'),
        ["metrics.1: unknown metric 'trust_men'; did you mean 'trust_mean'?"],
        ["available", "participation_rate"],
    ),
    (
        BASE.replace('["administrative"]\nlow', '["administrativ"]\nlow'),
        ["unknown mechanism 'administrativ'; did you mean 'administrative'?"],
        ["available"],
    ),
    # an experiment's bound in the words of a scenario's (the range, its unit)
    (
        BASE.replace("replicates = 4", "replicates = 1000000"),
        ["replicates: ", "(allowed: 1 to 100000 runs)"],
        [],
    ),
]


@pytest.mark.parametrize(("text", "words", "not_words"), SUGGESTED)
def test_experiment_typos_get_the_nearest_name(tmp_path, capsys, text, words, not_words):
    path = write(tmp_path, text)
    assert main(["experiment", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err
    for w in words:
        assert w in err
    for w in not_words:
        assert w not in err


def test_experiment_validate_of_a_scenario_file_says_so(capsys):
    path = data_dir("scenarios") / "xianlu_xincun.toml"
    assert main(["experiment", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: this is a scenario file; use cogov validate" in err
    assert "required field" not in err


def test_unknown_experiment_name(capsys):
    assert main(["experiment", "run", "no_such_experiment"]) == 2
    assert "no such experiment; built-in: " in capsys.readouterr().err


def test_plan_ids_and_seeds(tmp_path):
    path = write(
        tmp_path,
        BASE + "[design]\nkind = 'factorial'\n[design.factors]\n"
        "'behaviour.sat_base' = [0.1, 0.3, 0.5]\n",
    )
    plan = load_plan(path)
    assert len(plan.runs) == 3 * 2 * 4
    assert plan.runs[0].run_id == "p0-base-r0" and plan.runs[-1].run_id == "p2-low_admin-r3"
    seeds = {(r.point.index, r.arm, r.replicate): r.seed(5) for r in plan.runs}
    # spawned, not root + index: the child SeedSequence(5).spawn(3)[p].spawn(4)[r]
    child = np.random.SeedSequence(5).spawn(3)[2].spawn(4)[1]
    assert (seeds[(2, "base", 1)].generate_state(4) == child.generate_state(4)).all()
    states = {k: tuple(s.generate_state(2)) for k, s in seeds.items()}
    assert states[(1, "base", 2)] == states[(1, "low_admin", 2)]  # common random numbers
    assert len({v for (p, a, r), v in states.items() if a == "base"}) == 12
    # more replicates keep the existing runs' ids and seeds
    more = {r.run_id: r.seed_key for r in load_plan(path, replicates=6).runs}
    assert all(more[r.run_id] == r.seed_key for r in plan.runs)


def test_common_seeds_all_shares_across_points(tmp_path):
    path = write(
        tmp_path,
        "common_seeds = 'all'\n" + BASE + "[design]\nkind = 'factorial'\n"
        "[design.factors]\n'behaviour.sat_base' = [0.1, 0.3]\n",
    )
    keys = {(r.point.index, r.replicate): r.seed_key for r in load_plan(path).runs}
    assert keys[(0, 3)] == keys[(1, 3)] == (3,)


def test_sampled_designs_have_the_documented_shapes():
    factors = {f"x{i}": {"low": 0.0, "high": 1.0} for i in range(4)}
    shapes = {
        ("sobol", False): (16 * (4 + 2), 4),
        ("sobol", True): (16 * (2 * 4 + 2), 4),
        ("latin", False): (16, 4),
        ("morris", False): (16 * (4 + 1), 4),
    }
    for (kind, second), shape in shapes.items():
        d = Design(kind=kind, samples=16, second_order=second, factors=factors)
        x = sample(d, seed=3)
        assert x.shape == shape
        assert (x >= 0).all() and (x <= 1).all()
        assert (sample(d, seed=3) == x).all()  # the design is fixed by its seed (resume)


def test_sobol_indices_of_ishigami_match_the_known_values():
    from SALib.test_functions import Ishigami

    from sim.experiments.analysis import sobol_indices
    from sim.experiments.design import problem

    d = Design(
        kind="sobol",
        samples=2048,
        factors={f"x{i}": {"low": -np.pi, "high": np.pi} for i in (1, 2, 3)},
    )
    x = sample(d, seed=1)
    res = sobol_indices(problem(d), Ishigami.evaluate(x), seed=1)
    # Analytic values (a=7, b=0.1): Ishigami & Homma 1990; Saltelli et al. 2008, table 4.
    s1 = np.array([0.3139, 0.4424, 0.0])
    st = np.array([0.5576, 0.4424, 0.2437])
    # At N=2048 the estimators' 95% bootstrap half-widths are 0.02-0.06, so 0.05 is about two
    # standard errors; the seed is fixed, so this is deterministic, not a flaky bound.
    assert np.abs(res["S1"] - s1).max() < 0.05
    assert np.abs(res["ST"] - st).max() < 0.05
    assert (res["S1_conf"] > 0).all() and (res["ST_conf"] < 0.1).all()


def test_morris_of_a_linear_function_gives_its_slopes():
    from sim.experiments.analysis import morris_indices
    from sim.experiments.design import problem

    d = Design(
        kind="morris",
        samples=10,
        levels=4,
        factors={"a": {"low": 0.0, "high": 2.0}, "b": {"low": 0.0, "high": 1.0}},
    )
    x = sample(d, seed=2)
    res = morris_indices(problem(d), x, 3 * x[:, 0] + 0 * x[:, 1], levels=4, seed=2)
    # Elementary effects are per unit of the scaled [0, 1] range: 3 x (2 - 0) and 0, exactly.
    assert np.allclose(res["mu_star"], [6.0, 0.0]) and np.allclose(res["sigma"], 0.0)


CHECKED = (
    BASE
    + """
[summaries]
satisfaction_final = { metric = "satisfaction_mean", stat = "last" }
trust_final = { metric = "trust_mean", stat = "last" }

[check]
replicates = 4
days = 20
k_se = 4.0  # same seeds reproduce exactly; 4 SE lets a pure reshuffle of draws pass
"""
)


def test_reference_check_passes_unchanged_and_catches_a_changed_parameter(tmp_path, capsys):
    path = write(tmp_path, CHECKED)
    assert main(["experiment", "check", str(path), "--workers", "2"]) == 2
    assert "no reference" in capsys.readouterr().err
    assert main(["experiment", "reference", str(path), "--workers", "2", "--quiet"]) == 0
    ref = tmp_path / "references" / "exp.csv"
    assert ref.read_text().startswith("scenario,arm,summary,n,mean,sd,se\n")
    assert main(["experiment", "check", str(path), "--workers", "2", "--quiet"]) == 0
    assert "4 of 4 pass" in capsys.readouterr().out
    # Satisfaction's intercept moved from 0.2 to 0.5: final satisfaction shifts by far more
    # than 4 standard errors (~0.01 each over 4 replicates), so the check must fail on it.
    path.write_text(CHECKED.replace("seed = 5", "seed = 5\nset = { 'behaviour.sat_base' = 0.5 }"))
    assert main(["experiment", "check", str(path), "--workers", "2", "--quiet"]) == 1
    out = capsys.readouterr().out
    failing = [line for line in out.splitlines() if line.endswith("FAIL")]
    assert failing and all("satisfaction_final" in line for line in failing)
    assert ref.read_text().startswith("scenario,arm,summary")  # check never rewrites it


def test_experiment_list_names_every_builtin(capsys):
    assert main(["experiment", "list"]) == 0
    out = capsys.readouterr().out
    for name in builtin_experiments():
        assert name in out


@pytest.mark.parametrize("name", builtin_experiments())
def test_builtin_experiments_load(name):
    raw = tomllib.loads((data_dir("experiments") / f"{name}.toml").read_text(encoding="utf-8"))
    named = {
        m
        for arm in raw["arms"].values()
        for m in (arm if isinstance(arm, list) else arm["mechanisms"])
    }
    missing = named - {*MECHANISMS, "all"}
    if missing:
        pytest.skip(f"mechanisms not registered yet: {sorted(missing)}")
    exp, _, _ = load_experiment(name)
    assert exp.figures, "every experiment draws figures"
    assert exp.check is not None, "every experiment has a [check] version"
    # The defaults must run in minutes on 2 cores (the README assumes ~2 s per 3-year run).
    assert run_count(exp) * 2.0 / 2 <= 400
    check = exp.reduced()
    assert run_count(check) < run_count(exp)


LATIN = (
    BASE
    + """[design]
kind = "latin"
samples = 8
[design.factors]
"""
)


@pytest.fixture
def even_activist_ties(monkeypatch):
    """No parameter is declared even-only since network.mean_degree went (issue 20 item 5):
    read network.activist_ties as a ``multiple_of=2`` declaration would make it read."""
    real = design.lattice
    monkeypatch.setattr(
        design, "lattice", lambda key: 2 if key == "network.activist_ties" else real(key)
    )


def test_sampled_even_only_factor_is_drawn_on_even_numbers(tmp_path, even_activist_ties):
    # An even-only factor: every drawn value must be even, an int within [low, high], and
    # the design must still spread over the range.
    path = write(tmp_path, LATIN + "'network.activist_ties' = { low = 2, high = 10 }\n")
    values = [p.values["network.activist_ties"] for p in load_plan(path).points]
    assert all(type(v) is int and v % 2 == 0 and 2 <= v <= 10 for v in values)
    assert len(set(values)) >= 4  # 8 latin strata over 5 even values reach at least 4
    # An integer factor keeps plain rounding (results of existing designs do not move).
    path = write(tmp_path, LATIN + "'population.residents' = { low = 150, high = 300 }\n")
    plan = load_plan(path)
    assert [p.values["population.residents"] for p in plan.points] == [
        round(float(v)) for v in plan.samples[:, 0]
    ]


def test_even_only_factor_without_an_even_value_in_range_is_refused(
    tmp_path, capsys, even_activist_ties
):
    path = write(tmp_path, LATIN + "'network.activist_ties' = { low = 3, high = 3.5 }\n")
    assert main(["experiment", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert 'design.factors."network.activist_ties"' in err and "no even number" in err


def test_sampled_points_that_fail_together_are_refused_before_any_run(tmp_path, capsys):
    # Each range's ends are valid with the other's base value (residents 200, households 70),
    # but households above residents fail together: 16 % of the square, so some of the 32
    # points drawn from seed 5 do (the design is fixed by its seed).
    path = write(
        tmp_path,
        LATIN.replace("samples = 8", "samples = 32")
        + "'population.residents' = { low = 100, high = 300 }\n"
        "'population.households' = { low = 50, high = 199 }\n",
    )
    out = tmp_path / "out"
    assert main(["experiment", "run", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "sampled point" in err and "population.residents = " in err
    assert "cannot exceed residents" in err and "Traceback" not in err
    assert not out.exists()


def test_validate_prints_the_plan_and_runs_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(
        tmp_path,
        BASE + "[design]\nkind = 'factorial'\n[design.factors]\n"
        "'behaviour.sat_base' = [0.1, 0.3, 0.5]\n",
    )
    assert main(["experiment", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: ok" in out
    assert "arm base: administrative" in out and "arm low_admin" in out
    assert "3 design point(s) x 2 arm(s) x 4 replicate(s) = 24 runs" in out
    assert "720 community-days" in out  # 24 runs x 30 days
    assert not (tmp_path / "runs").exists()
    bad = write(tmp_path, BASE.replace('"trust_mean"', '"happiness"'), name="bad.toml")
    assert main(["experiment", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "unknown metric 'happiness'" in err


def test_contrasts_pair_replicates_by_seed_and_say_which_arms_differ(tmp_path):
    """Differences are taken replicate by replicate (replicates share their seed across
    arms): a shift of 0.1 on top of large replicate noise is found, unpaired it would not
    be; an alternating +-1 is not; the interval is the paired t interval."""
    text = "baseline = 'base'\n" + BASE + "shifted = ['administrative']\n"
    plan = load_plan(write(tmp_path, text))
    base = np.array([1.0, 5.0, 2.0, 9.0])
    alternating = np.array([-1.0, 1.0, -1.0, 1.0])
    rows = []
    for arm, values in [
        ("base", base),
        ("low_admin", base + alternating),
        ("shifted", base + 0.1),
    ]:
        for r, v in enumerate(values):
            rows.append(
                {
                    "scenario": "tiny",
                    "arm": arm,
                    "point": 0,
                    "replicate": r,
                    "satisfaction_mean_last": v,
                    "trust_mean_last": v,
                }
            )
    table = contrasts(plan, pd.DataFrame(rows))
    sat = table[table["summary"] == "satisfaction_mean_last"].set_index("arm")
    assert set(sat.index) == {"low_admin", "shifted"} and (sat["versus"] == "base").all()
    assert sat.loc["shifted", "verdict"] == "higher"
    assert sat.loc["shifted", "mean"] == pytest.approx(0.1)
    assert sat.loc["low_admin", "verdict"] == "no difference"
    ci = stats.ttest_rel(base + alternating, base).confidence_interval()
    assert sat.loc["low_admin", "ci95_low"] == pytest.approx(ci.low)
    assert sat.loc["low_admin", "ci95_high"] == pytest.approx(ci.high)
    assert sat.loc["shifted", "noise"] == pytest.approx(base.std(ddof=1))
    assert (sat["expected"] == "").all() and (sat["met"] == "").all()


def _contrasts_of_shifts(plan, large):
    """Contrasts of arms ``small`` (base + 0.1) and ``large`` (base + ``large``) against
    ``base`` (sd 3.6), both summaries equal, by arm and summary."""
    base = np.array([1.0, 5.0, 2.0, 9.0])  # sd 3.6
    rows = [
        {
            "scenario": "tiny",
            "arm": arm,
            "point": 0,
            "replicate": r,
            "satisfaction_mean_last": v,
            "trust_mean_last": v,
        }
        for arm, values in [("base", base), ("small", base + 0.1), ("large", base + large)]
        for r, v in enumerate(values)
    ]
    return contrasts(plan, pd.DataFrame(rows)).set_index(["arm", "summary"])


def test_an_expected_direction_is_met_only_beyond_the_replicate_noise(tmp_path):
    """``expect``: the verdict must be the stated direction and the mean difference larger
    than the reference arm's replicate sd (the knock-out table's bar)."""
    text = (
        "baseline = 'base'\n"
        + BASE
        + "small = { mechanisms = ['administrative'], expect = { trust_mean_last = 'higher' } }\n"
        + "large = { mechanisms = ['administrative'], expect = { trust_mean_last = 'higher', "
        + "satisfaction_mean_last = 'lower' } }\n"
    )
    plan = load_plan(write(tmp_path, text))
    table = _contrasts_of_shifts(plan, 5.0)
    assert table.loc[("small", "trust_mean_last"), "verdict"] == "higher"
    assert table.loc[("small", "trust_mean_last"), "met"] == "no"  # 0.1 < noise
    assert table.loc[("large", "trust_mean_last"), "met"] == "yes"
    assert table.loc[("large", "satisfaction_mean_last"), "met"] == "no"  # wrong way
    assert table.loc[("small", "satisfaction_mean_last"), "met"] == ""  # nothing expected


def test_an_expected_unchanged_is_met_only_within_the_replicate_noise(tmp_path):
    """``unchanged``: met when the mean difference stays within the reference arm's replicate sd,
    whatever its CI (a process expected by evidence to be too small to show)."""
    text = (
        "baseline = 'base'\n"
        + BASE
        + "small = { mechanisms = ['administrative'],"
        + " expect = { trust_mean_last = 'unchanged' } }\n"
        + "large = { mechanisms = ['administrative'],"
        + " expect = { trust_mean_last = 'unchanged' } }\n"
    )
    plan = load_plan(write(tmp_path, text))
    table = _contrasts_of_shifts(plan, -5.0)
    assert table.loc[("small", "trust_mean_last"), "verdict"] == "higher"  # CI excludes 0
    assert table.loc[("small", "trust_mean_last"), "met"] == "yes"  # 0.1 < noise
    assert table.loc[("large", "trust_mean_last"), "met"] == "no"  # 5 > noise


def test_an_experiment_with_a_baseline_writes_its_contrasts(tmp_path):
    path = write(tmp_path, "baseline = 'base'\n" + BASE)
    out = tmp_path / "out"
    assert main(["experiment", "run", str(path), "--out", str(out)]) == 0
    text = (out / "table.md").read_text(encoding="utf-8")
    assert "Contrasts" in text and "low_admin − base" in text
    table = pd.read_csv(out / "contrasts.csv")
    assert set(table["arm"]) == {"low_admin"} and (table["n"] == 4).all()
