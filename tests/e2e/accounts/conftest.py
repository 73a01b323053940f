"""What the accounts end-to-end tests share: fresh people per test (two tenants), a second gateway with
short limits so lock-outs and grace periods can be watched in seconds, and a look into the gateway's
database as the app role and as the owner."""

from __future__ import annotations

import itertools
import random
import uuid

import pytest
import requests
from sqlalchemy import text

from services.common.database import make_engine
from tests.conftest import PASSWORD

_run_prefix = random.randint(10_000, 99_999)
_numbers = itertools.count(100)

# The second gateway's limits (the platform's own gateway keeps the defaults).
STRICT = {
    "LOGIN_ACCOUNT_MAX_FAILURES": "3",
    "LOGIN_ADDRESS_MAX_FAILURES": "8",
    "LOGIN_LOCKOUT_SECONDS": "1",
    "LOGIN_LOCKOUT_MAX_SECONDS": "30",
    "API_KEY_GRACE_SECONDS": "2",
    "GATEWAY_MAX_BODY_BYTES": "2000",
}


def new_phone() -> str:
    """11 digits starting with 135, unique within the run."""
    return f"135{_run_prefix:05d}{next(_numbers):03d}"


@pytest.fixture
def person(platform):
    """`person(tenant_id, *roles)` → a new account's key, signed in with `platform.session(key)`."""

    def make(tenant_id: str, *roles: str, name: str = "测试居民") -> str:
        key = f"accounts-{uuid.uuid4().hex[:8]}"
        platform.add_person(key, phone=new_phone(), name=name, tenant_id=tenant_id, roles=roles or ("resident",))
        return key

    return make


@pytest.fixture(scope="module")
def strict_gateway(platform):
    """A second gateway, two gunicorn workers, over the same database and broker, with short limits."""
    return platform.processes.start_gateway(workers=2, threads=4, **STRICT)


@pytest.fixture
def gateway_db(platform):
    """(owner engine, app-role engine) on the gateway's database."""
    owner = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    app = make_engine(platform.infra.app_url("gateway"), pool_size=1)
    yield owner, app
    owner.dispose()
    app.dispose()


@pytest.fixture
def clean_throttles(platform):
    """Failed sign-ins from 127.0.0.1 are counted for every test's gateway: start and end with none."""
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)

    def clear():
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM login_throttles"))

    clear()
    yield
    clear()
    engine.dispose()


def login(base_url: str, phone: str, password: str = PASSWORD, tenant_id: str | None = None) -> requests.Response:
    body = {"phone": phone, "password": password}
    if tenant_id:
        body["tenant_id"] = tenant_id
    return requests.post(base_url + "/api/v1/auth/login", json=body, timeout=10)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
