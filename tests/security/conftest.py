"""Fixtures for the security suite: one credential per role in two tenants, over the running platform.

Every role of services.common.context.ROLES signs in as a person of its own (a partner uses an API key, as
partners do), in two tenants, plus anonymous. The phones are new for each run.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy.orm import sessionmaker

from gateway import identity
from services.common.context import ROLES
from services.common.database import make_engine

# Two community tenants from tests/conftest.py TENANTS; the sub-district operator works from tenants of
# its own kind, so an operator's two tenants are two operator tenants made here.
TENANT_A, TENANT_B = "xiangyang", "dongxin"
OPERATOR_TENANTS = {TENANT_A: ("sec-ops-a", "安全测试街道甲"), TENANT_B: ("sec-ops-b", "安全测试街道乙")}
ROLE_NAMES = (*ROLES, "anonymous")

_phones = itertools.count(random.Random().randrange(0, 5000) * 1000)


def new_phone() -> str:
    """11 digits starting with 135, unique within a run."""
    return f"135{next(_phones) % 10**8:08d}"


@dataclass(frozen=True)
class Actor:
    role: str
    tenant_id: str  # the tenant the credential is for
    headers: dict[str, str]

    def session(self) -> requests.Session:
        http = requests.Session()
        http.headers.update(self.headers)
        return http


def _grant(platform, *, role: str, tenant_id: str) -> Actor:
    if role == "anonymous":
        return Actor(role, tenant_id, {})
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    session = sessionmaker(engine, expire_on_commit=False)()
    with session.begin():
        if session.get(identity.Tenant, tenant_id) is None:
            name = next(n for t, n in OPERATOR_TENANTS.values() if t == tenant_id)
            identity.create_tenant(session=session, tenant_id=tenant_id, name=name, kind="operator")
        if role == "partner":
            _key, secret = identity.issue_api_key(session=session, tenant_id=tenant_id, name=f"security {role}",
                                                  roles=["partner"])
            headers = {"X-API-Key": secret}
        else:
            phone = new_phone()
            user = identity.create_user(session=session, phone=phone, display_name=f"安全测试 {role}",
                                        password="Fengchao2026")
            identity.grant_membership(session=session, user_id=user.id, tenant_id=tenant_id, roles=[role])
            headers = {}
    session.close()
    engine.dispose()
    if role != "partner":
        answer = requests.post(platform.url("/api/v1/auth/login"),
                               json={"phone": phone, "password": "Fengchao2026"}, timeout=10)
        assert answer.status_code == 200, answer.text
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    return Actor(role, tenant_id, headers)


def make_actors(platform) -> dict[tuple[str, str], Actor]:
    """(role, community tenant) → an actor with exactly that one role; the operator's tenant is its own."""
    found = {}
    for community in (TENANT_A, TENANT_B):
        for role in ROLE_NAMES:
            tenant = OPERATOR_TENANTS[community][0] if role == "operator" else community
            found[(role, community)] = _grant(platform, role=role, tenant_id=tenant)
    return found


@pytest.fixture(scope="session")
def actors(platform) -> dict[tuple[str, str], Actor]:
    return make_actors(platform)
