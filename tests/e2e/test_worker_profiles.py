"""Worker profiles through the gateway over HTTP, with the services running: the
walking skeleton from HTTP through RabbitMQ RPC to a tenant-scoped database and back."""

import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e

PROFILE = {
    "display_name": "王师傅",
    "phone": "13900000001",
    "skills": ["快递", "电动车驾驶"],
    "availability": [{"weekday": 6, "start": "14:00", "end": "17:00"}],
    "groups": ["courier"],
    "home_area": "向阳新村",
    "commute_radius_km": 8,
    "consent_recommendations": True,
}


@pytest.fixture(scope="module")
def courier_a_profile(platform):
    http = platform.session("courier_a")
    response = http.post(platform.url("/api/v1/jobs/workers"), json=PROFILE)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_courier_registers_reads_and_updates_their_profile(platform, courier_a_profile):
    http = platform.session("courier_a")
    profile = courier_a_profile
    assert profile["tenant_id"] == "xiangyang" and profile["user_id"] == platform.people["courier_a"].user_id
    assert profile["skills"] == ["courier_delivery", "ebike_riding"]  # stored as taxonomy codes

    read = http.get(platform.url(f"/api/v1/jobs/workers/{profile['id']}"))
    assert read.status_code == 200 and read.json()["home_area"] == "向阳新村"

    changed = http.patch(platform.url(f"/api/v1/jobs/workers/{profile['id']}"),
                         json={"expected_daily_pay": 260, "expected_version": read.json()["version"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["expected_daily_pay"] == 260 and changed.json()["version"] == read.json()["version"] + 1

    stale = http.patch(platform.url(f"/api/v1/jobs/workers/{profile['id']}"),
                       json={"expected_daily_pay": 1, "expected_version": read.json()["version"]})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == read.json()["version"] + 1


def test_staff_list_every_profile_of_their_tenant_and_residents_only_their_own(platform, courier_a_profile):
    other = platform.session("courier_a2").post(platform.url("/api/v1/jobs/workers"),
                                                json={**PROFILE, "display_name": "李师傅", "phone": "13900000002"})
    assert other.status_code == 201
    staff_ids = _all_ids(platform.session("staff_a"), platform)
    assert {courier_a_profile["id"], other.json()["id"]} <= staff_ids
    assert _all_ids(platform.session("courier_a"), platform) == {courier_a_profile["id"]}


def _all_ids(http, platform):
    ids, after = set(), None
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        page = http.get(platform.url("/api/v1/jobs/workers"), params=params)
        assert page.status_code == 200, page.text
        ids |= {item["id"] for item in page.json()["items"]}
        after = page.json()["next_cursor"]
        if not after:
            return ids


def test_tenant_b_cannot_read_list_update_or_guess_tenant_a_profiles(platform, courier_a_profile):
    foreign_id = courier_a_profile["id"]
    staff_b = platform.session("staff_b")
    assert staff_b.get(platform.url(f"/api/v1/jobs/workers/{foreign_id}")).status_code == 404
    assert staff_b.patch(platform.url(f"/api/v1/jobs/workers/{foreign_id}"),
                         json={"home_area": "东新园"}).status_code == 404
    assert foreign_id not in _all_ids(staff_b, platform)
    # a guessed id answers exactly like a foreign one: nothing tells them apart
    guessed = staff_b.get(platform.url(f"/api/v1/jobs/workers/{uuid.uuid4()}"))
    foreign = staff_b.get(platform.url(f"/api/v1/jobs/workers/{foreign_id}"))
    assert guessed.status_code == foreign.status_code == 404
    assert guessed.json()["code"] == foreign.json()["code"] == "not_found"
    # and tenant A's profile is unchanged
    assert platform.session("courier_a").get(
        platform.url(f"/api/v1/jobs/workers/{foreign_id}")).json()["home_area"] != "东新园"


def test_naming_another_tenant_in_the_header_or_url_is_forbidden(platform):
    http = platform.session("courier_b")
    assert http.get(platform.url("/api/v1/jobs/workers"), headers={"X-Tenant-ID": "xiangyang"}).status_code == 403
    assert http.get(platform.url("/api/v1/jobs/workers"), headers={"X-Tenant-ID": "dongxin"}).status_code == 200
    assert http.get(platform.url("/api/v1/tenants/xiangyang")).status_code == 403
    own = http.get(platform.url("/api/v1/tenants/dongxin"))
    assert own.status_code == 200 and own.json()["name"] == "东新社区"


def test_bad_input_is_a_problem_document_naming_each_field_and_stores_nothing(platform):
    http = platform.session("mother_c")
    response = http.post(platform.url("/api/v1/jobs/workers"), json={
        "display_name": "", "phone": "12345", "availability": [{"weekday": 8, "start": "9", "end": "15:00"}],
        "groups": ["astronaut"],
    })
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["type"] == "/problems/validation_failed"
    assert {"display_name", "phone", "availability", "groups"} <= set(problem["errors"])
    assert http.get(platform.url("/api/v1/jobs/workers")).json()["items"] == []


@pytest.mark.parametrize("body, content_type", [
    ("{not json", "application/json"),
    ('"a string"', "application/json"),
    ("phone=1", "application/x-www-form-urlencoded"),
])
def test_malformed_bodies_are_client_errors_never_500(platform, body, content_type):
    response = platform.session("mother_c").post(platform.url("/api/v1/jobs/workers"), data=body,
                                                 headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["Content-Type"] == "application/problem+json"


def test_registering_twice_is_a_conflict(platform, courier_a_profile):
    again = platform.session("courier_a").post(platform.url("/api/v1/jobs/workers"), json=PROFILE)
    assert again.status_code == 409 and again.json()["worker_id"] == courier_a_profile["id"]


def test_a_retried_registration_with_the_same_idempotency_key_creates_one_profile(platform):
    http = platform.session("courier_b")
    key = str(uuid.uuid4())
    body = {**PROFILE, "display_name": "赵师傅", "phone": "13900000004"}
    first = http.post(platform.url("/api/v1/jobs/workers"), json=body, headers={"Idempotency-Key": key})
    second = http.post(platform.url("/api/v1/jobs/workers"), json=body, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    reused = http.post(platform.url("/api/v1/jobs/workers"), json={**body, "skills": ["其他"]},
                       headers={"Idempotency-Key": key})
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert len(http.get(platform.url("/api/v1/jobs/workers")).json()["items"]) == 1


def test_requests_without_credentials_are_401(platform):
    response = requests.get(platform.url("/api/v1/jobs/workers"), timeout=10)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
