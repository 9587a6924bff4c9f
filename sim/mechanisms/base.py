"""The mechanism plug-in interface.

A mechanism is one class: a registry ``name``, English and Chinese titles, a one-line
``summary``, a frozen ``Params`` block (declared with :func:`sim.params.param`), and any of the
hooks below. ``CommunityModel.step`` calls the hooks of every active mechanism in the day's
phase order, mechanisms in registry order, so a mechanism only implements the phases it
touches. Its random draws come from its own stream (``model.stream(self.name)``), so switching
it on leaves the other processes' draws unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sim.params import Params

if TYPE_CHECKING:
    from sim.issues import Issue
    from sim.model import CommunityModel


class NoParams(Params):
    """A mechanism without parameters."""


class Mechanism:
    """Base of every mechanism; the hooks do nothing unless overridden."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    title_zh: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    online: ClassVar[bool] = False
    Params: ClassVar[type[Params]] = NoParams

    def __init__(self, params: Params | None = None, **values: Any):
        self.params = params if params is not None else self.Params(**values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"

    # Hooks, in the day's phase order (see CommunityModel.step).
    def setup(self, model: CommunityModel) -> None:
        """Once, after the community is built."""

    def arrivals(self, model: CommunityModel) -> None:
        """Phase 1: after the day's issues and policies arrive."""

    def inform(self, model: CommunityModel) -> None:
        """Phase 2: information spread and issue detection."""

    def participate(self, model: CommunityModel) -> None:
        """Phase 3: who takes part in today's consultation."""

    def consult(self, model: CommunityModel) -> None:
        """Phase 4: deliberation among today's participants."""

    def decide(self, model: CommunityModel) -> None:
        """Phase 5: decisions on issues and their implementation."""

    def on_resolved(self, model: CommunityModel, issue: Issue) -> None:
        """Called when an issue is resolved, before residents' feedback."""

    def feedback(self, model: CommunityModel) -> None:
        """Phase 6: after satisfaction, trust and efficacy are updated."""
