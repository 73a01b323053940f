"""Transitional (issue 17, step 2 removes it): the announcements domain functions collect, announced by
the service on the session of the unit of work (services.common.database.announce)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from services.common.database import announce


@dataclass(frozen=True)
class Announcement:
    tenant_id: str
    event: str
    data: dict[str, Any]
    subject: str | None = None


@dataclass
class Outbox:
    announcements: list[Announcement] = field(default_factory=list)

    def add(self, tenant_id: str, event: str, data: dict[str, Any], *, subject: str | None = None) -> None:
        self.announcements.append(Announcement(tenant_id, event, data, subject))

    def events(self, event: str | None = None) -> list[Announcement]:
        return [a for a in self.announcements if event is None or a.event == event]


def announce_all(session: Session, outbox: Outbox) -> None:
    for a in outbox.announcements:
        announce(session, a.event, a.data, subject=a.subject, tenant_id=a.tenant_id)
