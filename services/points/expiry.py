"""Expiry: points run out a number of months after they were earned, oldest first, with a notice
before; staff may pause expiry for a person (Spring Festival, maternity).

A pause [starts_at, ends_at) pushes back, by its length, every lot of the person that still holds
points and would expire on or after the pause starts: time in a pause does not count. Lots earned
later are not touched. While a pause is running, nothing of that person expires.

Pure rules over a tenant-scoped session; no broker, no nameko.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import members
from services.common.context import CallContext
from services.common.database import announce, new_id, utcnow
from services.common.errors import ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.points import access, events, ledger
from services.points.contracts.messages import (
    EXPIRED_MEMO,
    PAUSE_ENDS_BEFORE_START,
    PAUSE_ENDS_IN_PAST,
    PAUSE_TOO_LONG,
)
from services.points.models import MEMBER, Account, ExpiryPause, Lot

MAX_PAUSE = timedelta(days=400)


def create_pause(*, session: Session, ctx: CallContext, user_id: str, starts_at: datetime, ends_at: datetime,
                 reason: str, now: datetime | None = None) -> ExpiryPause:
    """Staff pause a person's expiry; their open lots' expiry dates move back by the pause's length."""
    actor = access.require_staff(ctx)
    members.require_member(session, user_id, field="user_id")
    now = now or utcnow()
    if ends_at <= starts_at:
        raise ValidationFailed.from_messages({"ends_at": [PAUSE_ENDS_BEFORE_START]})
    if ends_at <= now:
        raise ValidationFailed.from_messages({"ends_at": [PAUSE_ENDS_IN_PAST]})
    if ends_at - starts_at > MAX_PAUSE:
        raise ValidationFailed.from_messages({"ends_at": [PAUSE_TOO_LONG]})
    pause = ExpiryPause(user_id=user_id, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=actor,
                        created_at=now, lots_extended=0)
    member = ledger.find_member_account(session=session, user_id=user_id)
    if member is not None:
        ledger.lock(session=session, accounts=[member])  # no expiry or spend of this person meanwhile
        lots = session.scalars(select(Lot).where(Lot.account_id == member.id, Lot.remaining > 0,
                                                 Lot.expires_at >= starts_at, Lot.expires_at > now)
                               .execution_options(populate_existing=True))
        for lot in lots:
            lot.expires_at = lot.expires_at + (ends_at - starts_at)
            lot.notified_at = None  # the person hears again when the new date nears
            pause.lots_extended += 1
    session.add(pause)
    session.flush()
    return pause


def list_pauses(*, session: Session, ctx: CallContext, user_id: str | None, limit: int = 200,
                after: str | None = None) -> Page[ExpiryPause]:
    """Expiry pauses, latest start first: staff anyone's, others their own."""
    user_id = access.pause_holder(ctx, user_id)
    query = select(ExpiryPause)
    if user_id:
        query = query.where(ExpiryPause.user_id == user_id)
    return keyset_page(session, query, keys=[Key(ExpiryPause.starts_at, descending=True),
                                             Key(ExpiryPause.id, descending=True)], limit=limit, after=after)


def _paused_now(session: Session, user_ids: list[str], now: datetime) -> set[str]:
    if not user_ids:
        return set()
    return set(session.scalars(select(ExpiryPause.user_id).where(
        ExpiryPause.user_id.in_(user_ids), ExpiryPause.starts_at <= now, ExpiryPause.ends_at > now)))


def send_notices(*, session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """For each person with points expiring within the tenant's notice period and not yet told,
    one notice (returned, and announced as `points_expiring`). Each lot is told once."""
    now = now or utcnow()
    horizon = now + timedelta(days=ledger.settings(session=session).expiry_notice_days)
    rows = session.execute(
        select(Lot, Account.owner_id).join(Account, Account.id == Lot.account_id)
        .where(Account.kind == MEMBER, Lot.remaining > 0, Lot.notified_at.is_(None), Lot.expires_at <= horizon,
               Lot.expires_at > now)
        .order_by(Account.owner_id, Lot.expires_at)
    ).tuples().all()
    paused = _paused_now(session, sorted({user_id for _lot, user_id in rows}), now)
    by_person: dict[str, list[Lot]] = defaultdict(list)
    for lot, user_id in rows:
        if user_id not in paused:
            by_person[user_id].append(lot)
    notices = []
    for user_id, lots in by_person.items():
        for lot in lots:
            lot.notified_at = now
        notices.append({"user_id": user_id, "amount": sum(lot.remaining for lot in lots),
                        "expires_at": min(lot.expires_at for lot in lots), "lots": len(lots)})
    session.flush()
    for notice in notices:
        announce(session, events.POINTS_EXPIRING, events.PointsExpiringData().dump(notice), subject=notice["user_id"])
    return notices


def expire_due(*, session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Move every lot past its date to the tenant's expiry account: one posting per person,
    first in, first out. Safe to run twice at once: each person is handled under their account's
    lock and re-read after it. Returns what expired, per person."""
    now = now or utcnow()
    candidates = session.execute(
        select(Account.id, Account.owner_id).join(Lot, Lot.account_id == Account.id)
        .where(Account.kind == MEMBER, Lot.remaining > 0, Lot.expires_at <= now).distinct()
    ).tuples().all()
    paused = _paused_now(session, sorted({user_id for _id, user_id in candidates}), now)
    expired = []
    sink = ledger.expiry(session=session)
    for account_id, user_id in sorted(candidates):
        if user_id in paused:
            continue
        member = session.get(Account, account_id)
        ledger.lock(session=session, accounts=[member])
        due = list(session.scalars(select(Lot).where(Lot.account_id == account_id, Lot.remaining > 0,
                                                     Lot.expires_at <= now)
                                   .order_by(Lot.expires_at, Lot.earned_at, Lot.id)
                                   .execution_options(populate_existing=True)))
        amount = sum(lot.remaining for lot in due)
        if amount <= 0:
            continue  # another run got here first
        posting, _created = ledger.post(
            session=session, kind="expiry", source="expiry", key=f"{account_id}:{new_id()}",
            legs=[(member, -amount), (sink, amount)], amount=amount, user_id=user_id,
            memo=EXPIRED_MEMO.text, now=now)
        ledger.draw_lots(session=session, member=member, posting=posting, amount=amount, only=due)
        expired.append({"user_id": user_id, "amount": amount, "posting_id": posting.id, "lots": len(due),
                        "expired_at": now})
        announce(session, events.POINTS_EXPIRED, events.PointsExpiredData().dump(expired[-1]),
                 subject=posting.id)
    return expired


def upcoming(*, session: Session, member: Account | None, limit: int = 5) -> list[dict[str, Any]]:
    """A person's next expiry dates with the points that run out on each."""
    if member is None:
        return []
    rows = session.execute(select(Lot.expires_at, Lot.remaining).where(Lot.account_id == member.id,
                                                                        Lot.remaining > 0)
                           .order_by(Lot.expires_at).limit(limit)).tuples().all()
    return [{"expires_at": when, "amount": int(amount)} for when, amount in rows]
