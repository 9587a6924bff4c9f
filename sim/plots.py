"""Figures of the daily metrics (matplotlib, drawn off-screen)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from sim.metrics import unit

#: The main panels: (title, [(column, legend label)]). The y axis shows the declared unit
#: of the panel's first metric (:mod:`sim.metrics`).
PANELS = [
    (
        "Participation (last 30 days)",
        [
            ("participation_rate", "all"),
            ("participation_rate_elderly", "elderly"),
            ("participation_rate_offline", "offline"),
        ],
    ),
    ("Satisfaction and trust", [("satisfaction_mean", "satisfaction"), ("trust_mean", "trust")]),
    (
        "Issues and conflicts",
        [("issues_open", "issues open"), ("conflicts_30d", "conflicts, 30-day sum / 10")],
    ),
    (
        "Social-worker hours",
        [
            ("social_worker_hours_30d", "community work, 30-day mean"),
            ("explanation_hours_30d", "explaining policies"),
        ],
    ),
]


def with_rolling(metrics: pd.DataFrame) -> pd.DataFrame:
    """Add the 30-day smoothed columns the panels use."""
    df = metrics.copy()
    df["conflicts_30d"] = df["conflicts"].rolling(30, min_periods=1).sum() / 10
    for col in ("social_worker_hours", "explanation_hours"):
        df[f"{col}_30d"] = df[col].rolling(30, min_periods=1).mean()
    return df


def main_figure(metrics: pd.DataFrame, title: str = "") -> Figure:
    """Four panels of the main metrics over time."""
    df = with_rolling(metrics)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True, layout="constrained")
    for ax, (name, series) in zip(axes.flat, PANELS, strict=True):
        for col, label in series:
            ax.plot(df["day"], df[col], label=label, lw=1.2)
        ax.set_title(name, fontsize=10)
        ax.set_ylabel(unit(series[0][0].removesuffix("_30d")))
        ax.legend(fontsize=8, loc="best")
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("day")
    if title:
        fig.suptitle(title)
    return fig
