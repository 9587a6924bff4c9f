"""Argument types shared by the ``cogov`` subcommands: a bad flag exits 2 with one line.

Bounds come from the declarations (:data:`sim.params.MAX_DAYS`, :data:`MAX_REPLICATES`), so a
flag accepts what the same value in a file accepts. :func:`check_output` checks an output
folder before anything is simulated, so a bad ``--out`` never costs a finished run.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from sim.inputs import InputError
from sim.params import MAX_DAYS, MAX_REPLICATES


def whole_number(text: str, least: int, most: int | None = None) -> int:
    """Parse a whole number of ``least`` to ``most`` (None: no bound), or raise argparse's."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < least or (most is not None and value > most):
        allowed = f"at least {least}" if most is None else f"{least} to {most}"
        raise argparse.ArgumentTypeError(f"must be {allowed}, got {value}")
    return value


def positive(text: str) -> int:
    """A count of at least 1 (workers, repetitions)."""
    return whole_number(text, 1)


def days(text: str) -> int:
    """Days to simulate: 1 to the declared longest horizon."""
    return whole_number(text, 1, MAX_DAYS)


def replicates(text: str) -> int:
    """Replicates of an experiment: 1 to the declared maximum."""
    return whole_number(text, 1, MAX_REPLICATES)


def seed(text: str) -> int:
    """A random seed: a whole number, 0 or more."""
    return whole_number(text, 0)


def _unwritable(folder: Path) -> str | None:
    """Why no file can be made in ``folder`` (a real probe: root, ACLs, read-only mounts)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


def output_problem(path: Path) -> str | None:
    """Why ``path`` cannot be (or become) an output folder; None when it can."""
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            return "exists and is not a folder"
        problem = _unwritable(path)
        return None if problem is None else f"is a folder that cannot be written ({problem})"
    for ancestor in path.absolute().parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                return f"is below {ancestor}, which is not a folder"
            problem = _unwritable(ancestor)
            return (
                None
                if problem is None
                else f"cannot be created: {ancestor} cannot be written ({problem})"
            )
    return None


def check_output(text: str | Path, flag: str = "--out") -> Path:
    """The output folder ``text``, checked before any run starts.

    Raises:
        InputError: naming ``flag`` and why the folder cannot be written.
    """
    path = Path(text)
    problem = output_problem(path)
    if problem is not None:
        raise InputError(flag, "", f"{path} {problem}")
    return path
