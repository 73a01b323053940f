"""Unit tests' database: tenant-scoped sessions on one in-memory SQLite database built
from a service's own Base, as `db.transaction()` would open them. No broker, no server."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from services.common.context import CallContext
from services.common.database import TenantSession, make_engine


class TenantSessions:
    """`sessions(tenant_id)` → a session scoped to that tenant; `sessions.all()` → the
    operator's read across tenants. `close()` closes everything opened."""

    def __init__(self, base: type[DeclarativeBase]):
        self.engine = make_engine("sqlite://")
        base.metadata.create_all(self.engine)
        self.factory = sessionmaker(self.engine, class_=TenantSession, expire_on_commit=False)
        self._opened: list[Session] = []

    def __call__(self, tenant_id: str | None) -> Session:
        session = self.factory()
        session.info["tenant_id"] = tenant_id
        self._opened.append(session)
        return session

    def all(self) -> Session:
        session = self.factory()
        session.info.update(tenant_id="subdistrict", all_tenants=True)
        self._opened.append(session)
        return session

    def close(self) -> None:
        for session in self._opened:
            session.close()
        self.engine.dispose()


def ctx(tenant_id: str, user_id: str | None, *roles: str) -> CallContext:
    """A call context as the gateway would send it; a resident unless roles say otherwise."""
    return CallContext(tenant_id=tenant_id, user_id=user_id, roles=frozenset(roles or ("resident",)))
