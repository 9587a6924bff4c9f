"""Nightly parking supply and demand, and the conflicts of unmet demand (causal_core.md 2.1-2.2).

Every night each car household looks for a legal space: the estate's own spaces, the
after-hours spaces of the units whose sharing agreement is open (``levers.units_open``) and
the spaces won elsewhere (street spaces, ``levers.extra_spaces``). Households are placed in a
random order, first come first served (the tacit rule 先占先得, 法治日报 c. 2022); the rest are
unplaced. A household keeps the rule in force or defects (grabs, blocks, locks, overstays): under
a convention as it decided this month (``levers.compliance``, see
:mod:`sim.mechanisms.shared`), otherwise it keeps the tacit rule with chance
``compliance_norule``, drawn monthly. Tonight's conflicts are

    Poisson(kappa_grab x unplaced defectors + kappa_lock x lock_share x placed defectors
            + kappa_over x defectors in unit spaces),

each in a defector's building, drawn in proportion to each defector's contribution.

Unit withdrawal (feedback): every 30 days each unit with open spaces keeps them open with
probability ``logit⁻¹(unit_keep0 - unit_keep_overstay x overstay)``, ``overstay`` being the
share of its users over the month who defected; a withdrawn unit reopens only on a new
agreement (a mechanism sets ``levers.units_open`` again). All rates are ASSUMPTIONS
(no published rate of parking conflicts per unmet space was found; causal_core.md 8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from sim.model.behaviour import logistic

if TYPE_CHECKING:
    from sim.model import CommunityModel

#: Nights over which being unplaced makes a household's private pressure to defect
#: (causal_core.md 2.3's window of the last 7 nights).
PRESSURE_NIGHTS = 7
#: Days between a household's compliance decisions and the units' reviews (a month).
MONTH = 30
PARKING = 0  # the parking issue type's index (ISSUE_TYPES[0])


def poisson_ppf(u: float, lam: float) -> int:
    """``scipy.stats.poisson.ppf(u, lam)`` for ``lam > 0``: scipy's own formula, called directly.

    The smallest ``k`` with ``P(X <= k) >= u`` (``-1`` at ``u = 0``), without the generic
    distribution's argument handling, which cost more than the rest of the night.
    """
    if u == 0.0:
        return -1
    k = np.ceil(special.pdtrik(u, lam))
    below = max(k - 1.0, 0.0)
    return int(below if special.pdtr(below, lam) >= u else k)


class ParkingLot:
    """The estate's nightly parking: supply, placement, defection, conflicts."""

    def __init__(self, model: CommunityModel):
        pop = model.pop
        #: First resident of each household (households are contiguous blocks).
        self.head = np.flatnonzero(np.diff(pop.household, prepend=-1))
        self.building = pop.building[self.head]
        h, u = pop.n_households, len(model.units)
        self.unit_spaces = np.array([x.spaces_after_hours for x in model.units], dtype=np.int64)
        self.recent = np.zeros((PRESSURE_NIGHTS, h), dtype=bool)  # unplaced, last nights
        self.tacit = np.zeros(h, dtype=bool)  # keeps the tacit rule this month
        self.unplaced = np.zeros(h, dtype=bool)  # tonight
        self.defect = np.zeros(h, dtype=bool)  # tonight
        self.lam = 0.0  # tonight's conflict rate
        self.used = np.zeros(u)  # household-nights in each unit's spaces this month
        self.overstayed = np.zeros(u)  # of which by defectors

    def supply(self, model: CommunityModel) -> int:
        """Legal spaces tonight: own + open units' after-hours spaces + spaces won elsewhere."""
        lv = model.levers
        units = int(self.unit_spaces @ lv.units_open) if len(self.unit_spaces) else 0
        return model.spaces + units + sum(lv.extra_spaces.values())

    def pressure(self) -> np.ndarray:
        """Each household's private pressure to defect: its share of the last 7 nights unplaced.

        causal_core.md 2.3 has ``g = 1`` if unplaced on 2 or more of them; with a random order
        each night nearly every car household meets that at the baseline's shortage (a half),
        so the share keeps the term graded.
        """
        return self.recent.mean(axis=0)

    def keeps(self, model: CommunityModel) -> np.ndarray:
        """Households keeping the rule in force: the convention's decision, else the tacit one."""
        c = model.levers.compliance[PARKING, self.head]
        return np.where(np.isnan(c), self.tacit, c >= 0.5)

    def _review_units(self, model: CommunityModel, rng: np.random.Generator) -> None:
        p, lv = model.spec.parking, model.levers
        u = rng.random(len(self.unit_spaces))
        overstay = np.divide(
            self.overstayed, self.used, out=np.zeros_like(self.used), where=self.used > 0
        )
        keep = u < logistic(p.unit_keep0 - p.unit_keep_overstay * overstay)
        lv.units_open &= keep
        self.used[:] = 0.0
        self.overstayed[:] = 0.0

    def night(self, model: CommunityModel) -> tuple[int, np.ndarray]:
        """Tonight's parking: the number of conflicts and the building of each."""
        p = model.spec.parking
        rng = model.stream("parking")
        h = len(self.head)
        if model.day % MONTH == 0:
            if model.day:
                self._review_units(model, rng)
            self.tacit = rng.random(h) < p.compliance_norule
        cars = np.flatnonzero(model.car_household)
        order = cars[np.argsort(rng.random(h)[cars], kind="stable")]  # first come, first served
        placed = min(self.supply(model), len(order))
        self.unplaced[:] = False
        self.unplaced[order[placed:]] = True
        self.recent[model.day % PRESSURE_NIGHTS] = self.unplaced
        self.defect = model.car_household & ~self.keeps(model)
        rate = np.zeros(h)
        rate[order[:placed]] = p.kappa_lock * p.lock_share
        rate[order[placed:]] = p.kappa_grab
        # Unit spaces are filled after the estate's own spaces, unit by unit.
        bounds = model.spaces + np.cumsum(self.unit_spaces * model.levers.units_open)
        start = model.spaces
        for k, end in enumerate(bounds):
            users, start = order[start : min(end, placed)], end
            if not len(users):  # a closed unit, or the night's cars placed before it
                continue
            self.used[k] += len(users)
            self.overstayed[k] += np.count_nonzero(self.defect[users])
            rate[users] += p.kappa_over
        rate *= self.defect
        self.lam = lam = float(rate.sum())
        u = rng.random()  # one uniform a night, whatever the rate (common random numbers)
        n = poisson_ppf(u, lam) if lam > 0 else 0
        if not n:
            return 0, np.empty(0, dtype=np.int64)
        at = model.stream("parking_where").choice(h, size=n, p=rate / lam)
        return n, self.building[at]
