"""Fixtures for the security suite: one credential per role in two tenants, over the running platform.

Every role of services.common.context.ROLES is held by a person of its own (a partner uses an API key, as
partners do), a member of two tenants with only that role, plus anonymous. Access tokens are issued by the
gateway's identity module with the gateway's key, as a login would after checking the password (the login
itself is tested in tests/e2e/test_auth.py): a password check costs an argon2 hash, and the suites here need
many fresh credentials. Phones are new for each run.
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
from tests.support.processes import JWT_SECRET

# Two community tenants from tests/conftest.py TENANTS; the sub-district operator works from tenants of
# its own kind, so an operator's two tenants are two operator tenants made here.
TENANT_A, TENANT_B = "xiangyang", "dongxin"
OPERATOR_TENANTS = {TENANT_A: ("sec-ops-a", "安全测试街道甲"), TENANT_B: ("sec-ops-b", "安全测试街道乙")}
ROLE_NAMES = (*ROLES, "anonymous")
TOKENS = identity.TokenSettings(secret=JWT_SECRET, access_ttl=3600)  # the suite outlasts 15 minutes

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


def _tenant_of(role: str, community: str) -> str:
    return OPERATOR_TENANTS[community][0] if role == "operator" else community


class Cast:
    """The people (and partner keys) behind the actors; `actors()` issues a fresh credential for each, so a
    suite that signs out spoils only its own."""

    def __init__(self, platform):
        self.owner_url = platform.infra.owner_url("gateway")
        self.users: dict[str, str] = {}
        self.keys: dict[tuple[str, str], str] = {}
        engine = make_engine(self.owner_url, pool_size=1)
        session = sessionmaker(engine, expire_on_commit=False)()
        with session.begin():
            for tenant_id, name in OPERATOR_TENANTS.values():
                if session.get(identity.Tenant, tenant_id) is None:
                    identity.create_tenant(session=session, tenant_id=tenant_id, name=name, kind="operator")
            for role in ROLES:
                if role == "partner":
                    continue
                user = identity.create_user(session=session, phone=new_phone(), display_name=f"安全测试 {role}",
                                            password="Fengchao2026")
                for community in (TENANT_A, TENANT_B):
                    identity.grant_membership(session=session, user_id=user.id,
                                              tenant_id=_tenant_of(role, community), roles=[role])
                self.users[role] = user.id
        session.close()
        engine.dispose()

    def actors(self) -> dict[tuple[str, str], Actor]:
        """(role, community tenant) → an actor with exactly that one role; the operator's tenant is its own."""
        found = {}
        engine = make_engine(self.owner_url, pool_size=1)
        session = sessionmaker(engine, expire_on_commit=False)()
        with session.begin():
            for community in (TENANT_A, TENANT_B):
                for role in ROLE_NAMES:
                    tenant = _tenant_of(role, community)
                    if role == "anonymous":
                        headers = {}
                    elif role == "partner":
                        if (role, community) not in self.keys:
                            _key, self.keys[(role, community)] = identity.issue_api_key(
                                session=session, tenant_id=tenant, name="security partner", roles=["partner"])
                        headers = {"X-API-Key": self.keys[(role, community)]}
                    else:
                        pair = identity.issue_tokens(session=session, settings=TOKENS, user_id=self.users[role],
                                                     tenant_id=tenant, roles=[role])
                        headers = {"Authorization": f"Bearer {pair['access_token']}"}
                    found[(role, community)] = Actor(role, tenant, headers)
        session.close()
        engine.dispose()
        return found


@pytest.fixture(scope="session")
def cast(platform) -> Cast:
    return Cast(platform)


@pytest.fixture(scope="session")
def actors(cast) -> dict[tuple[str, str], Actor]:
    return cast.actors()
