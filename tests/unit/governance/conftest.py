"""Governance rules over an in-memory SQLite database built from the service's own Base.
No broker, no server: events land in the outbox table, and `announced(session)` lists them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.context import CallContext
from services.common.database import announced
from services.governance import councils, proposals, voting
from services.governance.models import Base
from tests.support.sessions import TenantSessions, ctx, join  # noqa: F401 (ctx is imported by the tests)

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # a Saturday, 10:00 in the community


class Announcements:
    """What the domain announced (`services.common.database.announced`) on every session the test
    opened, in order: `named(event)` → the data of each such event."""

    def __init__(self, sessions: TenantSessions):
        self._sessions = sessions

    def named(self, event):
        return [envelope["data"] for session in self._sessions._opened for envelope in announced(session, event)]


@pytest.fixture
def gov_sessions():
    """`open_session(tenant_id)` → a tenant-scoped session on one shared governance database."""
    # the people the tests seat, enrol or assign, members of their communities as identity announced them
    people = ("sec", "m1", "m2", "f1", "s1", "pm-user", "u-late", "chair", "c1", "c2", "pm",
              *(f"u{i}" for i in range(1, 9)))
    sessions = TenantSessions(Base, members={"xiangyang": (*people, "xy-courier"), "dongxin": ("dx-courier",),
                                             "huanqiu": ("hq-resident", *people)})
    yield sessions
    sessions.close()


@pytest.fixture
def announcements(gov_sessions):
    return Announcements(gov_sessions)



def staff(tenant_id: str = "xiangyang") -> CallContext:
    return ctx(tenant_id, f"staff-{tenant_id}", "staff")


def make_council(session, tenant_id="xiangyang", members=(), joined_at=None):
    """A council with seats: `members` is a list of (user_id, group); returns (council, {user_id: seat})."""
    with session.begin():
        join(session, *(u for u, _g in members))  # seats go to members of the community (once joined, a no-op)
        council = councils.create(session=session, ctx=staff(tenant_id),
                                  data={"name": "红茶议事会", "theme": "小哥友好社区", "description": ""})
        seats = councils.add_members(session=session, ctx=staff(tenant_id), council_id=council.id, members=[
            {"user_id": u, "display_name": f"成员{u}", "stakeholder_group": g} for u, g in members]) if members else []
        for seat in seats:
            seat.joined_at = joined_at or NOW - timedelta(days=30)
    return council, {s.user_id: s for s in seats}


def proposal_in_deliberation(session, council, author, tenant_id="xiangyang"):
    with session.begin():
        proposal = proposals.create(session=session, ctx=ctx(tenant_id, author), council_id=council.id,
                                    data={"title": "快递车分时段进出", "body": "早7-9点、晚5-8点限时进出",
                                          "topic_id": None})
        proposals.transition(session=session, ctx=ctx(tenant_id, author), proposal_id=proposal.id,
                             action="submit", reason=None)
        proposals.transition(session=session, ctx=staff(tenant_id), proposal_id=proposal.id,
                             action="deliberate", reason=None)
    return proposal


def open_vote(session, proposal, tenant_id="xiangyang", **rules):
    data = {"closes_at": NOW + timedelta(hours=48), "quorum_percent": 50, "threshold_percent": 50,
            "block_limit": None, "secret": False, "remind_before_hours": 12, **rules}
    with session.begin():
        return voting.open_vote(session=session, ctx=staff(tenant_id), proposal_id=proposal.id,
                                data=data, now=NOW)
