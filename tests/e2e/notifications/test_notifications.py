"""Notifications over real RabbitMQ and PostgreSQL with every service running: an award becomes a message
in the person's inbox in their language, once even when the event arrives twice; a waiting-list promotion
reaches the promoted person; the inbox and preferences RPCs as the gateway calls them. Two communities
throughout: nobody ever sees the other's messages."""

from __future__ import annotations

import time

import pytest
import requests
import sqlalchemy as sa

from services.common.database import make_engine
from tests.e2e.notifications.conftest import call, inbox, publish, send_event, wait_until

pytestmark = pytest.mark.e2e


def _points_envelopes(platform, user_id: str) -> list[dict]:
    engine = make_engine(platform.infra.owner_url("points"), pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT envelope FROM outbox_events WHERE event_type = 'points_awarded' "
                                        "ORDER BY seq")).scalars().all()
    finally:
        engine.dispose()
    return [e for e in rows if e["data"]["user_id"] == user_id]


def _award(platform, staff_key: str, to_key: str, amount: int) -> None:
    http = platform.session(staff_key)
    response = http.post(platform.url("/api/v1/points/awards"), json={
        "user_id": platform.people[to_key].user_id, "amount": amount, "category": "volunteer",
        "reason": "志愿服务 / Volunteering"}, timeout=30)
    assert response.status_code == 201, response.text


def test_a_manual_award_reaches_the_persons_inbox_in_their_language_once(platform, person):
    amy = person("xiangyang", locale="en")
    wang = person("xiangyang")
    zhao = person("dongxin")
    _award(platform, "staff_a", amy, 20)
    (message,) = wait_until(lambda: inbox(platform, amy))
    assert message["kind"] == "points_awarded" and message["title"] == "Points received"
    assert message["body"].startswith("You received 20 points: http") and message["link"] == "/web/points"
    assert f"/n/{message['short_code']}" in message["body"] and message["read_at"] is None

    # the same event delivered again (a relay that died between publishing and marking) adds nothing
    (envelope,) = _points_envelopes(platform, platform.people[amy].user_id)
    publish(platform, envelope, service="points", event="points_awarded", tenant_id="xiangyang")
    _award(platform, "staff_a", amy, 7)  # a later event: once it is in, the duplicate was handled before it
    wait_until(lambda: len(inbox(platform, amy)) >= 2)
    assert sorted(m["body"].split(":")[0] for m in inbox(platform, amy)) == ["You received 20 points",
                                                                              "You received 7 points"]

    # a Chinese reader reads Chinese; the other community's award stays there
    _award(platform, "staff_a", wang, 5)
    _award(platform, "staff_b", zhao, 9)
    (chinese,) = wait_until(lambda: inbox(platform, wang))
    assert chinese["title"] == "获得积分" and chinese["body"].startswith("您获得了5积分")
    (theirs,) = wait_until(lambda: inbox(platform, zhao))
    assert theirs["body"].startswith("您获得了9积分")
    assert [m["body"][:8] for m in inbox(platform, wang)] == [chinese["body"][:8]]
    assert inbox(platform, amy, tenant_id="dongxin") == []


def test_a_waiting_list_promotion_tells_the_promoted_person(platform, api, person):
    session = api.session(api.course(audience={"everyone": True}), capacity=1)
    first = api.enrol("courier_a", session)
    second = api.enrol("courier_b", session)  # dongxin, waiting
    assert second["status"] == "waitlisted"
    api.call("courier_a", "POST", f"/enrolments/{first['id']}/cancel", 200, json={"reason": "要加班"})
    promoted = wait_until(lambda: [m for m in inbox(platform, "courier_b") if m["kind"] == "waitlist_promoted"])
    assert len(promoted) == 1 and promoted[0]["urgent"] is True
    assert promoted[0]["title"] == "您已获得名额" and promoted[0]["link"].startswith("/web/courses/")
    assert not [m for m in inbox(platform, "courier_a") if m["kind"] == "waitlist_promoted"]


def test_the_inbox_and_preferences_rpcs(platform, person):
    reader, other = person("xiangyang"), person("dongxin")
    for amount in (1, 2, 3):
        send_event(platform, "points", "points_awarded", "xiangyang", {
            "posting_id": f"p-{amount}", "trace_number": "T", "user_id": platform.people[reader].user_id,
            "amount": amount, "source": "manual"})
    send_event(platform, "points", "points_awarded", "dongxin", {
        "posting_id": "p-b", "trace_number": "T", "user_id": platform.people[other].user_id, "amount": 4,
        "source": "manual"})
    wait_until(lambda: len(inbox(platform, reader)) == 3 and inbox(platform, other))

    first = call(platform, reader, "inbox", {"limit": 2})
    rest = call(platform, reader, "inbox", {"limit": 2, "after": first["next_cursor"]})
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert call(platform, reader, "unread_count") == {"unread": 3}

    newest = first["items"][0]
    assert call(platform, reader, "mark_read", newest["id"])["read_at"] is not None
    assert call(platform, reader, "inbox", {"unread_only": True})["items"][0]["id"] != newest["id"]
    opened = call(platform, reader, "open_link", first["items"][1]["short_code"])
    assert opened == {"message_id": first["items"][1]["id"], "link": "/web/points"}
    assert call(platform, reader, "unread_count") == {"unread": 1}
    assert call(platform, reader, "mark_all_read") == {"marked": 1}

    # someone else's message and short link are not found; so is another community's
    theirs = inbox(platform, other)[0]
    for method, argument in (("mark_read", theirs["id"]), ("open_link", theirs["short_code"])):
        with pytest.raises(Exception) as refused:
            call(platform, reader, method, argument)
        assert type(refused.value).__name__ == "NotFound"
    assert call(platform, other, "unread_count") == {"unread": 1}

    preferences = call(platform, reader, "get_preferences")
    assert preferences["quiet_hours"] == {"start": "23:00", "end": "07:00"}
    assert preferences["time_zone"] == "Asia/Shanghai" and preferences["digest"] == {"enabled": False, "hour": 19}
    kinds = {k["kind"]: k for k in preferences["kinds"]}
    assert kinds["case_update"]["urgent"] and kinds["case_update"]["channels"] == {"inbox": True, "sms": True,
                                                                                    "push": True}
    changed = call(platform, reader, "update_preferences", {
        "quiet_hours": {"start": "09:00", "end": "17:00"},
        "kinds": [{"kind": "points_awarded", "channels": {"push": False}}]})
    assert changed["quiet_hours"] == {"start": "09:00", "end": "17:00"}
    assert {k["kind"]: k for k in changed["kinds"]}["points_awarded"]["channels"]["push"] is False
    assert call(platform, other, "get_preferences")["quiet_hours"]["start"] == "23:00"

    keys = {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
            "auth": "tBHItJI5svbpez7KI4CCXg"}
    subscription = call(platform, reader, "subscribe_push", {"endpoint": "https://push.example.org/send/abc",
                                                             "keys": keys})
    assert subscription["endpoint"] == "https://push.example.org/send/abc"
    assert call(platform, other, "unsubscribe_push", "https://push.example.org/send/abc") == {"removed": 0}
    assert call(platform, reader, "unsubscribe_push", "https://push.example.org/send/abc") == {"removed": 1}


def test_staff_see_deliveries_and_figures_of_their_own_community(platform, person):
    resident = person("xiangyang")
    send_event(platform, "training", "waitlist_promoted", "xiangyang", {
        "enrolment_id": "e-1", "session_id": "s-1", "course_id": "c-1", "host_tenant_id": "hzvtc",
        "user_id": platform.people[resident].user_id, "course_kind": "certificate", "guardian_user_id": None})
    wait_until(lambda: inbox(platform, resident))
    figures = call(platform, "staff_a", "figures")
    assert figures["tenant_id"] == "xiangyang" and figures["messages"].get("waitlist_promoted", 0) >= 1
    assert call(platform, "staff_b", "figures")["tenant_id"] == "dongxin"
    assert call(platform, "staff_a", "figures", "2099-01-01T00:00:00+00:00", None)["messages"] == {}
    page = call(platform, "staff_a", "deliveries", {"limit": 5})
    assert all("address" not in d and "body" not in d for d in page["items"])
    with pytest.raises(Exception) as refused:
        call(platform, resident, "deliveries", {})
    assert type(refused.value).__name__ == "Forbidden"
    assert set(call(platform, "staff_a", "deliver_due")) == {"sent", "held", "failed", "dead"}


def test_a_phone_from_contact_changed_makes_an_urgent_message_an_sms_too(platform, person):
    resident = person("dongxin")
    user_id = platform.people[resident].user_id
    send_event(platform, "identity", "contact_changed", "dongxin", {
        "user_id": user_id, "tenant_id": "dongxin", "version": 5, "phone": platform.people[resident].phone})
    wait_until(lambda: call(platform, resident, "knows_member", user_id))
    time.sleep(1)  # contact_changed has its own queue; give it a moment before the urgent event
    send_event(platform, "training", "waitlist_promoted", "dongxin", {
        "enrolment_id": "e-2", "session_id": "s-2", "course_id": "c-2", "host_tenant_id": "hzvtc",
        "user_id": user_id, "course_kind": "certificate", "guardian_user_id": None})
    (message,) = wait_until(lambda: inbox(platform, resident))
    rows = wait_until(lambda: [d for d in call(platform, "staff_b", "deliveries", {"limit": 100})["items"]
                               if d["message_id"] == message["id"]])
    assert [d["channel"] for d in rows] == ["sms"] and rows[0]["kind"] == "waitlist_promoted"
    # the service's timer takes it (urgent: quiet hours do not hold it); sent, or failed with its reason
    # where no SMS provider is configured
    taken = wait_until(lambda: [d for d in call(platform, "staff_b", "deliveries", {"limit": 100})["items"]
                                if d["id"] == rows[0]["id"] and d["status"] != "queued"], timeout=40)
    assert taken and taken[0]["attempts"] >= 1 and (taken[0]["status"] == "sent") == (not taken[0]["last_error"])
    assert not [d for d in call(platform, "staff_a", "deliveries", {"limit": 100})["items"]
                if d["message_id"] == message["id"]]  # the other community's staff do not see it


def test_a_broadcast_to_the_community_once_per_key_and_a_group_asked_of_its_service(platform, person):
    here, there = person("xiangyang"), person("dongxin")
    notice = {"group": "community", "title": "停水通知", "body": "明天9点至12点停水。", "channels": ["inbox", "push"]}
    preview = call(platform, "staff_a", "preview_broadcast", notice)
    assert preview["recipients"] >= 2 and preview["channels"]["inbox"] == preview["recipients"]
    sent = call(platform, "staff_a", "send_broadcast", {**notice, "idempotency_key": f"water-{here}"})
    again = call(platform, "staff_a", "send_broadcast", {**notice, "idempotency_key": f"water-{here}"})
    assert again["id"] == sent["id"]
    (message,) = [m for m in inbox(platform, here) if m["kind"] == "broadcast"]
    assert message["title"] == "停水通知" and message["body"] == "明天9点至12点停水。"
    assert not [m for m in inbox(platform, there) if m["kind"] == "broadcast"]
    assert sent["id"] in {b["id"] for b in call(platform, "staff_a", "list_broadcasts", {})["items"]}
    assert sent["id"] not in {b["id"] for b in call(platform, "staff_b", "list_broadcasts", {})["items"]}
    # a group is asked of the service that owns it; a class that does not exist has nobody in it
    roster = call(platform, "staff_a", "preview_broadcast", {**notice, "group": "training.class_roster",
                                                             "ref": "no-such-session"})
    assert roster["recipients"] == 0
    with pytest.raises(Exception) as refused:
        call(platform, here, "send_broadcast", {**notice, "idempotency_key": "x"})
    assert type(refused.value).__name__ == "Forbidden"


def test_a_cancelled_class_tells_its_roster_in_each_community_asked_of_training(platform, api):
    from datetime import timedelta

    from tests.e2e.training.conftest import iso, now

    start = now() + timedelta(days=2)
    session = api.session(api.course(audience={"everyone": True}), capacity=3, meetings=[
        {"starts_at": iso(start), "ends_at": iso(start + timedelta(hours=2)), "topic": "第一课"}])
    for who in ("courier_a", "courier_b"):  # xiangyang and dongxin, one roster each
        assert api.enrol(who, session)["status"] == "enrolled"
    before = {who: len(inbox(platform, who)) for who in ("courier_a", "courier_b", "courier_a2")}
    college_staff = platform.people["college_staff"]
    context = {"tenant_id": college_staff.tenant_id, "user_id": college_staff.user_id, "roles": "staff",
               "locale": "zh-CN"}
    from gateway.rpc import RpcPool

    pool = RpcPool(platform.infra.amqp_uri, size=1, timeout=30)
    try:
        pool.call("training", "cancel_meeting", session["meetings"][0]["id"], {"reason": "weather"},
                  context_data=context)
    finally:
        pool.close()
    for who in ("courier_a", "courier_b"):
        told = wait_until(lambda who=who: [m for m in inbox(platform, who) if m["kind"] == "class_cancelled"
                                           and m["link"] == f"/web/courses/{session['course_id']}"])
        assert len(told) == 1 and told[0]["title"] == "课程已取消", who
    assert len(inbox(platform, "courier_a2")) == before["courier_a2"]  # not on the roster


def test_the_inbox_over_the_gateway_api_and_the_short_link(platform, person):
    reader, neighbour = person("xiangyang"), person("dongxin")
    _award(platform, "staff_a", reader, 15)
    _award(platform, "staff_b", neighbour, 16)
    http = platform.session(reader)

    def api_inbox(who=reader):
        answer = platform.session(who).get(platform.url("/api/v1/notifications/inbox"), timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    (message,) = wait_until(api_inbox)
    assert message["body"].startswith("您获得了15积分") and message["link"] == "/web/points"
    assert http.get(platform.url("/api/v1/notifications/inbox/unread-count"), timeout=30).json() == {"unread": 1}
    theirs = wait_until(lambda: api_inbox(neighbour))
    assert http.post(platform.url(f"/api/v1/notifications/inbox/{theirs[0]['id']}/read"),
                     timeout=30).status_code == 404
    read = http.post(platform.url(f"/api/v1/notifications/inbox/{message['id']}/read"), timeout=30)
    assert read.status_code == 200 and read.json()["read_at"]
    assert http.post(platform.url("/api/v1/notifications/inbox/read-all"), timeout=30).json() == {"marked": 0}
    # the short link in the text goes to the page that opens it for its reader
    short = requests.get(platform.url(f"/n/{message['short_code']}"), allow_redirects=False, timeout=30)
    assert short.status_code in (301, 302, 303, 307, 308)
    assert short.headers["Location"].endswith(f"/web/n/{message['short_code']}")
