"""The honour board (好人榜): who did the most good in a tenant, by week, month, year or all time,
overall or in one category. A person may opt out, and is then never shown; they choose the
name they are shown under.

Pure rules over a tenant-scoped session; no broker, no nameko.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.common import members
from services.common.context import CallContext
from services.common.database import utcnow
from services.points import ledger
from services.points.awards import LOCAL_TIME
from services.points.models import MemberPreference, Posting


def period_start(period: str, now: datetime) -> datetime | None:
    """Start of the local (Hangzhou) calendar week (Monday), month or year containing `now`."""
    if period == "all":
        return None
    day = now.astimezone(LOCAL_TIME).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def honour_board(*, session: Session, ctx: CallContext, period: str, category: str | None, limit: int,
                 now: datetime | None = None) -> dict[str, Any]:
    """Net points earned for acts in the period (awards less reversals), highest first; ties
    share a rank. People who opted out are left out entirely (not shown as blanks). Each entry is
    shown under the name the person chose, else the display name identity announced (the members
    table), never a raw account id; only accounts of people the community knows are ranked."""
    ctx.require_user()
    now = now or utcnow()
    start = period_start(period, now)
    award = Posting.kind == "award"
    points = func.sum(case((award, Posting.amount), else_=-Posting.amount)).label("points")
    acts = func.sum(case((award, 1), else_=-1)).label("acts")
    hidden = select(MemberPreference.user_id).where(MemberPreference.show_on_board.is_(False))
    known = select(members.member_model(session).user_id)
    query = (select(Posting.user_id, points, acts)
             .where(Posting.kind.in_(("award", "reversal")), Posting.user_id.is_not(None),
                    Posting.user_id.not_in(hidden), Posting.user_id.in_(known))
             .group_by(Posting.user_id).having(points > 0)
             .order_by(points.desc(), Posting.user_id).limit(limit))
    if start is not None:
        query = query.where(Posting.occurred_at >= start)
    if category:
        query = query.where(Posting.category == category)
    rows = session.execute(query).all()
    chosen = dict(session.execute(select(MemberPreference.user_id, MemberPreference.board_name)
                                  .where(MemberPreference.user_id.in_([r.user_id for r in rows]))).all())
    announced = members.display_names(session=session, user_ids=[r.user_id for r in rows])
    entries, rank, previous = [], 0, None
    for position, row in enumerate(rows, start=1):
        if row.points != previous:
            rank, previous = position, row.points
        entries.append({"rank": rank, "user_id": row.user_id, "board_name": chosen.get(row.user_id),
                        # None only if identity never announced a name: pages show "a good neighbour"
                        "display_name": chosen.get(row.user_id) or announced.get(row.user_id),
                        "points": int(row.points), "acts": int(row.acts)})
    return {"period": period, "category": category, "starts_at": start, "entries": entries}


def preferences(*, session: Session, user_id: str) -> MemberPreference:
    """A person's honour-board preferences (shown, under no chosen name, by default)."""
    found = session.scalar(select(MemberPreference).where(MemberPreference.user_id == user_id))
    return found or MemberPreference(user_id=user_id, show_on_board=True, board_name=None)


def set_preferences(*, session: Session, ctx: CallContext, changes: dict[str, Any]) -> MemberPreference:
    user_id = ctx.require_user()
    prefs = ledger.get_or_create(session, MemberPreference, {"user_id": user_id},
                                  {"show_on_board": True, "board_name": None})
    for key, value in changes.items():
        setattr(prefs, key, value)
    session.flush()
    return prefs
