"""The community model and its parts.

- :mod:`sim.model.community`: :class:`CommunityModel`, one day per step, its phases written
  once in ``CommunityModel.step``;
- :mod:`sim.model.state`: residents' arrays, the shared levers, the core's totals;
- :mod:`sim.model.population`, :mod:`sim.model.network`: building a community;
- :mod:`sim.model.agents`: Mesa agents (residents as views of their rows, the committee, units,
  the property firm, the sub-district);
- :mod:`sim.model.issues`: issues and the book of open ones;
- :mod:`sim.model.behaviour`: the behavioural rules (participation, satisfaction).
"""

from typing import Any

__all__ = ["DEFAULT_SCENARIO", "CommunityModel"]


def __getattr__(name: str) -> Any:
    """``CommunityModel`` and ``DEFAULT_SCENARIO``, imported on first use.

    Mechanisms import the model's parts (``sim.model.population``) while the model imports
    the mechanism registry; importing the model itself lazily breaks that circle.
    """
    if name in __all__:
        import sim.model.community as community

        return getattr(community, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
