"""Fixtures shared by the whole suite. Every data fixture involves at least two tenants."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import sessionmaker

from gateway import identity
from services.common.database import make_engine

TENANTS = {
    "xiangyang": ("向阳社区", "community"),
    "dongxin": ("东新社区", "community"),
    "huanqiu": ("环球社区", "community"),
    "hospital": ("区中医院", "partner"),
}
PASSWORD = "Fengchao2026"


@dataclass(frozen=True)
class Person:
    key: str
    user_id: str
    phone: str
    tenant_id: str
    roles: tuple[str, ...]


# key → (phone, name, tenant, roles); a person in two tenants tests tenant choice at login.
PEOPLE = {
    "courier_a": ("13900000001", "王师傅", "xiangyang", ("resident",)),
    "courier_a2": ("13900000002", "李师傅", "xiangyang", ("resident",)),
    "staff_a": ("13900000003", "张主任", "xiangyang", ("staff",)),
    "courier_b": ("13900000004", "赵师傅", "dongxin", ("resident",)),
    "staff_b": ("13900000005", "陈主任", "dongxin", ("staff",)),
    "mother_c": ("13900000006", "刘女士", "huanqiu", ("resident",)),
}
TWO_TENANT_PHONE = "13900000009"  # member of xiangyang and dongxin


def seed_identity(gateway_owner_url: str) -> dict[str, Person]:
    engine = make_engine(gateway_owner_url, pool_size=1)
    session = sessionmaker(engine, expire_on_commit=False)()
    people: dict[str, Person] = {}
    with session.begin():
        for tenant_id, (name, kind) in TENANTS.items():
            identity.create_tenant(session=session, tenant_id=tenant_id, name=name, kind=kind)
        for key, (phone, name, tenant_id, roles) in PEOPLE.items():
            user = identity.create_user(session=session, phone=phone, display_name=name, password=PASSWORD)
            identity.grant_membership(session=session, user_id=user.id, tenant_id=tenant_id, roles=list(roles))
            people[key] = Person(key, user.id, phone, tenant_id, roles)
        both = identity.create_user(session=session, phone=TWO_TENANT_PHONE, display_name="周师傅", password=PASSWORD)
        for tenant_id in ("xiangyang", "dongxin"):
            identity.grant_membership(session=session, user_id=both.id, tenant_id=tenant_id, roles=["resident"])
        people["two_tenants"] = Person("two_tenants", both.id, TWO_TENANT_PHONE, "xiangyang", ("resident",))
    session.close()
    engine.dispose()
    return people


@pytest.fixture(scope="session")
def infra():
    from tests.support.infra import discover

    found = discover()
    if isinstance(found, str):
        pytest.exit(found, returncode=3)
    found.create()
    yield found
    found.destroy()


class Platform:
    """The running platform: four services, the relay and a gateway, over real RabbitMQ and PostgreSQL."""

    def __init__(self, base_url, people, infra, processes, relay):
        self.base_url = base_url
        self.people = people
        self.infra = infra
        self.processes = processes
        self.relay = relay
        self._tokens: dict[str, dict] = {}

    def url(self, path: str) -> str:
        return self.base_url + path

    def login(self, key: str, tenant_id: str | None = None) -> dict:
        import requests

        person = self.people[key]
        body = {"phone": person.phone, "password": PASSWORD}
        if tenant_id:
            body["tenant_id"] = tenant_id
        response = requests.post(self.url("/api/v1/auth/login"), json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def add_person(self, key: str, *, phone: str, name: str, tenant_id: str, roles: tuple[str, ...]) -> Person:
        """Another account for a test (a mentor, a merchant, an employer…); phones must be unique per run.
        Returns once every running service knows the person as a member (identity events are async)."""
        engine = make_engine(self.infra.owner_url("gateway"), pool_size=1)
        session = sessionmaker(engine, expire_on_commit=False)()
        with session.begin():
            user = identity.create_user(session=session, phone=phone, display_name=name, password=PASSWORD)
            identity.grant_membership(session=session, user_id=user.id, tenant_id=tenant_id, roles=list(roles))
        session.close()
        engine.dispose()
        self.people[key] = Person(key, user.id, phone, tenant_id, roles)
        self.processes.wait_for_members([(user.id, tenant_id)])
        self._tokens.pop(key, None)  # a key reused by another module must not keep the old person's token
        return self.people[key]

    def session(self, key: str):
        """A requests session signed in as `key` (one login per person per run)."""
        import requests

        if key not in self._tokens:
            self._tokens[key] = self.login(key)
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {self._tokens[key]['access_token']}"
        return http


@pytest.fixture(scope="session")
def processes(infra, tmp_path_factory):
    from tests.support.processes import Processes

    procs = Processes(infra, tmp_path_factory.mktemp("process-logs"))
    yield procs
    procs.stop_all()


@pytest.fixture(scope="session")
def people(infra):
    return seed_identity(infra.owner_url("gateway"))


@pytest.fixture(scope="session")
def sms_provider():
    """The SMS provider the suite's notifications service sends to: a local receiver recording each request
    (the generic JSON webhook apprise speaks, the phone number in the query)."""
    from tests.support.receivers import RecordingReceiver

    with RecordingReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def push_service():
    """The Web Push service of the suite's browsers: verifies each push's VAPID signature and decrypts it."""
    from tests.support.receivers import PushService

    with PushService() as service:
        yield service


@pytest.fixture(scope="session")
def vapid_keys():
    """The deployment's VAPID key pair, as an operator would set NOTIFICATIONS_VAPID_PRIVATE_KEY."""
    from services.notifications.channels.webpush import generate_vapid_keys

    return generate_vapid_keys()


def notifications_settings(sms_provider, vapid_keys) -> dict[str, str]:
    return {"NOTIFICATIONS_SMS_URL": f"json://{sms_provider.host}:{sms_provider.port}/sms/send?:phone={{phone}}",
            "NOTIFICATIONS_VAPID_PRIVATE_KEY": vapid_keys.private_key}


@pytest.fixture(scope="session")
def platform(infra, processes, people, sms_provider, vapid_keys):
    for service in infra.services:
        extra = notifications_settings(sms_provider, vapid_keys) if service == "notifications" else {}
        processes.start_service(service, **extra)
    relay = processes.start_relay(*infra.services)
    base_url = processes.start_gateway()
    processes.wait_for_members(seeded_memberships(people))
    return Platform(base_url, people, infra, processes, relay)


def seeded_memberships(people: dict[str, Person]) -> list[tuple[str, str]]:
    """(user id, tenant id) of every seeded membership, the two-tenant person in both."""
    pairs = [(p.user_id, p.tenant_id) for p in people.values() if p.key in PEOPLE]
    return pairs + [(people["two_tenants"].user_id, t) for t in ("xiangyang", "dongxin")]
