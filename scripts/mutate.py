"""Mutation testing of the model's rules: is every rule pinned by a behavioural test?

Each mutation declared in ``scripts/mutations.toml`` is one small change to one rule (an
exact piece of source text and its replacement). For each, the repository is copied to a
scratch directory, the change applied there (the original text must occur exactly once),
and the behavioural tests run against the copy; a mutation is *killed* when a test fails.
A mutation whose changed file does not compile is *invalid* (never a kill: formatting drift in
the list must not count as a caught rule); it counts against the kill rate.
The exact-reference, documentation-drift, UI, browser and packaging tests are left out: they
catch changes, not broken rules. A mutation marked ``equivalent = "why"`` has no observable
effect; it is reported but not counted.

    .venv/bin/python scripts/mutate.py                # every mutation, one at a time
    .venv/bin/python scripts/mutate.py --list         # the declared mutations
    .venv/bin/python scripts/mutate.py --only ID ...  # some of them
    .venv/bin/python scripts/mutate.py --jobs 2       # two at a time
    .venv/bin/python scripts/mutate.py --tests tests/test_rules_model.py  # a quick look

The tests are first run once on the unchanged copy (they must pass there). Exit status 1 when
the kill rate is below ``--target`` (default 0.9), 2 on a bad list or a failing baseline.
Not part of CI (slow: one test run per mutation).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "scripts" / "mutations.toml"
#: Test files left out: they compare with stored numbers or text, or drive the UI / packaging
#: (test_mutations.py reads this list's texts, which a mutation changes).
EXCLUDED = {
    "test_reference.py",
    "test_docs.py",
    "test_mutations.py",
    "test_ui.py",
    "test_ui_browser.py",
    "test_packaging.py",
}
#: Run first: the fast rule tests kill most mutations within seconds (pytest -x stops there).
FIRST = [
    "test_behaviour.py",
    "test_rules_model.py",
    "test_rules_mechanisms.py",
    "test_rules_zones.py",
]
IGNORED_DIRS = {
    ".venv",
    ".git",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "node_modules",
    ".hypothesis",
}


@dataclass(frozen=True)
class Mutation:
    """One declared change to one rule."""

    id: str
    file: str
    original: str
    replacement: str
    rule: str
    equivalent: str = ""


def load(path: Path = LIST) -> list[Mutation]:
    """The declared mutations; each must name an existing file holding its text exactly once."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        sys.exit(f"{path}: {exc}")
    out, seen, errors = [], set(), []
    for k, row in enumerate(table.get("mutation", [])):
        where = f"{path.name}: mutation {k + 1} ({row.get('id', '?')})"
        missing = {"id", "file", "original", "replacement", "rule"} - set(row)
        extra = set(row) - {"id", "file", "original", "replacement", "rule", "equivalent"}
        if missing or extra:
            errors.append(f"{where}: missing {sorted(missing)}, unknown {sorted(extra)}")
            continue
        m = Mutation(**row)
        if m.id in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(m.id)
        source = ROOT / m.file
        if not source.is_file():
            errors.append(f"{where}: no file {m.file}")
            continue
        count = source.read_text(encoding="utf-8").count(m.original)
        if count != 1:
            errors.append(
                f"{where}: original text found {count} times in {m.file} (must be exactly once)"
            )
        if m.original == m.replacement:
            errors.append(f"{where}: replacement equals the original")
        out.append(m)
    if errors:
        sys.exit("\n".join(errors))
    return out


def test_files() -> list[str]:
    """The behavioural test files, the fast rule tests first."""
    names = sorted(p.name for p in (ROOT / "tests").glob("test_*.py") if p.name not in EXCLUDED)
    first = [n for n in FIRST if n in names]
    return [f"tests/{n}" for n in first + [n for n in names if n not in first]]


def scratch_copy(dest: Path) -> None:
    """Copy the repository's working tree (no venv, no git, no caches) to ``dest``."""
    shutil.copytree(ROOT, dest, ignore=lambda _d, names: [n for n in names if n in IGNORED_DIRS])


def environment(tree: Path) -> dict[str, str]:
    """The environment that imports ``sim`` from ``tree`` (first on sys.path)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


#: The unchanged tree, run first: every test must pass there, or no verdict means anything.
BASELINE = Mutation("baseline", "", "", "", "no change")


def run_one(m: Mutation, tests: list[str], timeout: float) -> tuple[str, float, str]:
    """Apply one mutation in a scratch copy and run the tests: (verdict, seconds, detail)."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"cogov-mut-{m.id}-") as tmp:
        tree = Path(tmp) / "repo"
        scratch_copy(tree)
        if m is not BASELINE:
            target = tree / m.file
            text = target.read_text(encoding="utf-8")
            if text.count(m.original) != 1:
                raise SystemExit(f"{m.id}: original text not found exactly once in {m.file}")
            mutated = text.replace(m.original, m.replacement)
            if target.suffix == ".py":
                try:
                    compile(mutated, m.file, "exec", dont_inherit=True)
                except SyntaxError as exc:  # a broken edit, not a test's verdict
                    return "invalid", time.monotonic() - start, f"does not compile: {exc}"
            target.write_text(mutated, encoding="utf-8")
        env = environment(tree)
        where = subprocess.run(
            [sys.executable, "-c", "import sim; print(sim.__file__)"],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
        )
        if not where.stdout.strip().startswith(str(tree)):
            raise SystemExit(
                f"{m.id}: the scratch copy's sim is not imported first "
                f"({where.stdout.strip() or where.stderr.strip()})"
            )
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        try:
            proc = subprocess.run(
                cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return "timeout", time.monotonic() - start, ""
    seconds = time.monotonic() - start
    if proc.returncode == 0:
        return "survived", seconds, ""
    failed = [line for line in proc.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    return "killed", seconds, failed[0] if failed else proc.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    """Run the declared mutations (or list them); the exit status judges the kill rate."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="print the declared mutations and exit")
    ap.add_argument("--only", nargs="+", metavar="ID", help="run these mutations only")
    ap.add_argument("--jobs", type=int, default=1, help="mutations run at once (default 1)")
    ap.add_argument("--target", type=float, default=0.9, help="least kill rate (default 0.9)")
    ap.add_argument(
        "--tests",
        nargs="+",
        metavar="FILE",
        help="run these test files instead (a quick look; the kill rate then counts these only)",
    )
    ap.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the first run of the tests on the unchanged tree",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="seconds one mutation's test run may take (default 3600)",
    )
    args = ap.parse_args(argv)
    mutations = load()
    if args.list:
        for m in mutations:
            tag = "  [equivalent]" if m.equivalent else ""
            print(f"{m.id:32s} {m.file:40s} {m.rule}{tag}")
        return 0
    if args.only:
        unknown = set(args.only) - {m.id for m in mutations}
        if unknown:
            print(f"--only: unknown mutation id(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        mutations = [m for m in mutations if m.id in args.only]
    if args.jobs < 1:
        print("--jobs: must be at least 1", file=sys.stderr)
        return 2
    tests = args.tests or test_files()
    print(f"{len(mutations)} mutations; tests: {' '.join(tests)}", flush=True)
    if not args.no_baseline:
        verdict, seconds, detail = run_one(BASELINE, tests, args.timeout)
        print(
            f"baseline (unchanged tree): {'passes' if verdict == 'survived' else verdict} "
            f"in {seconds:.0f} s {detail}",
            flush=True,
        )
        if verdict != "survived":
            print("the tests fail on the unchanged tree: fix them first", file=sys.stderr)
            return 2
    results: dict[str, str] = {}

    def job(m: Mutation) -> None:
        verdict, seconds, detail = run_one(m, tests, args.timeout)
        results[m.id] = verdict
        note = f"  (equivalent: {m.equivalent})" if m.equivalent else ""
        print(f"{verdict:8s} {m.id:32s} {seconds:6.0f} s  {detail}{note}", flush=True)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(job, mutations))
    counted = [m for m in mutations if not m.equivalent]
    killed = [m for m in counted if results[m.id] == "killed"]
    survivors = [m for m in mutations if results[m.id] != "killed"]
    rate = len(killed) / len(counted) if counted else 1.0
    print(
        f"\nkilled {len(killed)} of {len(counted)} counted mutations: {rate:.1%} "
        f"(target {args.target:.0%}; {len(mutations) - len(counted)} declared equivalent)"
    )
    for m in survivors:
        kind = "equivalent" if m.equivalent else results[m.id]
        print(f"  {kind}: {m.id} ({m.file}): {m.rule}")
    return 0 if rate >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
