"""Graded issue handling: the rules that turn inputs into a decision and its effects.

Design: ``docs/design/causal_core.md`` section 1. Three quantities per decided issue, each a
smooth function of its inputs (no threshold): quality ``Q`` (share of the problem the decision
would fix if fully implemented), acceptance ``A_j`` per affected resident, implementation
``M`` (share carried out). A resident's realised favourability is
``fav_j = Q x M x (1 - |x_j - d|)``. Order within a decision (no circularity): Q and the
position d, then announced favourability ``fav0_j = Q (1 - |x_j - d|)``, acceptance (uses
fav0), implementation (uses acceptance), realised favourability.

The axes follow Fung 2006 ("Varieties of Participation in Complex Governance", PAR 66): who
takes part (information, representation), how they decide (agreement), and the link to action
(authority, implementation). Resources come from actors who engage (coproduction, Ostrom 1996;
resources rather than appeals, Jakobsen 2013). Functional forms and defaults are ASSUMPTIONS
(``DecisionParams``); the orderings of the acceptance weights are evidenced (Arnesen 2017,
Esaiasson et al. 2012, Werner & Marien 2022, Wu & Wu 2015).

The functions here are the rules, vectorised over residents; :func:`voice_record` and
:func:`groups` read an issue's record from the model. The handling routine that gathers the
inputs and applies these rules is :mod:`sim.mechanisms.administrative` (shared by every
mechanism that decides issues).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.behaviour import logistic
from sim.model.population import ELDERLY

if TYPE_CHECKING:
    from sim.model import CommunityModel
    from sim.model.issues import Issue
    from sim.params import DecisionParams

#: SD of a uniform[0, 1] opinion: agreement is 0 when the heard are as spread as chance.
SD_UNIFORM = float(np.sqrt(1.0 / 12.0))


def saturating(n: np.ndarray | float, scale: float) -> np.ndarray | float:
    """``1 - exp(-n / scale)``: the common saturating form (0 at n = 0, 63 % at the scale)."""
    return 1.0 - np.exp(-np.asarray(n, dtype=float) / scale)


def information(n_heard: int, p: DecisionParams) -> float:
    """Local knowledge surfaced by ``n_heard`` informants: ``I = 1 - exp(-n_h / n_info)``.

    Count-based and saturating: the marginal informant adds less (ASSUMPTION).
    """
    return float(saturating(n_heard, p.n_info))


def representation(
    group: np.ndarray, heard: np.ndarray, orgs_heard: int, n_orgs: int, p: DecisionParams
) -> float:
    """Representation of the affected groups: ``R = sum_g pi_g (1 - exp(-n_g / m_rep))``.

    ``group`` is each affected resident's group (building x car x elderly), ``heard`` a mask
    of those who spoke; residents' groups get their population share, each of ``n_orgs``
    stakeholder organisations ``org_share`` (renormalised), heard when it engaged.
    """
    _, inverse, size = np.unique(group, return_inverse=True, return_counts=True)
    voices = np.bincount(inverse, weights=heard.astype(float), minlength=len(size))
    org = p.org_share * n_orgs
    total = 1.0 + org
    residents = float(np.sum(size / size.sum() * saturating(voices, p.m_rep))) if len(size) else 0
    orgs = p.org_share * (orgs_heard * float(saturating(1, p.m_rep)))
    return (residents + orgs) / total


def agreement(positions: np.ndarray) -> float:
    """Deliberation agreement ``D = clip(1 - sd / 0.289, 0, 1)`` of the heard's positions.

    Fewer than two heard residents: no agreement to speak of (0).
    """
    if len(positions) < 2:
        return 0.0
    return float(np.clip(1.0 - np.std(positions) / SD_UNIFORM, 0.0, 1.0))


def staff_time(hours: float, effort: float, p: DecisionParams) -> float:
    """Staff-time term ``1 - exp(-H / (time_scale x E))`` (1 for an issue needing no hours)."""
    if effort <= 0:
        return 1.0
    return float(saturating(hours, p.time_scale * effort))


def resource_share(rho: float) -> float:
    """Saturating resource ratio ``rho / (1 + rho)`` (pledges as shares of the need)."""
    return rho / (1.0 + rho)


def engagement_probability(p: DecisionParams, seat: float, interest: float, asked: float) -> float:
    """An actor's chance to engage: ``logit^-1(eta0 + eta_seat s + eta_int i + eta_ask a)``."""
    return float(logistic(p.eta0 + p.eta_seat * seat + p.eta_int * interest + p.eta_ask * asked))


def inputs(
    p: DecisionParams, capacity_time: float, info: float, resources: float, expert: float
) -> float:
    """The co-produced input ``X = (sum_k w_k z_k^s)^(1/s)`` (``s = 1``: the additive sum)."""
    w = np.array([p.w_cap, p.w_info, p.w_res, p.w_exp])
    z = np.array([capacity_time, info, resources, expert])
    s = p.ces
    return float(np.sum(w * z**s) ** (1.0 / s))


def quality(p: DecisionParams, x: float, complexity: float) -> float:
    """Decision quality ``Q = q_lo + (1 - q_lo)(1 - exp(-X / complexity))``."""
    if complexity <= 0:
        return 1.0
    return float(p.q_lo + (1.0 - p.q_lo) * saturating(x, complexity))


def referral_probability(
    p: DecisionParams, complexity: float, capacity_time: float, resources: float
) -> float:
    """Chance the committee refers an issue upward: ``logit^-1((k - cap tau - rho~) / s_ref)``."""
    return float(logistic((complexity - capacity_time - resources) / p.s_ref))


def authority(rung: float, agreement_: float) -> float:
    """Weight of the participants' position: ``lambda = lambda_auth x sqrt(D)``.

    ``rung`` is the forum's place on Fung's ladder of authority; a split group pulls less.
    """
    return rung * float(np.sqrt(agreement_))


def position(lam: float, proposal: float, committee: float) -> float:
    """Decided position ``d = lambda P + (1 - lambda) x_RC``."""
    return lam * proposal + (1.0 - lam) * committee


def acceptance(
    p: DecisionParams,
    fav0: np.ndarray,
    voice: np.ndarray,
    represented: float,
    agreement_: float,
    trust: np.ndarray,
) -> np.ndarray:
    """Each affected resident's acceptance of the decision (design 1.3).

    ``A = logit^-1(a0 + aF 4(fav0 - 0.5) + aV v + aR R + aD D + aT 4(trust - 0.5)
    + aVT v (trust - 0.5))``: favourability dominates (Arnesen 2017), own voice next
    (Esaiasson et al. 2012), voice buffers more under high trust (Wu & Wu 2015).
    """
    z = (
        p.alpha0
        + p.alpha_f * 4.0 * (fav0 - 0.5)
        + p.alpha_v * voice
        + p.alpha_r * represented
        + p.alpha_d * agreement_
        + p.alpha_t * 4.0 * (trust - 0.5)
        + p.alpha_vt * voice * (trust - 0.5)
    )
    return logistic(z)


def implementation(staff: float, delivered: float, compliance: float) -> float:
    """Implementation ``M = M_staff x M_res x M_comp``.

    Staff follow-through, the share of the planned inputs actually delivered, and, where the
    decision needs residents' behaviour, their compliance (the mean acceptance for now).
    """
    return staff * delivered * compliance


def favourability(q: float, m: float, opinion: np.ndarray, decision: float) -> np.ndarray:
    """Realised favourability ``fav_j = Q x M x (1 - |x_j - d|)``."""
    return q * m * (1.0 - np.abs(opinion - decision))


def voice_record(model: CommunityModel, issue: Issue) -> tuple[np.ndarray, np.ndarray]:
    """The affected's voice (1 heard, ``voice_represented`` represented, else 0) and the heard mask.

    Heard: gave voice on the issue (``issue.voiced``); represented: a household member or a
    face-to-face tie was heard (design 1.2, item 3; 0.5 by default).
    """
    m, pop = issue.members, model.pop
    spoke = np.zeros(pop.n, dtype=bool)
    if issue.voiced:
        spoke[np.concatenate(issue.voiced)] = True
    heard = spoke[m]
    near = np.zeros(pop.n, dtype=bool)
    if heard.any():
        who = m[heard]
        home = np.zeros(pop.n_households, dtype=bool)
        home[pop.household[who]] = True
        near |= home[pop.household]
        near[model.net.ties_of(who)[0]] = True
    voice = np.where(heard, 1.0, np.where(near[m], model.spec.decision.voice_represented, 0.0))
    return voice, heard


def groups(model: CommunityModel, issue: Issue) -> np.ndarray:
    """Each affected resident's group: building x car household x elderly."""
    m, pop = issue.members, model.pop
    car = model.car_household[pop.household[m]].astype(np.int64)
    old = (pop.age[m] == ELDERLY).astype(np.int64)
    return pop.building[m].astype(np.int64) * 4 + car * 2 + old
