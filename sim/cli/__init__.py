"""The ``cogov`` command line: parses, calls the Python API, prints. Bad input exits 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim.cli import bench as bench_cli
from sim.cli import calibrate as calibration_cli
from sim.cli import district as district_cli
from sim.cli import experiment as experiment_cli
from sim.cli import ui as ui_cli
from sim.cli.argtypes import check_output, days, seed
from sim.files import atomic
from sim.inputs import InputError, read_text, read_toml
from sim.mechanisms import BUILTIN, MECHANISMS, MechanismError
from sim.metrics import markdown_table as metrics_table
from sim.params import describe, markdown_table
from sim.progress import Bar
from sim.scenario import Scenario, builtin_names, defaulted_tables, load_scenario, locate

EXIT_INPUT = 2


def _assignment(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (a dotted key), got {text!r}")
    return key.strip(), value.strip()


def warn_defaulted(scenario: str) -> None:
    """Warn on stderr about tables every built-in scenario sets but this file leaves out."""
    missing = defaulted_tables(scenario)
    if missing:
        print(
            f"cogov: warning: {scenario}: tables taken from defaults: {', '.join(missing)} "
            "(every built-in scenario sets them; is the file complete?)",
            file=sys.stderr,
        )


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and print its summary; with --out write its files.

    When mechanisms beyond the administrative baseline are on, the baseline is run too, with
    the same seed (common random numbers), and the summary shows the change.
    """
    from sim.run import run, write_run

    out = check_output(args.out) if args.out else None
    overrides = dict(args.set or [])
    scenario = load_scenario(args.scenario, overrides, flag="--set")
    warn_defaulted(args.scenario)
    days = args.days or scenario.days
    bar = Bar(days, "days", label=scenario.name, enabled=not args.quiet, delay=1.0)
    result = run(
        scenario,
        days=args.days,
        seed=args.seed,
        mechanisms=args.mechanisms or None,
        progress=lambda done, _: bar(done),
    )
    mech = ", ".join(result.manifest["mechanisms"])
    print(
        f"{scenario.title or scenario.name}: {result.model.pop.n} residents, "
        f"{result.model.pop.n_households} households, {result.model.day} days, "
        f"seed {args.seed}, mechanisms: {mech}"
    )
    compare = len(result.manifest["mechanisms"]) > 1
    table = result.summary().to_frame("with mechanisms" if compare else "value")
    if compare:
        bar = Bar(
            days, "days", label=f"{scenario.name} baseline", enabled=not args.quiet, delay=1.0
        )
        base = run(
            scenario,
            days=args.days,
            seed=args.seed,
            mechanisms=["administrative"],
            progress=lambda done, _: bar(done),
        )
        table["administrative only"] = base.summary()
        table["change"] = table.iloc[:, 0] - table["administrative only"]
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    if out is not None:
        for path in write_run(result, out):
            print(f"wrote {path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate scenario files; report every one, exit 2 if any is bad."""
    bad = 0
    for item in args.scenarios:
        try:
            s = load_scenario(item)
            print(f"ok  {item}: {s.name} ({s.population.residents} residents)")
            warn_defaulted(item)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            bad += 1
    return EXIT_INPUT if bad else 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the built-in scenarios, one line each."""
    for name in builtin_names():
        raw = read_toml(locate(name))
        pop = raw.get("population", {})
        print(
            f"{name:20s} {raw.get('community_type', ''):11s} "
            f"{pop.get('residents', '?'):>7} residents  {raw.get('title', '')} "
            f"{raw.get('title_zh', '')}"
        )
    return 0


def cmd_mechanisms(args: argparse.Namespace) -> int:
    """List the mechanisms with their parameters, defaults and units."""
    for name, cls in MECHANISMS.items():
        origin = "" if name in BUILTIN else f" [plug-in: {cls.__module__}]"
        print(f"{name} ({cls.title_zh}): {cls.summary}{origin}")
        for p in describe(cls.Params):
            print(f"    {p.path} = {p.default} {p.unit}  [{p.allowed}]  {p.help}")
    return 0


def parameter_tables() -> str:
    """Every parameter as Markdown: the scenario's, then each built-in mechanism's.

    Plug-in mechanisms (other packages) document their own parameters.
    """
    parts = [markdown_table(describe(Scenario))]
    for name, cls in BUILTIN.items():
        rows = describe(cls.Params, f"mechanisms.{name}.")
        if rows:
            parts.append(f"**{name}** ({cls.title_zh})\n\n{markdown_table(rows)}")
    return "\n\n".join(parts)


README_MARKERS = ("<!-- params:start -->", "<!-- params:end -->")
METRICS_MARKERS = ("<!-- metrics table: generated, do not edit -->", "<!-- end metrics table -->")


def write_between(path: Path, markers: tuple[str, str], table: str) -> None:
    """Replace the text between a file's two markers by ``table`` (InputError without them)."""
    text = read_text(path)
    start, end = markers
    if start not in text or end not in text:
        raise InputError(str(path), "", f"needs the markers {start} and {end}")
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    atomic(path, lambda p: p.write_text(f"{head}{start}\n{table}\n{end}{tail}", encoding="utf-8"))
    print(f"updated {path}")


def cmd_params(args: argparse.Namespace) -> int:
    """Print every parameter; or write the Markdown tables into a README between markers."""
    if args.update_readme:
        write_between(Path(args.update_readme), README_MARKERS, parameter_tables())
        return 0
    if args.markdown:
        print(parameter_tables())
        return 0
    for r in describe(Scenario):
        print(f"{r.path:45s} {r.shown_default:>10} {r.unit:14s} {r.help}")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    """Print the metrics table (Markdown); or write it into a file between its markers."""
    if args.update_docs:
        write_between(Path(args.update_docs), METRICS_MARKERS, metrics_table())
        return 0
    print(metrics_table(builtin_only=False))
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``cogov``."""
    p = argparse.ArgumentParser(
        prog="cogov", description="Simulate community co-governance (社区共治) in Chinese cities."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run one scenario and print a summary")
    r.add_argument("scenario", help="built-in name (see `cogov scenarios`) or a .toml path")
    r.add_argument("--days", type=days, help="days to simulate (default: the scenario's)")
    r.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    r.add_argument(
        "--set",
        type=_assignment,
        action="append",
        metavar="KEY=VALUE",
        help="override a scenario value by dotted key; repeatable",
    )
    r.add_argument("--mechanisms", help="comma-separated mechanism names, or 'all'")
    r.add_argument("--out", help="folder for metrics.parquet/.csv, manifest.json, metrics.png")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(fn=cmd_run)

    v = sub.add_parser(
        "validate", help="check scenario files (experiments: cogov experiment validate)"
    )
    v.add_argument("scenarios", nargs="+", help="names or paths")
    v.set_defaults(fn=cmd_validate)

    sub.add_parser("scenarios", help="list built-in scenarios").set_defaults(fn=cmd_scenarios)
    sub.add_parser("mechanisms", help="list mechanisms and their parameters").set_defaults(
        fn=cmd_mechanisms
    )
    pa = sub.add_parser("params", help="list every scenario parameter")
    pa.add_argument("--markdown", action="store_true", help="as the README's Markdown tables")
    pa.add_argument(
        "--update-readme",
        metavar="PATH",
        help="rewrite the tables between the README's params markers",
    )
    pa.set_defaults(fn=cmd_params)
    me = sub.add_parser("metrics", help="list every daily metric (a Markdown table)")
    me.add_argument(
        "--update-docs",
        metavar="PATH",
        help="rewrite the table between the file's metrics-table markers",
    )
    me.set_defaults(fn=cmd_metrics)
    experiment_cli.register(sub)
    ui_cli.register(sub)
    bench_cli.register(sub)
    district_cli.register(sub)
    calibration_cli.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cogov`` console script."""
    args = parser().parse_args(argv)
    fn: Callable[[Any], int] = args.fn
    try:
        return fn(args)
    except (InputError, MechanismError) as exc:
        print(f"cogov: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head); nothing left to say
        return 0
    except KeyboardInterrupt:
        print("cogov: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
