"""Partners on the broker: the relay publishes every event as a CloudEvent to `fengchao.partners` keyed
`<tenant>.<service>.<event>`, and a partner's broker user can bind only its own tenant's keys."""

import json
import time
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Queue

from gateway.rpc import RpcPool
from services.common import partners
from services.common.context import CallContext

pytestmark = pytest.mark.integration


@pytest.fixture
def partner_user(infra):
    admin = partners.BrokerAdmin(infra.management_url, infra.vhost)
    username = f"partner-xiangyang-{infra.run_id}"
    credentials = admin.create_partner_user("xiangyang", username=username)
    parts = urlsplit(infra.amqp_server_uri)
    netloc = f"{quote(username, safe='')}:{quote(credentials['password'], safe='')}@{parts.hostname}:{parts.port or 5672}"
    yield urlunsplit(("amqp", netloc, "/" + quote(infra.vhost, safe=""), "", ""))
    admin.delete_partner_user("xiangyang", username=username)


def register(pool, tenant_id, phone):
    return pool.call("jobs", "register_worker", {"display_name": "测试", "phone": phone},
                     context_data=CallContext(tenant_id=tenant_id, user_id=f"u-{phone}").to_context_data())


def test_a_partner_user_receives_its_own_tenants_cloudevents_only(infra, processes, jobs_and_witness,
                                                                   relays_stopped, partner_user):
    relay = processes.start_relay("jobs")
    pool = RpcPool(infra.amqp_uri, size=1, timeout=10)
    try:
        with Connection(partner_user) as conn:
            queue = Queue("partner-xiangyang.it", exchange=partners.partner_exchange_to_bind(), routing_key="xiangyang.#",
                          exclusive=True, channel=conn.channel())
            queue.declare()
            mine = register(pool, "xiangyang", "13900000051")
            register(pool, "dongxin", "13900000052")
            received = []
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not received:
                message = queue.get(no_ack=True)
                if message is not None:
                    received.append(message)
                else:
                    time.sleep(0.1)
            time.sleep(1.0)  # anything else that might (wrongly) arrive
            while (extra := queue.get(no_ack=True)) is not None:
                received.append(extra)
    finally:
        pool.close()
        processes.stop(relay)
    assert len(received) == 1
    message = received[0]
    envelope = json.loads(message.body)
    assert message.delivery_info["routing_key"] == "xiangyang.jobs.worker_registered"
    assert message.content_type == "application/cloudevents+json"
    assert envelope["specversion"] == "1.0" and envelope["tenantid"] == "xiangyang"
    assert envelope["type"] == "cn.fengchao.jobs.worker_registered" and envelope["subject"] == mine["id"]
    assert not any(key.startswith("nameko.") for key in (message.headers or {}))  # no internal context


@pytest.mark.parametrize("binding_key", ["dongxin.#", "#", "*.jobs.worker_registered"])
def test_a_partner_user_cannot_bind_another_tenants_keys(partner_user, binding_key):
    with Connection(partner_user) as conn:
        channel = conn.channel()
        queue = Queue("partner-xiangyang.snoop", exchange=partners.partner_exchange_to_bind(), routing_key=binding_key,
                      exclusive=True, channel=channel)
        with pytest.raises(AccessRefused):
            queue.declare()


def test_a_partner_user_cannot_touch_the_services_exchanges_or_others_queues(partner_user):
    with Connection(partner_user) as conn:
        with pytest.raises(AccessRefused):
            Queue("jobs-snoop", channel=conn.channel()).declare()
    with Connection(partner_user) as conn:
        from services.common.relay import event_exchange

        queue = Queue("partner-xiangyang.internal", exchange=event_exchange("jobs"), routing_key="#",
                      exclusive=True, channel=conn.channel())
        with pytest.raises(AccessRefused):
            queue.declare()
