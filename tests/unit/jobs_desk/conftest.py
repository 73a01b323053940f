"""Unit fixtures for job fairs, the rights desk and figures: tenant-scoped sessions on
one in-memory SQLite jobs database, built from the jobs service's own Base."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.jobs.models import Base, Employer, JobPost
from tests.support.sessions import TenantSessions, ctx  # noqa: F401 (ctx is imported by the tests)

KEY = b"unit-test-check-in-key-0123456789"
NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 09:00 in Hangzhou


@pytest.fixture
def db():
    """`db(tenant_id)` → a session in that tenant; `db.all()` → the operator's read across tenants."""
    sessions = TenantSessions(Base, members={"xiangyang": ("u-courier", "u-lawyer", "u-inspector", "u-staff",
                                                           "u-neighbour", "u-admin"),
                                             "dongxin": ("u-admin-d", "u-staff-d")})
    yield sessions
    sessions.close()


def fair_payload(**overrides):
    payload = {
        "title": "家门口的招聘会", "kind": "on_site", "venue": "康桥新居民党群服务中心",
        "starts_at": NOW, "ends_at": NOW + timedelta(hours=4), "target_groups": [],
    }
    payload.update(overrides)
    return payload


def alliance_post(db, *, tenant="alliance", status="open", audience="*", employer_name="顺丰速运"):
    """An employer and one post in the alliance tenant, shared as given."""
    session = db(tenant)
    with session.begin():
        employer = Employer(name=employer_name, status="verified", created_by="u-hr")
        session.add(employer)
        session.flush()
        post = JobPost(employer_id=employer.id, employer_name=employer.name, title="快递分拣员", job_type="part_time",
                       pay_amount=25, pay_period="hour", status=status, audience=audience, created_by="u-hr",
                       headcount=5)
        session.add(post)
    return employer, post
