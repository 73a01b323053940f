"""The transactional outbox: an event committed with its change is never lost,
even when the relay dies around publishing, and an idempotent consumer applies
it once even when it is delivered twice."""

import signal
import time

import pytest
from sqlalchemy import select

from gateway.rpc import RpcPool
from services.common.context import CallContext
from services.common.database import make_engine
from services.jobs.models import Base as JobsBase

pytestmark = pytest.mark.integration


def wait_until(predicate, timeout=15.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def outbox_row(infra, event_id):
    engine = make_engine(infra.owner_url("jobs"), pool_size=1)
    with engine.connect() as conn:
        row = conn.execute(select(JobsBase.Outbox.__table__).where(JobsBase.Outbox.event_id == event_id)).first()
    engine.dispose()
    return row


def test_relay_killed_between_commit_and_publish_loses_nothing_and_a_double_delivery_is_applied_once(
        infra, processes, jobs_and_witness, relays_stopped):
    pool = RpcPool(infra.amqp_uri, size=1, timeout=10)
    ctx = CallContext(tenant_id="dongxin", user_id="outbox-u1", roles=frozenset({"resident"})).to_context_data()
    witness_ctx = CallContext(tenant_id="dongxin").to_context_data()

    # A relay is running, then dies hard (no chance to finish anything).
    relay = processes.start_relay("jobs")
    time.sleep(1.0)
    processes.stop(relay, signal.SIGKILL)

    # The change commits while no relay runs: the event waits in the outbox.
    created = pool.call("jobs", "register_worker", {"display_name": "赵师傅", "phone": "13900000004"},
                        context_data=ctx)
    engine = make_engine(infra.owner_url("jobs"), pool_size=1)
    with engine.connect() as conn:
        event_id = conn.execute(
            select(JobsBase.Outbox.event_id).where(JobsBase.Outbox.envelope["subject"].as_string() == created["id"])
        ).scalar_one()
    engine.dispose()
    time.sleep(1.0)
    assert pool.call("witness", "counts", event_id, context_data=witness_ctx) == {"deliveries": 0, "effects": 0}
    assert outbox_row(infra, event_id).published_at is None

    # A relay publishes, then crashes before marking the row published.
    crashing = processes.start_relay("jobs", FENGCHAO_RELAY_FAULT="exit_after_publish")
    assert crashing.wait(timeout=30) == 137
    assert wait_until(lambda: pool.call("witness", "counts", event_id, context_data=witness_ctx)["effects"] == 1)
    assert outbox_row(infra, event_id).published_at is None

    # After restart the same event is published again: delivered twice, applied once.
    relay = processes.start_relay("jobs")
    assert wait_until(lambda: outbox_row(infra, event_id).published_at is not None)
    counts = wait_until(lambda: (c := pool.call("witness", "counts", event_id, context_data=witness_ctx))
                        ["deliveries"] == 2 and c)
    assert counts == {"deliveries": 2, "effects": 1}
    processes.stop(relay)
    pool.close()


def test_the_event_is_a_cloudevent_with_tenant_and_no_personal_data(infra, jobs_and_witness):
    pool = RpcPool(infra.amqp_uri, size=1, timeout=10)
    created = pool.call("jobs", "register_worker", {"display_name": "钱师傅", "phone": "13900000031"},
                        context_data=CallContext(tenant_id="huanqiu", user_id="outbox-u2").to_context_data())
    pool.close()
    engine = make_engine(infra.owner_url("jobs"), pool_size=1)
    with engine.connect() as conn:
        envelope = conn.execute(
            select(JobsBase.Outbox.envelope).where(JobsBase.Outbox.envelope["subject"].as_string() == created["id"])
        ).scalar_one()
    engine.dispose()
    assert envelope["type"] == "cn.fengchao.jobs.worker_registered" and envelope["tenantid"] == "huanqiu"
    assert envelope["data"]["worker_id"] == created["id"]
    assert "13900000031" not in str(envelope) and "钱师傅" not in str(envelope)
