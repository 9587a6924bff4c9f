"""The model's agents: residents as views on the model's arrays, and the few institutions.

A :class:`Resident` holds only its index; every attribute reads or writes its row of the
model's arrays, so a user can inspect one resident the Mesa way while the daily step updates
everyone at once. Institutions (committee, units, property firm, sub-district) are few and are
plain Mesa agents with methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.model import decision
from sim.model.population import AGE_GROUPS
from sim.params import CommitteeParams, PropertyFirmParams, SubDistrictParams, UnitParams

if TYPE_CHECKING:
    from sim.model import CommunityModel
    from sim.model.issues import Issue
    from sim.params import DecisionParams


def _static(name: str, doc: str) -> property:
    def get(self: Resident) -> Any:
        return getattr(self.model.pop, name)[self.idx].item()

    return property(get, doc=doc)


def _dynamic(name: str, doc: str) -> property:
    def get(self: Resident) -> Any:
        return getattr(self.model.state, name)[self.idx].item()

    def set_(self: Resident, value: Any) -> None:
        getattr(self.model.state, name)[self.idx] = value

    return property(get, set_, doc=doc)


class Resident(mesa.Agent):
    """A resident (居民): a view on row ``idx`` of the model's arrays."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, idx: int):
        super().__init__(model)
        self.idx = idx

    household = _static("household", "Household index.")
    building = _static("building", "Building index.")
    online = _static("online", "Uses WeChat / a smartphone.")
    core = _static("core", "Resident core member (居民骨干).")
    employed = _static("employed", "In work (time cost of meetings).")
    aware = _dynamic("aware", "Knows the current policy from above.")
    grievance = _dynamic("grievance", "Grievance from open issues, in [0, 1].")
    efficacy = _dynamic("efficacy", "External efficacy, in [0, 1].")
    trust = _dynamic("trust", "Trust in the resident committee, in [0, 1].")
    satisfaction = _dynamic("satisfaction", "Satisfaction with governance, in [0, 1].")
    last_participation = _dynamic("last_part", "Last day of taking part in a consultation.")

    @property
    def age_group(self) -> str:
        """The age group: ``young``, ``middle`` or ``elderly``."""
        return AGE_GROUPS[self.model.pop.age[self.idx]]

    @property
    def has_car(self) -> bool:
        """Whether the resident's household owns a car today."""
        return bool(self.model.car_household[self.model.pop.household[self.idx]])

    @property
    def opinion(self) -> np.ndarray:
        """Opinion on each issue type's axis (a copy)."""
        return self.model.state.opinion[self.idx].copy()


class ResidentCommittee(mesa.Agent):
    """The resident committee (社区居委会) and its social workers: the scarce hours.

    Its ``staff`` follow the community's size (:meth:`CommitteeParams.staff_at`: the declared
    staff, or the national norm per resident if that is more) and ``scale`` is their ratio to
    the declared staff (1 at a built-in scenario's size): fixed service hours a mechanism
    declares for a community (a counter's hours, home visits) are multiplied by it. Each day
    the staff have ``staff x hours_per_day`` hours, of which ``admin_share`` go to tasks from
    above (行政化, MODEL 3.7); the rest is spent, in phase order, on explaining policies,
    handling issues and whatever the mechanisms ask for.
    """

    def __init__(self, model: CommunityModel, params: CommitteeParams):
        super().__init__(model)
        self.params = params
        self.staff = params.staff_at(model.pop.n)
        self.scale = self.staff / params.staff
        self.position = params.position  # its preferred option on every issue axis
        self.free = 0.0
        self.spent: dict[str, float] = {}

    @property
    def hours_free_per_day(self) -> float:
        """Staff hours per day left after the administrative load."""
        p = self.params
        return self.staff * p.hours_per_day * (1.0 - p.admin_share)

    def start_day(self) -> None:
        """Reset the day's hour budget."""
        self.free = self.hours_free_per_day
        self.spent = {}

    def spend(self, hours: float, kind: str) -> float:
        """Spend up to ``hours`` of today's free hours on ``kind``; return what was granted."""
        granted = min(max(hours, 0.0), self.free)
        self.free -= granted
        self.spent[kind] = self.spent.get(kind, 0.0) + granted
        return granted


class Actor(mesa.Agent):
    """An organisation that can bring resources to an issue (coproduction, Ostrom 1996).

    Subclasses set ``stakeholder`` (its name in an issue type's ``stakeholders``),
    ``resources`` (what it pledges, as a share of an issue's need) and ``reliability`` (the
    chance it delivers a pledge).
    """

    stakeholder = ""
    resources = 0.0
    reliability = 1.0

    def pledge(
        self,
        p: DecisionParams,
        stakeholders: tuple[str, ...],
        seat: float,
        consulted: float,
        u: float,
    ) -> float:
        """What it pledges to an issue (0 if it does not engage).

        It engages when ``u`` (a uniform) falls below ``logit^-1(eta0 + eta_seat seat +
        eta_int interest + eta_ask asked)`` (design causal_core 1.2): interest 1 for an issue
        it is a stakeholder of, else ``interest_other``; asked when it is a stakeholder and a
        forum consulted on the issue (``consulted``).
        """
        party = self.stakeholder in stakeholders
        interest = 1.0 if party else p.interest_other
        chance = decision.engagement_probability(p, seat, interest, consulted * party)
        return self.resources if u < chance else 0.0


class ResidentUnit(Actor):
    """A resident unit (辖区单位): kindergarten, industrial park, enterprise or school.

    It pledges its after-hours parking spaces or rooms (``resources``) and delivers with
    ``reliability``.
    """

    stakeholder = "units"

    def __init__(self, model: CommunityModel, params: UnitParams):
        super().__init__(model)
        self.params = params
        self.kind = params.kind
        self.spaces_after_hours = params.spaces_after_hours
        self.resources = params.resources
        self.reliability = params.reliability


class PropertyFirm(Actor):
    """The property firm (物业), where the estate has one.

    Its ``strength`` is both its fee and staff input to an issue it engages on and its
    reliability (design causal_core 1.3).
    """

    stakeholder = "property_firm"

    def __init__(self, model: CommunityModel, params: PropertyFirmParams):
        super().__init__(model)
        self.params = params
        self.strength = params.strength
        self.resources = self.reliability = params.strength


class SubDistrict(mesa.Agent):
    """The sub-district (街道): the escalation level with departments and experts."""

    def __init__(self, model: CommunityModel, params: SubDistrictParams):
        super().__init__(model)
        self.params = params
        self.street_spaces = params.street_spaces
        self.resources = params.resources

    def respond(self, issue: Issue) -> None:
        """Departments act on a referred or escalated issue: they pledge their resources.

        Their response is the chance that they act at all (``p_dept_response``, Chen, Pan & Xu
        2016; cloud consultation's ``p_convened``), so an answered pledge is delivered.
        """
        issue.pledge("sub_district", self.resources, 1.0)
