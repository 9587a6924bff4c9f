"""The model's records: residents' arrays, the shared levers, the core's totals and day.

Mechanisms read these and change them only as the contract in :mod:`sim.mechanisms.base`
allows (named model methods, the levers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.mechanisms.base import Mechanism


@dataclass
class State:
    """Residents' dynamic state, one array per variable (index = resident)."""

    aware: np.ndarray  # bool: knows the current policy from above
    grievance: np.ndarray  # [0, 1]
    efficacy: np.ndarray  # [0, 1]
    trust: np.ndarray  # [0, 1], in the resident committee
    satisfaction: np.ndarray  # [0, 1]
    expectation: np.ndarray  # [0, 1], expected performance
    justice: np.ndarray  # [0, 1], perceived procedural justice, relaxes toward the climate
    process: np.ndarray  # satisfaction bonus or penalty from voice and replies, decays
    harm: np.ndarray  # [0, 1], harm of recent conflicts nearby, decays
    last_part: np.ndarray  # int: last day of taking part in a consultation
    last_loss: np.ndarray  # int: last day a decision went against one (favourability < 0.5)
    opinion: np.ndarray  # n x issue types, position on each issue's axis in [0, 1]
    theta: np.ndarray  # share of ties who took part needed to be drawn in (Granovetter 1978)
    fav_expect: np.ndarray  # [0, 1], expected outcome of a decision (mean of the last three)
    disc_issue: np.ndarray  # per-issue disconfirmation on satisfaction, decays
    issues_touched: np.ndarray  # decisions and ignored issues touching one, last year (decays)
    issues_heard: np.ndarray  # of which decided with voice or replied (decays alike)
    voices: np.ndarray  # times one was heard in the last year (decays alike)


@dataclass
class Levers:
    """The shared levers mechanisms set and the core reads (contract: sim.mechanisms.base).

    ``compliance`` is reset by the core each morning (to NaN: no convention binds) and
    restated by the conventions in ``decide``; the other levers persist.
    """

    report_weight: np.ndarray  # per resident, x the chance to report an issue; 1 each day
    #: issue types x residents: 1 keeps the type's convention this month, 0 defects, NaN when
    #: no convention binds the resident (parking then follows the tacit rule, sim.model.parking)
    compliance: np.ndarray
    prevention: np.ndarray  # per issue type, share of arrivals a convention prevents
    units_open: np.ndarray  # per unit (model.units), its after-hours spaces are shared
    visible: np.ndarray  # per resident, 1 when a neighbour's duty is publicly listed
    monitored: np.ndarray  # per building, the last day a duty volunteer served there
    extra_spaces: dict[str, int] = field(default_factory=dict)  # other spaces won, by source
    escalator: Mechanism | None = None  # takes escalations instead of a department referral


@dataclass
class Totals:
    """The core's running counts since day 0."""

    resolved: int = 0
    escalations: int = 0
    conflicts: int = 0
    meetings: int = 0  # consultation meetings held (any mechanism's; see record_meeting)


@dataclass
class Today:
    """The core's record of the current day (a fresh one each morning)."""

    policy: bool = False  # a policy from above arrived today
    conflicts: float = 0.0
    conflicts_by_type: dict[str, float] = field(default_factory=dict)
