"""Community issues: their arrival, the residents they affect, and the book of open ones.

An issue is a problem of one type (parking, illegal construction, property management,
environment, elderly services) that touches the eligible residents of some buildings. It is
unknown to the committee until detected, then handled, possibly referred upward, and finally
resolved with a quality and a decided position. Issues are few (a handful open at a time),
so they are plain objects and the daily step loops over the open ones, each acting on its
members' rows.
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
    known_day: int = -1  # day the committee learned of it
    resolved_day: int = -1
    referred_until: int = -1  # a referral is pending until this day
    held_by: str | None = None  # the mechanism holding it out of the committee's queue
    ignored: bool = False  # open past residents' patience
    support: float = 0.0  # capacity added by stakeholders, experts, the sub-district
    quality_bonus: float = 0.0  # solution quality added by deliberation or expert input
    proposal: float | None = None  # position residents agreed on in consultation, if any
    escalated: bool = False  # passed to the sub-district's cloud consultation
    quality: float = 0.0  # quality of the chosen solution, once resolved
    decision: float = 0.5  # decided position on the issue's opinion axis
    co_governed: bool = False  # decided with resident voice
    voiced: list[np.ndarray] = field(default_factory=list)  # residents who gave voice

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
        issue = Issue(self.next_id, kind, day, members, severity, complexity, effort)
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
