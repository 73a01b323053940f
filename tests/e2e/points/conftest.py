"""What the moral bank's end-to-end tests share: fresh people per test, staff of two tenants,
events sent as the training and governance services would send them, and a look into the
points database for what only time could otherwise show (a voucher or a lot past its date)."""

from __future__ import annotations

import itertools
import random
import time
import uuid

import pytest
from kombu import Connection, Producer
from sqlalchemy import text

from services.common.database import make_engine
from services.common.envelope import make_envelope
from services.common.relay import event_exchange, nameko_headers

_run_prefix = random.randint(10_000, 99_999)
_numbers = itertools.count(100)


def new_phone() -> str:
    """11 digits starting with 134, unique within the run."""
    return f"134{_run_prefix:05d}{next(_numbers):03d}"


@pytest.fixture
def person(platform):
    """`person(tenant_id, *roles)` → a new account's key, signed in with `platform.session(key)`."""

    def make(tenant_id: str, *roles: str, name: str = "测试居民") -> str:
        key = f"points-{uuid.uuid4().hex[:8]}"
        platform.add_person(key, phone=new_phone(), name=name, tenant_id=tenant_id, roles=roles or ("resident",))
        return key

    return make


@pytest.fixture(scope="session")
def checker_a(platform):
    """A second staff member of xiangyang, for maker-checker."""
    key = "points-checker-a"
    if key not in platform.people:
        platform.add_person(key, phone=new_phone(), name="李干事", tenant_id="xiangyang", roles=("staff",))
    return key


def user_id(platform, key: str) -> str:
    return platform.people[key].user_id


def api(platform, key: str):
    """(requests session signed in as key, url builder for /api/v1/points/...)."""
    return platform.session(key), (lambda path: platform.url("/api/v1/points" + path))


def award(platform, staff_key: str, to_key: str, amount: int, **extra):
    http, url = api(platform, staff_key)
    response = http.post(url("/awards"), json={"user_id": user_id(platform, to_key), "amount": amount,
                                               "category": extra.pop("category", "volunteer"),
                                               "reason": extra.pop("reason", "志愿服务 / Volunteering"), **extra})
    assert response.status_code in (201, 202), response.text
    return response.json()


def available(platform, key: str) -> int:
    http, url = api(platform, key)
    response = http.get(url("/me"))
    assert response.status_code == 200, response.text
    return response.json()["available"]


def send_event(platform, service: str, event: str, tenant_id: str, data: dict, event_id: str | None = None) -> str:
    """Publish an event exactly as the outbox relay of `service` would."""
    envelope = make_envelope(service=service, event=event, tenant_id=tenant_id, data=data, event_id=event_id)
    exchange = event_exchange(service)
    with Connection(platform.infra.amqp_uri) as connection:
        producer = Producer(connection.channel())
        producer.publish(envelope, exchange=exchange, routing_key=event, headers=nameko_headers(
            {"tenant_id": tenant_id, "request_id": uuid.uuid4().hex}), serializer="json", delivery_mode=2,
            declare=[exchange], retry=True)
    return envelope["id"]


def points_sql(platform, statement: str, **params):
    """Run SQL on the points database as its owner (to move time forward for a row)."""
    engine = make_engine(platform.infra.owner_url("points"), pool_size=1)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), params)
            return result.rowcount if result.returns_rows is False else result.all()
    finally:
        engine.dispose()


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
