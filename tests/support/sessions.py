"""Unit tests' database: tenant-scoped sessions on one in-memory SQLite database built
from a service's own Base, as `db.transaction()` would open them. No broker, no server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from services.common.context import CallContext
from services.common.database import make_engine, session_factory


class TenantSessions:
    """`sessions(tenant_id)` → a session scoped to that tenant; `sessions.all()` → the
    operator's read across tenants. `close()` closes everything opened."""

    def __init__(self, base: type[DeclarativeBase], members: dict[str, tuple[str, ...]] | None = None):
        """`members`: tenant → user ids that are members there (as identity events would have told the
        service), so the tests may name them in operations."""
        self.engine = make_engine("sqlite://")
        base.metadata.create_all(self.engine)
        self.factory = session_factory(self.engine, base)
        self._opened: list[Session] = []
        for tenant_id, user_ids in (members or {}).items():
            with self(tenant_id) as session, session.begin():
                join(session, *user_ids)

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


def join(session: Session, *user_ids: str, roles: tuple[str, ...] = ("resident",),
         names: dict[str, str] | None = None) -> None:
    """Make `user_ids` members of the session's tenant as a member_joined identity event would
    (services.common.members), so operations may name them."""
    from services.common.members import apply_member_event

    for user_id in user_ids:
        apply_member_event(session=session, data={
            "user_id": user_id, "tenant_id": session.info["tenant_id"], "version": 1, "member": True,
            "account_active": True, "roles": list(roles), "display_name": (names or {}).get(user_id),
            "locale": None})


COMMUNITIES = (("xiangyang", "community"), ("dongxin", "community"))


@contextmanager
def gateway_database(directory: Path, tenants: tuple[tuple[str, str], ...] = COMMUNITIES) -> Iterator[Session]:
    """The gateway's tables in a SQLite file (not :memory:, so that work done on a connection of its own, such
    as counting a failed sign-in, is seen) with `tenants` (id, kind) created; a session on it."""
    from gateway import identity
    from gateway.models import Base

    engine = make_engine(f"sqlite:///{directory}/gateway.sqlite3")
    Base.metadata.create_all(engine)
    session = sessionmaker(engine, expire_on_commit=False)()
    with session.begin():
        for tenant_id, kind in tenants:
            identity.create_tenant(session=session, tenant_id=tenant_id, name=tenant_id, kind=kind)
    try:
        yield session
    finally:
        session.close()
        engine.dispose()
