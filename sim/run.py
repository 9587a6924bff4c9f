"""The Python API of one run: ``sim.run`` and its result, and writing a run to disk."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.model import CommunityModel
from sim.scenario import Scenario

#: Columns of the printed summary: (metric, how it is summarised, label).
SUMMARY = [
    ("participation_rate", "mean", "participation, mean share (30-day window)"),
    ("participation_rate_elderly", "mean", "  participation of the elderly"),
    ("participation_rate_offline", "mean", "  participation of offline residents"),
    ("satisfaction_mean", "last", "satisfaction, final mean"),
    ("satisfaction_mean_offline", "last", "  satisfaction of offline residents"),
    ("trust_mean", "last", "trust in the committee, final mean"),
    ("issues_resolved_total", "last", "issues resolved"),
    ("resolution_days_mean", "last", "days to resolve, mean"),
    ("detection_days_mean", "last", "days to detect, mean"),
    ("escalations_total", "last", "referrals and escalations"),
    ("conflicts", "sum", "conflicts, total"),
    ("social_worker_hours", "mean", "social-worker hours a day, mean"),
    ("explanation_hours", "mean", "  explaining policies"),
]


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
        for col, how, label in SUMMARY:
            series = m[col]
            values[label] = {"mean": series.mean, "last": lambda s=series: s.iloc[-1],
                             "sum": series.sum}[how]()
        return pd.Series(values, name=self.manifest["scenario"]["name"])


def git_commit() -> str | None:
    """The checkout's commit, when the package runs from a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def version_of(dist: str) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def manifest(model: CommunityModel, seed: Any) -> dict[str, Any]:
    """What produced a run: scenario after overrides, seed, mechanisms, versions."""
    return {
        "scenario": model.spec.model_dump(mode="json"),
        "seed": seed if isinstance(seed, int | None) else str(seed),
        "days": model.day,
        "mechanisms": {m.name: m.params.model_dump(mode="json") for m in model.mechanisms},
        "population": {"residents": model.pop.n, "households": model.pop.n_households,
                       "buildings": model.pop.n_buildings},
        "versions": {"cogov": version_of("cogov"), "numpy": np.__version__,
                     "mesa": version_of("mesa"), "python": platform.python_version()},
        "git_commit": git_commit(),
    }


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
    """
    model = CommunityModel(scenario, rng=seed, mechanisms=mechanisms, overrides=overrides)
    total = model.spec.days if days is None else days
    for d in range(total):
        model.step()
        if progress is not None:
            progress(d + 1, total)
    return RunResult(model.metrics(), manifest(model, seed), model)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_run(result: RunResult, out: Path) -> list[Path]:
    """Write metrics (Parquet, CSV), the manifest and the main figure; each file atomically."""
    from sim.plots import main_figure

    out.mkdir(parents=True, exist_ok=True)
    m = result.metrics
    paths = [out / "metrics.parquet", out / "metrics.csv", out / "manifest.json",
             out / "metrics.png"]
    _atomic(paths[0], lambda p: m.to_parquet(p, index=False))
    _atomic(paths[1], lambda p: m.to_csv(p, index=False))
    _atomic(paths[2], lambda p: p.write_text(json.dumps(result.manifest, indent=2,
                                                        ensure_ascii=False)))
    fig = main_figure(m, result.manifest["scenario"].get("title", ""))
    _atomic(paths[3], lambda p: fig.savefig(p, dpi=110, format="png"))
    return paths
