"""Resolutions and follow-through: an adopted proposal becomes a resolution (a
convention with its text and effective date) split into action items, each
assigned to a party with a due date.

Item lifecycle: open → in_progress (progress updates) → done (the party claims it)
→ reopened when enough residents dispute the claim → … → done again.
Beyond an admin-updated progress bar: residents affected confirm or dispute that an
item is really done ("the parking bay is free"). On each completion claim, once
disputes reach the item's threshold and outnumber confirmations, it reopens.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import members
from services.common.access import get_or_404, is_staff, require_staff
from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, Forbidden
from services.common.locales import translations
from services.common.messages import Message
from services.common.pagination import Key, Page, keyset_page
from services.governance import events, sharing
from services.governance.contracts.messages import (
    ACTION_ITEM_NOT_FOUND,
    ASSIGNEE_CANNOT_JUDGE,
    ITEM_BEING_CONFIRMED,
    ITEM_NOT_DONE,
    PROGRESS_ASSIGNEE_OR_STAFF,
    PROPOSAL_NOT_FOUND,
    REOPENED_NOTE,
    RESOLUTION_EXISTS,
    RESOLUTION_NEEDS_ADOPTION,
    RESOLUTION_NOT_FOUND,
    VERDICT_GIVEN,
)
from services.governance.models import ActionItem, ActionItemFeedback, ActionItemUpdate, Proposal, Resolution


def adopt(*, session: Session, ctx: CallContext, proposal_id: str,
          data: dict[str, Any]) -> Resolution:
    """Staff turn an adopted proposal into a resolution, once."""
    actor = require_staff(ctx)
    proposal = get_or_404(session, Proposal, proposal_id, PROPOSAL_NOT_FOUND)
    # what was sent is checked before the proposal's state: a wrong assignee is the caller's to fix either way
    for index, spec in enumerate(data.get("action_items", [])):
        _require_assignee(session, spec, field=f"action_items.{index}.assignee_user_id")
    if proposal.status != "adopted":
        raise Conflict(RESOLUTION_NEEDS_ADOPTION,
                       {"state": proposal.status})
    existing = session.scalar(select(Resolution.id).where(Resolution.proposal_id == proposal.id))
    if existing:
        raise Conflict(RESOLUTION_EXISTS,
                       {"state": "resolved", "resolution_id": existing})
    items = data.pop("action_items", [])
    resolution = Resolution(proposal_id=proposal.id, council_id=proposal.council_id,
                            audience=sharing.audience_of(session, proposal.council_id),
                            title=data.pop("title", None) or proposal.title, adopted_by=actor, **data)
    session.add(resolution)
    try:
        session.flush()
    except IntegrityError:  # adopted concurrently by another request
        raise Conflict(RESOLUTION_EXISTS, {"state": "resolved"}) from None
    created = [_new_item(session, resolution.id, spec) for spec in items]
    session.flush()
    announce(session, events.RESOLUTION_ADOPTED, events.ResolutionAdoptedData().dump({
        "resolution_id": resolution.id, "proposal_id": proposal.id, "council_id": resolution.council_id,
        "effective_on": resolution.effective_on, "action_item_ids": [i.id for i in created],
        "adopted_at": resolution.adopted_at}), subject=resolution.id)
    return resolution


def add_item(*, session: Session, ctx: CallContext, resolution_id: str, data: dict[str, Any]) -> ActionItem:
    require_staff(ctx)
    get_or_404(session, Resolution, resolution_id, RESOLUTION_NOT_FOUND)
    _require_assignee(session, data, field="assignee_user_id")
    item = _new_item(session, resolution_id, data)
    session.flush()
    return item


def report(*, session: Session, ctx: CallContext, item_id: str, note: str,
           progress_percent: int | None, completed: bool) -> ActionItem:
    """The responsible party (its named account) or staff report progress, or claim the item done."""
    item = _locked(session, item_id)
    if not (is_staff(ctx) or (item.assignee_user_id and item.assignee_user_id == ctx.user_id)):
        raise Forbidden(PROGRESS_ASSIGNEE_OR_STAFF)
    if item.status == "done":
        raise Conflict(ITEM_BEING_CONFIRMED,
                       {"state": item.status})
    now = utcnow()
    if completed:
        item.status, item.progress_percent, item.completed_at = "done", 100, now
        item.completion_round += 1
        kind = "completed"
    else:
        item.status = "in_progress"
        if progress_percent is not None:
            item.progress_percent = min(progress_percent, 99)  # 100 % is a claim residents can check
        kind = "progress"
    session.add(ActionItemUpdate(item_id=item.id, kind=kind, note=note, progress_percent=item.progress_percent,
                                 author_user_id=ctx.user_id))
    session.flush()
    if completed:
        announce(session, events.ACTION_ITEM_COMPLETED, events.ActionItemCompletedData().dump({
            "action_item_id": item.id, "resolution_id": item.resolution_id, "assignee_kind": item.assignee_kind,
            "completion_round": item.completion_round, "completed_at": now}), subject=item.id)
    return item


def give_feedback(*, session: Session, ctx: CallContext, item_id: str, verdict: str,
                  comment: str | None) -> ActionItem:
    """A resident confirms or disputes a completion claim, once per claim. The item
    row is locked, so concurrent disputes are counted one after another and the
    reopening happens exactly once."""
    user_id = ctx.require_user()
    item = _locked(session, item_id)
    if item.status != "done":
        raise Conflict(ITEM_NOT_DONE,
                       {"state": item.status})
    if item.assignee_user_id == user_id:
        raise Forbidden(ASSIGNEE_CANNOT_JUDGE)
    already = session.scalar(select(ActionItemFeedback.verdict).where(
        ActionItemFeedback.item_id == item.id, ActionItemFeedback.round == item.completion_round,
        ActionItemFeedback.user_id == user_id))
    if already:
        raise Conflict(VERDICT_GIVEN,
                       {"state": item.status, "verdict": already})
    session.add(ActionItemFeedback(item_id=item.id, round=item.completion_round, user_id=user_id, verdict=verdict,
                                   comment=comment))
    session.flush()
    confirmations, disputes = counts(session=session, item=item)
    now = utcnow()
    if verdict == "dispute":
        announce(session, events.ACTION_ITEM_DISPUTED, events.ActionItemDisputedData().dump({
            "action_item_id": item.id, "resolution_id": item.resolution_id, "completion_round": item.completion_round,
            "disputes": disputes, "confirmations": confirmations, "dispute_threshold": item.dispute_threshold,
            "disputed_at": now}), subject=item.id)
        if disputes >= item.dispute_threshold and disputes > confirmations:
            item.status, item.completed_at = "reopened", None
            item.progress_percent = min(item.progress_percent, 90)
            item.reopened_count += 1
            session.add(ActionItemUpdate(item_id=item.id, kind="reopened", progress_percent=item.progress_percent,
                                         note=_in_both_languages(REOPENED_NOTE, disputes=disputes)))
            session.flush()
            announce(session, events.ACTION_ITEM_REOPENED, events.ActionItemReopenedData().dump({
                "action_item_id": item.id, "resolution_id": item.resolution_id,
                "completion_round": item.completion_round, "disputes": disputes, "confirmations": confirmations,
                "reopened_at": now}), subject=item.id)
    return item


def counts(*, session: Session, item: ActionItem) -> tuple[int, int]:
    """(confirmations, disputes) on the item's current completion claim."""
    rows = dict(session.execute(select(ActionItemFeedback.verdict, func.count()).where(
        ActionItemFeedback.item_id == item.id, ActionItemFeedback.round == item.completion_round
    ).group_by(ActionItemFeedback.verdict)).all())
    return rows.get("confirm", 0), rows.get("dispute", 0)


def get(*, session: Session, resolution_id: str) -> Resolution:
    return get_or_404(session, Resolution, resolution_id, RESOLUTION_NOT_FOUND)


def list_all(*, session: Session, limit: int, after: str | None, council_id: str | None = None) -> Page[Resolution]:
    query = select(Resolution)
    if council_id:
        query = query.where(Resolution.council_id == council_id)
    else:  # the community's own: a shared council's resolutions are listed through that council
        query = query.where(Resolution.tenant_id == session.info["tenant_id"])
    return keyset_page(session, query, keys=[Key(Resolution.adopted_at), Key(Resolution.id)], limit=limit,
                       after=after)


def view(*, session: Session, ctx: CallContext, resolution: Resolution, today: date | None = None) -> dict[str, Any]:
    items = list(session.scalars(select(ActionItem).where(ActionItem.resolution_id == resolution.id)
                                 .order_by(ActionItem.due_on, ActionItem.id)))
    item_views = [item_view(session=session, ctx=ctx, item=i, today=today) for i in items]
    return {**{c.key: getattr(resolution, c.key) for c in Resolution.__table__.columns},
            "progress_percent": round(sum(i.progress_percent for i in items) / len(items)) if items else 0,
            "action_items": item_views}


def item_view(*, session: Session, ctx: CallContext, item: ActionItem, today: date | None = None) -> dict[str, Any]:
    today = today or utcnow().date()
    confirmations, disputes = counts(session=session, item=item)
    mine = session.scalar(select(ActionItemFeedback.verdict).where(
        ActionItemFeedback.item_id == item.id, ActionItemFeedback.round == item.completion_round,
        ActionItemFeedback.user_id == ctx.user_id)) if ctx.user_id else None
    history = session.scalars(select(ActionItemUpdate).where(ActionItemUpdate.item_id == item.id)
                              .order_by(ActionItemUpdate.created_at))
    return {**{c.key: getattr(item, c.key) for c in ActionItem.__table__.columns},
            "overdue": item.status != "done" and item.due_on < today,
            "confirmations": confirmations, "disputes": disputes, "my_verdict": mine,
            "history": [{"kind": h.kind, "note": h.note, "progress_percent": h.progress_percent,
                         "created_at": h.created_at} for h in history]}


def get_item(*, session: Session, item_id: str) -> ActionItem:
    return get_or_404(session, ActionItem, item_id, ACTION_ITEM_NOT_FOUND)


def _require_assignee(session: Session, spec: dict[str, Any], *, field: str) -> None:
    if spec.get("assignee_user_id"):  # the account reporting progress is one of the community's
        members.require_member(session, spec["assignee_user_id"], field=field)


def _new_item(session: Session, resolution_id: str, spec: dict[str, Any]) -> ActionItem:
    resolution = session.get(Resolution, resolution_id)
    item = ActionItem(resolution_id=resolution_id, audience=resolution.audience if resolution else "", **spec)
    session.add(item)
    return item


def _locked(session: Session, item_id: str) -> ActionItem:
    item = session.scalar(select(ActionItem).where(ActionItem.id == item_id).with_for_update()
                          .execution_options(populate_existing=True))
    if item is None:
        return get_item(session=session, item_id=item_id)  # raises NotFound
    return item


def _in_both_languages(words: Message, **params: Any) -> str:
    """Words written into the record (a stored note, not an answer worded at the edge), read later by people
    of either language: the Chinese, a slash, the English, both from the governance catalogue."""
    return f"{words.render(translations('zh_Hans_CN', 'governance').gettext, params)} / {words.format(params)}"
