"""The district file: sub-districts, their communities and queue capacities.

A district file (``scenarios/districts/<name>.toml``) lists sub-districts, each with its
communities as built-in scenarios and sizes (households scale with residents at the base
scenario's household size) and the capacity of its cloud-consultation queue; see ``gulou.toml``
for what is sourced and what is assumed.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from sim.inputs import InputError, invalid, read_toml
from sim.mechanisms import MECHANISMS
from sim.params import MAX_DAYS
from sim.scenario import Scenario, data_dir, load_scenario


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CommunityGroup(_Spec):
    """Communities of one base scenario: one per entry of ``residents``."""

    scenario: str = Field(min_length=1)
    residents: tuple[StrictInt, ...] = Field(min_length=1)  # a boolean is not a count


class SubDistrictSpec(_Spec):
    """A sub-district (街道): its communities and its escalation capacity."""

    name: str = Field(min_length=1)
    name_zh: str = ""
    capacity_per_month: float = Field(12.0, ge=0, le=10_000, strict=True)
    communities: tuple[CommunityGroup, ...] = Field(min_length=1)


class DistrictSpec(_Spec):
    """A district (区): sub-districts, mechanisms, and the district-level exchange."""

    name: str = Field(min_length=1)
    title: str = ""
    title_zh: str = ""
    mechanisms: tuple[str, ...] = ("joint_meeting", "issue_committee", "cloud_consultation")
    exchange_days: int = Field(30, ge=1, le=MAX_DAYS, strict=True)
    district_capacity_per_month: float = Field(0.0, ge=0, le=100_000, strict=True)
    sub_districts: tuple[SubDistrictSpec, ...] = Field(min_length=1)

    @property
    def n_communities(self) -> int:
        """Number of communities."""
        return sum(len(g.residents) for s in self.sub_districts for g in s.communities)


def district_names() -> list[str]:
    """Names of the built-in districts."""
    return sorted(p.stem for p in (data_dir("scenarios") / "districts").glob("*.toml"))


def load_district(name_or_path: str | Path | DistrictSpec) -> DistrictSpec:
    """Load a built-in district by name or a district TOML file by path.

    Raises:
        InputError: the file, a field, a scenario or a mechanism is wrong.
    """
    if isinstance(name_or_path, DistrictSpec):
        return name_or_path
    text = str(name_or_path)
    path = (
        data_dir("scenarios") / "districts" / f"{text}.toml"
        if text in district_names()
        else Path(text)
    )
    if path.suffix != ".toml" and not path.exists():
        raise InputError(text, "", "no such district; built-in: " + ", ".join(district_names()))
    raw = read_toml(path)
    raw.setdefault("name", path.stem)
    try:
        spec = DistrictSpec.model_validate(raw)
    except ValidationError as exc:
        raise invalid(exc, str(path), DistrictSpec) from None
    for name in spec.mechanisms:
        if name not in MECHANISMS:
            raise InputError(
                str(path),
                "mechanisms",
                f"unknown mechanism {name!r}; available: " + ", ".join(MECHANISMS),
            )
    for i, s in enumerate(spec.sub_districts):
        for j, g in enumerate(s.communities):
            where = f"sub_districts.{i}.communities.{j}"
            try:
                base = load_scenario(g.scenario)
            except InputError as exc:
                raise InputError(str(path), f"{where}.scenario", str(exc)) from None
            for k, residents in enumerate(g.residents):
                try:
                    community_scenario(base, residents)
                except InputError as exc:
                    raise InputError(
                        str(path),
                        f"{where}.residents.{k}",
                        f"{residents}: {exc.field}: {exc.message}",
                    ) from None
    return spec


def community_scenario(base: Scenario, residents: int) -> Scenario:
    """A base scenario resized to ``residents``, households scaled at its household size."""
    p = base.population
    households = max(1, min(residents, round(residents * p.households / p.residents)))
    return load_scenario(
        base, {"population.residents": residents, "population.households": households}
    )
