"""``cogov bench``: the benchmarks of speed and scale (:mod:`sim.bench`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sim.bench import run_bench, table
from sim.cli.argtypes import positive


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmarks; print a table, or the JSON report with --json."""
    report = run_bench(args.repeats, args.quick)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    m = report["machine"]
    print(
        f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, numpy {m['numpy']}; "
        f"{report['repeats']} repetition(s) per case, each in a fresh process"
    )
    print(table(report))
    for note in report["skipped"]:
        print(f"skipped {note}")
    for c in report["cases"]:
        if c["name"] == "sweep":
            s = c["sweep"]
            walls = "; ".join(f"{w} worker(s) {t:.2f} s" for w, t in s["wall_s"].items())
            print(
                f"sweep of {s['runs']} runs x {s['days']} days: plain loop "
                f"{s['loop_s']:.2f} s; {walls}"
            )
        if c["name"] == "classic":
            for k in c["kernels"]:
                print(
                    f"classic {k['name']}: {k['median_s'] * 1e3:.1f} ms "
                    f"({k['unit_rate']:.3g} units/s)"
                )
    return 0


def register(sub: Any) -> None:
    """Add ``cogov bench`` to the CLI's subcommands."""
    b = sub.add_parser("bench", help="benchmark speed and memory (each case in a fresh process)")
    b.add_argument("--json", action="store_true", help="print the machine-readable report")
    b.add_argument(
        "--repeats",
        type=positive,
        default=3,
        help="repetitions per case, median reported (default 3)",
    )
    b.add_argument("--quick", action="store_true", help="tiny sizes (seconds; for tests)")
    b.set_defaults(fn=cmd_bench)
