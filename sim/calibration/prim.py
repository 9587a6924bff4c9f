"""Scenario discovery: PRIM boxes of the parameter region where one arm beats another.

The patient rule induction method (Friedman & Fisher 1999, Statistics and Computing 9:123;
as used for scenario discovery by Bryant & Lempert 2010, TFSC 77:34): start from the box
holding every point and peel, one side of one dimension at a time, the ``alpha`` share of
the points in the box that raises the mean of y in the rest most; stop when the box holds
fewer than ``min_mass`` of the points. Each step's box is on the trajectory with its
coverage (share of all y = 1 points inside), density (mean y inside) and mass (share of
points inside). :func:`select` picks the densest box with coverage at least ``min_coverage``.
Peeling only (no pasting): the boxes are slightly conservative.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.inputs import InputError


@dataclass(frozen=True)
class Box:
    """A box: limits per dimension, and its coverage, density and mass."""

    low: np.ndarray
    high: np.ndarray
    coverage: float
    density: float
    mass: float

    def restricted(self, x: np.ndarray) -> list[int]:
        """Dimensions whose limits cut into the data's range."""
        return [
            j
            for j in range(x.shape[1])
            if self.low[j] > x[:, j].min() or self.high[j] < x[:, j].max()
        ]

    def describe(self, names: list[str], x: np.ndarray) -> str:
        """The box's conditions in words, e.g. ``a > 0.6 and b < 0.4``."""
        parts = []
        for j in self.restricted(x):
            lo, hi = self.low[j] > x[:, j].min(), self.high[j] < x[:, j].max()
            if lo and hi:
                parts.append(f"{self.low[j]:.3g} <= {names[j]} <= {self.high[j]:.3g}")
            elif lo:
                parts.append(f"{names[j]} >= {self.low[j]:.3g}")
            else:
                parts.append(f"{names[j]} <= {self.high[j]:.3g}")
        return " and ".join(parts) or "everywhere (no restriction)"


def peel(x: np.ndarray, y: np.ndarray, *, alpha: float = 0.05, min_mass: float = 0.05) -> list[Box]:
    """The peeling trajectory, from the whole data's box to the smallest allowed one."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n, d = x.shape
    total = y.sum()
    inside = np.ones(n, dtype=bool)
    low, high = x.min(axis=0), x.max(axis=0)

    def box() -> Box:
        return Box(
            low.copy(),
            high.copy(),
            float(y[inside].sum() / total) if total else 0.0,
            float(y[inside].mean()),
            float(inside.mean()),
        )

    out = [box()]
    while True:
        best = None
        for j in range(d):
            xs = x[inside, j]
            for side, cut in (
                ("low", np.quantile(xs, alpha)),
                ("high", np.quantile(xs, 1 - alpha)),
            ):
                keep = inside & ((x[:, j] > cut) if side == "low" else (x[:, j] < cut))
                if keep.sum() == inside.sum() or keep.sum() < max(min_mass * n, 1):
                    continue
                score = y[keep].mean()
                if best is None or score > best[0] + 1e-12:
                    best = (score, j, side, cut, keep)
        if best is None or best[0] <= out[-1].density:
            return out
        _, j, side, cut, keep = best
        inside = keep
        if side == "low":
            low[j] = x[inside, j].min()
        else:
            high[j] = x[inside, j].max()
        out.append(box())


def select(trajectory: list[Box], min_coverage: float = 0.5) -> Box:
    """The densest box whose coverage is at least ``min_coverage`` (the first box if none)."""
    ok = [b for b in trajectory if b.coverage >= min_coverage] or trajectory[:1]
    return max(ok, key=lambda b: (b.density, b.mass))


def beats(folder: Path, arms: tuple[str, str], metric: str) -> tuple[pd.DataFrame, pd.Series]:
    """Paired replicates of a run folder: the varied inputs and 1 where arm a beats arm b.

    Inputs are the posterior draws (``draws.csv``) and the design's factors, per scenario,
    design point and replicate.

    Raises:
        InputError: the folder has no summaries, or the arms or summary are not in it.
    """
    path = Path(folder) / "summary.csv"
    if not path.is_file():
        raise InputError(
            str(folder), "", "no summary.csv: not a finished `cogov experiment run` folder"
        )
    runs = pd.read_csv(path)
    for arm in arms:
        if arm not in set(runs["arm"]):
            raise InputError(
                "--arms",
                "",
                f"no arm {arm!r} in {path}; arms: " + ", ".join(dict.fromkeys(runs["arm"])),
            )
    if metric not in runs:
        ids = {"run_id", "scenario", "arm", "point", "replicate", "seed"}
        raise InputError(
            "--metric",
            "",
            f"no summary {metric!r} in {path}; summaries: "
            + ", ".join(c for c in runs.columns if c not in ids),
        )
    keys = ["scenario", "point", "replicate"]
    factors = [c for c in runs.columns if "." in c]
    a = runs[runs["arm"] == arms[0]].set_index(keys)
    b = runs[runs["arm"] == arms[1]].set_index(keys)
    joined = a[[metric, *factors]].merge(
        b[[metric]].add_suffix("_b"), left_index=True, right_index=True, how="inner"
    )
    inputs = joined[factors].reset_index()
    draws = Path(folder) / "draws.csv"
    if draws.is_file():
        inputs = inputs.merge(pd.read_csv(draws), on="replicate", how="left")
    inputs = inputs.drop(columns=["point"])
    inputs = inputs.loc[:, inputs.nunique() > 1].drop(columns=["replicate"], errors="ignore")
    y = (joined[metric].to_numpy() > joined[f"{metric}_b"].to_numpy()).astype(float)
    return inputs.select_dtypes("number"), pd.Series(y)


def figure(
    x: pd.DataFrame, y: np.ndarray, trajectory: list[Box], chosen: Box, title: str, path: Path
) -> Path:
    """Trajectory (coverage against density) and the chosen box on its two main inputs."""
    import matplotlib.pyplot as plt

    from sim.files import atomic

    arr = x.to_numpy(dtype=float)
    dims = chosen.restricted(arr)[:2] or list(range(min(2, arr.shape[1])))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    axes[0].plot([b.coverage for b in trajectory], [b.density for b in trajectory], "o-", ms=3)
    axes[0].plot([chosen.coverage], [chosen.density], "o", color="C3", ms=8)
    axes[0].set_xlabel("coverage")
    axes[0].set_ylabel("density")
    axes[0].set_title("PRIM peeling trajectory (red: chosen box)")
    if len(dims) == 2:
        i, j = dims
        axes[1].scatter(arr[:, i], arr[:, j], c=y, cmap="coolwarm", s=18, vmin=0, vmax=1)
        axes[1].add_patch(
            plt.Rectangle(
                (chosen.low[i], chosen.low[j]),
                chosen.high[i] - chosen.low[i],
                chosen.high[j] - chosen.low[j],
                fill=False,
                color="k",
                lw=1.5,
            )
        )
        axes[1].set_xlabel(x.columns[i])
        axes[1].set_ylabel(x.columns[j])
        axes[1].set_title("red: first arm wins; box: chosen region")
    else:
        axes[1].set_visible(False)
    fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic(path, lambda p: fig.savefig(p, format="png", dpi=100))
    plt.close(fig)
    return path
