"""Named metric functions of the model, one definition each.

The daily table, Mesa's DataCollector, the web UI and experiment summaries all read these.

Every function takes the model after the day's phases and returns one number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.params import ISSUE_TYPES

if TYPE_CHECKING:
    from sim.model import CommunityModel

Metric = Callable[["CommunityModel"], float]


def _mean(x: np.ndarray) -> float:
    """``float(x.mean())`` of a float array, without the method's overhead (same sum)."""
    return float(np.add.reduce(x) / len(x))


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
    return _memo(model, "resolution_days_mean", len(d),
                 lambda: float(np.mean(d)) if d else float("nan"))


def detection_days_mean(model: CommunityModel) -> float:
    """Mean days from an issue's arrival to the committee knowing of it (NaN if none)."""
    d = model.detection_days
    return _memo(model, "detection_days_mean", len(d),
                 lambda: float(np.mean(d)) if d else float("nan"))


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


def grid_hours(model: CommunityModel) -> float:
    """Hours grid workers spent visiting today, committee staff or paid."""
    m = model.mechanism("grid_management")
    return m.hours if m is not None and m.hours_day == model.day else 0.0


def conflicts(model: CommunityModel) -> float:
    """Conflicts today (parking spaces grabbed, ground locks, disputes)."""
    return model.today.conflicts


def policy_awareness(model: CommunityModel) -> float:
    """Share of households with a member who knows the current policy."""
    return _share(model.household_aware())


def proxy_hours(model: CommunityModel) -> float:
    """Social-worker hours spent today raising issues online for offline residents."""
    return float(model.committee.spent.get("proxy", 0.0))


def meeting_attendance(model: CommunityModel) -> float:
    """Residents attending a joint meeting today (0 on other days)."""
    m = model.mechanism("joint_meeting")
    return m.attendance if m is not None and m.attendance_day == model.day else 0.0


def meetings_held_total(model: CommunityModel) -> float:
    """Consultation meetings held since day 0 (joint meetings, issue committees, drafting)."""
    return model.totals.meetings


def committee_members(model: CommunityModel) -> float:
    """Members of issue committees currently formed."""
    m = model.mechanism("issue_committee")
    return m.n_members if m is not None else 0


def convention_compliance(model: CommunityModel) -> float:
    """Mean compliance over issue types that have an adopted convention (0 if none)."""
    c = model.levers.compliance
    adopted = c[c > 0]
    return float(adopted.mean()) if len(adopted) else 0.0


def palm_followers(model: CommunityModel) -> float:
    """Residents following the palm-community WeChat account."""
    m = model.mechanism("palm_community")
    return m.followers if m is not None else 0


def parking_shortage(model: CommunityModel) -> float:
    """Share of car-owning households without a parking space (shared spaces counted)."""
    return model.parking_shortage()


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def procedure_share(model: CommunityModel) -> float:
    """Share of resolved issues consulted under the written procedure and published.

    Institutional consultation's record; 0 without it, NaN before any resolution.
    """
    m = model.mechanism("institutional_consultation")
    return _ratio(m.n_procedure if m else 0.0, model.totals.resolved)


def published_share(model: CommunityModel) -> float:
    """Share of issues resolved so far whose outcome was published (catalogue issues)."""
    m = model.mechanism("institutional_consultation")
    return _ratio(m.n_published if m else 0.0, model.totals.resolved)


def _services(group: slice | int, what: str) -> Metric:
    def fn(model: CommunityModel) -> float:
        m = model.mechanism("public_services")
        if m is None:
            return float("nan")
        served = float(np.sum(m.served[group]))
        if what == "coverage":
            return _ratio(served, served + float(np.sum(m.lapsed[group])))
        return _ratio(float(np.sum(m.wait[group])), served)

    suffix = "_elderly" if group == 0 else ""
    fn.__name__ = f"service_{what}{'_days' if what == 'wait' else ''}{suffix}"
    who = "elderly residents'" if group == 0 else "residents'"
    fn.__doc__ = (f"Public services: share of {who} needs served rather than lapsed, so far"
                  if what == "coverage" else
                  f"Public services: mean days {who} served needs waited, so far")
    return fn


def service_hours(model: CommunityModel) -> float:
    """Social-worker hours spent today at the service counter and on home visits."""
    return float(model.committee.spent.get("services", 0.0))


def projects_active(model: CommunityModel) -> float:
    """Service projects running (project-run services)."""
    m = model.mechanism("project_services")
    return len(m.projects) if m else 0.0


def projects_funded_total(model: CommunityModel) -> float:
    """Projects funded so far (new ones; renewals not counted)."""
    m = model.mechanism("project_services")
    return m.funded if m else 0.0


def projects_renewed_total(model: CommunityModel) -> float:
    """Project renewals after evaluation so far."""
    m = model.mechanism("project_services")
    return m.renewed if m else 0.0


def project_reach_share(model: CommunityModel) -> float:
    """Share of residents a project has reached at least once."""
    m = model.mechanism("project_services")
    return _share(m.reached) if m else 0.0


def project_yuan_per_reached(model: CommunityModel) -> float:
    """Project money committed so far per resident reached (yuan; NaN if none reached)."""
    m = model.mechanism("project_services")
    return _ratio(m.spent, float(np.count_nonzero(m.reached))) if m else float("nan")


def _group(metric: str, mask_name: str) -> Metric:
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


def _issue_type(kind: int, what: str) -> Metric:
    name = ISSUE_TYPES[kind]

    def fn(model: CommunityModel) -> float:
        if what == "open":
            return sum(1 for i in model.issues.open if i.kind == kind)
        return model.today.conflicts_by_type.get(name, 0.0)

    fn.__name__ = f"{'issues_open' if what == 'open' else 'conflicts'}_{name}"
    fn.__doc__ = f"{what} ({name}) today."
    return fn


_BASE: list[Metric] = [
    day, participation_rate, satisfaction_mean, trust_mean, efficacy_mean, issues_open,
    issues_resolved_total, resolution_days_mean, detection_days_mean,
    detection_days_mean_offline, escalations_total,
    social_worker_hours, explanation_hours, proxy_hours, grid_hours, conflicts, policy_awareness,
    parking_shortage, meeting_attendance, meetings_held_total, committee_members,
    convention_compliance, palm_followers,
    procedure_share, published_share, _services(slice(None), "coverage"),
    _services(0, "coverage"), _services(slice(None), "wait"), _services(0, "wait"),
    service_hours, projects_active, projects_funded_total, projects_renewed_total,
    project_reach_share, project_yuan_per_reached,
]
_GROUPS = [_group(m, g) for m in ("participation_rate", "satisfaction_mean")
           for g in ("elderly", "nonelderly", "online", "offline")]
_TYPES = [_issue_type(k, w) for w in ("open", "conflicts") for k in range(len(ISSUE_TYPES))]

#: Every daily metric, by column name, in column order.
METRICS: dict[str, Metric] = {f.__name__: f for f in (*_BASE, *_GROUPS, *_TYPES)}
