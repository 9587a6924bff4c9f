"""Community public services (完善社区公共服务, Yunlong): a one-stop service counter.

Article: Yunlong district (Xuzhou) takes "improving community public services" as its theme; it
gives no detail. Community service centres with a one-stop counter (一站式服务) handle residents'
everyday business (certificates, social security, elderly allowances); in person they serve
mostly older and less educated residents, while many forms can be done online (Kelman 2016 on
Shanghai Xuhui's service centre). By April 2017 China had 3,058 administrative service halls at
county level and above, 784 cases a hall a day in 2016 (State Council inspection, gov.cn
2017-11-23). Satisfaction with services follows performance and its expectation (Van Ryzin
2004); usefulness of a response matters more than its speed (Chen et al. 2023).

Rule. Each resident without a pending need develops one with the daily chance
``needs_per_year_<age group> / 365``. An online resident settles it online at once with chance
``online_share``; the rest wait in one queue. Every day the counter is staffed for
``counter_hours_per_week / 7`` hours from the committee's free hours, taken in the morning
(phase 2, before explanations, meetings and handling: fixed service hours come first, so they
compete with consultation; only a joint meeting's monthly date is booked before them), and
serves waiting needs first come, first served, at ``case_minutes`` each. Offline elderly
residents are visited at home (上门服务) at ``home_visits_per_week``, ``home_minutes`` each,
before the counter serves. Both service levels
are those of a committee at its declared staff and grow with it (times the committee's
``scale``, the size rule of :class:`sim.model.agents.ResidentCommittee`). A served need is an
action on a resident's request: the action effect times ``quality`` on satisfaction and trust
gain times ``quality`` (the outcome channel of MODEL 3.2-3.3, no voice); a need waiting more than
``max_wait_days`` is taken elsewhere: satisfaction falls as after a referral-only answer (Nie &
Wang 2023), trust does not (nobody was referred).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.metrics import metric
from sim.model.population import ELDERLY
from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel


class PublicServicesParams(Params):
    """Parameters of community public services."""

    counter_hours_per_week: float = param(
        40.0,
        ge=0,
        le=1000,
        unit="h/week",
        zh="窗口服务工时",
        help="Social-worker hours a week staffing the one-stop counter (at the declared staff)",
        source="ASSUMPTION: one worker full time",
    )
    case_minutes: float = param(
        15.0,
        gt=0,
        le=480,
        unit="min/case",
        zh="每件办理时长",
        help="Counter minutes per need served",
        source="ASSUMPTION",
    )
    needs_per_year_young: float = param(
        1.5,
        ge=0,
        le=100,
        unit="1/year",
        zh="青年服务需求",
        help="Service needs a young resident has a year",
        source="ASSUMPTION",
    )
    needs_per_year_middle: float = param(
        2.5,
        ge=0,
        le=100,
        unit="1/year",
        zh="中年服务需求",
        help="Service needs a middle-aged resident has a year",
        source="ASSUMPTION",
    )
    needs_per_year_elderly: float = param(
        5.0,
        ge=0,
        le=100,
        unit="1/year",
        zh="老年服务需求",
        help="Service needs an elderly resident has a year (pensions, allowances, care)",
        source="ASSUMPTION",
    )
    online_share: float = param(
        0.3,
        ge=0,
        le=1,
        unit="share",
        zh="网上办理比例",
        help="Share of an online resident's needs settled online",
        source="ASSUMPTION; Kelman 2016: many forms online",
    )
    home_visits_per_week: float = param(
        10.0,
        ge=0,
        le=1000,
        unit="visits/week",
        zh="上门服务次数",
        help="Home visits a week to offline elderly residents (at the declared staff)",
        source="ASSUMPTION",
    )
    home_minutes: float = param(
        30.0,
        ge=0,
        le=480,
        unit="min/visit",
        zh="上门服务时长",
        help="Staff minutes per home visit",
        source="ASSUMPTION",
    )
    max_wait_days: int = param(
        14,
        ge=1,
        le=365,
        unit="days",
        zh="最长等待",
        help="Days a need waits before the resident goes elsewhere",
        source="ASSUMPTION",
    )
    quality: float = param(
        0.7,
        ge=0,
        le=1,
        unit="share",
        zh="服务质量",
        help="Quality of a service outcome",
        source="ASSUMPTION: above the top-down 0.5",
    )


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def _total(tally: np.ndarray, group: slice | int) -> float:
    """A group's tally (elderly 0, others 1) or both groups' (``slice(None)``).

    Tallies are sums of whole numbers, so ``tally[0] + tally[1]`` is ``np.sum``'s number.
    """
    return float(tally[group] if isinstance(group, int) else tally[0] + tally[1])


def _services(group: slice | int, what: str) -> Callable[..., float]:
    def fn(model: CommunityModel, m: PublicServices | None) -> float:
        if m is None:
            return float("nan")
        served = _total(m.served, group)
        if what == "coverage":
            return _ratio(served, served + _total(m.lapsed, group))
        return _ratio(_total(m.wait, group), served)

    suffix = "_elderly" if group == 0 else ""
    fn.__name__ = f"service_{what}{'_days' if what == 'wait' else ''}{suffix}"
    who = "elderly residents'" if group == 0 else "residents'"
    fn.__doc__ = (
        f"Public services: share of {who} needs served rather than lapsed, so far"
        if what == "coverage"
        else f"Public services: mean days {who} served needs waited, so far"
    )
    return fn


def service_hours(model: CommunityModel, m: PublicServices | None) -> float:
    """Social-worker hours spent today at the service counter and on home visits."""
    return float(model.committee.spent.get("services", 0.0))


class PublicServices(Mechanism):
    """A one-stop counter and home visits meet residents' everyday service needs."""

    name = "public_services"
    title = "Community public services (one-stop counter)"
    title_zh = "社区公共服务(云龙)"
    summary = "A one-stop counter and home visits serve residents' needs: outcomes, not voice"
    summary_zh = "一站式窗口和上门服务满足居民需求：靠结果，不靠发声。"
    article = "Yunlong, Xuzhou (提升公共服务)"
    article_zh = "徐州市云龙区（提升公共服务）"
    participatory = False  # outcomes, not voice
    explanation = (
        "Yunlong (Xuzhou) makes 'improving community public services' (完善社区公共服务) its "
        "theme. Modelled as a one-stop service counter staffed by social workers, online "
        "handling for residents who can, and home visits to offline elderly residents: needs "
        "met raise satisfaction and trust through outcomes, not voice, and the counter's hours "
        "come out of the time left for consultation."
    )
    explanation_zh = (
        "云龙区以“完善社区公共服务”为实验主题。模型中表现为社工值守的一站式服务窗口、可网上办理 "
        "的事项以及为不上网老人提供的上门服务:需求得到满足,通过服务结果(而非发声)提高满意度和 "
        "信任;窗口工时挤占协商可用的时间。"
    )
    Params = PublicServicesParams
    metrics = (
        metric(
            _services(slice(None), "coverage"),
            unit="share of needs",
            label="Needs served",
            zh="服务需求满足率",
            owner="public_services",
        ),
        metric(
            _services(0, "coverage"),
            unit="share of needs",
            label="Needs served, elderly",
            zh="老年人服务需求满足率",
            owner="public_services",
        ),
        metric(
            _services(slice(None), "wait"),
            unit="days",
            label="Days waited for a service",
            zh="服务等待天数",
            owner="public_services",
        ),
        metric(
            _services(0, "wait"),
            unit="days",
            label="Days waited for a service, elderly",
            zh="老年人服务等待天数",
            owner="public_services",
        ),
        metric(
            service_hours,
            unit="hours/day",
            label="Service hours",
            zh="服务工时",
            owner="public_services",
        ),
    )

    def setup(self, model: CommunityModel) -> None:
        """No pending needs; tallies by group (0 elderly, 1 others)."""
        p, pop = self.params, model.pop
        self.since = np.full(pop.n, -1, dtype=np.int64)  # day the pending need arose, -1 none
        self.rate = (
            np.array([p.needs_per_year_young, p.needs_per_year_middle, p.needs_per_year_elderly])[
                pop.age
            ]
            / 365.0
        )
        self.group = np.where(pop.age == ELDERLY, 0, 1)
        self.home = pop.elderly & pop.offline
        self.served = np.zeros(2)
        self.lapsed = np.zeros(2)
        self.wait = np.zeros(2)  # summed days waited by the served
        self.credit = 0.0  # fractional cases carried over
        self.home_credit = 0.0

    def inform(self, model: CommunityModel) -> None:
        """New needs, online settlement, home visits, the counter, lapsed needs.

        The day's served (online, home visits, counter: disjoint, as a served need ends) are
        tallied and benefit in one pass at the end (elementwise per resident: the same values).
        """
        p, pop = self.params, model.pop
        rng = model.stream(self.name)
        u, v = rng.random(pop.n), rng.random(pop.n)
        new = (self.since < 0) & (u < self.rate)
        self.since[new] = model.day
        served = [self._serve(model, np.flatnonzero(new & pop.online & (v < p.online_share)))]
        scale = model.committee.scale  # the service grows with the committee (size rule)
        self.home_credit += scale * p.home_visits_per_week / 7.0
        if p.home_minutes and self.home_credit >= 1.0:
            want = int(self.home_credit)
            self.home_credit -= want  # planned visits: made, or idle
            due = self._oldest(self.home & (self.since >= 0), want)
            hours = model.committee.spend(len(due) * p.home_minutes / 60.0, "services")
            served.append(self._serve(model, due[: int(hours * 60.0 / p.home_minutes + 1e-9)]))
        hours = model.committee.spend(scale * p.counter_hours_per_week / 7.0, "services")
        self.credit += hours * 60.0 / p.case_minutes
        k = int(self.credit + 1e-9)
        counter = self._oldest(self.since >= 0, k)
        self.credit = min(self.credit - len(counter), 1.0)  # idle counter time is not banked
        served.append(self._serve(model, counter))
        who = np.concatenate([w for w, _ in served])
        if len(who):
            # Sums of whole numbers (counts, days) by group, exact in any order (as np.add.at's).
            group = self.group[who]
            self.served += np.bincount(group, minlength=2)
            waited = np.concatenate([d for _, d in served])
            self.wait += np.bincount(group, weights=waited, minlength=2)
            model.benefit(who, p.quality)
        late = np.flatnonzero((self.since >= 0) & (model.day - self.since > p.max_wait_days))
        if len(late):
            self.lapsed += np.bincount(self.group[late], minlength=2)  # whole counts: exact
            self.since[late] = -1
            model.let_down(late)

    def _oldest(self, mask: np.ndarray, k: int) -> np.ndarray:
        """Up to ``k`` residents of ``mask``, longest waiting first (then by index)."""
        who = np.flatnonzero(mask)
        if k <= 0 or not len(who):
            return who[:0]
        return who[np.argsort(self.since[who], kind="stable")[:k]]

    def _serve(self, model: CommunityModel, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Residents' needs served today end: ``(who, days each waited)``."""
        waited = model.day - self.since[who]
        self.since[who] = -1
        return who, waited
