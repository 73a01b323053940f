"""Classes staff move or cancel, and the reminder the day before (`class_due`, with the settable clock).
Every class event is announced in the host's tenant and in each community with people on the roster."""

from datetime import timedelta

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from services.common.context import CallContext
from services.common.database import WorkerDatabase, utcnow
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.training import attendance, classes, completion, enrolment
from services.training.contracts.messages import MOVE_INTO_THE_PAST
from services.training.events import CATALOGUE
from services.training.models import Base, Meeting
from services.training.service import TrainingService
from tests.unit.training.conftest import NOW, ctx

HOST_STAFF = ctx("hzvtc", "staff-hzvtc", "staff")


def _shared_cohort(world, **kwargs):
    """A college's session shared with two communities, its four weekly classes starting in two days, with
    one resident of each community and one of the college enrolled."""
    cohort = world.cohort(world.course("hzvtc", audience=["xiangyang", "dongxin"]), capacity=5,
                          first=NOW + timedelta(days=2), **kwargs)
    for tenant, who in (("xiangyang", "u-xy"), ("dongxin", "u-dx"), ("hzvtc", "u-zhang")):
        world.run("hzvtc", enrolment.enrol, ctx=ctx(tenant, who), session_id=cohort.id,
                  data={"participant_name": who, "groups": []}, now=NOW)
    return cohort


def _meetings(world, cohort):
    with world.session("hzvtc") as s:
        return list(s.scalars(select(Meeting).where(Meeting.session_id == cohort.id).order_by(Meeting.starts_at)))


def _valid(event):
    assert CATALOGUE[event["type"].rsplit(".", 1)[-1]]().validate(event["data"]) == {}


def test_moving_a_class_announces_it_in_the_host_and_in_every_community_on_the_roster(world):
    cohort = _shared_cohort(world)
    first = _meetings(world, cohort)[0]
    later = first.starts_at + timedelta(days=1, hours=2)
    with world.announcing() as heard:
        moved = world.run("hzvtc", classes.reschedule_meeting, ctx=HOST_STAFF, meeting_id=first.id,
                          changes={"starts_at": later, "venue": "201 room"}, now=NOW)
    assert (moved.starts_at, moved.ends_at - moved.starts_at, moved.venue) == (later, timedelta(minutes=120),
                                                                               "201 room")
    events = heard.events("class_rescheduled")
    assert sorted(e["tenantid"] for e in events) == ["dongxin", "hzvtc", "xiangyang"]
    data = events[0]["data"]
    assert all(e["data"] == data and e["subject"] == first.id for e in events)
    assert data["session_id"] == cohort.id and data["meeting_id"] == first.id and data["host_tenant_id"] == "hzvtc"
    assert data["old_starts_at"] == first.starts_at.isoformat() and data["new_starts_at"] == later.isoformat()
    assert data["time_changed"] is True and data["place_changed"] is True and data["venue"] == "201 room"
    _valid(events[0])


def test_a_move_of_the_place_only_says_so_and_a_move_that_changes_nothing_announces_nothing(world):
    cohort = _shared_cohort(world)
    first = _meetings(world, cohort)[0]
    with world.announcing() as heard:
        world.run("hzvtc", classes.reschedule_meeting, ctx=HOST_STAFF, meeting_id=first.id,
                  changes={"venue": "Room 5"}, now=NOW)
        world.run("hzvtc", classes.reschedule_meeting, ctx=HOST_STAFF, meeting_id=first.id,
                  changes={"venue": "Room 5", "starts_at": first.starts_at}, now=NOW)
    data = heard.events("class_rescheduled")[0]["data"]
    assert len(heard.events("class_rescheduled")) == 3  # the first move only, in three tenants
    assert (data["time_changed"], data["place_changed"], data["old_starts_at"]) == (
        False, True, data["new_starts_at"])


def test_only_the_hosts_staff_move_or_cancel_and_only_a_class_not_yet_begun(world):
    cohort = _shared_cohort(world)
    first = _meetings(world, cohort)[0]
    for who in (ctx("xiangyang", "staff-xy", "staff"), ctx("hzvtc", "u-zhang")):
        with pytest.raises(Forbidden):
            world.run("hzvtc", classes.cancel_meeting, ctx=who, meeting_id=first.id, reason="weather", now=NOW)
    with pytest.raises(ValidationFailed) as past:
        world.run("hzvtc", classes.reschedule_meeting, ctx=HOST_STAFF, meeting_id=first.id,
                  changes={"starts_at": NOW - timedelta(hours=1)}, now=NOW)
    assert past.value.fields["starts_at"] == [MOVE_INTO_THE_PAST.text]
    with pytest.raises(Conflict):
        world.run("hzvtc", classes.cancel_meeting, ctx=HOST_STAFF, meeting_id=first.id, reason="weather",
                  now=first.starts_at + timedelta(minutes=1))


def test_cancelling_a_class_announces_it_with_its_reason_and_it_no_longer_counts(world):
    cohort = _shared_cohort(world, meetings=2)
    first, second = _meetings(world, cohort)
    with world.announcing() as heard:
        world.run("hzvtc", classes.cancel_meeting, ctx=HOST_STAFF, meeting_id=first.id, reason="weather", now=NOW)
    events = heard.events("class_cancelled")
    assert sorted(e["tenantid"] for e in events) == ["dongxin", "hzvtc", "xiangyang"]
    assert events[0]["data"]["reason"] == "weather" and events[0]["data"]["starts_at"] == first.starts_at.isoformat()
    _valid(events[0])
    with pytest.raises(Conflict):  # once
        world.run("hzvtc", classes.cancel_meeting, ctx=HOST_STAFF, meeting_id=first.id, reason="weather", now=NOW)
    with pytest.raises(Conflict):  # no attendance at a cancelled class
        world.run("hzvtc", attendance.checkin_code, ctx=HOST_STAFF, meeting_id=first.id, now=first.starts_at)
    with world.session("hzvtc") as s:  # progress counts one class, not two
        place = s.scalars(select(enrolment.Enrolment).where(enrolment.Enrolment.user_id == "u-zhang")).one()
        assert enrolment.views(session=s, enrolments=[place])[0]["meetings_total"] == 1
    world.run("hzvtc", attendance.mark, ctx=HOST_STAFF, meeting_id=second.id, present=[place.id], walk_ins=[],
              now=second.starts_at)
    closed = world.run("hzvtc", completion.close_session, ctx=HOST_STAFF, session_id=cohort.id,
                       now=second.ends_at + timedelta(hours=1))
    zhang = next(r for r in closed["results"] if r["enrolment_id"] == place.id)
    assert zhang["outcome"] == "completed"  # one of one held class


def test_a_class_is_announced_due_once_the_day_before_and_not_earlier(world):
    cohort = _shared_cohort(world, meetings=2)
    first, second = _meetings(world, cohort)
    day_before = first.starts_at - timedelta(hours=24)
    with world.announcing() as heard:
        early = world.run("hzvtc", classes.announce_due, now=day_before - timedelta(minutes=1))
        due = world.run("hzvtc", classes.announce_due, now=day_before)
        again = world.run("hzvtc", classes.announce_due, now=day_before + timedelta(hours=1))
    assert (len(early), [m.id for m in due], again) == (0, [first.id], [])
    events = heard.events("class_due")
    assert sorted(e["tenantid"] for e in events) == ["dongxin", "hzvtc", "xiangyang"]
    assert events[0]["data"]["starts_at"] == first.starts_at.isoformat() and events[0]["subject"] == first.id
    assert events[0]["data"]["venue"] == cohort.venue
    _valid(events[0])
    with world.session("hzvtc") as s:
        assert classes.tenants_with_due(session=s, now=day_before) == []  # claimed
        assert classes.tenants_with_due(session=s, now=second.starts_at - timedelta(hours=1)) == ["hzvtc"]


def test_a_cancelled_class_is_not_reminded_and_a_moved_one_is_reminded_of_its_new_time(world):
    cohort = _shared_cohort(world, meetings=2)
    first, second = _meetings(world, cohort)
    world.run("hzvtc", classes.announce_due, now=first.starts_at - timedelta(hours=1))
    world.run("hzvtc", classes.cancel_meeting, ctx=HOST_STAFF, meeting_id=second.id, reason="holiday", now=NOW)
    later = first.starts_at + timedelta(days=3)
    world.run("hzvtc", classes.reschedule_meeting, ctx=HOST_STAFF, meeting_id=first.id,
              changes={"starts_at": later}, now=first.starts_at - timedelta(minutes=30))
    with world.announcing() as heard:
        world.run("hzvtc", classes.announce_due, now=second.starts_at - timedelta(hours=2))
        world.run("hzvtc", classes.announce_due, now=later - timedelta(hours=2))
    assert {e["data"]["meeting_id"] for e in heard.events("class_due")} == {first.id}
    assert {e["data"]["starts_at"] for e in heard.events("class_due")} == {later.isoformat()}


def test_the_reminder_only_takes_its_own_tenants_classes(world):
    cohort = _shared_cohort(world, meetings=1)
    (first,) = _meetings(world, cohort)
    assert world.run("xiangyang", classes.announce_due, now=first.starts_at - timedelta(hours=1)) == []
    assert [m.id for m in world.run("hzvtc", classes.announce_due, now=first.starts_at - timedelta(hours=1))] == [
        first.id]


def _outbox(world, tenant, event):
    with world.session(tenant) as s:
        return [row.envelope for row in s.scalars(select(Base.Outbox).where(Base.Outbox.event_type == event))]


def test_the_rpc_takes_the_clock_for_tests_and_the_timer_reminds_every_tenant_once(world):
    """As the service runs them: `remind_classes(now=)` (staff, their tenant) and the `class_reminders` timer."""
    cohort = _shared_cohort(world, meetings=1)
    (first,) = _meetings(world, cohort)
    staff = worker_factory(TrainingService, ctx=HOST_STAFF, db=WorkerDatabase(world._factory, Base, HOST_STAFF))
    assert staff.remind_classes(now=(first.starts_at - timedelta(hours=25)).isoformat()) == {"reminded": 0}
    assert staff.remind_classes(now=(first.starts_at - timedelta(hours=23)).isoformat()) == {"reminded": 1}
    assert staff.remind_classes(now=(first.starts_at - timedelta(hours=22)).isoformat()) == {"reminded": 0}
    assert [len(_outbox(world, t, "class_due")) for t in ("hzvtc", "xiangyang", "dongxin")] == [1, 1, 1]
    with pytest.raises(Forbidden):
        worker_factory(TrainingService, ctx=ctx("hzvtc", "u-zhang"),
                       db=WorkerDatabase(world._factory, Base, ctx("hzvtc", "u-zhang"))).remind_classes()

    soon = world.cohort(world.course("xiangyang"), meetings=1, first=utcnow() + timedelta(hours=3))
    nobody = CallContext()
    timer = worker_factory(TrainingService, ctx=nobody, db=WorkerDatabase(world._factory, Base, nobody))
    timer.class_reminders()
    timer.class_reminders()
    dues = [e for e in _outbox(world, "xiangyang", "class_due") if e["data"]["session_id"] == soon.id]
    assert len(dues) == 1  # twice run, once announced
