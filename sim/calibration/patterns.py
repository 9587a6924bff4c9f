"""The patterns the model must reproduce, declared once: statistic, target, tolerance, source.

Pattern-oriented modelling (Grimm et al. 2005): the model is credible when one parameter set
reproduces several patterns at once. Each pattern below is one or more *targets*: a summary
statistic of a bundle of runs (named in :data:`RUNS`, all with the same seed: common random
numbers), a target range ``[low, high]`` and a tolerance. A statistic inside its range has
misfit 0; outside, misfit = distance to the range / tolerance (capped at :data:`CAP`; a
statistic the runs cannot give, e.g. a convention never adopted, gets the cap). A pattern is
*reproduced* when every one of its targets has misfit <= 1 (within range widened by one
tolerance). P1-P7 are MODEL 6 (docs/modelling_notes.md); P8-P10 are published urban survey figures
(docs/calibration.md gives each source, the population measured and the model counterpart).
C3 is a *calibration target* of the design doc (docs/design/causal_core.md 7), not a pattern
the model should give by itself: the dissatisfied share, which the fit may move.

The declarations are read by ``cogov calibrate`` (the distance), by
``scripts/patterns.py`` (the table) and by the pattern tests (their thresholds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.mechanisms import BUILTIN
from sim.model import CommunityModel
from sim.model.population import YOUNG

CAP = 10.0  # largest misfit of one target (a missing statistic counts as this)
YEAR = 365
#: Satisfaction below which a resident counts as dissatisfied (C3; design doc 7: mapping the
#: 0-1 score to a 5-point survey item is an ASSUMPTION).
DISSATISFIED = 0.4
#: Every built-in mechanism residents take part in (all but the baseline's routine and pure
#: services), in registry order: P5 is stated for every such mechanism.
CONSULTATION = tuple(m for m in BUILTIN if m != "administrative" and BUILTIN[m].participatory)
OFFLINE = tuple(m for m in CONSULTATION if not BUILTIN[m].online)
#: Daily metrics a bundle keeps from each run.
COLUMNS = (
    "conflicts_parking",
    "explanation_hours",
    "participation_rate",
    "participation_rate_elderly",
    "participation_rate_nonelderly",
    "meeting_attendance",
    "palm_followers",
)


@dataclass(frozen=True)
class RunSpec:
    """One run of a pattern bundle: community, mechanisms, horizon, fixed overrides."""

    scenario: str
    mechanisms: tuple[str, ...]
    days: int
    overrides: dict[str, Any] = field(default_factory=dict)


#: Every run a pattern needs, by name. Xianlu Xincun over the experiment (1,096 days);
#: Zhijia Garden's account launched on day 0 and followed five years.
RUNS: dict[str, RunSpec] = {
    "baseline": RunSpec("xianlu_xincun", ("administrative",), 1096),
    **{m: RunSpec("xianlu_xincun", (m,), 1096) for m in CONSULTATION},
    "gulou": RunSpec(
        "xianlu_xincun", ("joint_meeting", "issue_committee", "cloud_consultation"), 1096
    ),
    "all": RunSpec("xianlu_xincun", ("all",), 1096),
    "zhijia_palm": RunSpec(
        "zhijia_garden", ("palm_community",), 1826, {"mechanisms.palm_community.launch_day": 0}
    ),
}
#: The runs a calibration particle makes (about 9 s of one core): P5 is fitted on one online
#: and two offline mechanisms and P6's ceiling is left out; the posterior predictive check
#: runs every run of :data:`RUNS` on held-out seeds.
CALIBRATION_RUNS = (
    "baseline",
    "issue_committee",
    "palm_community",
    "joint_meeting",
    "gulou",
    "zhijia_palm",
)
#: Keys a calibrated parameter may have in a run of another community than Xianlu Xincun:
#: behaviour rules are the same everywhere, a community's properties are its own.
PORTABLE = ("behaviour.",)

Features = dict[str, Any]
Bundle = dict[str, Features]


def features(spec: RunSpec, overrides: dict[str, Any], seed: Any) -> Features:
    """Run one community and keep what the patterns read (small: a few daily columns).

    Besides the daily metrics: the issue committee's adoption day, the share of each age
    group who took part in anything in the last 365 days, the 30-day participation share
    of residents aged 35+ sampled every 30 days over the last 360 days, and the share of
    residents with satisfaction below :data:`DISSATISFIED` at day 0 (after the spin-up) and
    on average over the last 365 days.
    """
    model = CommunityModel(
        spec.scenario,
        rng=seed,
        mechanisms=list(spec.mechanisms),
        overrides={**spec.overrides, **overrides},
    )
    older = model.pop.age != YOUNG
    sampled = []
    day0 = float(np.mean(model.state.satisfaction < DISSATISFIED))
    unhappy = []
    for d in range(spec.days):
        model.step()
        if d >= spec.days - 360 and (spec.days - 1 - d) % 30 == 0:
            sampled.append(float(model.recent_participants()[older].mean()))
        if d >= spec.days - YEAR:
            unhappy.append(float(np.mean(model.state.satisfaction < DISSATISFIED)))
    df = model.metrics()
    out: Features = {c: df[c].to_numpy() for c in COLUMNS if c in df}
    out["n_households"] = model.pop.n_households
    committee = next((m for m in model.mechanisms if m.name == "issue_committee"), None)
    out["adopted_day"] = committee.adopted_day if committee is not None else -1
    yearly = model.day - model.state.last_part < YEAR
    adult = model.pop.adult  # the survey's population: adults 18+
    out["yearly_by_age"] = np.array(
        [
            yearly[adult & (model.pop.age == a)].mean()
            if (adult & (model.pop.age == a)).any()
            else np.nan
            for a in range(3)
        ]
    )
    out["yearly_share"] = float(yearly.mean())
    out["older_30day"] = float(np.mean(sampled)) if sampled else np.nan
    out["dissatisfied_day0"] = day0
    out["dissatisfied_last_year"] = float(np.mean(unhappy)) if unhappy else np.nan
    return out


# ------------------------------------------------------------------------- statistics
def _at(x: np.ndarray, i: int) -> float:
    return float(x[i]) if len(x) > i else np.nan


def _yearly_conflicts(b: Bundle) -> np.ndarray:
    c = b["baseline"]["conflicts_parking"]
    return np.array(
        [
            c[k * YEAR : (k + 1) * YEAR].sum() if len(c) >= (k + 1) * YEAR else np.nan
            for k in range(3)
        ]
    )


def _p1_fewest(b: Bundle) -> float:
    return float(np.min(_yearly_conflicts(b)))


def _p1_trend(b: Bundle) -> float:
    y = _yearly_conflicts(b)
    return float(y[2] / y[0]) if y[0] > 0 else np.nan


def _p2_ratio(b: Bundle) -> float:
    day = b["issue_committee"]["adopted_day"]
    if day < 0:
        return np.nan
    after = b["issue_committee"]["conflicts_parking"][day + 1 :].sum()
    base = b["baseline"]["conflicts_parking"][day + 1 :].sum()
    return float(after / base) if base > 0 else np.nan


def _followers(b: Bundle) -> np.ndarray:
    return b["zhijia_palm"]["palm_followers"]


def _p3_day75(b: Bundle) -> float:
    return _at(_followers(b), 75)


def _p3_day90(b: Bundle) -> float:
    return _at(_followers(b), 90)


def _p3_slowing(b: Bundle) -> float:
    f = _followers(b)
    early = _at(f, 90) - _at(f, 0)
    return (_at(f, 180) - _at(f, 90)) / early if early > 0 else np.nan


def _p4_ratio(b: Bundle) -> float:
    return float(
        b["palm_community"]["explanation_hours"].mean() / b["baseline"]["explanation_hours"].mean()
    )


def _mechanism_runs(b: Bundle) -> list[str]:
    return [m for m in CONSULTATION if m in b]


def _p5_rise(b: Bundle) -> float:
    base = b["baseline"]["participation_rate"].mean()
    return float(min(b[m]["participation_rate"].mean() - base for m in _mechanism_runs(b)))


def _elderly_ratio(f: Features) -> float:
    non = f["participation_rate_nonelderly"].mean()
    return float(f["participation_rate_elderly"].mean() / non) if non > 0 else np.nan


def _p5_gap(b: Bundle) -> float:
    runs = _mechanism_runs(b)
    off = [_elderly_ratio(b[m]) for m in runs if m in OFFLINE]
    on = [_elderly_ratio(b[m]) for m in runs if m not in OFFLINE]
    return float(min(off) - max(on)) if off and on else np.nan


def _p5_online(b: Bundle) -> float:
    on = [_elderly_ratio(b[m]) for m in _mechanism_runs(b) if m not in OFFLINE]
    return float(max(on)) if on else np.nan


def _p6_attendance(b: Bundle) -> float:
    f = b["joint_meeting"]
    held = f["meeting_attendance"][f["meeting_attendance"] > 0]
    return float(held.mean() / f["n_households"]) if len(held) else np.nan


def _p6_ceiling(b: Bundle) -> float:
    return float(b["all"]["participation_rate"].max())


def _p7_per_household(b: Bundle) -> float:
    return _at(_followers(b), 1825) / b["zhijia_palm"]["n_households"]


def _p8_age_ratio(b: Bundle) -> float:
    young, _, elderly = b["gulou"]["yearly_by_age"]
    return float(elderly / young) if young > 0 else np.nan


def _p9_yearly(b: Bundle) -> float:
    return b["gulou"]["yearly_share"]


def _p10_monthly(b: Bundle) -> float:
    return b["gulou"]["older_30day"]


def _c3_day0(b: Bundle) -> float:
    return b["baseline"]["dissatisfied_day0"]


def _c3_stationary(b: Bundle) -> float:
    return b["baseline"]["dissatisfied_last_year"]


# ------------------------------------------------------------------------- declarations
@dataclass(frozen=True)
class Target:
    """A statistic of a bundle with its target range and tolerance (misfit 1 = one tol)."""

    name: str
    measure: str
    statistic: Callable[[Bundle], float]
    low: float = -np.inf
    high: float = np.inf
    tolerance: float = 1.0
    runs: tuple[str, ...] = ()
    any_two: bool = False  # computable from any two of its mechanism runs (P5)

    def misfit(self, value: float) -> float:
        """0 inside [low, high]; else the distance to the range in tolerances (capped)."""
        if not np.isfinite(value):
            return CAP
        gap = max(self.low - value, value - self.high, 0.0)
        return min(gap / self.tolerance, CAP)

    def text(self) -> str:
        """The target range as text."""
        if np.isinf(self.low):
            return f"<= {self.high:g}"
        if np.isinf(self.high):
            return f">= {self.low:g}"
        return f"{self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class Pattern:
    """A pattern: its targets, where it comes from, and whether it was tuned by hand."""

    id: str
    title: str
    source: str
    population: str
    targets: tuple[Target, ...]
    hand_fitted: bool = False  # tuned by hand before calibration (P3, P6, P7)
    counterpart: str = ""  # how the model's statistic maps the measured one
    #: "pattern" (the model should give it; P1-P10) or "calibration target" (a level the fit
    #: sets through assumed parameters; C3): the docs keep the two apart.
    kind: str = "pattern"

    @property
    def runs(self) -> tuple[str, ...]:
        """The runs this pattern reads."""
        return tuple(dict.fromkeys(r for t in self.targets for r in t.runs))


_MECH = tuple(CONSULTATION)
PATTERNS: dict[str, Pattern] = {
    p.id: p
    for p in (
        Pattern(
            "P1",
            "parking conflicts persist under administrative handling",
            "the article ('especially in recent years'); MODEL 6",
            "Xianlu Xincun",
            (
                Target(
                    "p1_fewest",
                    "fewest parking conflicts in a year (years 1-3)",
                    _p1_fewest,
                    low=1,
                    tolerance=1,
                    runs=("baseline",),
                ),
                Target(
                    "p1_trend",
                    "parking conflicts year 3 / year 1",
                    _p1_trend,
                    low=0.5,
                    tolerance=0.25,
                    runs=("baseline",),
                ),
            ),
        ),
        Pattern(
            "P2",
            "parking conflicts fall after the convention",
            "the article; Ostrom's design principles (MODEL 3.4)",
            "Xianlu Xincun",
            (
                Target(
                    "p2_ratio",
                    "parking conflicts adoption to day 1,096: issue committee / same-seed baseline",
                    _p2_ratio,
                    high=0.5,
                    tolerance=0.25,
                    runs=("issue_committee", "baseline"),
                ),
            ),
        ),
        Pattern(
            "P3",
            "220+ palm followers two to three months after launch, growing slower",
            "the article (Zhijia Garden, 220+ members by early 2017)",
            "Zhijia Garden",
            (
                Target(
                    "p3_day75",
                    "followers 75 days after launch",
                    _p3_day75,
                    low=220,
                    tolerance=40,
                    runs=("zhijia_palm",),
                ),
                Target(
                    "p3_day90",
                    "followers 90 days after launch (not saturated)",
                    _p3_day90,
                    high=600,
                    tolerance=100,
                    runs=("zhijia_palm",),
                ),
                Target(
                    "p3_slowing",
                    "growth days 90-180 / growth days 0-90",
                    _p3_slowing,
                    high=1.0,
                    tolerance=0.5,
                    runs=("zhijia_palm",),
                ),
            ),
            hand_fitted=True,
        ),
        Pattern(
            "P4",
            "the palm community cuts explanation hours",
            "the article ('发个链接给居民')",
            "Xianlu Xincun",
            (
                Target(
                    "p4_ratio",
                    "explanation hours a day: palm community / baseline",
                    _p4_ratio,
                    high=0.8,
                    tolerance=0.1,
                    runs=("palm_community", "baseline"),
                ),
            ),
        ),
        Pattern(
            "P5",
            "every mechanism raises participation; offline ones include the elderly",
            "the article; digital-divide evidence (MODEL 3.7)",
            "Xianlu Xincun",
            (
                Target(
                    "p5_rise",
                    "smallest rise of mean 30-day participation over the "
                    "baseline, across mechanisms",
                    _p5_rise,
                    low=1e-4,
                    tolerance=1e-3,
                    runs=("baseline", *_MECH),
                    any_two=True,
                ),
                Target(
                    "p5_gap",
                    "elderly/non-elderly participation ratio: lowest offline "
                    "mechanism minus highest online one",
                    _p5_gap,
                    low=0.0,
                    tolerance=0.3,
                    runs=_MECH,
                    any_two=True,
                ),
                Target(
                    "p5_online",
                    "highest elderly/non-elderly ratio of an online mechanism",
                    _p5_online,
                    high=1.0,
                    tolerance=0.2,
                    runs=_MECH,
                    any_two=True,
                ),
            ),
        ),
        Pattern(
            "P6",
            "consultation stays a minority activity",
            "MODEL 3.1 (ordinary attendance 2-5% of households, ASSUMPTION #2; US yearly "
            "public-meeting attendance 13-22%, Putnam 2000)",
            "Xianlu Xincun",
            (
                Target(
                    "p6_attendance",
                    "joint-meeting attendance per household",
                    _p6_attendance,
                    low=0.02,
                    high=0.05,
                    tolerance=0.02,
                    runs=("joint_meeting",),
                ),
                Target(
                    "p6_ceiling",
                    "highest 30-day participation share with every mechanism",
                    _p6_ceiling,
                    high=0.5,
                    tolerance=0.1,
                    runs=("all",),
                ),
            ),
            hand_fitted=True,
        ),
        Pattern(
            "P7",
            "about one palm member per household after four to five years",
            "the article (Qixia: 126 communities, MODEL 3.6)",
            "Zhijia Garden",
            (
                Target(
                    "p7_per_household",
                    "followers per household five years after launch",
                    _p7_per_household,
                    low=0.9,
                    high=1.1,
                    tolerance=0.1,
                    runs=("zhijia_palm",),
                ),
            ),
            hand_fitted=True,
        ),
        Pattern(
            "P8",
            "older residents take part far more than young ones",
            "《嬗变中的上海:民生发展与社会治理》 ch. 5 (Shanghai survey, N = 6,581): voted in "
            "the last RC election 13.77% at 18-29, 55.68% at 50-59, 77.74% at 70-79; ratios "
            "to 18-29: 4.0 and 5.6",
            "Shanghai adults 18+ (apparently SUNS data)",
            (
                Target(
                    "p8_age_ratio",
                    "share of adults who took part in anything in the last year: "
                    "elderly (60+) / young adults (18-34), Gulou's package",
                    _p8_age_ratio,
                    low=4.0,
                    high=5.6,
                    tolerance=1.5,
                    runs=("gulou",),
                ),
            ),
            counterpart="the model has no elections; its nearest act is taking part in any "
            "consultation in a year, and its age groups are wider (young adults 18-34, "
            "elderly 60+), hence the tolerance of 1.5",
        ),
        Pattern(
            "P9",
            "most residents have no contact with the committee in a year",
            "SUNS 2017 (Shanghai University CENDUS; The Paper, 2018-02-14): about 70% of "
            "respondents do not know their RC director",
            "Shanghai adults 15+, 8,600+ respondents in 540 neighbourhoods",
            (
                Target(
                    "p9_yearly",
                    "share of residents who took part in any consultation in "
                    "the last year, Gulou's package",
                    _p9_yearly,
                    high=0.30,
                    tolerance=0.05,
                    runs=("gulou",),
                ),
            ),
            counterpart="an upper bound: a resident who took part in a consultation in a "
            "year has met the committee, so this share should not exceed the ~30% who know "
            "the director",
        ),
        Pattern(
            "P10",
            "a few percent of older urban residents take part in a month",
            "CHARLS 2011-2015 urban subsample (Guo et al. 2021, Arch. Public Health 79:157, "
            "Table 2): in the last month 3.4% took part in a community-related organization, "
            "1.6% did voluntary or charity work",
            "urban Chinese adults 45+, n = 8,142",
            (
                Target(
                    "p10_monthly",
                    "30-day participation share of residents 35+ over the "
                    "last year, Gulou's package",
                    _p10_monthly,
                    low=0.016,
                    high=0.034,
                    tolerance=0.01,
                    runs=("gulou",),
                ),
            ),
            counterpart="the range runs from the narrower item (voluntary work) to the "
            "nearest one (a community-related organization); the model's older group starts "
            "at 35, not 45",
        ),
        Pattern(
            "C3",
            "a fifth to a quarter of residents are dissatisfied with the grassroots bodies",
            "Shanghai large communities 2014 (Shanghai Government DRC and Shanghai University, "
            "N = 1,108, as design doc 7 C2): among those who rated, dissatisfied or very "
            "dissatisfied 27.5% with the town government, 22.8% with the community service "
            "centre, about 20% with the other bodies; design doc 7, C3",
            "adults in five large affordable-housing bases, Shanghai, June-July 2014",
            (
                Target(
                    "c3_day0",
                    "share of residents with satisfaction below 0.4 at day 0 (after the "
                    "spin-up), baseline",
                    _c3_day0,
                    low=0.20,
                    high=0.28,
                    tolerance=0.05,
                    runs=("baseline",),
                ),
                Target(
                    "c3_stationary",
                    "share of residents with satisfaction below 0.4, mean over the baseline's "
                    "last 365 days",
                    _c3_stationary,
                    low=0.20,
                    high=0.28,
                    tolerance=0.05,
                    runs=("baseline",),
                ),
            ),
            counterpart="satisfaction below 0.4 stands for 'dissatisfied or very dissatisfied' "
            "on a 5-point item (ASSUMPTION); the survey rated the bodies, the model's score "
            "is the resident's satisfaction with the committee's handling",
            kind="calibration target",
        ),
    )
}
TARGETS: dict[str, Target] = {t.name: t for p in PATTERNS.values() for t in p.targets}


def target(name: str) -> Target:
    """The declared target of that name (the tests read their thresholds here)."""
    return TARGETS[name]


def available(runs: tuple[str, ...] | list[str]) -> list[Target]:
    """The targets a bundle of these runs can compute (P5 from any two mechanisms)."""
    have = set(runs)
    out = []
    for t in TARGETS.values():
        others = set(t.runs) - set(_MECH) if t.any_two else set(t.runs)
        if others <= have and (not t.any_two or len(set(_MECH) & have) >= 2):
            out.append(t)
    return out


def statistics(bundle: Bundle) -> dict[str, float]:
    """Every target statistic the bundle's runs can give."""
    return {t.name: t.statistic(bundle) for t in available(list(bundle))}


def misfits(stats: dict[str, float]) -> dict[str, float]:
    """Misfit of each statistic against its target."""
    return {k: TARGETS[k].misfit(v) for k, v in stats.items()}


def distance(stats: dict[str, float]) -> float:
    """Root mean square of the misfits: the ABC distance over all patterns at once."""
    m = np.array(list(misfits(stats).values()), dtype=float)
    return float(np.sqrt(np.mean(m**2)))


def reproduced(stats: dict[str, float]) -> dict[str, bool]:
    """Per pattern with a computed target: every target within one tolerance."""
    mis = misfits(stats)
    return {
        p.id: all(mis[t.name] <= 1.0 for t in p.targets if t.name in mis)
        for p in PATTERNS.values()
        if any(t.name in mis for t in p.targets)
    }


def run_overrides(spec: RunSpec, params: dict[str, Any]) -> dict[str, Any]:
    """The calibrated parameters a run takes (only portable ones outside Xianlu Xincun)."""
    if spec.scenario == "xianlu_xincun":
        return dict(params)
    return {k: v for k, v in params.items() if k.startswith(PORTABLE)}


def bundle(
    params: dict[str, Any],
    seed: Any,
    runs: tuple[str, ...] | list[str] = tuple(RUNS),
    extra: dict[str, Any] | None = None,
) -> Bundle:
    """All the runs, in this process, one after another (the tests and the table use it)."""
    out = {}
    for name in runs:
        spec = RUNS[name]
        out[name] = features(spec, {**run_overrides(spec, params), **(extra or {})}, seed)
    return out
