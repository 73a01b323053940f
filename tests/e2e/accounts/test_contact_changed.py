"""A person's new phone reaches the broker as `contact_changed` (issue 18): once per community the person belongs to,
on the internal exchange `identity.events` (where only the notifications service binds a queue to it), and never on
the partners' exchange. Two tenants: the person belongs to xiangyang and dongxin."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from services.common import partners
from services.common.relay import event_exchange
from tests.e2e.accounts.conftest import new_phone

pytestmark = pytest.mark.e2e


def admin(platform, *args):
    result = subprocess.run([sys.executable, "-m", "gateway", *args], capture_output=True, text=True, timeout=60,
                            env=platform.processes.env())
    return result.returncode, json.loads(result.stdout or result.stderr.strip().splitlines()[-1])


def drain(queue: Queue, connection: Connection, seconds: float) -> list[dict]:
    found = []
    deadline = time.monotonic() + seconds
    with connection.Consumer([queue], accept=["json"], callbacks=[lambda body, msg: (found.append(body), msg.ack())]):
        while time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                connection.drain_events(timeout=0.5)
    return found


def test_a_new_phone_is_told_once_to_each_community_and_never_to_partners(platform, person):
    key = person("xiangyang")
    someone = platform.people[key]
    assert admin(platform, "grant", someone.phone, "--tenant", "dongxin", "--roles", "resident")[0] == 0
    new = new_phone()
    with Connection(platform.infra.amqp_uri) as connection:
        channel = connection.channel()
        identity = Queue(f"test-contacts-{uuid.uuid4().hex[:8]}", exchange=event_exchange("identity"),
                         routing_key="contact_changed", exclusive=True, auto_delete=True, channel=channel)
        identity.declare()
        partner = Queue(f"test-partners-{uuid.uuid4().hex[:8]}",
                        exchange=Exchange(partners.PARTNER_EXCHANGE, type="topic", durable=True, delivery_mode=2),
                        routing_key="#", exclusive=True, auto_delete=True, channel=channel)
        partner.declare()

        code, changed = admin(platform, "change-phone", someone.phone, new)
        assert code == 0 and changed == {"user_id": someone.user_id, "changed": True}

        events = [e for e in drain(identity, connection, 15) if e["data"]["user_id"] == someone.user_id]
        assert sorted((e["tenantid"], e["data"]["phone"]) for e in events if e["data"]["phone"] == new) == [
            ("dongxin", new), ("xiangyang", new)]
        assert len([e for e in events if e["data"]["phone"] == new]) == 2  # exactly one each
        assert all(e["type"] == "cn.fengchao.identity.contact_changed" for e in events)
        assert not [body for body in drain(partner, connection, 1) if new in json.dumps(body)]

    # the same number again changes nothing
    assert admin(platform, "change-phone", new, new)[1]["changed"] is False
