"""Delivery through the real local receivers, over real RabbitMQ and PostgreSQL with every service running:
the suite's notifications service sends SMS to the recording provider (`sms_provider`, apprise's JSON webhook)
and web push to `push_service` (which checks the VAPID signature and decrypts as a browser would). The clock
of sending is moved with `deliver_due(now=)` / `send_digests(now=)`; each message is caused by a real
operation (an award over the gateway, a rights case opened at the desk). Two communities throughout: the
other community's people receive nothing."""

from __future__ import annotations

import html
import json
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa

from services.common.database import make_engine
from services.notifications.channels.sms import units
from services.notifications.render import render
from tests.conftest import PASSWORD
from tests.e2e.notifications.conftest import call, inbox, send_event, wait_until

pytestmark = pytest.mark.e2e

CASES = "/api/v1/jobs/rights-cases"


# --- helpers --------------------------------------------------------------------------------------------------


def notifications_sql(platform, statement: str, **params) -> list:
    engine = make_engine(platform.infra.owner_url("notifications"), pool_size=1)
    try:
        with engine.begin() as connection:
            return list(connection.execute(sa.text(statement), params).all())
    finally:
        engine.dispose()


def with_phone(platform, key: str) -> str:
    """The person's phone number announced as identity announces it (`contact_changed`); returns it once the
    notifications service keeps it."""
    person = platform.people[key]
    send_event(platform, "identity", "contact_changed", person.tenant_id, {
        "user_id": person.user_id, "tenant_id": person.tenant_id, "version": 10, "phone": person.phone})
    assert wait_until(lambda: notifications_sql(platform, "SELECT phone FROM contacts WHERE user_id = :u",
                                                u=person.user_id)), "contact_changed not kept"
    return person.phone


def preferences(platform, key: str, **changes) -> dict:
    return call(platform, key, "update_preferences", changes)


def awake(platform, key: str) -> None:
    """Quiet hours that never cover the test's moment, whatever the real clock says."""
    start = (datetime.now(UTC) + timedelta(hours=8)).hour
    preferences(platform, key, time_zone="UTC", quiet_hours={"start": f"{start:02d}:00",
                                                              "end": f"{(start + 1) % 24:02d}:00"})


def sms_on(platform, key: str, kind: str = "points_awarded") -> None:
    preferences(platform, key, kinds=[{"kind": kind, "channels": {"sms": True}}])


def award(platform, staff_key: str, to_key: str, amount: int) -> None:
    response = platform.session(staff_key).post(platform.url("/api/v1/points/awards"), json={
        "user_id": platform.people[to_key].user_id, "amount": amount, "category": "volunteer",
        "reason": "志愿服务 / Volunteering"}, timeout=30)
    assert response.status_code == 201, response.text


def messages(platform, key: str, kind: str, count: int = 1) -> list[dict]:
    def found():
        items = [m for m in inbox(platform, key) if m["kind"] == kind]
        return items if len(items) >= count else None

    return wait_until(found) or []


def deliveries(platform, staff_key: str, message_ids, channel: str | None = None) -> list[dict]:
    ids = {message_ids} if isinstance(message_ids, str) else set(message_ids)
    query = {"limit": 100, **({"channel": channel} if channel else {})}
    return [d for d in call(platform, staff_key, "deliveries", query)["items"] if d["message_id"] in ids]


def delivery(platform, staff_key: str, delivery_id: str) -> dict:
    [row] = [d for d in call(platform, staff_key, "deliveries", {"limit": 100})["items"] if d["id"] == delivery_id]
    return row


def at(moment: datetime | str) -> str:
    return (datetime.fromisoformat(moment) if isinstance(moment, str) else moment).isoformat()


def sms_to(sms_provider, phone: str, status: int | None = None) -> list:
    """Requests the provider received for `phone` (the number in the query or in the JSON body)."""
    found = []
    for request in list(sms_provider.requests):
        numbers = [v for values in request.query.values() for v in values]
        try:
            body = request.json()
        except ValueError:
            body = {}
        numbers += [str(v) for v in body.values()] if isinstance(body, dict) else []
        if phone in numbers and (status is None or request.status == status):
            found.append(request)
    return found


def sms_text(request) -> str:
    body = request.json()
    return body.get("message") or body.get("body")


def expected_sms(message: dict) -> str:
    """The SMS of a message: its body with the short link at the end, one space before it."""
    link = message["body"][message["body"].index("http"):]
    return f"{message['body'].replace(link, ' ').strip()} {link}"


def web_session(platform, key: str) -> requests.Session:
    browser = requests.Session()
    browser.cookies.set("fc_csrf", "web-form-token")
    signed_in = browser.post(platform.url("/web/login"), allow_redirects=False, timeout=10, data={
        "csrf_token": "web-form-token", "phone": platform.people[key].phone, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.text
    return browser


# --- quiet hours, the SMS itself -------------------------------------------------------------------------------


def test_quiet_hours_hold_a_non_urgent_sms_until_morning_and_let_an_urgent_one_through(platform, person, sms_provider):
    sleeper, other = person("xiangyang"), person("dongxin")
    phone, other_phone = with_phone(platform, sleeper), with_phone(platform, other)
    # where this person lives it is now 03:xx at night (their quiet hours are the default 23:00–07:00)
    utc_hour = datetime.now(UTC).hour
    offset = (3 - utc_hour) % 24
    offset = offset - 24 if offset > 14 else offset
    zone = f"Etc/GMT{-offset:+d}"  # POSIX sign: Etc/GMT-8 is UTC+8
    prefs = preferences(platform, sleeper, time_zone=zone, kinds=[{"kind": "points_awarded",
                                                                     "channels": {"sms": True}}])
    assert prefs["quiet_hours"] == {"start": "23:00", "end": "07:00"} and prefs["time_zone"] == zone
    sms_on(platform, other)
    awake(platform, other)

    award(platform, "staff_a", sleeper, 5)
    award(platform, "staff_b", other, 6)
    (points,) = messages(platform, sleeper, "points_awarded")
    (points_sms,) = wait_until(lambda: deliveries(platform, "staff_a", points["id"], "sms"))
    now = datetime.now(UTC)
    call(platform, "staff_a", "deliver_due", at(now))
    held = wait_until(lambda: (row := delivery(platform, "staff_a", points_sms["id"]))["status"] == "held" and row)
    assert held, delivery(platform, "staff_a", points_sms["id"])
    morning = datetime.fromisoformat(held["next_attempt_at"])
    local_morning = morning.astimezone(ZoneInfo(zone))
    assert (local_morning.hour, local_morning.minute) == (7, 0) and now < morning <= now + timedelta(hours=5)
    assert sms_to(sms_provider, phone) == []

    # an urgent message (the rights desk: a case opened) is sent in the middle of the night
    opened = platform.session(sleeper).post(platform.url(CASES), json={
        "category": "wage_arrears", "summary": "在物流园做了两周分拣，工资至今未结"}, timeout=30)
    assert opened.status_code == 201, opened.text
    (urgent,) = messages(platform, sleeper, "case_update")
    (urgent_sms,) = wait_until(lambda: deliveries(platform, "staff_a", urgent["id"], "sms"))
    call(platform, "staff_a", "deliver_due", at(datetime.now(UTC)))
    assert wait_until(lambda: delivery(platform, "staff_a", urgent_sms["id"])["status"] == "sent")
    (sent,) = wait_until(lambda: sms_to(sms_provider, phone))
    assert sms_text(sent) == expected_sms(urgent)
    assert delivery(platform, "staff_a", points_sms["id"])["status"] == "held"  # still asleep

    # morning: the held SMS goes, with its exact text, one SMS long, the short link whole
    done = call(platform, "staff_a", "deliver_due", at(morning + timedelta(minutes=1)))
    assert done["sent"] >= 1, done
    assert delivery(platform, "staff_a", points_sms["id"])["status"] == "sent"
    texts = [sms_text(r) for r in sms_to(sms_provider, phone)]
    assert texts == [expected_sms(urgent), expected_sms(points)]
    assert texts[1] == f"{render('points_awarded', 'zh-CN', {'amount': 5}, 'L')[1][:-1].strip()} " \
                       f"http://127.0.0.1:8080/n/{points['short_code']}"
    assert all(units(t) <= 70 for t in texts) and texts[1].endswith(f"/n/{points['short_code']}")
    # the other community's person got their own SMS (awake), nothing of ours
    call(platform, "staff_b", "deliver_due", at(datetime.now(UTC)))
    theirs = wait_until(lambda: sms_to(sms_provider, other_phone))
    assert [sms_text(r) for r in theirs] == [expected_sms(messages(platform, other, "points_awarded")[0])]
    assert [m["kind"] for m in inbox(platform, other)] == ["points_awarded"]


# --- web push ----------------------------------------------------------------------------------------------------


def subscribe(platform, key: str, push_service):
    """A browser of `key` subscribes with the deployment's VAPID public key, over the gateway's API."""
    http = platform.session(key)
    answer = http.get(platform.url("/api/v1/notifications/push/vapid-public-key"), timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["key"] == call(platform, key, "vapid_public_key")["key"]
    subscription = push_service.subscribe(answer.json()["key"])
    made = http.post(platform.url("/api/v1/notifications/push/subscriptions"),
                     json=json.loads(subscription.as_json()), timeout=30)
    assert made.status_code in (200, 201), made.text
    return subscription


def test_a_push_is_signed_encrypted_and_decrypted_at_the_push_service(platform, person, push_service, vapid_keys):
    amy, zhao = person("xiangyang", locale="en"), person("dongxin")
    mine, theirs = subscribe(platform, amy, push_service), subscribe(platform, zhao, push_service)
    assert mine.application_server_key == vapid_keys.public_key
    awake(platform, amy)
    award(platform, "staff_a", amy, 15)
    (message,) = messages(platform, amy, "points_awarded")
    (row,) = wait_until(lambda: deliveries(platform, "staff_a", message["id"], "push"))
    call(platform, "staff_a", "deliver_due", at(datetime.now(UTC)))
    assert wait_until(lambda: delivery(platform, "staff_a", row["id"])["status"] == "sent"), \
        (delivery(platform, "staff_a", row["id"]), push_service.refused)

    [pushed] = [p for p in push_service.pushed if p.endpoint == mine.endpoint]
    link = f"http://127.0.0.1:8080/n/{message['short_code']}"
    assert pushed.json() == {"title": "Points received", "body": f"You received 15 points: {link}", "link": link}
    assert pushed.claims["aud"] == push_service.origin and pushed.claims["sub"].startswith(("mailto:", "https:"))
    assert pushed.headers["content-encoding"] == "aes128gcm" and int(pushed.headers["ttl"]) > 0
    assert not [p for p in push_service.pushed if p.endpoint == theirs.endpoint]  # dongxin: nothing happened
    assert call(platform, zhao, "inbox", {})["items"] == []


# --- a provider that fails ----------------------------------------------------------------------------------------


def test_a_failing_provider_is_retried_with_back_off_then_dead_lettered_shown_to_staff_and_retried(
        platform, person, sms_provider):
    resident, other = person("dongxin"), person("xiangyang")
    phone = with_phone(platform, resident)
    with_phone(platform, other)
    awake(platform, resident)
    sms_on(platform, resident)
    sms_provider.fail_next(*[503] * 5)
    award(platform, "staff_b", resident, 9)
    (message,) = messages(platform, resident, "points_awarded")
    (row,) = wait_until(lambda: deliveries(platform, "staff_b", message["id"], "sms"))
    created = datetime.fromisoformat(row["created_at"])

    # each attempt when the last one's back-off is over: 60 s, then doubling; the fifth failure is the last
    waits, when = [], datetime.now(UTC)
    for attempt in range(1, 6):
        call(platform, "staff_b", "deliver_due", at(when))
        current = wait_until(lambda n=attempt: (d := delivery(platform, "staff_b", row["id"]))["attempts"] >= n
                             and d["status"] in ("failed", "dead") and d)
        assert current and current["attempts"] == attempt, current
        if attempt < 5:
            assert current["status"] == "failed" and "503" in current["last_error"], current
            nxt = datetime.fromisoformat(current["next_attempt_at"])
            waits.append(nxt - max(when, created))
            when = nxt
    assert [round(w.total_seconds()) for w in waits[1:]] == [120, 240, 480]
    assert 55 <= waits[0].total_seconds() <= 75, waits
    dead = delivery(platform, "staff_b", row["id"])
    assert dead["status"] == "dead" and dead["attempts"] == 5 and "503" in dead["last_error"]
    assert [r.status for r in sms_to(sms_provider, phone)] == [503] * 5
    assert "address" not in dead and phone not in dead["last_error"]
    # announced to whoever watches dead letters: ids, channel and reason, never the text or the number
    [(announced,)] = wait_until(lambda: notifications_sql(
        platform, "SELECT envelope FROM outbox_events WHERE event_type = 'message_dead_lettered' "
                  "AND envelope->'data'->>'delivery_id' = :d", d=row["id"]))
    assert announced["data"]["channel"] == "sms" and announced["data"]["reason"] == dead["last_error"]
    assert phone not in json.dumps(announced) and message["short_code"] not in json.dumps(announced)

    # staff see it with its reason on the deliveries page; the other community's staff do not
    page = web_session(platform, "staff_b").get(platform.url("/web/staff/deliveries?status=dead"), timeout=30)
    assert page.status_code == 200 and html.escape(dead["last_error"], quote=False)[:60] in page.text
    assert row["id"] not in web_session(platform, "staff_a").get(
        platform.url("/web/staff/deliveries?status=dead"), timeout=30).text
    assert deliveries(platform, "staff_a", message["id"]) == []

    # a retry sends it (the provider works again)
    retried = platform.session("staff_b").post(platform.url(f"/api/v1/notifications/deliveries/{row['id']}/retry"),
                                               timeout=30)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "queued" and retried.json()["attempts"] == 0
    call(platform, "staff_b", "deliver_due", at(datetime.now(UTC)))
    assert wait_until(lambda: delivery(platform, "staff_b", row["id"])["status"] == "sent")
    assert [r.status for r in sms_to(sms_provider, phone)] == [503] * 5 + [200]
    assert sms_text(sms_to(sms_provider, phone)[-1]) == expected_sms(message)
    assert inbox(platform, other) == []


# --- the rights desk: no case detail leaves the platform -----------------------------------------------------------


def test_rights_desk_case_updates_reach_sms_and_push_without_any_case_detail(platform, person, sms_provider,
                                                                              push_service):
    courier, admin, lawyer = person("xiangyang"), person("xiangyang", "staff", "tenant_admin"), \
        person("xiangyang", "staff")
    other = person("dongxin")
    phone = with_phone(platform, courier)
    other_phone = with_phone(platform, other)
    device = subscribe(platform, courier, push_service)
    other_device = subscribe(platform, other, push_service)
    summary = f"在物流园做了两周分拣工资至今未结 {uuid.uuid4().hex[:6]}"
    opened = platform.session(courier).post(platform.url(CASES), json={"category": "wage_arrears",
                                                                      "summary": summary}, timeout=30)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    desk = platform.session(admin)
    added = desk.post(platform.url(f"{CASES}/desk-members"), json={
        "user_id": platform.people[lawyer].user_id, "desk_role": "community_lawyer", "title": "王律师"}, timeout=30)
    assert added.status_code == 200, added.text
    assigned = desk.post(platform.url(f"{CASES}/{case['id']}/assignment"),
                         json={"assignee_user_id": platform.people[lawyer].user_id}, timeout=30)
    assert assigned.status_code == 200, assigned.text

    updates = messages(platform, courier, "case_update", count=2)
    assert len(updates) == 2 and all(m["urgent"] and m["link"] == f"/web/rights/{case['id']}" for m in updates)
    rows = wait_until(lambda: len(found := deliveries(platform, "staff_a", [m["id"] for m in updates])) == 4
                      and found)
    assert sorted(d["channel"] for d in rows) == ["push", "push", "sms", "sms"]
    call(platform, "staff_a", "deliver_due", at(datetime.now(UTC)))
    assert wait_until(lambda: all(delivery(platform, "staff_a", d["id"])["status"] == "sent" for d in rows))

    texts = [sms_text(r) for r in sms_to(sms_provider, phone)]
    pushed = [p.json() for p in push_service.pushed if p.endpoint == device.endpoint]
    assert sorted(texts) == sorted(expected_sms(m) for m in updates)
    assert sorted(p["body"] for p in pushed) == sorted(m["body"] for m in updates)
    recorded = " ".join(texts + [json.dumps(p, ensure_ascii=False) for p in pushed]
                        + [r.body.decode("utf-8", "replace") for r in sms_to(sms_provider, phone)])
    for secret in (summary, "物流园", "分拣", "工资", "欠薪", "wage", "arrears", case["id"], "王律师",
                   platform.people[lawyer].user_id):
        assert secret not in recorded, secret
    assert all(units(t) <= 70 for t in texts)
    assert sms_to(sms_provider, other_phone) == []
    assert not [p for p in push_service.pushed if p.endpoint == other_device.endpoint]
    assert [m for m in inbox(platform, other) if m["kind"] == "case_update"] == []


# --- the daily digest -----------------------------------------------------------------------------------------------


def test_the_daily_digest_folds_a_days_non_urgent_sms_into_one_and_an_urgent_one_goes_at_once(
        platform, person, sms_provider):
    reader, other = person("xiangyang"), person("dongxin")
    phone = with_phone(platform, reader)
    other_phone = with_phone(platform, other)
    hour = (datetime.now(UTC) + timedelta(hours=5)).hour
    preferences(platform, reader, time_zone="UTC", digest={"enabled": True, "hour": hour},
                quiet_hours={"start": "00:00", "end": "00:00"})
    sms_on(platform, reader)
    sms_on(platform, other)
    awake(platform, other)
    for amount in (1, 2, 3):
        award(platform, "staff_a", reader, amount)
    folded = messages(platform, reader, "points_awarded", count=3)
    rows = wait_until(lambda: len(found := deliveries(platform, "staff_a", [m["id"] for m in folded], "sms")) == 3
                      and found)
    call(platform, "staff_a", "deliver_due", at(datetime.now(UTC)))
    assert wait_until(lambda: all(delivery(platform, "staff_a", d["id"])["status"] == "held" for d in rows))
    due = {delivery(platform, "staff_a", d["id"])["next_attempt_at"] for d in rows}
    [digest_at] = due
    digest_at = datetime.fromisoformat(digest_at)
    assert (digest_at.hour, digest_at.minute) == (hour, 0)
    assert call(platform, "staff_a", "send_digests", at(digest_at - timedelta(minutes=1)))["digests"] == 0
    assert sms_to(sms_provider, phone) == []

    # an urgent message is not folded: it goes at once
    opened = platform.session(reader).post(platform.url(CASES), json={
        "category": "wage_arrears", "summary": "工资拖欠三个月"}, timeout=30)
    assert opened.status_code == 201, opened.text
    (urgent,) = messages(platform, reader, "case_update")
    (urgent_sms,) = wait_until(lambda: deliveries(platform, "staff_a", urgent["id"], "sms"))
    call(platform, "staff_a", "deliver_due", at(datetime.now(UTC)))
    assert wait_until(lambda: delivery(platform, "staff_a", urgent_sms["id"])["status"] == "sent")
    assert [sms_text(r) for r in sms_to(sms_provider, phone)] == [expected_sms(urgent)]

    ran = call(platform, "staff_a", "send_digests", at(digest_at))
    assert ran["digests"] >= 1 and ran["folded"] >= 3, ran
    [_, sent] = sms_to(sms_provider, phone)
    newest = max(folded, key=lambda m: m["created_at"])
    link = f"http://127.0.0.1:8080/n/{newest['short_code']}"
    title, body = render("digest", "zh-CN", {"count": 3}, link)
    assert sms_text(sent) == f"{body.replace(link, ' ').strip()} {link}" and units(sms_text(sent)) <= 70
    assert all(delivery(platform, "staff_a", d["id"])["status"] == "sent" for d in rows)
    assert call(platform, "staff_a", "send_digests", at(digest_at + timedelta(minutes=5)))["digests"] == 0
    assert len(sms_to(sms_provider, phone)) == 2
    # the other community's reader was told nothing, by SMS or otherwise
    assert sms_to(sms_provider, other_phone) == [] and inbox(platform, other) == []
