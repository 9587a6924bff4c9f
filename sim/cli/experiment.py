"""The ``cogov experiment`` commands: list, validate, run, check and reference.

Thin: each parses, calls :mod:`sim.experiments.design`, :mod:`sim.experiments.execution` and
:mod:`sim.experiments.analysis`, and prints. Bad input raises :class:`sim.inputs.InputError`
(exit 2 in ``sim.cli.main``); failed runs, a dead worker or a failed check exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.argtypes import positive, replicates
from sim.files import atomic
from sim.progress import Bar

if TYPE_CHECKING:
    import pandas as pd

    from sim.experiments.design import Plan
    from sim.experiments.execution import Finish, SweepResult

EXIT_FAILED = 1


def _sweep(
    plan: Plan, out: Path, args: argparse.Namespace, finish: Finish | None = None
) -> SweepResult:
    from sim.experiments.execution import done_runs, executor, sweep

    exp = plan.experiment
    on_disk = len(done_runs(plan, out)) if out.exists() else 0
    where = args.scheduler or f"{args.workers or os.cpu_count()} local workers"
    print(
        f"{exp.name}: {len(plan.runs)} runs ({len(plan.points)} design point(s) x "
        f"{len(exp.arms)} arm(s) x {exp.replicates} replicate(s)), root seed {exp.seed}, "
        f"out {out}"
    )
    if on_disk:
        print(f"resuming: {on_disk} runs already in {out}, {len(plan.runs) - on_disk} to run")
    print(f"running on {where}", flush=True)
    bar = Bar(len(plan.runs), "runs", skipped=on_disk, enabled=not args.quiet)
    try:
        with executor(args.workers, args.scheduler) as pool:
            return sweep(
                plan, out, pool, progress=lambda done, failed, _: bar(done, failed), finish=finish
            )
    finally:
        bar.close()


def _report_failures(result: SweepResult) -> int:
    if not result.failed:
        return 0
    print(
        f"cogov: {len(result.failed)} of {result.total} runs failed "
        f"(details in {result.out / 'failed'}; rerun the same command to retry them):",
        file=sys.stderr,
    )
    for run_id, error in result.failed.items():
        print(f"  {run_id}: {error}", file=sys.stderr)
    return EXIT_FAILED


def _guard(fn: Any) -> Any:
    """Turn a dead worker (SweepError) into one message and exit status 1."""

    def wrapped(args: argparse.Namespace) -> int:
        from sim.experiments.execution import SweepError

        try:
            return fn(args)
        except SweepError as exc:
            print(f"cogov: error: {exc}", file=sys.stderr)
            return EXIT_FAILED

    wrapped.__doc__ = fn.__doc__
    return wrapped


def cmd_list(args: argparse.Namespace) -> int:
    """List the built-in experiments with their size, or why a file does not load."""
    from sim.experiments.design import builtin_experiments, load_experiment, run_count
    from sim.inputs import InputError
    from sim.mechanisms import MechanismError

    for name in builtin_experiments():
        try:
            exp, _, _ = load_experiment(name)
        except (InputError, MechanismError) as exc:
            print(f"{name:16s} (does not load: {exc})")
            continue
        print(f"{name:16s} {run_count(exp):5d} runs  {exp.title}")
    return 0


@_guard
def cmd_run(args: argparse.Namespace) -> int:
    """Run (or resume) an experiment; write tables and figures; exit 1 if runs failed."""
    from sim.experiments.analysis import missing_groups, write_outputs
    from sim.experiments.design import load_plan
    from sim.experiments.execution import check_out

    plan = load_plan(args.experiment, replicates=args.replicates)
    out = Path(args.out or Path("runs", "experiments", plan.experiment.name))
    check_out(out)
    paths: list[Path] = []

    def finish(table: pd.DataFrame) -> list[Path]:
        paths.extend(write_outputs(plan, out, table))
        return paths

    result = _sweep(plan, out, args, finish)
    table_md = out / "table.md"
    if table_md in paths:
        print(table_md.read_text(encoding="utf-8"))
    print(
        f"wrote {out / 'runs.parquet'} ({len(result.table)} rows), "
        + ", ".join(str(p.relative_to(out)) for p in paths)
    )
    if missing := missing_groups(plan, result.table):
        print(
            f"cogov: {len(missing)} group(s) have no finished run and are missing from the tables:",
            file=sys.stderr,
        )
        for group in missing:
            print(f"  {group}", file=sys.stderr)
    return _report_failures(result)


def cmd_validate(args: argparse.Namespace) -> int:
    """Check an experiment file and print its plan, running nothing (exit 2 if it is bad)."""
    from sim.experiments.design import SAMPLED, lattice, load_plan

    plan = load_plan(args.experiment, check=args.check)
    exp = plan.experiment
    d = exp.design
    print(f"{plan.source}: ok" + (" ([check] version)" if args.check else ""))
    print(f"  {exp.name}: {exp.title}" if exp.title else f"  {exp.name}")
    for name, base in plan.bases.items():
        print(
            f"  scenario {name}: {exp.days or base.days} days, "
            f"{base.population.residents} residents"
        )
    for name, arm in exp.arms.items():
        sets = f", set {arm.overrides}" if arm.overrides else ""
        print(f"  arm {name}: {', '.join(arm.mechanisms)}{sets}")
    print(f"  design {d.kind}" + (f", {d.samples} samples" if d.kind in SAMPLED else ""))
    for key, f in d.factors.items():
        step = lattice(key)
        grid = {None: "", 1: ", rounded to integers", 2: ", rounded to even numbers"}.get(
            step, f", rounded to multiples of {step}"
        )
        print(
            f"    {key}: "
            + (str(list(f.values)) if f.values is not None else f"{f.low} to {f.high}{grid}")
        )
    print(
        f"  {len(plan.points)} design point(s) x {len(exp.arms)} arm(s) x "
        f"{exp.replicates} replicate(s) = {len(plan.runs)} runs, "
        f"{sum(r.days for r in plan.runs)} community-days, root seed {exp.seed}"
    )
    return 0


def _reference_path(plan: Plan) -> Path:
    return Path(plan.source).parent / "references" / f"{plan.experiment.name}.csv"


def _check_table(plan: Plan, args: argparse.Namespace) -> tuple[pd.DataFrame | None, int]:
    """Run the [check] version; its reference-style table, or None and an exit status."""
    from sim.experiments.analysis import reference
    from sim.experiments.execution import check_out

    if args.out:
        check_out(Path(args.out))
    with tempfile.TemporaryDirectory(prefix="cogov-check-") as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        result = _sweep(plan, out, args)
        status = _report_failures(result)
        if status:
            return None, status
        return reference(plan, result.table), 0


@_guard
def cmd_check(args: argparse.Namespace) -> int:
    """Rerun the reduced version and compare it with the committed reference."""
    import pandas as pd

    from sim.experiments.analysis import compare
    from sim.experiments.design import load_plan
    from sim.inputs import InputError

    plan = load_plan(args.experiment, check=True)
    path = _reference_path(plan)
    if not path.is_file():
        raise InputError(
            str(path),
            "",
            f"no reference; write one with `cogov experiment reference {args.experiment}`",
        )
    try:
        ref = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InputError(str(path), "", f"cannot be read as CSV: {exc}") from None
    new, status = _check_table(plan, args)
    if new is None:
        return status
    result = compare(plan, ref, new)
    shown = result.assign(status=result["ok"].map({True: "pass", False: "FAIL"}))
    print(shown.drop(columns="ok").to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    failed = int((~result["ok"]).sum())
    k = plan.experiment.check.k_se  # type: ignore[union-attr]
    print(
        f"{len(result) - failed} of {len(result)} pass (tolerance: {k:g} standard errors "
        f"of the difference plus any band) against {path}"
    )
    return EXIT_FAILED if failed else 0


@_guard
def cmd_reference(args: argparse.Namespace) -> int:
    """Rerun the reduced version and (re)write its reference file."""
    from sim.experiments.design import load_plan

    plan = load_plan(args.experiment, check=True)
    new, status = _check_table(plan, args)
    if new is None:
        return status
    path = _reference_path(plan)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic(path, lambda p: new.to_csv(p, index=False))
    print(f"wrote {path} ({len(new)} rows)")
    return 0


def _executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers", type=positive, help="local worker processes (default: the number of cores)"
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="a Dask scheduler, e.g. tcp://10.0.0.5:8786 (needs cogov[sweep])",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def register(subparsers: Any) -> None:
    """Add ``cogov experiment ...`` to the command line's subcommands."""
    e = subparsers.add_parser("experiment", help="run, check and list experiments (sweeps)")
    sub = e.add_subparsers(dest="action", required=True, metavar="ACTION")
    sub.add_parser("list", help="list built-in experiments").set_defaults(fn=cmd_list)

    r = sub.add_parser("run", help="run or resume an experiment")
    r.add_argument(
        "experiment",
        metavar="NAME_OR_PATH",
        help="built-in name (see `cogov experiment list`) or a .toml path",
    )
    _executor_options(r)
    r.add_argument("--replicates", type=replicates, help="override the file's replicates")
    r.add_argument("--out", help="output folder (default: runs/experiments/NAME)")
    r.add_argument(
        "--resume",
        action="store_true",
        help="run only what OUT is missing (the default; accepted for clarity)",
    )
    r.set_defaults(fn=cmd_run)

    v = sub.add_parser(
        "validate", help="check an experiment file and print its plan (runs nothing)"
    )
    v.add_argument("experiment", metavar="NAME_OR_PATH")
    v.add_argument("--check", action="store_true", help="the file's [check] version")
    v.set_defaults(fn=cmd_validate)

    c = sub.add_parser("check", help="rerun the [check] version against its reference")
    c.add_argument("experiment", metavar="NAME_OR_PATH")
    _executor_options(c)
    c.add_argument("--out", help="keep the check's runs here (default: a temporary folder)")
    c.set_defaults(fn=cmd_check)

    f = sub.add_parser("reference", help="(re)write experiments/references/NAME.csv")
    f.add_argument("experiment", metavar="NAME_OR_PATH")
    _executor_options(f)
    f.set_defaults(fn=cmd_reference, out=None)
    from sim.cli.calibrate import register_prim

    register_prim(sub)
