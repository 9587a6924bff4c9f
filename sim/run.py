"""The Python API of one run: ``sim.run`` and its result, and writing a run to disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import metrics
from sim.files import atomic, git_commit, versions
from sim.inputs import InputError, InputTypeError
from sim.model import CommunityModel
from sim.params import MAX_DAYS
from sim.scenario import Scenario, check_overrides

#: Rows of the printed summary: (metric, indent). Each is summarised by its declared
#: statistic and labelled with its declared label (:mod:`sim.metrics`).
SUMMARY = [
    ("participation_rate", 0),
    ("participation_rate_elderly", 1),
    ("participation_rate_offline", 1),
    ("satisfaction_mean", 0),
    ("satisfaction_mean_offline", 1),
    ("trust_mean", 0),
    ("issues_resolved_total", 0),
    ("resolution_days_mean", 0),
    ("detection_days_mean", 0),
    ("escalations_total", 0),
    ("conflicts", 0),
    ("social_worker_hours", 0),
    ("explanation_hours", 1),
]


def summary_label(metric: str) -> str:
    """A metric's row label in the summary: its label and statistic, in words."""
    spec = metrics.specs()[metric]
    return f"{spec.label}, {metrics.STAT_WORDS[spec.stat]}"


@dataclass
class RunResult:
    """One run's daily metrics and its manifest (what produced them)."""

    metrics: pd.DataFrame
    manifest: dict[str, Any]
    model: CommunityModel

    def summary(self) -> pd.Series:
        """The headline figures of the run."""
        m = self.metrics
        values = {}
        for col, indent in SUMMARY:
            series = m[col]
            how = metrics.specs()[col].stat
            value = {
                "mean": series.mean,
                "last": lambda s=series: s.iloc[-1],
                "sum": series.sum,
                "max": series.max,
                "min": series.min,
            }[how]()
            values["  " * indent + summary_label(col)] = value
        return pd.Series(values, name=self.manifest["scenario"]["name"])


def manifest(model: CommunityModel, seed: Any) -> dict[str, Any]:
    """What produced a run: scenario after overrides, seed, mechanisms, versions."""
    return {
        "scenario": model.spec.model_dump(mode="json"),
        "seed": seed if isinstance(seed, int | None) else str(seed),
        "days": model.day,
        "mechanisms": {m.name: m.params.model_dump(mode="json") for m in model.mechanisms},
        "population": {
            "residents": model.pop.n,
            "households": model.pop.n_households,
            "buildings": model.pop.n_buildings,
        },
        "versions": versions(),
        "git_commit": git_commit(),
    }


def _whole(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def check_days(days: Any, name: str = "days") -> int:
    """``days`` as an int of 1 to :data:`~sim.params.MAX_DAYS`, or a cogov error naming it."""
    if not _whole(days):
        raise InputTypeError(
            name, "", f"expected a whole number of days (1 to {MAX_DAYS}), got {days!r}"
        )
    if not 1 <= days <= MAX_DAYS:
        raise InputError(name, "", f"must be 1 to {MAX_DAYS}, got {days}")
    return int(days)


def check_seed(seed: Any, name: str = "seed") -> int | np.random.SeedSequence | None:
    """A seed: a whole number 0 or more, a ``SeedSequence`` or None; else a cogov error."""
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return seed
    if not _whole(seed):
        raise InputTypeError(
            name,
            "",
            f"expected a whole number 0 or more, a numpy.random.SeedSequence or None, got {seed!r}",
        )
    if seed < 0:
        raise InputError(name, "", f"must be 0 or more, got {seed}")
    return int(seed)


def run(
    scenario: str | Path | Scenario = "xianlu_xincun",
    *,
    days: int | None = None,
    seed: int | np.random.SeedSequence | None = 0,
    overrides: dict[str, Any] | None = None,
    mechanisms: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run one community for ``days`` days (default: the scenario's horizon).

    Args:
        scenario: A built-in name, a TOML path or a :class:`Scenario`.
        days: Days to simulate; None takes the scenario's ``days``.
        seed: The run's seed (int or SeedSequence); the same seed gives identical metrics.
        overrides: Dotted scenario overrides, e.g. ``{"committee.admin_share": 0.4}``.
        mechanisms: Names, configured mechanisms or ``"all"``; None takes the scenario's.
        progress: Called as ``progress(day, total)`` after each day.

    Raises:
        InputError: a bad scenario, override or value; :class:`~sim.scenario.InputTypeError`
            (also a TypeError) for an argument of the wrong type. Both name the argument.
        MechanismError: an unknown mechanism or a bad mechanism parameter.
    """
    total = None if days is None else check_days(days)
    seed = check_seed(seed)
    check_overrides(overrides)
    model = CommunityModel(scenario, rng=seed, mechanisms=mechanisms, overrides=overrides)
    total = model.spec.days if total is None else total
    for d in range(total):
        model.step()
        if progress is not None:
            progress(d + 1, total)
    return RunResult(model.metrics(), manifest(model, seed), model)


def write_run(result: RunResult, out: Path) -> list[Path]:
    """Write metrics (Parquet, CSV), the manifest and the main figure; each file atomically."""
    from sim.plots import main_figure

    out.mkdir(parents=True, exist_ok=True)
    m = result.metrics
    paths = [
        out / "metrics.parquet",
        out / "metrics.csv",
        out / "manifest.json",
        out / "metrics.png",
    ]
    atomic(paths[0], lambda p: m.to_parquet(p, index=False))
    atomic(paths[1], lambda p: m.to_csv(p, index=False))
    atomic(
        paths[2], lambda p: p.write_text(json.dumps(result.manifest, indent=2, ensure_ascii=False))
    )
    fig = main_figure(m, result.manifest["scenario"].get("title", ""))
    atomic(paths[3], lambda p: fig.savefig(p, dpi=110, format="png"))
    return paths
