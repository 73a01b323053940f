"""Couriers have a say, branches and grid, vanguard-led projects with duty slots, and
the public map — over HTTP, with two communities in every test."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.e2e.governance.conftest import API, add, ok

pytestmark = pytest.mark.e2e

LOCAL = timezone(timedelta(hours=8))


def test_an_anonymous_voice_item_hides_its_author_from_residents_and_is_promoted_to_a_topic(
        platform, gov, outbox_rows):
    item = ok(gov("courier_a").post("/voice", {"text": "东门快递车没地方停", "category": "parking",
                                               "location": "向阳新村东门", "anonymous": True}), 201)
    author = platform.people["courier_a"].user_id
    seen_by_neighbour = ok(gov("courier_a2").get(f"/voice/{item['id']}"))
    assert seen_by_neighbour["author_user_id"] is None and seen_by_neighbour["mine"] is False
    listing = ok(gov("courier_a2").get("/voice"))["items"]
    assert item["id"] in {i["id"] for i in listing} and author not in str(listing)
    assert ok(gov("staff_a").get(f"/voice/{item['id']}"))["author_user_id"] == author
    [submitted] = outbox_rows("voice_submitted", subject=item["id"])
    assert submitted["data"]["author_user_id"] is None and author not in str(submitted)

    assert ok(gov("courier_a2").post(f"/voice/{item['id']}/me-too"))["me_too_count"] == 1
    assert gov("courier_a2").post(f"/voice/{item['id']}/me-too").status_code == 409
    assert gov("courier_b").post(f"/voice/{item['id']}/me-too").status_code == 404
    assert gov("staff_b").post(f"/voice/{item['id']}/triage", {"action": "acknowledge"}).status_code == 404

    council = ok(gov("staff_a").post("/councils", {"name": "红茶议事会（停车）", "theme": "停车"}), 201)
    no_reason = gov("staff_a").post(f"/voice/{item['id']}/triage", {"action": "decline"})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"]
    promoted = ok(gov("staff_a").post(f"/voice/{item['id']}/triage", {
        "action": "promote", "council_id": council["id"], "topic_title": "东门快递车停放"}))
    assert promoted["status"] == "promoted" and promoted["first_answered_at"]
    topics = ok(gov("courier_a").get(f"/councils/{council['id']}/topics"))["items"]
    assert [t["source_voice_id"] for t in topics] == [item["id"]]
    assert outbox_rows("voice_answered", subject=item["id"])[0]["data"]["status"] == "promoted"
    stats = ok(gov("staff_a").get("/voice/stats"))
    assert stats["tenant_id"] == "xiangyang" and stats["answered"] >= 1
    assert gov("courier_a").get("/voice/stats").status_code == 403
    assert item["id"] not in {i["id"] for i in ok(gov("courier_b").get("/voice"))["items"]}


def test_branch_and_grid_data_is_seen_only_by_staff_and_the_branchs_own_officers(platform, gov):
    secretary = add(platform, "gov_secretary", "xiangyang", name="快递支部书记")
    staff = gov("staff_a")
    courier_branch = ok(staff.post("/branches", {"name": "快递小哥支部", "kind": "occupational"}), 201)
    home_branch = ok(staff.post("/branches", {"name": "向阳新村第一支部", "kind": "residential"}), 201)
    ok(staff.post(f"/branches/{courier_branch['id']}/members", {
        "user_id": secretary.user_id, "display_name": "书记", "role": "secretary", "floating": True}), 201)
    floating = {"user_id": platform.people["courier_a"].user_id, "display_name": "王师傅", "floating": True}
    ok(gov("gov_secretary").post(f"/branches/{courier_branch['id']}/members", floating), 201)
    ok(staff.post(f"/branches/{home_branch['id']}/members", floating), 201)  # 双向编入

    assert gov("courier_a2").get("/branches").status_code == 403
    assert gov("courier_a2").get(f"/branches/{courier_branch['id']}").status_code == 404
    mine = ok(gov("gov_secretary").get("/branches"))["items"]
    assert [b["id"] for b in mine] == [courier_branch["id"]] and len(mine[0]["members"]) == 2
    assert gov("gov_secretary").get(f"/branches/{home_branch['id']}").status_code == 404
    assert {b["id"] for b in ok(staff.get("/branches"))["items"]} >= {courier_branch["id"], home_branch["id"]}
    assert gov("staff_b").get(f"/branches/{courier_branch['id']}").status_code == 404
    assert ok(gov("staff_b").get("/branches"))["items"] == []

    ok(staff.post("/grid-members", {"user_id": platform.people["courier_a2"].user_id, "display_name": "李师傅",
                                    "grid": "向阳新村第3网格"}), 201)
    assert gov("gov_secretary").get("/grid-members").status_code == 403
    # Other modules on the shared platform add grid members in xiangyang too: look for this one.
    assert ("向阳新村第3网格", platform.people["courier_a2"].user_id) in {
        (g["grid"], g["user_id"]) for g in ok(staff.get("/grid-members"))["items"]}
    assert ok(gov("staff_b").get("/grid-members"))["items"] == []


def _next_minute_slot():
    """A weekly duty whose next occurrence starts at the next whole minute (community time)."""
    start = (datetime.now(LOCAL) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (start - datetime.now(LOCAL)).total_seconds() < 15:
        start += timedelta(minutes=1)
    end = min(start + timedelta(minutes=30), start.replace(hour=23, minute=59))
    return start, {"weekday": start.isoweekday(), "start_time": start.strftime("%H:%M"),
                   "end_time": end.strftime("%H:%M") if end > start else "24:00"}


def test_volunteers_fill_a_duty_slot_up_to_capacity_and_a_completed_duty_feeds_points(platform, gov, outbox_rows):
    staff = gov("staff_a")
    branch = ok(staff.post("/branches", {"name": "出租车司机支部", "kind": "occupational"}), 201)
    project = ok(staff.post("/projects", {"title": "暖蜂驿站守护", "adopter_kind": "party_branch",
                                          "adopter_branch_id": branch["id"]}), 201)
    assert project["adopter_name"] == "出租车司机支部"
    assert outbox_rows("project_adopted", subject=project["id"])
    starts_at, timing = _next_minute_slot()
    project = ok(staff.post(f"/projects/{project['id']}/duties", {
        "title": "驿站清洁", "volunteers_needed": 3, "weeks_ahead": 2, **timing}), 201)
    slot = project["duties"][0]["slots"][0]
    assert datetime.fromisoformat(slot["starts_at"]) == starts_at

    volunteers = [add(platform, f"gov_volunteer_{i}", "xiangyang").key for i in range(8)]
    sessions = {key: gov(key) for key in volunteers}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda k: sessions[k].post(f"/slots/{slot['id']}/signups"), volunteers))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 3 + [409] * 5
    assert all(a.json()["state"] == "full" for a in answers if a.status_code == 409)
    assert gov("courier_b").post(f"/slots/{slot['id']}/signups").status_code == 404

    winner = next(a.json() for a in answers if a.status_code == 201)
    signer = next(k for k, a in zip(volunteers, answers, strict=True) if a.status_code == 201)
    early = sessions[signer].post(f"/signups/{winner['id']}/completion", {"photo_ref": "photos/station.jpg"})
    assert early.status_code == 409
    assert gov("courier_a").post(f"/signups/{winner['id']}/completion", {}).status_code == 404
    time.sleep(max(0.0, (starts_at - datetime.now(LOCAL)).total_seconds() + 1))
    done = ok(sessions[signer].post(f"/signups/{winner['id']}/completion", {"photo_ref": "photos/station.jpg"}))
    assert done["status"] == "completed" and done["hours"] > 0
    [event] = outbox_rows("duty_completed", subject=winner["id"])
    assert event["data"] == {**event["data"], "duty_id": winner["id"], "project_id": project["id"],
                             "user_id": platform.people[signer].user_id}
    assert event["tenantid"] == "xiangyang" and isinstance(event["data"]["hours"], float)


def test_couriers_find_open_rest_stops_with_the_amenities_they_need_without_signing_in(platform, gov):
    staff = gov("staff_a")
    always = {"weekday": 1, "open": "00:00", "close": "24:00"}
    shared = ok(staff.post("/assets", {
        "kind": "rest_stop", "name": "运河暖蜂驿站", "address": "运河路8号", "lat": 30.33, "lng": 120.15,
        "amenities": ["water", "microwave", "first_aid_kit", "open_24h"], "share_with_all": True}), 201)
    ok(staff.post("/assets", {
        "kind": "rest_stop", "name": "向阳夜里关门的驿站", "address": "向阳路1号", "lat": 30.34, "lng": 120.16,
        "amenities": ["water"], "opening_hours": [always | {"weekday": d, "close": "00:01"} for d in range(1, 8)]}),
       201)
    ok(staff.post("/assets", {"kind": "service_centre", "name": "向阳党群服务中心", "address": "向阳路2号",
                              "lat": 30.335, "lng": 120.155, "amenities": ["toilet"]}), 201)

    public = f"{platform.url(API)}/public/communities"
    microwave = requests.get(f"{public}/dongxin/assets", params={"amenity": ["water", "microwave"]}, timeout=30)
    assert microwave.status_code == 200
    names = [a["name"] for a in microwave.json()["items"]]
    # other tests of the run may share rest stops too: ours is there, and nothing without both amenities
    assert "运河暖蜂驿站" in names and "向阳夜里关门的驿站" not in names and "向阳党群服务中心" not in names
    assert all({"water", "microwave"} <= set(a["amenities"]) for a in microwave.json()["items"])
    home = requests.get(f"{public}/xiangyang/assets", params={"amenity": "water", "open_now": "true"},
                        timeout=30).json()["items"]
    assert "运河暖蜂驿站" in [a["name"] for a in home] and "向阳夜里关门的驿站" not in [a["name"] for a in home]
    assert all(a["open_now"] for a in home)
    assert requests.get(f"{public}/nowhere/assets", timeout=30).status_code == 404
    bad = requests.get(f"{public}/xiangyang/assets", params={"amenity": "jacuzzi"}, timeout=30)
    assert bad.status_code == 422 and "amenity" in bad.json()["errors"]
    # signed in to another community, the public map still answers
    assert gov("courier_b").get("/public/communities/xiangyang/assets").status_code == 200

    assert gov("courier_a").post("/assets", {"kind": "rest_stop", "name": "x", "address": "y", "lat": 1,
                                             "lng": 1}).status_code == 403
    assert gov("staff_b").patch(f"/assets/{shared['id']}", {"name": "改名"}).status_code == 403
    assert ok(gov("staff_b").get(f"/assets/{shared['id']}"))["shared_with_all"] is True
    renamed = ok(staff.patch(f"/assets/{shared['id']}", {"amenities": ["water", "open_24h", "charging"]}))
    assert renamed["amenities"] == ["water", "open_24h", "charging"]
