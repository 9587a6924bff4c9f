"""Argument types shared by the ``cogov`` subcommands: a bad flag exits 2 with one line."""

from __future__ import annotations

import argparse


def whole_number(text: str, least: int) -> int:
    """Parse a whole number of at least ``least``, or raise argparse's error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
    return value


def positive(text: str) -> int:
    """A count of at least 1 (days, workers, replicates, repetitions)."""
    return whole_number(text, 1)


def seed(text: str) -> int:
    """A random seed: a whole number, 0 or more."""
    return whole_number(text, 0)
