"""A district of many communities: sub-districts share escalation capacity (MODEL 4, 5 Q6).

- :mod:`~sim.experiments.district.schema`: the district file (sub-districts, communities);
- :mod:`~sim.experiments.district.coupling`: sub-districts' shared queues and the exchange of
  capacity between them;
- :mod:`~sim.experiments.district.execution`: running a district on an executor.

Its command line is :mod:`sim.cli.district`.
"""

from sim.experiments.district.coupling import (
    Interval,
    Recipe,
    SubDistrictState,
    advance,
    advance_shipped,
    allocate,
    build,
    recipes,
)
from sim.experiments.district.execution import DistrictResult, run_district
from sim.experiments.district.schema import (
    CommunityGroup,
    DistrictSpec,
    SubDistrictSpec,
    community_scenario,
    district_names,
    load_district,
)

__all__ = [
    "CommunityGroup",
    "DistrictResult",
    "DistrictSpec",
    "Interval",
    "Recipe",
    "SubDistrictSpec",
    "SubDistrictState",
    "advance",
    "advance_shipped",
    "allocate",
    "build",
    "community_scenario",
    "district_names",
    "load_district",
    "recipes",
    "run_district",
]
