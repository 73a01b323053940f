"""Sessions on the points service's own tables, in-memory SQLite: rules only, no broker, no server."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import sessionmaker

from services.common.context import CallContext
from services.common.database import TenantSession, make_engine

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Hangzhou


@pytest.fixture
def bank():
    """`bank(tenant_id)` → a tenant-scoped session on one shared points database."""
    from services.points.models import Base

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
