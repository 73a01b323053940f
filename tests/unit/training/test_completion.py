"""Completion rules, certificates, their codes, the public register, revocation and the PDF."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.training import attendance, completion, enrolment
from services.training.completion import ALPHABET, check_character, mask_name, new_code, normalise_code
from services.training.models import Certificate
from tests.unit.training.conftest import NOW, ctx

STAFF = ctx("hzvtc", "staff-hzvtc", "staff")
COURIER_CERTIFICATE = dict(kind="certificate", title="快递员职业技能培训 / Courier skills", category_id="logistics",
                           pass_mark=60, certificate_name="快递员证 / Courier certificate", skill="快递",
                           certificate_valid_months=36, min_attendance_share=0.75)


def _class(world, people=("王师傅", "李师傅", "赵师傅"), **course_fields):
    course = world.course("hzvtc", audience=["xiangyang", "dongxin"], **{**COURIER_CERTIFICATE, **course_fields})
    cohort = world.cohort(course, capacity=10, meetings=4)
    places = [world.run("hzvtc", enrolment.enrol, ctx=ctx("xiangyang" if i % 2 == 0 else "dongxin", f"u{i}"),
                        session_id=cohort.id, data={"participant_name": name, "groups": []}, now=NOW)
              for i, name in enumerate(people)]
    return course, cohort, places


def _attend(world, cohort, place, meetings):
    for meeting in cohort.meetings[:meetings]:
        world.run("hzvtc", attendance.mark, ctx=STAFF, meeting_id=meeting.id, present=[place.id], walk_ins=[], now=NOW)


def _score(world, place, score):
    world.run("hzvtc", enrolment.set_exam_score, ctx=STAFF, enrolment_id=place.id, score=score)


def _close(world, cohort, now=NOW + timedelta(hours=3)):
    return world.run("hzvtc", completion.close_session, ctx=STAFF, session_id=cohort.id,
                     now=now)


def test_attendance_share_and_pass_mark_decide_completion_and_only_completers_get_certificates(world):
    _course, cohort, (passes, absent, fails) = _class(world)
    _attend(world, cohort, passes, 3)   # 3 of 4 = 0.75: enough
    _attend(world, cohort, absent, 2)   # 0.5: too few
    _attend(world, cohort, fails, 4)
    for place, score in ((passes, 86), (absent, 90), (fails, 59)):
        _score(world, place, score)
    with world.announcing() as heard:
        result = _close(world, cohort)
    outcomes = {r["participant_name"]: (r["outcome"], r["reasons"]) for r in result["results"]}
    assert outcomes == {"王师傅": ("completed", []), "李师傅": ("not_completed", ["attendance_below_minimum"]),
                        "赵师傅": ("not_completed", ["exam_below_pass_mark"])}
    assert result["certificates_issued"] == 1
    [issued] = [e for e in heard.events("certificate_issued")]
    assert issued["tenantid"] == "xiangyang"  # the holder's community, where jobs keeps the worker profile
    data = issued["data"]
    assert data["certificate_name"] == "快递员证 / Courier certificate" and data["skill"] == "快递"
    assert normalise_code(data["code"]) == data["code"]
    assert data["expires_at"].startswith("2029-12-01")
    assert heard.names() == ["course_completed", "certificate_issued"]


def test_closing_a_certificate_course_with_scores_missing_is_refused_naming_them(world):
    _course, cohort, places = _class(world, people=("王师傅", "李师傅"))
    _score(world, places[0], 80)
    with pytest.raises(Conflict) as caught:
        _close(world, cohort)
    assert caught.value.message_code == "training.exam_scores_missing"
    assert caught.value.extra["missing_scores"] == [places[1].id]


def test_a_closed_session_cannot_be_closed_again_or_take_new_enrolments(world):
    _course, cohort, _places = _class(world, people=(), kind="vocational", pass_mark=None, certificate_name=None)
    _close(world, cohort)
    with pytest.raises(Conflict) as again:
        _close(world, cohort)
    assert again.value.message_code == "training.session_already_closed"
    with pytest.raises(Conflict) as caught:
        world.run("hzvtc", enrolment.enrol, ctx=ctx("xiangyang", "late"), session_id=cohort.id,
                  data={"participant_name": "迟到", "groups": []}, now=NOW)
    assert caught.value.message_code == "training.session_closed"
    assert caught.value.extra["session_status"] == "closed"


def _issued(world):
    _course, cohort, (place,) = _class(world, people=("王师傅",))
    _attend(world, cohort, place, 4)
    _score(world, place, 95)
    result = _close(world, cohort)
    with world.session("hzvtc") as s:
        return s.get(Certificate, result["results"][0]["certificate_id"])


def test_the_public_register_shows_a_masked_name_and_revocation_with_its_reason(world):
    certificate = _issued(world)
    with world.session("anyone") as s:
        shown = completion.verify(session=s, code=certificate.code.lower().replace("-", " "), now=NOW)
    assert shown == {"code": certificate.code, "status": "valid", "holder": "王**",
                     "certificate_name": "快递员证 / Courier certificate", "course_title": certificate.course_title,
                     "issued_on": NOW.date(), "expires_on": datetime(2029, 12, 1).date(), "revoked": False,
                     "revoked_on": None, "revoked_reason": None}
    with world.announcing() as heard:
        world.run("hzvtc", completion.revoke, ctx=STAFF, certificate_id=certificate.id, reason="考试作弊 / Exam fraud",
                  now=NOW + timedelta(days=1))
    with world.session("anyone") as s:
        shown = completion.verify(session=s, code=certificate.code, now=NOW + timedelta(days=2))
    assert shown["status"] == "revoked" and shown["revoked_reason"] == "考试作弊 / Exam fraud"
    assert heard.names() == ["certificate_revoked"] and heard.events()[0]["tenantid"] == "xiangyang"
    with pytest.raises(Conflict) as again:
        world.run("hzvtc", completion.revoke, ctx=STAFF, certificate_id=certificate.id, reason="again", now=NOW)
    assert again.value.extra["revoked_reason"] == "考试作弊 / Exam fraud"


def test_an_expired_certificate_verifies_as_expired(world):
    certificate = _issued(world)
    with world.session("anyone") as s:
        later = NOW + timedelta(days=3 * 366)
        assert completion.verify(session=s, code=certificate.code, now=later)["status"] == "expired"


def test_only_the_issuer_revokes_and_only_holder_and_staff_see_a_certificate(world):
    certificate = _issued(world)
    with pytest.raises(Forbidden):  # the holder's community sees it, but did not issue it
        world.run("xiangyang", completion.revoke, ctx=ctx("xiangyang", "s", "staff"), certificate_id=certificate.id,
                  reason="no", now=NOW)
    with pytest.raises(NotFound):
        world.run("hzvtc", completion.revoke, ctx=ctx("hzvtc", "mentor", "mentor"), certificate_id=certificate.id,
                  reason="no", now=NOW)
    with world.session("xiangyang") as s:
        assert completion.get_certificate(session=s, ctx=ctx("xiangyang", "u0"), certificate_id=certificate.id)
        assert completion.get_certificate(session=s, ctx=ctx("xiangyang", "s", "staff"), certificate_id=certificate.id)
        with pytest.raises(NotFound):
            completion.get_certificate(session=s, ctx=ctx("xiangyang", "u-other"), certificate_id=certificate.id)
    with world.session("dongxin") as s, pytest.raises(NotFound):
        completion.get_certificate(session=s, ctx=ctx("dongxin", "s", "staff"), certificate_id=certificate.id)


def test_a_mistyped_code_is_caught_offline_and_an_unknown_one_is_not_found(world):
    with world.session("anyone") as s:
        with pytest.raises(ValidationFailed):
            completion.verify(session=s, code="FC-1234", now=NOW)
        with pytest.raises(NotFound):
            completion.verify(session=s, code=new_code(), now=NOW)


def test_the_check_character_catches_every_single_wrong_character():
    rng = random.Random(7)
    for _ in range(200):
        code = new_code()
        body = code.replace("-", "")[2:]
        position = rng.randrange(13)
        wrong = rng.choice([c for c in ALPHABET if c != body[position]])
        typo = body[:position] + wrong + body[position + 1:]
        assert normalise_code(typo) is None
        assert check_character(body[:12]) == body[12]
    assert normalise_code(code.replace("0", "O").lower()) == code  # Crockford: O reads as 0


def test_names_are_masked_to_their_first_character():
    assert mask_name("王师傅") == "王**" and mask_name("王五") == "王*" and mask_name("Li Na") == "L****"


def test_months_are_added_to_the_same_day_or_the_last_of_a_shorter_month():
    assert completion.add_months(datetime(2027, 1, 31, tzinfo=UTC), 1).day == 28
    assert completion.add_months(datetime(2026, 12, 1, tzinfo=UTC), 36).year == 2029
