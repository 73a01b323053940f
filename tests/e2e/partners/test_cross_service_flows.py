"""The four services as one platform, over HTTP with every process running: a certificate issued in
training lands on the worker's profile in jobs and changes their recommendations; first-aid attendance
recorded in training awards points in the learner's own community (and that community's partner hears of
it by webhook); a vanguard duty completed in governance awards points."""

import time
import uuid
from datetime import datetime

import pytest

from tests.e2e.governance.conftest import Gov, ok
from tests.e2e.partners.conftest import issue_key, key_session, new_phone, wait_until
from tests.e2e.training.conftest import Api, training  # noqa: F401 (the college fixture)

pytestmark = pytest.mark.e2e

HOSPITAL = "hospital"


def _ok(response, status=200):
    assert response.status_code == status, f"{response.request.method} {response.url}: {response.text}"
    return response.json()


def _first_aid_post(platform):
    """A hospital post open to xiangyang and dongxin that wants a valid first-aid certificate."""
    tag = uuid.uuid4().hex[:6]
    platform.add_person(f"flow-hstaff-{tag}", phone=new_phone(), name="何主任", tenant_id=HOSPITAL, roles=("staff",))
    hr = platform.add_person(f"flow-hr-{tag}", phone=new_phone(), name="人事小林", tenant_id=HOSPITAL,
                             roles=("employer",))
    staff, hr_http = platform.session(f"flow-hstaff-{tag}"), platform.session(hr.key)
    employer = _ok(staff.post(platform.url("/api/v1/jobs/employers"), json={
        "name": f"区中医院急诊科 {tag}", "member_user_ids": [hr.user_id]}), 201)
    _ok(staff.post(platform.url(f"/api/v1/jobs/employers/{employer['id']}/decision"), json={"status": "verified"}))
    post = _ok(hr_http.post(platform.url("/api/v1/jobs/posts"), json={
        "employer_id": employer["id"], "title": f"急救站值守员 {tag}", "job_type": "part_time", "pay_amount": 30,
        "pay_period": "hour", "headcount": 2, "required_skills": ["急救"], "required_certificates": ["急救"],
        "shifts": [{"weekday": d, "start": "09:00", "end": "14:00"} for d in range(1, 6)],
        "area": "康桥", "lat": 30.335, "lng": 120.155, "wage_follow_up_days": 0,
        "visibility": {"scope": "tenants", "tenants": ["xiangyang", "dongxin"]}}), 201)
    _ok(hr_http.post(platform.url(f"/api/v1/jobs/posts/{post['id']}/open")))
    return post


def _recommendation(platform, person_key, post_id):
    found = {}

    def look():
        items = _ok(platform.session(person_key).get(platform.url("/api/v1/jobs/recommendations")))["items"]
        found.update({i["post"]["id"]: i for i in items})
        return found.get(post_id)

    return wait_until(look, timeout=15)


def test_a_certificate_issued_in_training_lands_on_the_profile_and_lifts_the_recommendation(training):  # noqa: F811
    platform, api = training, Api(training)
    post = _first_aid_post(platform)
    courier = platform.add_person(f"flow-courier-{uuid.uuid4().hex[:6]}", phone=new_phone(), name="王师傅",
                                  tenant_id="xiangyang", roles=("resident",))
    profile = _ok(platform.session(courier.key).post(platform.url("/api/v1/jobs/workers"), json={
        "display_name": "王师傅", "phone": courier.phone, "skills": ["急救"], "home_lat": 30.33, "home_lng": 120.15,
        "commute_radius_km": 5, "availability": [{"weekday": d, "start": "08:30", "end": "15:00"} for d in range(1, 6)],
        "consent_recommendations": True}), 201)
    before = _recommendation(platform, courier.key, post["id"])
    assert before is not None
    certificates_before = {p["part"]: p for p in before["explanation"]}["certificates"]
    assert certificates_before["matched"] == []

    # the college's first-aid certificate course, open to xiangyang and dongxin
    course = api.course(audience={"tenants": ["xiangyang", "dongxin"]}, kind="certificate",
                        title="急救员培训 / First-aid certificate course", category_id="elder_care",
                        pass_mark=60, certificate_name="急救员证 / First-aid certificate", skill="急救",
                        certificate_valid_months=24, min_attendance_share=0.5)
    session = api.session(course, capacity=5)
    enrolment = api.enrol(courier.key, session)
    api.call("college_staff", "POST", f"/meetings/{session['meetings'][0]['id']}/attendance", 201,
             json={"present": [enrolment["id"]]})
    api.call("college_staff", "PUT", f"/enrolments/{enrolment['id']}/exam-score", 200, json={"score": 90})
    closed = api.call("college_staff", "POST", f"/sessions/{session['id']}/close", 200)
    assert closed["certificates_issued"] == 1

    # jobs heard certificate_issued: the profile shows it and the post now matches on certificates
    def certificates():
        return _ok(platform.session(courier.key).get(
            platform.url(f"/api/v1/jobs/workers/{profile['id']}/certificates")))["items"]

    held = wait_until(certificates, timeout=20)
    assert [(c["skill"], c["source"], c["valid"]) for c in held] == [("first_aid", "training", True)]

    def lifted():
        found = _recommendation(platform, courier.key, post["id"])
        parts = {p["part"]: p for p in found["explanation"]}
        return found if parts["certificates"]["matched"] == ["first_aid"] else None

    after = wait_until(lifted, timeout=20)
    assert after is not None and after["score"] > before["score"]


def test_first_aid_attendance_in_training_awards_points_in_the_learners_community(training, webhooks,  # noqa: F811
                                                                                  receiver):
    platform, api = training, Api(training)
    course = api.course(audience={"tenants": ["xiangyang", "dongxin"]}, kind="first_aid",
                        title="社区急救培训 / Community first aid", category_id="elder_care", min_attendance_share=0.5)
    rule = _ok(platform.session("staff_a").post(platform.url("/api/v1/points/rules"), json={
        "name": "急救培训 / First-aid training", "category": "first_aid", "event_type": "training.session_attended",
        "match": {"course_id": course["id"]}, "points": 15}), 201)
    assert rule["tenant_id"] == "xiangyang"
    partner_key = issue_key(platform, "xiangyang")
    heard, url = receiver()
    subscription = _ok(key_session(partner_key).post(platform.url("/api/v1/partners/webhooks"), json={
        "url": url, "event_types": ["cn.fengchao.points.points_awarded"]}), 201)
    heard.secret = subscription["secret"]

    tag = uuid.uuid4().hex[:6]
    resident = platform.add_person(f"flow-xy-{tag}", phone=new_phone(), name="李阿姨", tenant_id="xiangyang",
                                   roles=("resident",))
    visitor = platform.add_person(f"flow-dx-{tag}", phone=new_phone(), name="赵师傅", tenant_id="dongxin",
                                  roles=("resident",))
    session = api.session(course, capacity=5)
    enrolments = [api.enrol(p.key, session) for p in (resident, visitor)]
    meeting = session["meetings"][0]["id"]
    api.call("college_staff", "POST", f"/meetings/{meeting}/attendance", 201,
             json={"present": [e["id"] for e in enrolments]})
    api.call("college_staff", "POST", f"/meetings/{meeting}/attendance", 201,  # marked again: nothing more
             json={"present": [enrolments[0]["id"]]})

    def balance(person):
        return _ok(platform.session(person.key).get(platform.url("/api/v1/points/me")))["available"]

    assert wait_until(lambda: balance(resident) == 15, timeout=20)
    time.sleep(1.0)  # any second award would have landed by now
    assert balance(resident) == 15 and balance(visitor) == 0  # dongxin has no such rule
    # xiangyang's partner hears of the award by webhook; the event carries ids, not names
    awarded = wait_until(lambda: [e for e in heard.events if e["data"]["user_id"] == resident.user_id], timeout=20)
    assert len(awarded) == 1 and awarded[0]["tenantid"] == "xiangyang" and awarded[0]["data"]["amount"] == 15
    assert "李阿姨" not in str(awarded[0])


def test_a_completed_vanguard_duty_in_governance_awards_points_once(platform):
    from tests.e2e.governance.test_community_over_http import LOCAL, _next_minute_slot

    tag = uuid.uuid4().hex[:6]
    staff = Gov(platform, "staff_b")
    branch = ok(staff.post("/branches", {"name": f"快递小哥支部 {tag}", "kind": "occupational"}), 201)
    project = ok(staff.post("/projects", {"title": f"暖蜂驿站保洁 {tag}", "adopter_kind": "party_branch",
                                          "adopter_branch_id": branch["id"]}), 201)
    _ok(platform.session("staff_b").post(platform.url("/api/v1/points/rules"), json={
        "name": "先锋领办值守 / Vanguard duty", "category": "volunteer", "event_type": "governance.duty_completed",
        "match": {"project_id": project["id"]}, "points": 8}), 201)
    starts_at, timing = _next_minute_slot()
    project = ok(staff.post(f"/projects/{project['id']}/duties", {
        "title": "驿站清洁", "volunteers_needed": 2, "weeks_ahead": 1, **timing}), 201)
    slot = project["duties"][0]["slots"][0]
    volunteer = platform.add_person(f"flow-vol-{tag}", phone=new_phone(), name="赵师傅", tenant_id="dongxin",
                                    roles=("resident",))
    signup = ok(Gov(platform, volunteer.key).post(f"/slots/{slot['id']}/signups"), 201)
    assert Gov(platform, "courier_a").post(f"/slots/{slot['id']}/signups").status_code == 404  # another community
    time.sleep(max(0.0, (starts_at - datetime.now(LOCAL)).total_seconds() + 1))
    done = ok(Gov(platform, volunteer.key).post(f"/signups/{signup['id']}/completion", {"photo_ref": "p.jpg"}))
    assert done["status"] == "completed"

    def balance():
        return _ok(platform.session(volunteer.key).get(platform.url("/api/v1/points/me")))["available"]

    assert wait_until(lambda: balance() == 8, timeout=20)
    again = Gov(platform, volunteer.key).post(f"/signups/{signup['id']}/completion", {"photo_ref": "p.jpg"})
    assert again.status_code in (200, 409)
    time.sleep(1.0)
    assert balance() == 8
