"""Sessions on the points service's own tables, in-memory SQLite: rules only, no broker, no server."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support.sessions import TenantSessions, ctx  # noqa: F401 (ctx is imported by the tests)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Hangzhou


@pytest.fixture
def bank():
    """`bank(tenant_id)` → a tenant-scoped session on one shared points database."""
    from services.points.models import Base

    sessions = TenantSessions(Base)
    yield sessions
    sessions.close()
