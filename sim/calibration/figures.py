"""Figures of a calibration: marginal and pairwise posteriors, the held-out pattern check."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.calibration.posterior import parameters
from sim.files import atomic


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic(path, lambda p: fig.savefig(p, format="png", dpi=110))
    plt.close(fig)
    return path


def marginals(post: pd.DataFrame, summary: pd.DataFrame, path: Path) -> Path:
    """A weighted histogram per parameter over its prior range; the default as a line."""
    names = parameters(post)
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False, layout="constrained"
    )
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    info = summary.set_index("parameter")
    for ax, k in zip(axes.flat, names, strict=False):
        lo, hi = info.loc[k, "prior_low"], info.loc[k, "prior_high"]
        ax.hist(
            post[k],
            bins=np.linspace(lo, hi, 13),
            weights=post["weight"],
            color="C0",
            alpha=0.8,
            density=True,
            label="posterior",
        )
        ax.axhline(1.0 / (hi - lo), color="grey", ls=":", label="prior")
        ax.axvline(info.loc[k, "default"], color="C3", ls="--", label="default")
        ax.set_xlim(lo, hi)
        ax.set_title(k, fontsize=9)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Marginal posteriors (uniform priors, sim/calibration/abc.py PRIORS)")
    return _save(fig, path)


def pairwise(post: pd.DataFrame, summary: pd.DataFrame, path: Path) -> Path:
    """Every pair of parameters: particles as points, area proportional to weight."""
    names = parameters(post)
    d = len(names)
    info = summary.set_index("parameter")
    fig, axes = plt.subplots(d, d, figsize=(2.1 * d, 2.1 * d), squeeze=False, layout="constrained")
    size = 200 * post["weight"] / post["weight"].max()
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(post[a], bins=10, weights=post["weight"], color="C0")
            else:
                ax.scatter(post[b], post[a], s=size, alpha=0.5, color="C0")
                ax.set_ylim(info.loc[a, "prior_low"], info.loc[a, "prior_high"])
            ax.set_xlim(info.loc[b, "prior_low"], info.loc[b, "prior_high"])
            ax.tick_params(labelsize=6)
            if i == d - 1:
                ax.set_xlabel(b.split(".")[-1], fontsize=7)
            if j == 0:
                ax.set_ylabel(a.split(".")[-1], fontsize=7)
    fig.suptitle("Pairwise posterior (final generation, point area = weight)")
    return _save(fig, path)


def check(table: pd.DataFrame, path: Path) -> Path:
    """Which held-out draw reproduces which pattern (green yes, red no), with the shares."""
    cols = [c for c in table.columns if c.startswith("ok_")]
    grid = table[cols].to_numpy(dtype=float)
    fig, ax = plt.subplots(
        figsize=(0.7 * len(cols) + 2, 0.25 * len(table) + 1.6), layout="constrained"
    )
    ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(
        range(len(cols)),
        [f"{c[3:]}\n{grid[:, k].mean():.0%}" for k, c in enumerate(cols)],
        fontsize=8,
    )
    ax.set_yticks(range(len(table)), [f"draw {d}" for d in table["draw"]], fontsize=6)
    ax.set_title("Posterior predictive check on held-out seeds: pattern reproduced?")
    return _save(fig, path)
