"""A staff broadcast reaches exactly the group, end to end over real RabbitMQ and PostgreSQL with every service
running: the group is made by the owning service's real operations over the gateway's API (a council with
seated residents, a course session's roster, a job fair's registrants), staff preview it through
`POST /api/v1/notifications/broadcasts/preview` (how many people, on which channel), send it through
`POST /api/v1/notifications/broadcasts` with an Idempotency-Key, and notifications asks the owning service's
`audience` for the group. Exactly the group's inboxes hold it, nobody else's in either community; the same
key again sends nothing more; a resident is refused.

group → owning service's audience → test:
- `governance.council_members` → `test_a_broadcast_to_a_councils_members_reaches_the_seated_residents_only`
- `training.class_roster` → `test_a_broadcast_to_a_class_roster_reaches_the_enrolled_not_the_waiting_or_cancelled`
- `jobs.fair_registrants` → `test_a_broadcast_to_a_fairs_registrants_reaches_those_still_registered_only`
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.notifications.conftest import inbox, wait_until

pytestmark = pytest.mark.e2e

BROADCASTS = "/api/v1/notifications/broadcasts"
PUSH_KEYS = {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
             "auth": "tBHItJI5svbpez7KI4CCXg"}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def http(platform, key: str, method: str, path: str, status: int, **kwargs) -> dict:
    response = platform.session(key).request(method, platform.url(path), timeout=30, **kwargs)
    assert response.status_code == status, f"{method} {path} as {key} → {response.status_code}: {response.text}"
    return response.json() if response.content else {}


def got(platform, key: str, title: str, tenant_id: str | None = None) -> list[dict]:
    return [m for m in inbox(platform, key, tenant_id=tenant_id) if m["kind"] == "broadcast" and m["title"] == title]


def subscribe_push(platform, key: str) -> None:
    http(platform, key, "POST", "/api/v1/notifications/push/subscriptions", 201, json={
        "endpoint": f"https://push.example.org/send/{uuid.uuid4().hex}", "keys": PUSH_KEYS})


def broadcast_reaches_exactly(platform, staff: str, group: str, ref: str, members: list[str],
                              outsiders: list[str]) -> None:
    """Preview, send with a key, send again with the key; exactly `members` hold it once, `outsiders` nothing.
    The first member has a browser subscribed to push; the last switched text messages off for broadcasts (staff
    chose SMS for this one, so it goes to everyone with a phone — from identity's `contact_changed` — who did not
    switch it off)."""
    pushable, refuser = members[0], members[-1]
    texters = sorted(members[:-1])
    title = f"通知 {uuid.uuid4().hex[:6]}"
    notice = {"group": group, "ref": ref, "title": title, "body": "周六上午9点在党群服务中心集合。",
              "channels": ["inbox", "sms", "push"]}
    subscribe_push(platform, pushable)
    chosen = http(platform, refuser, "PUT", "/api/v1/notifications/preferences", 200,
                  json={"kinds": [{"kind": "broadcast", "channels": {"sms": False}}]})
    assert {k["kind"]: k for k in chosen["kinds"]}["broadcast"]["channels"]["sms"] is False

    def preview() -> dict:
        return http(platform, staff, "POST", f"{BROADCASTS}/preview", 200, json=notice)

    # the phones arrive with identity's contact_changed, on its own queue: wait for them to be known
    counted = wait_until(lambda: (p := preview())["channels"]["sms"] == len(texters) and p)
    assert counted == {"recipients": len(members),
                       "channels": {"inbox": len(members), "sms": len(texters), "push": 1}}, preview()
    assert http(platform, staff, "POST", f"{BROADCASTS}/preview", 200,
                json={**notice, "channels": ["inbox"]})["channels"] == {"inbox": len(members), "sms": 0, "push": 0}
    assert not any(got(platform, k, title) for k in members)  # a preview sends nothing

    key = f"bcast-{uuid.uuid4().hex}"
    sent = http(platform, staff, "POST", BROADCASTS, 201, json=notice, headers={"Idempotency-Key": key})
    assert sent["recipients"] == len(members)
    for member in members:
        (message,) = got(platform, member, title)
        assert message["body"] == notice["body"] and message["link"] == "/web/inbox" and message["urgent"] is False
    for outsider in outsiders:
        assert got(platform, outsider, title) == [], outsider
        other = "dongxin" if platform.people[outsider].tenant_id == "xiangyang" else "xiangyang"
        assert got(platform, outsider, title, tenant_id=other) == [], outsider
    for member in members:
        assert got(platform, member, title, tenant_id="dongxin") == []  # the group's people live in xiangyang

    # the channels staff chose, as each person chose: one push to the subscribed browser, an SMS to each but the
    # one who refused
    ids = {got(platform, m, title)[0]["id"]: m for m in members}
    rows = [d for d in http(platform, staff, "GET", "/api/v1/notifications/deliveries", 200,
                            params={"limit": 100})["items"] if d["message_id"] in ids]
    assert sorted((d["channel"], ids[d["message_id"]]) for d in rows) == sorted(
        [("push", pushable)] + [("sms", member) for member in texters])

    # the same key again: the first answer, and nothing more in anyone's inbox
    again = platform.session(staff).post(platform.url(BROADCASTS), json=notice, headers={"Idempotency-Key": key},
                                         timeout=30)
    assert again.status_code == 201 and again.json()["id"] == sent["id"], again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert all(len(got(platform, m, title)) == 1 for m in members)
    listed = http(platform, staff, "GET", BROADCASTS, 200, params={"limit": 100})["items"]
    assert [b["recipients"] for b in listed if b["title"] == title] == [len(members)]
    assert all(b["title"] != title for b in http(platform, "staff_b", "GET", BROADCASTS, 200,
                                                 params={"limit": 100})["items"])

    # a resident may neither preview nor send
    resident = members[0]
    http(platform, resident, "POST", f"{BROADCASTS}/preview", 403, json=notice)
    http(platform, resident, "POST", BROADCASTS, 403, json=notice, headers={"Idempotency-Key": f"{key}-r"})
    assert all(len(got(platform, m, title)) == 1 for m in members)


# --- governance: a council's seated members ----------------------------------------------------------------


def council_of(platform, staff: str, *keys: str) -> dict:
    gov = "/api/v1/governance"
    council = http(platform, staff, "POST", f"{gov}/councils", 201,
                   json={"name": "红茶议事会", "theme": "小哥友好社区"})
    http(platform, staff, "POST", f"{gov}/councils/{council['id']}/members", 201, json={"members": [
        *({"user_id": platform.people[k].user_id, "display_name": f"成员{i}", "stakeholder_group": "courier"}
          for i, k in enumerate(keys)),
        {"user_id": None, "display_name": "张大爷（无账号）", "stakeholder_group": "resident"}]})
    return council


def test_a_broadcast_to_a_councils_members_reaches_the_seated_residents_only(platform, person):
    amy, wang, li = person("xiangyang", locale="en"), person("xiangyang"), person("xiangyang")
    stranger = person("xiangyang")  # of the community, not seated
    zhao, qian = person("dongxin"), person("dongxin")  # zhao sits on dongxin's own council
    council = council_of(platform, "staff_a", amy, wang, li)
    theirs = council_of(platform, "staff_b", zhao)
    broadcast_reaches_exactly(platform, "staff_a", "governance.council_members", council["id"],
                              [amy, wang, li], [stranger, zhao, qian])
    # the other community's council is not xiangyang's to address: nobody
    assert http(platform, "staff_a", "POST", f"{BROADCASTS}/preview", 200, json={
        "group": "governance.council_members", "ref": theirs["id"], "title": "x", "body": "y"})["recipients"] == 0


# --- training: a session's roster ------------------------------------------------------------------------


def test_a_broadcast_to_a_class_roster_reaches_the_enrolled_not_the_waiting_or_cancelled(platform, api, person):
    amy, wang = person("xiangyang", locale="en"), person("xiangyang")
    quitter, waiting, stranger = person("xiangyang"), person("xiangyang"), person("xiangyang")
    zhao, qian = person("dongxin"), person("dongxin")  # zhao enrolled from the other community
    session = api.session(api.course(audience={"everyone": True}), capacity=3)
    enrolled = {key: api.enrol(key, session) for key in (amy, wang, quitter)}
    assert {e["status"] for e in enrolled.values()} == {"enrolled"}
    api.call(quitter, "POST", f"/enrolments/{enrolled[quitter]['id']}/cancel", 200, json={"reason": "要加班"})
    assert api.enrol(zhao, session)["status"] == "enrolled"
    assert api.enrol(waiting, session)["status"] == "waitlisted"
    broadcast_reaches_exactly(platform, "staff_a", "training.class_roster", session["id"], [amy, wang],
                              [quitter, waiting, stranger, zhao, qian])
    # dongxin's staff reach dongxin's part of the same roster
    assert http(platform, "staff_b", "POST", f"{BROADCASTS}/preview", 200, json={
        "group": "training.class_roster", "ref": session["id"], "title": "x", "body": "y"})["recipients"] == 1


# --- jobs: a fair's registrants ------------------------------------------------------------------------------


def new_fair(platform, staff: str, **overrides) -> dict:
    starts = datetime.now(UTC) + timedelta(days=3)
    fair = http(platform, staff, "POST", "/api/v1/jobs/fairs", 201, json={
        "title": "家门口的招聘会", "kind": "on_site", "venue": "康桥新居民党群服务中心", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), **overrides})
    http(platform, staff, "POST", f"/api/v1/jobs/fairs/{fair['id']}/publish", 200)
    return fair


def test_a_broadcast_to_a_fairs_registrants_reaches_those_still_registered_only(platform, person):
    amy, wang = person("xiangyang", locale="en"), person("xiangyang")
    quitter, stranger = person("xiangyang"), person("xiangyang")
    zhao, qian = person("dongxin"), person("dongxin")  # zhao registered for dongxin's own fair
    fair, theirs = new_fair(platform, "staff_a"), new_fair(platform, "staff_b")
    for key in (amy, wang, quitter):
        http(platform, key, "POST", f"/api/v1/jobs/fairs/{fair['id']}/registration", 201)
    http(platform, quitter, "DELETE", f"/api/v1/jobs/fairs/{fair['id']}/registration", 200)
    http(platform, zhao, "POST", f"/api/v1/jobs/fairs/{theirs['id']}/registration", 201)
    broadcast_reaches_exactly(platform, "staff_a", "jobs.fair_registrants", fair["id"], [amy, wang],
                              [quitter, stranger, zhao, qian])
