"""The registry of consultation mechanisms (one file, one class each).

``administrative`` is the committee's own routine and is always active; the others add
resident voice, channels and resources on top of it.
"""

from __future__ import annotations

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
        self.field = field
        super().__init__(f"{field}: {message}")


def configure(name: str, table: dict[str, Any] | None = None) -> Mechanism:
    """Build a mechanism from its registry name and parameter table."""
    if name not in MECHANISMS:
        raise MechanismError(
            f"mechanisms.{name}", "unknown mechanism; available: " + ", ".join(MECHANISMS))
    try:
        return MECHANISMS[name](**(table or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        msg = "unknown parameter" if err["type"] == "extra_forbidden" else err["msg"]
        allowed = ", ".join(MECHANISMS[name].Params.model_fields) or "none"
        raise MechanismError(
            f"mechanisms.{name}.{key}", f"{msg} (parameters: {allowed})") from None


def resolve(spec: Any, scenario_tables: dict[str, dict[str, Any]]) -> list[Mechanism]:
    """Turn names, instances or ``"all"`` into configured mechanisms, in registry order.

    ``None`` takes the scenario's own ``mechanisms`` table. A name takes its parameters from
    the scenario's table when the scenario has one for it. ``administrative`` is always in.
    """
    if spec is None:
        spec = list(scenario_tables)
    if isinstance(spec, str):
        spec = list(MECHANISMS) if spec == "all" else [s for s in spec.split(",") if s]
    chosen: dict[str, Mechanism] = {}
    for item in spec:
        if isinstance(item, Mechanism):
            chosen[item.name] = type(item)(item.params)  # fresh state for each model
        elif item == "all":
            for name in MECHANISMS:
                chosen.setdefault(name, configure(name, scenario_tables.get(name)))
        else:
            chosen[item] = configure(item, scenario_tables.get(item))
    chosen.setdefault("administrative", configure("administrative",
                                                  scenario_tables.get("administrative")))
    return [chosen[name] for name in MECHANISMS if name in chosen]
