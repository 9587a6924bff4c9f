"""Scenarios: one community's description in TOML, loaded and validated in one place.

A scenario file holds data only (TOML never executes code). Built-in scenarios live in the
repository's ``scenarios/`` folder (shipped inside the wheel as ``sim/_data/scenarios``) and
load by name; any other file loads by path. Dotted overrides (``population.online_share_elderly
=0.5``) are applied to the raw table before validation, so they are checked like the file.
Every failure raises :class:`InputError` naming the file, the dotted field and what is allowed.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError, field_validator

from sim.inputs import InputError, InputTypeError, invalid, read_toml
from sim.params import (
    COMMUNITY_TYPES,
    MAX_DAYS,
    BehaviourParams,
    CommitteeParams,
    DecisionParams,
    IssuesParams,
    NetworkParams,
    Params,
    ParkingParams,
    PopulationParams,
    PropertyFirmParams,
    SubDistrictParams,
    UnitParams,
    describe,
    find,
    param,
)

PACKAGE = Path(__file__).resolve().parent


def data_dir(kind: str) -> Path:
    """The folder of built-in ``scenarios`` or ``experiments`` (wheel first, then checkout)."""
    for candidate in (PACKAGE / "_data" / kind, PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no built-in {kind} folder next to {PACKAGE}")


class Scenario(Params):
    """A community: who lives there, how they are tied, who governs, what goes wrong."""

    name: str = Field(
        min_length=1, description="Identifier", json_schema_extra={"missing": "(the file's stem)"}
    )
    title: str = Field("", description="Title")
    title_zh: str = Field("", description="Chinese title")
    community_type: Literal[COMMUNITY_TYPES] = param(
        "old_estate",
        zh="社区类型",
        help="Community type (selects issue arrival rates)",
        source="article: Qixia's four types",
    )
    days: int = param(
        1096,
        ge=1,
        le=MAX_DAYS,
        unit="days",
        zh="模拟天数",
        help="Horizon: the experiment period July 2015 to June 2018",
        source="article (third batch of experimental zones)",
    )
    population: PopulationParams = PopulationParams()
    parking: ParkingParams = ParkingParams()
    network: NetworkParams = NetworkParams()
    committee: CommitteeParams = CommitteeParams()
    decision: DecisionParams = DecisionParams()
    behaviour: BehaviourParams = BehaviourParams()
    issues: IssuesParams = IssuesParams()
    units: tuple[UnitParams, ...] = ()
    property_firm: PropertyFirmParams | None = None
    sub_district: SubDistrictParams = SubDistrictParams()
    mechanisms: dict[str, dict[str, Any]] = Field(
        default_factory=lambda: {"administrative": {}},
        description="Mechanisms switched on, each with its parameter table",
    )

    @field_validator("mechanisms")
    @classmethod
    def _known_mechanisms(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from sim.mechanisms import configure

        for name, table in value.items():
            configure(name, table)
        return value


def allowed_in(model: type[BaseModel]) -> Callable[[str], str]:
    """The allowed range of a dotted field of ``model`` in words (`` (allowed: 1 to 36500 days)``).

    The one wording of a bound for every file: scenario and experiment errors add it.
    """

    def allowed(field: str) -> str:
        row = find(describe(model), field)
        if row is not None and row.allowed:
            return f" (allowed: {row.allowed} {row.unit})".replace(" )", ")")
        return ""

    return allowed


def validate(raw: dict[str, Any], source: str) -> Scenario:
    """Validate a raw table; raise :class:`InputError` on the first problem."""
    from sim.mechanisms import MechanismError

    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, MechanismError):  # it names its own dotted field
            raise InputError(source, cause.field, cause.message) from None
        raise invalid(exc, source, Scenario, allowed_in(Scenario)) from None


def builtin(kind: str = "scenarios") -> list[str]:
    """Names of the built-in ``scenarios`` or ``experiments``."""
    return sorted(p.stem for p in data_dir(kind).glob("*.toml"))


def builtin_names() -> list[str]:
    """Names of the built-in scenarios."""
    return builtin("scenarios")


def locate(name_or_path: str | Path, kind: str = "scenarios") -> Path:
    """The file of a built-in name of ``kind``, or the given path."""
    text = str(name_or_path)
    if text in builtin(kind):
        return data_dir(kind) / f"{text}.toml"
    path = Path(text)
    if path.suffix != ".toml" and not path.exists():
        raise InputError(text, "", f"no such {kind[:-1]}; built-in: " + ", ".join(builtin(kind)))
    return path


def parse_value(text: str) -> Any:
    """Parse an override's value as TOML (numbers, booleans, strings, lists)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _step(node: dict[str, Any] | list[Any], part: str, where: str, source: str) -> Any:
    """The (copied) child ``part`` of ``node``; a list takes a position, ``units.0``."""
    if isinstance(node, list):
        if not part.isdigit() or int(part) >= len(node):
            parent = where.rpartition(".")[0]
            positions = f"positions 0 to {len(node) - 1}" if node else "no entries"
            raise InputError(source, where, f"{parent} is a list of tables with {positions}")
        index = int(part)
        node[index] = dict(node[index]) if isinstance(node[index], dict) else {}
        return node[index]
    child = node.get(part)
    node[part] = (
        list(child)
        if isinstance(child, list | tuple)
        else dict(child)
        if isinstance(child, dict)
        else {}
    )
    return node[part]


def check_overrides(overrides: Any, source: str = "overrides") -> Mapping[str, Any]:
    """``overrides`` if it is a table of dotted names (None: an empty one).

    Raises:
        InputTypeError: naming ``source`` and what is expected.
    """
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise InputTypeError(
            source,
            "",
            "expected a table of dotted keys and values, e.g. "
            f"{{'committee.admin_share': 0.4}}, got {overrides!r}",
        )
    for key in overrides:
        if not isinstance(key, str) or not all(key.split(".")):
            raise InputTypeError(
                source, "", f"keys are dotted names such as 'committee.admin_share', got {key!r}"
            )
    return overrides


def apply_overrides(
    raw: dict[str, Any], overrides: Mapping[str, Any] | None, source: str = "overrides"
) -> dict[str, Any]:
    """Set dotted keys in a copy of a raw scenario table (``units.0.kind``: a list position).

    Raises:
        InputTypeError: ``overrides`` is not a table of dotted names (``source`` names it).
        InputError: a position is out of range.
    """
    out: dict[str, Any] = {**raw}
    for key, value in check_overrides(overrides, source).items():
        parts = key.split(".")
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            node = _step(node, part, ".".join(parts[: i + 1]), source)
        value = parse_value(value) if isinstance(value, str) else value
        value = value.item() if isinstance(value, np.generic) else value  # numpy scalars
        if isinstance(node, list):
            _step(node, parts[-1], key, source)  # checks the position
            node[int(parts[-1])] = value
        else:
            node[parts[-1]] = value
    return out


#: Keys only an experiment file has (two of them mark one).
EXPERIMENT_KEYS = frozenset(
    {
        "scenario",
        "arms",
        "design",
        "replicates",
        "metrics",
        "summaries",
        "figures",
        "check",
        "common_seeds",
        "question",
    }
)


@cache
def _builtin_tables() -> frozenset[str]:
    """The tables every built-in scenario writes out."""
    tables = [
        {k for k, v in read_toml(locate(n)).items() if isinstance(v, dict | list)}
        for n in builtin_names()
    ]
    return frozenset.intersection(*map(frozenset, tables))


def defaulted_tables(name_or_path: str | Path | Scenario) -> list[str]:
    """The tables every built-in scenario writes that a scenario file leaves out.

    A file cut off at a line break is still valid TOML; the tables it lost are then taken
    from the defaults, so the CLI warns with this list.
    """
    if isinstance(name_or_path, Scenario):
        return []
    raw = read_toml(locate(name_or_path))
    return sorted(_builtin_tables() - raw.keys())


def load_scenario(
    name_or_path: str | Path | Scenario,
    overrides: Mapping[str, Any] | None = None,
    *,
    flag: str = "overrides",
) -> Scenario:
    """Load a built-in scenario by name, or a TOML file by path, with dotted overrides.

    Args:
        name_or_path: A built-in name, a TOML path or a :class:`Scenario`.
        overrides: Dotted keys and values (strings are read as TOML values).
        flag: What an override's error names (``--set`` on the command line).

    Raises:
        InputError: the file or a field is wrong; the message names both (an override's
            error names ``flag`` instead of the file).
    """
    if isinstance(name_or_path, Scenario):
        raw, source = name_or_path.model_dump(), name_or_path.name
    else:
        path = locate(name_or_path)
        raw, source = read_toml(path), str(path)
        if len(EXPERIMENT_KEYS & raw.keys()) >= 2:
            raise InputError(
                source, "", "this is an experiment file; use cogov experiment validate"
            )
        raw.setdefault("name", path.stem)
    if overrides is None:
        return validate(raw, source)
    changed = apply_overrides(raw, overrides, flag)
    try:
        return validate(changed, source)
    except InputError as exc:
        validate(raw, source)  # the file's own error comes first
        raise InputError(flag, exc.field, exc.message) from None


# ------------------------------------------------------------------------- writing
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """Write a table of scalars, lists, tables and arrays of tables as TOML (None is left out)."""
    lines, tables, arrays = [], [], []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_scalar(value)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for key, value in tables:
        name = f"{prefix}{_key(key)}"
        out += f"\n[{name}]\n" + to_toml(value, f"{name}.")
    for key, items in arrays:
        name = f"{prefix}{_key(key)}"
        for item in items:
            out += f"\n[[{name}]]\n" + to_toml(item, f"{name}.")
    return out
