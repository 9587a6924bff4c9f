"""Rule tests of the mechanisms (each module's "Rule." paragraph in sim/mechanisms/).

Small communities, a chosen state, one hook called; the test checks the rule's own quantity
(who is invited, what compliance is, what a convention prevents, who is on duty and what that
does to everyone's participation probability).
"""

import numpy as np
import pytest
from test_rules_model import ENV, PARKING, open_issue, tiny

from sim import metrics
from sim.mechanisms import configure
from sim.mechanisms.cloud_consultation import EscalationQueue
from sim.model import decision
from sim.model.behaviour import RECENT_DAYS
from sim.model.state import Today
from sim.params import ISSUE_TYPES

ELD = ISSUE_TYPES.index("elderly_services")
SURE = {"behaviour.b0": -20.0, "behaviour.ask_personal": 1.0}  # asked: p = 1; others: ~0


def with_mech(name, params=None, **overrides):
    m = tiny(mechanisms=[configure(name, params or {})], **overrides)
    m.committee.start_day()
    return m, next(x for x in m.mechanisms if x.name == name)


# ---------------------------------------------------------------- joint meeting
def meeting_day(m, mech):
    """Today is a meeting day and the meeting's hours are booked (its ``arrivals`` hook)."""
    m.day = mech.params.interval_days - 1
    mech.arrivals(m)


def test_joint_meeting_invites_core_members_and_the_affected_in_person():
    m, jm = with_mech("joint_meeting", {"invitations": 1000, "invite_minutes": 0.0}, **SURE)
    affected = np.flatnonzero(m.pop.building == 1)
    issue = open_issue(m, affected)
    m.detect(issue)
    meeting_day(m, jm)
    jm.participate(m)
    expected = np.union1d(affected, np.flatnonzero(m.pop.core))
    assert list(jm.attendees) == list(expected)
    assert jm.agenda == [issue] and m.totals.meetings == 1


def mobilisation_hours(m, jm):
    """Hours the meeting's notice, invitations and building heads' briefings need."""
    p, heads = jm.params, np.count_nonzero(m.net.affiliation["building_head"])
    return p.notice_hours + (p.invitations * p.invite_minutes + heads * p.brief_minutes) / 60


def test_joint_meeting_invitations_are_limited_by_staff_hours():
    """The day leaves 26 % of the mobilisation's hours after the meeting: all of them are
    spent, the granted share is 0.26 and as many of the 40 invitations are made (10)."""
    m, jm = with_mech("joint_meeting", {"invitations": 40, "head_asks": 0}, **SURE)
    affected = np.flatnonzero((m.pop.building >= 1) & ~m.pop.core)
    m.detect(open_issue(m, affected))
    cost = jm.params.meeting_hours * jm.params.staff_at_meeting
    m.committee.free = cost + 0.26 * mobilisation_hours(m, jm)
    meeting_day(m, jm)
    assert jm.share == pytest.approx(0.26) and m.committee.free == pytest.approx(0.0)
    jm.participate(m)
    invited = np.setdiff1d(jm.attendees, np.flatnonzero(m.pop.core))
    assert len(invited) == 10 and np.all(np.isin(invited, affected))


@pytest.mark.parametrize("share", [0.25, 1.0])
def test_joint_meeting_short_hours_brief_fewer_heads_and_reach_fewer(share, monkeypatch):
    """With a share g of the mobilisation's hours, each building head is briefed (and asks
    its ties) with chance g and the notice reaches g x reach (MODEL 3.7).

    25 meetings of 4 heads and 120 residents: at g = 0.25 the briefings are binomial(100,
    0.25), sd 4.3, so 10-40 is 3.5 sd either side; the notice's hearers binomial(3,000, 0.05),
    sd 12, so 100-200 is 4 sd. At g = 1 every head is briefed at every meeting.
    """
    m, jm = with_mech("joint_meeting", {"invitations": 0}, **SURE)
    m.detect(open_issue(m, np.flatnonzero(m.pop.building >= 1)))
    heads = np.flatnonzero(m.net.affiliation["building_head"])
    briefed, heard = [], []
    ask, draw = m.net.ask, m.draw_participants

    def recorded_ask(askers, *args):
        briefed.append(len(askers))
        return ask(askers, *args)

    def recorded_draw(rng, hearers, asked, **kw):
        heard.append(np.count_nonzero(hearers & (asked == 0)))
        return draw(rng, hearers, asked=asked, **kw)

    monkeypatch.setattr(m.net, "ask", recorded_ask)
    monkeypatch.setattr(m, "draw_participants", recorded_draw)
    cost = jm.params.meeting_hours * jm.params.staff_at_meeting
    for k in range(25):
        m.day = k * jm.params.interval_days + jm.params.interval_days - 1
        m.committee.start_day()
        m.committee.free = cost + share * mobilisation_hours(m, jm)
        jm.arrivals(m)
        jm.participate(m)
    if share == 1.0:
        assert briefed == [len(heads)] * 25
        return
    assert 10 <= sum(briefed) <= 40
    reach = jm.params.formats.invitation.reach
    assert reach * share == 0.05 and 100 <= sum(heard) <= 200


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("asks", [1, 3, 100])
def test_joint_meeting_building_heads_ask_their_affected_ties(seed, asks):
    """Each building head (楼栋长) asks up to ``head_asks`` affected ties not yet asked.

    MODEL 3.1: a building head asks in person. Without staff invitations the attendees (asked:
    p = 1, others ~0) are the core members and the heads' asks: never a resident the agenda
    leaves out, at least min(t, asks) of a head's t affected ties outside the core, all of
    them with 100 asks; none with 0. Three network seeds, three ask counts.
    """
    m, jm = with_mech("joint_meeting", {"invitations": 0, "head_asks": asks}, seed=seed, **SURE)
    affected = np.flatnonzero(m.pop.building % 2 == 0)  # half the buildings
    m.detect(open_issue(m, affected))
    meeting_day(m, jm)
    jm.participate(m)
    core, heads = m.pop.core, np.flatnonzero(m.net.affiliation["building_head"])
    came = np.setdiff1d(jm.attendees, np.flatnonzero(core))
    tied = m.net.ties_of(heads)[0]
    pool = tied[np.isin(tied, affected) & ~core[tied]]  # the heads' affected ties
    assert np.isin(came, pool).all()
    for head in heads:
        ties = m.net.face.indices[m.net.face.indptr[head] : m.net.face.indptr[head + 1]]
        ties = ties[np.isin(ties, affected) & ~core[ties]]
        assert np.isin(ties, came).sum() >= min(len(ties), asks), (head, ties)
    assert len(pool) > asks or asks == 100  # the bound binds for some head
    if asks == 100:
        assert list(came) == list(pool)
    m.day += jm.params.interval_days
    jm.params = jm.params.model_copy(update={"head_asks": 0})
    m.committee.start_day()
    jm.arrivals(m)
    jm.participate(m)
    assert list(jm.attendees) == list(np.flatnonzero(core))


def test_joint_meeting_is_not_held_off_schedule_or_without_hours():
    m, jm = with_mech("joint_meeting", **SURE)
    m.detect(open_issue(m, np.arange(10)))
    m.day = jm.params.interval_days  # not a meeting day
    jm.arrivals(m)
    jm.participate(m)
    assert len(jm.attendees) == 0
    m.committee.free = jm.params.meeting_hours * jm.params.staff_at_meeting - 0.01
    meeting_day(m, jm)
    jm.participate(m)
    assert len(jm.attendees) == 0 and m.totals.meetings == 0


def test_joint_meeting_books_its_hours_before_the_days_other_work():
    """The monthly meeting has a fixed date: its hours are booked before anything else.

    Every household unaware of the policy, the explanations alone would take every free hour
    of the day (they run before the meeting's ``participate``); the meeting is still held, on
    its full hours, and the explanations get what is left.
    """
    m, jm = with_mech("joint_meeting", **SURE, **{"committee.explain_minutes": 60.0})
    m.detect(open_issue(m, np.flatnonzero(m.pop.building == 1)))
    m.state.aware[:] = False
    m.day = jm.params.interval_days - 1
    free, cost = (
        m.committee.hours_free_per_day,
        jm.params.meeting_hours * jm.params.staff_at_meeting,
    )
    c = m.spec.committee
    assert m.pop.n_households * c.explain_coverage * c.explain_minutes / 60.0 > free > cost
    m.step()
    assert m.totals.meetings == 1 and len(jm.attendees) > 0
    assert m.committee.spent["meetings"] >= cost
    assert m.committee.spent["explanation"] == pytest.approx(free - m.committee.spent["meetings"])


def test_daytime_meeting_doubles_the_employed_cost():
    """A daytime meeting passes daytime=True to the participation rule (MODEL 3.1)."""
    seen = []
    for daytime in (True, False):
        m, jm = with_mech("joint_meeting", {"daytime": daytime, "format": "open_forum"})
        calls = []
        original = m.participation_probability
        m.participation_probability = lambda calls=calls, f=original, **kw: (
            calls.append(kw),
            f(**kw),
        )[1]
        meeting_day(m, jm)
        jm.participate(m)
        seen.append(calls[0]["daytime"])
    assert seen == [True, False]


def test_joint_meeting_deliberation_gives_proposal_quality_support_and_voice():
    m, jm = with_mech("joint_meeting", {"format": "think_tank"}, **SURE)
    b = m.spec.behaviour
    affected = np.flatnonzero(m.pop.building == 1)
    parking = open_issue(m, affected[:5], kind=PARKING)  # units are its stakeholders
    env = open_issue(m, affected[5:])
    for i in (parking, env):
        m.detect(i)
    meeting_day(m, jm)
    jm.participate(m)
    jm.consult(m)
    p = jm.params
    for i in (parking, env):
        assert i.proposal is not None
        assert i.quality_bonus == pytest.approx(0.15)  # the think tank's expert input
        assert i.rung == p.authority and np.array_equal(i.participants, jm.attendees)
    assert parking.support == p.unit_support and env.support == 0.0
    assert np.all(m.state.last_part[jm.attendees] == m.day)
    np.testing.assert_allclose(m.state.process[affected], b.voice_pre)
    outsiders = np.setdiff1d(jm.attendees, affected)
    assert np.all(m.state.process[outsiders] == 0)
    assert [list(v) for v in env.voiced] == [list(affected[5:])]


def test_facilitator_pulls_the_proposal_toward_the_committee():
    props = []
    for pull in (0.0, 0.5):
        m, jm = with_mech("joint_meeting", {"facilitator_pull": pull}, **SURE)
        issue = open_issue(m, np.flatnonzero(m.pop.building == 1))
        m.detect(issue)
        m.state.opinion[:, ENV] = 0.1
        meeting_day(m, jm)
        jm.participate(m)
        jm.consult(m)
        props.append(issue.proposal)
    assert props[0] == pytest.approx(0.1)
    assert props[1] == pytest.approx(0.1 + 0.5 * 0.4)


# ---------------------------------------------------------------- issue committee
def test_issue_committee_forms_at_the_grievance_threshold_with_affected_core_members():
    m, ic = with_mech("issue_committee")
    affected = np.arange(m.pop.n)
    open_issue(m, affected, kind=PARKING)
    m.state.grievance[:] = ic.params.trigger_grievance - 0.01
    ic.participate(m)
    assert ic.formed_day < 0
    m.state.grievance[:] = ic.params.trigger_grievance + 1e-9
    ic.participate(m)
    assert ic.formed_day == m.day
    assert len(ic.members) == min(m.pop.core.sum(), ic.params.max_core_members)
    assert np.all(m.pop.core[ic.members])
    assert np.all(ic.represented[ic.members] == 1.0)


def test_issue_committee_seats_affected_core_members_first_then_the_readiest_others():
    m, ic = with_mech("issue_committee", {"max_core_members": 2})
    core = np.flatnonzero(m.pop.core)
    assert len(core) >= 3
    affected = np.setdiff1d(np.arange(m.pop.n), np.delete(core, 1))  # one affected core member
    open_issue(m, affected, kind=PARKING)
    m.state.efficacy[core] = 0.0
    m.state.efficacy[core[2]] = 1.0  # readier than core[0], which comes first by index
    m.state.grievance[:] = 1.0
    ic.participate(m)
    others = np.delete(core, 1)
    chance = m.participation_probability(asked=1.0, who=others)
    assert chance[1] > chance[0]
    assert list(ic.members) == [core[1], core[2]]


def test_issue_committee_drafting_represents_participants_and_their_ties():
    m, ic = with_mech("issue_committee", **SURE)
    affected = np.flatnonzero(m.pop.building == 2)
    open_issue(m, affected, kind=PARKING)
    m.state.grievance[affected] = 1.0
    ic.participate(m)
    m.day = ic.formed_day + 6  # the weekly meeting
    ic.participate(m)
    joined = np.flatnonzero(m.state.last_part == m.day)
    assert len(ic.members) and np.all(np.isin(ic.members, joined))
    asked = np.setdiff1d(joined, ic.members)
    assert np.all(np.isin(asked, affected)) and len(asked)
    tied, _ = m.net.ties_of(joined)
    assert np.all(ic.represented[joined] == 1.0)  # heard
    assert np.all(ic.represented[np.setdiff1d(tied, joined)] == 0.5)  # represented by a tie
    assert np.all(ic.represented[np.setdiff1d(np.arange(m.pop.n), np.union1d(tied, joined))] == 0)
    np.testing.assert_allclose(m.state.process[joined], m.spec.behaviour.voice_pre)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("asks", [1, 3, 100])
def test_issue_committee_members_canvass_their_affected_neighbours_first(seed, asks):
    """Each member asks up to ``asks_per_member`` of its affected ties, strangers the rest.

    Neighbour canvassing (Middleton & Green 2008): a member with t affected ties other than
    members asks at least min(t, asks) of them (others may ask the same ones or pick them
    as strangers); in all min(affected, asks x members) affected residents are asked, and
    with enough asks every member's affected tie is asked. Four seeds of the network and
    three ask counts; asking the affected at random instead fails the per-member bound.
    """
    m, ic = with_mech("issue_committee", {"asks_per_member": asks}, seed=seed)
    affected = np.flatnonzero(m.pop.building < 2)  # half the estate
    open_issue(m, affected, kind=PARKING)
    m.state.grievance[affected] = 1.0
    ic.participate(m)
    assert len(ic.members) > 1
    asked = ic.canvass(m, affected, np.random.default_rng(seed)) > 0
    assert not asked[np.setdiff1d(np.arange(m.pop.n), affected)].any()
    assert asked.sum() == min(len(affected), asks * len(ic.members))
    member = np.zeros(m.pop.n, dtype=bool)
    member[ic.members] = True
    reached = 0
    for j in ic.members:
        ties = m.net.face.indices[m.net.face.indptr[j] : m.net.face.indptr[j + 1]]
        ties = ties[np.isin(ties, affected) & ~member[ties]]
        assert asked[ties].sum() >= min(len(ties), asks), (j, ties)
        reached += len(ties)
    assert reached  # the bound was tested on some ties
    if asks == 100:
        tied = m.net.ties_of(ic.members)[0]
        assert asked[tied[np.isin(tied, affected) & ~member[tied]]].all()


def adopted_committee(**params):
    m, ic = with_mech("issue_committee", {"p_city": 1.0, **params})
    m.car_household[:] = np.arange(m.pop.n_households) % 2 == 0  # every other household
    open_issue(m, np.arange(m.pop.n), kind=PARKING)
    m.state.grievance[:] = 1.0
    ic.participate(m)
    m.day = ic.formed_day + ic.params.draft_days - 1
    ic.decide(m)
    return m, ic


def test_adopted_convention_shares_spaces_adds_support_and_binds_car_households():
    m, ic = adopted_committee()
    assert ic.adopted_day < 0 and np.all(np.isnan(m.levers.compliance))
    assert m.parking.supply(m) == m.spaces
    m.day += 1
    ic.decide(m)
    assert ic.adopted_day == m.day
    assert np.all(m.levers.units_open) and len(m.units) > 0
    assert m.levers.extra_spaces["street"] == m.sub_district.street_spaces
    shared = sum(u.spaces_after_hours for u in m.units) + m.sub_district.street_spaces
    assert m.parking.supply(m) == m.spaces + shared
    issue = m.issues.open[0]
    assert issue.support == ic.params.support and issue.proposal is not None
    row = m.levers.compliance[PARKING]
    cars = m.car_household[m.pop.household]
    assert np.all(np.isin(row[cars], [0.0, 1.0])) and np.all(np.isnan(row[~cars]))
    assert np.all(np.isnan(m.levers.compliance[ENV]))  # only its own type
    # one decision a household: every member has the head's
    heads = row[m.parking.head][m.pop.household]
    np.testing.assert_array_equal(row[cars], heads[cars])


def test_committee_without_space_sharing_shares_nothing():
    m, ic = adopted_committee(share_spaces=False)
    m.day += 1
    ic.decide(m)
    assert ic.adopted_day == m.day and m.parking.supply(m) == m.spaces


def test_committee_after_adoption_monitors_and_wins_back_withdrawn_units():
    m, ic = adopted_committee(p_reagree=1.0)
    m.day += 1
    ic.decide(m)
    m.levers.units_open[:] = False  # the units withdrew
    m.day = ic.formed_day + 6 + 7 * 20  # a weekly meeting after adoption
    ic.participate(m)
    assert np.all(m.levers.units_open)
    assert np.all(m.levers.monitored == m.day)
    m2, ic2 = adopted_committee(p_reagree=0.0, monitors=False)
    m2.day += 1
    ic2.decide(m2)
    m2.levers.units_open[:] = False
    m2.day = ic2.formed_day + 6 + 7 * 20
    ic2.participate(m2)
    assert not m2.levers.units_open.any() and np.all(m2.levers.monitored < 0)


# ---------------------------------------------------------------- proactive convention
def drafted_convention(**params):
    m, cv = with_mech("convention", params, **SURE)
    affected = np.flatnonzero(m.pop.building == 1)
    issue = open_issue(m, affected)
    m.detect(issue)
    return m, cv, affected, issue


def test_convention_drafts_at_the_early_warning_only():
    m, cv, affected, issue = drafted_convention()
    m.state.grievance[affected] = cv.params.warn_grievance - 0.01
    cv.participate(m)
    assert ENV not in cv.drafted
    m.state.grievance[affected] = cv.params.warn_grievance
    cv.participate(m)
    assert cv.drafted == {ENV: m.day} and issue.proposal is not None
    joined = np.flatnonzero(m.state.last_part == m.day)
    assert set(affected) <= set(joined)
    voice = cv.voice[ENV]
    assert np.all(voice[joined] == 1.0)
    assert np.all(voice[np.setdiff1d(m.net.ties_of(joined)[0], joined)] == 0.5)
    np.testing.assert_allclose(m.state.process[joined], m.spec.behaviour.voice_pre)


def test_adopted_convention_binds_the_affected_and_prevents_by_the_share_keeping_it():
    m, cv, affected, _ = drafted_convention()
    m.state.grievance[affected] = 1.0
    cv.participate(m)
    m.day += cv.params.draft_days - 1
    cv.decide(m)
    assert m.levers.prevention[ENV] == 0 and np.all(np.isnan(m.levers.compliance[ENV]))
    m.day += 1
    cv.decide(m)
    row = m.levers.compliance[ENV]
    assert np.all(np.isin(row[affected], [0.0, 1.0]))
    others = np.setdiff1d(np.arange(m.pop.n), affected)
    assert np.all(np.isnan(row[others]))  # not affected by an open issue of the type
    keep = row[affected].mean()
    assert 0 < keep < 1
    assert m.levers.prevention[ENV] == pytest.approx(cv.params.prevention * keep)
    m.levers.compliance[:] = np.nan  # the next morning
    m.day += 1
    cv.decide(m)  # restated, the month's decision unchanged
    np.testing.assert_array_equal(m.levers.compliance[ENV], row)


def test_compliance_voice_gap_compares_the_bound_with_and_without_a_say_by_household():
    m, ic = adopted_committee()
    m.day += 1
    ic.decide(m)
    rule, pop = ic.rule, m.pop
    cars = np.flatnonzero(m.car_household)
    said = cars[:4]  # one member of each of these households was heard
    rule.voice[:] = 0.0
    rule.voice[m.parking.head[said]] = 1.0
    members = np.isin(pop.household, said)
    bound = m.car_household[pop.household]
    rule.decision[bound] = np.where(members[bound], 1.0, 0.0)
    rule.decision[np.flatnonzero(bound & ~members)[:3]] = 1.0
    others = np.count_nonzero(bound & ~members)
    assert metrics.compliance_voice_gap(m) == pytest.approx(1.0 - 3 / others)
    rule.voice[:] = 1.0  # everyone had a say: no one to compare with
    assert np.isnan(metrics.compliance_voice_gap(m))


# ---------------------------------------------------------------- rotation duty
def on_roster(**params):
    m, rd = with_mech("rotation_duty", params, **SURE)  # the due turn up
    rd.roster = np.array([5, 50, 100])
    m.day = 1  # not a recruitment day
    return m, rd


def test_shift_serves_by_the_participation_rule_gains_efficacy_and_passes_some_to_ties():
    m, rd = on_roster(on_duty=2)
    st = m.state
    before = st.efficacy.copy()
    rd.participate(m)
    shift = np.array([5, 50])
    assert list(np.flatnonzero(st.last_part == m.day)) == list(shift)
    tied, ties = m.net.ties_of(shift)
    gain = np.zeros(m.pop.n)
    gain[shift] += rd.params.efficacy_gain
    gain[tied] += rd.params.spillover * ties
    np.testing.assert_allclose(st.efficacy - before, gain)
    m.day += 1
    rd.participate(m)
    assert list(np.flatnonzero(st.last_part == m.day)) == [5, 100]  # the next in turn


def test_due_members_who_do_not_turn_up_neither_serve_nor_monitor():
    m, rd = with_mech("rotation_duty", **{"behaviour.b0": -20.0, "behaviour.ask_personal": 0.0})
    rd.roster = np.array([5, 50, 100])
    m.day = 1
    rd.participate(m)
    assert not np.any(m.state.last_part == m.day)
    assert np.all(m.levers.monitored < 0) and not m.levers.visible.any()


def test_duty_monitors_its_buildings_and_is_seen_by_its_ties_for_a_month():
    m, rd = with_mech("rotation_duty", {"on_duty": 1}, **SURE)
    rd.roster = np.array([5])
    m.day = 1
    rd.participate(m)
    here = m.pop.building[5]
    assert m.levers.monitored[here] == 1
    assert np.all(m.levers.monitored[np.arange(m.pop.n_buildings) != here] < 0)
    tied, _ = m.net.ties_of(np.array([5]))
    rd.roster = np.empty(0, dtype=np.int64)  # nobody serves from now on
    m.day = 2
    rd.participate(m)
    seen = np.zeros(m.pop.n, dtype=bool)
    seen[tied] = True
    np.testing.assert_array_equal(m.levers.visible, seen)
    m.day = 1 + RECENT_DAYS
    rd.participate(m)
    assert not m.levers.visible.any()


def test_shift_notices_unknown_issues_in_its_buildings():
    m, rd = on_roster(p_notice=1.0, on_duty=1)
    here = open_issue(m, np.flatnonzero(m.pop.building == m.pop.building[5]))
    there = open_issue(m, np.flatnonzero(m.pop.building != m.pop.building[5]))
    rd.participate(m)
    assert here.known and not there.known


def test_recruitment_asks_core_members_and_a_sample_in_person():
    m, rd = with_mech("rotation_duty", {"asks": 0}, **SURE)
    m.day = 0
    rd.participate(m)
    assert list(rd.roster) == list(np.flatnonzero(m.pop.core))


# ---------------------------------------------------------------- cloud consultation
def test_cloud_access_and_reporting_boost():
    m, cc = with_mech("cloud_consultation", {"proxy_share": 0.0, "report_boost": 2.0})
    pop = m.pop
    assert np.all(cc.access[pop.online] == 1.0)
    fam = np.bincount(pop.household, weights=pop.online)[pop.household] > 0
    assert np.all(cc.access[pop.offline & fam] == cc.params.family_use)
    assert np.all(cc.access[pop.offline & ~fam] == 0.0)
    cc.inform(m)
    np.testing.assert_allclose(m.levers.report_weight, 1.0 + 2.0 * cc.access)


def test_escalated_issue_is_acknowledged_and_queued_not_referred():
    m, cc = with_mech("cloud_consultation")
    issue = open_issue(m, np.arange(5), complexity=1.0)
    m.escalate(issue)
    assert issue.escalated and len(cc.queue) == 1
    np.testing.assert_allclose(m.state.process[:5], m.spec.behaviour.reply_effect)
    assert m.totals.escalations == 1


@pytest.mark.parametrize("p, convened", [(1.0, True), (0.0, False)])
def test_served_issue_is_solved_with_experts_or_gets_a_referral_answer(p, convened):
    m, cc = with_mech("cloud_consultation", {"p_convened": p})
    issue = open_issue(m, np.arange(5), complexity=1.0)
    trust = m.state.trust[:5].copy()
    cc.settle(m, issue)
    assert (issue.quality_bonus == cc.params.expert_quality) == convened
    assert ("sub_district" in issue.pledges) == convened  # departments bring resources
    assert np.all(m.state.trust[:5] < trust) == (not convened)


def test_escalation_queue_waits_min_days_and_serves_at_capacity():
    q = EscalationQueue(capacity_per_month=30.0, min_days=7)  # one a day
    for _ in range(3):
        q.push(0, None, None)
    assert q.serve(6) == []
    assert len(q.serve(7)) == 1 and len(q.serve(8)) == 1
    slow = EscalationQueue(capacity_per_month=10.0, min_days=0)  # one every three days
    for _ in range(5):
        slow.push(0, None, None)
    served = [len(slow.serve(d)) for d in range(9)]
    assert sum(served) == 3


def test_affected_residents_comment_with_pre_decision_voice():
    m, cc = with_mech("cloud_consultation", {"comment_days": 1.0}, **{"behaviour.b0": 20.0})
    issue = open_issue(m, np.arange(m.pop.n))
    m.detect(issue)
    cc.participate(m)
    who = np.flatnonzero(m.state.last_part == m.day)
    assert len(who) and np.all(cc.access[who] > 0)
    np.testing.assert_allclose(m.state.process[who], m.spec.behaviour.voice_pre)


# ---------------------------------------------------------------- palm community
def test_bass_imitation_needs_following_ties():
    """With no innovation, only residents whose ties or group follow can adopt."""
    m, pc = with_mech(
        "palm_community",
        {"p_launch": 0.0, "p_innovation": 0.0, "q_imitation": 5.0, "interest": 1.0},
    )
    for _ in range(20):
        pc.arrivals(m)
        m.day += 1
    assert not pc.follows.any()
    seed = np.flatnonzero(pc.eligible)[0]
    pc.follows[seed] = True
    for _ in range(30):
        pc.arrivals(m)
        m.day += 1
    assert pc.follows.sum() > 1


def test_bass_promotion_rate_only_during_the_promotion():
    m, pc = with_mech(
        "palm_community",
        {
            "p_launch": 1.0,
            "p_innovation": 0.0,
            "q_imitation": 0.0,
            "interest": 1.0,
            "promotion_days": 30,
        },
    )
    for _ in range(30):
        pc.arrivals(m)
        m.day += 1
    during = pc.follows.sum()
    assert during > 0
    for _ in range(60):
        pc.arrivals(m)
        m.day += 1
    assert pc.follows.sum() == during


def test_followers_report_more_read_policy_links_and_vote():
    m, pc = with_mech(
        "palm_community",
        {"report_boost": 3.0, "p_read": 1.0, "poll_interval": 1},
        **{"behaviour.b0": 20.0},
    )
    pc.follows[:] = pc.eligible
    m.state.aware[:] = False
    m.today = Today(policy=True)
    pc.inform(m)
    np.testing.assert_allclose(m.levers.report_weight, np.where(pc.follows, 4.0, 1.0))
    assert np.all(m.state.aware[pc.follows])
    pc.participate(m)
    assert np.array_equal(m.state.last_part == m.day, pc.follows)
    np.testing.assert_allclose(m.state.process[pc.follows], m.spec.behaviour.voice_pre)


# ---------------------------------------------------------------- grid management
def test_grid_visit_detects_informs_and_hears():
    m, gm = with_mech(
        "grid_management", {"p_detect": 1.0, "households_per_grid": 1000, "visits_per_day": 2}
    )
    first = np.flatnonzero(m.pop.household < 2)
    later = np.flatnonzero(m.pop.household == 5)
    here, there = open_issue(m, first), open_issue(m, later)
    known = open_issue(m, np.concatenate([first, later]))
    m.detect(known)
    m.state.aware[:] = False
    gm.inform(m)
    assert here.known and not there.known
    assert np.array_equal(m.state.aware, m.pop.household < 2)
    reply = m.spec.behaviour.reply_effect
    np.testing.assert_allclose(m.state.process[first], reply)
    assert np.all(m.state.process[later] == 0)
    assert m.committee.spent["grid"] == pytest.approx(2 * gm.params.visit_minutes / 60)


def test_grid_contact_rate_counts_residents_of_households_visited_in_the_last_30_days():
    m, gm = with_mech(
        "grid_management", {"staffing": "paid", "households_per_grid": 1000, "visits_per_day": 2}
    )
    rate = next(s for s in gm.metrics if s.name == "grid_contact_rate").fn
    assert rate(m, gm) == 0.0 and rate(m, None) == 0.0
    gm.inform(m)  # day 0: households 0 and 1
    m.day = 20
    gm.inform(m)  # households 2 and 3
    assert rate(m, gm) == pytest.approx(np.count_nonzero(m.pop.household < 4) / m.pop.n)
    m.day = 30  # day 0's visits are 30 days old: out of the window
    assert rate(m, gm) == pytest.approx(
        np.count_nonzero(np.isin(m.pop.household, [2, 3])) / m.pop.n
    )
    assert np.all(m.state.last_part < 0)  # a visit is contact, not taking part


def test_grid_without_detection_chance_detects_nothing_and_paid_staff_cost_nothing():
    m, gm = with_mech("grid_management", {"p_detect": 0.0, "staffing": "paid"})
    issue = open_issue(m, np.arange(m.pop.n))
    for _ in range(10):
        gm.inform(m)
    assert not issue.known and "grid" not in m.committee.spent


# ---------------------------------------------------------------- social organisations
def test_no_linkage_support_no_new_organisations():
    m, so = with_mech(
        "social_organisations", {"linkage_hours_per_week": 0.0, "cultivation_per_year": 100.0}
    )
    m.state.last_part[:] = 0
    for _ in range(60):
        m.committee.start_day()
        so.decide(m)
        m.day += 1
    assert len(so.orgs) == so.params.initial
    m2, so2 = with_mech("social_organisations", {"cultivation_per_year": 100.0})
    m2.state.last_part[:] = 0
    for _ in range(60):
        m2.committee.start_day()
        m2.state.last_part[:] = m2.day
        so2.decide(m2)
        m2.day += 1
    assert len(so2.orgs) > so2.params.initial


def test_organisations_take_over_their_issues_on_residents_mean_position():
    m, so = with_mech(
        "social_organisations", {"types": ("volunteer", "chamber"), "capacity_per_month": 30.0}
    )
    who = np.arange(10)
    m.state.opinion[who, ENV] = np.linspace(0.0, 0.9, 10)
    env = open_issue(m, who)
    eld = open_issue(m, who, kind=ELD)
    m.detect(env)
    m.detect(eld)
    so.decide(m)
    p = so.params
    assert env in m.issues.resolved and eld in m.issues.open  # no elderly-care organisation
    assert env.decision == pytest.approx(0.45)
    # graded: the organisation's capacity as input, the chamber's as expert input
    alone = decision.quality(
        m.spec.decision, decision.inputs(m.spec.decision, p.quality, 0, 0, 0), env.complexity
    )
    assert env.quality > alone and env.authority == 0
    assert eld.quality_bonus == p.chamber_quality


def test_activities_tie_attendees_at_most_max_new_ties_each():
    m, so = with_mech(
        "social_organisations",
        {"p_new_tie": 1.0, "max_new_ties": 1, "asks_per_activity": 1000},
        **SURE,
    )
    before = m.net.degree.copy()
    for org in so.orgs:
        org.next_activity = 0
    so.participate(m)
    gained = m.net.degree - before
    assert gained.max() <= len(so.orgs) and gained.sum() > 0
    assert np.all(so.last_activity[gained > 0] == m.day)


def test_activity_attendees_take_part():
    m, so = with_mech("social_organisations", {"asks_per_activity": 20}, **SURE)
    for org in so.orgs:
        org.next_activity = 0
    m.day = 3
    so.participate(m)
    attended = so.last_activity == 3
    assert 0 < np.count_nonzero(attended) < m.pop.n
    assert np.array_equal(m.state.last_part == 3, attended)  # exactly the attendees
    assert m.recent_participants()[attended].all()


def test_tie_draws_each_pair_with_p_new_tie():
    """The binomial-then-sample draw gives each untied pair of attendees a tie with
    p_new_tie: over 20 seeds the new ties match p x untied pairs within 6 % (the count is
    binomial, about 7,000 in all, a standard deviation of 1.2 %: 6 % is 5 of them)."""
    p_tie, new, expected = 0.05, 0, 0.0
    for seed in range(20):
        m, so = with_mech(
            "social_organisations", {"p_new_tie": p_tie, "max_new_ties": 100}, seed=seed
        )
        who = np.arange(m.pop.n)
        a, b = np.triu_indices(len(who), 1)
        expected += p_tie * np.count_nonzero(~m.net.tied(who[a], who[b]))
        before = len(m.net.edges[0])
        so._tie(m, who, np.random.default_rng(seed))
        new += len(m.net.edges[0]) - before
    assert new == pytest.approx(expected, rel=0.06)
