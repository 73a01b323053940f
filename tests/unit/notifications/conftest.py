"""Sessions on the notifications service's own tables, in-memory SQLite: rules only, no broker, no server.
Two communities; in each a resident reading Chinese, one reading English, and staff."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common.members import apply_member_event
from services.notifications.channels import DeliveryFailed, Outgoing
from services.notifications.models import Contact, PushSubscription
from tests.support.sessions import TenantSessions

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # Monday 12:00 in Hangzhou: outside the default quiet hours

PEOPLE = {
    "xiangyang": {"u-wang": ("zh-CN", ["resident"]), "u-amy": ("en", ["resident"]),
                  "u-staff": ("zh-CN", ["staff"]), "u-admin": ("en", ["tenant_admin"])},
    "dongxin": {"u-zhao": ("zh-CN", ["resident"]), "u-staff-b": ("zh-CN", ["staff"])},
}


@pytest.fixture
def notes():
    """`notes(tenant_id)` → a tenant-scoped session on one shared notifications database; every person has a
    phone number and a push subscription."""
    from services.notifications.models import Base

    sessions = TenantSessions(Base)
    for tenant_id, people in PEOPLE.items():
        with sessions(tenant_id) as session, session.begin():
            for number, (user_id, (locale, roles)) in enumerate(people.items()):
                apply_member_event(session=session, data={
                    "user_id": user_id, "tenant_id": tenant_id, "version": 1, "member": True,
                    "account_active": True, "roles": roles, "display_name": None, "locale": locale})
                session.add(Contact(user_id=user_id, phone=f"1390000{number:04d}", version=1))
                session.add(PushSubscription(user_id=user_id, endpoint=f"https://push.example/{tenant_id}/{user_id}",
                                             p256dh="BNc", auth="au", created_at=NOW))
    yield sessions
    sessions.close()


SENT: list[Outgoing] = []
FAIL: dict[str, DeliveryFailed] = {}  # channel name -> the failure its sends raise


class Recording:
    """A channel of the interface (services.notifications.channels) that records instead of sending."""

    def __init__(self, name: str):
        self.name = name

    def send(self, outgoing: Outgoing) -> None:
        if self.name in FAIL:
            raise FAIL[self.name]
        SENT.append(outgoing)


@pytest.fixture
def sent():
    """What the channels were given; `FAIL[name] = DeliveryFailed(...)` makes a channel fail."""
    SENT.clear()
    FAIL.clear()
    yield SENT
    SENT.clear()
    FAIL.clear()


def channel(name: str) -> Recording:
    return Recording(name)
