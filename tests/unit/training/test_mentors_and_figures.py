"""Mentors across tenants, one rating per participant, and the figures staff and the operator read."""

from datetime import timedelta

import pytest

from services.common.errors import Conflict, Forbidden
from services.training import attendance, completion, enrolment, figures, mentors
from tests.unit.training.conftest import NOW, ctx

COLLEGE_STAFF = ctx("hzvtc", "staff-hzvtc", "staff")


def _mentor(world):
    return world.run("hzvtc", mentors.create_mentor, ctx=COLLEGE_STAFF, data={
        "user_id": "u-master", "display_name": "陈大师", "title": "中华技能大奖获得者 / China Skills Award winner",
        "organisation": "杭州职业技术学院", "specialties": ["中式面点"], "bio": None, "share_with_all": True})


def test_a_mentor_profile_is_shared_with_every_tenant_and_one_per_account(world):
    mentor = _mentor(world)
    with world.session("huanqiu") as s:
        assert [m.id for m in mentors.list_mentors(session=s, limit=100, after=None).items] == [mentor.id]
    with pytest.raises(Conflict):
        _mentor(world)


def test_participants_rate_a_session_once_and_the_mentor_sees_ratings_without_raters(world):
    mentor = _mentor(world)
    cohort = world.cohort(world.course("hzvtc", audience=["xiangyang"]), mentor_id=mentor.id)
    places = [world.run("hzvtc", enrolment.enrol, ctx=ctx("xiangyang", u), session_id=cohort.id,
                        data={"participant_name": u, "groups": []}, now=NOW) for u in ("a", "b", "c")]
    world.run("hzvtc", attendance.mark, ctx=COLLEGE_STAFF, meeting_id=cohort.meetings[0].id,
              present=[p.id for p in places[:2]], walk_ins=[], now=NOW)
    world.run("hzvtc", mentors.rate_session, ctx=ctx("xiangyang", "a"), session_id=cohort.id, stars=5, comment="讲得细")
    world.run("hzvtc", mentors.rate_session, ctx=ctx("xiangyang", "b"), session_id=cohort.id, stars=4, comment=None)
    with pytest.raises(Conflict):
        world.run("hzvtc", mentors.rate_session, ctx=ctx("xiangyang", "a"), session_id=cohort.id, stars=1, comment=None)
    with pytest.raises(Forbidden):  # enrolled, but never attended
        world.run("hzvtc", mentors.rate_session, ctx=ctx("xiangyang", "c"), session_id=cohort.id, stars=1, comment=None)
    with world.session("hzvtc") as s:
        seen = mentors.my_ratings(session=s, ctx=ctx("hzvtc", "u-master", "mentor"))
    assert seen["count"] == 2 and seen["average"] == 4.5 and seen["distribution"]["5"] == 1
    assert {"user_id", "learner_tenant_id"}.isdisjoint(seen["items"][0])
    with world.session("hzvtc") as s, pytest.raises(Forbidden):
        mentors.my_ratings(session=s, ctx=ctx("hzvtc", "someone", "mentor"))


def test_a_mentor_sees_the_participants_of_their_own_sessions_only(world):
    mentor = _mentor(world)
    course = world.course("hzvtc")
    theirs, other = world.cohort(course, mentor_id=mentor.id), world.cohort(course)
    me = ctx("hzvtc", "u-master", "mentor")
    with world.session("hzvtc") as s:
        assert enrolment.roster(session=s, ctx=me, session_id=theirs.id, status=None, limit=100, after=None).items == []
        with pytest.raises(Forbidden):
            enrolment.roster(session=s, ctx=me, session_id=other.id, status=None, limit=100, after=None)


def test_figures_count_sessions_held_enrolments_attendance_and_certificates_per_tenant_and_in_total(world):
    course = world.course("hzvtc", audience=["xiangyang"], kind="certificate", pass_mark=60, skill="快递",
                          certificate_name="快递员证 / Courier certificate", min_attendance_share=0.5)
    cohort = world.cohort(course, capacity=2, meetings=2)
    places = [world.run("hzvtc", enrolment.enrol, ctx=ctx("xiangyang", u), session_id=cohort.id,
                        data={"participant_name": u, "groups": []}, now=NOW) for u in ("a", "b", "c")]
    world.run("hzvtc", attendance.mark, ctx=COLLEGE_STAFF, meeting_id=cohort.meetings[0].id,
              present=[places[0].id, places[1].id], walk_ins=[], now=NOW)
    world.run("hzvtc", attendance.mark, ctx=COLLEGE_STAFF, meeting_id=cohort.meetings[1].id, present=[places[0].id],
              walk_ins=[{"name": "路人", "user_id": None}], now=NOW)
    for place in places[:2]:
        world.run("hzvtc", enrolment.set_exam_score, ctx=COLLEGE_STAFF, enrolment_id=place.id, score=80)
    world.run("hzvtc", completion.close_session, ctx=COLLEGE_STAFF, session_id=cohort.id,
              now=NOW + timedelta(hours=3))
    community = world.cohort(world.course("xiangyang", kind="cultural"), meetings=1, first=NOW + timedelta(days=3))

    with world.session("hzvtc") as s:
        answer = figures.figures(session=s, tenant_ids=["hzvtc"], until=NOW + timedelta(hours=3))
    assert list(answer) == ["hzvtc"]
    college = answer["hzvtc"]
    assert {k: college[k] for k in ("courses_published", "sessions_held", "meetings_held", "enrolments", "waitlisted",
                                    "attendances", "completions", "certificates_issued")} == {
        "courses_published": 1, "sessions_held": 1, "meetings_held": 2, "enrolments": 2, "waitlisted": 1,
        "attendances": 4, "completions": 2, "certificates_issued": 2}
    assert college["attendance_rate"] == 0.75  # 3 attended of 2 people × 2 meetings
    assert college["by_kind"] == [{"kind": "certificate", "sessions_held": 1, "enrolments": 2, "completions": 2,
                                   "certificates": 2}]
    assert college["certificates_by_name"] == [{"certificate_name": "快递员证 / Courier certificate", "issued": 2,
                                                "revoked": 0}]
    with world.session("operator") as s:
        s.info["all_tenants"] = True
        rows = list(figures.figures(session=s, tenant_ids=None, until=NOW + timedelta(hours=3)).values())
    assert [r["tenant_id"] for r in rows] == ["hzvtc", "xiangyang"]
    assert rows[1]["courses_published"] == 1 and rows[1]["sessions_held"] == 0 and community.id
    summed = figures.total(rows)
    assert summed["courses_published"] == 2 and summed["attendance_rate"] == 0.75 and summed["tenant_id"] is None
    with world.session("operator") as s:
        s.info["all_tenants"] = True
        later = figures.figures(session=s, tenant_ids=["hzvtc", "nowhere"], since=NOW + timedelta(days=1),
                                until=NOW + timedelta(days=2))
    assert list(later) == ["hzvtc", "nowhere"]  # every tenant asked for, even one with nothing
    assert later["hzvtc"]["enrolments"] == later["hzvtc"]["certificates_issued"] == later["nowhere"]["enrolments"] == 0
    assert later["hzvtc"]["courses_published"] == 1  # a state, not an event of the window
