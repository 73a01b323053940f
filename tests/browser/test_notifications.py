"""Notifications on the pages (issue 18), in real headless Chromium at 360 px against the whole platform (the
notifications service among the services): a staff notice previewed and sent to the community; the resident's
badge, inbox and short link; the notification settings saved and shown again; the staff deliveries page; the
service worker at the site's root; a courier's badge, inbox and link after staff answer his voice item on their
page; a web push sent by the service, verified and decrypted at the suite's push service, then handed to the
page's service worker over CDP, shown, and its click opening the message's link; the language switch kept on the
account so later messages come in English. Two tenants: nothing of dongxin's ever reaches xiangyang."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import text

from gateway.rpc import RpcPool
from services.common.database import make_engine
from services.notifications import render
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


# --- the courier's voice answered: badge, inbox, link, and the push to the page's service worker ----------------


@pytest.fixture(scope="module")
def rpc(platform):
    """`rpc(key, service, method, *args)`: a service's RPC as the gateway calls it for `key` (or as a service)."""
    pool = RpcPool(platform.infra.amqp_uri, size=2, timeout=30)

    def call(key: str | None, service: str, method: str, *args, tenant_id: str | None = None):
        person = platform.people[key] if key else None
        context = {"tenant_id": tenant_id or person.tenant_id, "locale": "zh-CN", "request_id": uuid.uuid4().hex,
                   **({"user_id": person.user_id, "roles": ",".join(person.roles)} if person else
                      {"roles": "service"})}
        return pool.call(service, method, *args, context_data=context)

    yield call
    pool.close()


def _wait(predicate, seconds: float = 30, what: str = "it"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {seconds} s")


def _couriers(platform, label: str) -> tuple:
    """A courier of dongxin and a neighbour in xiangyang (who must never hear of dongxin's answers)."""
    courier = platform.add_person(f"{label}-dongxin-{_RUN}", phone=new_phone(), name="孙师傅", tenant_id="dongxin",
                                  roles=("resident",))
    other = platform.add_person(f"{label}-xiangyang-{_RUN}", phone=new_phone(), name="钱师傅",
                                tenant_id="xiangyang", roles=("resident",))
    return courier, other


def _raise_voice(platform, key: str, words: str) -> str:
    return ok(platform.session(key).post(platform.url("/api/v1/governance/voice"),
                                         json={"text": words, "category": "parking"}), 201)["id"]


def _answer_over_api(platform, voice_id: str, answer: str) -> None:
    ok(platform.session("staff_b").post(platform.url(f"/api/v1/governance/voice/{voice_id}/triage"),
                                        json={"action": "answer", "answer": answer}))


def _voice_answers(platform, key: str) -> list[dict]:
    return [m for m in _inbox(platform, key) if m["kind"] == "voice_answered"]


def test_a_couriers_badge_shows_the_answer_to_his_voice_and_clears_once_he_has_read_it(platform, phone):
    courier, other = _couriers(platform, "voice")
    words = f"北门快递车没地方停 {_RUN}"
    voice_id = _raise_voice(platform, courier.key, words)
    other_voice = _raise_voice(platform, other.key, f"向阳的快递柜满了 {_RUN}")  # raised, never answered
    answer = f"已和物业商定，北门外划出快递临时停车位 {_RUN}"

    # staff answer on their own page (dongxin's staff desk)
    staff = phone()
    sign_in(staff, platform, platform.people["staff_b"], start="/web/staff/voice")
    item = staff.locator("[data-test=triage-item]", has_text=words)
    item.locator(f"#answer-{voice_id}").fill(answer)
    item.locator("[data-test=triage-answer]").click()
    staff.wait_for_load_state()
    assert staff.locator("[data-test=triage-item]", has_text=words).count() == 0  # no longer waiting

    message = _wait(lambda: _voice_answers(platform, courier.key), what="the courier's voice_answered message")[0]
    assert message["link"].endswith(f"/web/voice/{voice_id}") and message["read_at"] is None

    page = phone()
    sign_in(page, platform, courier)
    assert page.locator("[data-test=unread-badge]").inner_text() == "1"
    page.click("[data-test=inbox-link]")
    page.wait_for_url("**/web/inbox")
    card = page.locator("[data-test=message][data-kind=voice_answered]")
    assert card.count() == 1 and card.locator("[data-test=unread-mark]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert audit(page) == {"low": [], "small": []}
    card.locator("[data-test=open-message]").click()
    page.wait_for_url(f"**/web/voice/{voice_id}")
    assert page.locator("[data-test=voice-text]").inner_text() == words
    assert page.locator(".notice", has_text=answer).is_visible()  # the answer itself
    assert page.locator("[data-test=unread-badge]").count() == 0  # read: the badge is gone
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert audit(page) == {"low": [], "small": []}
    assert _voice_answers(platform, courier.key)[0]["read_at"] is not None

    # the other community: its courier heard nothing, and his own item is still unanswered
    assert _voice_answers(platform, other.key) == []
    assert ok(platform.session(other.key).get(platform.url(f"/api/v1/governance/voice/{other_voice}")))["answer"] \
        is None


_REGISTER_SW = """async () => {
  const registration = await navigator.serviceWorker.register("/sw.js", {scope: "/"});
  await navigator.serviceWorker.ready;
  return registration.scope;
}"""

_POST_SUBSCRIPTION = """async (subscription) => {
  const button = document.getElementById("enable-push");
  const body = new URLSearchParams();
  body.append(button.getAttribute("data-csrf-field"), button.getAttribute("data-csrf"));
  body.append("subscription", subscription);
  const answer = await fetch(button.getAttribute("data-url"), {method: "POST", body, credentials: "same-origin"});
  return {status: answer.status, body: await answer.text()};
}"""

_NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return (await registration.getNotifications()).map(n => ({title: n.title, body: n.body, data: n.data,
                                                            tag: n.tag}));
}"""

# In the service worker: a click on the shown notification. A notificationclick made by script cannot extend its
# lifetime (waitUntil is for trusted events) nor open windows, so the handler's promise is awaited here and
# clients.openWindow records where it would go.
_CLICK = """async () => {
  const opened = [];
  Object.defineProperty(self.clients, "openWindow", {configurable: true,
    value: (url) => { opened.push(url); return Promise.resolve(null); }});
  const [notification] = await self.registration.getNotifications();
  const event = new NotificationEvent("notificationclick", {notification});
  let pending = Promise.resolve();
  event.waitUntil = (promise) => { pending = promise; };
  self.dispatchEvent(event);
  await pending;
  return {opened, left: (await self.registration.getNotifications()).length};
}"""


def test_a_web_push_is_sent_decrypted_shown_by_the_service_worker_and_its_click_opens_the_link(
        platform, phone, push_service, rpc):
    courier, other = _couriers(platform, "push")
    page = phone()
    page.context.grant_permissions(["notifications"], origin=platform.base_url)
    sign_in(page, platform, courier, start="/web/settings/notifications")
    # no quiet hours (equal start and end), so the push goes now whatever the hour in Shanghai
    page.fill("#quiet_start", "00:00")
    page.fill("#quiet_end", "00:00")
    page.click("[data-test=save-settings]")
    assert page.locator("[data-test=saved]").is_visible()

    # Half one: the test is the browser's push service. A subscription made with the platform's VAPID key and the
    # test's own P-256 key and auth secret, handed over through the page's own endpoint (with its form token).
    key = page.locator("#enable-push").get_attribute("data-key")
    assert key == rpc(courier.key, "notifications", "vapid_public_key")["key"]
    subscription = push_service.subscribe(key)
    posted = page.evaluate(_POST_SUBSCRIPTION, subscription.as_json())
    assert posted["status"] == 201, posted
    # the neighbour in xiangyang subscribes too (over the API): nothing may reach him
    elsewhere = push_service.subscribe(key)
    ok(platform.session(other.key).post(platform.url("/api/v1/notifications/push/subscriptions"),
                                        json=json.loads(elsewhere.as_json())), 201)

    words = f"夜里小区不让电动车进 {_RUN}"
    voice_id = _raise_voice(platform, courier.key, words)
    _answer_over_api(platform, voice_id, f"已和物业商定夜间通道 {_RUN}")
    message = _wait(lambda: _voice_answers(platform, courier.key), what="the voice_answered message")[0]
    rpc("staff_b", "notifications", "deliver_due", datetime.now(UTC).isoformat())
    pushed = _wait(lambda: [p for p in push_service.pushed if p.endpoint == subscription.endpoint],
                   what="the push at the push service")
    assert len(pushed) == 1, [p.json() for p in pushed]
    payload = pushed[0].json()
    title, _body = render.render("voice_answered", "zh-CN", {}, "")
    assert set(payload) == {"title", "body", "link"} and payload["title"] == title == message["title"]
    assert payload["body"] == message["body"]
    assert urlsplit(payload["link"]).path == f"/n/{message['short_code']}"  # the short link, nothing else
    assert pushed[0].claims["aud"] == push_service.origin
    assert not [p for p in push_service.pushed if p.endpoint == elsewhere.endpoint]  # the other tenant: nothing
    assert _voice_answers(platform, other.key) == []

    # Half two: the decrypted payload delivered to the page's service worker, as the browser's push would be.
    page.goto(platform.url("/web/inbox"))
    assert page.evaluate(_REGISTER_SW) == platform.url("/")
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    versions: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.on("ServiceWorker.workerVersionUpdated", lambda event: versions.extend(event["versions"]))
    cdp.send("ServiceWorker.enable")

    def registration_id() -> str | None:
        ours = [r for r in registrations if r["scopeURL"] == platform.url("/") and not r.get("isDeleted")]
        return ours[-1]["registrationId"] if ours else None

    def activated() -> bool:
        return any(v["registrationId"] == registration_id() and v["status"] == "activated" for v in versions)

    deadline = time.monotonic() + 15
    while not activated() and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets the CDP events in
    assert activated(), (registrations, versions)
    # A push the browser hands to a worker that is just starting can be lost, as a real push service would then
    # send again: up to three deliveries (the notification's tag is its link, so a second replaces the first).
    for attempt in range(3):
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": platform.base_url,
                                                      "registrationId": registration_id(),
                                                      "data": pushed[0].plaintext.decode()})
        try:
            shown = _wait(lambda: page.evaluate(_NOTIFICATIONS), seconds=6, what="the notification")
            break
        except AssertionError:
            if attempt == 2:
                raise
    assert shown == [{"title": payload["title"], "body": payload["body"], "data": {"link": payload["link"]},
                      "tag": payload["link"]}]

    worker = [w for w in page.context.service_workers if w.url == platform.url("/sw.js")][0]
    clicked = worker.evaluate(_CLICK)
    assert clicked == {"opened": [payload["link"]], "left": 0}  # opens the message's link; the notification closes
    page.goto(platform.url(urlsplit(clicked["opened"][0]).path))  # the link, on the site the courier reached
    page.wait_for_url(f"**/web/voice/{voice_id}")
    assert page.locator("[data-test=voice-text]").inner_text() == words
    assert _voice_answers(platform, courier.key)[0]["read_at"] is not None


# --- a person's language ------------------------------------------------------------------------------------------


def _identity_version(platform, user_id: str) -> int:
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT version FROM identity_versions WHERE user_id = :u"),
                                          {"u": user_id}).scalar_one())
    finally:
        engine.dispose()


def _account_locale(platform, user_id: str) -> str | None:
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT locale FROM users WHERE id = :u"), {"u": user_id}).scalar_one()
    finally:
        engine.dispose()


def test_a_courier_who_switches_to_english_gets_his_later_messages_in_english(platform, phone, rpc):
    courier, other = _couriers(platform, "english")
    assert _account_locale(platform, courier.user_id) is None  # accounts start with none: Chinese

    # before the switch: a message in Chinese
    first = _raise_voice(platform, courier.key, f"充电桩太少 {_RUN}")
    _answer_over_api(platform, first, f"已申请加装 {_RUN}")
    chinese = _wait(lambda: _voice_answers(platform, courier.key), what="the first answer")[0]
    assert chinese["title"] == render.render("voice_answered", "zh-CN", {}, "")[0]

    page = phone()  # a phone that prefers Chinese
    sign_in(page, platform, courier)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.click("[data-test=lang-switch]")
    page.wait_for_url("**/web/")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert _account_locale(platform, courier.user_id) == "en"  # kept on the account
    exported = ok(platform.session(courier.key).get(platform.url("/api/v1/account/export")))
    assert exported["identity"]["locale"] == "en"  # part of what the platform holds about him
    version = _identity_version(platform, courier.user_id)
    # member_profile_changed went out (through the relay) and the notifications members table has it
    _wait(lambda: rpc(None, "notifications", "knows_member", courier.user_id, version, tenant_id="dongxin"),
          what="notifications applying the language change")
    other_version = _identity_version(platform, other.user_id)

    second = _raise_voice(platform, courier.key, f"雨天没地方避雨 {_RUN}")
    _answer_over_api(platform, second, f"已在北门加装雨棚 {_RUN}")
    english = _wait(lambda: [m for m in _voice_answers(platform, courier.key) if m["link"].endswith(second)],
                    what="the second answer")[0]
    title, body = render.render("voice_answered", "en", {}, "")
    assert english["title"] == title != chinese["title"]
    assert english["body"].startswith(body.strip())

    page.goto(platform.url("/web/inbox"))
    card = page.locator("[data-test=message]", has_text=title)
    assert card.count() == 1 and card.locator("[data-test=unread-mark]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert audit(page) == {"low": [], "small": []}

    # signing in on another phone that has chosen nothing: the pages follow the account's language
    another = phone()
    sign_in(another, platform, courier)
    assert another.evaluate("document.documentElement.lang") == "en"
    assert another.locator("[data-test=unread-badge]").inner_text() == "2"  # the Chinese answer and the English one

    # choosing the language already chosen announces nothing again
    page.goto(platform.url("/web/lang/en?next=/web/inbox"))
    assert _identity_version(platform, courier.user_id) == version
    # the other community: the neighbour's account and identity events untouched, and no answer reached him
    assert _account_locale(platform, other.user_id) is None
    neighbour = phone()
    sign_in(neighbour, platform, other)
    assert neighbour.evaluate("document.documentElement.lang") == "zh-CN"
    assert _identity_version(platform, other.user_id) == other_version
    assert _voice_answers(platform, other.key) == []
