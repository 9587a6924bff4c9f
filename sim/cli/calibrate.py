"""``cogov calibrate``: ABC-SMC against every pattern, then a held-out check and figures.

Writes OUT/generations/gen_NNN.parquet (one per finished generation; a rerun resumes),
OUT/posterior.parquet, OUT/posterior_summary.csv, OUT/check.parquet (held-out seeds),
OUT/manifest.json and OUT/figures/{marginals,pairwise,check}.png. ``--ship`` then copies the
posterior and its manifest to experiments/posteriors/default.{parquet,json}: the only way the
shipped posterior changes.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from sim.cli.argtypes import positive, seed
from sim.files import write_json


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"--budget: minutes, a number above 0, got {text!r}")
    return value


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Run or resume a calibration; write posterior, check, figures; optionally ship it."""
    import dataclasses

    import pandas as pd

    from sim.calibration import abc, figures
    from sim.calibration import posterior as post_mod
    from sim.experiments.execution import check_out, executor
    from sim.files import atomic

    base = abc.QUICK if args.quick else abc.Settings()
    changes: dict[str, Any] = {}
    for field in ("seed", "population", "generations", "check_draws"):
        if getattr(args, field) is not None:
            changes[field] = getattr(args, field)
    settings = dataclasses.replace(base, **changes)
    out = Path(args.out or Path("runs", "calibration" + ("_quick" if args.quick else "")))
    check_out(out)
    budget = args.budget * 60 if args.budget else None

    def say(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    kinds = [p.kind for p in abc.pat.PATTERNS.values()]
    say(
        f"calibrating {len(settings.names)} parameters against {kinds.count('pattern')} "
        f"patterns and {len(kinds) - kinds.count('pattern')} calibration target(s): population "
        f"{settings.population}, up to {settings.generations} generations, seed "
        f"{settings.seed}, out {out}"
    )
    with executor(args.workers, args.scheduler) as pool:
        result = abc.calibrate(out, pool, settings, budget_s=budget, progress=say)
        say(
            f"stopped: {result.stopped}; {result.generations} generation(s); "
            f"checking {settings.check_draws} draws on held-out seeds"
        )
        check = post_mod.held_out_check(
            pool, result.posterior, settings.seed, settings.check_draws, quick=settings.quick
        )
    atomic(out / "check.parquet", lambda p: check.to_parquet(p, index=False))
    bounds = {k: (lo, hi) for k, lo, hi in settings.priors}
    summary = post_mod.describe(result.posterior, bounds)
    atomic(out / "posterior_summary.csv", lambda p: summary.to_csv(p, index=False))
    calib = post_mod.reproduced_share(result.posterior, result.posterior["weight"].to_numpy())
    held = {c[3:]: float(check[c].mean()) for c in check.columns if c.startswith("ok_")}
    paths = [
        figures.marginals(result.posterior, summary, out / "figures" / "marginals.png"),
        figures.pairwise(result.posterior, summary, out / "figures" / "pairwise.png"),
        figures.check(check, out / "figures" / "check.png"),
    ]
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    man.update(
        complete=True,
        reproduced_calibration_weighted=calib,
        reproduced_held_out=held,
        held_out_draws=settings.check_draws,
        posterior_summary=summary.to_dict(orient="records"),
        outputs=[str(p.relative_to(out)) for p in paths],
    )
    write_json(out / "manifest.json", man)
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(
        "pattern reproduced (share): "
        + ", ".join(
            f"{k} {calib.get(k, float('nan')):.0%} calibration / {held.get(k, float('nan')):.0%} "
            "held-out"
            for k in abc.pat.PATTERNS
        )
    )
    if args.ship:
        dest = post_mod.SHIPPED
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "posterior.parquet", dest / "default.parquet")
        shutil.copyfile(out / "manifest.json", dest / "default.json")
        pd.read_parquet(dest / "default.parquet")  # readable
        print(f"shipped {dest / 'default.parquet'} and default.json")
    return 0


def register(subparsers: Any) -> None:
    """Add ``cogov calibrate`` to the command line."""
    c = subparsers.add_parser(
        "calibrate",
        help="fit the uncertain parameters to every pattern (ABC-SMC); writes a posterior",
    )
    c.add_argument("--out", help="output folder (default: runs/calibration); reused to resume")
    c.add_argument(
        "--budget",
        type=_minutes,
        metavar="MINUTES",
        help="wall-clock minutes for the generations (then the check runs)",
    )
    c.add_argument(
        "--quick",
        action="store_true",
        help="a tiny community, 90 days, 2 generations of 4 (for tests)",
    )
    c.add_argument("--seed", type=seed, help="root seed (default 20150701)")
    c.add_argument("--population", type=positive, help="particles per generation")
    c.add_argument("--generations", type=positive, help="most generations")
    c.add_argument(
        "--check-draws",
        type=positive,
        dest="check_draws",
        help="posterior draws checked on held-out seeds",
    )
    c.add_argument(
        "--ship", action="store_true", help="copy the result to experiments/posteriors/default.*"
    )
    c.add_argument("--workers", type=positive, help="local worker processes")
    c.add_argument("--scheduler", metavar="ADDR", help="a Dask scheduler address")
    c.add_argument("--quiet", action="store_true", help="no progress lines")
    c.set_defaults(fn=cmd_calibrate)


def cmd_prim(args: argparse.Namespace) -> int:
    """Print and draw the PRIM box where one arm beats another (cogov experiment prim)."""
    from sim.calibration import prim
    from sim.inputs import InputError

    arms = tuple(a.strip() for a in args.arms.split(","))
    if len(arms) != 2 or not all(arms) or arms[0] == arms[1]:
        raise InputError("--arms", "", f"two different arm names, 'a,b'; got {args.arms!r}")
    x, y = prim.beats(Path(args.folder), arms, args.metric)  # type: ignore[arg-type]
    if x.empty:
        raise InputError(
            str(args.folder),
            "",
            "no varied inputs (posterior draws or design factors) to find a region in",
        )
    arr = x.to_numpy(dtype=float)
    trajectory = prim.peel(arr, y.to_numpy(), alpha=args.alpha, min_mass=args.min_mass)
    chosen = prim.select(trajectory, args.min_coverage)
    a, b = arms
    print(f"{a} beats {b} on {args.metric} in {y.mean():.0%} of {len(y)} paired replicates")
    print(
        f"PRIM box (coverage {chosen.coverage:.0%}, density {chosen.density:.0%}, mass "
        f"{chosen.mass:.0%}): {a} beats {b} where {chosen.describe(list(x.columns), arr)}"
    )
    print("trajectory: coverage / density / mass")
    for k, box in enumerate(trajectory):
        print(
            f"  {k:3d}  {box.coverage:.2f} / {box.density:.2f} / {box.mass:.2f}  "
            f"{box.describe(list(x.columns), arr)}"
        )
    path = Path(args.folder) / "figures" / f"prim_{a}_{b}_{args.metric}.png"
    prim.figure(x, y.to_numpy(), trajectory, chosen, f"Where {a} beats {b} on {args.metric}", path)
    print(f"wrote {path}")
    return 0


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"a share between 0 and 1, got {text!r}")
    return value


def register_prim(subparsers: Any) -> None:
    """Add ``cogov experiment prim`` to the experiment subcommands."""
    p = subparsers.add_parser(
        "prim", help="PRIM: where in parameter space one arm beats another (a finished run folder)"
    )
    p.add_argument("folder", metavar="RUN_FOLDER", help="output of `cogov experiment run`")
    p.add_argument("--arms", required=True, metavar="A,B", help="the two arms compared")
    p.add_argument(
        "--metric",
        required=True,
        metavar="SUMMARY",
        help="a summary of the experiment, e.g. satisfaction_final",
    )
    p.add_argument("--alpha", type=_share, default=0.05, help="peeling share (0.05)")
    p.add_argument(
        "--min-mass",
        type=_share,
        default=0.05,
        dest="min_mass",
        help="smallest box, as a share of the points (0.05)",
    )
    p.add_argument(
        "--min-coverage",
        type=_share,
        default=0.5,
        dest="min_coverage",
        help="the chosen box holds at least this share of the wins (0.5)",
    )
    p.set_defaults(fn=cmd_prim)
