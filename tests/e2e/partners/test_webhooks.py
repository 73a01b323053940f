"""Signed webhooks over the running platform: each tenant's partner gets its own tenant's events, signed
with its secret; a failing receiver is retried, dead-lettered and replayed; bad input is 422."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.e2e.partners.conftest import issue_key, key_session, new_phone, wait_until

pytestmark = pytest.mark.e2e

REGISTERED = "cn.fengchao.jobs.worker_registered"


def subscribe(platform, secret, url, types=(REGISTERED,)):
    response = key_session(secret).post(platform.url("/api/v1/partners/webhooks"),
                                        json={"url": url, "event_types": list(types), "description": "测试"})
    assert response.status_code == 201, response.text
    return response.json()


def register_worker(platform, person_key, tenant_id):
    person = platform.add_person(person_key, phone=new_phone(), name="测试师傅", tenant_id=tenant_id,
                                 roles=("resident",))
    response = platform.session(person_key).post(platform.url("/api/v1/jobs/workers"), json={
        "display_name": "测试师傅", "phone": person.phone, "skills": ["快递"]})
    assert response.status_code == 201, response.text
    return response.json()


def deliveries(platform, secret, subscription_id, status=None):
    params = {"status": status} if status else {}
    response = key_session(secret).get(platform.url(f"/api/v1/partners/webhooks/{subscription_id}/deliveries"),
                                       params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_each_tenants_webhook_gets_only_its_own_tenants_events_signed_with_its_secret(platform, webhooks, receiver):
    key_x, key_d = issue_key(platform, "xiangyang"), issue_key(platform, "dongxin")
    got_x, url_x = receiver()
    got_d, url_d = receiver()
    sub_x = subscribe(platform, key_x, url_x)
    sub_d = subscribe(platform, key_d, url_d)
    got_x.secret, got_d.secret = sub_x["secret"], sub_d["secret"]
    assert sub_x["secret"].startswith("whsec_") and sub_x["tenant_id"] == "xiangyang"

    worker_x = register_worker(platform, "wh-x", "xiangyang")
    worker_d = register_worker(platform, "wh-d", "dongxin")
    assert wait_until(lambda: got_x.events and got_d.events)
    assert [e["subject"] for e in got_x.events] == [worker_x["id"]]
    assert [e["subject"] for e in got_d.events] == [worker_d["id"]]
    assert got_x.events[0]["type"] == REGISTERED and got_x.events[0]["tenantid"] == "xiangyang"
    assert wait_until(lambda: [d["status"] for d in deliveries(platform, key_x, sub_x["id"])] == ["delivered"])

    # the listing never shows the secret again; another tenant's webhook is not found
    listed = key_session(key_x).get(platform.url("/api/v1/partners/webhooks")).json()["items"]
    assert [s["id"] for s in listed] == [sub_x["id"]] and "secret" not in listed[0]
    assert listed[0]["deliveries"]["delivered"] == 1
    # another partner of the same tenant does not see it either
    for other_key in (key_d, issue_key(platform, "xiangyang", "另一合作伙伴 / another partner")):
        for path in (f"/webhooks/{sub_x['id']}", f"/webhooks/{sub_x['id']}/deliveries"):
            assert key_session(other_key).get(platform.url("/api/v1/partners" + path)).status_code == 404
    assert key_session(key_d).post(platform.url(f"/api/v1/partners/webhooks/{sub_x['id']}/replay"),
                                   json={"since": "2026-01-01T00:00:00Z"}).status_code == 404


def test_a_failing_receiver_is_retried_then_dead_lettered_and_a_replay_delivers_it(platform, webhooks, receiver):
    key = issue_key(platform, "huanqiu")
    flaky, url = receiver()
    subscription = subscribe(platform, key, url)
    flaky.secret = subscription["secret"]
    flaky.failing = True
    before = datetime.now(UTC) - timedelta(seconds=5)
    worker = register_worker(platform, "wh-h", "huanqiu")

    dead = wait_until(lambda: deliveries(platform, key, subscription["id"], "dead"))
    assert len(dead) == 1 and dead[0]["attempts"] == 3 and dead[0]["last_status_code"] == 500
    assert flaky.refusals == 3 and flaky.events == []

    flaky.failing = False
    replayed = key_session(key).post(platform.url(f"/api/v1/partners/webhooks/{subscription['id']}/replay"),
                                     json={"since": before.isoformat()})
    assert replayed.status_code == 202 and replayed.json() == {"queued": 1}
    assert wait_until(lambda: flaky.events)
    assert [e["subject"] for e in flaky.events] == [worker["id"]]
    assert wait_until(lambda: [d["replay"] for d in deliveries(platform, key, subscription["id"], "delivered")]
                      == [True])


def test_bad_subscriptions_are_422_with_field_messages_and_residents_cannot_manage_webhooks(platform, webhooks):
    key = issue_key(platform, "xiangyang")
    bad = key_session(key).post(platform.url("/api/v1/partners/webhooks"), json={
        "url": "http://partner.example/hook", "event_types": ["cn.fengchao.jobs.case_opened"]})
    assert bad.status_code == 422 and bad.headers["Content-Type"].startswith("application/problem+json")
    assert set(bad.json()["errors"]) == {"url", "event_types"}
    assert key_session(key).post(platform.url("/api/v1/partners/webhooks"), json={"url": 5}).status_code == 422
    assert platform.session("courier_a").get(platform.url("/api/v1/partners/webhooks")).status_code == 403
    assert requests.get(platform.url("/api/v1/partners/webhooks"), timeout=10).status_code == 401
    replay = key_session(key).post(platform.url("/api/v1/partners/webhooks/nope/replay"), json={"since": "yesterday"})
    assert replay.status_code == 422 and "since" in replay.json()["errors"]


def test_the_catalogue_is_served_without_signing_in(platform):
    served = requests.get(platform.url("/api/v1/partners/events"), timeout=10)
    assert served.status_code == 200
    types = {e["type"]: e for e in served.json()["published"]}
    assert types[REGISTERED]["routing_key"] == "<tenant>.jobs.worker_registered"
    assert types["cn.fengchao.jobs.case_opened"]["routing_key"] is None  # confidential: never to partners
    assert served.json()["inbound"][0]["type"] == "cn.fengchao.partner.first_aid_drill_roster"


def test_a_rotated_secret_signs_beside_the_old_one_for_its_grace_and_alone_after(platform, webhooks, receiver):
    key = issue_key(platform, "dongxin", "轮换密钥的合作伙伴 / rotating partner")
    got, url = receiver()
    subscription = subscribe(platform, key, url)
    got.secret = first = subscription["secret"]
    rotate = platform.url(f"/api/v1/partners/webhooks/{subscription['id']}/secret-rotation")

    rotated = key_session(key).post(rotate, json={"grace_seconds": 3600}, headers={"Idempotency-Key": "rot-1"})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()["secret"]
    assert second.startswith("whsec_") and second != first and rotated.json()["previous_secret_until"]
    replay = key_session(key).post(rotate, json={"grace_seconds": 3600}, headers={"Idempotency-Key": "rot-1"})
    assert replay.json()["secret"] == second  # a retried rotation rotates once

    # a receiver still holding the old secret accepts deliveries during the grace period …
    one = register_worker(platform, f"wh-rot-{new_phone()}", "dongxin")
    assert wait_until(lambda: [e["subject"] for e in got.events] == [one["id"]])
    # … and one switched to the new secret accepts them too
    got.secret = second
    two = register_worker(platform, f"wh-rot-{new_phone()}", "dongxin")
    assert wait_until(lambda: [e["subject"] for e in got.events] == [one["id"], two["id"]])

    # a leaked secret is retired at once: the old one no longer verifies, the new one does
    retired = key_session(key).post(rotate, json={"grace_seconds": 0})
    assert retired.status_code == 200 and retired.json()["previous_secret_until"] is None
    three = register_worker(platform, f"wh-rot-{new_phone()}", "dongxin")
    refused = wait_until(lambda: [d for d in deliveries(platform, key, subscription["id"])
                                  if d["last_status_code"] == 401])
    assert refused, "a delivery signed only with the new secret is refused by a receiver holding the old one"
    got.secret = retired.json()["secret"]
    assert wait_until(lambda: three["id"] in [e["subject"] for e in got.events])

    # bad input, and another tenant's key
    assert key_session(key).post(rotate, json={"grace_seconds": -1}).status_code == 422
    assert key_session(issue_key(platform, "xiangyang")).post(rotate, json={}).status_code == 404
