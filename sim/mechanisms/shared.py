"""Parameters and rules that several mechanisms share, declared once.

The issue committee (``issue_committee``) and proactive conventions (``convention``) both run
self-drafted conventions: the same compliance parameters and rule (MODEL 3.4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel

#: The trust at which legitimacy neither adds to nor takes from compliance: the middle of the
#: scale, where ``legitimacy`` is stated "per unit of trust above 0.5" (Tyler 1990).
TRUST_NEUTRAL = 0.5


class ConventionParams(Params):
    """Compliance with a self-drafted convention (MODEL 3.4)."""

    compliance_base: float = param(
        0.6,
        ge=0,
        le=1,
        zh="基础遵守率",
        help="Compliance with a rule imposed from above",
        source="ASSUMPTION (MODEL 3.4)",
    )
    endogenous_bonus: float = param(
        0.1,
        ge=0,
        le=1,
        zh="自定规则加成",
        help="Added compliance for residents represented in drafting",
        source="ASSUMPTION; Ostrom, Walker & Gardner 1992",
    )
    monitoring_bonus: float = param(
        0.1,
        ge=0,
        le=1,
        zh="监督加成",
        help="Added compliance under volunteer monitoring",
        source="ASSUMPTION; Ostrom 1990 principle 4",
    )
    decay_per_month: float = param(
        0.02,
        ge=0,
        le=1,
        unit="1/month",
        zh="遵守衰减",
        help="Monthly fall of compliance without monitoring",
        source="ASSUMPTION (MODEL 3.4)",
    )
    legitimacy: float = param(
        0.2,
        ge=0,
        le=1,
        zh="合法性权重",
        help="Compliance change per unit of trust above 0.5",
        source="ASSUMPTION; Tyler 1990",
    )
    draft_days: int = param(
        60,
        ge=1,
        le=730,
        unit="days",
        zh="起草期",
        help="Days from forming to adopting the convention",
    )
    drafting_eps: float = param(
        0.5,
        ge=0,
        le=1,
        zh="起草协商信任阈",
        help="Confidence bound of the drafting deliberation",
        source="ASSUMPTION (as a facilitated meeting's; Luskin et al. 2022)",
    )


def compliance(
    model: CommunityModel,
    p: ConventionParams,
    who: np.ndarray | None,
    represented: np.ndarray,
    adopted_day: int,
) -> float:
    """Share of ``who`` (None: everyone) expected to keep a convention today.

    Each resident keeps it with probability ``compliance_base + endogenous_bonus
    (represented) + monitoring_bonus (volunteers on duty) + legitimacy x (trust - 0.5)``, minus
    ``decay_per_month`` a month without monitoring (Ostrom 1990; Tyler 1990; Dal Bó et al. 2010).
    """
    if who is not None and not len(who):
        return 0.0
    everyone = slice(None) if who is None else who
    months = (model.day - adopted_day) / 30.0
    monitored = model.levers.monitored
    # The rule's constant part takes two values, represented or not (the same float
    # operations as evaluating it per resident).
    level = [
        (
            p.compliance_base
            + p.endogenous_bonus * r
            + (p.monitoring_bonus if monitored else 0.0)
            - (0.0 if monitored else p.decay_per_month * months)
        )
        for r in (1.0, 0.0)
    ]
    c = np.where(represented[everyone], *level) + p.legitimacy * (
        model.state.trust[everyone] - TRUST_NEUTRAL
    )
    return float(np.add.reduce(np.clip(c, 0.0, 1.0)) / len(c))  # the mean, less overhead
