"""One progress bar for the command line: a single line on stderr, on terminals only."""

from __future__ import annotations

import sys
import time


class Bar:
    """A one-line progress bar: items done (and failed) out of ``total``, and time left.

    Args:
        total: Items in all (days of a run, runs of a sweep).
        unit: What an item is ("days", "runs").
        label: Printed before the bar.
        skipped: Items already done before this call (a resumed sweep); they count as done
            but not in the time estimate.
        enabled: False draws nothing (``--quiet``); nothing is drawn off a terminal either.
        delay: Seconds before the bar first shows (short runs print nothing).
    """

    def __init__(
        self,
        total: int,
        unit: str,
        *,
        label: str = "",
        skipped: int = 0,
        enabled: bool = True,
        delay: float = 0.0,
    ):
        self.total, self.unit, self.label, self.skipped = total, unit, label, skipped
        self.enabled = enabled and sys.stderr.isatty()
        self.delay = delay
        self.start = time.monotonic()
        self.open = False  # a partly drawn line is on the terminal

    def __call__(self, done: int, failed: int = 0) -> None:
        """Redraw after ``done`` items of this call finished and ``failed`` failed."""
        n, todo = done + failed, self.total - self.skipped
        elapsed = time.monotonic() - self.start
        if not self.enabled or (elapsed < self.delay and n < todo):
            return
        left = elapsed / n * (todo - n) if n else 0.0
        width = 30
        filled = int(width * (self.skipped + n) / self.total) if self.total else width
        mins, secs = divmod(int(left + 0.5), 60)
        label = f"{self.label} " if self.label else ""
        failures = f", {failed} failed" if failed or self.unit == "runs" else ""
        sys.stderr.write(
            f"\r{label}[{'#' * filled}{'.' * (width - filled)}] "
            f"{self.skipped + done}/{self.total} {self.unit}{failures}, "
            f"{mins}m{secs:02d}s left "
        )
        self.open = n < todo
        if not self.open:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def close(self) -> None:
        """End a partly drawn line (the work stopped early)."""
        if self.open:
            sys.stderr.write("\n")
            self.open = False
