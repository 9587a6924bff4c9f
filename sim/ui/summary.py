"""What the numbers on the page mean: ensemble statistics, verdicts and the plain summary.

Each set runs as an ensemble of replicates (seeds, with posterior draws when the shipped
posterior loads). A headline's value per replicate is summarised with the experiment
analysis's own statistics (the intervals of :func:`sim.experiments.analysis.grouped`: mean +-
t(0.975, n-1) x sd / sqrt(n)). B - A is paired by replicate (both sets share
replicate r's seed and draw), so its interval is that of the paired differences. A difference
whose interval excludes 0 is "better" or "worse" by the metric's declared direction
(``better`` in :mod:`sim.metrics`), else "not distinguishable from chance".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiments.analysis import _ci
from sim.metrics import SPECS
from sim.ui.i18n import metric_label, t
from sim.ui.state import HEADLINES, WINDOW, Frame, fmt

#: What a verdict looks like on a card: (text key, colour).
VERDICT_STYLE = {
    "better": "#2e7d32",
    "worse": "#c62828",
    "more": "#1565c0",
    "less": "#1565c0",
    "chance": "#757575",
    "unknown": "#757575",
    "day0": "#757575",
}


@dataclass(frozen=True)
class Estimate:
    """A mean over replicates with its 95% confidence interval (NaN bounds below n = 2)."""

    mean: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class Comparison:
    """One headline: each set's estimate, B - A paired by replicate, and the verdict."""

    key: str
    how: str
    kind: str
    sets: dict[str, Estimate]
    diff: Estimate | None
    verdict: str | None  # better, worse, more, less, chance, unknown, day0; None without B


def value_of(table: pd.DataFrame, key: str, how: str, start: float) -> float:
    """A headline's value of one replicate's daily table (``start`` before the first day)."""
    if table.empty:
        return start
    col = table[key]
    if how == "last":
        return float(col.iloc[-1])
    window = col.iloc[-WINDOW:]
    return float(window.mean() if how == "mean30" else window.sum())


def replicate_values(frame: Frame, key: str, how: str) -> dict[str, list[float]]:
    """A headline's value in every replicate that has reached the frame's day, by set."""
    return {
        which: [value_of(df, key, how, frame.start[which].get(key, np.nan)) for df in tables]
        for which, tables in frame.runs.items()
    }


def estimates(values: dict[str, list[float]]) -> dict[str, Estimate]:
    """Mean and 95% CI of each group's values, as the experiment tables compute them.

    The half-width is :func:`sim.experiments.analysis._ci` of the sample sd (``ddof=1``), the
    function behind :func:`~sim.experiments.analysis.grouped`'s intervals (the tests check the
    two agree); numpy instead of a pandas group-by keeps a card's redraw fast.
    """
    out = {}
    for which, vs in values.items():
        x = np.asarray(vs, dtype=float)
        mean = float(x.mean()) if len(x) else float("nan")
        sd = float(x.std(ddof=1)) if len(x) > 1 else float("nan")
        half = float(_ci(sd, len(x)))
        out[which] = Estimate(mean, mean - half, mean + half, len(x))
    return out


def verdict(diff: Estimate, better: str | None) -> str:
    """The verdict's word: better or worse (more or less without a direction), chance, unknown."""
    if diff.n < 2 or not np.isfinite(diff.low) or not np.isfinite(diff.high):
        return "unknown"
    if diff.low > 0:
        higher = True
    elif diff.high < 0:
        higher = False
    else:
        return "chance"
    if better is None:
        return "more" if higher else "less"
    return "better" if higher == (better == "higher") else "worse"


def compare(frame: Frame, key: str, how: str, kind: str) -> Comparison:
    """A headline's estimates per set and, with B, its paired difference and verdict."""
    values = replicate_values(frame, key, how)
    if "B" in values:
        n = min(len(values["A"]), len(values["B"]))
        values["B - A"] = [b - a for a, b in zip(values["A"][:n], values["B"][:n], strict=True)]
    est = estimates(values)
    diff = est.pop("B - A", None)
    if diff is None:
        return Comparison(key, how, kind, est, None, None)
    word = "day0" if frame.day == 0 else verdict(diff, SPECS[key].better)
    return Comparison(key, how, kind, est, diff, word)


def comparisons(frame: Frame) -> list[Comparison]:
    """Every headline card's comparison, in card order."""
    return [compare(frame, key, how, kind) for key, how, kind in HEADLINES]


def interval(est: Estimate, kind: str, signed: bool, lang: str) -> str:
    """An estimate as text: the mean, and its 95% range when there are two replicates or more."""
    text = fmt(est.mean, kind, signed, lang)
    if est.n < 2 or not np.isfinite(est.low):
        return text
    lo, hi = fmt(est.low, kind, signed, lang), fmt(est.high, kind, signed, lang)
    return t("range", lang, value=text, low=lo, high=hi)


def verdict_text(c: Comparison, lang: str) -> str:
    """The verdict of a card in words."""
    assert c.verdict is not None and c.diff is not None
    return t(f"verdict_{c.verdict}", lang, n=c.diff.n)


# ---------------------------------------------------------------------------- plain summary
#: The groups of the summary's "for whom" sentence: (metric, group text key).
FOR_WHOM = (
    ("participation_rate_elderly", "whom_elderly"),
    ("participation_rate_offline", "whom_offline"),
)


def sure_words(c: Comparison, lang: str) -> str:
    """How sure a difference is, in words."""
    return t("sure_" + ("yes" if c.verdict in ("better", "worse", "more", "less") else "no"), lang)


def plain_summary(frame: Frame, lang: str, set_names: dict[str, str]) -> list[str]:
    """A few sentences on what the numbers say, generated from them (Chinese or English).

    Without B: where the run stands. With B: what changed between A and B, by how much, for
    the elderly and offline residents, at what cost in social-worker hours, and how sure.
    """
    n = frame.done
    when = t("summary_when", lang, day=frame.day, n=n, total=frame.replicates)
    if frame.day == 0:
        return [t("summary_day0", lang)]
    out = [when]
    by_key = {c.key: c for c in comparisons(frame)}
    part = by_key["participation_rate"]
    if "B" not in frame.runs:
        a = part.sets["A"]
        if a.mean == 0:
            out.append(t("summary_no_participation", lang))
        else:
            out.append(
                t(
                    "summary_single",
                    lang,
                    p=interval(a, "pct", False, lang),
                    s=interval(by_key["satisfaction_mean"].sets["A"], "2f", False, lang),
                )
            )
        return out
    out.append(t("summary_sets", lang, a=set_names["A"], b=set_names["B"]))
    for key in ("participation_rate", "satisfaction_mean"):
        c = by_key[key]
        assert c.diff is not None
        out.append(
            t(
                "summary_change",
                lang,
                what=metric_label(key, lang),
                a=fmt(c.sets["A"].mean, c.kind, False, lang),
                b=fmt(c.sets["B"].mean, c.kind, False, lang),
                diff=interval(c.diff, c.kind, True, lang),
                verdict=verdict_text(c, lang),
            )
        )
    whom = []
    for key, group in FOR_WHOM:
        c = compare(frame, key, "last", "pct")
        if c.diff is not None and np.isfinite(c.diff.mean):
            whom.append(
                t(
                    "summary_group",
                    lang,
                    group=t(group, lang),
                    diff=interval(c.diff, "pct", True, lang),
                    sure=sure_words(c, lang),
                )
            )
    if whom:
        out.append(t("summary_whom", lang, groups=t("list_sep", lang).join(whom)))
    hours = by_key["social_worker_hours"]
    assert hours.diff is not None
    out.append(
        t(
            "summary_cost",
            lang,
            a=fmt(hours.sets["A"].mean, "1f", False, lang),
            b=fmt(hours.sets["B"].mean, "1f", False, lang),
            diff=interval(hours.diff, "1f", True, lang),
            sure=sure_words(hours, lang),
        )
    )
    out.append(t("summary_sure", lang, n=n))
    return out
