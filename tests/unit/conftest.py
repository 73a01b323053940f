"""Unit tests: domain rules over an in-memory SQLite session. No broker, no server."""

from __future__ import annotations

import pytest

from tests.support.sessions import TenantSessions, ctx  # noqa: F401 (ctx is imported by the tests)


@pytest.fixture
def jobs_sessions():
    """`open_session(tenant_id)` → a tenant-scoped session on one shared jobs database."""
    from services.jobs.models import Base

    sessions = TenantSessions(Base, members={"alliance": ("u-hr", "u-hr2")})
    yield sessions
    sessions.close()
