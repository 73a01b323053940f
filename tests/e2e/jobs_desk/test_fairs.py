"""Doorstep job fairs over HTTP: a fair shared across communities, registration with a QR
check-in code, capacity under concurrency, and the outcome figures."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from services.common.database import make_engine
from tests.e2e.jobs_desk.conftest import CROWD, happening_now

pytestmark = pytest.mark.e2e


def _fair(platform, staff="staff_a", publish=True, **overrides):
    http = platform.session(staff)
    created = http.post(platform.url("/api/v1/jobs/fairs"), json=happening_now(**overrides))
    assert created.status_code == 201, created.text
    fair = created.json()
    if publish:
        published = http.post(platform.url(f"/api/v1/jobs/fairs/{fair['id']}/publish"))
        assert published.status_code == 200, published.text
        fair = published.json()
    return fair


def _outbox(platform, event_type):
    engine = make_engine(platform.infra.owner_url("jobs"), pool_size=1)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT tenant_id, envelope FROM outbox_events WHERE event_type = :t"),
                            {"t": event_type}).all()
    engine.dispose()
    return rows


def test_a_special_fair_for_another_community_is_registered_for_and_checked_in_by_qr(platform, desk_people):
    fair = _fair(platform, audience_tenants=["dongxin"], target_groups=["floating_party_member"],
                 title="流动党员专场招聘会")
    assert fair["status"] == "published" and fair["audience"] == ["dongxin"] and fair["tenant_id"] == "xiangyang"
    url = platform.url(f"/api/v1/jobs/fairs/{fair['id']}")

    # huanqiu is not in the audience: the fair does not exist for it
    mother = platform.session("mother_c")
    assert mother.get(url).status_code == 404
    assert mother.post(url + "/registration").status_code == 404

    courier = platform.session("courier_b")  # dongxin
    assert courier.get(url).json()["title"] == "流动党员专场招聘会"
    registered = courier.post(url + "/registration")
    assert registered.status_code == 201, registered.text
    ticket = registered.json()
    assert ticket["fair_tenant_id"] == "xiangyang" and ticket["resident_tenant_id"] == "dongxin"
    assert len(ticket["code"]) == 19

    svg = courier.get(url + "/registration/qr")
    assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    png = courier.get(url + "/registration/qr", params={"format": "png"})
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    mine = courier.get(platform.url("/api/v1/jobs/fairs/registrations/mine")).json()["items"]
    # (other tests register the same people for fairs of their own)
    this_fair = [(r["fair"]["id"], r["code"]) for r in mine if r["fair"]["id"] == fair["id"]]
    assert this_fair == [(fair["id"], ticket["code"])]

    # staff of the audience community may look, not work the door
    assert platform.session("staff_b").post(url + "/check-ins", json={"code": ticket["code"]}).status_code == 403
    staff = platform.session("staff_a")
    door = staff.get(url + "/registrations")
    assert door.status_code == 200, door.text
    door_list = door.json()["items"]
    assert [r["id"] for r in door_list] == [ticket["id"]] and door_list[0]["code"] is None
    scanned = staff.post(url + "/check-ins", json={"code": ticket["code"].lower()})
    assert scanned.status_code == 201 and scanned.json()["status"] == "checked_in"
    again = staff.post(url + "/check-ins", json={"code": ticket["code"]})
    assert again.status_code == 409 and again.json()["state"] == "checked_in" and again.json()["checked_in_at"]
    assert courier.get(url + "/registration/qr").status_code == 409  # a used ticket shows no code
    walk_in = staff.post(url + "/check-ins", json={"walk_in": True, "resident_tenant_id": "xiangyang"})
    assert walk_in.status_code == 201

    outcome = staff.get(url + "/outcome").json()
    assert outcome["attendees"] == 2 and outcome["walk_ins"] == 1 and outcome["registered"] == 1
    assert outcome["attendees_by_community"] == {"dongxin": 1, "xiangyang": 1}
    assert platform.session("staff_b").get(url + "/outcome").status_code == 403

    held = staff.post(url + "/held")
    assert held.status_code == 200 and held.json()["status"] == "held" and held.json()["outcome"]["attendees"] == 2
    events = [envelope for tenant, envelope in _outbox(platform, "fair_held") if envelope["subject"] == fair["id"]]
    assert len(events) == 1 and events[0]["tenantid"] == "xiangyang"
    assert events[0]["data"]["attendees"] == 2 and events[0]["data"]["audience"] == ["dongxin"]
    assert staff.post(url + "/held").status_code == 409
    assert courier.post(url + "/registration").status_code == 409


def test_registrations_racing_for_the_last_places_never_exceed_the_capacity(platform, desk_people):
    fair = _fair(platform, audience_everyone=True, capacity=3)
    url = platform.url(f"/api/v1/jobs/fairs/{fair['id']}/registration")
    sessions = [platform.session(f"crowd_{i}") for i in range(CROWD)]  # residents of dongxin and huanqiu

    with ThreadPoolExecutor(CROWD) as pool:
        answers = list(pool.map(lambda http: http.post(url), sessions))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 3 + [409] * (CROWD - 3), [a.text for a in answers]
    refused = [a.json() for a in answers if a.status_code == 409]
    assert all(r["capacity"] == 3 and r["registered"] == 3 for r in refused)
    door = platform.session("staff_a").get(platform.url(f"/api/v1/jobs/fairs/{fair['id']}/registrations"))
    assert len(door.json()["items"]) == 3

    # a place given back is a place another can take
    winner = next(s for s, a in zip(sessions, answers, strict=True) if a.status_code == 201)
    loser = next(s for s, a in zip(sessions, answers, strict=True) if a.status_code == 409)
    assert winner.delete(url).json()["status"] == "cancelled"
    assert loser.post(url).status_code == 201


def test_a_retried_registration_with_the_same_idempotency_key_takes_one_place(platform, desk_people):
    fair = _fair(platform, audience_tenants=["huanqiu"])
    url = platform.url(f"/api/v1/jobs/fairs/{fair['id']}/registration")
    http, key = platform.session("mother_c"), str(uuid.uuid4())
    first = http.post(url, headers={"Idempotency-Key": key})
    second = http.post(url, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert http.post(url).status_code == 409  # without the key it is a second attempt, refused


def test_drafts_are_private_and_cancelling_a_fair_closes_registration(platform, desk_people):
    draft = _fair(platform, publish=False, audience_everyone=True)
    url = platform.url(f"/api/v1/jobs/fairs/{draft['id']}")
    assert platform.session("courier_b").get(url).status_code == 404
    assert platform.session("courier_a").get(url).status_code == 200  # own tenant sees its drafts listed
    listed = platform.session("courier_b").get(platform.url("/api/v1/jobs/fairs"), params={"when": "all"}).json()
    assert draft["id"] not in {f["id"] for f in listed["items"]}
    assert platform.session("courier_a").post(url + "/publish").status_code == 403
    cancelled = platform.session("staff_a").post(url + "/cancel", json={"reason": "台风预警，改期举办"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert platform.session("staff_a").post(url + "/publish").json()["state"] == "cancelled"


def test_bad_fair_input_names_each_field(platform, desk_people):
    http = platform.session("staff_b")
    response = http.post(platform.url("/api/v1/jobs/fairs"), json={
        "title": "", "kind": "rooftop", "starts_at": "tomorrow", "capacity": 0, "target_groups": ["astronaut"]})
    assert response.status_code == 422
    assert {"title", "kind", "starts_at", "ends_at", "capacity", "target_groups"} <= set(response.json()["errors"])
    no_venue = http.post(platform.url("/api/v1/jobs/fairs"), json=happening_now(venue=None))
    assert no_venue.status_code == 422 and "venue" in no_venue.json()["errors"]
    fair = _fair(platform, staff="staff_b")
    bad_code = http.post(platform.url(f"/api/v1/jobs/fairs/{fair['id']}/check-ins"), json={"code": "ABCD-EFGH"})
    assert bad_code.status_code == 422 and "code" in bad_code.json()["errors"]


def test_an_employer_brings_a_shared_post_and_applications_from_another_community_count_for_the_fair(
        platform, desk_people):
    staff = platform.session("staff_a")
    employer = staff.post(platform.url("/api/v1/jobs/employers"), json={"name": "顺丰速运康桥站"})
    assert employer.status_code == 201, employer.text
    employer_id = employer.json()["id"]
    verified = staff.post(platform.url(f"/api/v1/jobs/employers/{employer_id}/decision"), json={"status": "verified"})
    assert verified.status_code == 200, verified.text
    post = staff.post(platform.url("/api/v1/jobs/posts"), json={
        "employer_id": employer_id, "title": "快递分拣员", "job_type": "part_time", "pay_amount": 25,
        "pay_period": "hour", "headcount": 3, "visibility": {"scope": "all", "tenants": []}})
    assert post.status_code == 201, post.text
    post_id = post.json()["id"]
    assert staff.post(platform.url(f"/api/v1/jobs/posts/{post_id}/open")).status_code == 200

    fair = _fair(platform, audience_everyone=True)
    url = platform.url(f"/api/v1/jobs/fairs/{fair['id']}")
    booth = staff.post(url + "/booths", json={"employer_id": employer_id, "post_ids": [post_id], "booth": "A-1"})
    assert booth.status_code == 201 and booth.json()["employer_name"] == "顺丰速运康桥站"
    seen_from_dongxin = platform.session("courier_b").get(url).json()
    assert [b["employer_name"] for b in seen_from_dongxin["booths"]] == ["顺丰速运康桥站"]

    http = platform.session("crowd_1")  # a resident of dongxin applies at the xiangyang fair
    profile = http.post(platform.url("/api/v1/jobs/workers"), json={
        "display_name": "居民1", "phone": platform.people["crowd_1"].phone, "consent_recommendations": True})
    assert profile.status_code == 201, profile.text
    applied = http.post(platform.url("/api/v1/jobs/applications"), json={"post_id": post_id, "fair_id": fair["id"]})
    assert applied.status_code == 201, applied.text
    outcome = staff.get(url + "/outcome").json()
    assert outcome["applications"] == 1 and outcome["employers"] == 1 and outcome["posts"] == 1
