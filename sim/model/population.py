"""Building a community's residents as a structure of arrays (one array per attribute).

Households live in flats, flats in stairwells (单元) and stairwells in buildings. Residents are
ordered by household, households by stairwell and stairwells by building, so a household, a
stairwell and a building are each a contiguous block of residents; the network builder
samples ties per block (Grannis 2009: ties form within small pedestrian-connected units).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.params import PopulationParams

YOUNG, MIDDLE, ELDERLY = 0, 1, 2
AGE_GROUPS = ("young", "middle", "elderly")


@dataclass(frozen=True)
class Population:
    """Static attributes of residents (index = resident id)."""

    household: np.ndarray  # int32, household of each resident
    stairwell: np.ndarray  # int32, stairwell (单元) of each resident
    building: np.ndarray  # int32, building of each resident
    age: np.ndarray  # int8, YOUNG / MIDDLE / ELDERLY
    employed: np.ndarray  # bool
    online: np.ndarray  # bool, uses WeChat / a smartphone
    core: np.ndarray  # bool, resident core member (居民骨干): the network's activists
    household_stairwell: np.ndarray  # int32, stairwell of each household
    n_households: int
    n_stairwells: int
    n_buildings: int
    adult: np.ndarray  # bool, aged 18+ (children, among the young, never take part)

    @property
    def n(self) -> int:
        """Number of residents."""
        return len(self.household)

    # Derived masks are computed once (the attributes are static); treat them as read-only.
    @cached_property
    def elderly(self) -> np.ndarray:
        """Mask of residents aged 60+."""
        return self.age == ELDERLY

    @cached_property
    def nonelderly(self) -> np.ndarray:
        """Mask of residents under 60."""
        return self.age != ELDERLY

    @cached_property
    def offline(self) -> np.ndarray:
        """Mask of residents who use no WeChat / smartphone."""
        return ~self.online

    def members(self, group: str) -> np.ndarray:
        """Indices of the residents in a named mask (``elderly``, ``online``, ...), cached."""
        cache: dict[str, np.ndarray] = self.__dict__.setdefault("_members", {})
        if group not in cache:
            cache[group] = np.flatnonzero(getattr(self, group))
        return cache[group]


def household_sizes(residents: int, households: int, rng: np.random.Generator) -> np.ndarray:
    """Sizes summing exactly to ``residents``: one each, the rest spread at random."""
    extra = rng.multinomial(residents - households, np.full(households, 1.0 / households))
    return 1 + extra


def stairwells(households: int, per_building: int, per_stairwell: int) -> np.ndarray:
    """Stairwell of each household, numbered from 0 in building order.

    Buildings of ``per_building`` households in order, each split into stairwells of
    ``per_stairwell`` (the last one of a building may be smaller; a building smaller than a
    stairwell is one stairwell).
    """
    h = np.arange(households)
    local = h % per_building
    starts = (local % min(per_stairwell, per_building)) == 0
    return (np.cumsum(starts) - 1).astype(np.int32)


def build_population(p: PopulationParams, rng: np.random.Generator) -> Population:
    """Draw a population with exactly ``p.residents`` residents in ``p.households`` households.

    Households fill buildings of ``p.households_per_building`` and, inside them, stairwells
    of ``p.households_per_stairwell``, in household order.

    Age groups, work and online use are drawn per resident from the shares in ``p``; core
    members are drawn without replacement, weighted toward middle-aged and elderly residents
    (activists are mostly retired women, Read 2012; ``core_weight_*``). Children are drawn
    last among the young (``child_share`` of all residents), so the other draws keep their
    stream.
    """
    sizes = household_sizes(p.residents, p.households, rng)
    household = np.repeat(np.arange(p.households, dtype=np.int32), sizes)
    building = (household // p.households_per_building).astype(np.int32)
    household_stairwell = stairwells(
        p.households, p.households_per_building, p.households_per_stairwell
    )
    n = p.residents
    u = rng.random(n)
    age = np.full(n, MIDDLE, dtype=np.int8)
    age[u < p.share_young] = YOUNG
    age[u >= 1.0 - p.share_elderly] = ELDERLY
    employed = (age != ELDERLY) & (rng.random(n) < p.employed_share)
    online_share = np.array([p.online_share_young, p.online_share_middle, p.online_share_elderly])
    online = rng.random(n) < online_share[age]
    weights = np.array([p.core_weight_young, p.core_weight_middle, p.core_weight_elderly])[age]
    n_core = round(p.core_share * n)
    core = np.zeros(n, dtype=bool)
    if n_core:
        core[rng.choice(n, size=n_core, replace=False, p=weights / weights.sum())] = True
    return Population(
        household=household,
        stairwell=household_stairwell[household],
        building=building,
        age=age,
        employed=employed,
        online=online,
        core=core,
        household_stairwell=household_stairwell,
        n_households=p.households,
        n_stairwells=int(household_stairwell[-1]) + 1,
        n_buildings=int(building[-1]) + 1,
        adult=~((age == YOUNG) & (rng.random(n) * p.share_young < p.child_share)),
    )
