"""What one browser session simulates, and everything the page needs that is not Solara.

A :class:`RunConfig` says which community, which mechanisms (one set, or two for A/B), which
overrides and which seed; a :class:`Simulation` holds the models it builds (both sets on the
same community and seed, so they share random numbers) behind a lock, because a background
task steps them while the page reads them. The page keeps one Simulation per session; nothing
here is shared between sessions.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.inputs import InputError, read_toml
from sim.mechanisms import MECHANISMS, PACKAGES
from sim.metrics import METRICS
from sim.model import CommunityModel
from sim.params import ParamInfo, describe
from sim.scenario import Scenario, builtin_names, load_scenario, locate, parse_value, to_toml

#: Day 0 of a run: the start of the third batch of experimental zones (article: July 2015).
START = date(2015, 7, 1)
MONTH, YEAR = 30, 365
MAX_UPLOAD = 1_000_000  # bytes

#: The parameters shown to officials first; others of a switched-on mechanism sit under
#: "more settings". Paths that the declarations do not (yet) have are left out.
OFFICIAL_PARAMS = (
    "committee.admin_share",
    "committee.staff",
    "population.online_share_elderly",
    "mechanisms.joint_meeting.interval_days",
    "mechanisms.joint_meeting.invitations",
    "mechanisms.cloud_consultation.proxy_share",
    "mechanisms.palm_community.launch_day",
    "mechanisms.rotation_duty.on_duty",
)

#: Headline cards: (metric, how the daily column is summarised, number format).
HEADLINES = (
    ("participation_rate", "last", "pct"),
    ("satisfaction_mean", "last", "2f"),
    ("issues_open", "last", "int"),
    ("issues_resolved_total", "last", "int"),
    ("social_worker_hours", "mean30", "1f"),
    ("conflicts", "sum30", "int"),
)
GROUPS = ("elderly", "nonelderly", "online", "offline")
WINDOW = 30


# ---------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class Source:
    """Where the community comes from: a built-in name, or an uploaded and validated file."""

    name: str
    uploaded: Scenario | None = None

    def load(self, overrides: dict[str, Any] | None = None) -> Scenario:
        """The scenario with ``overrides`` applied (raises :class:`InputError`)."""
        return load_scenario(self.uploaded if self.uploaded is not None else self.name, overrides)


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run: a change to any field starts again at day 0."""

    source: Source = Source("xianlu_xincun")
    overrides: tuple[tuple[str, Any], ...] = ()
    mechanisms_a: tuple[str, ...] = ("administrative",)
    mechanisms_b: tuple[str, ...] | None = None
    seed: int = 0

    def scenario(self) -> Scenario:
        """The validated scenario of this run."""
        return self.source.load(dict(self.overrides))

    def with_override(self, path: str, value: Any) -> RunConfig:
        """This configuration with one more (or a changed) override."""
        rest = tuple((k, v) for k, v in self.overrides if k != path)
        return replace(self, overrides=(*rest, (path, value)))

    def with_mechanism(self, which: str, name: str, on: bool) -> RunConfig:
        """This configuration with a mechanism switched on or off in set ``which`` (A or B)."""
        current = self.mechanisms_a if which == "A" else self.mechanisms_b or ()
        return self._with_set(which, set(current) | {name} if on else set(current) - {name})

    def with_package(self, which: str, package: str) -> RunConfig:
        """This configuration with set ``which`` (A or B) exactly a zone's package.

        The package's mechanisms are on, every other is off; ``administrative`` stays on.
        """
        return self._with_set(which, set(PACKAGES[package].mechanisms))

    def _with_set(self, which: str, chosen: set[str]) -> RunConfig:
        ordered = tuple(n for n in MECHANISMS if n in chosen or n == "administrative")
        return replace(self, **{"mechanisms_a" if which == "A" else "mechanisms_b": ordered})

    def with_compare(self, on: bool) -> RunConfig:
        """A/B on (set B starts as every mechanism) or off."""
        return replace(self, mechanisms_b=tuple(MECHANISMS) if on else None)


def package_of(mechanisms: tuple[str, ...] | None) -> str | None:
    """The zone package whose mechanisms a set is exactly (besides the baseline), or None."""
    chosen = set(mechanisms or ()) - {"administrative"}
    return next((n for n, p in PACKAGES.items() if set(p.mechanisms) == chosen), None)


def scenario_value(spec: Scenario, path: str) -> Any:
    """A parameter's value in a (loaded) scenario; a mechanism's defaults to its declaration."""
    parts = path.split(".")
    if parts[0] == "mechanisms":
        name, key = parts[1], parts[2]
        table = spec.mechanisms.get(name, {})
        return table[key] if key in table else MECHANISMS[name].Params.model_fields[key].default
    node: Any = spec
    for part in parts:
        node = getattr(node, part)
    return node


def builtin_choices() -> list[tuple[str, str, str]]:
    """The built-in scenarios as (name, English title, Chinese title)."""
    out = []
    for name in builtin_names():
        raw = read_toml(locate(name))
        out.append(
            (name, raw.get("title") or name, raw.get("title_zh") or raw.get("title") or name)
        )
    return out


def controls(
    spec: Scenario, mechanisms: set[str]
) -> tuple[list[ParamInfo], dict[str, list[ParamInfo]]]:
    """The parameter fields to show, from the declarations.

    Returns:
        The official parameters (scenario ones, then those of switched-on mechanisms), and by
        mechanism name the other declared parameters of each switched-on mechanism.
    """
    rows = {r.path: r for r in describe(type(spec))}
    more: dict[str, list[ParamInfo]] = {}
    for name in MECHANISMS:
        if name in mechanisms:
            mech_rows = describe(MECHANISMS[name].Params, f"mechanisms.{name}.")
            rows.update({r.path: r for r in mech_rows})
            others = [r for r in mech_rows if r.path not in OFFICIAL_PARAMS]
            if others:
                more[name] = others
    return [rows[p] for p in OFFICIAL_PARAMS if p in rows], more


def check_override(config: RunConfig, path: str, text: str) -> tuple[Any, str | None]:
    """Parse and validate a field's text as an override of ``path``.

    Returns:
        The parsed value and None, or None and the validator's message for the field.
    """
    value = parse_value(text.strip())
    try:
        config.with_override(path, value).scenario()
    except InputError as exc:
        return None, exc.message if exc.field == path else f"{exc.field}: {exc.message}"
    return value, None


def check_seed(text: str) -> int | None:
    """A seed typed in a field, or None when it is not a whole number 0 or more."""
    text = text.strip()
    return int(text) if text.isdigit() else None


def load_upload(name: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario file as the CLI does; messages name the uploaded file.

    Raises:
        InputError: the file or a field is wrong, or the file is over 1 MB.
    """
    filename = Path(name).name or "scenario.toml"
    if len(data) > MAX_UPLOAD:
        raise InputError(filename, "", "the file is larger than 1 MB")
    with tempfile.TemporaryDirectory(prefix="cogov-ui-") as tmp:
        path = Path(tmp) / (filename if filename.endswith(".toml") else filename + ".toml")
        path.write_bytes(data)
        try:
            return load_scenario(path)
        except InputError as exc:
            raise InputError(filename, exc.field, exc.message) from None


# ---------------------------------------------------------------------------- the run
@dataclass(frozen=True, eq=False)
class Frame:
    """A consistent snapshot of the run for drawing: one entry per set (A, and B if any)."""

    day: int
    metrics: dict[str, pd.DataFrame]
    satisfaction: dict[str, np.ndarray]
    participants: dict[str, np.ndarray]
    start: dict[str, dict[str, float]]
    group_sizes: dict[str, int]
    layout_key: str
    seed: int
    models: dict[str, CommunityModel] = field(repr=False)

    @property
    def sets(self) -> list[str]:
        """The mechanism sets in this frame, "A" first."""
        return list(self.metrics)


class Simulation:
    """One session's run: a model per mechanism set on the same community and seed.

    Args:
        config: What to simulate.

    Raises:
        InputError: the scenario or an override is invalid.
    """

    def __init__(self, config: RunConfig):
        self.config = config
        self.spec = config.scenario()
        self.lock = threading.Lock()
        sets = {"A": config.mechanisms_a}
        if config.mechanisms_b is not None:
            sets["B"] = config.mechanisms_b
        self.models = {
            k: CommunityModel(self.spec, rng=config.seed, mechanisms=list(v))
            for k, v in sets.items()
        }
        self.start = {
            k: {name: float(METRICS[name](m)) for name, _, _ in HEADLINES}
            for k, m in self.models.items()
        }
        self.layout_key = f"{hash_spec(self.spec)}:{config.seed}"
        self._frame: Frame | None = None

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return self.models["A"].day

    def step(self, days: int = 1) -> None:
        """Simulate ``days`` days in every set."""
        for _ in range(days):
            with self.lock:
                for model in self.models.values():
                    model.step()

    def run_until(
        self,
        target: int,
        keep_going: Callable[[], bool],
        on_chunk: Callable[[], None],
        chunk_seconds: float = 0.25,
    ) -> None:
        """Step towards day ``target`` in chunks of about ``chunk_seconds``.

        Args:
            target: The day to reach.
            keep_going: Asked before every day; stepping stops when it says False (pause).
            on_chunk: Called after each chunk (the page redraws there).
            chunk_seconds: Wall time simulated between redraws.
        """
        while self.day < target and keep_going():
            t0 = time.perf_counter()
            self.step()  # at least a day a chunk
            while self.day < target and keep_going() and time.perf_counter() - t0 < chunk_seconds:
                self.step()
            on_chunk()

    def frame(self) -> Frame:
        """A snapshot of the current day (cached until the next step)."""
        with self.lock:
            if self._frame is None or self._frame.day != self.day:
                pop = self.models["A"].pop
                self._frame = Frame(
                    day=self.day,
                    metrics={k: m.metrics() for k, m in self.models.items()},
                    satisfaction={k: m.state.satisfaction.copy() for k, m in self.models.items()},
                    participants={k: m.recent_participants() for k, m in self.models.items()},
                    start=self.start,
                    group_sizes={g: int(getattr(pop, g).sum()) for g in GROUPS},
                    layout_key=self.layout_key,
                    seed=self.config.seed,
                    models=self.models,
                )
            return self._frame


def hash_spec(spec: Scenario) -> str:
    """A short fingerprint of a scenario's content (the community-view cache key)."""
    return hashlib.sha1(spec.model_dump_json().encode()).hexdigest()[:16]


def calendar_date(day: int) -> date:
    """The calendar date of a day of the run."""
    return START + timedelta(days=day)


# ---------------------------------------------------------------------------- figures
def headline(frame: Frame, key: str, how: str) -> dict[str, tuple[float, float]]:
    """A headline value and its change since day 0, by mechanism set."""
    out = {}
    for which, df in frame.metrics.items():
        start = frame.start[which][key]
        if df.empty:
            out[which] = (start, 0.0)
            continue
        col = df[key]
        value = {
            "last": col.iloc[-1],
            "mean30": col.iloc[-WINDOW:].mean(),
            "sum30": col.iloc[-WINDOW:].sum(),
        }[how]
        out[which] = (float(value), float(value) - start)
    return out


def fmt(value: float, kind: str, signed: bool = False) -> str:
    """A headline number as shown: percent (points for a change), fixed decimals or count."""
    if value != value:  # NaN
        return "–"
    sign = "+" if signed else ""
    # rounded first, so that a tiny negative change shows as +0.00, not -0.00
    if kind == "pct":
        return f"{round(value * 100, 1) + 0.0:{sign}.1f}" + (" pt" if signed else "%")
    if kind == "int":
        return f"{round(value) + 0:{sign},d}"
    return f"{round(value, int(kind[0])) + 0.0:{sign}.{kind}}"


def breakdown(frame: Frame) -> dict[str, dict[str, tuple[float, float]]]:
    """Participation and satisfaction by group (elderly, online, ...), by mechanism set.

    Read from the day's metrics row (the same numbers as the charts and the CSV).
    """
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for which, df in frame.metrics.items():
        if df.empty:
            model = frame.models[which]
            row = {name: METRICS[name](model) for name in METRICS if name.endswith(GROUPS)}
        else:
            row = df.iloc[-1].to_dict()
        out[which] = {
            g: (float(row[f"participation_rate_{g}"]), float(row[f"satisfaction_mean_{g}"]))
            for g in GROUPS
        }
    return out


# ---------------------------------------------------------------------------- export
def metrics_csv(frame: Frame) -> str:
    """The daily metrics as CSV; with A/B, both sets with a ``set`` column first."""
    tables = [df.assign(set=which) for which, df in frame.metrics.items()]
    table = pd.concat(tables, ignore_index=True)
    table = table[["set", *[c for c in table.columns if c != "set"]]]
    buf = io.StringIO()
    table.to_csv(buf, index=False)
    return buf.getvalue()


def scenario_toml(sim: Simulation) -> str:
    """The run's scenario as TOML, with set A's mechanisms and their parameters.

    The file loads with ``cogov run FILE`` (and in this UI) to give the same run.
    """
    data = sim.spec.model_dump(mode="json")
    data["mechanisms"] = {
        m.name: m.params.model_dump(mode="json") for m in sim.models["A"].mechanisms
    }
    header = [f"# Exported by cogov ui: {sim.spec.name}, seed {sim.config.seed}, day {sim.day}."]
    if "B" in sim.models:
        names = ", ".join(m.name for m in sim.models["B"].mechanisms)
        header.append(f"# The mechanisms below are set A's; set B had: {names}.")
    return "\n".join(header) + "\n" + to_toml(data)
