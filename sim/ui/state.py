"""What one browser session simulates, and everything the page needs that is not Solara.

A :class:`RunConfig` says which community, which mechanisms (one set, or two for A/B), which
overrides, which seed and how many seeds; a :class:`Simulation` holds the models it builds
(an ensemble of replicates per set, replicate r of both sets on the same seed and posterior
draw, so they share random numbers) behind locks, because background threads step them while
the page reads them. The page keeps one Simulation per session; nothing here is shared
between sessions. A run's setup also travels as a short code in the page's address
(:func:`share_code`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.design import Plan, plan, validate
from sim.experiments.execution import Task, task
from sim.inputs import InputError, read_toml
from sim.mechanisms import MECHANISMS, PACKAGES
from sim.metrics import METRICS, label
from sim.model import CommunityModel
from sim.params import ParamInfo, describe, find
from sim.scenario import Scenario, builtin_names, load_scenario, locate, to_toml
from sim.ui.i18n import zh_text

#: Day 0 of a run: the start of the third batch of experimental zones (article: July 2015).
START = date(2015, 7, 1)
MONTH, YEAR = 30, 365
MAX_UPLOAD = 1_000_000  # bytes
REPLICATES = 10  # seeds per set: the page's ensemble
YIELD = 0.01  # seconds a background replicate sleeps per day while replicate 0 runs

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
#: The metrics an exported experiment keeps: the cards' and the groups'.
SUMMARY_METRICS = (
    *(key for key, _, _ in HEADLINES),
    *(f"{m}_{g}" for m in ("participation_rate", "satisfaction_mean") for g in GROUPS),
)
#: The columns the page reads of the background replicates (cards, charts, groups).
SHOWN_METRICS = ("day", "trust_mean", *SUMMARY_METRICS)
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
    replicates: int = REPLICATES
    #: Off by default: the shipped posterior predates the causal core (issue 20).
    posterior: bool = False

    def sets(self) -> dict[str, tuple[str, ...]]:
        """The mechanism sets by name: A, and B with A/B."""
        out = {"A": self.mechanisms_a}
        if self.mechanisms_b is not None:
            out["B"] = self.mechanisms_b
        return out

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


SHARE_VERSION = 1


def share_code(config: RunConfig, day: int = 0) -> str | None:
    """The whole setup (and the day reached) as a short URL-safe code; None for an upload.

    The code is compressed JSON of the community's name, the overrides, both sets, the seed,
    the ensemble's size, the posterior switch and the day; :func:`from_share_code` reads it.
    """
    if config.source.uploaded is not None:
        return None
    data = {
        "v": SHARE_VERSION,
        "c": config.source.name,
        "o": [list(kv) for kv in config.overrides],
        "a": list(config.mechanisms_a),
        "b": None if config.mechanisms_b is None else list(config.mechanisms_b),
        "s": config.seed,
        "r": config.replicates,
        "p": config.posterior,
        "d": day,
    }
    raw = zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 9)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def from_share_code(code: str) -> tuple[RunConfig, int]:
    """The setup and day of a code made by :func:`share_code`.

    Raises:
        InputError: the code is damaged or names what this version does not have.
    """
    try:
        raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
        data = json.loads(zlib.decompress(raw))
        if data.get("v") != SHARE_VERSION:
            raise ValueError("another version")
        config = RunConfig(
            source=Source(str(data["c"])),
            overrides=tuple((str(k), tuple(v) if isinstance(v, list) else v) for k, v in data["o"]),
            mechanisms_a=tuple(map(str, data["a"])),
            mechanisms_b=None if data["b"] is None else tuple(map(str, data["b"])),
            seed=int(data["s"]),
            replicates=int(data["r"]),
            posterior=bool(data["p"]),
        )
        day = int(data["d"])
    except (ValueError, KeyError, TypeError, zlib.error) as exc:
        raise InputError("link", "s", f"the link's setup cannot be read ({exc})") from None
    unknown = [
        m for m in (*config.mechanisms_a, *(config.mechanisms_b or ())) if m not in MECHANISMS
    ]
    if config.source.name not in builtin_names() or unknown or not 1 <= config.replicates <= 50:
        raise InputError("link", "s", "the link names a community or mechanism not here")
    if not 0 <= day <= 10 * YEAR or config.seed < 0:
        raise InputError("link", "s", "the link's day or seed is out of range")
    config.scenario()  # the overrides are checked as any others
    return config, day


def package_of(mechanisms: tuple[str, ...] | None) -> str | None:
    """The zone package whose mechanisms a set is exactly (besides the baseline), or None."""
    chosen = set(mechanisms or ()) - {"administrative"}
    return next((n for n, p in PACKAGES.items() if set(p.mechanisms) == chosen), None)


def scenario_value(spec: Scenario, path: str) -> Any:
    """A parameter's value in a (loaded) scenario; a mechanism's defaults to its declaration."""
    parts = path.split(".")
    node: Any = spec
    if parts[0] == "mechanisms":  # the scenario's table over the declared defaults
        name = parts[1]
        node = MECHANISMS[name].Params.model_validate(spec.mechanisms.get(name, {}))
        parts = parts[2:]
    for part in parts:
        node = node[part] if isinstance(node, dict) else getattr(node, part)
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


#: Full-width digits and signs, as Chinese input methods type them, to ASCII.
FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋ｅＥ", "0123456789.-+eE")
INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)


def param_row(path: str) -> ParamInfo | None:
    """The declaration of a scenario or mechanism parameter."""
    parts = path.split(".")
    if parts[0] == "mechanisms" and len(parts) >= 3 and parts[1] in MECHANISMS:
        return find(describe(MECHANISMS[parts[1]].Params, f"mechanisms.{parts[1]}."), path)
    return find(describe(Scenario), path)


def parse_number(text: str, integer: bool, lang: str = "en") -> tuple[Any, str | None]:
    """A number typed in a field: plain decimal notation, full-width digits accepted.

    Returns:
        The number and None, or None and the message for the field: TOML's other spellings
        (``true``, ``0x10``, ``1_0``), digits of other scripts (``²``), and numbers too large
        or too small for a float (``1e-400`` would silently become 0) are refused.
    """
    clean = text.strip().translate(FULL_WIDTH)
    if integer:
        if INTEGER.fullmatch(clean):
            return int(clean), None
        return None, TEXT_ERRORS["integer"][lang]
    if not DECIMAL.fullmatch(clean):
        return None, TEXT_ERRORS["number"][lang]
    value = float(clean)
    mantissa = clean.lower().split("e")[0]
    if not np.isfinite(value) or (value == 0 and any(c in "123456789" for c in mantissa)):
        return None, TEXT_ERRORS["magnitude"][lang]
    return value, None


#: The page's own messages for a field (Chinese and English).
TEXT_ERRORS = {
    "integer": {"en": "expected a whole number, such as 12", "zh": "请输入整数，例如 12"},
    "number": {"en": "expected a number, such as 0.5", "zh": "请输入数字，例如 0.5"},
    "magnitude": {
        "en": "this number is too large or too small to use",
        "zh": "这个数太大或太小，无法使用",
    },
    "range": {"en": "allowed: {lo} to {hi}", "zh": "允许范围：{lo} 至 {hi}"},
    "above": {"en": "allowed: above {lo}", "zh": "须大于 {lo}"},
    "at_least": {"en": "allowed: at least {lo}", "zh": "须不小于 {lo}"},
    "below": {"en": "allowed: below {hi}", "zh": "须小于 {hi}"},
    "at_most": {"en": "allowed: at most {hi}", "zh": "须不大于 {hi}"},
    "choice": {"en": "not one of the choices", "zh": "不在可选项之中"},
    "conflict": {
        "en": "{detail}",
        "zh": "这个值与本社区的其他设置不相容，请换一个值",
    },
}


def bound_message(info: ParamInfo, value: float, lang: str) -> str | None:
    """The message for a number outside its declared range, or None when it is inside."""
    lo, hi = info.ge, info.le
    low_bad = lo is not None and (value <= lo if info.open_low else value < lo)
    high_bad = hi is not None and (value >= hi if info.open_high else value > hi)
    if not (low_bad or high_bad):
        return None
    if lo is not None and hi is not None and not (info.open_low or info.open_high):
        return TEXT_ERRORS["range"][lang].format(lo=f"{lo:g}", hi=f"{hi:g}")
    if low_bad:
        key = "above" if info.open_low else "at_least"
        return TEXT_ERRORS[key][lang].format(lo=f"{lo:g}")
    key = "below" if info.open_high else "at_most"
    return TEXT_ERRORS[key][lang].format(hi=f"{hi:g}")


def check_override(
    config: RunConfig, path: str, text: Any, lang: str = "en"
) -> tuple[Any, str | None]:
    """Parse and validate a field's text (or a widget's value) as an override of ``path``.

    Numbers are parsed by :func:`parse_number`; a switch, a choice or a list arrives as its
    value. The validator then checks the scenario; its message is shown in English, and on
    the Chinese page replaced by the declared range or a Chinese sentence.

    Returns:
        The parsed value and None, or None and the message for the field.
    """
    info = param_row(path)
    value: Any = text
    if isinstance(text, str) and info is not None and isinstance(info.default, int | float):
        if not isinstance(info.default, bool):
            value, message = parse_number(text, type(info.default) is int, lang)
            if message is not None:
                return None, message
            if lang == "zh" and (message := bound_message(info, value, lang)) is not None:
                return None, message
    elif isinstance(text, str):
        value = text.strip()
    if isinstance(value, list):
        value = tuple(value)
    try:
        config.with_override(path, value).scenario()
    except InputError as exc:
        detail = exc.message if exc.field == path else f"{exc.field}: {exc.message}"
        return None, TEXT_ERRORS["conflict"][lang].format(detail=detail)
    return value, None


def check_seed(text: str) -> int | None:
    """A seed typed in a field (full-width digits too), or None when it is not 0, 1, 2, ..."""
    value, message = parse_number(text, True)
    return value if message is None and value >= 0 else None


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
    """A consistent snapshot of the run for drawing: one entry per set (A, and B if any).

    ``metrics`` and the residents' arrays are those of replicate 0 (the seed shown at once);
    ``runs`` holds, per set, the daily tables of every replicate that has reached this day
    (replicate 0 first), for the ensemble's means, bands and verdicts.
    """

    day: int
    metrics: dict[str, pd.DataFrame]
    satisfaction: dict[str, np.ndarray]
    participants: dict[str, np.ndarray]
    start: dict[str, dict[str, float]]
    group_sizes: dict[str, int]
    layout_key: str
    seed: int
    models: dict[str, CommunityModel] = field(repr=False)
    runs: dict[str, list[pd.DataFrame]] = field(default_factory=dict, repr=False)
    replicates: int = 1
    posterior: bool = False

    @property
    def sets(self) -> list[str]:
        """The mechanism sets in this frame, "A" first."""
        return list(self.metrics)

    @property
    def done(self) -> int:
        """Replicates of every set that have reached this day."""
        return min((len(v) for v in self.runs.values()), default=1)


def arm_name(which: str) -> str:
    """The experiment arm of a set: set_a, set_b."""
    return f"set_{which.lower()}"


def ensemble_plan(config: RunConfig, spec: Scenario, posterior: bool) -> Plan:
    """The run's ensemble as an experiment: arm per set, replicate per seed.

    Replicate r of set A and of set B shares ``SeedSequence(seed, spawn_key=(r,))`` and, with
    the posterior, its draw r, as in an experiment with ``common_seeds = "all"`` and
    ``posterior = "default"`` (:func:`experiment_toml` writes that file). The page's own
    settings win over the draw (they are the arms' overrides).
    """
    raw = experiment_raw(config, spec, posterior)
    raw["scenario"] = [spec.name]
    return plan(validate(raw, "ui"), {spec.name: config.source.load()})


def posterior_usable() -> bool:
    """Whether the shipped posterior loads (the ensemble then draws its parameters)."""
    from sim.calibration.posterior import load

    try:
        load("default")
    except (InputError, ImportError):
        return False
    return True


class Simulation:
    """One session's run: an ensemble of replicates per mechanism set on the same community.

    Replicate 0 of each set (``models``) steps when the page asks; the others (``others``)
    are built and stepped by :meth:`work` in a background thread towards :attr:`target`, so
    the page never waits for them.

    Args:
        config: What to simulate.

    Raises:
        InputError: the scenario or an override is invalid.
    """

    def __init__(self, config: RunConfig):
        self.config = config
        self.spec = config.scenario()
        self.posterior = config.posterior and posterior_usable()
        self.plan = ensemble_plan(config, self.spec, self.posterior)
        self.lock = threading.Lock()
        self.tasks = {
            which: [task(self.plan, run) for run in self.plan.runs if run.arm == arm_name(which)]
            for which in config.sets()
        }
        self.models = {k: build_model(tasks[0]) for k, tasks in self.tasks.items()}
        self.others: dict[str, list[CommunityModel]] = {k: [] for k in self.models}
        self.start = {
            k: {name: float(METRICS[name](m)) for name, _, _ in HEADLINES}
            for k, m in self.models.items()
        }
        self.layout_key = f"{hash_spec(self.spec)}:{config.seed}"
        self.target = 0
        self.closed = False
        self.foreground = threading.Event()  # replicate 0 is running: the others give way
        self.wake = threading.Condition()
        self.ensemble_lock = threading.Lock()
        self._tables: dict[tuple[str, int], tuple[int, pd.DataFrame]] = {}
        self._frame: Frame | None = None
        self.error: str | None = None

    @property
    def day(self) -> int:
        """Days simulated so far by replicate 0."""
        return self.models["A"].day

    def step(self, days: int = 1) -> None:
        """Simulate ``days`` days in every set (replicate 0); the others follow."""
        for _ in range(days):
            with self.lock:
                for model in self.models.values():
                    model.step()
        self.aim(self.day)

    def aim(self, day: int) -> None:
        """Let the background replicates run to ``day`` (never back)."""
        with self.wake:
            self.target = max(self.target, min(day, max(self.spec.days, self.day)))
            self.wake.notify_all()

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
        self.foreground.set()
        try:
            while self.day < target and keep_going():
                t0 = time.perf_counter()
                self.step()  # at least a day a chunk
                while (
                    self.day < target and keep_going() and time.perf_counter() - t0 < chunk_seconds
                ):
                    self.step()
                on_chunk()
        finally:
            self.foreground.clear()

    # ------------------------------------------------------------------ the other replicates
    def behind(self) -> tuple[str, int] | None:
        """The next background replicate to build or step: the one furthest behind."""
        best: tuple[int, str, int] | None = None
        for which, tasks in self.tasks.items():
            for r in range(1, len(tasks)):
                built = self.others[which]
                day = built[r - 1].day if r - 1 < len(built) else -1
                if day < self.target and (best is None or day < best[0]):
                    best = (day, which, r)
        return None if best is None else (best[1], best[2])

    def work(self, chunk_days: int = 10, idle: float = 1.0) -> bool:
        """Build or step one background replicate by up to ``chunk_days`` days.

        While replicate 0 runs (:meth:`run_until`) a call steps one day and then sleeps a few
        milliseconds, so that the run and the page's redraws keep most of the interpreter.
        Returns False when nothing is left to do (after waiting up to ``idle`` seconds for a new
        target) or the run is closed.
        """
        if self.foreground.is_set():
            chunk_days = 1
            time.sleep(YIELD)
        with self.wake:
            self.wake.wait_for(lambda: self.closed or self.behind() is not None, idle)
            if self.closed:
                return False
            nxt = self.behind()
            if nxt is None:
                return False
            target = self.target
        which, r = nxt
        try:
            if r - 1 >= len(self.others[which]):
                model = build_model(self.tasks[which][r])
                with self.ensemble_lock:
                    self.others[which].append(model)
                return True
            model = self.others[which][r - 1]
            for _ in range(min(chunk_days, target - model.day)):
                with self.ensemble_lock:
                    model.step()
        except Exception as exc:  # shown on the page; replicate 0 goes on
            self.error = f"{type(exc).__name__}: {exc}"
            self.close()
            return False
        return True

    def finish(self, day: int | None = None) -> None:
        """Bring every replicate to ``day`` (default: replicate 0's) in this thread."""
        self.aim(self.day if day is None else day)
        while self.behind() is not None and self.work(idle=0.0):
            pass

    def close(self) -> None:
        """Stop the background work (the page has moved on to another run)."""
        with self.wake:
            self.closed = True
            self.wake.notify_all()

    def _table(self, which: str, r: int, model: CommunityModel) -> pd.DataFrame:
        """A replicate's daily table of the shown metrics, cached until it steps."""
        hit = self._tables.get((which, r))
        if hit is None or hit[0] != model.day:
            rows = model.datacollector.model_vars
            table = pd.DataFrame({n: rows[n] for n in SHOWN_METRICS}) if r else model.metrics()
            hit = self._tables[which, r] = (model.day, table)
        return hit[1]

    def full_tables(self, day: int) -> dict[str, list[pd.DataFrame]]:
        """Every metric of every replicate that has reached ``day``, to that day (exports)."""
        with self.lock, self.ensemble_lock:
            return {
                which: [
                    m.metrics().iloc[:day]
                    for m in [self.models[which], *self.others[which]]
                    if m.day >= day
                ]
                for which in self.models
            }

    def frame(self) -> Frame:
        """A snapshot of the current day (cached until the next step or replicate)."""
        with self.lock:
            with self.ensemble_lock:
                runs = {
                    which: [
                        self._table(which, r + 1, m).iloc[: self.day]
                        for r, m in enumerate(self.others[which])
                        if m.day >= self.day
                    ]
                    for which in self.models
                }
            done = min(len(v) for v in runs.values()) + 1
            if self._frame is None or self._frame.day != self.day or self._frame.done != done:
                pop = self.models["A"].pop
                metrics = {k: self._table(k, 0, m) for k, m in self.models.items()}
                self._frame = Frame(
                    day=self.day,
                    metrics=metrics,
                    satisfaction={k: m.state.satisfaction.copy() for k, m in self.models.items()},
                    participants={k: m.recent_participants() for k, m in self.models.items()},
                    start=self.start,
                    group_sizes={g: int(getattr(pop, g).sum()) for g in GROUPS},
                    layout_key=self.layout_key,
                    seed=self.config.seed,
                    models=self.models,
                    runs={k: [metrics[k], *v[: done - 1]] for k, v in runs.items()},
                    replicates=self.config.replicates,
                    posterior=self.posterior,
                )
            return self._frame


def build_model(t: Task) -> CommunityModel:
    """The model of one replicate of one set."""
    return CommunityModel(
        t.scenario, rng=t.seed, mechanisms=list(t.mechanisms), overrides=t.overrides
    )


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


def fmt(value: float, kind: str, signed: bool = False, lang: str = "en") -> str:
    """A headline number as shown: percent (points for a change), fixed decimals or count."""
    if value != value:  # NaN
        return "–"
    sign = "+" if signed else ""
    # rounded first, so that a tiny negative change shows as +0.00, not -0.00
    if kind == "pct":
        points = " 个百分点" if lang == "zh" else " pt"
        return f"{round(value * 100, 1) + 0.0:{sign}.1f}" + (points if signed else "%")
    if kind == "int":
        return f"{round(value) + 0:{sign},d}"
    return f"{round(value, int(kind[0])) + 0.0:{sign}.{kind}}"


def breakdown(frame: Frame) -> dict[str, dict[str, tuple[float, float]]]:
    """Participation and satisfaction by group (elderly, online, ...), by mechanism set.

    Read from the day's metrics rows (the same numbers as the charts and the CSV), averaged
    over the replicates that have reached the day.
    """
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for which, df in frame.metrics.items():
        if df.empty:
            model = frame.models[which]
            row = {name: METRICS[name](model) for name in METRICS if name.endswith(GROUPS)}
        else:  # the mean over the replicates at this day
            row = pd.DataFrame([t.iloc[-1] for t in frame.runs.get(which, [df])]).mean().to_dict()
        out[which] = {
            g: (float(row[f"participation_rate_{g}"]), float(row[f"satisfaction_mean_{g}"]))
            for g in GROUPS
        }
    return out


# ---------------------------------------------------------------------------- export
def metrics_table(sim: Simulation, frame: Frame) -> pd.DataFrame:
    """Every metric of every replicate at the frame's day: ``set``, ``replicate``, ``day`` first.

    ``day`` counts as the page does: the row of day N is the state after N simulated days
    (the model's own ``day`` column counts from 0, one less).
    """
    tables = [
        df.assign(set=which, replicate=r, day=df["day"] + 1)
        for which, runs in sim.full_tables(frame.day).items()
        for r, df in enumerate(runs)
    ]
    table = pd.concat(tables, ignore_index=True)
    return table[["set", "replicate", *[c for c in table.columns if c not in ("set", "replicate")]]]


def metrics_csv(sim: Simulation, frame: Frame, lang: str = "en") -> str:
    """The daily metrics as CSV; on the Chinese page with the metrics' Chinese labels."""
    table = metrics_table(sim, frame)
    if lang == "zh":
        names = {"set": "组", "replicate": "种子序号", "day": "天"}
        table = table.rename(columns=lambda c: names.get(c) or zh_text(label(c, "zh")))
    buf = io.StringIO()
    table.to_csv(buf, index=False)
    return buf.getvalue()


def metrics_parquet(sim: Simulation, frame: Frame) -> bytes:
    """The daily metrics as Parquet, with the metrics' code names."""
    buf = io.BytesIO()
    metrics_table(sim, frame).to_parquet(buf, index=False)
    return buf.getvalue()


def experiment_raw(config: RunConfig, spec: Scenario, posterior: bool) -> dict[str, Any]:
    """The page's A/B ensemble as an experiment table (:func:`ensemble_plan` runs it)."""
    raw: dict[str, Any] = {
        "name": re.sub(r"[^A-Za-z0-9_-]", "_", f"{spec.name}_ui"),
        "scenario": spec.name,
        "days": spec.days,
        "replicates": config.replicates,
        "seed": config.seed,
        "common_seeds": "all",
        "metrics": [m for m in METRICS if m != "day"],
        "arms": {
            arm_name(which): {"mechanisms": list(mechanisms), "set": dict(config.overrides)}
            for which, mechanisms in config.sets().items()
        },
    }
    if posterior:
        raw["posterior"] = "default"
    return raw


def experiment_toml(sim: Simulation) -> str:
    """Both sets as an experiment file: ``cogov experiment run FILE`` reruns the page's ensemble.

    Arm A and arm B are the sets with the page's settings, replicate r has the page's seed r
    (and posterior draw r), so the experiment's tables give the page's numbers.
    """
    raw = experiment_raw(sim.config, sim.spec, sim.posterior)
    raw["metrics"] = [m for m in SUMMARY_METRICS]
    header = [
        f"# Exported by cogov ui: {sim.spec.name}, seed {sim.config.seed}, day {sim.day}.",
        "# Run it with: cogov experiment run THIS_FILE (the page's seeds and sets).",
    ]
    if sim.config.source.uploaded is not None:
        header.append(f"# Put the uploaded scenario beside this file as {sim.spec.name}.toml.")
        raw["scenario"] = f"{sim.spec.name}.toml"
    return "\n".join(header) + "\n" + to_toml(raw)
