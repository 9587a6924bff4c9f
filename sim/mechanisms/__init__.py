"""The registry of consultation mechanisms (one file, one class each).

``administrative`` is the committee's own routine and is always active; the others add
resident voice, channels and resources on top of it. Other packages add mechanisms through
the entry-point group ``cogov.mechanisms`` (``name = "package.module:Class"``); they follow the
built-ins, sorted by name, and ``"all"`` still means the built-ins only, so a scenario's
``all`` does not change meaning when a package is installed. The five zones' packages of
mechanisms are declared once in :mod:`sim.mechanisms.packages` (``PACKAGES``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from typing import Any

from pydantic import ValidationError

from sim.inputs import error_message
from sim.mechanisms.administrative import Administrative
from sim.mechanisms.base import Mechanism
from sim.mechanisms.cloud_consultation import CloudConsultation
from sim.mechanisms.convention import Convention
from sim.mechanisms.grid_management import GridManagement
from sim.mechanisms.institutional_consultation import InstitutionalConsultation
from sim.mechanisms.issue_committee import IssueCommittee
from sim.mechanisms.joint_meeting import JointMeeting
from sim.mechanisms.packages import PACKAGES as PACKAGES  # re-exported
from sim.mechanisms.palm_community import PalmCommunity
from sim.mechanisms.project_services import ProjectServices
from sim.mechanisms.public_services import PublicServices
from sim.mechanisms.rotation_duty import RotationDuty
from sim.mechanisms.social_organisations import SocialOrganisations
from sim.params import describe, find

GROUP = "cogov.mechanisms"  # the entry-point group of plug-in mechanisms

BUILTIN: dict[str, type[Mechanism]] = {
    cls.name: cls
    for cls in (
        Administrative,
        JointMeeting,
        IssueCommittee,
        CloudConsultation,
        PalmCommunity,
        RotationDuty,
        Convention,
        GridManagement,
        SocialOrganisations,
        InstitutionalConsultation,
        PublicServices,
        ProjectServices,
    )
}


class PluginError(RuntimeError):
    """A plug-in mechanism that cannot be loaded or clashes with a registered name."""


def plugins() -> dict[str, type[Mechanism]]:
    """Mechanisms of installed packages (entry-point group ``cogov.mechanisms``), by name.

    Raises:
        PluginError: an entry point fails to load, is no :class:`Mechanism` subclass, or its
            mechanism's name is empty, differs from the entry point's or is taken.
    """
    found: dict[str, type[Mechanism]] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        where = f"plug-in mechanism {ep.name!r} ({ep.value}, entry-point group {GROUP})"
        try:
            cls = ep.load()
        except Exception as exc:  # any failure of foreign code: name the plug-in
            raise PluginError(f"{where} failed to load: {type(exc).__name__}: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, Mechanism)):
            raise PluginError(f"{where} is not a sim.mechanisms.base.Mechanism subclass")
        if cls.name != ep.name:
            raise PluginError(
                f"{where}: its class's name is {cls.name!r}, the entry point's "
                f"is {ep.name!r}; they must be equal"
            )
        if ep.name in BUILTIN or ep.name in found:
            raise PluginError(
                f"{where} clashes with a mechanism of that name already registered; rename it"
            )
        found[ep.name] = cls
    return found


#: Every mechanism by name: the built-ins in registry order, then plug-ins sorted by name.
MECHANISMS: dict[str, type[Mechanism]] = {**BUILTIN, **plugins()}


class MechanismError(ValueError):
    """An unknown mechanism or a bad mechanism parameter."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


class MechanismTypeError(MechanismError, TypeError):
    """A mechanism argument of the wrong type (a Python API call)."""


def _nearest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def configure(name: str, table: Mapping[str, Any] | None = None) -> Mechanism:
    """Build a mechanism from its registry name and parameter table."""
    if not isinstance(name, str):
        raise MechanismTypeError("mechanism name", f"expected a name (str), got {name!r}")
    if name not in MECHANISMS:
        raise MechanismError(
            f"mechanisms.{name}",
            "unknown mechanism; "
            + _nearest(name, MECHANISMS)
            + "available: "
            + ", ".join(MECHANISMS),
        )
    if table is not None and not isinstance(table, Mapping):
        raise MechanismTypeError(
            f"mechanisms.{name}",
            f"expected a table of parameters (a dict, or None for the defaults), got {table!r}",
        )
    try:
        return MECHANISMS[name](**(table or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        names = list(MECHANISMS[name].Params.model_fields)
        if err["type"] == "extra_forbidden":
            msg = f"unknown parameter; {_nearest(key, names)}"
        else:
            row = find(describe(MECHANISMS[name].Params), key)
            allowed = f" (allowed: {row.allowed})" if row is not None and row.allowed else ""
            msg = f"{error_message(err)}{allowed}; "
        raise MechanismError(
            f"mechanisms.{name}.{key}", f"{msg}parameters: {', '.join(names) or 'none'}"
        ) from None


def names(text: str) -> list[str]:
    """Mechanism names from a comma-separated list (spaces around names are ignored)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def build(spec: Any, scenario_tables: dict[str, dict[str, Any]]) -> list[Mechanism]:
    """Turn names, instances or ``"all"`` into configured mechanisms, in registry order.

    ``"all"`` is every built-in mechanism (plug-ins are named explicitly).

    ``None`` takes the scenario's own ``mechanisms`` table. A name takes its parameters from
    the scenario's table when the scenario has one for it. ``administrative`` is always in.

    Raises:
        MechanismTypeError: ``spec`` is neither None, a string nor a list of names/mechanisms.
        MechanismError: an unknown name or a bad parameter.
    """
    if spec is None:
        spec = list(scenario_tables)
    if isinstance(spec, str):
        spec = list(BUILTIN) if spec.strip() == "all" else names(spec)
    if not isinstance(spec, Iterable) or isinstance(spec, Mapping | bytes):
        raise MechanismTypeError(
            "mechanisms",
            "expected names (a list, or a comma-separated "
            f"string), configured mechanisms or 'all', got {spec!r}",
        )
    chosen: dict[str, Mechanism] = {}
    for item in spec:
        if isinstance(item, Mechanism):
            chosen[item.name] = type(item)(item.params)  # fresh state for each model
        elif not isinstance(item, str):
            raise MechanismTypeError(
                "mechanisms", f"each entry is a name or a configured mechanism, got {item!r}"
            )
        elif item.strip() == "all":
            for name in BUILTIN:
                chosen.setdefault(name, configure(name, scenario_tables.get(name)))
        else:
            chosen[item.strip()] = configure(item.strip(), scenario_tables.get(item.strip()))
    chosen.setdefault(
        "administrative", configure("administrative", scenario_tables.get("administrative"))
    )
    return [chosen[name] for name in MECHANISMS if name in chosen]
