"""The mechanism plug-in interface and its contract with the model.

A mechanism is one file with one class: a registry ``name``, English and Chinese titles, a
one-line ``summary``, the plain-language ``explanation`` (English and Chinese) the web UI
shows, a frozen ``Params`` block (declared with :func:`sim.params.param`), its own ``metrics``
(declared with :func:`sim.metrics.metric`), and any of the hooks below. ``CommunityModel.step``
calls the hooks of every active mechanism in the day's phase order, mechanisms in registry
order, so a mechanism only implements the phases it touches. Its random draws come from its
own stream (``model.stream(self.name)``), so switching it on leaves the other processes' draws
unchanged.

The contract. A mechanism may **read**: ``model.spec`` (the validated scenario), ``model.day``,
``model.pop`` (the population), ``model.net`` (the network), ``model.state`` (residents' arrays),
``model.issues`` (the issue book), ``model.committee``, ``model.units``, ``model.property_firm``,
``model.sub_district``, ``model.car_household``, ``model.parking`` (tonight's parking, read
only), ``model.levers``, ``model.totals``,
``model.today`` and the results accessors (``recent_participants``, ``household_aware``,
``participation_probability``, ``parking_shortage``). It may **change** the model only

- through the model's named methods: ``took_part``, ``give_voice``, ``make_aware``, ``reply``,
  ``let_down``, ``benefit``, ``gain_efficacy``, ``detect``, ``draw_participants`` (draws from
  the stream it is given), ``deliberate`` (moves the participants' opinions), ``resolve_issue``,
  ``escalate``, ``referral_failed``, ``record_meeting``, ``committee.spend`` and
  ``net.add_ties``;
- through the one typed record of shared levers, ``model.levers`` (:class:`sim.model.Levers`:
  ``report_weight`` (per resident), ``compliance`` (issue types x residents: this month's
  decision to keep a convention, NaN where none binds; reset to NaN each morning, so a
  convention restates it every day), ``prevention``, ``units_open`` (per unit: its spaces are
  shared; the core closes it when the unit withdraws), ``extra_spaces``, ``visible`` (per
  resident), ``monitored`` (per building: last day a volunteer watched it), ``escalator``);
- on an issue it handles: the consultation fields ``quality_bonus`` (expert input), ``support``
  (resources pledged at its table), ``escalated``, ``effort_left``, a proposal with its forum's
  authority (``issue.propose(position, participants, authority)``), an actor's pledge
  (``issue.pledge``, or ``sub_district.respond``), and a typed hold (``issue.hold(self.name)`` /
  ``issue.release()``) that keeps an issue out of the committee's queue.

Another mechanism is found with ``model.mechanism(name)`` (None when it is not active; a name
that is not registered raises) and changed only through its public methods. A mechanism keeps
its own state and its own totals as attributes of itself (set in ``setup``); its metrics read
them there. No mechanism reads a private (``_``) attribute of another module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sim.params import Params

if TYPE_CHECKING:
    from sim.metrics import Metric
    from sim.model import CommunityModel
    from sim.model.issues import Issue


class NoParams(Params):
    """A mechanism without parameters."""


class Mechanism:
    """Base of every mechanism; the hooks do nothing unless overridden."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    title_zh: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # what it does in the model, one line
    summary_zh: ClassVar[str] = ""  # the same in Chinese
    article: ClassVar[str] = ""  # where the article describes it (place, term)
    article_zh: ClassVar[str] = ""  # the same in Chinese
    explanation: ClassVar[str] = ""  # what it is, for the UI (from the article), English
    explanation_zh: ClassVar[str] = ""  # the same in Chinese
    metrics: ClassVar[tuple[Metric, ...]] = ()  # its own daily metrics (columns)
    online: ClassVar[bool] = False
    #: Residents take part in it (a consultation or an activity); False for a service or for
    #: visits counted as contact, which P5 ("every mechanism raises participation") does not
    #: cover.
    participatory: ClassVar[bool] = True
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
