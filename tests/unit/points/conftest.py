"""Sessions on the points service's own tables, in-memory SQLite: rules only, no broker, no server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.sessions import TenantSessions, ctx, join  # noqa: F401 (ctx is imported by the tests)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Hangzhou


MEMBERS = {
    "xiangyang": ("u-wang", "u-li", "u-zhao", "u-staff", "u-checker", "u-qian", "u-zhou", "u-other",
                  "u-stationery", "u-shaomai", "u-staff-a"),
    "dongxin": ("u-dongxin-person", "u-b", "u-b-staff", "u-staff-b", "u-zhao", "u-wang", "u-li"),  # some in both
}


@pytest.fixture
def bank():
    """`bank(tenant_id)` → a tenant-scoped session on one shared points database."""
    from services.points.models import Base

    sessions = TenantSessions(Base)
    # the people the tests name, members of their communities as identity announced them
    for tenant_id, people in MEMBERS.items():
        with sessions(tenant_id) as session, session.begin():
            join(session, *people)
    yield sessions
    sessions.close()
