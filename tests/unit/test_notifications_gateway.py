"""The gateway's side of notifications (issue 18), with the notifications service replaced by a fake at the
gateway's RPC seam (`app.extensions["fengchao.rpc"]`, the pool every call goes through): the API forwards what the
contract says, staff-only parts refuse residents before any call, a broadcast is sent once per Idempotency-Key, and
on the pages the short link, the inbox, the badge (absent, never a 500, when the service does not answer), the
settings form, the service worker and the staff pages. Two tenants throughout. The service's own behaviour is
tested with the service (tests/unit/notifications, tests/e2e/notifications)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from gateway import identity
from gateway.app import create_app
from gateway.identity import TokenSettings
from gateway.models import Base as GatewayBase
from gateway.settings import GatewaySettings
from gateway.web import session as web_session
from services.common.database import make_engine
from services.common.errors import NotFound, ServiceUnavailable, ValidationFailed

PASSWORD = "Fengchao2026"
SECRET = "a-test-secret-of-at-least-32-characters!"

MESSAGE = {"id": "m-1", "kind": "vote_opened", "title": "投票开始了", "body": "社区投票已开始",
           "link": "/web/votes/v-1",
           "short_code": "Ab3dE9xy", "urgent": False, "created_at": "2026-12-02T10:00:00+00:00", "read_at": None}
PREFERENCES = {"quiet_hours": {"start": "23:00", "end": "07:00"}, "time_zone": "Asia/Shanghai",
               "digest": {"enabled": False, "hour": 19},
               "kinds": [{"kind": "vote_opened", "urgent": False, "staff": False,
                          "channels": {"inbox": True, "sms": False, "push": True}},
                         {"kind": "case_update", "urgent": True, "staff": False,
                          "channels": {"inbox": True, "sms": True, "push": True}}]}


class FakePool:
    """Stands where gateway.rpc.RpcPool stands: records each call with its context, answers from `answers`
    (`"notifications.inbox"` → a value, or a function of the call's arguments, or an exception to raise)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.answers: dict[str, Any] = {}

    def call(self, service: str, method: str, *args: Any, context_data: dict[str, Any], timeout: float | None = None,
             **kwargs: Any) -> Any:
        name = f"{service}.{method}"
        self.calls.append((name, args, context_data))
        answer = self.answers.get(name)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(*args)
        return answer

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def gateway_app(tmp_path_factory):
    """The gateway with its own database (two tenants, four people), made once: the tests change no identity."""
    url = f"sqlite:///{tmp_path_factory.mktemp('gateway')}/gateway.db"
    engine = make_engine(url)
    GatewayBase.metadata.create_all(engine)
    session = sessionmaker(engine, expire_on_commit=False)()
    tokens = TokenSettings(secret=SECRET)
    people: dict[str, dict[str, Any]] = {}
    with session.begin():
        for tenant_id in ("xiangyang", "dongxin"):
            identity.create_tenant(session=session, tenant_id=tenant_id, name=tenant_id, kind="community")
        for name, phone, tenant_id, roles in (("resident", "13900000301", "xiangyang", ["resident"]),
                                              ("staff", "13900000302", "xiangyang", ["staff"]),
                                              ("other_staff", "13900000303", "dongxin", ["staff"]),
                                              ("admin", "13900000304", "xiangyang", ["tenant_admin"])):
            user = identity.create_user(session=session, phone=phone, display_name=name, password=PASSWORD)
            identity.grant_membership(session=session, user_id=user.id, tenant_id=tenant_id, roles=roles)
            pair = identity.issue_tokens(session=session, settings=tokens, user_id=user.id, tenant_id=tenant_id,
                                         roles=roles)
            people[name] = {"user_id": user.id, "tenant_id": tenant_id, "token": pair["access_token"]}
    session.close()
    engine.dispose()
    return create_app(GatewaySettings(amqp_uri="amqp://unused", database_url=url, tokens=tokens)), people


@pytest.fixture
def platform(gateway_app):
    app, people = gateway_app
    pool = FakePool()
    app.extensions["fengchao.rpc"] = pool
    pool.answers.update({
        "notifications.unread_count": {"unread": 3},
        "notifications.inbox": {"items": [MESSAGE, {**MESSAGE, "id": "m-2", "short_code": "Zz9yX8wv",
                                                    "read_at": "2026-12-02T11:00:00+00:00"}],
                                "next_cursor": "c-2"},
        "notifications.get_preferences": PREFERENCES,
        "notifications.update_preferences": lambda payload: PREFERENCES,
        "notifications.vapid_public_key": {"key": "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnf"},
        "notifications.list_broadcasts": {"items": [], "next_cursor": None},
        "notifications.preview_broadcast": {"recipients": 42, "channels": {"inbox": 42, "sms": 0, "push": 30}},
        "notifications.send_broadcast": lambda payload: {"id": "b-1", "recipients": 42,
                                                         "created_at": "2026-12-02T10:00:00+00:00"},
        "notifications.deliveries": {"items": [{"id": "d-1", "message_id": "m-1", "kind": "case_update",
                                                "channel": "sms", "status": "dead", "attempts": 5,
                                                "last_error": "provider refused: 403", "next_attempt_at": None,
                                                "sent_at": None, "created_at": "2026-12-02T10:00:00+00:00"}],
                                     "next_cursor": None},
        "notifications.figures": {"tenant_id": "xiangyang", "messages": {"vote_opened": 7},
                                  "deliveries": {"sms": {"sent": 5, "dead": 1}}, "unread": 4},
    })
    yield app, pool, people


def api(app, person: dict[str, Any]) -> Callable[..., Any]:
    client = app.test_client()

    def send(method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {person['token']}", **kwargs.pop("headers", {})}
        return client.open(f"/api/v1/notifications{path}", method=method, headers=headers, **kwargs)
    return send


def browser(app, person: dict[str, Any] | None, language: str = "zh-CN") -> Any:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    if person is not None:
        client.set_cookie(web_session.ACCESS_COOKIE, person["token"])
    client.set_cookie(web_session.CSRF_COOKIE, "form-token")
    return client


def form(**fields: Any) -> dict[str, Any]:
    return {web_session.CSRF_FIELD: "form-token", **fields}


# --- the API ----------------------------------------------------------------------------------------------------


def test_the_inbox_api_forwards_the_page_query_and_answers_the_page(platform):
    app, pool, people = platform
    answer = api(app, people["resident"])("GET", "/inbox?limit=5&after=c-1&unread_only=true")
    assert answer.status_code == 200 and answer.get_json()["next_cursor"] == "c-2"
    name, args, context = pool.calls[-1]
    assert name == "notifications.inbox" and args == ({"limit": "5", "after": "c-1", "unread_only": "true"},)
    assert context["tenant_id"] == "xiangyang" and context["user_id"] == people["resident"]["user_id"]
    assert api(app, people["resident"])("GET", "/inbox?limit=0").status_code == 422  # the contract's limit


def test_mark_read_unread_count_and_read_all_call_their_rpcs(platform):
    app, pool, people = platform
    pool.answers["notifications.mark_read"] = lambda message_id: {**MESSAGE, "id": message_id, "read_at": "now"}
    pool.answers["notifications.mark_all_read"] = {"marked": 2}
    call = api(app, people["resident"])
    assert call("GET", "/inbox/unread-count").get_json() == {"unread": 3}
    assert call("POST", "/inbox/m-9/read").get_json()["id"] == "m-9"
    assert call("POST", "/inbox/read-all").get_json() == {"marked": 2}
    assert pool.names() == ["notifications.unread_count", "notifications.mark_read", "notifications.mark_all_read"]
    pool.answers["notifications.mark_read"] = NotFound("Message not found")
    assert call("POST", "/inbox/m-of-someone-else/read").status_code == 404


def test_preferences_are_validated_at_the_edge_and_forwarded_as_sent(platform):
    app, pool, people = platform
    call = api(app, people["resident"])
    assert call("GET", "/preferences").get_json() == PREFERENCES
    assert call("PUT", "/preferences", json={"quiet_hours": {"start": "25:00", "end": "07:00"}}).status_code == 422
    assert pool.names() == ["notifications.get_preferences"]
    body = {"digest": {"enabled": True, "hour": 20}, "kinds": [{"kind": "vote_opened",
                                                                 "channels": {"sms": True, "push": False}}]}
    assert call("PUT", "/preferences", json=body).status_code == 200
    assert pool.calls[-1][:2] == ("notifications.update_preferences", (body,))


def test_push_key_subscribe_and_unsubscribe(platform):
    app, pool, people = platform
    pool.answers["notifications.subscribe_push"] = lambda p: {"id": "s-1", "endpoint": p["endpoint"],
                                                              "created_at": "2026-12-02T10:00:00+00:00"}
    pool.answers["notifications.unsubscribe_push"] = {"removed": 1}
    call = api(app, people["resident"])
    assert call("GET", "/push/vapid-public-key").get_json()["key"]
    subscription = {"endpoint": "https://push.example.com/send/abc", "keys": {"p256dh": "BNc", "auth": "tBH"}}
    assert call("POST", "/push/subscriptions", json=subscription).status_code == 201
    assert call("POST", "/push/subscriptions", json={"endpoint": "not a url", "keys": {}}).status_code == 422
    assert call("DELETE", "/push/subscriptions", json={"endpoint": subscription["endpoint"]}).get_json() \
        == {"removed": 1}
    assert pool.calls[-1][:2] == ("notifications.unsubscribe_push", (subscription["endpoint"],))


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/broadcasts", None),
    ("POST", "/broadcasts", {"group": "community", "title": "停水通知", "body": "明天停水"}),
    ("POST", "/broadcasts/preview", {"group": "community", "title": "停水通知", "body": "明天停水"}),
    ("GET", "/deliveries", None),
    ("POST", "/deliveries/d-1/retry", None),
    ("GET", "/figures", None),
    ("GET", "/team-robot", None),
    ("PUT", "/team-robot", {"url": "wecombot://key"}),
])
def test_staff_parts_refuse_a_resident_before_any_call(platform, method, path, body):
    app, pool, people = platform
    answer = api(app, people["resident"])(method, path, **({"json": body} if body is not None else {}))
    assert answer.status_code == 403 and pool.calls == []


def test_only_a_tenant_admin_sets_the_team_robot(platform):
    app, pool, people = platform
    pool.answers["notifications.set_team_robot"] = {"configured": True, "scheme": "wecombot", "url_hint": "wecombot://",
                                                    "updated_at": None}
    assert api(app, people["staff"])("PUT", "/team-robot", json={"url": "wecombot://key"}).status_code == 403
    assert api(app, people["admin"])("PUT", "/team-robot", json={"url": "wecombot://key"}).status_code == 200
    assert pool.calls[-1][:2] == ("notifications.set_team_robot", ({"url": "wecombot://key"},))


def test_a_broadcast_is_sent_once_per_idempotency_key_and_keys_are_per_person(platform):
    app, pool, people = platform
    body = {"group": "training.class_roster", "ref": "s-1", "title": "换教室", "body": "改到二楼",
            "channels": ["inbox"]}
    staff = api(app, people["staff"])
    first = staff("POST", "/broadcasts", json=body, headers={"Idempotency-Key": "k-1"})
    again = staff("POST", "/broadcasts", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    sends = [c for c in pool.calls if c[0] == "notifications.send_broadcast"]
    assert len(sends) == 1
    payload = sends[0][1][0]
    assert {k: payload[k] for k in body} == body and len(payload["idempotency_key"]) == 64
    # another staff member (of another tenant) with the same key gives the service another key
    api(app, people["other_staff"])("POST", "/broadcasts", json=body, headers={"Idempotency-Key": "k-1"})
    sends = [c for c in pool.calls if c[0] == "notifications.send_broadcast"]
    assert len(sends) == 2 and sends[1][1][0]["idempotency_key"] != payload["idempotency_key"]
    assert sends[1][2]["tenant_id"] == "dongxin"
    assert staff("POST", "/broadcasts", json={**body, "group": "nobody"}).status_code == 422


def test_deliveries_figures_and_retry(platform):
    app, pool, people = platform
    pool.answers["notifications.retry_delivery"] = lambda delivery_id: {"id": delivery_id, "status": "queued"}
    staff = api(app, people["staff"])
    assert staff("GET", "/deliveries?status=dead&channel=sms").get_json()["items"][0]["last_error"]
    assert pool.calls[-1][1] == ({"status": "dead", "channel": "sms"},)
    assert staff("GET", "/deliveries?status=lost").status_code == 422
    assert staff("POST", "/deliveries/d-1/retry").get_json()["status"] == "queued"
    assert staff("GET", "/figures?since=2026-12-01T00:00:00%2B08:00").get_json()["messages"] == {"vote_opened": 7}
    assert pool.calls[-1][:2] == ("notifications.figures", ("2026-12-01T00:00:00+08:00", None))


def test_every_path_of_the_brief_is_in_the_api_document(platform):
    app, _pool, _people = platform
    paths = app.test_client().get("/openapi.json").get_json()["paths"]
    wanted = {"/inbox": {"get"}, "/inbox/unread-count": {"get"}, "/inbox/{message_id}/read": {"post"},
              "/inbox/read-all": {"post"}, "/preferences": {"get", "put"}, "/push/vapid-public-key": {"get"},
              "/push/subscriptions": {"post", "delete"}, "/broadcasts": {"get", "post"},
              "/broadcasts/preview": {"post"}, "/deliveries": {"get"}, "/deliveries/{delivery_id}/retry": {"post"},
              "/figures": {"get"}, "/team-robot": {"get", "put"}}
    for path, methods in wanted.items():
        assert methods <= set(paths[f"/api/v1/notifications{path}"]), path
    post = paths["/api/v1/notifications/broadcasts"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in post.get("parameters", [])}


# --- the pages ------------------------------------------------------------------------------------------------------


def test_the_short_link_signs_in_first_then_opens_the_message_link(platform):
    app, pool, people = platform
    pool.answers["notifications.open_link"] = lambda code: {"message_id": "m-1", "link": "/web/votes/v-1"}
    anonymous = browser(app, None)
    first = anonymous.get("/n/Ab3dE9xy")
    assert first.status_code == 302 and first.headers["Location"].endswith("/web/n/Ab3dE9xy")
    login = anonymous.get("/web/n/Ab3dE9xy")
    assert login.status_code == 302 and "/web/login" in login.headers["Location"] \
        and "next=/web/n/Ab3dE9xy" in login.headers["Location"].replace("%2F", "/")
    assert pool.calls == []
    opened = browser(app, people["resident"]).get("/web/n/Ab3dE9xy")
    assert opened.status_code == 302 and opened.headers["Location"] == "/web/votes/v-1"
    assert pool.calls[-1][:2] == ("notifications.open_link", ("Ab3dE9xy",))


@pytest.mark.parametrize("link, target", [
    ("http://localhost/web/points?tab=1", "/web/points?tab=1"),
    ("/web/votes/v-1#ballot", "/web/votes/v-1#ballot"),
    ("https://evil.example.com/web/points", "/web/points"),  # the path, on this site
    ("//evil.example.com/x", "/x"),
    ("https://evil.example.com", "/web/inbox"),
    ("javascript:alert(1)", "/web/inbox"),
    ("/\\evil.example.com", "/web/inbox"),
])
def test_the_short_link_never_sends_the_browser_off_the_site(platform, link, target):
    app, pool, people = platform
    pool.answers["notifications.open_link"] = lambda code: {"message_id": "m-1", "link": link}
    assert browser(app, people["resident"]).get("/web/n/Ab3dE9xy").headers["Location"] == target


def test_someone_elses_code_is_not_found(platform):
    app, pool, people = platform
    pool.answers["notifications.open_link"] = NotFound("Link not found")
    assert browser(app, people["resident"]).get("/web/n/NotMine1").status_code == 404


def test_the_inbox_page_marks_unread_and_offers_mark_read_and_mark_all(platform):
    app, pool, people = platform
    page = browser(app, people["resident"]).get("/web/inbox")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('data-test="message"') == 2 and html.count('data-test="unread-mark"') == 1
    assert html.count('data-test="mark-read"') == 1 and 'data-test="mark-all-read"' in html
    assert 'href="/web/n/Ab3dE9xy"' in html and "after=c-2" in html
    assert pool.names().count("notifications.unread_count") == 1  # one badge call per page
    pool.answers["notifications.mark_read"] = lambda message_id: MESSAGE
    pool.answers["notifications.mark_all_read"] = {"marked": 1}
    client = browser(app, people["resident"])
    assert client.post("/web/inbox/m-1/read", data=form()).status_code == 302
    assert client.post("/web/inbox/read-all", data=form()).status_code == 302
    assert ("notifications.mark_read", ("m-1",)) in [c[:2] for c in pool.calls]
    assert client.post("/web/inbox/read-all", data={}).status_code == 400  # no form token: refused


def test_every_signed_in_page_shows_the_badge_and_renders_without_it_when_the_service_is_away(platform):
    app, pool, people = platform
    html = browser(app, people["resident"]).get("/web/settings/notifications").get_data(as_text=True)
    assert re.search(r'data-test="unread-badge"[^>]*>3<', html)
    for away in (ServiceUnavailable("The notifications service is not running"), RuntimeError("broker gone")):
        pool.answers["notifications.unread_count"] = away
        page = browser(app, people["resident"]).get("/web/settings/notifications")
        assert page.status_code == 200 and 'data-test="unread-badge"' not in page.get_data(as_text=True)
        assert 'data-test="inbox-link"' in page.get_data(as_text=True)
    pool.answers["notifications.unread_count"] = {"unread": 0}
    assert 'data-test="unread-badge"' not in browser(app, people["resident"]).get(
        "/web/settings/notifications").get_data(as_text=True)


def test_the_settings_form_sends_every_kind_with_its_switches(platform):
    app, pool, people = platform
    page = browser(app, people["resident"], "en").get("/web/settings/notifications").get_data(as_text=True)
    assert 'name="sms__case_update" ' in page and 'data-key="BEl62' in page and "push.js" in page
    answer = browser(app, people["resident"]).post("/web/settings/notifications", data=form(
        quiet_start="22:30", quiet_end="06:30", time_zone="Asia/Urumqi", digest_enabled="on", digest_hour="20",
        sms__case_update="on", push__vote_opened="on"))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("saved=1")
    [(_, (payload,), _ctx)] = [c for c in pool.calls if c[0] == "notifications.update_preferences"]
    assert payload == {"quiet_hours": {"start": "22:30", "end": "06:30"}, "time_zone": "Asia/Urumqi",
                       "digest": {"enabled": True, "hour": 20},
                       "kinds": [{"kind": "vote_opened", "channels": {"sms": False, "push": True}},
                                 {"kind": "case_update", "channels": {"sms": True, "push": False}}]}


def test_a_refused_setting_is_shown_beside_its_field(platform):
    app, pool, people = platform
    refused = ValidationFailed("Some fields are invalid", {"fields": {"time_zone": ["Unknown time zone"]}})
    pool.answers["notifications.update_preferences"] = refused
    page = browser(app, people["resident"], "en").post("/web/settings/notifications", data=form(
        quiet_start="23:00", quiet_end="07:00", time_zone="Mars/Olympus", digest_hour="19"))
    assert page.status_code == 422 and 'id="time_zone-error"' in page.get_data(as_text=True)


def test_the_push_subscription_is_posted_with_the_form_token(platform):
    app, pool, people = platform
    pool.answers["notifications.subscribe_push"] = lambda p: {"id": "s-1", "endpoint": p["endpoint"],
                                                              "created_at": "2026-12-02T10:00:00+00:00"}
    client = browser(app, people["resident"])
    subscription = '{"endpoint": "https://push.example.com/abc", "keys": {"p256dh": "BNc", "auth": "tBH"}}'
    assert client.post("/web/settings/notifications/push", data={"subscription": subscription}).status_code == 400
    assert client.post("/web/settings/notifications/push", data=form(subscription=subscription)).status_code == 201
    [(_, (payload,), _ctx)] = [c for c in pool.calls if c[0] == "notifications.subscribe_push"]
    assert payload["endpoint"] == "https://push.example.com/abc" and payload["keys"] == {"p256dh": "BNc", "auth": "tBH"}


def test_the_service_worker_is_served_at_the_root_and_shows_and_opens_the_link(platform):
    app, _pool, _people = platform
    answer = app.test_client().get("/sw.js")
    script = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.headers["Service-Worker-Allowed"] == "/"
    assert answer.mimetype == "application/javascript"
    assert 'addEventListener("push"' in script and "showNotification" in script
    assert 'addEventListener("notificationclick"' in script and "openWindow(link)" in script


def test_staff_preview_then_send_once_and_a_resident_is_refused(platform):
    app, pool, people = platform
    client = browser(app, people["staff"])
    fields = {"group": "community", "title": "停水通知", "body": "明天上午停水", "channel_sms": "1"}
    preview = client.post("/web/staff/broadcasts/preview", data=form(**fields))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'data-test="recipients">42<' in html
    assert not [c for c in pool.calls if c[0] == "notifications.send_broadcast"]
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)
    sent = client.post("/web/staff/broadcasts", data=form(idempotency_key=key, **fields))
    assert sent.status_code == 302
    [(_, (payload,), _ctx)] = [c for c in pool.calls if c[0] == "notifications.send_broadcast"]
    assert payload["channels"] == ["inbox", "sms"] and payload["group"] == "community"
    assert len(payload["idempotency_key"]) == 64
    assert browser(app, people["resident"]).get("/web/staff/broadcasts").status_code == 403


def test_staff_deliveries_show_figures_and_dead_letters_with_their_reason_and_retry(platform):
    app, pool, people = platform
    pool.answers["notifications.retry_delivery"] = lambda delivery_id: {"id": delivery_id, "status": "queued"}
    client = browser(app, people["staff"])
    html = client.get("/web/staff/deliveries").get_data(as_text=True)
    assert "provider refused: 403" in html and 'data-test="retry"' in html and 'data-test="figures-deliveries"' in html
    assert ("notifications.deliveries", ({"status": "dead"},)) in [c[:2] for c in pool.calls]
    assert client.post("/web/staff/deliveries/d-1/retry", data=form(status="dead")).status_code == 302
    assert ("notifications.retry_delivery", ("d-1",)) in [c[:2] for c in pool.calls]
    pool.answers["notifications.figures"] = ServiceUnavailable("away")
    assert client.get("/web/staff/deliveries").status_code == 200  # the figures part only is unavailable


def test_a_broadcast_a_retry_and_the_team_robot_are_in_the_audit_log(platform):
    from sqlalchemy import select

    from gateway.models import AuditEntry

    app, pool, people = platform
    pool.answers["notifications.retry_delivery"] = lambda delivery_id: {"id": delivery_id, "status": "queued"}
    pool.answers["notifications.set_team_robot"] = {"configured": True, "scheme": "wecombot", "url_hint": None,
                                                    "updated_at": None}
    body = {"group": "community", "title": "停电通知", "body": "周五停电"}
    assert api(app, people["staff"])("POST", "/broadcasts", json=body).status_code == 201
    assert api(app, people["staff"])("POST", "/deliveries/d-7/retry").status_code == 200
    assert api(app, people["admin"])("PUT", "/team-robot", json={"url": "wecombot://key"}).status_code == 200
    assert browser(app, people["staff"]).post("/web/staff/deliveries/d-8/retry", data=form()).status_code == 302
    assert api(app, people["resident"])("POST", "/deliveries/d-9/retry").status_code == 403  # refused: no entry
    with app.app_context():
        store = app.extensions["fengchao.identity"]
        with store.factory() as session:
            found = [(e.action, e.target_id, e.tenant_id) for e in session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("notifications.%")).order_by(AuditEntry.id))]
    assert found[-4:] == [("notifications.broadcast_send", "b-1", "xiangyang"),
                          ("notifications.delivery_retry", "d-7", "xiangyang"),
                          ("notifications.team_robot_set", None, "xiangyang"),
                          ("notifications.delivery_retry", "d-8", "xiangyang")]
