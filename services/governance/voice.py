"""Couriers have a say (小哥有话讲): anyone in the community raises a problem or an
idea; others add "me too"; staff triage it.

submitted → acknowledged → answered | promoted (to a council topic) | resolved | declined (with a reason).
An anonymous item never shows its author to other residents (staff see it, to
follow up). Time to first answer — the first answered/promoted/resolved/declined
step — is kept per item and summarised per community.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.access import get_or_404, is_staff, require_staff
from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict
from services.common.pagination import Key, Page, keyset_page
from services.governance import councils, events
from services.governance.contracts.messages import (
    ALREADY_ME_TOO,
    OWN_VOICE_ITEM,
    VOICE_ITEM_CLOSED,
    VOICE_ITEM_IN_STATE,
    VOICE_NOT_FOUND,
)
from services.governance.models import VoiceItem, VoiceMeToo

# action → (states it may start from, state it leads to)
TRIAGE: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": (("submitted",), "acknowledged"),
    "answer": (("submitted", "acknowledged", "answered"), "answered"),
    "promote": (("submitted", "acknowledged", "answered"), "promoted"),
    "resolve": (("submitted", "acknowledged", "answered", "promoted"), "resolved"),
    "decline": (("submitted", "acknowledged", "answered"), "declined"),
}
ANSWERING = ("answered", "promoted", "resolved", "declined")


def submit(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> VoiceItem:
    item = VoiceItem(author_user_id=ctx.require_user(), **data)
    session.add(item)
    session.flush()
    announce(session, events.VOICE_SUBMITTED, events.VoiceSubmittedData().dump({
        "voice_id": item.id, "category": item.category, "anonymous": item.anonymous,
        "author_user_id": None if item.anonymous else item.author_user_id,
        "has_location": bool(item.location or item.lat is not None), "submitted_at": item.created_at}),
        subject=item.id)
    return item


def get(*, session: Session, voice_id: str) -> VoiceItem:
    return get_or_404(session, VoiceItem, voice_id, VOICE_NOT_FOUND)


def me_too(*, session: Session, ctx: CallContext, voice_id: str) -> VoiceItem:
    """One "me too" per person; the counter moves by a conditional UPDATE so
    concurrent clicks are all counted."""
    user_id = ctx.require_user()
    item = get(session=session, voice_id=voice_id)
    if item.author_user_id == user_id:
        raise Conflict(OWN_VOICE_ITEM, {"state": item.status})
    if item.status in ("resolved", "declined"):
        raise Conflict(VOICE_ITEM_CLOSED, {"state": item.status})
    if session.scalar(select(VoiceMeToo.id).where(VoiceMeToo.voice_id == item.id, VoiceMeToo.user_id == user_id)):
        raise Conflict(ALREADY_ME_TOO, {"state": item.status})
    try:
        session.add(VoiceMeToo(voice_id=item.id, user_id=user_id))
        session.flush()
    except IntegrityError:
        raise Conflict(ALREADY_ME_TOO, {"state": item.status}) from None
    session.execute(update(VoiceItem).where(VoiceItem.id == item.id)
                    .values(me_too_count=VoiceItem.me_too_count + 1))
    session.refresh(item)
    return item


def triage(*, session: Session, ctx: CallContext, voice_id: str, data: dict[str, Any],
           now: datetime | None = None) -> VoiceItem:
    actor = require_staff(ctx)
    now = now or utcnow()
    item = session.scalar(select(VoiceItem).where(VoiceItem.id == voice_id).with_for_update()
                          .execution_options(populate_existing=True)) or get(session=session, voice_id=voice_id)
    action = data["action"]
    allowed, target = TRIAGE[action]
    if item.status not in allowed:
        raise Conflict(VOICE_ITEM_IN_STATE, {"state": item.status, "allowed_from": list(allowed)},
                       status=item.status)
    if action == "promote":
        topic = councils.open_topic(session=session, ctx=ctx, council_id=data["council_id"],
                                    title=data.get("topic_title") or item.text[:200],
                                    description=item.text, source_voice_id=item.id)
        item.topic_id = topic.id
    if data.get("answer"):
        item.answer = data["answer"]
    if action == "decline":
        item.decline_reason = data["reason"]
    item.status, item.handled_by = target, actor
    if action == "acknowledge":
        item.acknowledged_at = now
    if target in ("resolved", "declined"):
        item.closed_at = now
    if target in ANSWERING:
        item.first_answered_at = item.first_answered_at or now
        announce(session, events.VOICE_ANSWERED, events.VoiceAnsweredData().dump({
            "voice_id": item.id, "status": target, "topic_id": item.topic_id, "answered_at": now,
            "hours_to_first_answer": round((item.first_answered_at - item.created_at).total_seconds() / 3600, 2)}),
            subject=item.id)
    session.flush()
    return item


def author_user_ids(*, session: Session, voice_id: str) -> list[str]:
    """The author of a voice item, also when it was submitted anonymously (audience
    `voice_author`, for the service-internal fan-out that tells the author privately; staff
    already see the author). 404 for an item of another community or none."""
    return [get(session=session, voice_id=voice_id).author_user_id]


def list_page(*, session: Session, ctx: CallContext, limit: int, after: str | None, status: str | None = None,
              category: str | None = None, mine: bool = False) -> Page[VoiceItem]:
    """Newest first (keyset on created_at, id)."""
    query = select(VoiceItem)
    if status:
        query = query.where(VoiceItem.status == status)
    if category:
        query = query.where(VoiceItem.category == category)
    if mine:
        query = query.where(VoiceItem.author_user_id == ctx.require_user())
    return keyset_page(session, query, keys=[Key(VoiceItem.created_at, descending=True),
                                             Key(VoiceItem.id, descending=True)], limit=limit, after=after)


def view(*, session: Session, ctx: CallContext, item: VoiceItem, me_too_ids: set[str] | None = None
         ) -> dict[str, Any]:
    """What the caller may see: the author only to staff and to the author."""
    mine = ctx.user_id is not None and item.author_user_id == ctx.user_id
    show_author = not item.anonymous or mine or is_staff(ctx)
    if me_too_ids is None:
        me_too_ids = my_me_toos(session=session, ctx=ctx, voice_ids=[item.id])
    return {**{c.key: getattr(item, c.key) for c in VoiceItem.__table__.columns
               if c.key not in ("author_user_id", "handled_by", "tenant_id")},
            "author_user_id": item.author_user_id if show_author else None,
            "mine": mine, "me_too_by_me": item.id in me_too_ids}


def my_me_toos(*, session: Session, ctx: CallContext, voice_ids: list[str]) -> set[str]:
    if not ctx.user_id or not voice_ids:
        return set()
    return set(session.scalars(select(VoiceMeToo.voice_id).where(VoiceMeToo.voice_id.in_(voice_ids),
                                                                 VoiceMeToo.user_id == ctx.user_id)))
