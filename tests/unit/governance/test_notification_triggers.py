"""What the notifications service needs from governance (issue #18): the events a council session's
invitation, its reminder and a duty slot's reminder announce, announced once by the settable clock and
not before they are due; and `audience(group, ref)`, the people of a group in the caller's community,
with two (and more) communities."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.common.context import CallContext
from services.common.database import TenantSession, WorkerDatabase, utcnow
from services.common.errors import Forbidden, NotFound, ValidationFailed
from services.governance import branches, council_sessions, councils, events, projects, voice, voting
from services.governance.models import Base, CouncilSession, DutySlot
from services.governance.service import GovernanceService
from tests.unit.governance.conftest import NOW, ctx, make_council, open_vote, proposal_in_deliberation, staff

MEMBERS = {"chair": "estate_officer", "c1": "courier", "c2": "courier", "pm": "property_manager"}
STARTS = NOW + timedelta(days=3)


def _schedule(session, council, tenant_id="xiangyang", starts_at=STARTS):
    with session.begin():
        return council_sessions.schedule(session=session, ctx=staff(tenant_id), council_id=council.id, data={
            "title": "议事：快递车进出", "agenda": [], "topic_ids": [], "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2), "venue": "党群服务中心", "online_url": None,
            "chair_member_id": None})


def _invite(session, meeting_id, tenant_id="xiangyang", member_ids=None):
    with session.begin():
        return council_sessions.invite(session=session, ctx=staff(tenant_id), session_id=meeting_id,
                                       member_ids=member_ids)


def _remind_sessions(session, at):
    with session.begin():
        return council_sessions.remind_due(session=session, now=at)


def _remind_slots(session, at):
    with session.begin():
        return projects.remind_due_slots(session=session, now=at)


def _service(gov_sessions, call: CallContext):
    """A governance worker as nameko would give it: the caller's context and a database on the test's."""
    service = GovernanceService.__new__(GovernanceService)
    factory = sessionmaker(gov_sessions.engine, class_=TenantSession, expire_on_commit=False)
    service.db = WorkerDatabase(factory, Base, call)
    service.ctx = call
    return service


def service_call(tenant_id: str) -> CallContext:
    """How the notifications service calls: the event's tenant, role `service`, no user."""
    return CallContext(tenant_id=tenant_id, roles=frozenset({"service"}))


# --- council_session_scheduled ----------------------------------------------------------------------


def test_inviting_people_announces_the_session_once_per_round_of_new_invitations(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    council, seats = make_council(session, members=MEMBERS.items())
    meeting = _schedule(session, council)
    meeting_id, council_id = meeting.id, council.id
    assert announcements.named(events.COUNCIL_SESSION_SCHEDULED) == []  # scheduled, nobody invited yet
    assert _invite(session, meeting_id, member_ids=[seats["chair"].id, seats["c1"].id]) == 2
    assert _invite(session, meeting_id, member_ids=[seats["c1"].id]) == 2  # again: nothing new, no event
    assert _invite(session, meeting_id) == 4  # everyone: two more
    first, second = announcements.named(events.COUNCIL_SESSION_SCHEDULED)
    assert first == {"session_id": meeting_id, "council_id": council_id, "starts_at": STARTS.isoformat(),
                     "ends_at": (STARTS + timedelta(hours=2)).isoformat(), "invited": 2, "newly_invited": 2,
                     "newly_invited_user_ids": ["c1", "chair"]}
    assert second["invited"] == 4 and second["newly_invited_user_ids"] == ["c2", "pm"]
    assert events.CouncilSessionScheduledData().validate(first) == {}


# --- council_session_due (timer) ---------------------------------------------------------------------


def test_a_session_is_reminded_once_24_hours_before_it_starts_and_not_before(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    council, _seats = make_council(session, members=MEMBERS.items())
    meeting = _schedule(session, council)
    meeting_id = meeting.id
    _invite(session, meeting_id)
    other = gov_sessions("dongxin")  # another community's session, due at the same time
    other_council, _ = make_council(other, tenant_id="dongxin", members=[("dx-courier", "courier")])
    other_meeting = _schedule(other, other_council, tenant_id="dongxin")
    _invite(other, other_meeting.id, tenant_id="dongxin")

    due = STARTS - timedelta(hours=24)
    assert _remind_sessions(session, due - timedelta(minutes=1)) == 0  # not before it is due
    with gov_sessions.all() as everyone, everyone.begin():
        assert council_sessions.tenants_with_due_reminders(session=everyone, now=due) == {"xiangyang", "dongxin"}
        assert council_sessions.tenants_with_due_reminders(session=everyone, now=due - timedelta(minutes=1)) == set()
    assert _remind_sessions(session, due) == 1
    assert _remind_sessions(session, due + timedelta(hours=1)) == 0  # once
    assert announcements.named(events.COUNCIL_SESSION_DUE) == [{
        "session_id": meeting_id, "council_id": council.id, "starts_at": STARTS.isoformat(),
        "ends_at": (STARTS + timedelta(hours=2)).isoformat(), "invited": 4}]
    with session.begin():
        assert session.get(CouncilSession, meeting_id).reminded_at == due
    # the other community's session is its own sweep's: still unreminded, then reminded there once
    assert _remind_sessions(other, due) == 1 and _remind_sessions(other, due) == 0
    assert len(announcements.named(events.COUNCIL_SESSION_DUE)) == 2


def test_a_session_without_invitations_cancelled_or_started_is_not_reminded(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    council, _seats = make_council(session, members=MEMBERS.items())
    nobody = _schedule(session, council).id
    cancelled = _schedule(session, council, starts_at=STARTS + timedelta(hours=1)).id
    _invite(session, cancelled)
    with session.begin():
        council_sessions.cancel(session=session, ctx=staff(), session_id=cancelled)
    started = _schedule(session, council, starts_at=STARTS - timedelta(hours=2)).id
    _invite(session, started)
    assert _remind_sessions(session, STARTS - timedelta(hours=2)) == 0  # `started` starts now: too late
    assert announcements.named(events.COUNCIL_SESSION_DUE) == []
    _invite(session, nobody)  # invited later, still before the start: reminded at the next sweep
    assert _remind_sessions(session, STARTS - timedelta(hours=1)) == 1
    assert [e["session_id"] for e in announcements.named(events.COUNCIL_SESSION_DUE)] == [nobody]


# --- duty_slot_due (timer) ----------------------------------------------------------------------------


def _duty(session, tenant_id="xiangyang"):
    with session.begin():
        branch = branches.create(session=session, ctx=staff(tenant_id), data={"name": "快递小哥支部",
                                                                             "kind": "occupational"})
        project = projects.adopt(session=session, ctx=staff(tenant_id), data={
            "title": "暖蜂驿站守护", "description": "", "kind": "vanguard_project", "adopter_kind": "party_branch",
            "adopter_branch_id": branch.id, "adopter_name": None})
        duty = projects.add_duty(session=session, ctx=staff(tenant_id), project_id=project.id, now=NOW, data={
            "title": "驿站每周清洁", "weekday": 6, "start_time": "09:00", "end_time": "10:30",
            "volunteers_needed": 3, "hours": None, "weeks_ahead": 2})
        slots = [(s.id, s.starts_at, s.ends_at) for s in session.scalars(
            select(DutySlot).where(DutySlot.duty_id == duty.id).order_by(DutySlot.starts_at))]
    return project.id, duty.id, slots


def _sign_up(session, slot_id, user, tenant_id="xiangyang"):
    with session.begin():
        return projects.sign_up(session=session, ctx=ctx(tenant_id, user), slot_id=slot_id, now=NOW).id


def test_a_duty_slot_with_volunteers_is_reminded_once_the_day_before_and_not_before(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    project_id, duty_id, [(slot_id, starts_at, ends_at), (later_id, later_starts, _)] = _duty(session)
    _sign_up(session, slot_id, "v1")
    _sign_up(session, slot_id, "v2")
    other = gov_sessions("dongxin")
    _other_project, _other_duty, [(other_slot, _, _), _] = _duty(other, tenant_id="dongxin")
    _sign_up(other, other_slot, "dx-courier", tenant_id="dongxin")

    due = starts_at - timedelta(hours=24)
    assert _remind_slots(session, due - timedelta(minutes=1)) == 0
    with gov_sessions.all() as everyone, everyone.begin():
        assert projects.tenants_with_due_slots(session=everyone, now=due) == {"xiangyang", "dongxin"}
    assert _remind_slots(session, due) == 1
    assert _remind_slots(session, due + timedelta(hours=3)) == 0  # once
    assert announcements.named(events.DUTY_SLOT_DUE) == [{
        "slot_id": slot_id, "project_id": project_id, "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(), "duty_id": duty_id, "signed_up": 2}]
    # a week later: nobody signed up for that slot, so no reminder (and none after it started)
    assert _remind_slots(session, later_starts - timedelta(hours=12)) == 0
    assert _remind_slots(other, due) == 1  # the other community's slot, by its own sweep
    assert len(announcements.named(events.DUTY_SLOT_DUE)) == 2


# --- the sweep: timer and the staff RPC with a settable clock --------------------------------------------


def test_the_sweep_runs_every_reminder_and_the_rpc_clock_never_closes_a_vote_early(gov_sessions):
    session = gov_sessions("xiangyang")
    council, _seats = make_council(session, members=MEMBERS.items())
    meeting_id = _schedule(session, council).id
    _invite(session, meeting_id)
    _project, _duty_id, [(slot_id, slot_starts, _), _] = _duty(session)
    _sign_up(session, slot_id, "v1")
    database = _service(gov_sessions, CallContext(tenant_id="xiangyang")).db
    done = GovernanceService._sweep(database.transaction, now=STARTS - timedelta(hours=23))
    assert done == {"reminded": 0, "closed": 0, "mixed": 0, "sessions_reminded": 1, "slots_reminded": 0}
    done = GovernanceService._sweep(database.transaction, now=slot_starts - timedelta(hours=23))
    assert done == {"reminded": 0, "closed": 0, "mixed": 0, "sessions_reminded": 0, "slots_reminded": 1}
    assert GovernanceService._sweep(database.transaction, now=slot_starts - timedelta(hours=22)) == {
        "reminded": 0, "closed": 0, "mixed": 0, "sessions_reminded": 0, "slots_reminded": 0}

    # a vote by the real clock; staff run the sweep with the clock set ahead of it
    real = utcnow()
    proposal = proposal_in_deliberation(session, council, "c1")
    with session.begin():
        vote = voting.open_vote(session=session, ctx=staff(), proposal_id=proposal.id, now=real, data={
            "opens_at": real, "closes_at": real + timedelta(hours=48), "remind_before_hours": 24})
        vote_id = vote.id
    with pytest.raises(Forbidden):
        GovernanceService.run_sweep(_service(gov_sessions, ctx("xiangyang", "c1")), None)
    sweep = GovernanceService.run_sweep.__get__(_service(gov_sessions, staff()))
    assert sweep((real + timedelta(hours=23)).isoformat())["reminded"] == 0  # not due yet
    assert sweep((real + timedelta(hours=25)).isoformat())["reminded"] == 1
    assert sweep((real + timedelta(hours=60)).isoformat()) == {  # past the close by the set clock only
        "reminded": 0, "closed": 0, "mixed": 0, "sessions_reminded": 0, "slots_reminded": 0}
    with session.begin():  # what the service's own units of work announced
        sent = [(row.event_type, row.envelope["data"]) for row in session.scalars(select(Base.Outbox))]
    assert [data["vote_id"] for name, data in sent if name == events.VOTE_CLOSING_SOON] == [vote_id]
    assert [name for name, _ in sent].count(events.COUNCIL_SESSION_DUE) == 1
    assert [name for name, _ in sent].count(events.DUTY_SLOT_DUE) == 1
    with pytest.raises(ValidationFailed):
        sweep("tomorrow")


# --- audience(group, ref) ---------------------------------------------------------------------------------


@pytest.fixture
def shared_council(gov_sessions):
    """huanqiu's council, shared with xiangyang and dongxin, seating one person of each; a vote and a
    session with everyone invited."""
    home = gov_sessions("huanqiu")
    with home.begin():
        council = councils.create(session=home, ctx=staff("huanqiu"), data={
            "name": "跨社区红茶议事会", "theme": "小哥友好社区", "description": "",
            "shared_with": ["xiangyang", "dongxin"]})
        seats = councils.add_members(session=home, ctx=staff("huanqiu"), council_id=council.id, members=[
            {"user_id": u, "display_name": u, "stakeholder_group": "courier", "home_tenant_id": t}
            for u, t in (("hq-resident", None), ("xy-courier", "xiangyang"), ("dx-courier", "dongxin"))])
        for seat in seats:
            seat.joined_at = NOW - timedelta(days=30)
    proposal = proposal_in_deliberation(home, council, "hq-resident", tenant_id="huanqiu")
    vote = open_vote(home, proposal, tenant_id="huanqiu")
    meeting = _schedule(home, council, tenant_id="huanqiu")
    _invite(home, meeting.id, tenant_id="huanqiu")
    return {"council": council.id, "vote": vote.id, "session": meeting.id}


@pytest.mark.parametrize("group", ["council_members", "vote_eligible", "session_invitees"])
def test_a_shared_councils_groups_answer_each_community_its_own_people(gov_sessions, shared_council, group):
    ref = shared_council[{"council_members": "council", "vote_eligible": "vote", "session_invitees": "session"}[group]]
    for community, people in (("huanqiu", ["hq-resident"]), ("xiangyang", ["xy-courier"]),
                              ("dongxin", ["dx-courier"])):
        answer = GovernanceService.audience(_service(gov_sessions, service_call(community)), group, ref)
        assert answer == {"group": group, "ref": ref, "user_ids": people}
    with pytest.raises(NotFound):  # a community the council is not shared with
        GovernanceService.audience(_service(gov_sessions, service_call("hospital")), group, ref)


def test_the_groups_of_a_community_own_council_vote_and_session(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    council, seats = make_council(session, members=MEMBERS.items())
    proposal = proposal_in_deliberation(session, council, "c1")
    vote_id = open_vote(session, proposal).id
    meeting_id = _schedule(session, council).id
    _invite(session, meeting_id, member_ids=[seats["chair"].id, seats["c2"].id])
    with session.begin():
        councils.remove_member(session=session, ctx=staff(), council_id=council.id, member_id=seats["pm"].id)
    service = _service(gov_sessions, service_call("xiangyang"))
    assert GovernanceService.audience(service, "council_members", council.id)["user_ids"] == ["c1", "c2", "chair"]
    assert GovernanceService.audience(service, "vote_eligible", vote_id)["user_ids"] == ["c1", "c2", "chair"]
    assert GovernanceService.audience(service, "session_invitees", meeting_id)["user_ids"] == ["c2", "chair"]
    elsewhere = _service(gov_sessions, service_call("dongxin"))
    for group, ref in (("council_members", council.id), ("vote_eligible", vote_id),
                       ("session_invitees", meeting_id)):
        with pytest.raises(NotFound):
            GovernanceService.audience(elsewhere, group, ref)


def test_a_voice_items_author_is_answered_even_when_anonymous_and_only_in_its_community(gov_sessions):
    session = gov_sessions("xiangyang")
    with session.begin():
        item = voice.submit(session=session, ctx=ctx("xiangyang", "xy-courier"), data={
            "text": "东门快递车没地方停", "category": "parking", "location": None, "lat": None, "lng": None,
            "anonymous": True})
        voice_id = item.id
    for caller in (service_call("xiangyang"), staff("xiangyang")):
        assert GovernanceService.audience(_service(gov_sessions, caller), "voice_author", voice_id) == {
            "group": "voice_author", "ref": voice_id, "user_ids": ["xy-courier"]}
    with pytest.raises(NotFound):
        GovernanceService.audience(_service(gov_sessions, service_call("dongxin")), "voice_author", voice_id)
    with pytest.raises(Forbidden):  # a resident (even the author) never asks for it
        GovernanceService.audience(_service(gov_sessions, ctx("xiangyang", "xy-courier")), "voice_author", voice_id)


def test_a_slots_sign_ups_leave_out_who_cancelled_and_stay_in_their_community(gov_sessions):
    session = gov_sessions("xiangyang")
    _project, _duty_id, [(slot_id, _, _), _] = _duty(session)
    _sign_up(session, slot_id, "v1")
    cancelled = _sign_up(session, slot_id, "v2")
    _sign_up(session, slot_id, "v3")
    with session.begin():
        projects.cancel(session=session, ctx=ctx("xiangyang", "v2"), signup_id=cancelled, now=NOW)
    answer = GovernanceService.audience(_service(gov_sessions, service_call("xiangyang")), "duty_slot_signups",
                                        slot_id)
    assert answer == {"group": "duty_slot_signups", "ref": slot_id, "user_ids": ["v1", "v3"]}
    with pytest.raises(NotFound):
        GovernanceService.audience(_service(gov_sessions, service_call("dongxin")), "duty_slot_signups", slot_id)


def test_an_unknown_group_is_refused_on_group_and_an_unknown_ref_is_not_found(gov_sessions):
    service = _service(gov_sessions, service_call("xiangyang"))
    with pytest.raises(ValidationFailed) as unknown:
        GovernanceService.audience(service, "class_roster", "anything")
    assert list(unknown.value.fields) == ["group"]
    assert unknown.value.extra["field_codes"]["group"][0]["code"] == "governance.unknown_audience_group"
    for group in ("vote_eligible", "council_members", "session_invitees", "voice_author", "duty_slot_signups"):
        with pytest.raises(NotFound):
            GovernanceService.audience(service, group, "no-such-id")
    with pytest.raises(Forbidden):  # a resident is neither staff nor a service
        GovernanceService.audience(_service(gov_sessions, ctx("xiangyang", "c1")), "council_members", "x")
