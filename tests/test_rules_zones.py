"""Rule tests of the zones' mechanisms: institutional consultation (Jianye), public services
(Yunlong) and project-run services (Gusu), each module's "Rule." paragraph and parameter help.

As in test_rules_mechanisms.py: a community of 120 residents, a chosen state, one hook or one
phase called; the test checks the rule's own quantity (which issues are held and for how long,
who is invited or visited, which needs are served first, which projects are funded or renewed).
The direction tests over whole runs are in test_zones.py.
"""

import numpy as np
import pytest
from test_rules_model import ENV, PARKING, open_issue, tiny

from sim.mechanisms import configure
from sim.mechanisms.joint_meeting import meeting_attendance
from sim.mechanisms.project_services import Project, project_yuan_per_reached
from sim.model.population import ELDERLY, MIDDLE, YOUNG
from sim.params import ISSUE_TYPES

ILLEGAL = ISSUE_TYPES.index("illegal_construction")
CATALOGUE = {
    ISSUE_TYPES.index(t)
    for t in ("parking", "property_management", "environment", "elderly_services")
}
SURE = {"behaviour.b0": -20.0, "behaviour.ask_personal": 1.0}  # asked: p = 1; others: ~0
ALL = {"behaviour.b0": 20.0}  # everyone in a pool takes part
NO_NEEDS = {
    "needs_per_year_young": 0.0,
    "needs_per_year_middle": 0.0,
    "needs_per_year_elderly": 0.0,
}


#: A referral logit this steep acts as a threshold, so the tests here pin the procedures
#: (holds, order, hours) apart from the referral chance (pinned in test_rules_decision.py).
STEEP = {"decision.s_ref": 1e-3}


def with_mechs(tables, **overrides):
    """A tiny community with these mechanisms ({name: params}), the day's hours reset."""
    m = tiny(mechanisms=[configure(n, p) for n, p in tables.items()], **{**STEEP, **overrides})
    m.committee.start_day()
    return m, {x.name: x for x in m.mechanisms}


def one(name, params=None, **overrides):
    m, mech = with_mechs({name: params or {}}, **overrides)
    return m, mech[name]


def occasions(m):
    """Record the keyword arguments of every participation-probability call on ``m``."""
    calls = []
    original = m.participation_probability
    m.participation_probability = lambda **kw: (calls.append(kw), original(**kw))[1]
    return calls


def day(m, d, phases=("arrivals", "participate", "consult", "decide")):
    m.day = d
    m.committee.start_day()
    for phase in phases:
        m._hook(phase)


# ================================================================ institutional consultation
def test_affected_by_unknown_catalogue_issues_report_more_readily():
    m, ic = one("institutional_consultation", {"raise_boost": 0.5})
    open_issue(m, np.arange(10), kind=PARKING)  # unknown, catalogue
    open_issue(m, np.arange(10, 20), kind=ILLEGAL)  # unknown, not in the catalogue
    m.detect(open_issue(m, np.arange(20, 30), kind=ENV))  # known already
    ic.inform(m)
    expected = np.ones(m.pop.n)
    expected[:10] = 1.5
    np.testing.assert_allclose(m.levers.report_weight, expected)


def test_catalogue_issues_are_held_and_the_others_decided_top_down():
    """The default catalogue: every type but illegal construction (enforcement) is held."""
    m, _ = one("institutional_consultation")
    issues = {
        k: open_issue(m, np.arange(5 * k, 5 * k + 5), kind=k) for k in range(len(ISSUE_TYPES))
    }
    for i in issues.values():
        m.detect(i)
    day(m, 0)
    assert {k for k, i in issues.items() if i.held_by == "institutional_consultation"} == CATALOGUE
    assert issues[ILLEGAL] in m.issues.resolved and issues[ILLEGAL].authority == 0
    assert all(issues[k] in m.issues.open for k in CATALOGUE)


def test_notice_period_then_written_opinions_become_the_proposal():
    """Held ``notice_days``; then the affected, told by notice, comment at ``comment_cost``;
    their mean position is decided co-governed, first, the same day."""
    m, ic = one("institutional_consultation", {"notice_days": 7, "comment_cost": 0.2}, **ALL)
    who = np.arange(10)
    m.state.opinion[who, PARKING] = np.linspace(0.0, 0.4, 10)  # mean 0.2; committee at 0.5
    issue = open_issue(m, who, kind=PARKING)
    m.detect(issue)
    calls = occasions(m)
    for d in range(7):
        day(m, d)
        assert issue in m.issues.open and issue.held_by == "institutional_consultation", d
    assert calls == [] and np.all(m.state.last_part == -(10**6))
    day(m, 7)
    assert len(calls) == 1 and calls[0]["broadcast"] == 1.0 and calls[0]["cost_factor"] == 0.2
    assert list(calls[0]["who"]) == list(who)  # the pool: the affected
    assert issue in m.issues.resolved and issue.rung == ic.params.authority
    lam = ic.params.authority * np.sqrt(issue.agreement)  # weighed by the commenters' agreement
    assert issue.authority == pytest.approx(lam) and issue.resolved_day == 7
    assert issue.decision == pytest.approx(lam * 0.2 + (1 - lam) * m.committee.position)
    assert np.all(m.state.last_part[who] == 7) and np.all(m.state.last_part[10:] < 0)
    assert [list(v) for v in issue.voiced] == [list(who)]
    b = m.spec.behaviour
    fav = (
        issue.quality
        * issue.implementation
        * (1 - np.abs(m.state.opinion[who, PARKING] - issue.decision))
    )
    np.testing.assert_allclose(issue.fav, fav)
    np.testing.assert_allclose(
        m.state.process[who], b.voice_pre + b.action_effect * fav + b.reply_effect
    )
    assert ic.n_written == 1 and ic.n_procedure == 1


def test_a_proposal_made_first_releases_the_issue_without_written_consultation():
    m, ic = one("institutional_consultation")
    before = open_issue(m, np.arange(5), kind=PARKING)  # proposed before it is posted
    before.proposal = 0.3
    held = open_issue(m, np.arange(5, 10), kind=PARKING)
    for i in (before, held):
        m.detect(i)
    day(m, 0, ("participate",))
    assert before.held_by is None and held.held_by == "institutional_consultation"
    m.state.opinion[5:10, PARKING] = 0.7
    held.propose(0.7, np.arange(5, 10), 1.0)  # e.g. a meeting agreed on it
    day(m, 1, ("participate", "consult"))
    assert before in m.issues.resolved and held in m.issues.resolved
    assert held.decision == pytest.approx(0.7) and ic.n_written == 0


def test_with_a_joint_meeting_the_issue_waits_for_the_meeting():
    """The rules name the meeting the forum: held ``interval_days`` (not ``notice_days``),
    and the next meeting's proposal releases it."""
    m, mech = with_mechs(
        {"joint_meeting": {"interval_days": 60}, "institutional_consultation": {"notice_days": 7}},
        **SURE,
    )
    ic = mech["institutional_consultation"]
    issue = open_issue(m, np.flatnonzero(m.pop.building == 1), kind=PARKING)
    m.day = 60  # the day after a meeting day (59)
    m.detect(issue)
    for d in range(60, 119):
        day(m, d)
        assert issue in m.issues.open and issue.held_by == "institutional_consultation", d
    day(m, 119)  # meeting day
    assert issue in m.issues.resolved and issue.authority > 0 and ic.n_written == 0


def test_stakeholders_of_catalogue_agenda_issues_are_invited_up_to_the_quota():
    m, mech = with_mechs(
        {
            "joint_meeting": {"invitations": 0, "head_asks": 0},
            "institutional_consultation": {"invite_quota": 10, "invite_minutes": 5.0},
        },
        **SURE,
    )
    jm = mech["joint_meeting"]
    core = np.flatnonzero(m.pop.core)
    cat = np.flatnonzero((m.pop.building == 1) & ~m.pop.core)
    other = np.flatnonzero((m.pop.building == 2) & ~m.pop.core)
    for members, kind in ((cat, PARKING), (other, ILLEGAL)):
        m.detect(open_issue(m, members, kind=kind))
    day(m, jm.params.interval_days - 1, ("arrivals", "participate"))
    invited = np.setdiff1d(jm.attendees, core)
    assert len(invited) == 10 and np.all(np.isin(invited, cat))
    assert np.all(np.isin(core, jm.attendees))
    assert meeting_attendance(m, jm) == len(jm.attendees) == len(core) + 10
    assert m.committee.spent["procedure"] == pytest.approx(10 * 5.0 / 60)


def test_stakeholder_invitations_are_limited_by_staff_hours():
    m, mech = with_mechs(
        {
            # no mobilisation hours: the free hours left are the invitations' alone
            "joint_meeting": {
                "invitations": 0,
                "head_asks": 0,
                "notice_hours": 0,
                "brief_minutes": 0,
            },
            "institutional_consultation": {"invite_quota": 30, "invite_minutes": 5.0},
        },
        **SURE,
    )
    jm = mech["joint_meeting"]
    cat = np.flatnonzero((m.pop.building == 1) & ~m.pop.core)
    m.detect(open_issue(m, cat, kind=PARKING))
    m.day = jm.params.interval_days - 1
    m.committee.free = jm.params.meeting_hours * jm.params.staff_at_meeting + 3.5 * 5.0 / 60
    m._hook("arrivals")  # the meeting books its hours
    m._hook("participate")
    assert len(np.setdiff1d(jm.attendees, np.flatnonzero(m.pop.core))) == 3


def test_draft_convention_is_posted_and_commenters_count_as_represented():
    m, mech = with_mechs(
        {
            "issue_committee": {"draft_days": 60},
            "institutional_consultation": {"draft_notice_days": 7},
        },
        **ALL,
    )
    ic, rules = mech["issue_committee"], mech["institutional_consultation"]
    affected = np.flatnonzero(m.pop.building == 2)
    open_issue(m, affected, kind=PARKING)
    m.state.grievance[affected] = 1.0
    ic.participate(m)
    assert ic.formed_day == 0
    ic.represented[:] = False
    calls = occasions(m)
    m.day = 52
    rules.participate(m)
    assert not ic.represented.any() and calls == []
    m.day = 53  # draft_days - draft_notice_days after formation
    rules.participate(m)
    assert calls[0]["broadcast"] == 1.0 and calls[0]["cost_factor"] == 0.2
    assert np.array_equal(np.flatnonzero(ic.represented), affected)
    assert np.all(m.state.last_part[affected] == 53)
    np.testing.assert_allclose(m.state.process[affected], m.spec.behaviour.voice_pre)
    assert m.committee.spent["procedure"] == pytest.approx(rules.params.publish_hours)


def test_consulted_catalogue_issues_are_implemented_before_other_work():
    m, _ = one("institutional_consultation")
    early = open_issue(m, np.arange(5), kind=ILLEGAL, effort=3.0)  # known first, top-down
    late = open_issue(m, np.arange(5, 10), kind=PARKING, effort=3.0)
    m.detect(early)
    m.day = 1
    m.detect(late)
    m.state.opinion[5:10, PARKING] = 0.4
    late.propose(0.4, np.arange(5, 10), 1.0)
    follow = m.spec.decision.impl_share * late.effort
    m.committee.free = 4.0 + follow
    m._hook("consult")
    m._hook("decide")
    assert late in m.issues.resolved and late.decision == pytest.approx(0.4)
    assert m.committee.spent["implementation"] == pytest.approx(follow)  # its follow-through
    # 4 h - 3 h for the consulted issue - its publication (0.5 h) leave 0.5 h for the other
    assert early in m.issues.open and early.effort_left == pytest.approx(2.5)


def test_implementation_is_within_the_free_hours_and_escalates_beyond_capacity():
    m, _ = one("institutional_consultation")
    c = m.spec.committee
    slow = open_issue(m, np.arange(5), kind=PARKING, effort=3.0)
    hard = open_issue(m, np.arange(5, 10), kind=ENV, complexity=c.capacity + 0.1, effort=0.5)
    for i in (slow, hard):
        m.detect(i)
        i.propose(0.4, i.members, 1.0)
    follow = m.spec.decision.impl_share * slow.effort
    m.committee.free = 2.0 + follow
    m._hook("consult")
    # preparation leaves the decision's follow-through hours free (the priority on them)
    assert slow in m.issues.open and slow.effort_left == pytest.approx(1.0)
    assert m.committee.free == pytest.approx(follow)
    m.day = 1
    m.committee.start_day()
    m._hook("consult")
    assert slow in m.issues.resolved
    assert hard in m.issues.open and hard.referred_until == 1 + c.referral_days


def test_resolved_catalogue_outcomes_are_published_and_followed_up():
    m, ic = one("institutional_consultation", {"followup_days": 30})
    b = m.spec.behaviour
    cat = open_issue(m, np.arange(10), kind=PARKING)
    other = open_issue(m, np.arange(10, 20), kind=ILLEGAL)
    ic.consulted.add(cat.id)
    m.resolve_issue(cat, 0.5, 0.5)
    m.resolve_issue(other, 0.5, 0.5)
    op = m.state.opinion
    fav_cat = 0.5 * (1 - np.abs(op[:10, PARKING] - 0.5))
    fav_other = 0.5 * (1 - np.abs(op[10:20, ILLEGAL] - 0.5))
    np.testing.assert_allclose(m.state.process[:10], b.action_effect * fav_cat + b.reply_effect)
    np.testing.assert_allclose(m.state.process[10:20], b.action_effect * fav_other)
    assert ic.n_published == 1 and ic.n_procedure == 1 and not ic.consulted
    assert m.committee.spent["procedure"] == pytest.approx(ic.params.publish_hours)
    assert [(d, list(w)) for d, w in ic.followups] == [(30, list(range(10)))]


def followed_up(free=None, households=3):
    m, ic = one(
        "institutional_consultation",
        {"followup_days": 30, "followup_households": households, "followup_minutes": 10.0},
    )
    members = np.flatnonzero(m.pop.household < 8)
    m.resolve_issue(open_issue(m, members, kind=PARKING), 0.5, 0.5)
    before = m.state.process.copy()
    m.day = 29
    ic.decide(m)
    assert np.array_equal(m.state.process, before)  # not yet due
    m.day = 30
    m.committee.start_day()
    if free is not None:
        m.committee.free = free
    ic.decide(m)
    gained = m.state.process - before
    return m, members, gained


def test_followup_visits_households_whose_residents_get_post_decision_voice():
    m, _, gained = followed_up()
    visited = np.unique(m.pop.household[gained != 0])
    assert len(visited) == 3 and np.all(visited < 8)
    heard = np.isin(m.pop.household, visited)
    np.testing.assert_allclose(gained[heard], m.spec.behaviour.voice_post)
    assert np.all(gained[~heard] == 0)
    b = m.spec.behaviour
    assert np.all(m.state.voices[heard] == 1) and np.all(m.state.voices[~heard] == 0)
    assert np.all(m.state.justice[heard] == b.climate_base)  # post-decision: no PJ jump
    assert m.committee.spent["procedure"] == pytest.approx(3 * 10.0 / 60)


def test_followup_visits_are_limited_by_staff_hours():
    m, _, gained = followed_up(free=2.5 * 10.0 / 60)
    assert len(np.unique(m.pop.household[gained != 0])) == 2


# ================================================================ public services
def services(params=None, **overrides):
    return one(
        "public_services",
        {**NO_NEEDS, "home_visits_per_week": 0.0, "counter_hours_per_week": 0.0, **(params or {})},
        **overrides,
    )


def test_need_rates_follow_the_age_groups():
    m, ps = services(
        {"needs_per_year_young": 1.5, "needs_per_year_middle": 2.5, "needs_per_year_elderly": 5.0}
    )
    rate = (
        np.select([m.pop.age == YOUNG, m.pop.age == MIDDLE, m.pop.age == ELDERLY], [1.5, 2.5, 5.0])
        / 365
    )
    np.testing.assert_allclose(ps.rate, rate)


def test_needs_arise_at_the_daily_rate_of_residents_without_one():
    """730 days, every resident free of a need each morning: expected new needs are
    n x rate x 730 per group (young 27 x 30 x 2 = 1620, sd 39; elderly 45 x 100 x 2 = 9000,
    sd 81 with the daily chance 0.27); a tolerance of 10 % is 4 sd or more for both."""
    m, ps = services(
        {
            "needs_per_year_young": 30.0,
            "needs_per_year_middle": 0.0,
            "needs_per_year_elderly": 100.0,
            "online_share": 0.0,
        }
    )
    counts = np.zeros(3)
    for d in range(730):
        m.day = d
        m.committee.start_day()
        ps.since[:] = -1
        ps.inform(m)
        counts += np.bincount(m.pop.age[ps.since == d], minlength=3)
    n = np.bincount(m.pop.age, minlength=3)
    assert counts[MIDDLE] == 0
    assert counts[YOUNG] == pytest.approx(n[YOUNG] * 30 * 2, rel=0.1)
    assert counts[ELDERLY] == pytest.approx(n[ELDERLY] * 100 * 2, rel=0.1)
    ps.since[:] = 0  # a pending need is not replaced by a new one
    m.day = 5
    ps.inform(m)
    assert np.all(ps.since == 0)


def test_online_residents_settle_their_share_online_at_once():
    """A year of new needs at 100 a year: with online_share 1 no online resident waits and
    some offline ones do; with 0.5 about half the online needs settle at once (about 8,900
    needs: the share's sd is 0.005; tolerance 0.04)."""
    m, ps = services(
        {
            "needs_per_year_young": 100.0,
            "needs_per_year_middle": 100.0,
            "needs_per_year_elderly": 100.0,
            "online_share": 1.0,
        }
    )
    m.day = 0
    ps.inform(m)
    assert np.all(ps.since[m.pop.online] == -1) and np.any(ps.since[m.pop.offline] == 0)
    assert ps.served.sum() > 0 and ps.wait.sum() == 0
    m, ps = services(
        {
            "needs_per_year_young": 100.0,
            "needs_per_year_middle": 100.0,
            "needs_per_year_elderly": 100.0,
            "online_share": 0.5,
        }
    )
    settled = waiting = 0
    for d in range(365):
        m.day = d
        ps.since[:] = -1
        before = ps.served.sum()
        ps.inform(m)
        settled += ps.served.sum() - before
        waiting += np.count_nonzero(m.pop.online & (ps.since == d))
    assert settled / (settled + waiting) == pytest.approx(0.5, abs=0.04)


def test_counter_serves_the_longest_waiting_first_at_case_minutes_each():
    m, ps = services({"counter_hours_per_week": 7.0, "case_minutes": 15.0})
    m.day = 20
    ps.since[:] = np.random.default_rng(3).integers(7, 20, m.pop.n)
    since = ps.since.copy()
    order = np.lexsort((np.arange(m.pop.n), since))  # by day, then by index
    ps.inform(m)
    served = np.flatnonzero(ps.since == -1)
    assert list(served) == sorted(order[:4])  # one hour: four cases of 15 minutes
    assert ps.wait.sum() == (20 - since[served]).sum()
    assert m.committee.spent["services"] == pytest.approx(1.0)


def test_counter_carries_fractional_cases_but_banks_no_idle_time():
    m, ps = services({"counter_hours_per_week": 7.0, "case_minutes": 25.0})  # 2.4 a day
    served = []
    for d in range(5):
        m.day = d
        m.committee.start_day()
        ps.since[ps.since < 0] = d
        before = ps.served.sum()
        ps.inform(m)
        served.append(ps.served.sum() - before)
    assert served == [2, 2, 3, 2, 3]
    ps.since[:] = -1
    for d in range(5, 10):  # idle: nobody waiting
        m.day = d
        m.committee.start_day()
        ps.inform(m)
    m.day = 10
    m.committee.start_day()
    ps.since[:] = 10
    before = ps.served.sum()
    ps.inform(m)
    assert ps.served.sum() - before == 3  # at most one case carried over, plus 2.4


def test_counter_hours_come_before_explanations_and_handling():
    hours = tiny().committee.hours_free_per_day
    m, _ = services({"counter_hours_per_week": 7 * hours})
    m.state.aware[:] = False  # explanations would want hours
    issue = open_issue(m, np.arange(5), effort=1.0)
    m.detect(issue)
    m.step()
    assert m.committee.spent["services"] == pytest.approx(hours)
    assert m.committee.spent.get("explanation", 0.0) == pytest.approx(0.0, abs=1e-9)
    assert issue in m.issues.open and issue.effort_left == pytest.approx(1.0, abs=1e-9)


def test_home_visits_serve_offline_elderly_longest_waiting_first():
    m, ps = services({"home_visits_per_week": 14.0, "home_minutes": 30.0})
    home = m.pop.elderly & m.pop.offline
    m.day = 10
    ps.since[:] = 5
    ps.since[m.pop.elderly & m.pop.online] = 0  # older, but not visited at home
    ps.since[np.flatnonzero(home)[-1]] = 2  # the longest waiting of the visited
    ps.inform(m)
    served = np.flatnonzero(ps.since == -1)
    assert list(served) == sorted([np.flatnonzero(home)[-1], np.flatnonzero(home)[0]])
    assert m.committee.spent["services"] == pytest.approx(2 * 30.0 / 60)
    np.testing.assert_allclose(ps.served, [2, 0])  # tallied as elderly


def test_home_visits_are_planned_made_or_idle_and_limited_by_hours():
    m, ps = services({"home_visits_per_week": 14.0, "home_minutes": 30.0})
    home = np.flatnonzero(m.pop.elderly & m.pop.offline)
    for d in range(3):  # nobody waiting: the planned visits lapse
        m.day = d
        ps.inform(m)
    m.day = 3
    m.committee.start_day()
    ps.since[home] = 3
    m.committee.free = 0.75  # one and a half visits
    ps.inform(m)
    assert ps.served.sum() == 1
    m.day = 4
    m.committee.start_day()
    ps.inform(m)
    assert ps.served.sum() == 3


def test_home_visits_come_before_the_counter():
    """The longest waiting need is an offline elder's: the visit serves her, and the counter
    the next in line; the counter going first would take her and leave the visit another."""
    m, ps = services(
        {
            "home_visits_per_week": 7.0,
            "home_minutes": 30.0,
            "counter_hours_per_week": 7.0,
            "case_minutes": 60.0,
        }
    )
    home = np.flatnonzero(m.pop.elderly & m.pop.offline)
    other = np.flatnonzero(~m.pop.elderly)[0]
    m.day = 10
    ps.since[:] = 5
    ps.since[home[3]] = 0
    ps.since[other] = 1
    ps.inform(m)
    assert list(np.flatnonzero(ps.since == -1)) == sorted([home[3], other])


def test_a_need_waiting_past_the_limit_lapses_as_a_referral_only_answer():
    m, ps = services({"max_wait_days": 14})
    m.day = 30
    ps.since[:5] = 30 - 14  # at the limit: still waiting
    ps.since[5:10] = 30 - 15  # past it
    ps.inform(m)
    assert np.all(ps.since[:5] == 16) and np.all(ps.since[5:] == -1)
    np.testing.assert_allclose(m.state.process[5:10], -m.spec.behaviour.referral_effect)
    assert np.all(m.state.process[:5] == 0) and np.all(m.state.process[10:] == 0)
    groups = np.where(m.pop.age[5:10] == ELDERLY, 0, 1)
    np.testing.assert_allclose(ps.lapsed, np.bincount(groups, minlength=2))


def test_served_need_is_an_outcome_quality_times_action_effect_and_a_trust_event_no_voice():
    m, ps = services({"counter_hours_per_week": 7.0, "case_minutes": 15.0, "quality": 0.7})
    b, st = m.spec.behaviour, m.state
    m.day = 3
    ps.since[:4] = 0
    st.trust[3] = 0.999
    trust = st.trust.copy()
    ps.inform(m)
    np.testing.assert_allclose(st.process[:4], b.action_effect * 0.7)
    target = 0.4 * 0.7 + 0.6 * st.justice[:4]  # trust toward T* with DJ = quality
    rate = np.where(target >= trust[:4], b.trust_gain, b.trust_gain * b.trust_neg_ratio)
    np.testing.assert_allclose(st.trust[:4], trust[:4] + rate * (target - trust[:4]))
    assert np.all(st.process[4:] == 0) and np.all(st.trust[4:] == trust[4:])
    assert np.all(st.voices == 0) and np.all(st.last_part < 0)


# ================================================================ project-run services
def projects(params=None, tables=None, **overrides):
    m, mech = with_mechs(
        {
            **(tables or {}),
            "project_services": {"eval_noise": 0.0, "quality_spread": 0.0, **(params or {})},
        },
        **overrides,
    )
    return m, mech["project_services"], mech


def test_the_call_is_held_every_cycle_from_day_zero():
    m, pj, _ = projects({"renew_threshold": 0.0})
    m.day = 0
    pj.participate(m)
    assert len(pj.projects) == 3 and pj.funded == 3  # 150,000 / 50,000
    for d in (1, 200, 364):
        m.day = d
        pj.participate(m)
    assert pj.evaluated == [] and pj.funded == 3
    m.day = 365
    pj.participate(m)
    assert len(pj.evaluated) == 3 and pj.renewed == 3


def test_evaluation_scores_quality_times_reach_against_the_threshold():
    """Target: reach_per_month a month of the cycle (365 in a year at 30 a month)."""
    m, pj, _ = projects({"outside_proposals": 0, "reach_per_month": 30.0, "renew_threshold": 0.5})
    pj.projects = [
        Project("youth", 0.8, False, 0, reached=365),  # 0.8: renewed
        Project("youth", 0.8, False, 0, reached=182),  # 0.4: dropped
        Project("youth", 0.45, False, 0, reached=1000),  # 0.45 (reach capped)
        Project("youth", 0.55, False, 0, reached=400),
    ]  # 0.55: renewed
    kept = [pj.projects[0], pj.projects[3]]
    m.day = 365
    pj.participate(m)
    assert pj.projects == kept and pj.renewed == 2
    assert pj.evaluated == [(0.8, True), (0.8, False), (0.45, False), (0.55, True)]
    assert all(p.reached == 0 for p in kept)


def test_evaluation_noise_blurs_the_threshold():
    """Score 0.5 - 0.05 with noise SD 0.1: renewed with chance 0.31 (400 evaluations: sd
    0.023; tolerance 0.1)."""
    m, pj, _ = projects(
        {
            "outside_proposals": 0,
            "renew_threshold": 0.5,
            "eval_noise": 0.1,
            "cycle_days": 30,
            "reach_per_month": 30.0,
        }
    )
    renewed = 0
    for k in range(400):
        pj.projects = [Project("youth", 0.45, False, 0, reached=30)]
        m.day = 30 * (k + 1)
        pj.participate(m)
        renewed += len(pj.projects)
    assert renewed / 400 == pytest.approx(0.31, abs=0.1)


def voted(ages, budget, **params):
    """A call on day 0 where everyone votes; ``ages``: counts of young, middle, elderly."""
    m, pj, _ = projects({"outside_proposals": 60, "budget_per_year": budget, **params}, **ALL)
    m.pop.age[:] = np.repeat([YOUNG, MIDDLE, ELDERLY], ages)
    calls = occasions(m)
    m.day = 0
    pj.participate(m)
    return m, pj, calls


def test_voters_needs_choose_the_projects_divided_by_those_running():
    """Votes 30 young, 20 middle, 70 elderly; four slots: elderly (70), elderly (35),
    youth (30 > 70/3), elderly (23.3 > 20 middle, 15 young)."""
    _, pj, _ = voted([30, 20, 70], 200_000.0)
    assert [p.kind for p in pj.projects] == [
        "elderly_care",
        "elderly_care",
        "youth",
        "elderly_care",
    ]
    _, pj, _ = voted([20, 70, 30], 100_000.0)
    assert [p.kind for p in pj.projects] == ["neighbourhood", "neighbourhood"]


def test_voting_is_a_noticed_occasion_at_vote_cost_with_pre_decision_voice():
    m, _, calls = voted([30, 20, 70], 200_000.0, vote_cost=0.2)
    assert calls[0]["broadcast"] == 1.0 and calls[0]["cost_factor"] == 0.2
    assert np.all(m.state.last_part == 0)
    np.testing.assert_allclose(m.state.process, m.spec.behaviour.voice_pre)


def test_budget_funds_projects_at_their_cost_spent_pro_rata_of_the_cycle():
    m, pj, _ = projects(
        {
            "budget_per_year": 149_999.0,
            "project_cost": 50_000.0,
            "cycle_days": 90,
            "renew_threshold": 0.0,
        }
    )
    m.day = 0
    pj.participate(m)
    assert len(pj.projects) == 2
    assert pj.spent == pytest.approx(2 * 50_000 * 90 / 365)
    m.day = 90
    pj.participate(m)  # both renewed: paid again, no new project
    assert len(pj.projects) == 2 and pj.funded == 2 and pj.renewed == 2
    assert pj.spent == pytest.approx(4 * 50_000 * 90 / 365)


def test_renewals_take_their_slots_first():
    m, pj, _ = projects({"renew_threshold": 0.0})
    pj.projects = [Project("youth", 0.5, False, 0, reached=0)]
    m.day = 365
    pj.participate(m)
    assert len(pj.projects) == 3 and pj.funded == 2


def test_local_organisations_propose_their_kind_with_the_quality_bonus():
    m, pj, mech = projects(
        {"outside_proposals": 0, "quality": 0.6, "local_bonus": 0.1, "renew_threshold": 0.0},
        {"social_organisations": {"types": ("volunteer", "elderly_care"), "initial": 2}},
    )
    orgs = mech["social_organisations"].orgs
    m.day = 0
    pj.participate(m)
    assert {(p.org.kind, p.kind) for p in pj.projects} == {
        ("volunteer", "neighbourhood"),
        ("elderly_care", "elderly_care"),
    }
    assert all(p.local and p.org in orgs and p.quality == pytest.approx(0.7) for p in pj.projects)
    m.day = 365
    pj.participate(m)  # renewed; an organisation with a project does not propose another
    assert len(pj.projects) == 2 and pj.funded == 2


def test_outside_proposals_have_the_mean_quality_and_lose_ties_to_local_ones():
    m, pj, _ = projects(
        {"outside_proposals": 20, "quality": 0.6, "local_bonus": 0.1},
        {"social_organisations": {"types": ("elderly_care",), "initial": 1}},
        **ALL,
    )
    m.pop.age[:] = ELDERLY
    m.day = 0
    pj.participate(m)
    assert [p.kind for p in pj.projects] == ["elderly_care"] * 3
    assert [p.local for p in pj.projects] == [True, False, False]
    assert [p.quality for p in pj.projects] == pytest.approx([0.7, 0.6, 0.6])


def running(kind, quality=0.5, local=False, orgs=False, **params):
    m, pj, mech = projects(
        {"management_hours_per_week": 1.0, **params},
        {"social_organisations": {}} if local or orgs else None,
    )
    org = mech["social_organisations"].orgs[0] if local else None
    pj.projects = [Project(kind, quality, local, 0, org)]
    return m, pj, mech


@pytest.mark.parametrize(
    "kind, group", [("elderly_care", ELDERLY), ("youth", YOUNG), ("neighbourhood", None)]
)
def test_a_project_reaches_its_target_group_only(kind, group):
    m, pj, _ = running(kind, reach_per_month=3000.0)
    for d in range(5):
        m.day = d
        m.committee.start_day()
        pj.decide(m)
    reached = np.flatnonzero(pj.reached)
    if group is None:
        assert len(np.unique(m.pop.age[reached])) == 3
    else:
        assert np.all(m.pop.age[reached] == group)
        assert len(reached) == np.count_nonzero(m.pop.age == group)  # 500 draws: all of them


def reach_over(days, share_of_hours):
    m, pj, _ = running("neighbourhood", reach_per_month=60.0)
    for d in range(days):
        m.day = d
        m.committee.start_day()
        m.committee.free = share_of_hours / 7.0  # of the one hour a week it needs
        pj.decide(m)
    return pj.projects[0].reached


def test_reach_is_poisson_at_the_monthly_rate_scaled_by_management_hours():
    """Two a day over 600 days: about 1,200 reached (sd 35; duplicates within a day 1.4 %);
    with half the hours about 600 (sd 24); with none, nobody. Tolerance 15 % (over 3.5 sd)."""
    assert reach_over(600, 1.0) == pytest.approx(1200, rel=0.15)
    assert reach_over(600, 0.5) == pytest.approx(600, rel=0.15)
    assert reach_over(50, 0.0) == 0


def test_reached_residents_get_quality_times_action_effect_and_a_trust_event():
    m, pj, mech = running("neighbourhood", quality=0.5, local=True, reach_per_month=900.0)
    b, st = m.spec.behaviour, m.state
    st.trust[:] = 0.5
    m.day = 3
    pj.decide(m)
    hit = pj.reached
    assert 0 < hit.sum() < m.pop.n
    np.testing.assert_allclose(st.process[hit], b.action_effect * 0.5)
    target = 0.4 * 0.5 + 0.6 * st.justice[hit]  # trust toward T* with DJ = quality
    rate = np.where(target >= 0.5, b.trust_gain, b.trust_gain * b.trust_neg_ratio)
    np.testing.assert_allclose(st.trust[hit], 0.5 + rate * (target - 0.5))
    assert np.all(st.process[~hit] == 0) and np.all(st.trust[~hit] == 0.5)
    assert np.all(st.voices == 0)  # outcomes, not voice
    assert np.all((mech["social_organisations"].last_activity == 3) == hit)


def test_an_outside_project_is_no_organisations_activity():
    m, pj, mech = running("neighbourhood", orgs=True, reach_per_month=900.0)
    m.day = 3
    pj.decide(m)
    assert pj.reached.any() and not np.any(mech["social_organisations"].last_activity == 3)


def test_money_per_resident_reached_is_spending_over_residents_reached_once():
    m, pj, _ = running("neighbourhood", reach_per_month=300.0)
    pj.spent = 50_000.0
    for d in range(20):
        m.day = d
        m.committee.start_day()
        pj.decide(m)
    k = np.count_nonzero(pj.reached)
    assert 0 < k < pj.projects[0].reached  # some reached twice, counted once
    assert project_yuan_per_reached(m, pj) == pytest.approx(50_000.0 / k)
