"""Councils, topics, sessions (check-in, show of hands with sign-off, minutes) and proposals."""

from datetime import timedelta

import pytest

from services.common.contracts import load
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.governance import council_sessions, councils, events, proposals
from services.governance.contracts.schemas import SessionCreate
from tests.unit.governance.conftest import NOW, ctx, make_council, proposal_in_deliberation, staff

MEMBERS = {"chair": "estate_officer", "c1": "courier", "c2": "courier", "pm": "property_manager"}


def _schedule(session, council, chair_id=None, **extra):
    data = {"title": "第一次议事：快递车进出", "agenda": ["通行公约", "分时段进出"], "topic_ids": [],
            "starts_at": NOW, "ends_at": NOW + timedelta(hours=2), "venue": "向阳社区党群服务中心",
            "online_url": None, "chair_member_id": chair_id, **extra}
    with session.begin():
        return council_sessions.schedule(session=session, ctx=staff(), council_id=council.id, data=data)


@pytest.fixture
def sitting(gov_sessions):
    session = gov_sessions("xiangyang")
    council, seats = make_council(session, members=MEMBERS.items())
    meeting = _schedule(session, council, seats["chair"].id)
    with session.begin():
        council_sessions.invite(session=session, ctx=staff(), session_id=meeting.id, member_ids=None)
    return session, council, seats, meeting


def _check_in(session, meeting, user, code=None, at=NOW + timedelta(minutes=5)):
    with session.begin():
        return council_sessions.check_in(session=session, ctx=ctx("xiangyang", user), session_id=meeting.id,
                                         registration_code=code or meeting.registration_code, member_id=None, now=at)


def test_only_staff_create_councils_and_seat_members_and_a_seat_is_held_once(gov_sessions):
    session = gov_sessions("xiangyang")
    with pytest.raises(Forbidden), session.begin():
        councils.create(session=session, ctx=ctx("xiangyang", "u1"), data={"name": "x", "theme": "y"})
    council, seats = make_council(session, members=[("u1", "courier")])
    with pytest.raises(Conflict) as caught, session.begin():
        councils.add_members(session=session, ctx=staff(), council_id=council.id,
                             members=[{"user_id": "u1", "display_name": "王", "stakeholder_group": "resident"}])
    assert caught.value.extra == {"member_ids": [seats["u1"].id], "message_code": "governance.already_on_council"}


def test_a_topic_opened_by_staff_is_announced(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    council, _ = make_council(session)
    with session.begin():
        topic = councils.open_topic(session=session, ctx=staff(), council_id=council.id,
                                    title="快递车进小区难")
    assert announcements.named(events.TOPIC_OPENED) == [{"topic_id": topic.id, "council_id": council.id,
                                                  "source_voice_id": None,
                                                  "opened_at": topic.created_at.isoformat()}]


def test_a_session_needs_a_venue_or_a_link_and_must_end_after_it_starts():
    with pytest.raises(ValidationFailed) as caught:
        load(SessionCreate(), {"title": "x", "starts_at": "2026-12-01T10:00:00+08:00",
                               "ends_at": "2026-12-01T09:00:00+08:00"})
    assert {"venue", "ends_at"} <= set(caught.value.fields)
    with pytest.raises(ValidationFailed) as naive:
        load(SessionCreate(), {"title": "x", "starts_at": "2026-12-01T10:00:00", "ends_at": "2026-12-01T12:00:00",
                               "venue": "中心"})
    assert "starts_at" in naive.value.fields


def test_members_check_in_with_the_room_code_only_around_the_session(sitting):
    session, _council, seats, meeting = sitting
    code = meeting.registration_code  # read now: a refused check-in rolls back and expires the object
    with pytest.raises(ValidationFailed) as wrong:
        _check_in(session, meeting, "c1", code="WRONG1")
    assert "registration_code" in wrong.value.fields
    with pytest.raises(Conflict):
        _check_in(session, meeting, "c1", at=NOW - timedelta(hours=2))
    with pytest.raises(Forbidden):
        _check_in(session, meeting, "stranger")
    first = _check_in(session, meeting, "c1", code=code.lower())
    again = _check_in(session, meeting, "c1", at=NOW + timedelta(minutes=30))
    assert first.checked_in_at == again.checked_in_at == NOW + timedelta(minutes=5)
    assert first.check_in_method == "code"


def test_the_check_in_code_is_shown_to_staff_and_the_chair_only(sitting):
    session, _council, _seats, meeting = sitting
    with session.begin():
        assert council_sessions.view(session=session, ctx=staff(), meeting=meeting)["registration_code"]
        assert council_sessions.view(session=session, ctx=ctx("xiangyang", "chair"), meeting=meeting)[
            "registration_code"]
        assert council_sessions.view(session=session, ctx=ctx("xiangyang", "c1"), meeting=meeting)[
            "registration_code"] is None


def test_a_show_of_hands_is_entered_by_the_chair_and_signed_off_by_another_member_present(sitting, announcements):
    session, _council, _seats, meeting = sitting
    meeting_id = meeting.id  # plain ids: a refused call rolls back and expires loaded objects
    for user in ("chair", "c1", "pm"):
        _check_in(session, meeting, user)
    tally = {"motion": "同意设立快递车专用停车区", "proposal_id": None, "in_favour": 2, "against": 0, "abstained": 1}
    with pytest.raises(Forbidden), session.begin():
        council_sessions.enter_tally(session=session, ctx=ctx("xiangyang", "c1"), session_id=meeting_id, data=tally)
    with pytest.raises(ValidationFailed), session.begin():
        council_sessions.enter_tally(session=session, ctx=ctx("xiangyang", "chair"), session_id=meeting_id,
                                     data={**tally, "in_favour": 3})  # 4 hands, 3 present
    with session.begin():
        entered = council_sessions.enter_tally(session=session, ctx=ctx("xiangyang", "chair"),
                                               session_id=meeting_id, data=tally)
        entered_id = entered.id
    with pytest.raises(Conflict) as unsigned, session.begin():
        council_sessions.hold(session=session, ctx=staff(), session_id=meeting_id,
                              data={"minutes": "x"}, now=NOW + timedelta(hours=2))
    assert unsigned.value.extra["pending_tally_ids"] == [entered_id]
    with pytest.raises(Conflict), session.begin():  # not the member who entered it
        council_sessions.sign_off_tally(session=session, ctx=ctx("xiangyang", "chair"), session_id=meeting_id,
                                        tally_id=entered_id)
    with pytest.raises(Forbidden), session.begin():  # c2 was invited but never checked in
        council_sessions.sign_off_tally(session=session, ctx=ctx("xiangyang", "c2"), session_id=meeting_id,
                                        tally_id=entered_id)
    with session.begin():
        signed = council_sessions.sign_off_tally(session=session, ctx=ctx("xiangyang", "pm"), session_id=meeting_id,
                                                 tally_id=entered_id)
    assert council_sessions.tally_view(signed)["status"] == "signed_off"


def test_recording_minutes_holds_the_session_with_its_decisions_and_linked_proposals(sitting, announcements):
    session, council, _seats, meeting = sitting
    proposal = proposal_in_deliberation(session, council, "c1")
    meeting_id, proposal_id, code = meeting.id, proposal.id, meeting.registration_code
    _check_in(session, meeting, "c1")
    with pytest.raises(Conflict), session.begin():
        council_sessions.hold(session=session, ctx=staff(), session_id=meeting_id,
                              data={"minutes": "x"}, now=NOW - timedelta(minutes=1))
    with pytest.raises(ValidationFailed), session.begin():
        council_sessions.hold(session=session, ctx=staff(), session_id=meeting_id,
                              data={"minutes": "x", "linked_proposal_ids": ["not-a-proposal"]},
                              now=NOW + timedelta(hours=2))
    with session.begin():
        held = council_sessions.hold(session=session, ctx=staff(), session_id=meeting_id, data={
            "minutes": "与会成员讨论了快递车分时段进出方案。", "decisions": ["试行分时段进出一个月"],
            "linked_proposal_ids": [proposal_id]}, now=NOW + timedelta(hours=2))
    assert held.status == "held"
    [announced] = announcements.named(events.SESSION_HELD)
    assert announced["invited"] == 4 and announced["attended"] == 1 and announced["decisions"] == 1
    assert announced["linked_proposal_ids"] == [proposal_id]
    with pytest.raises(Conflict) as again, session.begin():
        council_sessions.check_in(session=session, ctx=ctx("xiangyang", "c2"), session_id=meeting_id,
                                  registration_code=code, member_id=None, now=NOW)
    assert again.value.extra["state"] == "held"


def test_a_proposal_walks_from_draft_to_deliberation_and_drafts_stay_private(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    council, _ = make_council(session, members=[("c1", "courier"), ("c2", "courier")])
    with pytest.raises(Forbidden), session.begin():
        proposals.create(session=session, ctx=ctx("xiangyang", "outsider"), council_id=council.id,
                         data={"title": "t", "body": "b"})
    with session.begin():
        draft = proposals.create(session=session, ctx=ctx("xiangyang", "c1"), council_id=council.id,
                                 data={"title": "设置楼栋平面图", "body": "10个安置小区全部设置"})
        draft_id = draft.id
    with pytest.raises(NotFound), session.begin():
        proposals.get(session=session, ctx=ctx("xiangyang", "c2"), proposal_id=draft_id)
    with session.begin():  # nor in the council's list
        def listed(who):
            page = proposals.list_for_council(session=session, ctx=who, council_id=council.id, limit=10, after=None)
            return [p.id for p in page.items]
        assert listed(ctx("xiangyang", "c2")) == [] and listed(ctx("xiangyang", None)) == []
        assert listed(ctx("xiangyang", "c1")) == [draft_id] and listed(staff()) == [draft_id]
    with pytest.raises(NotFound), session.begin():  # someone else's draft is not there for them
        proposals.transition(session=session, ctx=ctx("xiangyang", "c2"), proposal_id=draft_id,
                             action="submit", reason=None)
    with pytest.raises(Conflict) as early, session.begin():
        proposals.comment(session=session, ctx=ctx("xiangyang", "c1"), proposal_id=draft_id, body="x", parent_id=None)
    assert early.value.extra["state"] == "draft"
    with session.begin():
        proposals.transition(session=session, ctx=ctx("xiangyang", "c1"), proposal_id=draft_id,
                             action="submit", reason=None)
        proposals.transition(session=session, ctx=staff(), proposal_id=draft_id,
                             action="deliberate", reason=None)
        root = proposals.comment(session=session, ctx=ctx("xiangyang", "c2"), proposal_id=draft_id,
                                 body="平面图放在哪里？", parent_id=None)
        proposals.comment(session=session, ctx=ctx("xiangyang", "c1"), proposal_id=draft_id,
                          body="每个楼栋入口", parent_id=root.id)
    assert announcements.named(events.PROPOSAL_SUBMITTED)[0]["proposal_id"] == draft_id
    with session.begin():
        thread = proposals.thread(session=session, ctx=ctx("xiangyang", "c2"), proposal_id=draft_id)
    assert [c["body"] for c in thread] == ["平面图放在哪里？"] and thread[0]["replies"][0]["body"] == "每个楼栋入口"
    with pytest.raises(Conflict) as twice, session.begin():
        proposals.transition(session=session, ctx=ctx("xiangyang", "c1"), proposal_id=draft_id,
                             action="submit", reason=None)
    assert twice.value.extra == {"state": "in_deliberation", "allowed_from": ["draft"],
                                 "message_code": "governance.proposal_in_state",
                                 "message_params": {"status": "in_deliberation"}}
    with pytest.raises(Forbidden), session.begin():
        proposals.transition(session=session, ctx=ctx("xiangyang", "c2"), proposal_id=draft_id,
                             action="withdraw", reason="不是我的")
    with pytest.raises(ValidationFailed), session.begin():
        proposals.transition(session=session, ctx=ctx("xiangyang", "c1"), proposal_id=draft_id,
                             action="withdraw", reason=None)
    with session.begin():
        withdrawn = proposals.transition(session=session, ctx=ctx("xiangyang", "c1"), proposal_id=draft_id,
                                         action="withdraw", reason="并入另一提案")
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_reason == "并入另一提案"
