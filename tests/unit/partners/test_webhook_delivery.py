"""Webhook rules: one record per event, fan-out to the tenant's subscriptions only, back-off, dead
letters, replay."""

from datetime import timedelta

import pytest

from gateway.models import WebhookDelivery
from gateway.webhooks import delivery
from services.common.database import utcnow
from services.common.envelope import make_envelope
from services.common.errors import NotFound, ValidationFailed

KNOWN = ["cn.fengchao.training.certificate_issued", "cn.fengchao.jobs.worker_registered"]
NO_JITTER = delivery.RetryPolicy(base_seconds=10, cap_seconds=60, max_attempts=3, jitter=0)


def subscribe(session, tenant_id, types=("cn.fengchao.training.certificate_issued",), url="https://p.example/hook"):
    with session.begin():
        return delivery.create_subscription(session=session, tenant_id=tenant_id, url=url, event_types=list(types),
                                            known_types=KNOWN, created_by="apikey:1")


def event(tenant_id, name="certificate_issued", service="training", **kwargs):
    return make_envelope(service=service, event=name, tenant_id=tenant_id, data={"certificate_id": "c1"}, **kwargs)


def test_an_event_is_recorded_once_and_fanned_out_to_its_own_tenants_subscriptions_only(gateway_session):
    mine = subscribe(gateway_session, "xiangyang")
    subscribe(gateway_session, "dongxin")
    subscribe(gateway_session, "xiangyang", types=["cn.fengchao.jobs.worker_registered"])
    envelope = event("xiangyang")
    with gateway_session.begin():
        assert delivery.record_event(session=gateway_session, envelope=envelope) == 1
        assert delivery.record_event(session=gateway_session, envelope=envelope) == 0  # redelivered
    with gateway_session.begin():
        rows = gateway_session.query(WebhookDelivery).all()
    assert [(r.subscription_id, r.event_id, r.status) for r in rows] == [(mine.id, envelope["id"], "pending")]


def test_a_new_webhook_gets_only_events_from_its_creation_on(gateway_session):
    earlier = event("xiangyang", time=utcnow() - timedelta(minutes=1))
    subscribe(gateway_session, "xiangyang")
    with gateway_session.begin():
        assert delivery.record_event(session=gateway_session, envelope=earlier) == 0  # replay can still send it
        assert delivery.record_event(session=gateway_session, envelope=event("xiangyang")) == 1


def test_star_subscribes_to_every_event_of_the_tenant(gateway_session):
    subscribe(gateway_session, "xiangyang", types=["*"])
    with gateway_session.begin():
        assert delivery.record_event(session=gateway_session, envelope=event("xiangyang", "worker_registered",
                                                                             service="jobs")) == 1


def test_a_subscription_needs_an_https_url_and_catalogue_types(gateway_session):
    with pytest.raises(ValidationFailed) as caught, gateway_session.begin():
        delivery.create_subscription(session=gateway_session, tenant_id="xiangyang", url="http://evil.example/x",
                                     event_types=["cn.fengchao.jobs.case_opened"], known_types=KNOWN,
                                     created_by="u")
    assert set(caught.value.fields) == {"url", "event_types"}
    assert subscribe(gateway_session, "xiangyang", url="http://127.0.0.1:9000/hook").url.startswith("http://127")


def test_back_off_doubles_up_to_the_cap():
    assert [NO_JITTER.delay(n) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
    jittered = delivery.RetryPolicy(base_seconds=10)
    assert all(8 <= jittered.delay(1) <= 12 for _ in range(50))


def test_failed_attempts_back_off_then_go_to_the_dead_letter_list(gateway_session):
    sub = subscribe(gateway_session, "xiangyang")
    with gateway_session.begin():
        delivery.record_event(session=gateway_session, envelope=event("xiangyang"))
    now = utcnow()
    statuses = []
    for attempt in range(3):
        with gateway_session.begin():
            jobs = delivery.claim_due(session=gateway_session, limit=10, lease_seconds=30,
                                      now=now + timedelta(hours=attempt))
            assert len(jobs) == 1 and jobs[0].attempts == attempt and jobs[0].secrets == (sub.secret,)
            # leased: not claimable again right away
            assert delivery.claim_due(session=gateway_session, limit=10, lease_seconds=30,
                                      now=now + timedelta(hours=attempt)) == []
            statuses.append(delivery.record_outcome(session=gateway_session, delivery_id=jobs[0].delivery_id,
                                                    ok=False, status_code=500, error="boom", policy=NO_JITTER,
                                                    now=now + timedelta(hours=attempt)))
    assert statuses == ["pending", "pending", "dead"]
    with gateway_session.begin():
        dead = delivery.list_deliveries(session=gateway_session, tenant_id="xiangyang", subscription_id=sub.id,
                                        status="dead")
        assert [(d.attempts, d.last_status_code) for d in dead.items] == [(3, 500)]
        assert dead.next_cursor is None
        assert delivery.subscription_counts(session=gateway_session, subscription_id=sub.id) == {
            "pending": 0, "delivered": 0, "dead": 1}


def test_a_success_is_delivered_and_a_retry_waits_for_its_back_off(gateway_session):
    subscribe(gateway_session, "xiangyang")
    with gateway_session.begin():
        delivery.record_event(session=gateway_session, envelope=event("xiangyang"))
        delivery.record_event(session=gateway_session, envelope=event("xiangyang"))
    now = utcnow()
    with gateway_session.begin():
        first, second = delivery.claim_due(session=gateway_session, limit=10, lease_seconds=1, now=now)
        assert delivery.record_outcome(session=gateway_session, delivery_id=first.delivery_id, ok=True,
                                       status_code=204, error=None, policy=NO_JITTER, now=now) == "delivered"
        delivery.record_outcome(session=gateway_session, delivery_id=second.delivery_id, ok=False, status_code=None,
                                error="refused", policy=NO_JITTER, now=now)
    with gateway_session.begin():
        assert delivery.claim_due(session=gateway_session, limit=10, lease_seconds=1,
                                  now=now + timedelta(seconds=9)) == []
        assert [j.delivery_id for j in delivery.claim_due(session=gateway_session, limit=10, lease_seconds=1,
                                                          now=now + timedelta(seconds=11))] == [second.delivery_id]


def test_replay_queues_the_wanted_events_of_the_window_again(gateway_session):
    sub = subscribe(gateway_session, "xiangyang")
    start = utcnow()
    old = event("xiangyang", time=start - timedelta(days=2))
    recent = [event("xiangyang", time=start - timedelta(hours=h)) for h in (1, 2)]
    other_type = event("xiangyang", "worker_registered", service="jobs", time=start - timedelta(hours=1))
    other_tenant = event("dongxin", time=start - timedelta(hours=1))
    with gateway_session.begin():
        for e in (old, *recent, other_type, other_tenant):
            delivery.record_event(session=gateway_session, envelope=e)
    with gateway_session.begin():
        queued = delivery.replay(session=gateway_session, tenant_id="xiangyang", subscription_id=sub.id,
                                 since=start - timedelta(days=1))
    assert queued == 2
    with gateway_session.begin():
        replays = gateway_session.query(WebhookDelivery).filter_by(replay=True).all()
        assert sorted(r.event_id for r in replays) == sorted(e["id"] for e in recent)


def test_another_tenants_subscription_is_not_found(gateway_session):
    sub = subscribe(gateway_session, "xiangyang")
    with pytest.raises(NotFound), gateway_session.begin():
        delivery.replay(session=gateway_session, tenant_id="dongxin", subscription_id=sub.id, since=utcnow())
    with pytest.raises(NotFound), gateway_session.begin():
        delivery.list_deliveries(session=gateway_session, tenant_id="dongxin", subscription_id=sub.id)


def test_a_partner_sees_only_the_webhooks_it_registered_and_an_admin_sees_all(gateway_session):
    mine = subscribe(gateway_session, "xiangyang")  # created_by apikey:1
    with gateway_session.begin():
        theirs = delivery.create_subscription(session=gateway_session, tenant_id="xiangyang",
                                              url="https://other.example/h", event_types=["*"], known_types=KNOWN,
                                              created_by="apikey:2")
    with gateway_session.begin():
        assert [s.id for s in delivery.list_subscriptions(session=gateway_session, tenant_id="xiangyang",
                                                          owner="apikey:1")] == [mine.id]
        assert {s.id for s in delivery.list_subscriptions(session=gateway_session, tenant_id="xiangyang")} == {
            mine.id, theirs.id}
    with pytest.raises(NotFound), gateway_session.begin():
        delivery.disable_subscription(session=gateway_session, tenant_id="xiangyang", subscription_id=theirs.id,
                                      owner="apikey:1")
