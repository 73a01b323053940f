"""Training over HTTP with the services running: a partner college shares a certificate course with two
communities; their residents enrol, wait, get promoted, check in by QR, pass, and receive a certificate
anyone can verify without signing in — until it is revoked."""

import uuid

import pytest
import requests
import sqlalchemy as sa

from services.common.database import make_engine
from tests.e2e.training.conftest import COLLEGE, iso, now

pytestmark = pytest.mark.e2e

COURIER_CERTIFICATE = {
    "kind": "certificate", "title": "快递员职业技能培训 / Courier skills training", "category_id": "logistics",
    "target_groups": ["courier"], "pass_mark": 60, "certificate_name": "快递员证 / Courier certificate",
    "skill": "快递", "certificate_valid_months": 36, "min_attendance_share": 0.5,
}


def _events(platform, event, subject):
    """(tenant, data) of the outbox rows for `event` about `subject`, read as the database owner."""
    engine = make_engine(platform.infra.owner_url("training"), pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT tenant_id, envelope FROM outbox_events WHERE event_type = :e"),
                                {"e": event}).all()
    finally:
        engine.dispose()
    return [(tenant, envelope["data"]) for tenant, envelope in rows if envelope.get("subject") == subject]


def test_a_college_course_shared_with_two_communities_is_404_in_a_third(api):
    course = api.course(audience={"tenants": ["xiangyang", "dongxin"]}, **COURIER_CERTIFICATE)
    assert course["audience"] == ["dongxin", "xiangyang"] and course["tenant_id"] == COLLEGE
    session = api.session(course)
    for who in ("courier_a", "courier_b"):
        assert api.call(who, "GET", f"/courses/{course['id']}", 200)["title"] == COURIER_CERTIFICATE["title"]
        assert session["id"] in {s["id"] for s in api.every(who, f"/courses/{course['id']}/sessions")}
    assert api.call("mother_c", "GET", f"/courses/{course['id']}", 404)["code"] == "not_found"
    assert api.call("mother_c", "GET", f"/sessions/{session['id']}", 404)
    api.enrol("mother_c", session, 404, groups=["courier"])
    listed = api.every("mother_c", "/courses", kind="certificate")
    assert course["id"] not in {c["id"] for c in listed}
    # a community cannot change what the college shared
    api.call("staff_a", "PATCH", f"/courses/{course['id']}", 403, json={"title": "改名"})


def test_over_capacity_goes_to_the_waitlist_and_a_cancellation_promotes_the_first_in_line(api, training):
    session = api.session(api.course(audience={"everyone": True}), capacity=1)
    first = api.enrol("courier_a", session)
    second = api.enrol("courier_b", session)          # another community, same queue
    third = api.enrol("mother_c", session)
    assert (first["status"], second["status"], third["status"]) == ("enrolled", "waitlisted", "waitlisted")
    assert (second["waitlist_position"], third["waitlist_position"]) == (1, 2)
    again = api.enrol("courier_a", session, 409)
    assert again["enrolment_id"] == first["id"] and again["enrolment_status"] == "enrolled"

    cancelled = api.call("courier_a", "POST", f"/enrolments/{first['id']}/cancel", 200, json={"reason": "要加班"})
    assert cancelled["status"] == "cancelled"
    assert api.call("courier_b", "GET", f"/enrolments/{second['id']}", 200)["status"] == "enrolled"
    assert api.call("mother_c", "GET", f"/enrolments/{third['id']}", 200)["waitlist_position"] == 1
    again = api.call("courier_a", "POST", f"/enrolments/{first['id']}/cancel", 409, json={})
    assert again["enrolment_status"] == "cancelled"
    # the promotion is announced in the promoted person's own community
    assert [tenant for tenant, _ in _events(training, "waitlist_promoted", second["id"])] == ["dongxin"]
    # people of other communities see neither each other's places nor the roster
    api.call("courier_b", "GET", f"/enrolments/{third['id']}", 404)
    api.call("courier_b", "GET", f"/sessions/{session['id']}/enrolments", 403)
    roster = api.call("college_staff", "GET", f"/sessions/{session['id']}/enrolments", 200)["items"]
    assert [e["status"] for e in roster] == ["cancelled", "enrolled", "waitlisted"]


def test_enrolment_is_refused_outside_its_window_for_other_groups_and_for_bad_input(api):
    course = api.course(audience={"everyone": True}, target_groups=["full_time_mother"])
    later = api.session(course, enrol_opens_at=iso(now() + __import__("datetime").timedelta(days=1)),
                        enrol_closes_at=iso(now() + __import__("datetime").timedelta(days=3)))
    outside = api.enrol("mother_c", later, 409, groups=["full_time_mother"])
    assert "enrol_opens_at" in outside and outside["message_code"] == "training.outside_enrolment_window"
    assert outside["detail"] == "不在报名时间内"  # in the caller's language, from the training catalogue
    open_now = api.session(course)
    other_groups = api.enrol("courier_b", open_now, 422, groups=["courier"])
    assert "groups" in other_groups["errors"] and other_groups["target_groups"] == ["full_time_mother"]
    bad = api.call("courier_b", "POST", f"/sessions/{open_now['id']}/enrolments", 422,
                   json={"participant_name": "", "groups": ["astronaut"], "child": {"age": 40}})
    assert {"participant_name", "groups", "child"} <= set(bad["errors"])
    assert api.enrol("mother_c", open_now, groups=["full_time_mother"])["status"] == "enrolled"


def test_a_retried_enrolment_with_the_same_idempotency_key_holds_one_place(api):
    session = api.session(api.course(audience={"everyone": True}))
    http = api.platform.session("courier_a2")
    key = str(uuid.uuid4())
    body = {"participant_name": "李师傅"}
    answers = [http.post(api.url(f"/sessions/{session['id']}/enrolments"), json=body,
                         headers={"Idempotency-Key": key}, timeout=30) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201] and answers[1].headers["Idempotent-Replayed"] == "true"
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert len(api.call("college_staff", "GET", f"/sessions/{session['id']}/enrolments", 200)["items"]) == 1


def test_a_certificate_course_from_enrolment_through_qr_check_in_to_a_verifiable_revocable_certificate(api, training):
    course = api.course(audience={"tenants": ["xiangyang", "dongxin"]}, **COURIER_CERTIFICATE)
    session = api.session(course, capacity=5)
    first_meeting, current = session["meetings"]
    courier_a = api.enrol("courier_a", session, groups=["courier"])
    courier_b = api.enrol("courier_b", session, groups=["courier"])

    # the classroom screen shows a rotating QR code; the courier scans it with their phone
    code = api.call("college_staff", "GET", f"/meetings/{current['id']}/checkin-code", 200)
    assert code["svg"].startswith("<svg") and code["token"] in code["qr_text"]
    api.call("courier_a", "GET", f"/meetings/{current['id']}/checkin-code", 403)
    checked = api.call("courier_a", "POST", f"/meetings/{current['id']}/check-ins", 201, json={"token": code["token"]})
    assert checked["method"] == "qr" and checked["enrolment_id"] == courier_a["id"]
    forged = code["token"][:-2] + ("AA" if not code["token"].endswith("AA") else "BB")
    assert "token" in api.call("courier_b", "POST", f"/meetings/{current['id']}/check-ins", 422,
                               json={"token": forged})["errors"]
    api.call("mother_c", "POST", f"/meetings/{current['id']}/check-ins", 404, json={"token": code["token"]})
    # staff mark the first meeting, and a walk-in
    marked = api.call("college_staff", "POST", f"/meetings/{first_meeting['id']}/attendance", 201,
                      json={"present": [courier_a["id"], courier_b["id"]], "walk_ins": [{"name": "路过的李阿姨"}]})
    assert [m["method"] for m in marked["items"]] == ["staff", "staff", "walk_in"]
    attended = _events(training, "session_attended", checked["id"])
    assert attended == [("xiangyang", attended[0][1])] and attended[0][1]["course_kind"] == "certificate"

    # the examiner enters scores; closing decides completion and issues the certificate
    api.call("college_staff", "POST", f"/sessions/{session['id']}/close", 409)  # scores missing
    api.call("courier_a", "PUT", f"/enrolments/{courier_a['id']}/exam-score", 403, json={"score": 100})
    api.call("college_staff", "PUT", f"/enrolments/{courier_a['id']}/exam-score", 200, json={"score": 88})
    api.call("college_staff", "PUT", f"/enrolments/{courier_b['id']}/exam-score", 200, json={"score": 45})
    closed = api.call("college_staff", "POST", f"/sessions/{session['id']}/close", 200)
    outcomes = {r["enrolment_id"]: r for r in closed["results"]}
    assert outcomes[courier_a["id"]]["outcome"] == "completed" and outcomes[courier_a["id"]]["attendance_share"] == 1.0
    assert outcomes[courier_b["id"]]["reasons"] == ["exam_below_pass_mark"]
    assert closed["certificates_issued"] == 1

    [certificate] = api.call("courier_a", "GET", "/certificates", 200)["items"]
    assert certificate["holder_name"] == "王师傅" and certificate["tenant_id"] == COLLEGE
    assert api.call("courier_b", "GET", "/certificates", 200)["items"] == []
    api.call("courier_b", "GET", f"/certificates/{certificate['id']}", 404)
    [(tenant, issued)] = _events(training, "certificate_issued", certificate["id"])
    assert tenant == "xiangyang" and issued["code"] == certificate["code"] and issued["skill"] == "快递"
    assert set(issued) >= {"certificate_id", "user_id", "course_id", "certificate_name", "issued_at", "expires_at"}

    pdf = api.call("courier_a", "GET", f"/certificates/{certificate['id']}/pdf", 200)
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    # anyone may verify the printed code without signing in, and learns only a masked name
    verify_url = training.url(f"/api/v1/training/certificates/verify/{certificate['code'].lower()}")
    shown = requests.get(verify_url, timeout=10)
    assert shown.status_code == 200, shown.text
    assert shown.json()["status"] == "valid" and shown.json()["holder"] == "王**"
    assert set(shown.json()) == {"code", "status", "holder", "certificate_name", "course_title", "issued_on",
                                 "expires_on", "revoked", "revoked_on", "revoked_reason"}
    typo = certificate["code"][:-1] + ("0" if certificate["code"][-1] != "0" else "1")
    assert requests.get(training.url(f"/api/v1/training/certificates/verify/{typo}"), timeout=10).status_code == 422

    # only the issuing college revokes; the public page says so with the reason
    api.call("staff_a", "POST", f"/certificates/{certificate['id']}/revoke", 403, json={"reason": "社区无权"})
    api.call("college_staff", "POST", f"/certificates/{certificate['id']}/revoke", 200,
             json={"reason": "考试违规 / Exam misconduct"})
    api.call("college_staff", "POST", f"/certificates/{certificate['id']}/revoke", 409, json={"reason": "again"})
    shown = requests.get(verify_url, timeout=10).json()
    assert shown["status"] == "revoked" and shown["revoked_reason"] == "考试违规 / Exam misconduct"
    assert [t for t, _ in _events(training, "certificate_revoked", certificate["id"])] == ["xiangyang"]


def test_a_guardian_enrols_a_child_in_the_couriers_summer_camp(api):
    camp = api.course("staff_a", kind="children_camp", title="杭小蜂夏令营 / Little Bee summer camp",
                      category_id=None, min_age=6, max_age=12, target_groups=["courier"])
    session = api.session(camp, who="staff_a", capacity=30)
    child = api.call("courier_a", "POST", f"/sessions/{session['id']}/enrolments", 201,
                     json={"groups": ["courier"], "child": {"name": "王小蜂", "age": 8}})
    assert child["user_id"] is None and child["participant_name"] == "王小蜂"
    assert child["guardian_user_id"] == api.platform.people["courier_a"].user_id
    too_old = api.call("courier_a2", "POST", f"/sessions/{session['id']}/enrolments", 422,
                       json={"groups": ["courier"], "child": {"name": "李大宝", "age": 15}})
    assert "child" in too_old["errors"]
    mine = {e["id"]: e for e in api.call("courier_a", "GET", "/enrolments", 200)["items"]}
    assert mine[child["id"]]["child_age"] == 8  # the guardian's list holds the child's place
    # the camp is xiangyang's own: another community does not see it
    api.call("courier_b", "GET", f"/sessions/{session['id']}", 404)


def test_a_mentor_sees_only_their_own_sessions_participants_and_their_anonymous_ratings(api, training):
    mentor = api.call("college_staff", "POST", "/mentors", 201, json={
        "user_id": training.people["mentor"].user_id, "display_name": "陈大师",
        "title": "全国技术能手 / National technical expert", "organisation": "杭州职业技术学院",
        "specialties": ["中式面点"]})
    assert mentor["id"] in {m["id"] for m in api.every("courier_b", "/mentors")}
    course = api.course(audience={"tenants": ["dongxin"]}, title="中式面点大师课 / Pastry master class",
                        category_id="pastry", format="master_class")
    theirs = api.session(course, mentor_id=mentor["id"])
    other = api.session(course)
    place = api.enrol("courier_b", theirs)
    api.call("mentor", "GET", f"/sessions/{theirs['id']}/enrolments", 200)
    api.call("mentor", "GET", f"/sessions/{other['id']}/enrolments", 403)
    api.call("mentor", "POST", f"/meetings/{theirs['meetings'][0]['id']}/attendance", 201,
             json={"present": [place["id"]]})
    api.call("courier_b", "POST", f"/sessions/{theirs['id']}/ratings", 201, json={"stars": 5, "comment": "手把手教"})
    assert api.call("courier_b", "POST", f"/sessions/{theirs['id']}/ratings", 409, json={"stars": 1})["rating_id"]
    api.call("courier_b", "POST", f"/sessions/{theirs['id']}/ratings", 422, json={"stars": 9})
    ratings = api.call("mentor", "GET", "/mentors/me/ratings", 200)
    assert ratings["count"] == 1 and ratings["average"] == 5.0 and ratings["items"][0]["comment"] == "手把手教"
    assert "user_id" not in ratings["items"][0]


def test_figures_for_a_tenants_staff_and_across_tenants_for_the_operator_only(api):
    course = api.course("staff_b", kind="first_aid", title="急救培训 / First aid", category_id=None)
    session = api.session(course, who="staff_b", capacity=3)
    place = api.enrol("courier_b", session)
    api.call("staff_b", "POST", f"/meetings/{session['meetings'][0]['id']}/attendance", 201,
             json={"present": [place["id"]]})
    mine = api.call("staff_b", "GET", "/figures", 200)
    assert mine["tenant_id"] == "dongxin" and mine["sessions_held"] >= 1 and mine["enrolments"] >= 1
    assert any(k["kind"] == "first_aid" and k["enrolments"] >= 1 for k in mine["by_kind"])
    api.call("courier_b", "GET", "/figures", 403)
    api.call("staff_b", "GET", "/figures/all-tenants", 403)
    everyone = api.call("operator", "GET", "/figures/all-tenants", 200)
    assert {"dongxin", COLLEGE} <= {t["tenant_id"] for t in everyone["tenants"]}
    assert everyone["total"]["enrolments"] == sum(t["enrolments"] for t in everyone["tenants"])


def test_the_verification_page_needs_no_login_but_everything_else_does(training):
    assert requests.get(training.url("/api/v1/training/courses"), timeout=10).status_code == 401
    unknown = requests.get(training.url("/api/v1/training/certificates/verify/FC-0000-0000-0000-0"), timeout=10)
    assert unknown.status_code == 404 and unknown.headers["Content-Type"] == "application/problem+json"
    assert "errors" not in unknown.json()
