"""cogov: an agent-based model of community co-governance (社区共治) in Chinese cities.

The Python API: :func:`load_scenario`, :func:`run` and :class:`CommunityModel`; the agents
:class:`Resident`, :class:`ResidentCommittee`, :class:`ResidentUnit`, :class:`PropertyFirm`
and :class:`SubDistrict`; the mechanism registry ``MECHANISMS``.
"""

from sim.inputs import InputError
from sim.mechanisms import MECHANISMS, Mechanism
from sim.model.agents import PropertyFirm, Resident, ResidentCommittee, ResidentUnit, SubDistrict
from sim.model.community import CommunityModel
from sim.run import RunResult, run
from sim.scenario import Scenario, load_scenario

__all__ = [
    "MECHANISMS",
    "CommunityModel",
    "InputError",
    "Mechanism",
    "PropertyFirm",
    "Resident",
    "ResidentCommittee",
    "ResidentUnit",
    "RunResult",
    "Scenario",
    "SubDistrict",
    "load_scenario",
    "run",
]
