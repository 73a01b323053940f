"""Unit tests: domain rules over an in-memory SQLite session. No broker, no server."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker

from services.common.context import CallContext
from services.common.database import TenantSession, make_engine


@pytest.fixture
def jobs_sessions():
    """`open_session(tenant_id)` → a tenant-scoped session on one shared jobs database."""
    from services.jobs.models import Base

    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, class_=TenantSession, expire_on_commit=False)
    opened = []

    def open_session(tenant_id):
        session = factory()
        session.info["tenant_id"] = tenant_id
        opened.append(session)
        return session

    yield open_session
    for session in opened:
        session.close()
    engine.dispose()


def ctx(tenant_id: str, user_id: str, *roles: str) -> CallContext:
    return CallContext(tenant_id=tenant_id, user_id=user_id, roles=frozenset(roles or ("resident",)))
