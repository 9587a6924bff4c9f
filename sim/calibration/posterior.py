"""Posteriors: where they are, drawing parameter sets from them, checking them on new seeds.

A posterior is a Parquet table of weighted particles (one column per calibrated parameter,
``weight``, ``distance`` and the pattern statistics) with a ``.json`` manifest beside it.
``default`` is the shipped one, ``experiments/posteriors/default.parquet``, written only by
``cogov calibrate --ship`` (like the experiment references).

An experiment with ``posterior = "..."`` gives replicate r the draw picked by weight with
``SeedSequence(root, spawn_key=(7, r))``: it depends on r only (extending the replicates
keeps the earlier draws), and every arm and design point of replicate r shares it with its
seed (common random numbers).
"""

from __future__ import annotations

import concurrent.futures as cf
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration import patterns as pat
from sim.inputs import InputError
from sim.scenario import data_dir

SHIPPED = data_dir("experiments") / "posteriors"  # in the wheel, or the checkout's
META = ("particle", "weight", "distance", "seed")
CALIBRATED_SCENARIO = "xianlu_xincun"


def locate(name_or_path: str | Path, base: Path | None = None) -> Path:
    """The file of a shipped posterior name, or a path (relative to ``base``)."""
    text = str(name_or_path)
    if "/" not in text and not text.endswith(".parquet"):
        return SHIPPED / f"{text}.parquet"
    path = Path(text)
    return path if path.is_absolute() or base is None else base / path


def load(name_or_path: str | Path, base: Path | None = None, source: str = "") -> pd.DataFrame:
    """A posterior's particles with normalised weights.

    Raises:
        InputError: the file is missing or is not a posterior (naming ``source``'s field).
    """
    path = locate(name_or_path, base)
    where = source or str(path)
    if not path.is_file():
        names = sorted(p.stem for p in SHIPPED.glob("*.parquet"))
        raise InputError(
            where,
            "posterior",
            f"no posterior {str(name_or_path)!r} ({path}); "
            f"shipped: {', '.join(names) or 'none'}, or a .parquet path",
        )
    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise InputError(where, "posterior", f"{path} cannot be read: {exc}") from None
    if "weight" not in df or not parameters(df) or not (df["weight"] > 0).any():
        raise InputError(where, "posterior", f"{path} has no weighted parameter columns")
    return df.assign(weight=df["weight"] / df["weight"].sum())


def parameters(df: pd.DataFrame) -> list[str]:
    """The calibrated parameter columns (dotted scenario keys)."""
    return [c for c in df.columns if "." in c and not c.startswith("stat_")]


def draw(df: pd.DataFrame, root: int, replicate: int) -> dict[str, float]:
    """Replicate ``replicate``'s parameter set: a weighted pick seeded by (root, replicate)."""
    rng = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(7, replicate)))
    row = df.iloc[int(rng.choice(len(df), p=df["weight"].to_numpy()))]
    return {k: float(row[k]) for k in parameters(df)}


def for_scenario(values: dict[str, float], scenario: str) -> dict[str, float]:
    """The drawn values a scenario takes: all in the calibrated community, else portable ones."""
    if scenario == CALIBRATED_SCENARIO:
        return dict(values)
    return {k: v for k, v in values.items() if k.startswith(pat.PORTABLE)}


def held_out_check(
    pool: cf.Executor,
    post: pd.DataFrame,
    seed: int,
    draws: int,
    *,
    quick: bool = False,
    runs: tuple[str, ...] = tuple(pat.RUNS),
) -> pd.DataFrame:
    """Run every pattern run for ``draws`` weighted draws on seeds never used in calibration.

    Draw j takes ``SeedSequence(seed, spawn_key=(3, j))`` for its pick and its runs. Returns
    one row per draw: its parameters, every statistic, and ``ok_<pattern>`` (reproduced).
    """
    from sim.calibration.abc import simulate_many

    params, seeds = [], []
    for j in range(draws):
        ss = np.random.SeedSequence(seed, spawn_key=(3, j))
        rng = np.random.default_rng(ss.spawn(1)[0])
        row = post.iloc[
            int(rng.choice(len(post), p=post["weight"].to_numpy() / post["weight"].sum()))
        ]
        params.append({k: float(row[k]) for k in parameters(post)})
        seeds.append(ss)
    stats = simulate_many(pool, params, seeds, runs, quick)
    rows = []
    for j, (p, s) in enumerate(zip(params, stats, strict=True)):
        ok = pat.reproduced(s)
        rows.append(
            {
                "draw": j,
                "seed": f"{seed}/3/{j}",
                **p,
                **{f"stat_{k}": v for k, v in s.items()},
                **{f"ok_{k}": v for k, v in ok.items()},
            }
        )
    return pd.DataFrame(rows)


def reproduced_share(df: pd.DataFrame, weights: np.ndarray | None = None) -> dict[str, float]:
    """Share of draws (weighted if given) reproducing each pattern, from ``stat_`` columns."""
    w = np.full(len(df), 1.0 / len(df)) if weights is None else weights / weights.sum()
    ok: dict[str, list[bool]] = {}
    for _, row in df.iterrows():
        stats = {c[5:]: row[c] for c in df.columns if c.startswith("stat_")}
        for k, v in pat.reproduced(stats).items():
            ok.setdefault(k, []).append(v)
    return {k: float(np.dot(w, np.array(v, dtype=float))) for k, v in ok.items()}


def describe(post: pd.DataFrame, bounds: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per parameter: prior range, default, posterior weighted mean, sd, 5-95% interval.

    ``width_share`` is the interval's width over the prior's (near 0.9: not identified).
    """
    from sim.experiments.design import param_info

    rows: list[dict[str, Any]] = []
    w = post["weight"].to_numpy() / post["weight"].sum()
    for k in parameters(post):
        x = post[k].to_numpy()
        order = np.argsort(x)
        cum = np.cumsum(w[order])
        lo, hi = (
            x[order][np.searchsorted(cum, 0.05)],
            x[order][min(np.searchsorted(cum, 0.95), len(x) - 1)],
        )
        mean = float(np.dot(w, x))
        low, high = bounds.get(k, (np.nan, np.nan))
        info = param_info(k)
        rows.append(
            {
                "parameter": k,
                "prior_low": low,
                "prior_high": high,
                "default": info.default if info else np.nan,
                "mean": mean,
                "sd": float(np.sqrt(np.dot(w, (x - mean) ** 2))),
                "q05": lo,
                "q95": hi,
                "width_share": (hi - lo) / (high - low),
            }
        )
    return pd.DataFrame(rows)
