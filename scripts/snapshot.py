"""Save, or compare with, the daily metrics of a fixed set of runs (bit for bit).

A refactor or a speed-up must not move results. Before the change::

    python scripts/snapshot.py save /tmp/before

and after each step::

    python scripts/snapshot.py compare /tmp/before

The set: every built-in mechanism alone and all together on Xianlu Xincun, the administrative
baseline and all mechanisms on every built-in scenario, three seeds each, 400 days. Plug-in
mechanisms of installed packages and their metrics are left out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

import sim
from sim.mechanisms import BUILTIN
from sim.metrics import SPECS
from sim.scenario import builtin_names

DAYS = 400
SEEDS = (0, 1, 2)


def cases() -> list[tuple[str, str, str, int]]:
    """(file stem, scenario, mechanisms, seed) of every run in the set."""
    out = []
    for seed in SEEDS:
        for name in BUILTIN:  # plug-ins of installed packages are not part of the set
            out.append((f"xianlu_xincun-{name}-{seed}", "xianlu_xincun", name, seed))
        for scen in builtin_names():
            out.append((f"{scen}-all-{seed}", scen, "all", seed))
            out.append((f"{scen}-administrative-{seed}", scen, "administrative", seed))
    return sorted(set(out))


def builtin_metrics() -> set[str]:
    """The columns of cogov's own metrics (installed plug-ins' metrics are left out)."""
    return {name for name, spec in SPECS.items() if spec.owner is None or spec.owner in BUILTIN}


def main(argv: list[str] | None = None) -> int:
    """Save or compare the snapshot; exit 1 when a run differs."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["save", "compare"])
    ap.add_argument("folder", type=Path)
    args = ap.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    differ = []
    builtin_columns = builtin_metrics()
    for stem, scen, mech, seed in cases():
        m = sim.run(scen, days=DAYS, seed=seed, mechanisms=mech).metrics
        m = m[[c for c in m.columns if c in builtin_columns]]
        path = args.folder / f"{stem}.parquet"
        if args.action == "save":
            m.to_parquet(path, index=False)
            continue
        if not path.exists():
            print(f"new   {stem}")
            continue
        ref = pd.read_parquet(path)
        shared = [c for c in ref.columns if c in m.columns]
        if not m[shared].equals(ref[shared]):
            bad = [c for c in shared if not m[c].equals(ref[c])]
            differ.append(stem)
            print(f"DIFF  {stem}: {', '.join(bad[:6])}")
        extra = set(m.columns) ^ set(ref.columns)
        if extra:
            print(f"cols  {stem}: added/removed {sorted(extra)}")
    n = len(cases())
    print(
        f"{args.action}: {n} runs"
        + (f", {len(differ)} differ" if args.action == "compare" else f" in {args.folder}")
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
