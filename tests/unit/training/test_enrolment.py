"""Enrolment rules: places, the waitlist and its order, cancellation, eligibility, children, sharing."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.common.database import WorkerDatabase
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.training import enrolment
from services.training.contracts.messages import CHILD_AGE_OUTSIDE, NOT_FOR_YOUR_GROUPS
from services.training.models import Base
from services.training.service import ROSTER
from tests.unit.training.conftest import NOW, ctx


def _enrol(world, cohort, who, *, tenant="xiangyang", **data):
    payload = {"participant_name": who, "groups": [], **data}
    return world.run(cohort.tenant_id, enrolment.enrol, ctx=ctx(tenant, who), session_id=cohort.id, data=payload,
                     now=NOW)


def _roster(s, cohort, status=None):
    return enrolment.roster(session=s, ctx=ctx("xiangyang", "staff", "staff"), session_id=cohort.id, status=status,
                            limit=100, after=None).items


def test_enrolling_over_capacity_goes_to_the_waitlist_in_arrival_order(world):
    cohort = world.cohort(world.course("xiangyang"), capacity=2)
    made = [_enrol(world, cohort, f"u{i}") for i in range(5)]
    assert [e.status for e in made] == ["enrolled", "enrolled", "waitlisted", "waitlisted", "waitlisted"]
    assert [e.arrival for e in made] == [1, 2, 3, 4, 5]
    with world.session("xiangyang") as s:
        views = enrolment.views(session=s, enrolments=_roster(s, cohort))
    assert [(v["participant_name"], v["waitlist_position"]) for v in views] == [
        ("u0", None), ("u1", None), ("u2", 1), ("u3", 2), ("u4", 3)]


def test_the_roster_pages_in_arrival_order_with_an_opaque_cursor(world):
    cohort = world.cohort(world.course("xiangyang"), capacity=2)
    for i in range(5):
        _enrol(world, cohort, f"u{i}")
    staff = ctx("xiangyang", "staff", "staff")
    seen, after = [], None
    with world.session("xiangyang") as s:
        while True:
            page = enrolment.roster(session=s, ctx=staff, session_id=cohort.id, status=None, limit=2, after=after)
            seen.append([e.participant_name for e in page.items])
            after = page.next_cursor
            if after is None:
                break
        assert seen == [["u0", "u1"], ["u2", "u3"], ["u4"]]
        with pytest.raises(ValidationFailed) as bad:
            enrolment.roster(session=s, ctx=staff, session_id=cohort.id, status=None, limit=2, after="u1")
    assert "after" in bad.value.fields


def test_a_freed_place_goes_to_the_first_on_the_waitlist_and_is_announced(world):
    cohort = world.cohort(world.course("xiangyang"), capacity=1)
    first, second, third = (_enrol(world, cohort, u) for u in ("u1", "u2", "u3"))
    with world.announcing() as heard:
        world.run("xiangyang", enrolment.cancel, ctx=ctx("xiangyang", "u1"), enrolment_id=first.id, reason="加班",
                  now=NOW)
    with world.session("xiangyang") as s:
        statuses = {e.participant_name: e.status for e in _roster(s, cohort)}
    assert statuses == {"u1": "cancelled", "u2": "enrolled", "u3": "waitlisted"}
    assert heard.names() == ["enrolment_cancelled", "waitlist_promoted"]
    assert heard.events("waitlist_promoted")[0]["data"]["enrolment_id"] == second.id


def test_cancelling_a_waitlist_place_promotes_nobody_and_keeps_the_order(world):
    cohort = world.cohort(world.course("xiangyang"), capacity=1)
    _enrol(world, cohort, "u1")
    waiting = [_enrol(world, cohort, u) for u in ("u2", "u3", "u4")]
    with world.announcing() as heard:
        world.run("xiangyang", enrolment.cancel, ctx=ctx("xiangyang", "u3"), enrolment_id=waiting[1].id, reason=None,
                  now=NOW)
    assert heard.events("waitlist_promoted") == []
    with world.session("xiangyang") as s:
        views = enrolment.views(session=s, enrolments=_roster(s, cohort, "waitlisted"))
    assert [(v["participant_name"], v["waitlist_position"]) for v in views] == [("u2", 1), ("u4", 2)]


def test_enrolling_twice_is_a_conflict_naming_the_existing_place_and_after_cancelling_you_rejoin_at_the_back(world):
    cohort = world.cohort(world.course("xiangyang"), capacity=1)
    mine = _enrol(world, cohort, "u1")
    with pytest.raises(Conflict) as caught:
        _enrol(world, cohort, "u1")
    assert caught.value.extra == {"enrolment_id": mine.id, "enrolment_status": "enrolled", "waitlist_position": None,
                                  "message_code": "training.already_enrolled"}
    _enrol(world, cohort, "u2")
    world.run("xiangyang", enrolment.cancel, ctx=ctx("xiangyang", "u1"), enrolment_id=mine.id, reason=None, now=NOW)
    again = _enrol(world, cohort, "u1")
    assert again.id == mine.id and again.status == "waitlisted" and again.arrival == 3


def test_enrolment_outside_the_window_is_refused_with_the_window(world):
    cohort = world.cohort(world.course("xiangyang"), opens=NOW + timedelta(days=1), closes=NOW + timedelta(days=5))
    with pytest.raises(Conflict) as caught:
        _enrol(world, cohort, "u1")
    assert caught.value.extra["enrol_opens_at"].startswith("2026-12-02")


def test_a_full_session_whose_waitlist_is_full_refuses_with_the_numbers(world):
    cohort = world.cohort(world.course("xiangyang"), capacity=1, waitlist_limit=1)
    _enrol(world, cohort, "u1")
    _enrol(world, cohort, "u2")
    with pytest.raises(Conflict) as caught:
        _enrol(world, cohort, "u3")
    assert "Session full" in caught.value.detail and caught.value.message_code == "training.session_full"
    assert caught.value.extra == {"capacity": 1, "enrolled_count": 1, "waitlisted_count": 1,
                                  "message_code": "training.session_full"}


def test_a_course_for_target_groups_refuses_people_outside_them(world):
    cohort = world.cohort(world.course("xiangyang", target_groups=["courier", "full_time_mother"]))
    with pytest.raises(ValidationFailed) as caught:
        _enrol(world, cohort, "u1", groups=["veteran"])
    assert caught.value.fields["groups"] == [NOT_FOR_YOUR_GROUPS.text]
    assert caught.value.extra["target_groups"] == ["courier", "full_time_mother"]  # labelled at the edge
    assert _enrol(world, cohort, "u2", groups=["full_time_mother"]).status == "enrolled"


def test_a_guardian_enrols_a_child_in_the_age_range_and_the_child_needs_no_account(world):
    camp = world.course("xiangyang", kind="children_camp", title="杭小蜂夏令营 / Little Bee summer camp",
                        min_age=6, max_age=12, target_groups=["courier"])
    cohort = world.cohort(camp, capacity=30)
    child = _enrol(world, cohort, "dad", participant_name=None, groups=["courier"], child={"name": "王小蜂", "age": 8})
    assert child.user_id is None and child.guardian_user_id == "dad" and child.participant_name == "王小蜂"
    sibling = _enrol(world, cohort, "dad", participant_name=None, groups=["courier"],
                     child={"name": "王二蜂", "age": 6})
    assert sibling.id != child.id
    with pytest.raises(ValidationFailed) as too_old:
        _enrol(world, cohort, "mum", participant_name=None, groups=["courier"], child={"name": "大宝", "age": 14})
    assert too_old.value.fields["child"] == {"age": [CHILD_AGE_OUTSIDE(lowest=6, highest=12).text]}
    assert too_old.value.fields["child"]["age"] == ["This camp takes children aged 6–12"]
    assert (too_old.value.extra["min_age"], too_old.value.extra["max_age"]) == (6, 12)
    with pytest.raises(ValidationFailed):
        _enrol(world, cohort, "mum", participant_name="刘女士", groups=["courier"])  # the camp takes children


def test_a_resident_enrols_in_a_college_session_shared_with_their_community_and_nobody_else_sees_it(world):
    shared = world.course("hzvtc", audience=["xiangyang"])
    cohort = world.cohort(shared)
    with world.announcing() as heard:
        place = _enrol(world, cohort, "courier-a", tenant="xiangyang")
    assert place.tenant_id == "hzvtc" and place.learner_tenant_id == "xiangyang" and place.audience == ",xiangyang,"
    # the event about the person goes to the person's own community
    [enrolled] = heard.events("enrolled")
    assert enrolled["tenantid"] == "xiangyang" and enrolled["data"]["host_tenant_id"] == "hzvtc"
    with world.session("xiangyang") as s:
        mine = enrolment.list_mine(session=s, ctx=ctx("xiangyang", "courier-a"), status=None, limit=20,
                                   after=None).items
        assert [e.id for e in mine] == [place.id]
    with pytest.raises(NotFound):  # a community outside the audience cannot even find the session
        _enrol(world, cohort, "courier-b", tenant="dongxin")
    with world.session("dongxin") as s, pytest.raises(NotFound):
        enrolment.get_enrolment(session=s, ctx=ctx("dongxin", "staff-b", "staff"), enrolment_id=place.id)


def test_guest_staff_have_no_staff_rights_in_the_host_tenant(world):
    cohort = world.cohort(world.course("hzvtc", audience=["xiangyang"]))
    place = _enrol(world, cohort, "courier-a", tenant="xiangyang")
    _enrol(world, cohort, "courier-a2", tenant="xiangyang")
    with pytest.raises(Forbidden):
        world.run("hzvtc", enrolment.cancel, ctx=ctx("xiangyang", "someone-else"), enrolment_id=place.id,
                  reason=None, now=NOW)
    with world.session("hzvtc") as s, pytest.raises(Forbidden):
        enrolment.roster(session=s, ctx=ctx("xiangyang", "staff-a", "staff"), session_id=cohort.id, status=None,
                         limit=100, after=None)


def test_a_residents_enrolment_crosses_into_the_host_and_its_event_back_each_crossing_recorded(world):
    """As the service runs it: a unit of work in the tenant hosting the session (db.write_in_tenant), and
    the event about the person announced in the person's community, in the same transaction."""
    cohort = world.cohort(world.course("hzvtc", audience=["xiangyang"]))
    resident = ctx("xiangyang", "courier-a")
    with WorkerDatabase(world._factory, Base, resident).write_in_tenant("hzvtc", reason=ROSTER) as tx:
        place = enrolment.enrol(session=tx.session, ctx=resident, session_id=cohort.id,
                                data={"participant_name": "王师傅", "groups": []}, now=NOW)
    with world.session("hzvtc") as s:
        into_host = [(c.acting_tenant, c.user_id, c.mode, c.reason) for c in s.scalars(select(Base.TenantCrossing))]
        assert [e.event_type for e in s.scalars(select(Base.Outbox))] == ["course_published"]  # not the enrolment
    assert into_host == [("xiangyang", "courier-a", "write", ROSTER)]
    with world.session("xiangyang") as s:
        back = [(c.acting_tenant, c.mode) for c in s.scalars(select(Base.TenantCrossing))]
        [event] = s.scalars(select(Base.Outbox)).all()
    assert back == [("hzvtc", "atomic")]
    assert event.event_type == "enrolled" and event.envelope["data"]["enrolment_id"] == place.id
