"""``cogov bench``: the benchmarks of speed and scale (:mod:`sim.bench`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sim.bench import CASES, run_bench, table
from sim.cli.argtypes import positive
from sim.inputs import InputError, suggest


def chosen_cases(names: list[str]) -> tuple[str, ...]:
    """The cases named on the command line (all when none), checked against :data:`CASES`."""
    for name in names:
        if name not in CASES:
            raise InputError("bench", "CASE", f"unknown case {name!r}{suggest(name, list(CASES))}")
    return tuple(dict.fromkeys(names)) or tuple(CASES)


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmarks; print a table, or the JSON report with --json."""
    report = run_bench(args.repeats, args.quick, chosen_cases(args.cases))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    m = report["machine"]
    print(
        f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, numpy {m['numpy']}; load average "
        f"{', '.join(f'{x:.2f}' for x in m['load_average'])}; each case in a fresh process, "
        f"{report['repeats']} alternating round(s), thread CPU time, minimum kept"
        + ("; --quick: targets not judged" if report["quick"] else "")
    )
    print(table(report))
    for c in report["cases"]:
        if c["name"] == "sweep":
            s = c["sweep"]
            walls = "; ".join(f"{w} worker(s) {t:.2f} s" for w, t in s["wall_s"].items())
            print(
                f"sweep of {s['runs']} runs x {s['days']} days (wall): plain loop "
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
    b = sub.add_parser(
        "bench",
        help="benchmark speed and memory: ratios against their targets (each case in a fresh "
        "process)",
    )
    b.add_argument(
        "cases",
        nargs="*",
        metavar="CASE",
        help=f"cases to run (default: all): {', '.join(CASES)}",
    )
    b.add_argument("--json", action="store_true", help="print the machine-readable report")
    b.add_argument(
        "--repeats",
        type=positive,
        default=3,
        help="alternating rounds per case, the minimum kept (default 3)",
    )
    b.add_argument("--quick", action="store_true", help="tiny sizes (seconds; for tests)")
    b.set_defaults(fn=cmd_bench)
