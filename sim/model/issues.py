"""Community issues: their arrival, the residents they affect, and the book of open ones.

An issue is a problem of one type (parking, illegal construction, property management,
environment, elderly services) that touches the eligible residents of some buildings. It is
unknown to the committee until detected, then handled, possibly referred upward, and finally
decided (quality, position, acceptance, implementation; sim.model.decision). Issues are few
(a handful open at a time), so they are plain objects and the daily step loops over the open
ones, each acting on its members' rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.params import ISSUE_TYPES


@dataclass(eq=False)
class Issue:
    """One problem in the community."""

    id: int
    kind: int  # index into ISSUE_TYPES
    day: int  # arrival day
    members: np.ndarray  # affected residents
    severity: float
    complexity: float
    effort_left: float  # staff hours still needed
    effort: float = 0.0  # staff hours its preparation needs (E)
    known_day: int = -1  # day the committee learned of it
    resolved_day: int = -1
    referred_until: int = -1  # a referral is pending until this day
    held_by: str | None = None  # the mechanism holding it out of the committee's queue
    ignored: bool = False  # open past residents' patience
    support: float = 0.0  # resources pledged at a consultation table (share of the need)
    quality_bonus: float = 0.0  # expert input (think tank, sub-district experts, chamber)
    proposal: float | None = None  # position the participants agreed on, if any
    rung: float = 0.0  # authority of the forum that made the proposal (Fung's ladder)
    participants: np.ndarray | None = None  # who agreed on the proposal
    hours: float = 0.0  # staff hours spent preparing it
    pledges: dict[str, tuple[float, float]] = field(default_factory=dict)  # actor: (amount, psi)
    asked: bool = False  # the committee has asked the actors to engage
    escalated: bool = False  # passed to the sub-district's cloud consultation
    referred: bool = False  # referred upward at least once
    # The decision, once made (design causal_core 1):
    quality: float = 0.0  # Q
    implementation: float = 0.0  # M
    authority: float = 0.0  # lambda, the weight of the participants' position
    agreement: float = 0.0  # D
    decision: float = 0.5  # d, the decided position on the issue's opinion axis
    fav: np.ndarray | None = None  # realised favourability of each member
    acceptance: np.ndarray | None = None  # acceptance of each member
    voiced: list[np.ndarray] = field(default_factory=list)  # residents who gave voice
    post_voiced: int = 0  # leading entries of ``voiced`` given after a decision (complaints)

    @property
    def type_name(self) -> str:
        """The issue type's name."""
        return ISSUE_TYPES[self.kind]

    @property
    def known(self) -> bool:
        """Whether the committee knows of the issue."""
        return self.known_day >= 0

    @property
    def queued(self) -> bool:
        """In the committee's queue: no referral pending and no mechanism holding it."""
        return self.referred_until < 0 and self.held_by is None

    @property
    def resources(self) -> float:
        """Resources pledged so far, as a share of the need: the table's and the actors'."""
        return self.support + sum(amount for amount, _ in self.pledges.values())

    def propose(self, position: float, participants: np.ndarray, rung: float) -> None:
        """Participants agreed on a position in a forum with authority ``rung``."""
        self.proposal, self.participants, self.rung = position, np.asarray(participants), rung

    def pledge(self, actor: str, amount: float, reliability: float) -> None:
        """Record an actor's pledge (share of the need) and its chance of delivery."""
        self.pledges[actor] = (amount, reliability)

    def hold(self, by: str) -> None:
        """Hold the issue out of the committee's queue (for mechanism ``by``) until released.

        Written consultation holds an issue for opinions; cloud consultation while the
        sub-district has it.
        """
        self.held_by = by

    def release(self) -> None:
        """End a hold: the issue returns to the committee's queue."""
        self.held_by = None


class IssueBook:
    """Open and resolved issues."""

    def __init__(self, n_residents: int):
        self.n = n_residents
        self.open: list[Issue] = []
        self.resolved: list[Issue] = []
        self.next_id = 0

    def add(
        self,
        kind: int,
        day: int,
        members: np.ndarray,
        severity: float,
        complexity: float,
        effort: float,
    ) -> Issue:
        """Open a new issue."""
        issue = Issue(self.next_id, kind, day, members, severity, complexity, effort, effort)
        self.next_id += 1
        self.open.append(issue)
        return issue

    def close(self, issue: Issue, day: int) -> None:
        """Move an issue from open to resolved."""
        issue.resolved_day = day
        self.open.remove(issue)
        self.resolved.append(issue)

    def of_kind(self, kind: int) -> list[Issue]:
        """Open issues of one type."""
        return [i for i in self.open if i.kind == kind]
