"""More of the client in headless Chromium at 360 px: a new resident's work profile leading to a
recommendation, the wage follow-up after a hire, a fair organised by staff, a merchant's offer, and a
resolution's action item followed from adoption to residents' verdict. huanqiu and xiangyang take part."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.browser.helpers import audit, iso, new_phone, ok, run_id, sign_in

pytestmark = pytest.mark.e2e

_RUN = run_id()


@pytest.fixture(scope="module")
def huanqiu(platform):
    people = {}
    for key, tenant, roles, name in (("staff", "huanqiu", ("staff",), "吴主任"),
                                     ("hr", "huanqiu", ("employer",), "人事小周"),
                                     ("mother", "huanqiu", ("resident",), "郑女士"),
                                     ("shopkeeper", "huanqiu", ("merchant",), "照相馆老板"),
                                     ("member", "xiangyang", ("resident",), "冯师傅")):
        people[key] = platform.add_person(f"hq-{key}-{_RUN}", phone=new_phone(), name=name, tenant_id=tenant,
                                          roles=roles)
    staff, hr = platform.session(people["staff"].key), platform.session(people["hr"].key)
    url = platform.url
    employer = ok(staff.post(url("/api/v1/jobs/employers"), json={
        "name": f"环球幼儿园 {_RUN}", "member_user_ids": [people["hr"].user_id]}), 201)
    ok(staff.post(url(f"/api/v1/jobs/employers/{employer['id']}/decision"), json={"status": "verified"}))
    post = ok(hr.post(url("/api/v1/jobs/posts"), json={
        "employer_id": employer["id"], "title": f"保育助理 {_RUN}", "job_type": "part_time", "pay_amount": 25,
        "pay_period": "hour", "required_skills": ["childcare"], "wage_follow_up_days": 0,
        "shifts": [{"weekday": d, "start": "09:00", "end": "14:00"} for d in range(1, 6)]}), 201)
    ok(hr.post(url(f"/api/v1/jobs/posts/{post['id']}/open")))
    return {"people": people, "post": post}


def test_a_new_resident_fills_in_the_work_profile_gets_a_recommendation_and_reports_unpaid_wages(
        platform, huanqiu, phone):
    people = huanqiu["people"]
    page = phone()
    sign_in(page, platform, people["mother"])
    assert page.locator("[data-test=recommendation]").count() == 0
    page.click("[data-test=my-profile]")
    assert page.locator("#display_name").input_value() == "郑女士"  # from the account
    page.check("input[name=skills][value=childcare]")
    page.fill("input[name=start_1]", "09:00")  # Monday from 09:00 … until forgotten
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # seven rows of two times fit
    page.click("[data-test=save-profile]")
    assert page.locator("#availability-error").is_visible()  # the service's message, beside the hours
    for day in range(1, 6):
        page.fill(f"input[name=start_{day}]", "08:30")
        page.fill(f"input[name=end_{day}]", "15:00")
    page.check("input[name=groups][value=full_time_mother]")
    page.click("[data-test=save-profile]")
    assert page.locator("[data-test=profile-saved]").is_visible()
    assert page.locator("input[name=start_3]").input_value() == "08:30"
    assert audit(page) == {"low": [], "small": []}

    page.goto(platform.url("/web/"))
    recommendation = page.locator("[data-test=recommendation]", has_text=f"保育助理 {_RUN}")
    assert recommendation.is_visible()
    recommendation.locator("a.card").click()
    page.click("[data-test=apply]")

    hr = platform.session(people["hr"].key)
    application = ok(hr.get(platform.url("/api/v1/jobs/applications"),
                            params={"post_id": huanqiu["post"]["id"]}))["items"][0]
    for status in ("shortlisted", "interview", "offered", "hired"):
        ok(hr.post(platform.url(f"/api/v1/jobs/applications/{application['id']}/transitions"),
                   json={"status": status}))
    page.goto(platform.url("/web/applications"))
    placement = page.locator("[data-test=placement]").first
    placement.locator("input[name=wages_paid][value=no]").check()
    placement.locator("input[name=note]").fill("两周没发工资")
    placement.locator("[data-test=answer-wages]").click()
    assert page.locator("[data-test=wages-answered]").is_visible()
    assert "维权服务台已受理" in page.locator("[data-test=placement]").first.inner_text()
    page.goto(platform.url("/web/rights"))
    assert "拖欠工资" in page.locator("a.card").first.inner_text()


def test_staff_organise_a_fair_and_enrol_a_merchant_who_puts_an_offer_up(platform, huanqiu, phone):
    people = huanqiu["people"]
    page = phone()
    sign_in(page, platform, people["staff"])
    page.click("[data-test=staff-fairs]")
    page.fill("#title", f"全职妈妈专场 {_RUN}")
    start = datetime.now(timezone(timedelta(hours=8))) + timedelta(days=3)
    page.fill("#starts_at", start.strftime("%Y-%m-%dT09:00"))
    page.fill("#ends_at", start.strftime("%Y-%m-%dT08:00"))  # ends before it starts
    page.fill("#venue", "环球社区广场")
    page.click("[data-test=create-fair]")
    assert page.locator(".error").first.is_visible()
    page.fill("#ends_at", start.strftime("%Y-%m-%dT12:00"))
    page.click("[data-test=create-fair]")
    fair = page.locator("[data-test=staff-fair]", has_text=f"全职妈妈专场 {_RUN}")
    assert "published" in fair.inner_text() and start.strftime("%Y-%m-%d 09:00") in fair.inner_text()

    page.goto(platform.url("/web/staff/merchants"))
    page.fill("#name", f"环球照相馆 {_RUN}")
    page.fill("#category", "照相")
    page.fill("#operator_user_ids", people["shopkeeper"].user_id)
    page.click("[data-test=create-merchant]")
    assert page.locator("[data-test=staff-merchant]", has_text=f"环球照相馆 {_RUN}").is_visible()

    shop = phone()
    sign_in(shop, platform, people["shopkeeper"])
    shop.goto(platform.url("/web/merchant"))
    shop.click("[data-test=my-offers]")
    shop.fill("#name", "证件照一套")
    shop.fill("#price_points", "很多")
    shop.click("[data-test=add-offer]")
    assert shop.locator("#price_points-error").is_visible()
    shop.fill("#price_points", "30")
    shop.click("[data-test=add-offer]")
    assert "30" in shop.locator("[data-test=merchant-item]", has_text="证件照一套").inner_text()


def test_a_resolution_is_adopted_its_item_reported_done_and_a_resident_confirms_it(platform, huanqiu, phone):
    member = huanqiu["people"]["member"]
    staff = platform.session("staff_a")
    gov = lambda path: platform.url("/api/v1/governance" + path)  # noqa: E731
    council = ok(staff.post(gov("/councils"), json={"name": f"楼道议事会 {_RUN}", "theme": "楼道整治"}), 201)
    ok(staff.post(gov(f"/councils/{council['id']}/members"), json={"members": [
        {"user_id": member.user_id, "display_name": "冯师傅", "stakeholder_group": "courier"}]}), 201)
    proposal = ok(staff.post(gov(f"/councils/{council['id']}/proposals"), json={
        "title": f"楼道装感应灯 {_RUN}", "body": "每层装一盏感应灯。"}), 201)
    ok(staff.post(gov(f"/proposals/{proposal['id']}/transitions"), json={"action": "submit"}))
    ok(staff.post(gov(f"/proposals/{proposal['id']}/transitions"), json={"action": "deliberate"}))
    vote = ok(staff.post(gov(f"/proposals/{proposal['id']}/vote"), json={
        "closes_at": iso(datetime.now(UTC) + timedelta(days=2))}), 201)
    ok(platform.session(member.key).post(gov(f"/votes/{vote['id']}/ballots"), json={"choice": "agree"}), 201)
    ok(staff.post(gov(f"/votes/{vote['id']}/close"), json={"early": True}))

    page = phone()
    sign_in(page, platform, platform.people["staff_a"])
    page.goto(platform.url(f"/web/staff/proposals/{proposal['id']}"))
    page.fill("#effective_on", datetime.now().strftime("%Y-%m-%d"))
    page.click("[data-test=adopt]")
    page.fill("#title", "每层装感应灯")
    page.fill("#due_on", (datetime.now() + timedelta(days=30)).strftime("%Y-%m-%d"))
    page.click("[data-test=add-item]")
    assert page.locator("#assignee_name-error").is_visible()
    page.fill("#assignee_name", "向阳物业")
    page.fill("#due_on", (datetime.now() + timedelta(days=30)).strftime("%Y-%m-%d"))
    page.click("[data-test=add-item]")
    page.click("[data-test=action-item]")
    page.fill("#note", "六层都装好了")
    page.check("input[name=completed]")
    page.click("[data-test=report]")
    assert page.locator("[data-test=item-status]").inner_text().startswith("已报完成")
    item_url = page.url

    resident = phone()
    sign_in(resident, platform, member)
    resident.goto(item_url)
    resident.check("input[name=verdict][value=dispute]")
    resident.click("[data-test=verdict]")
    assert resident.locator("#comment-error").is_visible()
    resident.check("input[name=verdict][value=confirm]")
    resident.click("[data-test=verdict]")
    assert "已完成" in resident.locator("[data-test=my-verdict]").inner_text()
