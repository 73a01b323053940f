"""`audience(group, ref)`: a class's roster and a course's enrolled people, per the context tenant's own
people, for staff or a service calling in; unknown groups and refs refused."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.common.errors import Forbidden, NotFound, ValidationFailed
from services.training import audiences, enrolment
from services.training.contracts.messages import UNKNOWN_AUDIENCE_GROUP
from services.training.models import Meeting
from tests.unit.training.conftest import NOW, ctx


def _service(tenant):
    return ctx(tenant, None, "service")


def _enrol(world, cohort, tenant, who, **data):
    return world.run(cohort.tenant_id, enrolment.enrol, ctx=ctx(tenant, who), session_id=cohort.id,
                     data={"participant_name": who, "groups": [], **data}, now=NOW)


def _ask(world, who, group, ref):
    with world.session(who.tenant) as s:
        return audiences.audience(session=s, ctx=who, group=group, ref=ref)


@pytest.fixture
def shared(world):
    """A college's course shared with xiangyang: one session with two of the college's people, two of
    xiangyang's (one waitlisted, one cancelled), and another session."""
    course = world.course("hzvtc", audience=["xiangyang"])
    cohort = world.cohort(course, capacity=3)
    other = world.cohort(course, capacity=3)
    _enrol(world, cohort, "hzvtc", "u-zhang")
    _enrol(world, cohort, "xiangyang", "u-xy1")
    gone = _enrol(world, cohort, "xiangyang", "u-xy2")
    world.run("hzvtc", enrolment.cancel, ctx=ctx("xiangyang", "u-xy2"), enrolment_id=gone.id, reason=None, now=NOW)
    _enrol(world, cohort, "hzvtc", "u-master")
    _enrol(world, cohort, "xiangyang", "u-xy3")  # waitlisted: the place went to u-master
    _enrol(world, other, "xiangyang", "u-xy4")
    return course, cohort, other


def test_the_class_roster_is_each_tenants_own_enrolled_people(world, shared):
    course, cohort, _ = shared
    assert _ask(world, _service("hzvtc"), "class_roster", cohort.id) == {
        "group": "class_roster", "ref": cohort.id, "user_ids": ["u-master", "u-zhang"]}
    assert _ask(world, _service("xiangyang"), "class_roster", cohort.id)["user_ids"] == ["u-xy1"]
    assert _ask(world, ctx("xiangyang", "staff-xy", "staff"), "class_roster", cohort.id)["user_ids"] == ["u-xy1"]


def test_a_class_is_named_by_its_session_or_by_one_of_its_meetings(world, shared):
    _, cohort, _ = shared
    with world.session("hzvtc") as s:
        meeting = s.scalars(select(Meeting).where(Meeting.session_id == cohort.id)).first()
    assert _ask(world, _service("xiangyang"), "class_roster", meeting.id)["user_ids"] == ["u-xy1"]


def test_course_enrolled_covers_every_open_session_of_the_course(world, shared):
    course, _, _ = shared
    assert _ask(world, _service("xiangyang"), "course_enrolled", course.id)["user_ids"] == ["u-xy1", "u-xy4"]
    assert _ask(world, _service("hzvtc"), "course_enrolled", course.id)["user_ids"] == ["u-master", "u-zhang"]


def test_a_guardian_is_on_the_roster_of_the_child_they_enrolled(world):
    camp = world.course("xiangyang", kind="children_camp", min_age=6, max_age=12)
    cohort = world.cohort(camp, first=NOW + timedelta(days=3))
    _enrol(world, cohort, "xiangyang", "u-mum", child={"name": "Xiaoming", "age": 8})
    assert _ask(world, _service("xiangyang"), "class_roster", cohort.id)["user_ids"] == ["u-mum"]


def test_a_ref_another_tenant_cannot_see_is_not_found_like_one_that_does_not_exist(world, shared):
    course, cohort, _ = shared
    private = world.cohort(world.course("xiangyang"))
    for group, ref in (("class_roster", private.id), ("class_roster", "no-such-session"),
                       ("course_enrolled", "no-such-course")):
        with pytest.raises(NotFound):
            _ask(world, _service("dongxin" if ref == private.id else "xiangyang"), group, ref)
    with pytest.raises(NotFound):  # the college's course is not shared with dongxin
        _ask(world, _service("dongxin"), "course_enrolled", course.id)
    with pytest.raises(NotFound):
        _ask(world, _service("hzvtc"), "class_roster", private.id)


def test_an_unknown_group_is_refused_on_group(world, shared):
    _, cohort, _ = shared
    with pytest.raises(ValidationFailed) as bad:
        _ask(world, _service("hzvtc"), "everyone_ever", cohort.id)
    assert bad.value.fields == {"group": [UNKNOWN_AUDIENCE_GROUP.text]}


def test_only_staff_or_a_service_may_ask(world, shared):
    _, cohort, _ = shared
    for who in (ctx("hzvtc", "u-zhang"), ctx("xiangyang", "u-xy1", "resident"), ctx("hzvtc", "u-master", "mentor")):
        with pytest.raises(Forbidden):
            _ask(world, who, "class_roster", cohort.id)
