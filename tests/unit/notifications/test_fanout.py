"""Fan-out: who is told what when an event arrives, in their language, once per event."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from services.notifications import fanout, robots
from services.notifications.models import Delivery, Message
from tests.unit.notifications.conftest import NOW


def _event(notes, tenant_id, source, event, data, *, event_id=None, ask=None):
    event_id = event_id or str(uuid.uuid4())
    with notes(tenant_id) as session, session.begin():
        made = fanout.fan_out(session=session, source=source, event=event, event_id=event_id, data=data,
                              ask=ask, now=NOW)
        return event_id, [(m.user_id, m.kind, m.title, m.body) for m in made]


def _messages(notes, tenant_id):
    with notes(tenant_id) as session, session.begin():
        return list(session.scalars(select(Message).order_by(Message.user_id)))


def test_points_awarded_reaches_the_person_in_their_language_once_even_when_delivered_twice(notes):
    event_id, made = _event(notes, "xiangyang", "points", "points_awarded", {"user_id": "u-amy", "amount": 20})
    assert [(u, k) for u, k, *_ in made] == [("u-amy", "points_awarded")]
    assert made[0][3].startswith("You received 20 points: http")
    _, again = _event(notes, "xiangyang", "points", "points_awarded", {"user_id": "u-amy", "amount": 20},
                      event_id=event_id)
    assert again == []
    assert len(_messages(notes, "xiangyang")) == 1
    _, chinese = _event(notes, "xiangyang", "points", "points_awarded", {"user_id": "u-wang", "amount": 5})
    assert chinese[0][3].startswith("您获得了5积分")
    assert _messages(notes, "dongxin") == []  # the other community saw nothing


def test_default_channels_urgent_sms_and_push_others_push_only(notes):
    _event(notes, "xiangyang", "points", "points_awarded", {"user_id": "u-wang", "amount": 5})
    _event(notes, "xiangyang", "training", "waitlist_promoted", {"user_id": "u-amy", "course_id": "c1",
                                                                 "guardian_user_id": "u-wang"})
    with notes("xiangyang") as session, session.begin():
        rows = session.execute(select(Delivery.user_id, Delivery.kind, Delivery.channel, Delivery.urgent)
                               .order_by(Delivery.kind, Delivery.user_id, Delivery.channel)).all()
    assert rows == [("u-wang", "points_awarded", "push", False),
                    ("u-amy", "waitlist_promoted", "push", True), ("u-amy", "waitlist_promoted", "sms", True),
                    ("u-wang", "waitlist_promoted", "push", True), ("u-wang", "waitlist_promoted", "sms", True)]


def test_groups_are_asked_of_their_service_with_the_events_ref(notes):
    asked = []

    def ask(service, group, ref):
        asked.append((service, group, ref))
        return ["u-wang", "u-amy", "u-gone"]

    _, made = _event(notes, "xiangyang", "training", "class_cancelled", {"session_id": "s-1", "course_id": "c-1"},
                     ask=ask)
    assert asked == [("training", "class_roster", "s-1")]
    assert sorted(u for u, *_ in made) == ["u-amy", "u-gone", "u-wang"]  # u-gone: not known as gone yet
    assert {m.link for m in _messages(notes, "xiangyang")} == {"/web/courses/c-1"}


def test_rights_desk_people_come_from_the_desk_and_read_no_detail(notes):
    asked = []
    _, made = _event(notes, "xiangyang", "jobs", "case_answered", {"case_id": "k-1", "category": "wage_arrears"},
                     ask=lambda s, g, r: asked.append((s, g, r)) or ["u-amy"])
    assert asked == [("jobs", "case_person", "k-1")]
    (_, kind, title, body), = made
    assert kind == "case_update" and title == "You have a new message"
    assert body.startswith("You have a new message: http") and "wage" not in body


def test_an_application_step_nobody_is_told_about_makes_nothing(notes):
    _, made = _event(notes, "xiangyang", "jobs", "application_status_changed",
                     {"to_status": "viewed", "applicant_user_id": "u-wang"})
    assert made == []
    _, made = _event(notes, "xiangyang", "jobs", "application_status_changed",
                     {"to_status": "interview", "applicant_user_id": "u-wang"})
    assert [k for _, k, *_ in made] == ["application_progressed"]


def test_award_requests_go_to_the_tenants_staff_and_its_robot(notes):
    with notes("xiangyang") as session, session.begin():
        robots.set_url(session=session, url="wecombot://secret-key", actor="u-admin", now=NOW)
    _, made = _event(notes, "xiangyang", "points", "award_requested", {"request_id": "r-1", "amount": 500,
                                                                      "requested_by": "u-staff"})
    assert sorted(u for u, *_ in made) == ["u-admin"]  # not the staff member who asked
    with notes("xiangyang") as session, session.begin():
        channels = sorted(session.scalars(select(Delivery.channel)))
    assert channels == ["robot"]  # staff kinds: the inbox and the team's robot
    _, made_b = _event(notes, "dongxin", "points", "award_requested", {"request_id": "r-2", "amount": 500})
    assert [u for u, *_ in made_b] == ["u-staff-b"]


def test_people_who_left_are_not_told(notes):
    from services.common.members import apply_member_event

    with notes("xiangyang") as session, session.begin():
        apply_member_event(session=session, data={"user_id": "u-wang", "tenant_id": "xiangyang", "version": 2,
                                                  "member": False, "account_active": True, "roles": []})
    _, made = _event(notes, "xiangyang", "governance", "vote_closing_soon",
                     {"vote_id": "v-1", "not_voted_user_ids": ["u-wang", "u-amy"]})
    assert [u for u, *_ in made] == ["u-amy"]


@pytest.mark.parametrize(("source", "event"), sorted(fanout.SOURCES))
def test_every_source_event_has_a_plan_and_words(notes, source, event):
    data = {"user_id": "u-wang", "applicant_user_id": "u-wang", "worker_user_id": "u-wang", "amount": 3,
            "not_voted_user_ids": ["u-wang"], "to_status": "hired", "vote_id": "v", "session_id": "s",
            "slot_id": "d", "voice_id": "o", "case_id": "k", "fair_id": "f", "course_id": "c", "request_id": "r"}
    _, made = _event(notes, "xiangyang", source, event, data, ask=lambda s, g, r: ["u-wang"])
    assert made, (source, event)
    for _user, _kind, title, body in made:
        assert title and "%(" not in body and "/n/" in body


def test_an_application_to_a_partners_post_is_told_in_the_applicants_community(notes):
    _, made = _event(notes, "dongxin", "jobs", "application_status_changed",
                     {"to_status": "shortlisted", "applicant_user_id": "u-amy", "applicant_tenant_id": "xiangyang"})
    assert [(u, k) for u, k, *_ in made] == [("u-amy", "application_progressed")]
    assert made[0][3].startswith("Your job application moved on")  # read in her language, from her community
    assert [m.user_id for m in _messages(notes, "xiangyang")] == ["u-amy"]
    assert _messages(notes, "dongxin") == []


def test_an_invitation_round_tells_the_newly_invited_only(notes):
    asked = []
    _, made = _event(notes, "xiangyang", "governance", "council_session_scheduled",
                     {"session_id": "cs-1", "newly_invited_user_ids": ["u-amy"]},
                     ask=lambda s, g, r: asked.append(r) or ["u-amy", "u-wang"])
    assert [(u, k) for u, k, *_ in made] == [("u-amy", "council_session_invited")] and asked == []
    _, made = _event(notes, "xiangyang", "governance", "council_session_scheduled", {"session_id": "cs-1"},
                     ask=lambda s, g, r: ["u-amy", "u-wang"])
    assert sorted(u for u, *_ in made) == ["u-amy", "u-wang"]
