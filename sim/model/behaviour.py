"""Residents' behaviour rules as vectorised functions of state arrays (MODEL section 3).

Each function states its rule and source; all are synchronous (computed for everyone from the
same state, then applied). The equations are those of the causal-core design
(``docs/design/causal_core.md`` sections 3 and 4).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from sim.params import BehaviourParams

#: Days within which taking part counts as recent (participation_rate): the definition of the
#: participation metric, a month (MODEL 3.1), not a tunable parameter.
RECENT_DAYS = 30
#: Days within which a tie's taking part counts for the neighbour threshold and one's own
#: record of being heard: a year (design doc 4.1 (a), 3.1), a definition.
YEAR_DAYS = 365
#: Logistic scale, in shares of one's ties, of the smooth neighbour threshold
#: ``logit⁻¹((s − θ) / 0.05)``: close to the step at ``s = θ`` (under half θ's spread) yet
#: differentiable (design doc 4.1 (b)), a form, not a tunable weight.
SOCIAL_SMOOTH = 0.05
#: Informants who surface 63 % of what can be known on an issue (design doc 1.2, ``n_info``):
#: the scale of the marginal gain of one more voice until core_decide's quality is wired in.
N_INFO = 8.0
#: Expected favourability is the mean of a resident's last three (design doc 3.1): an
#: exponential average with weight 1/3 on each new decision.
EXPECT_WEIGHT = 1.0 / 3.0
#: Satisfaction terms, in the order of :func:`satisfaction_terms` (each a metric ``sat_*``).
SAT_TERMS = ("base", "perf", "disc", "proc", "voice")


def logistic(x: np.ndarray | float) -> np.ndarray | float:
    """The inverse logit ``1 / (1 + exp(-x))``.

    For ``x`` below about -709, ``exp(-x)`` overflows to inf and the result is its limit, 0,
    without numpy's overflow warning.
    """
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def participation_probability(
    b: BehaviourParams,
    *,
    resources: np.ndarray,
    engagement: np.ndarray,
    age_term: np.ndarray | float,
    social: np.ndarray,
    cost: np.ndarray,
    efficacy: np.ndarray,
    benefit: np.ndarray,
    adult: np.ndarray,
    asked: np.ndarray | float = 0.0,
    broadcast: np.ndarray | float = 0.0,
    visible: float = 0.0,
) -> np.ndarray:
    """Chance of taking part when an occasion arises (design doc 4.1).

    ``p = logit⁻¹(b0 + bR·resources + bE·engagement + b_age + bS·social − bC·cost + bF·efficacy
    + bB·benefit) + ask_personal·asked + ask_broadcast·broadcast + visibility·visible``,
    clipped to [0, 1], and 0 for children. The logit follows the resource model (Verba,
    Schlozman & Brady 1995) with an age gradient calibrated to RC-election turnout by age
    (SUNS 2017); ``social`` is the smooth neighbour threshold (:func:`social_threshold`,
    Centola 2010) and ``benefit`` the group-size term (:func:`group_benefit`, Olson 1965);
    recruitment enters as an absolute increase, the canvassing effect (Gerber & Green 2000)
    and the social-pressure effect (Gerber, Green & Larimer 2008), as MODEL 3.1 states them.
    """
    base = participation_base(b, resources, engagement, age_term)
    return participation_chance(
        b,
        base=base,
        social=social,
        cost=cost,
        efficacy=efficacy,
        benefit=benefit,
        adult=adult,
        asked=asked,
        broadcast=broadcast,
        visible=visible,
    )


def participation_base(
    b: BehaviourParams,
    resources: np.ndarray,
    engagement: np.ndarray,
    age_term: np.ndarray | float,
) -> np.ndarray:
    """The fixed part of the participation logit: ``b0 + bR·resources + bE·engagement + b_age``.

    The first terms of :func:`participation_probability`'s logit, in its order (a resident's
    traits: the model computes them once a run).
    """
    return b.b0 + b.b_resources * resources + b.b_engagement * engagement + age_term


def participation_chance(
    b: BehaviourParams,
    *,
    base: np.ndarray,
    social: np.ndarray,
    cost: np.ndarray,
    efficacy: np.ndarray,
    benefit: np.ndarray,
    adult: np.ndarray,
    asked: np.ndarray | float = 0.0,
    broadcast: np.ndarray | float = 0.0,
    visible: np.ndarray | float = 0.0,
) -> np.ndarray:
    """:func:`participation_probability` from its fixed part ``base`` (:func:`participation_base`).

    The remaining logit terms are added to ``base`` in the same order, so the result is the
    same number.
    """
    z = base + b.b_social * social - b.b_cost * cost + b.b_efficacy * efficacy + b.b_stake * benefit
    p = logistic(z) + b.ask_personal * asked + b.ask_broadcast * broadcast
    return (p + b.visibility * visible).clip(0.0, 1.0) * adult  # np.clip's method, no wrapper


def social_threshold(share: np.ndarray, theta: np.ndarray, has_ties: np.ndarray) -> np.ndarray:
    """Smooth Granovetter threshold ``logit⁻¹((s − θ) / 0.05)``, 0 without ties (design doc 4.1).

    ``s``: the share of one's face-to-face ties who took part in the last year; ``θ``: the
    share one needs (:func:`theta_draw`; MODEL 3.1, Granovetter 1978). Costly behaviour
    spreads by reinforcement from one's own contacts (Centola 2010; Centola & Macy 2007).
    """
    return logistic((share - theta) / SOCIAL_SMOOTH) * has_ties


def theta_draw(b: BehaviourParams, u: np.ndarray) -> np.ndarray:
    """Thresholds ``θ ~ N(theta_mean, theta_sd)`` truncated to [0, 1], by inverse CDF of ``u``.

    MODEL 3.1 (Granovetter 1978).
    """
    if b.theta_sd == 0:
        return np.full(np.shape(u), b.theta_mean)
    lo, hi = ndtr(-b.theta_mean / b.theta_sd), ndtr((1.0 - b.theta_mean) / b.theta_sd)
    return np.clip(b.theta_mean + b.theta_sd * ndtri(lo + u * (hi - lo)), 0.0, 1.0)


def voice_gain(n_voiced: int) -> float:
    """Marginal gain of one more voice on an issue, relative to the first: ``exp(−n_h/n_info)``.

    The derivative of the information term ``I = 1 − exp(−n_h / n_info)`` (design doc 1.2),
    normalised to 1 for an issue no one has voiced yet. It stands for ``Δp_i`` of the
    group-size term until the decision quality ``Q_i`` is available (the lead may switch).
    """
    return float(np.exp(-n_voiced / N_INFO))


def group_benefit(
    b: BehaviourParams, stake: np.ndarray, gain: float, n_affected: int
) -> np.ndarray:
    """Olson's group-size benefit of taking part: ``stake · Δp · (N_ref / N)^γ`` (design 4.1).

    ``stake``: the affected residents' stakes (grievance, doubled for car households on a
    parking issue); ``gain``: :func:`voice_gain`; ``N``: the affected group's size (Olson
    1965; with γ = 0 size acts only through the marginal gain, Isaac & Walker 1988).
    """
    return stake * gain * (b.group_ref / max(n_affected, 1)) ** b.group_gamma


def performance(grievance: np.ndarray, conflict_harm: np.ndarray) -> np.ndarray:
    """Perceived performance: one minus grievance and the harm of nearby conflicts, in [0, 1]."""
    return np.clip(1.0 - grievance - conflict_harm, 0.0, 1.0)


def satisfaction_terms(
    b: BehaviourParams,
    perf: np.ndarray,
    expectation: np.ndarray,
    justice: np.ndarray,
    process: np.ndarray,
    disc_issue: np.ndarray,
) -> dict[str, np.ndarray | float]:
    """The terms of satisfaction, before clipping (design doc 3.1), by :data:`SAT_TERMS`.

    ``S = s0 + a·P + [b·(P − E) + D] + w_proc·PJ·(1 − P) + V``: expectancy-disconfirmation
    (Van Ryzin 2004) with the decaying per-issue disconfirmation ``D`` of decisions (van den
    Bos, Vermunt & Wilke 1996), procedure weighing more when outcomes are bad (Brockner &
    Wiesenfeld 1996), and the decaying bonuses and penalties ``V`` of voice and of replies
    (Lind, Kanfer & Earley 1990; Chen et al. 2023; Nie & Wang 2023).
    """
    return {
        "base": b.sat_base,
        "perf": b.sat_performance * perf,
        "disc": b.sat_disconfirmation * (perf - expectation) + disc_issue,
        "proc": b.w_procedure * justice * (1.0 - perf),
        "voice": process,
    }


def procedural_climate(
    b: BehaviourParams, issues_heard_share: np.ndarray, own_voices: np.ndarray
) -> np.ndarray:
    """The procedural climate perceived justice relaxes toward (design doc 3.1).

    ``PC = climate_base + climate_issues·(share of one's issues in the last year decided with
    voice or replied) + climate_own·(1 − exp(−voices in the last year))``.
    """
    own = 1.0 - np.exp(-own_voices)
    return b.climate_base + b.climate_issues * issues_heard_share + b.climate_own * own


def trust_step(
    b: BehaviourParams, trust: np.ndarray, target: np.ndarray, cogov: bool = False
) -> np.ndarray:
    """Trust after an event: asymmetric steps toward its target (design doc 3.2, MODEL 3.3).

    ``Δ = λ⁺·(T* − trust)`` when the target is higher (``λ⁺ × trust_cogov`` for a
    co-governed decision: power-sharing builds trust), ``λ⁻ = trust_neg_ratio·λ⁺`` when it is
    lower (Slovic 1993).
    """
    up = b.trust_gain * (b.trust_cogov if cogov else 1.0)
    rate = np.where(target >= trust, up, b.trust_gain * b.trust_neg_ratio)
    return (trust + rate * (target - trust)).clip(0.0, 1.0)


def trust_target(b: BehaviourParams, dj: np.ndarray | float, pj: np.ndarray) -> np.ndarray:
    """``T* = 0.4·DJ + 0.6·PJ`` (MODEL 3.2: trust in the RC weighs procedure more)."""
    return b.trust_dj_weight * dj + (1.0 - b.trust_dj_weight) * pj


def reopen_probability(b: BehaviourParams, share: float) -> float:
    """Chance that complaints reopen a decided issue: ``logit⁻¹((share − q_reopen)/scale)``.

    Smooth in the complaining share, as likely as not at ``q_reopen`` (design doc 3.1,
    ASSUMPTION): a few complaints reopen an issue now and then, as a dissatisfied caller's
    work order is redone (不满意重办), many almost surely; no threshold below which complaining
    cannot work.
    """
    return float(logistic(np.float64((share - b.reopen_share) / b.reopen_scale)))


def daily_rate(monthly: float) -> float:
    """The daily rate that compounds to a monthly (30-day) rate."""
    return 1.0 - (1.0 - monthly) ** (1.0 / 30.0)


def halflife_factor(days: float) -> float:
    """The daily decay factor of a quantity with the given half-life."""
    return 0.5 ** (1.0 / days)
