"""The registry of consultation mechanisms (one file, one class each).

``administrative`` is the committee's own routine and is always active; the others add
resident voice, channels and resources on top of it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from sim.mechanisms.administrative import Administrative
from sim.mechanisms.base import Mechanism
from sim.mechanisms.cloud_consultation import CloudConsultation
from sim.mechanisms.convention import Convention
from sim.mechanisms.grid_management import GridManagement
from sim.mechanisms.institutional_consultation import InstitutionalConsultation
from sim.mechanisms.issue_committee import IssueCommittee
from sim.mechanisms.joint_meeting import JointMeeting
from sim.mechanisms.palm_community import PalmCommunity
from sim.mechanisms.project_services import ProjectServices
from sim.mechanisms.public_services import PublicServices
from sim.mechanisms.rotation_duty import RotationDuty
from sim.mechanisms.social_organisations import SocialOrganisations
from sim.params import describe, find

MECHANISMS: dict[str, type[Mechanism]] = {
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
        raise MechanismError(f"mechanisms.{name}", "unknown mechanism; " + _nearest(
            name, MECHANISMS) + "available: " + ", ".join(MECHANISMS))
    if table is not None and not isinstance(table, Mapping):
        raise MechanismTypeError(f"mechanisms.{name}", "expected a table of parameters "
                                 f"(a dict, or None for the defaults), got {table!r}")
    try:
        return MECHANISMS[name](**(table or {}))
    except ValidationError as exc:
        from sim.scenario import error_message

        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        names = list(MECHANISMS[name].Params.model_fields)
        if err["type"] == "extra_forbidden":
            msg = f"unknown parameter; {_nearest(key, names)}"
        else:
            row = find(describe(MECHANISMS[name].Params), key)
            allowed = f" (allowed: {row.allowed})" if row is not None and row.allowed else ""
            msg = f"{error_message(err)}{allowed}; "
        raise MechanismError(f"mechanisms.{name}.{key}",
                             f"{msg}parameters: {', '.join(names) or 'none'}") from None


def names(text: str) -> list[str]:
    """Mechanism names from a comma-separated list (spaces around names are ignored)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def resolve(spec: Any, scenario_tables: dict[str, dict[str, Any]]) -> list[Mechanism]:
    """Turn names, instances or ``"all"`` into configured mechanisms, in registry order.

    ``None`` takes the scenario's own ``mechanisms`` table. A name takes its parameters from
    the scenario's table when the scenario has one for it. ``administrative`` is always in.

    Raises:
        MechanismTypeError: ``spec`` is neither None, a string nor a list of names/mechanisms.
        MechanismError: an unknown name or a bad parameter.
    """
    if spec is None:
        spec = list(scenario_tables)
    if isinstance(spec, str):
        spec = list(MECHANISMS) if spec.strip() == "all" else names(spec)
    if not isinstance(spec, Iterable) or isinstance(spec, Mapping | bytes):
        raise MechanismTypeError("mechanisms", "expected names (a list, or a comma-separated "
                                 f"string), configured mechanisms or 'all', got {spec!r}")
    chosen: dict[str, Mechanism] = {}
    for item in spec:
        if isinstance(item, Mechanism):
            chosen[item.name] = type(item)(item.params)  # fresh state for each model
        elif not isinstance(item, str):
            raise MechanismTypeError("mechanisms", "each entry is a name or a configured "
                                     f"mechanism, got {item!r}")
        elif item.strip() == "all":
            for name in MECHANISMS:
                chosen.setdefault(name, configure(name, scenario_tables.get(name)))
        else:
            chosen[item.strip()] = configure(item.strip(), scenario_tables.get(item.strip()))
    chosen.setdefault("administrative", configure("administrative",
                                                  scenario_tables.get("administrative")))
    return [chosen[name] for name in MECHANISMS if name in chosen]
