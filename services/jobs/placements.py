"""Placement follow-up: after a hire and the post's follow-up period, the worker
says whether wages were paid on time. Each answer adds to the employer's
reliability record (which weighs its posts in recommendations); "not paid"
opens a labour-rights case in the worker's community.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, Forbidden, NotFound
from services.common.pagination import Key, Page, keyset_page
from services.jobs import access, events
from services.jobs.contracts import messages as words
from services.jobs.models import Employer, Placement


def get(*, session: Session, ctx: CallContext, placement_id: str) -> Placement:
    placement = session.get(Placement, placement_id)
    if placement is None or not access.may_see_placement(ctx, placement):
        raise NotFound(words.PLACEMENT_NOT_FOUND, {"placement_id": placement_id})
    return placement


def answer_wages(*, session: Session, ctx: CallContext, placement_id: str, wages_paid: bool,
                 now: datetime | None = None) -> tuple[Placement, bool]:
    """Runs in the placement's (the post's) tenant. Returns the placement and
    whether this call recorded the answer (False: the same answer was already in,
    so a retried request changes nothing)."""
    placement = session.scalars(select(Placement).where(Placement.id == placement_id).with_for_update()).one_or_none()
    if placement is None or placement.worker_user_id != ctx.user_id:
        raise NotFound(words.PLACEMENT_NOT_FOUND, {"placement_id": placement_id})
    now = now or utcnow()
    if now < placement.follow_up_due_at:
        raise Conflict(words.TOO_EARLY_FOR_WAGES,
                       {"follow_up_due_at": placement.follow_up_due_at.isoformat()})
    if placement.wages_paid is not None:
        if placement.wages_paid == wages_paid:
            return placement, False
        raise Conflict(words.WAGES_ALREADY_ANSWERED, {"wages_paid": placement.wages_paid})
    placement.wages_paid, placement.answered_at = wages_paid, now
    employer = session.scalars(select(Employer).where(Employer.id == placement.employer_id).with_for_update()).one()
    if wages_paid:
        employer.wages_paid_reports += 1
    else:
        employer.wages_unpaid_reports += 1
    session.flush()
    return placement, True


def link_case(*, session: Session, placement_id: str, case_id: str) -> None:
    placement = session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(words.PLACEMENT_NOT_FOUND)
    if placement.case_id and placement.case_id != case_id:
        raise Forbidden(words.PLACEMENT_LINKED)
    placement.case_id = case_id
    session.flush()


def listing(*, session: Session, ctx: CallContext, limit: int, after: str | None) -> Page[Placement]:
    query = select(Placement)
    if access.is_staff(ctx):
        query = query.where(or_(Placement.tenant_id == ctx.tenant, Placement.worker_tenant_id == ctx.tenant))
    else:
        query = query.where(Placement.worker_user_id == ctx.require_user())
    return keyset_page(session, query, keys=[Key(Placement.started_at, descending=True),
                                             Key(Placement.id, descending=True)], limit=limit, after=after)


def _due(now: datetime) -> Any:
    return (Placement.follow_up_reminded_at.is_(None) & Placement.wages_paid.is_(None)
            & (Placement.follow_up_due_at <= now))


def tenants_with_follow_ups_due(*, session: Session, now: datetime) -> set[str]:
    """Across tenants (for the timer): the tenants owning a placement whose follow-up is due."""
    return set(session.scalars(select(Placement.tenant_id).where(_due(now)).distinct()))


def announce_follow_ups_due(*, session: Session, now: datetime) -> list[str]:
    """The timer's duty in one tenant (`session`'s, the posts' side): announce
    `wage_follow_up_due` for each of its placements whose follow-up is due and not yet
    answered, once per placement (claimed by a conditional UPDATE of `follow_up_reminded_at`).
    The event is about the worker, so it is published in the worker's community
    (`announce(tenant_id=)`), where the notice to them is made. Returns the placement ids."""
    due = list(session.scalars(select(Placement).where(Placement.tenant_id == session.info["tenant_id"], _due(now))
                               .order_by(Placement.follow_up_due_at)))
    announced = []
    for placement in due:
        claimed = session.execute(update(Placement).where(Placement.id == placement.id,
                                                          Placement.follow_up_reminded_at.is_(None))
                                  .values(follow_up_reminded_at=now))
        if claimed.rowcount != 1:
            continue
        announce(session, events.WAGE_FOLLOW_UP_DUE, events.WageFollowUpDueData().dump({
            "placement_id": placement.id, "worker_user_id": placement.worker_user_id,
            "worker_tenant_id": placement.worker_tenant_id, "due_at": placement.follow_up_due_at,
        }), subject=placement.id, tenant_id=placement.worker_tenant_id)
        announced.append(placement.id)
    session.flush()
    return announced
