"""``cogov district run``: a district of many communities (:mod:`sim.experiments.district`)."""

from __future__ import annotations

import argparse
import json
import tempfile
from typing import Any

from sim.cli import argtypes
from sim.experiments.district.execution import run_district
from sim.experiments.district.schema import (
    load_district,
)
from sim.files import atomic


def cmd_run(args: argparse.Namespace) -> int:
    """Run a district and print a summary by sub-district; with --out write the tables."""
    from sim.experiments.execution import executor as make_executor

    out = argtypes.check_output(args.out) if args.out else None
    spec = load_district(args.district)
    print(
        f"{spec.title or spec.name}: {len(spec.sub_districts)} sub-districts, "
        f"{spec.n_communities} communities, {args.days} days, seed {args.seed}, "
        f"{args.workers} worker(s)"
    )
    if args.workers > 1:
        with make_executor(args.workers) as pool, tempfile.TemporaryDirectory() as store:
            result = run_district(
                spec,
                args.days,
                args.seed,
                args.mechanisms,
                pool,
                in_flight=args.workers + 1,
                store=store,
            )
    else:
        result = run_district(spec, args.days, args.seed, args.mechanisms)
    print(result.summary().to_string(float_format=lambda v: f"{v:.3f}"))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        atomic(out / "metrics.parquet", lambda p: result.metrics.to_parquet(p, index=False))
        atomic(out / "queues.parquet", lambda p: result.queues.to_parquet(p, index=False))
        atomic(
            out / "manifest.json",
            lambda p: p.write_text(
                json.dumps(result.manifest, indent=2, ensure_ascii=False), encoding="utf-8"
            ),
        )
        print(f"wrote {out}/metrics.parquet, queues.parquet, manifest.json")
    return 0


def register(sub: Any) -> None:
    """Add ``cogov district run`` to the CLI's subcommands."""
    d = sub.add_parser("district", help="run a district of many communities")
    dsub = d.add_subparsers(dest="district_command", required=True, metavar="COMMAND")
    r = dsub.add_parser("run", help="run a district and summarise it by sub-district")
    r.add_argument("district", help="built-in name (gulou) or a district .toml path")
    r.add_argument("--days", type=argtypes.days, default=365, help="days to simulate (default 365)")
    r.add_argument("--seed", type=argtypes.seed, default=0, help="random seed (default 0)")
    r.add_argument(
        "--workers",
        type=argtypes.positive,
        default=1,
        help="worker processes, one sub-district a task (default 1: in-process)",
    )
    r.add_argument("--mechanisms", help="comma-separated mechanisms (default: the district's)")
    r.add_argument("--out", help="folder for metrics.parquet, queues.parquet, manifest.json")
    r.set_defaults(fn=cmd_run)
