"""The web client in real headless Chromium at 360 px: a courier's day, a merchant, staff, and the
language switch. Data is set up over the API by other people, in two tenants."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.browser.helpers import audit, iso, new_phone, ok, run_id, sign_in

pytestmark = pytest.mark.e2e

_RUN = run_id()
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world(platform):
    """xiangyang: a courier with a profile, an open job, a course session, a council vote, a shop with
    an item, 300 points awarded to the courier (above the threshold, so waiting for approval) and a
    second staff member; dongxin: its own courier and shop, which xiangyang's people must never see."""
    now = datetime.now(UTC)
    people = {}
    for key, tenant, roles, name in (("courier", "xiangyang", ("resident",), "王师傅"),
                                     ("hr", "xiangyang", ("employer",), "人事小林"),
                                     ("shop", "xiangyang", ("merchant",), "烧卖店老板"),
                                     ("checker", "xiangyang", ("staff",), "李干事"),
                                     ("courier_dx", "dongxin", ("resident",), "赵师傅")):
        people[key] = platform.add_person(f"web-{key}-{_RUN}", phone=new_phone(), name=name, tenant_id=tenant,
                                          roles=roles)
    s = {k: platform.session(p.key) for k, p in people.items()}
    staff, staff_b = platform.session("staff_a"), platform.session("staff_b")
    url = platform.url

    employer = ok(staff.post(url("/api/v1/jobs/employers"), json={
        "name": f"康桥快递站 {uuid.uuid4().hex[:4]}", "member_user_ids": [people["hr"].user_id]}), 201)
    ok(staff.post(url(f"/api/v1/jobs/employers/{employer['id']}/decision"), json={"status": "verified"}))
    post = ok(s["hr"].post(url("/api/v1/jobs/posts"), json={
        "employer_id": employer["id"], "title": "快递分拣 (晚班)", "job_type": "part_time", "pay_amount": 28,
        "pay_period": "hour", "required_skills": ["快递"], "area": "康桥",
        "shifts": [{"weekday": d, "start": "18:00", "end": "22:00"} for d in range(1, 6)]}), 201)
    ok(s["hr"].post(url(f"/api/v1/jobs/posts/{post['id']}/open")))
    ok(s["courier"].post(url("/api/v1/jobs/workers"), json={
        "display_name": "王师傅", "phone": people["courier"].phone, "skills": ["快递"],
        "availability": [{"weekday": d, "start": "17:00", "end": "23:00"} for d in range(1, 6)],
        "consent_recommendations": True}), 201)

    course = ok(staff.post(url("/api/v1/training/courses"), json={
        "kind": "vocational", "title": "网店运营 / Online-shop operation", "category_id": "online_shop",
        "format": "night_school", "min_attendance_share": 0.5}), 201)
    ok(staff.post(url(f"/api/v1/training/courses/{course['id']}/publish"), json={}))
    ok(staff.post(url(f"/api/v1/training/courses/{course['id']}/sessions"), json={
        "label": "冬季夜校班", "venue": "党群服务中心 3楼", "capacity": 5,
        "enrol_opens_at": iso(now - timedelta(hours=1)), "enrol_closes_at": iso(now + timedelta(days=5)),
        "meetings": [{"starts_at": iso(now + timedelta(days=6)), "ends_at": iso(now + timedelta(days=6, hours=2)),
                      "topic": "第一课"}]}), 201)

    gov = lambda path: url("/api/v1/governance" + path)  # noqa: E731
    council = ok(staff.post(gov("/councils"), json={"name": f"红茶议事会 {_RUN}", "theme": "小哥友好社区"}), 201)
    ok(staff.post(gov(f"/councils/{council['id']}/members"), json={"members": [
        {"user_id": people["courier"].user_id, "display_name": "王师傅", "stakeholder_group": "courier"},
        {"user_id": people["checker"].user_id, "display_name": "李干事", "stakeholder_group": "estate_officer"}]}), 201)
    proposal = ok(staff.post(gov(f"/councils/{council['id']}/proposals"), json={
        "title": "快递车分时段进出", "body": "早 7–9 点、晚 5–7 点以外快递车可进小区。"}), 201)
    ok(staff.post(gov(f"/proposals/{proposal['id']}/transitions"), json={"action": "submit"}))
    ok(staff.post(gov(f"/proposals/{proposal['id']}/transitions"), json={"action": "deliberate"}))
    vote = ok(staff.post(gov(f"/proposals/{proposal['id']}/vote"), json={
        "closes_at": iso(now + timedelta(days=3)), "quorum_percent": 50, "threshold_percent": 50}), 201)

    pts = lambda path: url("/api/v1/points" + path)  # noqa: E731
    merchant = ok(staff.post(pts("/merchants"), json={"name": f"老王烧卖 {_RUN}", "category": "餐饮",
                                                      "operator_user_ids": [people["shop"].user_id]}), 201)
    item = ok(s["shop"].post(pts(f"/merchants/{merchant['id']}/items"), json={
        "name": "烧卖一笼", "price_points": 20, "stock": 50}), 201)
    foreign = ok(staff_b.post(pts("/merchants"), json={"name": f"东新文具 {_RUN}", "category": "文具"}), 201)
    ok(staff_b.post(pts(f"/merchants/{foreign['id']}/items"), json={"name": "东新的本子", "price_points": 5}), 201)
    pending = ok(staff.post(pts("/awards"), json={"user_id": people["courier"].user_id, "amount": 300,
                                                 "category": "volunteer", "reason": "暖蜂驿站清洁志愿服务"}), 202)
    return {"people": people, "post": post, "course": course, "vote": vote, "council": council, "item": item,
            "pending": pending}


def test_staff_approve_the_large_award_then_the_courier_lives_a_day_and_the_merchant_confirms(
        platform, world, phone, tmp_path):
    people = world["people"]

    # Staff: another staff member than the one who asked approves the 300-point award.
    desk = phone()
    sign_in(desk, platform, people["checker"])
    desk.click("[data-test=staff-awards]")
    request_card = desk.locator("[data-test=award-request]", has_text="暖蜂驿站清洁志愿服务")
    request_card.locator("[data-test=approve]").click()
    assert desk.locator("[data-test=approved]").is_visible()

    # The courier signs in and sees the points and the recommendation with its reasons.
    page = phone()
    sign_in(page, platform, people["courier"])
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("[data-test=points-available]").inner_text() == "300"
    recommendation = page.locator("[data-test=recommendation]", has_text="快递分拣")
    assert "快递" in recommendation.inner_text() and "✓" in recommendation.inner_text()
    assert "东新的本子" not in page.content()
    shot = tmp_path / "home-360.png"
    page.screenshot(path=str(shot), full_page=True)
    (REPO / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, REPO / "docs" / "screenshots" / "home-360.png")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the home page scrolls sideways at 360 px ({width} px)"
    assert audit(page) == {"low": [], "small": []}

    # Applies.
    recommendation.locator("a.card").click()
    page.click("[data-test=apply]")
    assert page.locator("[data-test=applied]").is_visible()
    assert "快递分拣" in page.locator("[data-test=application]").first.inner_text()
    page.goto(platform.url(f"/web/jobs/{world['post']['id']}"))
    page.click("[data-test=apply]")  # twice: the service's refusal is shown, not a crash
    assert page.locator("[data-test=form-error]").is_visible()

    # Enrols in a course: an empty name is refused next to the field, then accepted.
    page.goto(platform.url(f"/web/courses/{world['course']['id']}"))
    page.click("[data-test=enrol]")
    assert page.locator("#participant_name-error").is_visible()
    page.fill("input[name=participant_name]", "王师傅")
    page.click("[data-test=enrol]")
    assert page.locator("[data-test=enrolled]").is_visible()
    assert "已报名" in page.locator("[data-test=enrolment]").first.inner_text()

    # Raises a voice item: the empty text is named, then it is sent.
    page.goto(platform.url("/web/voice"))
    page.select_option("#category", "charging")
    page.click("[data-test=raise]")
    assert page.locator("#text-error").is_visible()
    assert audit(page) == {"low": [], "small": []}  # error messages too
    page.fill("#text", "驿站门口能不能装个充电桩？")
    page.click("[data-test=raise]")
    assert page.locator("[data-test=voice-text]").inner_text() == "驿站门口能不能装个充电桩？"

    # Votes in the council.
    page.goto(platform.url(f"/web/councils/{world['council']['id']}"))
    page.click("[data-test=open-vote]")
    page.check("input[name=choice][value=agree]")
    page.click("[data-test=cast]")
    assert page.locator("[data-test=ballot-cast]").is_visible()
    assert "同意" in page.locator("[data-test=my-ballot]").inner_text()

    # Redeems points and shows the voucher QR.
    page.goto(platform.url("/web/points"))
    page.locator("[data-test=catalogue-item]", has_text="烧卖一笼").locator("[data-test=redeem]").click()
    assert page.locator("[data-test=voucher-qr]").is_visible()
    assert audit(page) == {"low": [], "small": []}
    code = page.locator("[data-test=voucher-code]").inner_text().strip()
    assert page.locator("[data-test=voucher-status]").inner_text() == "可使用"

    # The merchant types the code, sees the voucher and confirms it.
    shop = phone()
    sign_in(shop, platform, people["shop"])
    shop.click("[data-test=merchant-desk]")
    shop.fill("#code", code.lower())
    shop.click("[data-test=look-up]")
    assert "烧卖一笼" in shop.locator("[data-test=voucher-preview]").inner_text()
    shop.click("[data-test=confirm]")
    assert shop.locator("[data-test=voucher-confirmed]").is_visible()
    page.reload()
    assert page.locator("[data-test=voucher-status]").inner_text() == "已使用"

    # Another community's courier cannot open this community's vote.
    other = phone()
    sign_in(other, platform, people["courier_dx"])
    other.goto(platform.url(f"/web/votes/{world['vote']['id']}"))
    assert other.locator("h1").inner_text() == "未找到"


def test_the_language_switch_turns_the_pages_english_and_back(platform, world, phone):
    page = phone()
    sign_in(page, platform, world["people"]["courier_dx"])
    assert page.locator("nav.tabs").inner_text().split()[:2] == ["首页", "岗位"]
    page.click("[data-test=lang-switch]")
    page.wait_for_url("**/web/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Jobs for you" in page.content() and "My points" in page.content()
    page.goto(platform.url("/web/voice"))
    assert page.locator("h1").inner_text() == "Couriers have a say"
    page.click("[data-test=lang-switch]")
    assert page.locator("h1").inner_text() == "小哥有话讲"


def test_pages_need_a_sign_in_and_a_wrong_password_is_named_on_the_form(platform, world, phone):
    page = phone()
    page.goto(platform.url("/web/points"))
    assert "/web/login" in page.url
    page.fill("#phone", world["people"]["courier"].phone)
    page.fill("#password", "wrong-password-1")
    page.click("button[type=submit].primary")
    assert page.locator("[data-test=form-error]").is_visible()
    page.fill("#phone", "12")
    page.fill("#password", "x")
    page.click("button[type=submit].primary")
    assert page.locator("#phone-error").is_visible()


def test_an_expired_access_cookie_is_renewed_with_the_refresh_cookie_and_sign_out_ends_both(platform, world, phone):
    page = phone()
    sign_in(page, platform, world["people"]["courier_dx"])
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["fc_access"]["httpOnly"] and cookies["fc_refresh"]["httpOnly"]
    assert cookies["fc_refresh"]["path"] == "/web"
    old_refresh = cookies["fc_refresh"]["value"]
    page.context.clear_cookies(name="fc_access")  # as when the 15-minute access token has run out
    page.goto(platform.url("/web/points"))
    assert "/web/login" not in page.url
    renewed = {c["name"]: c["value"] for c in page.context.cookies()}
    assert renewed.get("fc_access") and renewed["fc_refresh"] != old_refresh  # rotated, as the API does

    page.click("header button.link")  # sign out
    assert "/web/login" in page.url
    assert "fc_access" not in {c["name"] for c in page.context.cookies()}
    # The old refresh token was revoked with the sign-out: putting it back does not sign anyone in.
    page.context.add_cookies([{"name": "fc_refresh", "value": renewed["fc_refresh"], "url": platform.url("/web/")}])
    page.goto(platform.url("/web/points"))
    assert "/web/login" in page.url


def test_a_form_posted_from_another_site_is_refused(platform, world, phone):
    page = phone()
    sign_in(page, platform, world["people"]["courier_dx"])
    response = page.request.post(platform.url(f"/web/jobs/{world['post']['id']}/apply"),
                                 form={"csrf_token": "forged"}, max_redirects=0)
    assert response.status == 400


def test_a_resident_gives_a_voucher_back_and_chooses_the_name_on_the_honour_board(platform, world, phone):
    courier = world["people"]["courier_dx"]
    ok(platform.session("staff_b").post(platform.url("/api/v1/points/awards"), json={
        "user_id": courier.user_id, "amount": 50, "category": "anti_fraud", "reason": "防诈骗宣传"}), 201)
    page = phone()
    sign_in(page, platform, courier)
    page.goto(platform.url("/web/points"))
    assert page.locator("[data-test=points-available]").inner_text() == "50"
    assert page.locator("[data-test=catalogue-item]", has_text="烧卖一笼").count() == 0  # another community's shop
    page.locator("[data-test=catalogue-item]", has_text="东新的本子").locator("[data-test=redeem]").click()
    page.click("[data-test=cancel-voucher]")
    assert page.locator("[data-test=voucher-status]").inner_text() == "已取消"
    page.goto(platform.url("/web/points"))
    assert page.locator("[data-test=points-available]").inner_text() == "50"

    page.goto(platform.url("/web/honour-board"))
    page.fill("#board_name", "赵" * 31)  # longer than the board allows
    page.click("[data-test=save-board]")
    assert page.locator("#board_name-error").is_visible()
    page.fill("#board_name", "东新赵师傅")
    page.click("[data-test=save-board]")
    assert page.locator("[data-test=board-saved]").is_visible()
    assert "东新赵师傅" in page.locator("[data-test=board]").inner_text()
