"""Attendance: rotating QR tokens, self check-in, staff marking, walk-ins and make-ups."""

from datetime import timedelta

import pytest

from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.training import attendance, enrolment
from services.training.contracts.messages import CHECKIN_CODE_EXPIRED, CHECKIN_CODE_INVALID
from services.training.models import Meeting
from tests.unit.training.conftest import NOW, ctx

STAFF = ctx("hzvtc", "staff-hzvtc", "staff")


def _setup(world, *, meetings=4):
    course = world.course("hzvtc", audience=["xiangyang"], kind="first_aid", title="急救培训 / First aid")
    cohort = world.cohort(course, capacity=10, meetings=meetings)
    place = world.run("hzvtc", enrolment.enrol, ctx=ctx("xiangyang", "courier-a"), session_id=cohort.id,
                      data={"participant_name": "王师傅", "groups": []}, now=NOW)
    last = cohort.meetings[-1]  # starts at NOW: check-in is open
    return course, cohort, place, last


def _code(world, meeting, now=NOW):
    return world.run("hzvtc", attendance.checkin_code, ctx=STAFF, meeting_id=meeting.id, now=now)


def _check_in(world, meeting, token, *, who="courier-a", tenant="xiangyang", now=NOW):
    return world.run("hzvtc", attendance.check_in, ctx=ctx(tenant, who), meeting_id=meeting.id, token=token,
                     now=now)


def test_a_fresh_qr_code_checks_in_once_and_a_second_scan_returns_the_same_record(world):
    _course, _cohort, place, meeting = _setup(world)
    code = _code(world, meeting)
    assert code["svg"].startswith("<svg") and code["token"] in code["qr_text"]
    assert code["valid_until"] - code["rotates_at"] == timedelta(seconds=attendance.ROTATE_SECONDS)
    with world.announcing() as heard:
        first = _check_in(world, meeting, code["token"])
        again = _check_in(world, meeting, code["token"])
    assert first.id == again.id and first.enrolment_id == place.id and first.method == "qr"
    [announced] = heard.events()  # one event, in the learner's own community
    assert heard.names() == ["session_attended"] and announced["tenantid"] == "xiangyang"
    assert announced["data"]["course_kind"] == "first_aid" and announced["data"]["user_id"] == "courier-a"


def test_a_code_expires_within_two_minutes_of_being_shown(world):
    *_rest, meeting = _setup(world)
    token = _code(world, meeting)["token"]
    _check_in(world, meeting, token, now=NOW + timedelta(seconds=attendance.ROTATE_SECONDS))  # next window: fine
    with pytest.raises(ValidationFailed) as caught:
        _check_in(world, meeting, token, who="late", now=NOW + timedelta(minutes=3))
    assert caught.value.fields == {"token": [CHECKIN_CODE_EXPIRED.text]}


@pytest.mark.parametrize("forge", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # a changed signature
    lambda token: str(int(token.split(".")[0]) + 5) + "." + token.split(".")[1],  # moved to a later window
    lambda token: "not-a-token",
])
def test_a_forged_code_is_refused(world, forge):
    *_rest, meeting = _setup(world)
    with pytest.raises(ValidationFailed) as caught:
        _check_in(world, meeting, forge(_code(world, meeting)["token"]))
    assert caught.value.fields == {"token": [CHECKIN_CODE_INVALID.text]}


def test_a_code_of_one_meeting_does_not_check_in_to_another(world):
    _course, cohort, _place, meeting = _setup(world)
    other = cohort.meetings[-2]
    with pytest.raises(ValidationFailed):
        _check_in(world, other, _code(world, meeting)["token"], now=NOW)


def test_codes_are_only_shown_while_check_in_is_open_and_only_to_teachers(world):
    _course, cohort, _place, meeting = _setup(world)
    with pytest.raises(Conflict) as caught:
        _code(world, meeting, now=meeting.ends_at + timedelta(hours=2))
    assert "checkin_closes_at" in caught.value.extra
    with pytest.raises(Forbidden):
        world.run("hzvtc", attendance.checkin_code, ctx=ctx("xiangyang", "courier-a"), meeting_id=meeting.id, now=NOW)


def test_someone_not_enrolled_cannot_check_in_themselves(world):
    *_rest, meeting = _setup(world)
    with pytest.raises(Forbidden):
        _check_in(world, meeting, _code(world, meeting)["token"], who="stranger")


def test_staff_mark_participants_and_record_walk_ins_with_and_without_accounts(world):
    _course, _cohort, place, meeting = _setup(world)
    with world.announcing() as heard:
        records = world.run("hzvtc", attendance.mark, ctx=STAFF, meeting_id=meeting.id, present=[place.id, place.id],
                            walk_ins=[{"name": "路过的李阿姨", "user_id": None},
                                      {"name": "张三", "user_id": "u-zhang"}],
                            now=NOW)
    assert [(r.method, r.enrolment_id is not None) for r in records] == [("staff", True), ("walk_in", False),
                                                                         ("walk_in", False)]
    tenants = [e["tenantid"] for e in heard.events()]
    assert tenants == ["xiangyang", "hzvtc", "hzvtc"]  # walk-ins belong to the host's community
    assert [e["data"]["user_id"] for e in heard.events()] == ["courier-a", None, "u-zhang"]
    with pytest.raises(ValidationFailed):
        world.run("hzvtc", attendance.mark, ctx=STAFF, meeting_id=meeting.id, present=["nope"], walk_ins=[], now=NOW)


def test_a_make_up_meeting_in_another_session_of_the_course_counts_for_your_own_enrolment(world):
    course, _cohort, place, _meeting = _setup(world)
    other = world.cohort(course, capacity=5, meetings=1, first=NOW)
    make_up = other.meetings[0]
    record = _check_in(world, make_up, _code(world, make_up)["token"])
    assert record.make_up is True and record.enrolment_id == place.id and record.session_id == other.id
    with world.session("xiangyang") as s:
        [view] = enrolment.views(session=s, enrolments=[s.get(type(place), place.id)])
    assert view["attended_meetings"] == 1


def test_meetings_keep_their_secret_to_themselves(world):
    *_rest, meeting = _setup(world)
    with world.session("hzvtc") as s:
        secrets = {m.checkin_secret for m in s.query(Meeting)}
    assert len(secrets) == 4 and all(len(x) == 64 for x in secrets)
