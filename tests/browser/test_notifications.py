"""Notifications on the pages (issue 18), in real headless Chromium at 360 px against the whole platform (the
notifications service among the services): a staff notice previewed and sent to the community; the resident's
badge, inbox and short link; the notification settings saved and shown again; the staff deliveries page; the
service worker at the site's root. Two tenants: dongxin's notice never reaches xiangyang."""

from __future__ import annotations

import time

import pytest
import requests

from tests.browser.helpers import audit, new_phone, ok, run_id, sign_in

pytestmark = pytest.mark.e2e

_RUN = run_id()


@pytest.fixture(scope="module")
def neighbours(platform):
    return {key: platform.add_person(f"notify-{key}-{_RUN}", phone=new_phone(), name=name, tenant_id=tenant,
                                     roles=("resident",))
            for key, tenant, name in (("dongxin", "dongxin", "周师傅"), ("xiangyang", "xiangyang", "吴师傅"))}


def _inbox(platform, key: str) -> list[dict]:
    return ok(platform.session(key).get(platform.url("/api/v1/notifications/inbox")))["items"]


def _wait_for_message(platform, key: str, title: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [m for m in _inbox(platform, key) if m["title"] == title]
        if found:
            return found[0]
        time.sleep(0.5)
    raise AssertionError(f"no message {title!r} for {key} within {seconds} s")


def test_a_staff_notice_reaches_the_residents_badge_inbox_and_short_link(platform, neighbours, phone):
    title = f"明早停水 {_RUN}"
    staff = phone()
    sign_in(staff, platform, platform.people["staff_b"])  # dongxin's staff
    staff.goto(platform.url("/web/staff/broadcasts"))
    staff.click("[data-test=preview]")  # no title, no body: named beside their fields
    assert staff.locator("#title-error").is_visible() and staff.locator("#body-error").is_visible()
    staff.select_option("#group", "community")
    staff.fill("#title", title)
    staff.fill("#body", "东新社区明早8点至12点停水，请提前储水。")
    staff.click("[data-test=preview]")
    recipients = int(staff.locator("[data-test=recipients]").inner_text())
    assert recipients >= 2  # at least staff_b and the new neighbour
    assert audit(staff) == {"low": [], "small": []}
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    staff.click("[data-test=send]")
    assert staff.locator("[data-test=sent]").is_visible()
    assert staff.locator("[data-test=broadcast]", has_text=title).count() == 1

    message = _wait_for_message(platform, neighbours["dongxin"].key, title)
    assert not [m for m in _inbox(platform, neighbours["xiangyang"].key) if m["title"] == title]  # other tenant

    page = phone()
    sign_in(page, platform, neighbours["dongxin"])
    assert int(page.locator("[data-test=unread-badge]").inner_text()) >= 1
    page.click("[data-test=inbox-link]")
    card = page.locator("[data-test=message]", has_text=title)
    assert card.locator("[data-test=unread-mark]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert audit(page) == {"low": [], "small": []}

    # The short link of a text message or push: opens the message's page and marks it read.
    page.goto(platform.url(f"/n/{message['short_code']}"))
    assert "/web/" in page.url and f"/n/{message['short_code']}" not in page.url
    opened = [m for m in _inbox(platform, neighbours["dongxin"].key) if m["id"] == message["id"]][0]
    assert opened["read_at"] is not None
    # someone else's code is not found
    stranger = phone()
    sign_in(stranger, platform, neighbours["xiangyang"])
    answer = stranger.goto(platform.url(f"/n/{message['short_code']}"))
    assert answer is not None and answer.status == 404

    # Mark all read: the badge goes.
    page.goto(platform.url("/web/inbox"))
    if page.locator("[data-test=mark-all-read]").count():
        page.click("[data-test=mark-all-read]")
    assert page.locator("[data-test=unread-badge]").count() == 0


def test_the_settings_are_saved_and_shown_again_in_english_too(platform, neighbours, phone):
    page = phone("en")
    sign_in(page, platform, neighbours["xiangyang"], start="/web/settings/notifications")
    assert page.locator("#enable-push").count() == 1  # shown by push.js where the browser can push
    sms = page.locator("input[name=sms__vote_opened]")
    before = sms.is_checked()
    sms.set_checked(not before)
    page.fill("#quiet_start", "22:00")
    page.click("[data-test=save-settings]")
    assert page.locator("[data-test=saved]").is_visible()
    assert page.locator("input[name=sms__vote_opened]").is_checked() is (not before)
    assert page.locator("#quiet_start").input_value() == "22:00"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert audit(page) == {"low": [], "small": []}
    saved = ok(platform.session(neighbours["xiangyang"].key).get(platform.url("/api/v1/notifications/preferences")))
    assert saved["quiet_hours"]["start"] == "22:00"


def test_staff_see_the_deliveries_page_and_a_resident_does_not(platform, neighbours, phone):
    staff = phone()
    sign_in(staff, platform, platform.people["staff_b"], start="/web/staff/deliveries")
    assert staff.locator("h1").is_visible()
    assert staff.locator("[data-test=figures-messages]").is_visible()
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    resident = phone()
    sign_in(resident, platform, neighbours["dongxin"])
    answer = resident.goto(platform.url("/web/staff/deliveries"))
    assert answer is not None and answer.status == 403


def test_the_service_worker_is_served_from_the_root(platform):
    answer = requests.get(platform.url("/sw.js"), timeout=10)
    assert answer.status_code == 200 and answer.headers["Service-Worker-Allowed"] == "/"
    assert "showNotification" in answer.text and "notificationclick" in answer.text
