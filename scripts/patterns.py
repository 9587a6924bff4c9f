"""Print the figures the model gives for every declared pattern (sim/calibration/patterns.py).

Run: .venv/bin/python experiments/patterns.py [--seeds 5] [--posterior default]

One row per target: its measure, the declared target range, the model's mean and range over
the seeds, and in how many seeds the pattern's targets are all met within one tolerance.
With ``--posterior``, seed k also takes posterior draw k (weighted pick, as experiments do).
"""

import argparse

import numpy as np

from sim.calibration import patterns as pat
from sim.calibration import posterior


def fmt(values):
    v = np.asarray(values, dtype=float)
    return f"{np.nanmean(v):.3g} (range {np.nanmin(v):.3g}-{np.nanmax(v):.3g})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--posterior", help="a shipped posterior name or a .parquet path")
    args = ap.parse_args()
    post = posterior.load(args.posterior) if args.posterior else None
    stats, ok = [], []
    for s in range(args.seeds):
        params = posterior.draw(post, 0, s) if post is not None else {}
        st = pat.statistics(pat.bundle(params, s))
        stats.append(st)
        ok.append(pat.reproduced(st))
    print("| pattern | measure | target | model (mean over seeds, range) | seeds reproducing |")
    print("|---|---|---|---|---|")
    for p in pat.PATTERNS.values():
        hits = sum(o[p.id] for o in ok)
        for t in p.targets:
            print(
                f"| {p.id} | {t.measure} | {t.text()} (tolerance {t.tolerance:g}) | "
                f"{fmt([st[t.name] for st in stats])} | {hits}/{args.seeds} |"
            )


if __name__ == "__main__":
    main()
