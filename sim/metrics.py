"""The daily metrics, declared once: function, unit, labels, default statistic, help.

A metric is a named function of the model after the day's phases, returning one number,
declared with :func:`metric` (as parameters are with :func:`sim.params.param`). The core's
metrics are declared here; a mechanism declares its own in its file (``metrics`` of its class,
functions of ``(model, mechanism)`` where the mechanism is None when it is not active) and the
registry collects them. Every metric is a column of every run. The daily table, Mesa's
DataCollector, the run summary, experiment tables, figures, the web UI and the generated
metrics table in the docs all read :data:`SPECS` / :data:`METRICS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.params import ISSUE_TYPES

if TYPE_CHECKING:
    from sim.model import CommunityModel

Stat = Literal["mean", "last", "sum", "max", "min"]
Better = Literal["higher", "lower"]
#: What each summary statistic of a daily column means, in words.
STAT_WORDS: dict[str, str] = {
    "mean": "mean over the run",
    "last": "on the last day",
    "sum": "total over the run",
    "max": "maximum",
    "min": "minimum",
}
STAT_WORDS_ZH: dict[str, str] = {
    "mean": "全期平均",
    "last": "最后一天",
    "sum": "全期合计",
    "max": "最大值",
    "min": "最小值",
}


@dataclass(frozen=True)
class Metric:
    """The declaration of one daily metric.

    Attributes:
        name: Its column name (the function's name).
        fn: The function: of the model (a core metric) or of ``(model, mechanism or None)``.
        unit: Its unit ("" for none), as in axis labels.
        label: A short English label (UI cards, the run summary, tables).
        zh: The Chinese label.
        stat: The default summary statistic of the daily column in experiments.
        help: What it measures (the function's docstring by default).
        owner: The mechanism that declares it, None for the core's.
        better: Which way is an improvement, "higher" or "lower"; None when neither is (a
            cost or a count that is not good or bad in itself). The web UI's verdicts read it.
    """

    name: str
    fn: Callable[..., float]
    unit: str
    label: str
    zh: str
    stat: Stat = "mean"
    help: str = ""
    owner: str | None = None
    better: Better | None = None

    def bound(self) -> Callable[[CommunityModel], float]:
        """The metric as a function of the model alone (a mechanism's looks itself up)."""
        if self.owner is None:
            return self.fn
        fn, owner = self.fn, self.owner

        def value(model: CommunityModel) -> float:
            return fn(model, model.mechanism(owner))

        value.__name__ = self.name
        return value


def metric(
    fn: Callable[..., float],
    *,
    unit: str,
    label: str,
    zh: str,
    stat: Stat = "mean",
    owner: str | None = None,
    help: str = "",
    better: Better | None = None,
) -> Metric:
    """Declare a metric; its name is the function's, its help the docstring's first part."""
    text = help or " ".join((fn.__doc__ or "").split("\n\n")[0].split())
    return Metric(fn.__name__, fn, unit, label, zh, stat, text, owner, better)


def _mean(x: np.ndarray) -> float:
    """``float(x.mean())`` of a float array, without the method's overhead (same sum)."""
    return float(np.add.reduce(x) / len(x))


def _std(x: np.ndarray) -> float:
    """``float(np.std(x))`` of a 1-D float array, without its overhead (the same operations)."""
    d = x - np.add.reduce(x) / len(x)
    return float(np.sqrt(np.add.reduce(d * d) / len(x)))


def _share(mask: np.ndarray) -> float:
    """The mean of a boolean mask (an exact count over a length: equal to ``mask.mean()``)."""
    return float(np.count_nonzero(mask) / len(mask))


def day(model: CommunityModel) -> float:
    """Day index, 0 for the first simulated day."""
    return model.day


def participation_rate(model: CommunityModel) -> float:
    """Share of residents who took part in any consultation in the last 30 days."""
    return _share(model.recent_participants())


def satisfaction_mean(model: CommunityModel) -> float:
    """Mean satisfaction with community governance (0 to 1)."""
    return _mean(model.state.satisfaction)


def trust_mean(model: CommunityModel) -> float:
    """Mean trust in the resident committee (0 to 1)."""
    return _mean(model.state.trust)


def efficacy_mean(model: CommunityModel) -> float:
    """Mean external efficacy (0 to 1)."""
    return _mean(model.state.efficacy)


def justice_mean(model: CommunityModel) -> float:
    """Mean perceived procedural justice (0 to 1), the stock in satisfaction and trust."""
    return _mean(model.state.justice)


def _took_part_year(model: CommunityModel) -> np.ndarray:
    """Mask of the adults who took part in a consultation in the last 365 days.

    While a metrics row is collected, the row's mask (:meth:`~sim.model.community.
    CommunityModel.year_participants`, computed once for the five metrics that read it).
    """
    return model.year_participants()


def _year_index(model: CommunityModel) -> np.ndarray:
    """Indices of :func:`_took_part_year`'s adults (once a row: a gather by index is cheaper)."""
    return model.per_row("year_index", lambda: np.flatnonzero(_took_part_year(model)))


def participation_12m(model: CommunityModel) -> float:
    """Share of adults who took part in any consultation in the last 365 days."""
    return float(np.count_nonzero(_took_part_year(model)) / np.count_nonzero(model.pop.adult))


def _stairwells(pop: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """The fixed part of the stairwell ICC, computed once per population (residents stay put).

    The adult mask, the adults' stairwells, the adult count of each stairwell with adults, the
    mask of those stairwells and the ANOVA's ``n₀`` (NaN under 2 such stairwells).
    """
    cache = pop.__dict__.get("_stairwell_icc")
    if cache is None:
        adult = pop.adult
        g = pop.stairwell[adult]
        n_g = np.bincount(g).astype(float)
        occupied = n_g > 0
        n_g = n_g[occupied]
        groups, n = len(n_g), int(np.count_nonzero(adult))
        n0 = (n - float(np.sum(n_g**2)) / n) / (groups - 1) if groups > 1 and n else float("nan")
        cache = pop.__dict__["_stairwell_icc"] = (adult, g, n_g, occupied, n0)
    return cache


def participation_stairwell_icc(model: CommunityModel) -> float:
    """Intraclass correlation by stairwell of the adults' taking part in the last 365 days.

    The one-way ANOVA estimator ``(MSB − MSW) / (MSB + (n₀ − 1)·MSW)`` over stairwells with
    adults (NaN under 2 stairwells or with no variance; near 0, and may be below, when taking
    part is independent of place): how much participation clusters by place, as peer
    influence over clustered face-to-face ties makes it (Centola & Macy 2007; MODEL 3.8). It
    reads behaviour and where residents live, not the ties themselves.
    """
    adult, g, n_g, occupied, n0 = _stairwells(model.pop)
    year = _took_part_year(model)  # over all residents, true only for adults who took part
    groups, n = len(n_g), len(g)
    if groups < 2 or n <= groups:
        return float("nan")
    y_g = np.bincount(g[year[adult]], minlength=len(occupied))[occupied].astype(float)
    mean_g = y_g / n_g
    y_mean = np.count_nonzero(year) / n  # an exact count over n: the 0/1 outcome's mean
    msb = float(np.add.reduce(n_g * (mean_g - y_mean) ** 2)) / (groups - 1)
    msw = float(np.add.reduce(y_g - n_g * mean_g**2)) / (n - groups)  # y² = y for 0/1
    denom = msb + (n0 - 1) * msw
    return (msb - msw) / denom if denom > 0 else float("nan")


def participation_12m_car(model: CommunityModel) -> float:
    """Share of adults in car households who took part in the last 365 days (NaN if none).

    Against participation_12m, the stake gradient of the group-size term: a car household's
    stake in a parking issue is doubled (sim.model.community.group_benefit).
    """
    car = model.car_household[model.pop.household]
    n = np.count_nonzero(model.pop.adult & car)
    return float(np.count_nonzero(_took_part_year(model) & car) / n) if n else float("nan")


def satisfaction_participants(model: CommunityModel) -> float:
    """Mean satisfaction of the adults who took part in the last 365 days (NaN if none).

    The residents voice reaches: its bonuses and justice fall on them, not on the estate.
    """
    x = model.state.satisfaction[_year_index(model)]
    return _mean(x) if len(x) else float("nan")


def satisfaction_losers(model: CommunityModel) -> float:
    """Mean satisfaction of the residents a decision went against in the last 365 days.

    NaN if none. Against them (favourability < 0.5) is who may complain: post-decision voice
    (MODEL 3.2) reaches this group, not the estate (sim.model.community._complaints); the
    losers' consent of Anderson et al. 2005 (Losers' Consent, Oxford UP).
    """
    x = model.state.satisfaction[model.day - model.state.last_loss < 365]
    return _mean(x) if len(x) else float("nan")


def trust_participants(model: CommunityModel) -> float:
    """Mean trust of the adults who took part in the last 365 days (NaN if none)."""
    x = model.state.trust[_year_index(model)]
    return _mean(x) if len(x) else float("nan")


def trust_voiced_issues(model: CommunityModel) -> float:
    """Mean trust weighted by each resident's share of issues decided with voice (NaN if none).

    The share is the procedural climate's: of one's issues in the last 365 days, those decided
    with voice (weighted by the decision's authority) or replied. Where procedure is good: trust
    in the RC weighs the procedure of the decisions judged (MODEL 3.2).
    """
    heard = model.heard_share()
    total = float(np.add.reduce(heard))
    return float(heard @ model.state.trust / total) if total > 0 else float("nan")


def _sat_term(term: str, doc: str) -> Callable[[CommunityModel], float]:
    def fn(model: CommunityModel) -> float:
        return model.satisfaction_terms[term]

    fn.__name__ = f"sat_{term}"
    fn.__doc__ = doc
    return fn


SAT_TERM_WORDS = {
    "base": ("Satisfaction: intercept s0", "满意度:截距"),
    "perf": ("Satisfaction: performance a·P", "满意度:绩效项"),
    "disc": ("Satisfaction: disconfirmation b·(P − E) + per-issue", "满意度:期望落差项"),
    "proc": ("Satisfaction: procedure w·PJ·(1 − P)", "满意度:程序公正项"),
    "voice": ("Satisfaction: voice and reply bonuses", "满意度:发声与答复项"),
    "clipped_share": ("Satisfaction clipped to [0, 1]", "满意度截断比例"),
}


def complaints_total(model: CommunityModel) -> float:
    """Complaints after decisions (post-decision voice) since day 0."""
    return model.complaints


def issues_reopened_total(model: CommunityModel) -> float:
    """Decided issues reopened by residents' complaints since day 0."""
    return len(model.reopened)


def issues_open(model: CommunityModel) -> float:
    """Issues open at the end of the day (known to the committee or not)."""
    return len(model.issues.open)


def issues_resolved_total(model: CommunityModel) -> float:
    """Issues resolved since day 0."""
    return model.totals.resolved


def _memo(model: CommunityModel, name: str, size: int, compute: Callable[[], float]) -> float:
    """A metric of an append-only record, recomputed only when the record has grown."""
    hit = model.metric_memo.get(name)
    if hit is None or hit[0] != size:
        hit = model.metric_memo[name] = (size, compute())
    return hit[1]


def resolution_days_mean(model: CommunityModel) -> float:
    """Mean days from arrival to resolution over the issues resolved so far (NaN if none)."""
    d = model.resolution_days
    return _memo(
        model, "resolution_days_mean", len(d), lambda: float(np.mean(d)) if d else float("nan")
    )


def _decided_mean(model: CommunityModel, name: str, value: Callable[[Any], float]) -> float:
    """Mean of ``value(issue)`` over the issues decided so far (NaN if none), memoised.

    A decided issue's value does not change, so each is computed once: the values are kept in
    ``metric_memo`` under ``name`` with the record's length and the mean, and the mean is
    recomputed over them (``np.mean`` of the same list) only when the record has grown.
    """
    done, memo = model.issues.resolved, model.metric_memo
    size, mean, values = memo.get(name, (0, float("nan"), []))
    if size != len(done):
        if size > len(done):  # the record was cleared: start again
            size, values = 0, []
        values = values + [value(i) for i in done[size:]]
        mean = float(np.mean(values)) if values else float("nan")
        memo[name] = (len(done), mean, values)
    return mean


def resolution_quality_mean(model: CommunityModel) -> float:
    """Mean decision quality Q over the issues decided so far (NaN if none; sim.model.decision)."""
    return _decided_mean(model, "resolution_quality_mean", lambda i: i.quality)


def acceptance_mean(model: CommunityModel) -> float:
    """Mean over the issues decided so far of the affected's mean acceptance (NaN if none)."""
    return _decided_mean(model, "acceptance_mean", lambda i: i.acceptance.mean())


def acceptance_unheard_mean(model: CommunityModel) -> float:
    """Mean over the issues decided so far of the acceptance of the affected who did not speak.

    Each decided issue's mean acceptance over its affected residents not among its voices
    (issues where everyone spoke are left out; NaN until one counts). Representation acts on
    them (sim.model.decision.acceptance). Issues already counted are not visited again.
    """
    done, memo = model.issues.resolved, model.metric_memo
    size, total = memo.get("acceptance_unheard_sum", (0, 0.0))
    count = memo.get("acceptance_unheard_count", (0, 0.0))[1]
    for issue in done[size:]:
        unheard = issue.acceptance
        if issue.voiced:
            unheard = unheard[~np.isin(issue.members, np.concatenate(issue.voiced))]
        if len(unheard):
            total, count = total + float(unheard.mean()), count + 1.0
    memo["acceptance_unheard_sum"] = (len(done), total)
    memo["acceptance_unheard_count"] = (len(done), count)
    return total / count if count else float("nan")


def agreement_mean(model: CommunityModel) -> float:
    """Mean deliberation agreement D over the issues decided so far (NaN if none).

    ``D = clip(1 − sd / 0.289, 0, 1)`` of the heard's positions (sim.model.decision), 0 for an
    issue decided without at least two heard.
    """
    return _decided_mean(model, "agreement_mean", lambda i: i.agreement)


def heard_share_mean(model: CommunityModel) -> float:
    """Mean over the issues decided so far of the share of the affected who spoke (NaN if none).

    Each decided issue's distinct voices among its affected residents over their number; the
    residents whose benefit of taking part the group-size term raises (sim.model.community
    .group_benefit, Olson 1965).
    """

    def share(issue: Any) -> float:
        if not issue.voiced:
            return 0.0
        spoke = np.isin(issue.members, np.concatenate(issue.voiced))
        return float(np.count_nonzero(spoke) / len(issue.members))

    return _decided_mean(model, "heard_share_mean", share)


def detection_days_mean(model: CommunityModel) -> float:
    """Mean days from an issue's arrival to the committee knowing of it (NaN if none)."""
    d = model.detection_days
    return _memo(
        model, "detection_days_mean", len(d), lambda: float(np.mean(d)) if d else float("nan")
    )


def detection_days_mean_offline(model: CommunityModel) -> float:
    """Mean detection delay over detected issues weighted by their offline share.

    Each issue's weight is the share of its affected residents who use no WeChat, so an
    issue touching only offline residents counts fully and one touching only online
    residents not at all (NaN until a detected issue touches an offline resident).
    """

    def compute() -> float:
        w = np.asarray(model.detection_offline)
        return float(np.average(model.detection_days, weights=w)) if w.sum() > 0 else float("nan")

    return _memo(model, "detection_days_mean_offline", len(model.detection_offline), compute)


def escalations_total(model: CommunityModel) -> float:
    """Issues passed above the community (referrals, escalations) since day 0."""
    return model.totals.escalations


def social_worker_hours(model: CommunityModel) -> float:
    """Staff hours spent today on community work beyond the administrative load."""
    return float(sum(model.committee.spent.values()))


def explanation_hours(model: CommunityModel) -> float:
    """The part of today's social-worker hours spent explaining policies in person."""
    return float(model.committee.spent.get("explanation", 0.0))


def conflicts(model: CommunityModel) -> float:
    """Conflicts today (parking spaces grabbed, ground locks, disputes)."""
    return model.today.conflicts


def policy_awareness(model: CommunityModel) -> float:
    """Share of households with a member who knows the current policy."""
    return _share(model.household_aware())


def meetings_held_total(model: CommunityModel) -> float:
    """Consultation meetings held since day 0 (joint meetings, issue committees, drafting)."""
    return model.totals.meetings


def convention_compliance(model: CommunityModel) -> float:
    """Realised share keeping a convention this month, over the residents bound (0 if none)."""
    bound = _bound(model)[1]
    return _mean(bound) if len(bound) else 0.0


def _bound(model: CommunityModel) -> tuple[np.ndarray, np.ndarray]:
    """Today's bound entries of ``levers.compliance``: flat indices (row-major) and values."""

    def bound() -> tuple[np.ndarray, np.ndarray]:
        c = model.levers.compliance
        at = np.flatnonzero(~np.isnan(c))  # row-major, as np.nonzero's (kind, who) pairs
        return at, c.ravel()[at]

    return model.per_row("compliance_bound", bound)


def compliance_building_sd(model: CommunityModel) -> float:
    """SD across buildings of the realised share keeping a convention (NaN under 2 buildings).

    Over the residents bound (every convention's row of ``levers.compliance``), each building's
    share; how much compliance clusters by building (neighbours, monitoring, voice).
    """
    at, kept = _bound(model)
    if not len(at):
        return float("nan")
    b = model.pop.building[at % model.pop.n]
    n = np.bincount(b)
    share = np.bincount(b, kept)[n > 0] / n[n > 0]
    return _std(share) if len(share) > 1 else float("nan")


def compliance_voice_gap(model: CommunityModel) -> float:
    """Compliance of the bound who had a say in drafting minus that of those who had none.

    Shares keeping a convention among the bound residents heard or represented in drafting
    and among the others, over every adopted convention; NaN unless both are bound. The
    democracy premium of self-made rules (Bardhan 2000; Dal Bó, Foster & Putterman 2010;
    MODEL 3.4): what individual decisions on legitimacy produce.
    """
    kept: list[np.ndarray] = []
    said: list[np.ndarray] = []
    for mech in model.mechanisms:
        rules = getattr(mech, "rules", {}).values() or [getattr(mech, "rule", None)]
        for rule in rules:
            if rule is None:
                continue
            bound = ~np.isnan(rule.decision)
            kept.append(rule.decision[bound])
            said.append(rule.say(model)[bound] > 0)
    if not kept:
        return float("nan")
    k, v = np.concatenate(kept), np.concatenate(said)
    if v.all() or not v.any():
        return float("nan")
    return _mean(k[v]) - _mean(k[~v])


def cars_unplaced(model: CommunityModel) -> float:
    """Car households without a legal space tonight."""
    return float(np.count_nonzero(model.parking.unplaced))


def parking_defectors(model: CommunityModel) -> float:
    """Car households defecting tonight (grab, block, lock, overstay), under any rule."""
    return float(np.count_nonzero(model.parking.defect))


def parking_conflict_rate(model: CommunityModel) -> float:
    """Tonight's expected parking conflicts (the Poisson mean of sim.model.parking)."""
    return model.parking.lam


def shared_spaces(model: CommunityModel) -> float:
    """Spaces shared with the estate tonight: units' open after-hours spaces and others won."""
    return float(model.parking.supply(model) - model.spaces)


def parking_shortage(model: CommunityModel) -> float:
    """Share of car-owning households without a parking space (shared spaces counted)."""
    return model.parking_shortage()


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def _group(metric: str, mask_name: str) -> Callable[[CommunityModel], float]:
    def fn(model: CommunityModel) -> float:
        members = model.pop.members(mask_name)
        if not len(members):
            return float("nan")
        if metric == "participation_rate":
            return _share(model.recent_participants()[members])
        return _mean(model.state.satisfaction[members])

    fn.__name__ = f"{metric}_{mask_name}"
    fn.__doc__ = f"{metric} among {mask_name} residents."
    return fn


def _issue_type(kind: int, what: str) -> Callable[[CommunityModel], float]:
    name = ISSUE_TYPES[kind]

    def fn(model: CommunityModel) -> float:
        if what == "open":
            return sum(1 for i in model.issues.open if i.kind == kind)
        return model.today.conflicts_by_type.get(name, 0.0)

    fn.__name__ = f"{'issues_open' if what == 'open' else 'conflicts'}_{name}"
    fn.__doc__ = f"{what} ({name}) today."
    return fn


GROUP_WORDS = {
    "elderly": ("the elderly", "老年人"),
    "nonelderly": ("residents under 60", "60岁以下居民"),
    "online": ("online residents", "上网居民"),
    "offline": ("offline residents", "不上网居民"),
}
TYPE_WORDS = {
    "parking": "停车",
    "illegal_construction": "违章搭建",
    "property_management": "物业管理",
    "environment": "环境卫生",
    "elderly_services": "养老服务",
}

CORE: list[Metric] = [
    metric(
        day, unit="day", label="day", zh="天数", help="Day index, 0 for the first simulated day"
    ),
    metric(
        participation_rate,
        unit="share of residents",
        label="Participation (last 30 days)",
        zh="参与率(近30天)",
        better="higher",
    ),
    metric(
        satisfaction_mean,
        unit="0 to 1",
        label="Satisfaction",
        zh="满意度",
        stat="last",
        better="higher",
    ),
    metric(
        trust_mean,
        unit="0 to 1",
        label="Trust in the committee",
        zh="对居委会的信任",
        stat="last",
        better="higher",
    ),
    metric(efficacy_mean, unit="0 to 1", label="Efficacy", zh="政治效能感"),
    metric(issues_open, unit="issues", label="Issues open", zh="待解决问题", better="lower"),
    metric(
        issues_resolved_total,
        unit="issues",
        label="Issues resolved",
        zh="已解决问题",
        stat="last",
        better="higher",
    ),
    metric(resolution_days_mean, unit="days", label="Days to resolve", zh="解决用时", stat="last"),
    metric(
        resolution_quality_mean,
        unit="0 to 1",
        label="Resolution quality",
        zh="解决方案质量",
        stat="last",
    ),
    metric(
        acceptance_mean,
        unit="0 to 1",
        label="Acceptance of decisions",
        zh="决定接受度",
        stat="last",
    ),
    metric(
        acceptance_unheard_mean,
        unit="0 to 1",
        label="Acceptance of decisions by the unheard",
        zh="未发言者的决定接受度",
        stat="last",
    ),
    metric(
        agreement_mean,
        unit="0 to 1",
        label="Agreement of deliberations",
        zh="协商共识度",
        stat="last",
    ),
    metric(
        heard_share_mean,
        unit="share",
        label="Share of the affected who spoke",
        zh="受影响者发声比例",
        stat="last",
    ),
    metric(detection_days_mean, unit="days", label="Days to detect", zh="发现用时", stat="last"),
    metric(
        detection_days_mean_offline,
        unit="days",
        label="Days to detect, offline-weighted",
        zh="发现用时(按不上网居民加权)",
    ),
    metric(
        escalations_total,
        unit="issues",
        label="Referrals and escalations",
        zh="转办与上报",
        stat="last",
    ),
    metric(
        social_worker_hours, unit="hours/day", label="Social-worker hours a day", zh="社工日均工时"
    ),
    metric(
        explanation_hours, unit="hours/day", label="Hours explaining policies", zh="政策解释工时"
    ),
    metric(
        conflicts,
        unit="conflicts/day",
        label="Conflicts",
        zh="矛盾冲突",
        stat="sum",
        better="lower",
    ),
    metric(policy_awareness, unit="share of households", label="Policy awareness", zh="政策知晓率"),
    metric(parking_shortage, unit="share of car owners", label="Parking shortage", zh="停车位缺口"),
    metric(meetings_held_total, unit="meetings", label="Meetings held", zh="累计协商会议"),
    metric(convention_compliance, unit="share", label="Convention compliance", zh="公约遵守率"),
    metric(
        compliance_building_sd,
        unit="share",
        label="Compliance spread across buildings",
        zh="公约遵守率楼栋差异",
    ),
    metric(
        compliance_voice_gap,
        unit="share",
        label="Compliance gap: had a say minus had none",
        zh="公约遵守率差(参与起草减未参与)",
    ),
    metric(cars_unplaced, unit="households", label="Cars without a space", zh="无位车辆"),
    metric(parking_defectors, unit="households", label="Parking defectors", zh="违规停车户"),
    metric(
        parking_conflict_rate,
        unit="conflicts/day",
        label="Expected parking conflicts",
        zh="停车冲突期望",
    ),
    metric(shared_spaces, unit="spaces", label="Shared spaces open", zh="共享车位"),
    metric(justice_mean, unit="0 to 1", label="Procedural justice", zh="程序公正感"),
    metric(
        participation_12m,
        unit="share of adults",
        label="Participation (last 365 days)",
        zh="参与率(近一年,成年人)",
    ),
    metric(
        participation_stairwell_icc,
        unit="ICC",
        label="Participation clustering by stairwell (last 365 days)",
        zh="参与的单元聚集度(近一年)",
    ),
    metric(
        participation_12m_car,
        unit="share of adults",
        label="Participation of car households (last 365 days)",
        zh="有车户参与率(近一年,成年人)",
    ),
    metric(
        satisfaction_participants,
        unit="0 to 1",
        label="Satisfaction of participants (last 365 days)",
        zh="参与者满意度(近一年)",
        stat="last",
        better="higher",
    ),
    metric(
        satisfaction_losers,
        unit="0 to 1",
        label="Satisfaction of those a decision went against (last 365 days)",
        zh="决定不利者满意度(近一年)",
        stat="last",
        better="higher",
    ),
    metric(
        trust_participants,
        unit="0 to 1",
        label="Trust of participants (last 365 days)",
        zh="参与者信任(近一年)",
        stat="last",
        better="higher",
    ),
    metric(
        trust_voiced_issues,
        unit="0 to 1",
        label="Trust where issues were decided with voice",
        zh="议题协商决定者的信任",
        stat="last",
        better="higher",
    ),
    metric(complaints_total, unit="complaints", label="Complaints", zh="事后申诉", stat="last"),
    metric(
        issues_reopened_total,
        unit="issues",
        label="Issues reopened",
        zh="重启议题",
        stat="last",
    ),
    *[
        metric(
            _sat_term(term, f"{label}: its mean over residents, before clipping."),
            unit="share" if term == "clipped_share" else "0 to 1",
            label=label,
            zh=zh,
            help=(
                "Share of residents whose satisfaction was clipped to [0, 1]"
                if term == "clipped_share"
                else f"{label}, mean over residents before clipping"
            ),
        )
        for term, (label, zh) in SAT_TERM_WORDS.items()
    ],
    *[
        metric(
            _group(m, g),
            unit=unit,
            label=f"{label} of {GROUP_WORDS[g][0]}",
            zh=f"{GROUP_WORDS[g][1]}{zh}",
            stat="last" if (m, g) == ("satisfaction_mean", "offline") else "mean",
            help=f"{label} among {GROUP_WORDS[g][0]}",
            better="higher",
        )
        for m, unit, label, zh in (
            ("participation_rate", "share of residents", "Participation", "参与率"),
            ("satisfaction_mean", "0 to 1", "Satisfaction", "满意度"),
        )
        for g in GROUP_WORDS
    ],
    *[
        metric(
            _issue_type(k, w),
            unit=unit,
            label=f"{label} ({name})",
            zh=f"{TYPE_WORDS[name]}{zh}",
            help=f"{label} of type {name} today",
        )
        for w, unit, label, zh in (
            ("open", "issues", "Issues open", "待解决问题"),
            ("conflicts", "conflicts/day", "Conflicts", "矛盾冲突"),
        )
        for k, name in enumerate(ISSUE_TYPES)
    ],
]

#: The order of the columns of the daily table (kept as it was when the metrics moved to
#: their mechanisms, so tables and references keep their layout). Metrics not named here
#: follow, in registry order.
COLUMNS = (
    "day",
    "participation_rate",
    "satisfaction_mean",
    "trust_mean",
    "efficacy_mean",
    "issues_open",
    "issues_resolved_total",
    "resolution_days_mean",
    "detection_days_mean",
    "detection_days_mean_offline",
    "escalations_total",
    "social_worker_hours",
    "explanation_hours",
    "proxy_hours",
    "grid_hours",
    "conflicts",
    "policy_awareness",
    "parking_shortage",
    "meeting_attendance",
    "meetings_held_total",
    "committee_members",
    "convention_compliance",
    "palm_followers",
    "procedure_share",
    "published_share",
    "service_coverage",
    "service_coverage_elderly",
    "service_wait_days",
    "service_wait_days_elderly",
    "service_hours",
    "projects_active",
    "projects_funded_total",
    "projects_renewed_total",
    "project_reach_share",
    "project_yuan_per_reached",
)


def _table() -> dict[str, Metric]:
    """Every declaration, in column order: the core's and the registry's mechanisms'."""
    from sim.mechanisms import MECHANISMS

    declared: dict[str, Metric] = {}
    for spec in CORE:
        declared[spec.name] = spec
    for name, cls in MECHANISMS.items():
        for spec in cls.metrics:
            if spec.owner != name:
                raise ValueError(
                    f"metric {spec.name!r} of mechanism {name!r} must be declared "
                    f"with owner={name!r}"
                )
            if spec.name in declared:
                raise ValueError(f"metric {spec.name!r} of mechanism {name!r} is declared twice")
            declared[spec.name] = spec
    groups = [n for n in declared if n.startswith(("participation_rate_", "satisfaction_mean_"))]
    types = [n for n in declared if n.startswith(("issues_open_", "conflicts_"))]
    head = [n for n in COLUMNS if n in declared]
    rest = [
        n
        for n in declared
        if n not in head and n not in groups and n not in types and declared[n].owner is None
    ]
    mechanisms = [n for n in declared if n not in head and declared[n].owner is not None]
    order = [*head, *rest, *groups, *types, *mechanisms]
    return {n: declared[n] for n in order}


def specs() -> dict[str, Metric]:
    """Every metric's declaration by column name, in column order (built once)."""
    if "SPECS" not in globals():
        table = _table()
        globals()["SPECS"] = table
        globals()["METRICS"] = {n: spec.bound() for n, spec in table.items()}
    return globals()["SPECS"]


def __getattr__(name: str) -> Any:
    """``SPECS`` and ``METRICS``, built on first use (the registry imports this module).

    ``SPECS``: every metric's declaration by column name, in column order; ``METRICS``: every
    metric as a function of the model, by column name, in the same order.
    """
    if name in ("SPECS", "METRICS"):
        specs()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def label(name: str, lang: str = "en") -> str:
    """A metric's label in ``lang`` ("en" or "zh")."""
    spec = specs()[name]
    return spec.zh if lang == "zh" else spec.label


def unit(name: str) -> str:
    """A metric's unit ("" when it has none or is not declared)."""
    spec = specs().get(name)
    return spec.unit if spec is not None else ""


def markdown_table(builtin_only: bool = True) -> str:
    """Every metric as a Markdown table, in column order.

    With ``builtin_only``, cogov's own metrics (plug-ins document theirs themselves).
    """
    from sim.mechanisms import BUILTIN

    rows = [
        "| metric | unit | label | 中文 | default statistic | declared by | what it measures |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, spec in specs().items():
        if builtin_only and spec.owner is not None and spec.owner not in BUILTIN:
            continue
        cells = (
            f"`{name}`",
            spec.unit,
            spec.label,
            spec.zh,
            spec.stat,
            f"`{spec.owner}`" if spec.owner else "core",
            spec.help,
        )
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)
