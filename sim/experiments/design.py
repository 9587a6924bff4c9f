"""Experiments: a TOML file of runs to compare, validated once and expanded into a plan.

An experiment names its base scenario(s), the mechanism arms to compare, the parameters to
vary (a design: explicit levels in full factorial, or Latin hypercube, Sobol or Morris samples
drawn with SALib), replicates, the horizon, the metrics to keep, per-run summaries, figures and
a reduced ``[check]`` version. Ranges belong to the experiment, defaults to the parameters:
every varied key is a dotted scenario key (``committee.admin_share``,
``mechanisms.cloud_consultation.proxy_share``) checked against its declaration. A sampled
integer factor is rounded to its declared lattice (integers, or multiples of the declared
``multiple_of``), and every sampled point is validated before the first run.

Seeds: one root seed per experiment. Run (design point ``p``, replicate ``r``) gets
``SeedSequence(root, spawn_key=(p, r))``, the child ``SeedSequence(root).spawn(...)`` would
give, so a run's seed depends on its place in the design only, never on worker count or
completion order, and every arm of a replicate shares it (common random numbers). With
``common_seeds = "all"`` the key is ``(r,)``: replicate ``r`` also shares its seed across
design points.

Every problem raises :class:`sim.inputs.InputError` naming the file and the dotted field.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from sim.inputs import InputError, dotted, invalid, read_toml, suggest
from sim.mechanisms import MECHANISMS
from sim.metrics import METRICS, SPECS
from sim.params import MAX_DAYS, MAX_REPLICATES, ParamInfo, Params, describe, find, param
from sim.scenario import (
    Scenario,
    allowed_in,
    builtin,
    builtin_names,
    load_scenario,
    locate,
)

DESIGNS = ("none", "factorial", "latin", "sobol", "morris")
SAMPLED = ("latin", "sobol", "morris")
STATS = ("mean", "last", "sum", "max", "min")
FIGURES = ("timeseries", "bars", "response", "indices")
NAME = r"^[a-z][a-z0-9_]*$"
#: How each metric is summarised by default (its declared statistic, :mod:`sim.metrics`).
DEFAULT_STAT = {name: spec.stat for name, spec in SPECS.items()}


def _list_shorthand(key: str, data: Any) -> Any:
    """Let ``name = [..]`` stand for ``name = {key = [..]}``."""
    return {key: data} if isinstance(data, list | tuple) else data


class Arm(Params):
    """One arm: the mechanisms switched on (``administrative`` always is) and overrides."""

    mechanisms: tuple[str, ...] = Field(min_length=1, description="Mechanism names, or 'all'")
    overrides: dict[str, Any] = Field(
        default_factory=dict, alias="set", description="Dotted scenario overrides of this arm"
    )
    versus: str | None = Field(
        None,
        description=(
            "The arm this one is contrasted with, replicate by replicate (default: the "
            "experiment's baseline)"
        ),
    )
    expect: dict[str, Literal["higher", "lower", "differs", "unchanged"]] = Field(
        default_factory=dict,
        description=(
            "Expected direction of this arm minus its reference arm, by summary: a hypothesis "
            "the contrasts table checks ('unchanged': no difference beyond the replicate noise)"
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return _list_shorthand("mechanisms", data)


class Factor(Params):
    """A varied parameter: explicit levels, or a range to sample."""

    values: tuple[float | int, ...] | None = Field(
        None, min_length=1, description="Levels (factorial designs)"
    )
    low: float | None = Field(None, description="Lower end of the sampled range")
    high: float | None = Field(None, description="Upper end of the sampled range")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return _list_shorthand("values", data)

    @field_validator("values")
    @classmethod
    def _one_dtype(cls, value: tuple[float | int, ...] | None) -> tuple[float | int, ...] | None:
        if value is not None and any(isinstance(v, float) for v in value):
            return tuple(float(v) for v in value)  # one column type in the results table
        return value

    @model_validator(mode="after")
    def _one_form(self) -> Factor:
        if (self.values is None) == (self.low is None or self.high is None):
            raise ValueError("give either a list of values or both low and high")
        if self.values is not None and len(set(self.values)) != len(self.values):
            raise ValueError(f"values repeat: {list(self.values)}")
        if self.values is None and self.low >= self.high:  # type: ignore[operator]
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def ends(self) -> tuple[float | int, ...]:
        """The values to validate against the parameter's declaration."""
        return self.values if self.values is not None else (self.low, self.high)  # type: ignore[return-value]


class Design(Params):
    """Which parameter values to run: none, full factorial, or a SALib sample."""

    kind: Literal[DESIGNS] = Field("none", description="Design type")
    samples: int = param(
        0,
        ge=0,
        le=1_000_000,
        unit="samples",
        help=(
            "Base sample size N: latin draws N points, sobol N(D+2) (N(2D+2) with second "
            "order), morris N trajectories of D+1 points"
        ),
    )
    second_order: bool = Field(False, description="Sobol: also second-order indices")
    levels: int = param(4, ge=2, le=100, unit="levels", help="Morris: grid levels per factor")
    factors: dict[str, Factor] = Field(
        default_factory=dict, description="Varied parameters by dotted key"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        if self.kind == "none":
            if self.factors:
                raise ValueError("kind 'none' varies nothing; remove factors or pick a design")
            return self
        if not self.factors:
            raise ValueError(f"kind '{self.kind}' needs at least one factor")
        ranged = [k for k, f in self.factors.items() if f.values is None]
        listed = [k for k, f in self.factors.items() if f.values is not None]
        if self.kind == "factorial" and ranged:
            raise ValueError(f"factorial designs take lists of values; {ranged[0]} has a range")
        if self.kind in SAMPLED:
            if listed:
                raise ValueError(
                    f"{self.kind} designs take low/high ranges; {listed[0]} has a list of values"
                )
            if self.samples < 1:
                raise ValueError(f"{self.kind} designs need samples >= 1")
        if self.kind == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(
                f"sobol samples must be a power of 2 (Sobol' sequence balance), got {self.samples}"
            )
        if self.kind == "morris" and self.samples < 2:
            raise ValueError("morris designs need at least 2 trajectories")
        return self


class Summary(Params):
    """A per-run summary: one statistic of one daily metric (optionally a difference)."""

    metric: str = Field(description="A kept metric")
    stat: Literal[STATS] = Field("mean", description="Statistic over the run's days")
    minus: str | None = Field(None, description="A kept metric subtracted day by day first")
    label: str = Field("", description="Axis label (default: derived from metric and stat)")


class Figure(Params):
    """One figure of the experiment (matplotlib, 95% confidence bands across replicates)."""

    kind: Literal[FIGURES] = Field(description="Figure type")
    name: str = Field(
        "", pattern=r"^[A-Za-z0-9_-]*$", description="File stem (default: kind and position)"
    )
    title: str = ""
    metrics: tuple[str, ...] = Field((), description="timeseries: daily metrics, a panel each")
    summaries: tuple[str, ...] = Field((), description="bars, response, indices: summaries")
    x: str = Field("", description="response: the factor on the x axis")
    facet: str = Field("", description="'scenario' or a factor: one panel column per value")
    rolling: int = param(
        1, ge=1, le=365, unit="days", help="timeseries: rolling mean window applied to each run"
    )

    @model_validator(mode="after")
    def _needs(self) -> Figure:
        if self.kind == "timeseries" and not self.metrics:
            raise ValueError("timeseries figures need metrics")
        if self.kind != "timeseries" and not self.summaries:
            raise ValueError(f"{self.kind} figures need summaries")
        if self.kind == "response" and not self.x:
            raise ValueError("response figures need x (a factor)")
        return self


class Check(Params):
    """The reduced version rerun by ``cogov experiment check`` and its tolerances."""

    replicates: int = param(
        4,
        ge=1,
        le=10_000,
        unit="runs",
        help=("Replicates (at least 2 unless a sampled design pools its points)"),
    )
    days: int | None = param(None, ge=1, le=MAX_DAYS, unit="days", help="Horizon")
    samples: int | None = param(
        None, ge=1, le=1_000_000, unit="samples", help="Base sample size of a sampled design"
    )
    arms: tuple[str, ...] = Field((), description="Arms to rerun (default: all)")
    summaries: tuple[str, ...] = Field((), description="Summaries compared (default: all)")
    k_se: float = param(
        4.0,
        gt=0,
        le=100,
        unit="standard errors",
        help=("Band: |new mean - reference mean| <= k_se * sqrt(se_new^2 + se_ref^2) + band"),
    )
    bands: dict[str, float] = Field(
        default_factory=dict, description="Absolute band per summary, added to k_se SE"
    )

    @field_validator("bands")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for key, band in value.items():
            if band < 0:
                raise ValueError(f"band of {key} must be >= 0, got {band}")
        return value


class Experiment(Params):
    """An experiment: base scenarios x design points x arms x replicates."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$", description="Identifier (the file stem)")
    title: str = ""
    question: str = Field(
        "", description="The research question it answers (docs/modelling_notes.md 5)"
    )
    scenario: tuple[str, ...] = Field(
        min_length=1,
        description=(
            "Base scenario(s): built-in names or .toml paths relative to the experiment file"
        ),
    )
    days: int | None = param(
        None, ge=1, le=MAX_DAYS, unit="days", help="Horizon (default: each scenario's)"
    )
    replicates: int = param(
        10, ge=1, le=MAX_REPLICATES, unit="runs", help="Replicates per design point and arm"
    )
    seed: int = param(0, ge=0, le=2**63 - 1, help="Root seed of every run's SeedSequence")
    common_seeds: Literal["arms", "all"] = Field(
        "arms",
        description=("A replicate shares its seed across arms, or across arms and design points"),
    )
    metrics: tuple[str, ...] = Field(min_length=1, description="Daily metrics kept")
    overrides: dict[str, Any] = Field(
        default_factory=dict, alias="set", description="Dotted scenario overrides of every run"
    )
    posterior: str | None = Field(
        None,
        description=(
            "Draw each replicate's calibrated parameters from this posterior ('default' or a "
            ".parquet path; sim/calibration/posterior.py)"
        ),
    )
    arms: dict[str, Arm] = Field(min_length=1, description="Mechanism sets compared, by name")
    baseline: str | None = Field(
        None,
        description="The arm every other arm is contrasted with (contrasts in table.md)",
    )
    design: Design = Design()
    summaries: dict[str, Summary] = Field(
        default_factory=dict, description="Per-run summaries, by name"
    )
    figures: tuple[Figure, ...] = ()
    check: Check | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        """A single scenario as a string; summaries by default from the kept metrics."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        if isinstance(out.get("scenario"), str):
            out["scenario"] = [out["scenario"]]
        metrics = out.get("metrics")
        if "summaries" not in out and isinstance(metrics, list):
            out["summaries"] = {
                f"{m}_{DEFAULT_STAT.get(m, 'mean')}": {
                    "metric": m,
                    "stat": DEFAULT_STAT.get(m, "mean"),
                }
                for m in metrics
                if isinstance(m, str) and m != "day"
            }
        return out

    def contrasts(self) -> list[tuple[str, str]]:
        """(arm, reference arm) pairs: each arm against its ``versus`` or the baseline."""
        pairs = [(name, arm.versus or self.baseline) for name, arm in self.arms.items()]
        return [(a, ref) for a, ref in pairs if ref is not None and ref != a]

    def reduced(self) -> Experiment:
        """The ``[check]`` version: fewer replicates, days, samples and arms."""
        c = self.check
        assert c is not None, "reduced() needs a [check] table"
        design = self.design
        if c.samples is not None:
            design = design.model_copy(update={"samples": c.samples})
        arms = {k: v for k, v in self.arms.items() if not c.arms or k in c.arms}
        return self.model_copy(
            update={
                "replicates": c.replicates,
                "days": c.days or self.days,
                "design": design,
                "arms": arms,
                "figures": (),
            }
        )


# ------------------------------------------------------------------------- loading
def builtin_experiments() -> list[str]:
    """Names of the built-in experiments."""
    return builtin("experiments")


def experiment_path(name_or_path: str | Path) -> Path:
    """The file of a built-in experiment name, or the given path."""
    return locate(name_or_path, "experiments")


def validate(raw: dict[str, Any], source: str) -> Experiment:
    """Validate an experiment table's shape; raise :class:`InputError` on the first problem."""
    if len(SCENARIO_KEYS & raw.keys()) >= 2 and "scenario" not in raw:
        raise InputError(source, "", "this is a scenario file; use cogov validate")
    try:
        return Experiment.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        if err["type"] == "model_type":
            msg = "expected " + _SHAPES.get(err["loc"][:-1], "a table")
            raise InputError(source, dotted(err["loc"]), msg) from None
        raise invalid(exc, source, Experiment, allowed_in(Experiment)) from None


#: Keys only a scenario file has (two of them mark one, as EXPERIMENT_KEYS mark an experiment).
SCENARIO_KEYS = frozenset(Scenario.model_fields) - frozenset(Experiment.model_fields)


_SHAPES = {
    ("arms",): "a list of mechanism names or a table {mechanisms = [...], set = {...}}",
    ("design", "factors"): "a list of values or a table {low = ..., high = ...}",
}


@dataclass(frozen=True)
class Point:
    """A design point: one base scenario with one set of factor values."""

    index: int
    scenario: str
    values: dict[str, float | int]


@dataclass(frozen=True)
class Run:
    """One run of the plan, identified by (design point, arm, replicate)."""

    run_id: str
    point: Point
    arm: str
    replicate: int
    seed_key: tuple[int, ...]
    days: int

    def seed(self, root: int) -> np.random.SeedSequence:
        """The run's seed: spawned from the root seed, keyed by its place in the design."""
        return np.random.SeedSequence(root, spawn_key=self.seed_key)

    def seed_text(self, root: int) -> str:
        """The seed as text, ``ROOT/KEY1/KEY2``: ``SeedSequence(ROOT, spawn_key=(KEY1, KEY2))``."""
        return "/".join(str(k) for k in (root, *self.seed_key))


@dataclass
class Plan:
    """An experiment expanded into runs, with its validated base scenarios."""

    experiment: Experiment
    source: str
    text: str
    bases: dict[str, Scenario]
    points: list[Point]
    runs: list[Run]
    problem: dict[str, Any] | None = None  # SALib problem of a sampled design
    samples: np.ndarray | None = None  # the design's rows before rounding
    draws: list[dict[str, float]] | None = None  # posterior draw of each replicate

    def draw(self, run: Run) -> dict[str, float]:
        """The posterior values a run takes (none without a posterior)."""
        if not self.draws:
            return {}
        from sim.calibration.posterior import for_scenario

        return for_scenario(self.draws[run.replicate], run.point.scenario)

    @property
    def factors(self) -> list[str]:
        """The varied dotted keys, in file order."""
        return list(self.experiment.design.factors)

    def design_hash(self) -> str:
        """A digest of everything that decides the runs' results (not replicates or figures)."""
        exp = self.experiment.model_dump(
            mode="json",
            exclude={
                "replicates",
                "figures",
                "check",
                "title",
                "question",
                "summaries",
                "posterior",
            },
        )
        bases = {k: v.model_dump(mode="json") for k, v in self.bases.items()}
        parts = [exp, bases, self.draws] if self.draws else [exp, bases]
        blob = json.dumps(parts, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def param_info(key: str) -> ParamInfo | None:
    """The declaration of a factor's key (``units.0.kind`` finds ``units.N.kind``)."""
    parts = key.split(".")
    if parts[0] == "mechanisms" and len(parts) >= 3 and parts[1] in MECHANISMS:
        rows = describe(MECHANISMS[parts[1]].Params, f"mechanisms.{parts[1]}.")
    else:
        rows = describe(Scenario)
    return find(rows, key)


def _declared() -> list[str]:
    """Every key a factor may vary: the scenario's parameters and every mechanism's."""
    rows = describe(Scenario) + [
        r for name, m in MECHANISMS.items() for r in describe(m.Params, f"mechanisms.{name}.")
    ]
    return [r.path for r in rows]


_STEP_WORDS = {1: "integer", 2: "even number"}


def lattice(key: str) -> int | None:
    """The lattice a factor's values lie on (from its declaration in sim/params.py).

    Its declared ``multiple_of``, 1 for any other integer parameter, None for a real one.
    """
    info = param_info(key)
    if info is None or type(info.default) is not int:
        return None
    return info.multiple_of or 1


def snap_range(low: float, high: float, step: int) -> tuple[int, int]:
    """The lattice's first and last values within [low, high] (first > last: none)."""
    return step * math.ceil(low / step), step * math.floor(high / step)


def snap(x: np.ndarray, low: float, high: float, step: int) -> list[int]:
    """Sampled values rounded to the nearest lattice value within [low, high].

    Rounding is Python's (half to even), as integer factors were always rounded, so an
    integer factor's design is unchanged; an even-only factor rounds x / 2 the same way.
    """
    first, last = snap_range(low, high, step)
    return [min(max(step * round(float(v) / step), first), last) for v in x]


def _scenario_file(text: str, folder: Path, source: str) -> str | Path:
    if text in builtin_names():
        return text
    path = Path(text) if Path(text).is_absolute() else folder / text
    if not path.is_file():
        raise InputError(
            source,
            "scenario",
            f"no such scenario {text!r}: neither a built-in "
            f"({', '.join(builtin_names())}) nor a file next to the experiment",
        )
    return path


def _check_overrides(
    base: Scenario, overrides: dict[str, Any], source: str, field: str
) -> Scenario:
    try:
        return load_scenario(base, overrides)
    except InputError as exc:
        raise InputError(source, field, f"{exc.field}: {exc.message}") from None


def _check(exp: Experiment, source: str, folder: Path) -> dict[str, Scenario]:
    """Check what the schema cannot: names that must exist, values the model must accept."""
    bases: dict[str, Scenario] = {}
    for text in exp.scenario:
        scenario = load_scenario(_scenario_file(text, folder, source))
        base = _check_overrides(scenario, exp.overrides, source, "set")
        if base.name in bases:
            raise InputError(source, "scenario", f"two scenarios are named {base.name!r}")
        bases[base.name] = base
    known = [*MECHANISMS, "all"]
    for name, arm in exp.arms.items():
        if not re.match(NAME, name):
            raise InputError(
                source,
                f"arms.{name}",
                "arm names are lower-case letters, digits and _, starting with a letter",
            )
        for i, mech in enumerate(arm.mechanisms):
            if mech not in known:
                raise InputError(
                    source,
                    f"arms.{name}.mechanisms.{i}",
                    f"unknown mechanism {mech!r}" + suggest(mech, known, "available"),
                )
        for base in bases.values():
            _check_overrides(base, arm.overrides, source, f"arms.{name}.set")
    for field, ref in [("baseline", exp.baseline)] + [
        (f"arms.{name}.versus", arm.versus) for name, arm in exp.arms.items()
    ]:
        if ref is not None and ref not in exp.arms:
            raise InputError(
                source, field, f"unknown arm {ref!r}" + suggest(ref, list(exp.arms), "arms")
            )
    for name, arm in exp.arms.items():
        if arm.expect and (arm.versus or exp.baseline) in (None, name):
            raise InputError(source, f"arms.{name}.expect", "needs a versus arm or a baseline")
        for key in arm.expect:
            if key not in exp.summaries:
                raise InputError(
                    source,
                    f"arms.{name}.expect.{key}",
                    f"unknown summary {key!r}" + suggest(key, list(exp.summaries), "summaries"),
                )
    for i, metric in enumerate(exp.metrics):
        if metric not in METRICS:
            raise InputError(
                source,
                f"metrics.{i}",
                f"unknown metric {metric!r}" + suggest(metric, list(METRICS), "available"),
            )
    for key, factor in exp.design.factors.items():
        field = dotted(("design", "factors", key))
        info = param_info(key)
        if info is None:
            raise InputError(
                source,
                field,
                "not a declared parameter"
                + suggest(key, _declared(), None)
                + " (see `cogov params` and `cogov mechanisms`)",
            )
        if key == "days":
            raise InputError(source, field, "vary the horizon with the experiment's days")
        step = lattice(key)
        ends = factor.ends()
        if factor.values is None and step is not None:
            ends = snap_range(factor.low, factor.high, step)  # type: ignore[arg-type]
            if ends[0] > ends[1]:
                raise InputError(
                    source,
                    field,
                    f"no {_STEP_WORDS.get(step, f'multiple of {step}')}"
                    f" between low ({factor.low}) and high ({factor.high})",
                )
        for value in ends:
            for base in bases.values():
                try:
                    load_scenario(base, {key: value})
                except InputError as exc:
                    raise InputError(source, field, f"value {value}: {exc.message}") from None
    if exp.posterior is not None:
        from sim.calibration.posterior import load

        load(exp.posterior, folder, source)
    kept = list(dict.fromkeys(["day", *exp.metrics]))
    for name, s in exp.summaries.items():
        for attr in ("metric", "minus"):
            value = getattr(s, attr)
            if value is not None and value not in kept:
                raise InputError(
                    source,
                    f"summaries.{name}.{attr}",
                    f"{value!r} is not a kept metric; kept: {', '.join(kept)}",
                )
    _check_figures(exp, source, kept)
    if exp.check is not None:
        _check_check(exp, source)
    return bases


def _check_figures(exp: Experiment, source: str, kept: list[str]) -> None:
    facets = ["scenario", *exp.design.factors]
    for i, fig in enumerate(exp.figures):
        where = f"figures.{i}"
        for j, metric in enumerate(fig.metrics):
            if metric not in kept:
                raise InputError(source, f"{where}.metrics.{j}", f"{metric!r} is not a kept metric")
        for j, name in enumerate(fig.summaries):
            if name not in exp.summaries:
                raise InputError(
                    source,
                    f"{where}.summaries.{j}",
                    f"unknown summary {name!r}; defined: {', '.join(exp.summaries)}",
                )
        if fig.x and fig.x not in exp.design.factors:
            raise InputError(source, f"{where}.x", f"{fig.x!r} is not a factor of the design")
        if fig.facet and fig.facet not in facets:
            raise InputError(source, f"{where}.facet", f"allowed: {', '.join(facets)}")
        if fig.kind == "indices" and exp.design.kind not in ("sobol", "morris"):
            raise InputError(source, f"{where}.kind", "indices need a sobol or morris design")


def _check_check(exp: Experiment, source: str) -> None:
    c = exp.check
    assert c is not None
    for i, arm in enumerate(c.arms):
        if arm not in exp.arms:
            raise InputError(source, f"check.arms.{i}", f"unknown arm {arm!r}")
    for i, name in enumerate(c.summaries):
        if name not in exp.summaries:
            raise InputError(source, f"check.summaries.{i}", f"unknown summary {name!r}")
    for name in c.bands:
        if name not in exp.summaries:
            raise InputError(source, f"check.bands.{name}", "not a summary of the experiment")
    if c.replicates < 2 and exp.design.kind not in SAMPLED:
        raise InputError(source, "check.replicates", "at least 2, for standard errors")
    if c.samples is not None and exp.design.kind not in SAMPLED:
        raise InputError(source, "check.samples", "only for latin, sobol and morris designs")
    if c.samples is not None and exp.design.kind == "sobol" and c.samples & (c.samples - 1):
        raise InputError(source, "check.samples", "must be a power of 2 for a sobol design")
    if c.samples is not None and exp.design.kind == "morris" and c.samples < 2:
        raise InputError(source, "check.samples", "a morris design needs at least 2")


def load_experiment(name_or_path: str | Path) -> tuple[Experiment, dict[str, Scenario], Path]:
    """Load and fully check an experiment file.

    Returns:
        The experiment, its base scenarios (experiment-wide ``set`` applied) by name, and the
        file's path.

    Raises:
        InputError: the file or a field is wrong; the message names both.
    """
    path = experiment_path(name_or_path)
    raw = read_toml(path)
    raw.setdefault("name", path.stem)
    exp = validate(raw, str(path))
    return exp, _check(exp, str(path), path.parent), path


# ------------------------------------------------------------------------- the design
def problem(design: Design) -> dict[str, Any]:
    """The SALib problem of a sampled design."""
    names = list(design.factors)
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[f.low, f.high] for f in design.factors.values()],
    }


def design_seed(root: int) -> int:
    """The sampler's seed, derived from the root seed (32 bits, as SALib's samplers take)."""
    return int(np.random.SeedSequence(root).generate_state(1)[0])


def sample(design: Design, seed: int) -> np.ndarray:
    """Draw the rows of a latin, sobol or morris design (SALib, imported on use)."""
    prob = problem(design)
    if design.kind == "latin":
        from SALib.sample import latin

        return latin.sample(prob, design.samples, seed=seed)
    if design.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(prob, design.samples, calc_second_order=design.second_order, seed=seed)
    from SALib.sample import morris

    return morris.sample(prob, design.samples, num_levels=design.levels, seed=seed)


def _rows(exp: Experiment) -> tuple[list[dict[str, float | int]], np.ndarray | None]:
    design = exp.design
    if design.kind == "none":
        return [{}], None
    if design.kind == "factorial":
        keys = list(design.factors)
        levels = [design.factors[k].values for k in keys]
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*levels)], None  # type: ignore[arg-type]
    x = sample(design, design_seed(exp.seed))
    columns: dict[str, list[float | int]] = {}
    for j, (key, factor) in enumerate(design.factors.items()):
        step = lattice(key)
        columns[key] = (
            [float(v) for v in x[:, j]]
            if step is None
            else snap(x[:, j], factor.low, factor.high, step)
        )  # type: ignore[arg-type]
    rows = [{k: col[i] for k, col in columns.items()} for i in range(len(x))]
    return rows, x


def _check_points(
    exp: Experiment, bases: dict[str, Scenario], rows: list[dict[str, Any]], source: str
) -> None:
    """Refuse a sampled design before its first run if a drawn point is not a valid scenario.

    Factors that pass alone can fail together (households above residents).
    """
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        if (key := tuple(row.values())) in seen:
            continue
        seen.add(key)
        for base in bases.values():
            try:
                load_scenario(base, row)
            except InputError as exc:
                field = exc.field if exc.field in row else ""
                where = dotted(("design", "factors", field)) if field else "design"
                point = ", ".join(f"{k} = {v}" for k, v in row.items())
                raise InputError(
                    source,
                    where,
                    f"the sampled point {{{point}}} is invalid: {exc.field}: {exc.message}",
                ) from None


def plan(
    exp: Experiment,
    bases: dict[str, Scenario],
    *,
    source: str = "",
    text: str = "",
    replicates: int | None = None,
) -> Plan:
    """Expand an experiment into its runs, in a fixed order (scenario, point, arm, replicate).

    Args:
        exp: The validated experiment.
        bases: Its base scenarios by name (from :func:`load_experiment`).
        source: The experiment file, for messages and the manifest.
        text: The experiment file's content, for the manifest.
        replicates: Overrides the experiment's replicates; the other runs keep their ids and
            seeds, so a sweep can be extended.
    """
    if replicates is not None:
        exp = exp.model_copy(update={"replicates": replicates})  # what runs is what is recorded
    reps = exp.replicates
    rows, x = _rows(exp)
    if exp.design.kind in SAMPLED:
        _check_points(exp, bases, rows, source)
    points = [
        Point(i * len(rows) + j, name, row)
        for i, name in enumerate(bases)
        for j, row in enumerate(rows)
    ]
    runs = []
    for point in points:
        days = exp.days or bases[point.scenario].days
        for arm in exp.arms:
            for r in range(reps):
                key = (point.index, r) if exp.common_seeds == "arms" else (r,)
                runs.append(Run(f"p{point.index}-{arm}-r{r}", point, arm, r, key, days))
    prob = problem(exp.design) if exp.design.kind in SAMPLED else None
    draws = None
    if exp.posterior is not None:
        from sim.calibration import posterior

        post = posterior.load(exp.posterior, Path(source).parent if source else None, source)
        draws = [posterior.draw(post, exp.seed, r) for r in range(reps)]
    return Plan(exp, source, text, bases, points, runs, prob, x, draws)


def load_plan(
    name_or_path: str | Path, *, replicates: int | None = None, check: bool = False
) -> Plan:
    """Load an experiment file and expand it (its ``[check]`` version with ``check``)."""
    exp, bases, path = load_experiment(name_or_path)
    if check:
        if exp.check is None:
            raise InputError(str(path), "check", "this experiment has no [check] table")
        exp = exp.reduced()
    text = path.read_text(encoding="utf-8")
    return plan(exp, bases, source=str(path), text=text, replicates=replicates)


def run_count(exp: Experiment) -> int:
    """How many runs an experiment makes (without drawing its design)."""
    d = exp.design
    rows = {
        "none": 1,
        "latin": d.samples,
        "sobol": d.samples * (2 * len(d.factors) + 2 if d.second_order else len(d.factors) + 2),
        "morris": d.samples * (len(d.factors) + 1),
        "factorial": math.prod(len(f.values or ()) for f in d.factors.values()),
    }[d.kind]
    return len(exp.scenario) * rows * len(exp.arms) * exp.replicates
