"""Staff at work and the community's own pages, in real headless Chromium at 360 px: posting a job,
a course with its rotating attendance QR, triage of "couriers have a say", a council vote run in the
room, the fair door; a resident's fair ticket, rights-desk request, rest stops and class check-in;
public pages without sign-in. Two tenants take part: xiangyang's staff and dongxin's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.browser.helpers import audit, iso, new_phone, ok, run_id, sign_in

pytestmark = pytest.mark.e2e

_RUN = run_id()


@pytest.fixture(scope="module")
def town(platform):
    now = datetime.now(UTC)
    people = {}
    for key, tenant, roles, name in (("resident", "dongxin", ("resident",), "孙师傅"),
                                     ("neighbour", "xiangyang", ("resident",), "钱师傅")):
        people[key] = platform.add_person(f"town-{key}-{_RUN}", phone=new_phone(), name=name, tenant_id=tenant,
                                          roles=roles)
    staff_a, staff_b = platform.session("staff_a"), platform.session("staff_b")
    url = platform.url
    ok(staff_a.post(url("/api/v1/jobs/employers"), json={"name": f"运河物流 {_RUN}"}), 201)
    fair = ok(staff_b.post(url("/api/v1/jobs/fairs"), json={
        "title": f"家门口的招聘会 {_RUN}", "kind": "on_site", "venue": "东新党群服务中心",
        "starts_at": iso(now - timedelta(minutes=30)), "ends_at": iso(now + timedelta(hours=3))}), 201)
    ok(staff_b.post(url(f"/api/v1/jobs/fairs/{fair['id']}/publish")))
    gov = lambda path: url("/api/v1/governance" + path)  # noqa: E731
    ok(staff_b.post(gov("/assets"), json={"kind": "rest_stop", "name": f"东新暖蜂驿站 {_RUN}", "address": "东新路8号",
                                          "lat": 30.33, "lng": 120.15,
                                          "amenities": ["water", "microwave", "open_24h"]}), 201)
    ok(staff_b.post(gov("/assets"), json={"kind": "service_centre", "name": f"东新党群服务中心 {_RUN}",
                                          "address": "东新路2号", "lat": 30.335, "lng": 120.155,
                                          "amenities": ["toilet"]}), 201)
    course = ok(staff_b.post(url("/api/v1/training/courses"), json={
        "kind": "first_aid", "title": f"急救培训 {_RUN}", "format": "in_person", "min_attendance_share": 0.5}), 201)
    ok(staff_b.post(url(f"/api/v1/training/courses/{course['id']}/publish"), json={}))
    session = ok(staff_b.post(url(f"/api/v1/training/courses/{course['id']}/sessions"), json={
        "label": "周六急救班", "venue": "东新社区活动室", "capacity": 10,
        "enrol_opens_at": iso(now - timedelta(hours=1)), "enrol_closes_at": iso(now + timedelta(days=1)),
        "meetings": [{"starts_at": iso(now - timedelta(minutes=5)), "ends_at": iso(now + timedelta(hours=1))}]}), 201)
    voice = ok(platform.session(people["neighbour"].key).post(gov("/voice"), json={
        "text": f"小区东门不让电动车进 {_RUN}", "category": "access"}), 201)
    council = ok(staff_a.post(gov("/councils"), json={"name": f"向阳议事会 {_RUN}", "theme": "小哥友好"}), 201)
    ok(staff_a.post(gov(f"/councils/{council['id']}/members"), json={"members": [
        {"user_id": people["neighbour"].user_id, "display_name": "钱师傅", "stakeholder_group": "courier"}]}), 201)
    proposal = ok(staff_a.post(gov(f"/councils/{council['id']}/proposals"), json={
        "title": f"东门设电动车通道 {_RUN}", "body": "早晚高峰开放。"}), 201)
    return {"people": people, "fair": fair, "course": course, "session": session, "voice": voice,
            "council": council, "proposal": proposal}


def test_staff_post_a_job_schedule_a_class_show_its_qr_answer_a_voice_item_and_run_a_vote(platform, town, phone):
    page = phone()
    sign_in(page, platform, platform.people["staff_a"])

    # A job post: a missing title is named beside its field; then it is saved and open.
    page.click("[data-test=staff-posts]")
    page.fill("#pay_amount", "30")
    page.click("[data-test=create-post]")
    assert page.locator("#title-error").is_visible()
    assert audit(page) == {"low": [], "small": []}
    page.select_option("#employer_id", label=f"运河物流 {_RUN} (尚未审核)")
    page.fill("#title", f"仓库理货 {_RUN}")
    page.click("[data-test=create-post]")
    # The employer is not verified yet: the service refuses to open it, and the page says so.
    assert page.locator("[data-test=form-error]").is_visible()

    # A course and a weekly class; its meetings' attendance QR codes rotate on a screen.
    page.goto(platform.url("/web/staff/courses"))
    page.fill("#title", f"网店运营 {_RUN}")
    page.click("[data-test=create-course]")
    page.fill("#label", "冬季夜校班")
    page.fill("#venue", "向阳党群服务中心")
    page.fill("#capacity", "20")
    start = datetime.now(timezone(timedelta(hours=8)))
    page.fill("#enrol_opens_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#enrol_closes_at", (start + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#first_starts_at", (start + timedelta(days=7)).strftime("%Y-%m-%dT19:00"))
    page.click("[data-test=schedule]")
    session = page.locator("[data-test=staff-session]", has_text="冬季夜校班")
    assert session.locator("li").count() == 4  # four weekly meetings
    assert "19:00" in session.locator("li").first.inner_text()  # shown in Beijing time, as typed
    session.locator("[data-test=show-qr]").first.click()  # next week's meeting: check-in is not open yet
    assert page.locator("[data-test=checkin-not-open]").is_visible()
    assert page.locator("meta[http-equiv=refresh]").get_attribute("content") == "60"

    # "Couriers have a say": answering without an answer is refused beside the field; then answered.
    page.goto(platform.url("/web/staff/voice"))
    item = page.locator("[data-test=triage-item]", has_text=f"小区东门不让电动车进 {_RUN}")
    item.locator("[data-test=triage-answer]").click()
    item = page.locator("[data-test=triage-item]", has_text=f"小区东门不让电动车进 {_RUN}")
    assert item.locator(".error").first.is_visible()
    item.locator("textarea[name=answer]").fill("物业已同意在东门加装电动车通道。")
    item.locator("[data-test=triage-answer]").click()
    assert page.locator("[data-test=triage-item]", has_text=f"小区东门不让电动车进 {_RUN}").count() == 0

    # A council vote run in the room: deliberate, open, record the only member's ballot, close early.
    page.goto(platform.url(f"/web/councils/{town['council']['id']}"))
    page.click("[data-test=run-proposal]")
    page.click("button[type=submit].primary")  # submit
    page.click("button[type=submit].primary")  # open deliberation
    page.fill("#days", "0")
    page.click("[data-test=open-vote]")
    assert page.locator("#closes_at-error").is_visible() or page.locator("[data-test=form-error]").is_visible()
    page.fill("#days", "2")
    page.click("[data-test=open-vote]")
    page.check("input[name=choice][value=agree]")
    page.click("[data-test=in-room]")
    assert page.locator("[data-test=voted]").inner_text() == "1"
    page.click("[data-test=close-vote]")
    page.click("text=查看结果")
    assert page.locator("[data-test=outcome]").inner_text().startswith("通过")

    # The tenant's figures.
    page.goto(platform.url("/web/staff/figures"))
    assert page.locator("[data-test=figures-jobs]").is_visible()
    assert page.locator("[data-test=figures-points]").is_visible()
    assert audit(page) == {"low": [], "small": []}

    # A resident of the same community cannot open the staff pages.
    resident = phone()
    sign_in(resident, platform, town["people"]["neighbour"])
    resident.goto(platform.url("/web/staff/awards"))
    assert resident.locator("h1").inner_text() == "无权操作"


def test_a_resident_gets_a_fair_ticket_asks_the_rights_desk_finds_a_rest_stop_and_checks_in_to_class(
        platform, town, phone):
    resident = town["people"]["resident"]
    page = phone()
    sign_in(page, platform, resident)

    page.goto(platform.url("/web/fairs"))
    page.locator("[data-test=fair]", has_text=f"家门口的招聘会 {_RUN}").click()
    page.click("[data-test=fair-register]")
    assert page.locator("[data-test=fair-qr]").is_visible()
    code = page.locator(".code").inner_text().strip()

    door = phone()
    sign_in(door, platform, platform.people["staff_b"])
    door.goto(platform.url(f"/web/fairs/{town['fair']['id']}"))
    door.click("[data-test=door]")
    door.fill("#code", "WRONG")
    door.click("[data-test=check-in]")
    assert door.locator("#code-error").is_visible() or door.locator("[data-test=form-error]").is_visible()
    door.fill("#code", code)
    door.click("[data-test=check-in]")
    assert door.locator("[data-test=checked-in]").is_visible()
    assert door.locator("[data-test=arrived]").inner_text() == "1"

    page.goto(platform.url("/web/rights"))
    page.select_option("#category", "wage_arrears")
    page.click("[data-test=ask-desk]")
    assert page.locator("#summary-error").is_visible()
    page.fill("#summary", "在物流园做了两周分拣，工资一直没结。")
    page.click("[data-test=ask-desk]")
    assert page.locator("[data-test=case-status]").inner_text() == "已受理"

    page.goto(platform.url("/web/places"))
    assert page.locator("[data-test=place]", has_text=f"东新暖蜂驿站 {_RUN}").is_visible()
    page.check("input[name=amenity][value=microwave]")
    page.click("#place-filter button[type=submit]")
    names = page.locator("[data-test=place] strong").all_inner_texts()
    assert f"东新暖蜂驿站 {_RUN}" in names and f"东新党群服务中心 {_RUN}" not in names
    assert page.locator("svg.plan circle").count() >= 1
    assert audit(page) == {"low": [], "small": []}

    # Class check-in with what the room's QR code carries; the screen shows the rotating code.
    page.goto(platform.url(f"/web/courses/{town['course']['id']}"))
    page.fill("input[name=participant_name]", "孙师傅")
    page.click("[data-test=enrol]")
    meeting = town["session"]["meetings"][0]["id"]
    door.goto(platform.url(f"/web/staff/meetings/{meeting}/qr"))
    assert door.locator("[data-test=attendance-qr] svg").is_visible()
    assert 5 <= int(door.locator("meta[http-equiv=refresh]").get_attribute("content")) <= 60
    code = ok(platform.session("staff_b").get(platform.url(f"/api/v1/training/meetings/{meeting}/checkin-code")))
    page.goto(platform.url("/web/check-in"))
    page.fill("#scanned", code["qr_text"])
    page.click("button[type=submit].primary")
    assert page.locator("[data-test=class-checked-in]").is_visible()


def test_public_pages_work_without_signing_in(platform, town, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(platform.url("/web/public/dongxin/rest-stops?open_now=1"))
    assert page.locator("[data-test=place]", has_text=f"东新暖蜂驿站 {_RUN}").is_visible()
    assert "/web/login" not in page.url
    page.goto(platform.url("/web/public/xiangyang/rest-stops"))
    assert page.locator("[data-test=place]", has_text=f"东新暖蜂驿站 {_RUN}").count() == 0  # not shared
    page.goto(platform.url("/web/public/nowhere/rest-stops"))
    assert page.locator("h1").inner_text() == "未找到"
    page.goto(platform.url("/web/verify"))
    page.fill("#code", "FC-AAAA-BBBB-CCCC-D")
    page.click("button[type=submit].primary")
    assert page.locator("[data-test=form-error]").is_visible() or page.locator("#code-error").is_visible()
    context.close()
