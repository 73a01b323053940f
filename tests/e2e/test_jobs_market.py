"""The gig market over HTTP with every process running: an alliance employer in a
partner tenant posts to two of three communities; residents get recommendations,
apply, get hired, and report on their wages."""

import json
import time
import uuid

import pytest
from kombu import Connection, Exchange, Producer

from services.common.envelope import make_envelope

pytestmark = pytest.mark.e2e

HOSPITAL = "hospital"


@pytest.fixture(scope="module")
def market(platform):
    add = platform.add_person
    add("market_hosp_staff", phone="13700000101", name="何主任", tenant_id=HOSPITAL, roles=("staff",))
    add("market_hosp_hr", phone="13700000102", name="人事小林", tenant_id=HOSPITAL, roles=("employer",))
    add("market_other_hr", phone="13700000103", name="人事小马", tenant_id=HOSPITAL, roles=("employer",))
    add("market_xy_courier", phone="13700000104", name="孙师傅", tenant_id="xiangyang", roles=("resident",))
    add("market_dx_mother", phone="13700000105", name="周女士", tenant_id="dongxin", roles=("resident",))
    add("market_hq_veteran", phone="13700000106", name="吴师傅", tenant_id="huanqiu", roles=("resident",))
    add("market_xy_staff", phone="13700000107", name="郑主任", tenant_id="xiangyang", roles=("staff",))
    add("market_dx_staff", phone="13700000108", name="邓主任", tenant_id="dongxin", roles=("staff",))
    staff, hr = platform.session("market_hosp_staff"), platform.session("market_hosp_hr")

    employer = staff.post(platform.url("/api/v1/jobs/employers"), json={
        "name": "区中医院后勤部", "industrial_park": "康桥工业园",
        "member_user_ids": [platform.people["market_hosp_hr"].user_id]})
    assert employer.status_code == 201, employer.text
    other = staff.post(platform.url("/api/v1/jobs/employers"), json={
        "name": "某保洁公司", "member_user_ids": [platform.people["market_other_hr"].user_id]})
    employer_id = employer.json()["id"]
    post_body = {
        "employer_id": employer_id, "title": "护工助理 (白班)", "job_type": "part_time", "pay_amount": 25,
        "pay_period": "hour", "headcount": 1, "required_skills": ["养老护理"], "preferred_skills": ["急救"],
        "shifts": [{"weekday": d, "start": "09:00", "end": "14:00"} for d in range(1, 6)],
        "area": "康桥", "lat": 30.335, "lng": 120.155, "target_groups": ["full_time_mother"],
        "benefits": ["meals", "insurance"], "wage_follow_up_days": 0,
        "visibility": {"scope": "tenants", "tenants": ["xiangyang", "dongxin"]},
    }
    draft = hr.post(platform.url("/api/v1/jobs/posts"), json=post_body)
    assert draft.status_code == 201, draft.text
    post_id = draft.json()["id"]
    refused = hr.post(platform.url(f"/api/v1/jobs/posts/{post_id}/open"))
    verified = staff.post(platform.url(f"/api/v1/jobs/employers/{employer_id}/decision"), json={"status": "verified"})
    opened = hr.post(platform.url(f"/api/v1/jobs/posts/{post_id}/open"))
    assert verified.status_code == 200 and opened.status_code == 200, opened.text

    for key, tenant_skills in (("market_xy_courier", ["养老护理", "急救"]), ("market_dx_mother", ["养老护理"]),
                               ("market_hq_veteran", ["养老护理", "急救"])):
        person = platform.people[key]
        profile = platform.session(key).post(platform.url("/api/v1/jobs/workers"), json={
            "display_name": "测试", "phone": person.phone, "skills": tenant_skills, "home_lat": 30.33,
            "home_lng": 120.15, "commute_radius_km": 5, "expected_daily_pay": 150,
            "availability": [{"weekday": d, "start": "08:30", "end": "15:00"} for d in range(1, 6)],
            "groups": ["full_time_mother"] if key == "market_dx_mother" else [], "consent_recommendations": True})
        assert profile.status_code == 201, profile.text
    return {"employer_id": employer_id, "other_employer_id": other.json()["id"], "post_id": post_id,
            "refused_open": refused}


def test_an_unverified_employers_post_cannot_open(market):
    assert market["refused_open"].status_code == 409
    assert market["refused_open"].json()["employer_status"] == "pending"


def test_the_post_is_visible_in_the_two_communities_it_names_and_not_the_third(platform, market):
    url = platform.url(f"/api/v1/jobs/posts/{market['post_id']}")
    assert platform.session("market_xy_courier").get(url).status_code == 200
    assert platform.session("market_dx_mother").get(url).status_code == 200
    assert platform.session("market_hq_veteran").get(url).status_code == 404
    listed = platform.session("market_hq_veteran").get(platform.url("/api/v1/jobs/posts")).json()["items"]
    assert market["post_id"] not in {p["id"] for p in listed}


def test_a_community_cannot_change_a_post_shared_with_it(platform, market):
    response = platform.session("market_xy_staff").patch(platform.url(f"/api/v1/jobs/posts/{market['post_id']}"),
                                                  json={"description": "改了"})
    assert response.status_code == 403


def test_recommendations_rank_the_post_with_reasons_for_those_who_can_see_it(platform, market):
    # the index of another process may need its refresh tick
    deadline = time.monotonic() + 5
    while True:
        got = platform.session("market_dx_mother").get(platform.url("/api/v1/jobs/recommendations")).json()
        if got["items"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    top = got["items"][0]
    assert top["post"]["id"] == market["post_id"]
    parts = {p["part"]: p for p in top["explanation"]}
    assert parts["skills"]["matched"] == ["elderly_care"]
    assert parts["groups"]["score"] == 1.0 and parts["schedule"]["score"] == 1.0
    assert 0 < top["distance_km"] < 1
    hidden = platform.session("market_hq_veteran").get(platform.url("/api/v1/jobs/recommendations")).json()
    assert market["post_id"] not in {i["post"]["id"] for i in hidden["items"]}
    filtered = platform.session("market_dx_mother").get(platform.url("/api/v1/jobs/recommendations"),
                                                 params={"job_type": "full_time"}).json()
    assert market["post_id"] not in {i["post"]["id"] for i in filtered["items"]}


def test_the_employer_sees_ranked_consenting_candidates_from_the_named_communities(platform, market):
    got = platform.session("market_hosp_hr").get(platform.url(f"/api/v1/jobs/posts/{market['post_id']}/candidates"))
    assert got.status_code == 200, got.text
    tenants = {c["worker_tenant_id"] for c in got.json()["items"]}
    assert "huanqiu" not in tenants and tenants <= {"xiangyang", "dongxin"}
    assert all("*" in c["display_name"] for c in got.json()["items"])
    assert platform.session("market_xy_courier").get(
        platform.url(f"/api/v1/jobs/posts/{market['post_id']}/candidates")).status_code == 403


def test_apply_hire_and_report_unpaid_wages_end_to_end(platform, market):
    courier, mother = platform.session("market_xy_courier"), platform.session("market_dx_mother")
    hr = platform.session("market_hosp_hr")
    key = str(uuid.uuid4())
    applied = courier.post(platform.url("/api/v1/jobs/applications"), json={"post_id": market["post_id"]},
                           headers={"Idempotency-Key": key})
    assert applied.status_code == 201, applied.text
    application = applied.json()
    assert application["tenant_id"] == HOSPITAL and application["applicant_tenant_id"] == "xiangyang"
    replay = courier.post(platform.url("/api/v1/jobs/applications"), json={"post_id": market["post_id"]},
                          headers={"Idempotency-Key": key})
    assert replay.headers.get("Idempotent-Replayed") == "true" and replay.json()["id"] == application["id"]
    again = courier.post(platform.url("/api/v1/jobs/applications"), json={"post_id": market["post_id"]})
    assert again.status_code == 409 and again.json()["application_id"] == application["id"]
    assert platform.session("market_hq_veteran").post(platform.url("/api/v1/jobs/applications"),
                                               json={"post_id": market["post_id"]}).status_code == 404
    second = mother.post(platform.url("/api/v1/jobs/applications"), json={"post_id": market["post_id"]})
    assert second.status_code == 201

    seen = hr.get(platform.url("/api/v1/jobs/applications"), params={"post_id": market["post_id"]}).json()["items"]
    assert {a["id"] for a in seen} == {application["id"], second.json()["id"]}
    assert all("****" in a["applicant"]["phone"] for a in seen)
    assert platform.session("market_other_hr").get(platform.url("/api/v1/jobs/applications")).json()["items"] == []
    assert platform.session("market_other_hr").get(
        platform.url(f"/api/v1/jobs/applications/{application['id']}")).status_code == 404
    # each resident sees only their own
    assert [a["id"] for a in mother.get(platform.url("/api/v1/jobs/applications")).json()["items"]] == \
        [second.json()["id"]]

    move = platform.url(f"/api/v1/jobs/applications/{application['id']}/transitions")
    assert courier.post(move, json={"status": "shortlisted"}).status_code == 403
    for status in ("shortlisted", "interview", "offered", "hired"):
        response = hr.post(move, json={"status": status})
        assert response.status_code == 200, response.text
    hired = response.json()
    assert [h["to_status"] for h in hired["history"]] == ["applied", "shortlisted", "interview", "offered", "hired"]
    assert hired["applicant"]["phone"] == platform.people["market_xy_courier"].phone
    withdraw = courier.post(move, json={"status": "withdrawn"})
    assert withdraw.status_code == 409 and withdraw.json()["current_status"] == "hired"

    post = hr.get(platform.url(f"/api/v1/jobs/posts/{market['post_id']}")).json()
    assert (post["hired_count"], post["status"]) == (1, "filled")
    too_late = hr.post(platform.url(f"/api/v1/jobs/applications/{second.json()['id']}/transitions"),
                       json={"status": "shortlisted"})
    assert too_late.status_code == 200  # the pipeline goes on; hiring a second would exceed headcount
    for status in ("offered",):
        hr.post(platform.url(f"/api/v1/jobs/applications/{second.json()['id']}/transitions"), json={"status": status})
    over = hr.post(platform.url(f"/api/v1/jobs/applications/{second.json()['id']}/transitions"),
                   json={"status": "hired"})
    assert over.status_code == 409 and over.json()["post_status"] == "filled"

    placements = courier.get(platform.url("/api/v1/jobs/placements")).json()["items"]
    assert len(placements) == 1 and placements[0]["worker_tenant_id"] == "xiangyang"
    wages = courier.post(platform.url(f"/api/v1/jobs/placements/{placements[0]['id']}/wages"),
                         json={"wages_paid": False, "note": "两周没发工资"})
    assert wages.status_code == 200, wages.text
    assert wages.json()["wages_paid"] is False and wages.json()["case_id"]
    retried = courier.post(platform.url(f"/api/v1/jobs/placements/{placements[0]['id']}/wages"),
                           json={"wages_paid": False})
    assert retried.json()["case_id"] == wages.json()["case_id"]

    # the courier's community staff are told a case is waiting (once, without who or what happened);
    # another community's staff and the courier are not
    notices_url = platform.url("/api/v1/jobs/rights-cases/notices")
    xy_staff = platform.session("market_xy_staff")
    notices = xy_staff.get(notices_url).json()
    mine = [n for n in notices["items"] if n["case_id"] == wages.json()["case_id"]]
    assert len(mine) == 1 and notices["waiting"] >= 1
    assert (mine[0]["category"], mine[0]["source"], mine[0]["suggested_desk_role"]) == \
        ("wage_arrears", "placement_follow_up", "labour_inspector")
    assert "summary" not in mine[0] and "person_user_id" not in mine[0]
    assert wages.json()["case_id"] not in {n["case_id"] for n in
                                           platform.session("market_dx_staff").get(notices_url).json()["items"]}
    assert wages.json()["case_id"] not in {  # nor the employer's tenant, where the placement lives
        n["case_id"] for n in platform.session("market_hosp_staff").get(notices_url).json()["items"]}
    assert courier.get(notices_url).status_code == 403
    seen = xy_staff.post(platform.url(f"/api/v1/jobs/rights-cases/notices/{mine[0]['id']}/acknowledge"))
    assert seen.status_code == 200 and seen.json()["acknowledged_by"] == platform.people["market_xy_staff"].user_id
    assert mine[0]["id"] not in {n["id"] for n in xy_staff.get(notices_url).json()["items"]}
    everything = xy_staff.get(notices_url, params={"unacknowledged_only": "false"}).json()["items"]
    assert mine[0]["id"] in {n["id"] for n in everything}
    assert platform.session("market_dx_staff").post(
        platform.url(f"/api/v1/jobs/rights-cases/notices/{mine[0]['id']}/acknowledge")).status_code == 404
    employer = platform.session("market_hosp_staff").get(
        platform.url(f"/api/v1/jobs/employers/{market['employer_id']}"))
    assert employer.json()["wages_unpaid_reports"] == 1 and employer.json()["reliability"] < 0.5

    # the resident's community staff follow their residents' applications
    staff_view = platform.session("market_xy_staff").get(platform.url("/api/v1/jobs/applications")).json()["items"]
    assert application["id"] in {a["id"] for a in staff_view}


def test_bad_post_input_names_the_fields(platform, market):
    response = platform.session("market_hosp_hr").post(platform.url("/api/v1/jobs/posts"), json={
        "employer_id": market["employer_id"], "title": "", "job_type": "astronaut", "pay_amount": -1,
        "pay_period": "week", "visibility": {"scope": "tenants"}})
    assert response.status_code == 422
    assert {"title", "job_type", "pay_amount", "pay_period", "visibility"} <= set(response.json()["errors"])


def test_a_certificate_issued_by_training_lands_on_the_profile_once_even_if_delivered_twice(platform, market):
    person = platform.people["market_xy_courier"]
    envelope = make_envelope(service="training", event="certificate_issued", tenant_id="xiangyang", data={
        "certificate_id": str(uuid.uuid4()), "user_id": person.user_id, "course_id": "c1",
        "certificate_name": "急救员证 / First-aid certificate", "skill": "急救", "code": "FA-2026-0001",
        "issued_at": "2026-11-20T08:00:00Z", "expires_at": None})
    exchange = Exchange("training.events", type="topic", durable=True)
    with Connection(platform.infra.amqp_uri) as conn:
        producer = Producer(conn.channel())
        for _ in range(2):
            producer.publish(json.loads(json.dumps(envelope)), exchange=exchange, routing_key="certificate_issued",
                             headers={"nameko.tenant_id": "xiangyang"}, serializer="json", declare=[exchange])
    courier = platform.session("market_xy_courier")
    worker_id = courier.get(platform.url("/api/v1/jobs/workers")).json()["items"][0]["id"]
    deadline = time.monotonic() + 30  # generous: the whole suite shares two cores
    while time.monotonic() < deadline:
        items = courier.get(platform.url(f"/api/v1/jobs/workers/{worker_id}/certificates")).json()["items"]
        if items:
            break
        time.sleep(0.2)
    time.sleep(1)  # give the second delivery its chance to (wrongly) add another
    items = courier.get(platform.url(f"/api/v1/jobs/workers/{worker_id}/certificates")).json()["items"]
    assert [(c["name"], c["skill"], c["source"], c["valid"]) for c in items] == [
        ("急救员证 / First-aid certificate", "first_aid", "training", True)]
