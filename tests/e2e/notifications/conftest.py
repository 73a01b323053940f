"""What the notifications end-to-end tests share: fresh people in two communities, the notifications
RPCs called as the gateway calls them (a context of tenant, user, roles and locale), events published
exactly as a service's outbox relay would, and waiting for asynchronous fan-out."""

from __future__ import annotations

import itertools
import random
import time
import uuid

import pytest
from kombu import Connection, Producer

from gateway.rpc import RpcPool
from services.common.envelope import make_envelope
from services.common.relay import event_exchange, nameko_headers
from tests.e2e.training.conftest import Api, training  # noqa: F401 (the training fixture, reused)

_run_prefix = random.randint(10_000, 99_999)
_numbers = itertools.count(100)


def new_phone() -> str:
    """11 digits starting with 137, unique within the run."""
    return f"137{_run_prefix:05d}{next(_numbers):03d}"


@pytest.fixture
def person(platform):
    """`person(tenant_id, *roles, locale=None)` → a new account's key; with `locale` the person reads that
    language (announced as identity would announce a profile change)."""

    def make(tenant_id: str, *roles: str, locale: str | None = None, name: str = "测试居民") -> str:
        key = f"notes-{uuid.uuid4().hex[:8]}"
        added = platform.add_person(key, phone=new_phone(), name=name, tenant_id=tenant_id,
                                    roles=roles or ("resident",))
        if locale:
            send_event(platform, "identity", "member_profile_changed", tenant_id, {
                "user_id": added.user_id, "tenant_id": tenant_id, "version": 1_000_000, "member": True,
                "account_active": True, "roles": list(roles or ("resident",)), "display_name": name,
                "locale": locale, "changed": ["locale"]})
            wait_until(lambda: call(platform, key, "knows_member", added.user_id, 1_000_000))
        return key

    return make


def context(platform, key: str, tenant_id: str | None = None) -> dict:
    person = platform.people[key]
    return {"tenant_id": tenant_id or person.tenant_id, "user_id": person.user_id,
            "roles": ",".join(person.roles), "locale": "zh-CN", "request_id": uuid.uuid4().hex}


_POOL: dict[str, RpcPool] = {}


@pytest.fixture(scope="session", autouse=True)
def _close_pools():
    yield
    for pool in _POOL.values():
        pool.close()
    _POOL.clear()


def call(platform, key: str, method: str, *args, tenant_id: str | None = None, **kwargs):
    """`notifications.<method>(*args)` as `key` would call it through the gateway."""
    pool = _POOL.get(platform.infra.amqp_uri)
    if pool is None:
        pool = _POOL[platform.infra.amqp_uri] = RpcPool(platform.infra.amqp_uri, size=2, timeout=30)
    return pool.call("notifications", method, *args, context_data=context(platform, key, tenant_id), **kwargs)


def inbox(platform, key: str, tenant_id: str | None = None) -> list[dict]:
    return call(platform, key, "inbox", {"limit": 100}, tenant_id=tenant_id)["items"]


def send_event(platform, service: str, event: str, tenant_id: str, data: dict, event_id: str | None = None) -> str:
    """Publish an event exactly as the outbox relay of `service` would."""
    return publish(platform, make_envelope(service=service, event=event, tenant_id=tenant_id, data=data,
                                           event_id=event_id), service=service, event=event, tenant_id=tenant_id)


def publish(platform, envelope: dict, *, service: str, event: str, tenant_id: str) -> str:
    exchange = event_exchange(service)
    with Connection(platform.infra.amqp_uri) as connection:
        producer = Producer(connection.channel())
        producer.publish(envelope, exchange=exchange, routing_key=event, headers=nameko_headers(
            {"tenant_id": tenant_id, "request_id": uuid.uuid4().hex}), serializer="json", delivery_mode=2,
            declare=[exchange], retry=True)
    return envelope["id"]


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@pytest.fixture
def api(training):  # noqa: F811 (the training fixture imported above)
    return Api(training)
