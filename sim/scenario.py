"""Scenarios: one community's description in TOML, loaded and validated in one place.

A scenario file holds data only (TOML never executes code). Built-in scenarios live in the
repository's ``scenarios/`` folder (shipped inside the wheel as ``sim/_data/scenarios``) and
load by name; any other file loads by path. Dotted overrides (``population.online_share_elderly
=0.5``) are applied to the raw table before validation, so they are checked like the file.
Every failure raises :class:`InputError` naming the file, the dotted field and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from sim.params import (
    COMMUNITY_TYPES,
    BehaviourParams,
    CommitteeParams,
    IssuesParams,
    NetworkParams,
    Params,
    ParkingParams,
    PopulationParams,
    PropertyFirmParams,
    SubDistrictParams,
    UnitParams,
    describe,
    param,
)

PACKAGE = Path(__file__).resolve().parent


def data_dir(kind: str) -> Path:
    """The folder of built-in ``scenarios`` or ``experiments`` (wheel first, then checkout)."""
    for candidate in (PACKAGE / "_data" / kind, PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no built-in {kind} folder next to {PACKAGE}")


class InputError(Exception):
    """Bad input: names the file, the field and what is allowed (exit status 2 at the CLI)."""

    def __init__(self, source: str, field: str, message: str):
        self.source, self.field, self.message = source, field, message
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(where + message)


class Scenario(Params):
    """A community: who lives there, how they are tied, who governs, what goes wrong."""

    name: str = Field(min_length=1)  # identifier; a file's stem when the file has none
    title: str = ""
    title_zh: str = ""
    community_type: Literal[COMMUNITY_TYPES] = param(
        "old_estate", zh="社区类型", help="Community type (selects issue arrival rates)",
        source="article: Qixia's four types")
    days: int = param(1096, ge=1, le=36_500, unit="days", zh="模拟天数",
                      help="Horizon: the experiment period July 2015 to June 2018",
                      source="article (third batch of experimental zones)")
    population: PopulationParams = PopulationParams()
    parking: ParkingParams = ParkingParams()
    network: NetworkParams = NetworkParams()
    committee: CommitteeParams = CommitteeParams()
    behaviour: BehaviourParams = BehaviourParams()
    issues: IssuesParams = IssuesParams()
    units: tuple[UnitParams, ...] = ()
    property_firm: PropertyFirmParams | None = None
    sub_district: SubDistrictParams = SubDistrictParams()
    mechanisms: dict[str, dict[str, Any]] = Field(
        default_factory=lambda: {"administrative": {}},
        description="Mechanisms switched on, each with its parameter table")

    @field_validator("mechanisms")
    @classmethod
    def _known_mechanisms(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from sim.mechanisms import configure

        for name, table in value.items():
            configure(name, table)
        return value


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("function-after", "function-before"))


def _allowed(field: str) -> str:
    for row in describe(Scenario):
        if row.path == field and row.allowed:
            return f" (allowed: {row.allowed} {row.unit})".replace(" )", ")")
    return ""


def error_message(err: Any) -> str:
    """A pydantic error in the words the CLI prints."""
    if err["type"] == "value_error":
        return str(err["ctx"]["error"])
    if err["type"] == "extra_forbidden":
        return "unknown key"
    if err["type"] == "missing":
        return "required field is missing"
    return err["msg"]


def validate(raw: dict[str, Any], source: str) -> Scenario:
    """Validate a raw table; raise :class:`InputError` on the first problem."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = _dotted(err["loc"])
        raise InputError(source, field, error_message(err) + _allowed(field)) from None


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; every way it can fail becomes an :class:`InputError`."""
    if not path.exists():
        raise InputError(str(path), "", "file not found")
    if path.is_dir():
        raise InputError(str(path), "", "is a directory, expected a .toml file")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "", f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(str(path), "", f"cannot be read: {exc.strerror}") from None
    if not text.strip():
        raise InputError(str(path), "", "the file is empty")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), "", f"malformed TOML: {exc}") from None


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


def resolve(name_or_path: str | Path) -> Path:
    """The file of a built-in scenario name, or the given path."""
    return locate(name_or_path, "scenarios")


def parse_value(text: str) -> Any:
    """Parse an override's value as TOML (numbers, booleans, strings, lists)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Set dotted keys in a copy of a raw scenario table."""
    out: dict[str, Any] = {**raw}
    for key, value in (overrides or {}).items():
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            node[part] = dict(child) if isinstance(child, dict) else {}
            node = node[part]
        node[parts[-1]] = parse_value(value) if isinstance(value, str) else value
    return out


def load_scenario(
    name_or_path: str | Path | Scenario, overrides: dict[str, Any] | None = None
) -> Scenario:
    """Load a built-in scenario by name, or a TOML file by path, with dotted overrides.

    Raises:
        InputError: the file or a field is wrong; the message names both.
    """
    if isinstance(name_or_path, Scenario):
        raw, source = name_or_path.model_dump(), name_or_path.name
    else:
        path = resolve(name_or_path)
        raw, source = read_toml(path), str(path)
        raw.setdefault("name", path.stem)
    return validate(apply_overrides(raw, overrides), source)
