"""Training rules over an in-memory SQLite database built from the training service's own Base.

`world` gives tenant-scoped sessions (as `db.transaction()` would) and ones of the host tenant (as
`db.write_in_tenant(host, reason=...)` would: a session of the host tenant, used on behalf of a caller
of another).
Helpers build a course → session → meetings quickly with sensible defaults.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common.database import announced, make_engine, session_factory
from services.common.envelope import short_event_name
from services.training import catalogue, scheduling
from services.training.models import Base
from tests.support.sessions import ctx, join  # noqa: F401 (ctx is imported by the tests)

NOW = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


class Heard:
    """The envelopes announced by the runs inside `world.announcing()` (`announced(session)` of each)."""

    def __init__(self) -> None:
        self.envelopes: list[dict[str, Any]] = []

    def events(self, event: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.envelopes if event is None or short_event_name(e) == event]

    def names(self) -> list[str]:
        return [short_event_name(e) for e in self.envelopes]


class World:
    def __init__(self, factory):
        self._factory = factory
        self._opened = []
        self._listening: list[Heard] = []

    def session(self, tenant_id: str):
        """A fresh session scoped to `tenant_id` (a write in the host tenant is the same thing for the host)."""
        session = self._factory()
        session.info["tenant_id"] = tenant_id
        self._opened.append(session)
        return session

    def run(self, tenant_id: str, fn, **kwargs) -> Any:
        """Call a domain function in one committed transaction of `tenant_id`."""
        session = self.session(tenant_id)
        with session.begin():
            result = fn(session=session, **kwargs)
        for heard in self._listening:
            heard.envelopes.extend(announced(session))
        return result

    @contextmanager
    def announcing(self) -> Iterator[Heard]:
        """What the runs made in the block announced, in order."""
        heard = Heard()
        self._listening.append(heard)
        try:
            yield heard
        finally:
            self._listening.remove(heard)

    def course(self, tenant_id: str = "hzvtc", *, audience: list[str] | None = None, everyone: bool = False,
               **fields) -> Any:
        staff = ctx(tenant_id, f"staff-{tenant_id}", "staff")
        data = {"kind": "vocational", "title": "网店运营入门 / Online shop basics", "format": "night_school",
                "description": "", "target_groups": [], "language": "zh", "min_attendance_share": 0.75, **fields}
        course = self.run(tenant_id, catalogue.create_course, ctx=staff, data=data)
        return self.run(tenant_id, catalogue.publish, ctx=staff, course_id=course.id, tenants=audience or [],
                        everyone=everyone)

    def cohort(self, course, *, capacity: int = 2, meetings: int = 4, waitlist_limit: int | None = None,
               opens: datetime | None = None, closes: datetime | None = None, first: datetime | None = None,
               mentor_id: str | None = None) -> Any:
        tenant_id = course.tenant_id
        first = first or NOW - timedelta(days=7 * (meetings - 1))
        data = {"label": "2026 冬季班", "venue": "康桥街道党群服务中心 3楼", "capacity": capacity,
                "waitlist_limit": waitlist_limit, "mentor_id": mentor_id,
                "enrol_opens_at": opens or NOW - timedelta(days=60),
                "enrol_closes_at": closes or NOW + timedelta(days=30),
                "meetings": [], "series": {"first_starts_at": first, "duration_minutes": 120, "count": meetings,
                                           "every_days": 7}}
        return self.run(tenant_id, scheduling.create_session, ctx=ctx(tenant_id, f"staff-{tenant_id}", "staff"),
                        course_id=course.id, data=data)

    def close(self):
        for session in self._opened:
            session.close()


@pytest.fixture
def world():
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    factory = session_factory(engine, Base)
    with factory() as session, session.begin():
        session.info["tenant_id"] = "seed"
        catalogue.seed_categories(session=session)
    with factory() as session, session.begin():  # the college's people, as identity announced them
        session.info["tenant_id"] = "hzvtc"
        join(session, "u-master", "u-zhang")
    built = World(factory)
    yield built
    built.close()
    engine.dispose()
