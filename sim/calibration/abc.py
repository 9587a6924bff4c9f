"""ABC-SMC: the uncertain parameters that reproduce all patterns at once (``cogov calibrate``).

Approximate Bayesian computation by sequential Monte Carlo with an adaptive tolerance
(Toni et al. 2009, J. R. Soc. Interface 6:187; Beaumont et al. 2009, Biometrika 96:983).
Priors are uniform on the ranges of :data:`PRIORS` (each with its source). Generation 0 draws
``population`` particles from the prior. Generation t accepts proposals whose distance
(:func:`sim.calibration.patterns.distance`, the root mean square of normalised pattern
misfits) is at most eps_t, the median distance of generation t-1; a proposal is a particle
of generation t-1 picked by weight and moved by a Gaussian kernel with twice the weighted
covariance of that generation (in coordinates scaled to the prior box; moves outside the box
are redrawn). Weights: w_i proportional to 1 / sum_j w_j K(theta_i | theta_j) (uniform prior).
The run stops after ``generations``, once eps reaches 0 (every pattern within its range), or
when the budget is spent: no batch starts after that, and the generation under way is dropped.

Proposals come in batches of ``population`` candidates; batch b of generation t draws from
``SeedSequence(seed, spawn_key=(1, t, b))`` and its candidate i runs its bundle with
``SeedSequence(seed, spawn_key=(2, t, b, i))``; accepted candidates are taken in proposal
order, so the result depends on the seed only, never on the worker count or on timing
(except where the budget cuts the run short). Every finished generation is written
atomically as ``OUT/generations/gen_NNN.parquet``; a rerun with the same settings continues
after the last one. The held-out check draws from ``spawn_key=(3, j)``: seeds never used
in calibration.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration import patterns as pat
from sim.files import atomic, git_commit, version_of, write_json
from sim.inputs import InputError


@dataclass(frozen=True)
class Prior:
    """A calibrated parameter's uniform prior: its range and where the range comes from.

    Defaults, units and allowed bounds stay in the parameter's declaration (sim/params.py);
    a prior is a sub-range of the allowed one around the default (tests check both).
    """

    low: float
    high: float
    source: str


#: The calibrated parameters of the causal core (issue 20 re-fit; docs/calibration.md, "Which
#: parameters"): participation's intercept and the terms that set its age gradient (P8),
#: satisfaction's performance weight, and the grievance and conflict terms that set the
#: stationary dissatisfied share (C3).
PRIORS: dict[str, Prior] = {
    "behaviour.b0": Prior(
        -7.5, -5.5, "ASSUMPTION: +-1 logit around the default -6.5 (sensitivity.toml's range)"
    ),
    "behaviour.sat_performance": Prior(
        0.4, 0.8, "ASSUMPTION: sensitivity.toml's range around Van Ryzin 2004's weight 0.6"
    ),
    "behaviour.cost_employed": Prior(
        0.5,
        2.0,
        "ASSUMPTION: MODEL 3.1 suggests 1.0 and x2 for weekday-daytime meetings; half to double",
    ),
    "behaviour.cost_retired": Prior(
        0.1, 0.9, "ASSUMPTION: MODEL 3.1 suggests 0.3 (NBS 2018 time use: more free time)"
    ),
    "behaviour.b_age_elderly": Prior(
        1.6,
        3.1,
        "design doc 7, C1: SUNS 2017 turnout log-odds elderly vs young 2.35 +- 0.75 logit",
    ),
    "population.core_weight_young": Prior(
        0.1,
        1.5,
        "ASSUMPTION: Read 2012 (activists mostly retired) below the middle-aged weight 1.5",
    ),
    "behaviour.grievance_rise": Prior(
        0.01, 0.08, "ASSUMPTION: half to four times the default 0.02 a day (C3 needs more)"
    ),
    "behaviour.grievance_decay": Prior(
        0.003, 0.02, "ASSUMPTION: half-life 35-230 days around the default's 69 (0.01 a day)"
    ),
    "behaviour.conflict_harm": Prior(
        0.02, 0.2, "ASSUMPTION: 0.4 to 4 times the default 0.05 per conflict"
    ),
}
QUICK_DAYS = 90
#: Quick mode (a check of the pipeline, not a fit): a small community and a short spin-up.
QUICK_OVERRIDES = {
    "population.residents": 120,
    "population.households": 40,
    "population.households_per_building": 8,
    "behaviour.spinup_days": QUICK_DAYS,
}


@dataclass(frozen=True)
class Settings:
    """Everything that decides a calibration's result (its hash guards a resumed folder)."""

    seed: int = 20150701
    population: int = 40
    generations: int = 6
    quantile: float = 0.5
    max_batches: int = 8  # batches per generation before giving up on eps_t
    check_draws: int = 12
    quick: bool = False
    priors: tuple[tuple[str, float, float], ...] = tuple(
        (k, p.low, p.high) for k, p in PRIORS.items()
    )
    runs: tuple[str, ...] = pat.CALIBRATION_RUNS

    def digest(self) -> str:
        """A short hash of the settings and the pattern targets."""
        targets = [(t.name, t.low, t.high, t.tolerance) for t in pat.TARGETS.values()]
        blob = json.dumps([dataclasses.asdict(self), targets], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def names(self) -> list[str]:
        """Calibrated parameter keys, in order."""
        return [p[0] for p in self.priors]

    @property
    def bounds(self) -> np.ndarray:
        """(d, 2) array of prior lows and highs."""
        return np.array([[p[1], p[2]] for p in self.priors], dtype=float)


QUICK = Settings(population=4, generations=2, max_batches=2, check_draws=1, quick=True)


def spec(name: str, quick: bool) -> pat.RunSpec:
    """A bundle run, shortened and shrunk in quick mode."""
    s = pat.RUNS[name]
    if not quick:
        return s
    return dataclasses.replace(
        s, days=min(s.days, QUICK_DAYS), overrides={**s.overrides, **QUICK_OVERRIDES}
    )


def simulate_many(
    pool: cf.Executor,
    params: list[dict[str, float]],
    seeds: list[np.random.SeedSequence],
    runs: tuple[str, ...],
    quick: bool,
) -> list[dict[str, float]]:
    """Each parameter set's bundle on the pool (a task per run); the statistics of each."""
    futures = {}
    for i, (p, s) in enumerate(zip(params, seeds, strict=True)):
        for name in runs:
            sp = spec(name, quick)
            futures[(i, name)] = pool.submit(pat.features, sp, pat.run_overrides(sp, p), s)
    out = []
    for i in range(len(params)):
        b = {name: futures[(i, name)].result() for name in runs}
        out.append(pat.statistics(b))
    return out


# ------------------------------------------------------------------------- SMC steps
def _unit(x: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    return (x - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0])


def _kernel_cov(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Twice the weighted covariance (Beaumont et al. 2009), kept positive definite."""
    cov = np.atleast_2d(np.cov(u.T, aweights=w, bias=True))
    return 2.0 * cov + 1e-9 * np.eye(u.shape[1])


def propose(
    rng: np.random.Generator, u: np.ndarray, w: np.ndarray, cov: np.ndarray, n: int
) -> np.ndarray:
    """Draw n moves of weighted picks of the previous particles, redrawn until inside [0, 1]^d."""
    chol = np.linalg.cholesky(cov)
    out = np.empty((n, u.shape[1]))
    for k in range(n):
        while True:
            cand = u[rng.choice(len(u), p=w)] + chol @ rng.standard_normal(u.shape[1])
            if ((cand >= 0) & (cand <= 1)).all():
                out[k] = cand
                break
    return out


def weights(new: np.ndarray, old: np.ndarray, w_old: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Importance weights under a uniform prior: 1 / sum_j w_j K(new_i | old_j), normalised."""
    inv = np.linalg.inv(cov)
    diff = new[:, None, :] - old[None, :, :]
    k = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
    w = 1.0 / (k @ w_old)
    return w / w.sum()


# ------------------------------------------------------------------------- the run
@dataclass
class Result:
    """What a calibration produced."""

    out: Path
    generations: int
    posterior: pd.DataFrame
    eps: list[float]
    stopped: str


def _frame(
    settings: Settings,
    t: int,
    x: np.ndarray,
    w: np.ndarray,
    d: list[float],
    stats: list[dict[str, float]],
    keys: list[str],
) -> pd.DataFrame:
    df = pd.DataFrame(x, columns=settings.names)
    df.insert(0, "generation", t)
    df.insert(1, "particle", range(len(df)))
    df["weight"], df["distance"], df["seed"] = w, d, keys
    stat = pd.DataFrame(stats)
    return pd.concat([df, stat.add_prefix("stat_")], axis=1)


def _gen_path(out: Path, t: int) -> Path:
    return out / "generations" / f"gen_{t:03d}.parquet"


def _finished(out: Path) -> list[pd.DataFrame]:
    gens = []
    while (p := _gen_path(out, len(gens))).exists():
        gens.append(pd.read_parquet(p))
    return gens


def manifest(settings: Settings, gens: list[pd.DataFrame], **extra: Any) -> dict[str, Any]:
    """Patterns, priors, budget, seed, versions and the eps schedule of a calibration."""
    return {
        "settings": dataclasses.asdict(settings),
        "digest": settings.digest(),
        "patterns": {
            p.id: {
                "title": p.title,
                "source": p.source,
                "population": p.population,
                "hand_fitted": p.hand_fitted,
                "kind": p.kind,
                "counterpart": p.counterpart,
                "targets": {
                    t.name: {"measure": t.measure, "target": t.text(), "tolerance": t.tolerance}
                    for t in p.targets
                },
            }
            for p in pat.PATTERNS.values()
        },
        "priors": {
            k: {"uniform": [lo, hi], "source": PRIORS[k].source if k in PRIORS else ""}
            for k, lo, hi in settings.priors
        },
        "calibration_runs": list(settings.runs),
        "seeds": {
            "proposals": "SeedSequence(seed, spawn_key=(1, generation, batch))",
            "runs": "SeedSequence(seed, spawn_key=(2, generation, batch, index))",
            "held_out_check": "SeedSequence(seed, spawn_key=(3, draw))",
        },
        "generations": [
            {
                "generation": int(g["generation"].iloc[0]),
                "eps": float(g["eps"].iloc[0]),
                "max_distance": float(g["distance"].max()),
                "median_distance": float(g["distance"].median()),
            }
            for g in gens
        ],
        "versions": {
            "cogov": version_of("cogov"),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "python": platform.python_version(),
        },
        "git_commit": git_commit(),
        **extra,
    }


def _check_folder(out: Path, settings: Settings) -> None:
    old = out / "manifest.json"
    if old.exists():
        try:
            digest = json.loads(old.read_text(encoding="utf-8"))["digest"]
        except (OSError, ValueError, KeyError, TypeError):
            raise InputError(str(old), "", "cannot be read; choose another --out") from None
        if digest != settings.digest():
            raise InputError(
                str(out),
                "manifest.json",
                (
                    "this folder holds a calibration with other settings (seed, population, "
                    "priors, patterns or --quick); choose another --out or remove the folder"
                ),
            )


Progress = Callable[[str], None]


def calibrate(
    out: Path,
    pool: cf.Executor,
    settings: Settings = Settings(),
    *,
    budget_s: float | None = None,
    progress: Progress | None = None,
) -> Result:
    """Run (or resume) ABC-SMC into OUT; write the posterior, manifest and held-out check.

    Args:
        out: Output folder (created; reused to resume).
        pool: Any ``concurrent.futures`` executor (:func:`sim.sweep.executor`).
        settings: Seed, population, generations, priors, quick mode.
        budget_s: Wall-clock budget in seconds for the generations (None: no limit).
        progress: Called with a line of text after each batch and generation.
    """
    say = progress or (lambda _: None)
    out = Path(out)
    (out / "generations").mkdir(parents=True, exist_ok=True)
    _check_folder(out, settings)
    start = time.monotonic()
    gens = _finished(out)
    if gens:
        say(f"resuming after generation {len(gens) - 1} in {out}")
    write_json(out / "manifest.json", manifest(settings, gens, complete=False, budget_s=budget_s))
    stopped = "generations"
    while len(gens) < settings.generations:
        t = len(gens)
        if t > 1 and float(gens[-1]["eps"].iloc[0]) == 0.0:
            stopped = "eps reached 0: every pattern within its range"
            break
        gen = _generation(pool, settings, t, gens, start, budget_s, say)
        if gen is None:
            stopped = "budget"
            break
        path = _gen_path(out, t)
        atomic(path, lambda p, g=gen: g.to_parquet(p, index=False))
        gens = _finished(out)
        eps = float(gen["eps"].iloc[0])
        say(f"generation {t}: eps {eps:.3g}, median distance {gen['distance'].median():.3g}")
        if eps == 0.0 and t > 0:
            stopped = "eps reached 0: every pattern within its range"
            break
    if not gens:
        raise InputError(
            "--budget", "", "the budget ended before the first generation; give more minutes"
        )
    post = gens[-1].drop(columns=["generation", "eps"])
    atomic(out / "posterior.parquet", lambda p: post.to_parquet(p, index=False))
    write_json(
        out / "manifest.json",
        manifest(
            settings,
            gens,
            complete=False,
            budget_s=budget_s,
            stopped=stopped,
            minutes=round((time.monotonic() - start) / 60, 1),
        ),
    )
    return Result(out, len(gens), post, [float(g["eps"].iloc[0]) for g in gens], stopped)


def _eps(gens: list[pd.DataFrame], settings: Settings) -> float:
    return float(np.quantile(gens[-1]["distance"], settings.quantile)) if gens else np.inf


def _generation(
    pool: cf.Executor,
    settings: Settings,
    t: int,
    gens: list[pd.DataFrame],
    start: float,
    budget_s: float | None,
    say: Progress,
) -> pd.DataFrame | None:
    """One generation, or None when the budget ran out during it."""
    bounds, names, n = settings.bounds, settings.names, settings.population
    eps = _eps(gens, settings)
    if gens:
        prev = gens[-1]
        u_old = _unit(prev[names].to_numpy(), bounds)
        w_old = prev["weight"].to_numpy()
        cov = _kernel_cov(u_old, w_old)
    acc_u, acc_d, acc_s, acc_k = [], [], [], []
    best: list[tuple[float, int, np.ndarray, dict[str, float], str]] = []
    for b in range(settings.max_batches):
        if budget_s is not None and time.monotonic() - start > budget_s:
            return None  # spent: no new batch (the generation under way is dropped)
        rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(1, t, b)))
        u = rng.random((n, len(names))) if not gens else propose(rng, u_old, w_old, cov, n)
        x = bounds[:, 0] + u * (bounds[:, 1] - bounds[:, 0])
        params = [dict(zip(names, map(float, row), strict=True)) for row in x]
        seeds = [np.random.SeedSequence(settings.seed, spawn_key=(2, t, b, i)) for i in range(n)]
        stats = simulate_many(pool, params, seeds, settings.runs, settings.quick)
        for i, s in enumerate(stats):
            d = pat.distance(s)
            key = f"{settings.seed}/2/{t}/{b}/{i}"
            best.append((d, len(best), u[i], s, key))
            if d <= eps and len(acc_u) < n:
                acc_u.append(u[i])
                acc_d.append(d)
                acc_s.append(s)
                acc_k.append(key)
        say(f"generation {t}, batch {b}: {len(acc_u)}/{n} accepted at eps {eps:.3g}")
        if len(acc_u) >= n:
            break
    if len(acc_u) < n:  # eps_t too strict for the batches allowed: take the n closest
        best.sort(key=lambda r: (r[0], r[1]))
        acc_d, acc_u = [r[0] for r in best[:n]], [r[2] for r in best[:n]]
        acc_s, acc_k = [r[3] for r in best[:n]], [r[4] for r in best[:n]]
        eps = max(acc_d)
    u_new = np.array(acc_u)
    w = np.full(n, 1.0 / n) if not gens else weights(u_new, u_old, w_old, cov)
    x_new = bounds[:, 0] + u_new * (bounds[:, 1] - bounds[:, 0])
    frame = _frame(settings, t, x_new, w, acc_d, acc_s, acc_k)
    frame.insert(2, "eps", eps if np.isfinite(eps) else float(frame["distance"].max()))
    return frame
