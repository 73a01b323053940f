"""Partners on the broker: the relay publishes every event as a CloudEvent to `fengchao.partners` keyed
`<tenant>.<service>.<event>`, and a partner's broker user can bind only its own tenant's keys."""

import json
import os
import shutil
import subprocess
import sys
import time
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Queue

from gateway.rpc import RpcPool
from services.common import partners
from services.common.context import CallContext

pytestmark = pytest.mark.integration


def partner_uri(infra, username: str, password: str) -> str:
    parts = urlsplit(infra.amqp_server_uri)
    netloc = f"{quote(username, safe='')}:{quote(password, safe='')}@{parts.hostname}:{parts.port or 5672}"
    return urlunsplit(("amqp", netloc, "/" + quote(infra.vhost, safe=""), "", ""))


@pytest.fixture(scope="module", params=["management API", "rabbitmqctl"])
def partner_user(infra, request):
    """The partner user made either way: through the management API, or with rabbitmqctl (a broker
    without the management plugin), named for a deployment of this run's own."""
    if request.param == "management API":
        admin = partners.BrokerAdmin(infra.management_url, infra.vhost)
    else:
        ctl = shutil.which("rabbitmqctl")
        if ctl is None or urlsplit(infra.amqp_uri).hostname not in ("127.0.0.1", "localhost"):
            pytest.skip("rabbitmqctl works only on the broker's machine")
        admin = partners.RabbitmqctlAdmin(infra.amqp_uri, ctl)
    deployment = f"fct-{infra.run_id}"
    credentials = admin.create_partner_user("xiangyang", deployment=deployment)
    username = credentials["username"]
    assert username == f"fct-{infra.run_id}-partner-xiangyang" and credentials["made_with"] == request.param
    yield partner_uri(infra, username, credentials["password"])
    admin.delete_partner_user("xiangyang", deployment=deployment)


def register(pool, tenant_id, phone):
    return pool.call("jobs", "register_worker", {"display_name": "测试", "phone": phone},
                     context_data=CallContext(tenant_id=tenant_id, user_id=f"u-{phone}").to_context_data())


@pytest.mark.parametrize("partner_user", ["management API"], indirect=True)  # the phones below register once
def test_a_partner_user_receives_its_own_tenants_cloudevents_only(infra, processes, jobs_and_witness,
                                                                   relays_stopped, partner_user):
    relay = processes.start_relay("jobs")
    pool = RpcPool(infra.amqp_uri, size=1, timeout=10)
    try:
        with Connection(partner_user) as conn:
            queue = Queue("partner-xiangyang.it", exchange=partners.partner_exchange_to_bind(),
                          routing_key="xiangyang.#", exclusive=True, channel=conn.channel())
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
    with Connection(partner_user) as conn, pytest.raises(AccessRefused):
        Queue("jobs-snoop", channel=conn.channel()).declare()
    with Connection(partner_user) as conn:
        from services.common.relay import event_exchange

        queue = Queue("partner-xiangyang.internal", exchange=event_exchange("jobs"), routing_key="#",
                      exclusive=True, channel=conn.channel())
        with pytest.raises(AccessRefused):
            queue.declare()


def can_connect(infra, username: str, password: str) -> bool:
    try:
        with Connection(partner_uri(infra, username, password), connect_timeout=5) as conn:
            conn.connect()
        return True
    except (AccessRefused, OSError):
        return False


def test_rabbitmqctl_resets_the_password_of_a_partner_user_made_again(infra):
    ctl = shutil.which("rabbitmqctl")
    if ctl is None or urlsplit(infra.amqp_uri).hostname not in ("127.0.0.1", "localhost"):
        pytest.skip("rabbitmqctl works only on the broker's machine")
    admin, deployment = partners.RabbitmqctlAdmin(infra.amqp_uri, ctl), f"fct-{infra.run_id}-again"
    first = admin.create_partner_user("dongxin", deployment=deployment)
    try:
        second = admin.create_partner_user("dongxin", deployment=deployment)
        assert second["username"] == first["username"] and second["password"] != first["password"]
        assert can_connect(infra, second["username"], second["password"])
        assert not can_connect(infra, first["username"], first["password"])
    finally:
        admin.delete_partner_user("dongxin", deployment=deployment)
    assert not can_connect(infra, second["username"], second["password"])


def test_the_command_line_makes_and_deletes_a_partner_user_named_for_the_deployment(infra):
    env = {**os.environ, "AMQP_URI": infra.amqp_uri, "FENGCHAO_DEPLOYMENT": f"fct-{infra.run_id}-cli"}

    def command(*args: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "services.common.partners", *args], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    made = command("create-broker-user", "--tenant", "huanqiu")
    assert made["username"] == f"fct-{infra.run_id}-cli-partner-huanqiu" and made["made_with"] == "management API"
    assert can_connect(infra, made["username"], made["password"])
    assert command("delete-broker-user", "--tenant", "huanqiu") == {"deleted": made["username"]}
    assert not can_connect(infra, made["username"], made["password"])
