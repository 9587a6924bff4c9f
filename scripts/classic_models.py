"""Regenerate one figure (PNG) and one CSV per classic model from sim.classic.

Usage:
    .venv/bin/python scripts/classic_models.py --out DIR [--quick] [--seed N]

Figures (each with the published reference curve):
    deffuant_clusters.png  major clusters (>= 5% of agents) vs d, with floor(1/(2d))
                           (Deffuant et al. 2000)
    hk_consensus.png       consensus probability vs eps, complete graph
                           (Hegselmann & Krause 2002; Lorenz 2007)
    watts_cascades.png     global-cascade frequency and size vs mean degree z, phi = 0.18
                           (Watts 2002)
    sir_final_size.png     mean major-outbreak size vs T on ER graphs, z = 4, with the root
                           of r = 1 - exp(-z T r) (Newman 2002)
--quick uses smaller populations and fewer runs (under a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import brentq

from sim import classic

FULL = {
    "deffuant": {"n": 1000, "runs": 10, "interactions": 1_000_000, "d": np.arange(4, 21) / 40},
    "hk": {"n": 1000, "runs": 100, "eps": np.arange(10, 31) / 100},
    "watts": {"n": 10_000, "graphs": 20, "seeds": 20, "z": np.arange(1, 21) / 2},
    "sir": {"n": 20_000, "graphs": 5, "seeds": 20, "z": 4.0, "T": np.arange(2, 21) / 20},
}
QUICK = {
    "deffuant": {"n": 500, "runs": 4, "interactions": 300_000, "d": np.arange(2, 11) / 20},
    "hk": {"n": 1000, "runs": 30, "eps": np.arange(5, 16) / 50},
    "watts": {"n": 5000, "graphs": 8, "seeds": 10, "z": np.arange(1, 11)},
    "sir": {"n": 10_000, "graphs": 3, "seeds": 10, "z": 4.0, "T": np.arange(1, 11) / 10},
}


def write_csv(path: Path, header: list[str], rows: list[list[float]]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def sir_root(zt: float) -> float:
    """Giant-outbreak size r solving r = 1 - exp(-zT r) (0 below the threshold zT = 1)."""
    if zt <= 1.0:
        return 0.0
    return brentq(lambda r: r - 1.0 + math.exp(-zt * r), 1e-12, 1.0)


def deffuant_figure(cfg: dict, rng: np.random.Generator, out: Path) -> list[list[float]]:
    n = cfg["n"]
    rows = []
    for d in cfg["d"]:
        counts = []
        for _ in range(cfg["runs"]):
            x = classic.deffuant(rng.random(n), float(d), 0.5, cfg["interactions"], rng)
            _, sizes = classic.opinion_clusters(x, 1e-3)
            counts.append(int((sizes >= 0.05 * n).sum()))
        rows.append([round(float(d), 4), np.mean(counts), np.std(counts), math.floor(1 / (2 * d))])
    arr = np.array(rows)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.errorbar(arr[:, 0], arr[:, 1], yerr=arr[:, 2], fmt="o", capsize=3, label="simulation")
    dd = np.linspace(cfg["d"][0], cfg["d"][-1], 400)
    ax.step(dd, np.floor(1 / (2 * dd)), where="post", color="k", lw=1, label="floor(1/(2d))")
    ax.set_xlabel("confidence bound d")
    ax.set_ylabel("major clusters (>= 5% of agents)")
    ax.set_title(f"Deffuant et al. 2000: n={n}, mu=0.5, {cfg['interactions']:.0e} encounters")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "deffuant_clusters.png", dpi=120)
    plt.close(fig)
    write_csv(
        out / "deffuant_clusters.csv", ["d", "mean_major_clusters", "sd", "floor_1_over_2d"], rows
    )
    return rows


def hk_figure(cfg: dict, rng: np.random.Generator, out: Path) -> list[list[float]]:
    n = cfg["n"]
    rows = []
    for eps in cfg["eps"]:
        hits, clusters = 0, []
        for _ in range(cfg["runs"]):
            x = classic.hegselmann_krause(rng.random(n), float(eps), 1000)
            centres, sizes = classic.opinion_clusters(x, 1e-9)
            hits += centres.size == 1
            clusters.append(int((sizes >= 0.05 * n).sum()))
        rows.append([round(float(eps), 4), hits / cfg["runs"], float(np.mean(clusters))])
    arr = np.array(rows)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(arr[:, 0], arr[:, 1], "o-", label="P(consensus)")
    ax.set_xlabel("confidence bound eps")
    ax.set_ylabel("probability of consensus")
    ax.set_ylim(-0.03, 1.03)
    ax2 = ax.twinx()
    ax2.plot(arr[:, 0], arr[:, 2], "s--", color="tab:orange", label="major clusters")
    ax2.set_ylabel("mean major clusters (>= 5%)")
    ax.set_title(f"Hegselmann-Krause 2002, complete graph, n={n}, {cfg['runs']} runs")
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="center right")
    fig.tight_layout()
    fig.savefig(out / "hk_consensus.png", dpi=120)
    plt.close(fig)
    write_csv(out / "hk_consensus.csv", ["eps", "p_consensus", "mean_major_clusters"], rows)
    return rows


def watts_figure(cfg: dict, rng: np.random.Generator, out: Path) -> list[list[float]]:
    n = cfg["n"]
    rows = []
    for z in cfg["z"]:
        sizes = []
        for _ in range(cfg["graphs"]):
            adj = classic.erdos_renyi(n, float(z), rng)
            sizes += [classic.watts_cascade(adj, 0.18, None, rng) for _ in range(cfg["seeds"])]
        s = np.array(sizes)
        glob = s > 0.1
        mean_size = float(s[glob].mean()) if glob.any() else math.nan
        rows.append([round(float(z), 3), float(glob.mean()), mean_size, s.size])
    arr = np.array(rows)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(arr[:, 0], arr[:, 1], "o-", label="frequency of global cascades (>10%)")
    ax.plot(arr[:, 0], arr[:, 2], "s--", label="mean size of global cascades")
    ax.set_xlabel("mean degree z")
    ax.set_ylabel("frequency / fraction adopted")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(f"Watts 2002: ER, n={n}, phi=0.18, one random seed")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "watts_cascades.png", dpi=120)
    plt.close(fig)
    write_csv(
        out / "watts_cascades.csv", ["z", "cascade_frequency", "mean_cascade_size", "trials"], rows
    )
    return rows


def sir_figure(cfg: dict, rng: np.random.Generator, out: Path) -> list[list[float]]:
    n, z = cfg["n"], cfg["z"]
    graphs = [classic.erdos_renyi(n, z, rng) for _ in range(cfg["graphs"])]
    rows = []
    for t in cfg["T"]:
        sizes = np.array(
            [
                classic.sir_final_size(adj, float(t), None, rng)
                for adj in graphs
                for _ in range(cfg["seeds"])
            ]
        )
        major = sizes > 0.05
        mean_major = float(sizes[major].mean()) if major.any() else math.nan
        rows.append([round(float(t), 3), mean_major, float(major.mean()), sir_root(z * t)])
    arr = np.array(rows)
    fig, ax = plt.subplots(figsize=(6, 4))
    tt = np.linspace(0, 1, 400)
    ax.plot(tt, [sir_root(z * v) for v in tt], "k-", lw=1, label="r = 1 - exp(-zTr)")
    ax.plot(arr[:, 0], arr[:, 1], "o", label="mean size of major outbreaks")
    ax.plot(arr[:, 0], arr[:, 2], "x", label="share of runs with a major outbreak")
    ax.set_xlabel("transmissibility T")
    ax.set_ylabel("final fraction ever infected")
    ax.set_title(f"Newman 2002: SIR on ER, n={n}, z={z:g}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "sir_final_size.png", dpi=120)
    plt.close(fig)
    write_csv(out / "sir_final_size.csv", ["T", "mean_major_size", "p_major", "analytic_r"], rows)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="output directory")
    ap.add_argument("--quick", action="store_true", help="small runs (< 1 min)")
    ap.add_argument("--seed", type=int, default=20240601, help="master seed")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    cfg = QUICK if args.quick else FULL
    seeds = np.random.SeedSequence(args.seed).spawn(4)
    jobs = [
        ("deffuant", deffuant_figure),
        ("hk", hk_figure),
        ("watts", watts_figure),
        ("sir", sir_figure),
    ]
    for (name, fn), ss in zip(jobs, seeds, strict=True):
        start = time.perf_counter()
        rows = fn(cfg[name], np.random.default_rng(ss), args.out)
        print(f"{name}: {len(rows)} points in {time.perf_counter() - start:.1f} s")
        for row in rows:
            print("   ", ", ".join(f"{v:.4g}" for v in row))
    print(f"wrote figures and CSVs to {args.out}")


if __name__ == "__main__":
    main()
