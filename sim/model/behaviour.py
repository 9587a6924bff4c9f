"""Residents' behaviour rules as vectorised functions of state arrays (MODEL section 3).

Each function states its rule and source; all are synchronous (computed for everyone from the
same state, then applied).
"""

from __future__ import annotations

import numpy as np

from sim.params import BehaviourParams

#: Days within which taking part counts as recent (participation_rate, neighbours' example):
#: the definition of the participation metric, a month (MODEL 3.1), not a tunable parameter.
RECENT_DAYS = 30


def logistic(x: np.ndarray) -> np.ndarray:
    """The inverse logit."""
    return 1.0 / (1.0 + np.exp(-x))


def participation_probability(
    b: BehaviourParams,
    *,
    resources: np.ndarray,
    engagement: np.ndarray,
    social_met: np.ndarray,
    cost: np.ndarray,
    efficacy: np.ndarray,
    stake: np.ndarray,
    asked: np.ndarray | float = 0.0,
    broadcast: np.ndarray | float = 0.0,
    visible: float = 0.0,
) -> np.ndarray:
    """Chance of taking part when an occasion arises.

    ``p = logit⁻¹(b0 + bR·resources + bE·engagement + bS·social_met − bC·cost + bF·efficacy
    + bG·stake) + ask_personal·asked + ask_broadcast·broadcast + visibility·visible``,
    clipped to [0, 1]. The logit follows the resource model (Verba, Schlozman & Brady 1995);
    ``social_met`` is 1 where the share of one's face-to-face ties who took part reaches
    one's threshold (Granovetter 1978); recruitment enters as an absolute increase, the
    canvassing effect (Gerber & Green 2000) and the social-pressure effect (Gerber, Green &
    Larimer 2008), as MODEL 3.1 states them.
    """
    z = (
        b.b0
        + b.b_resources * resources
        + b.b_engagement * engagement
        + b.b_social * social_met
        - b.b_cost * cost
        + b.b_efficacy * efficacy
        + b.b_stake * stake
    )
    p = logistic(z) + b.ask_personal * asked + b.ask_broadcast * broadcast
    return np.clip(p + b.visibility * visible, 0.0, 1.0)


def performance(grievance: np.ndarray, conflict_harm: np.ndarray) -> np.ndarray:
    """Perceived performance: one minus grievance and the harm of nearby conflicts, in [0, 1]."""
    return np.clip(1.0 - grievance - conflict_harm, 0.0, 1.0)


def satisfaction(
    b: BehaviourParams,
    perf: np.ndarray,
    expectation: np.ndarray,
    justice: np.ndarray,
    process: np.ndarray,
) -> np.ndarray:
    """Satisfaction with the community's governance, in [0, 1].

    ``S = s0 + a·P + b·(P − E) + w_proc·PJ·(1 − P) + process``: expectancy-disconfirmation
    (Van Ryzin 2004), procedure weighing more when outcomes are bad (Brockner & Wiesenfeld
    1996), and the decaying bonuses and penalties of voice and of replies (Lind, Kanfer &
    Earley 1990; Chen et al. 2023; Nie & Wang 2023).
    """
    s = (
        b.sat_base
        + b.sat_performance * perf
        + b.sat_disconfirmation * (perf - expectation)
        + b.w_procedure * justice * (1.0 - perf)
        + process
    )
    return np.clip(s, 0.0, 1.0)


def daily_rate(monthly: float) -> float:
    """The daily rate that compounds to a monthly (30-day) rate."""
    return 1.0 - (1.0 - monthly) ** (1.0 / 30.0)


def halflife_factor(days: float) -> float:
    """The daily decay factor of a quantity with the given half-life."""
    return 0.5 ** (1.0 / days)
