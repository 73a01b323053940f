"""Party branches (支部) and the community grid (网格).

Who belongs to which branch is sensitive: staff see all branches; a branch's own
officers (officer, secretary) see their branch; nobody else sees any of it — a
branch id they are not an officer of answers 404 like a guessed one. Grid
membership is staff-only.

Enrolment: one branch per person, except a floating party member (流动党员), who is
enrolled in two at once — a residential branch and a building-group or
occupational branch (双向编入).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import members
from services.common.access import get_or_404, is_staff, require_staff
from services.common.context import CallContext
from services.common.errors import Conflict, Forbidden
from services.common.pagination import Key, Page, keyset_page
from services.governance.access import officer_branch_ids
from services.governance.contracts.messages import (
    ALREADY_IN_BRANCH,
    ALREADY_IN_GRID,
    AT_MOST_TWO_BRANCHES,
    BRANCH_DATA_OFFICERS_ONLY,
    BRANCH_NAME_TAKEN,
    BRANCH_NOT_FOUND,
    DUAL_ENROLMENT_KINDS,
    ENROL_OFFICERS_ONLY,
    ONE_BRANCH_PER_PERSON,
)
from services.governance.models import Branch, BranchMember, GridMember


def create(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> Branch:
    require_staff(ctx)
    if session.scalar(select(Branch.id).where(Branch.name == data["name"])):
        raise Conflict(BRANCH_NAME_TAKEN, {"name": data["name"]})
    branch = Branch(**data)
    session.add(branch)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(BRANCH_NAME_TAKEN, {"name": data["name"]}) from None
    return branch


def get(*, session: Session, ctx: CallContext, branch_id: str) -> Branch:
    officer_of = set() if is_staff(ctx) else officer_branch_ids(session=session, ctx=ctx)
    return get_or_404(session, Branch, branch_id, BRANCH_NOT_FOUND, lambda b: is_staff(ctx) or b.id in officer_of)


def list_visible(*, session: Session, ctx: CallContext, limit: int, after: str | None) -> Page[Branch]:
    """Staff: every branch. Officers: their own. Anyone else: refused."""
    query = select(Branch)
    if not is_staff(ctx):
        mine = officer_branch_ids(session=session, ctx=ctx)
        if not mine:
            raise Forbidden(BRANCH_DATA_OFFICERS_ONLY)
        query = query.where(Branch.id.in_(mine))
    return keyset_page(session, query, keys=[Key(Branch.name), Key(Branch.id)], limit=limit, after=after)


def members_of(*, session: Session, branch_ids: list[str]) -> dict[str, list[BranchMember]]:
    found: dict[str, list[BranchMember]] = {b: [] for b in branch_ids}
    for member in session.scalars(select(BranchMember).where(BranchMember.branch_id.in_(branch_ids))
                                  .order_by(BranchMember.joined_at)):
        found[member.branch_id].append(member)
    return found


def enrol(*, session: Session, ctx: CallContext, branch_id: str, data: dict[str, Any]) -> BranchMember:
    """Staff, or an officer of this branch, enrol a party member."""
    branch = get(session=session, ctx=ctx, branch_id=branch_id)
    if not is_staff(ctx) and branch_id not in officer_branch_ids(session=session, ctx=ctx):
        raise Forbidden(ENROL_OFFICERS_ONLY)
    members.require_member(session, data["user_id"], field="user_id")
    current = session.execute(select(BranchMember, Branch).join(Branch, Branch.id == BranchMember.branch_id)
                              .where(BranchMember.user_id == data["user_id"])).all()
    if any(m.branch_id == branch_id for m, _ in current):
        raise Conflict(ALREADY_IN_BRANCH, {"branch_id": branch_id})
    if current:
        floating = data.get("floating") and all(m.floating for m, _ in current)
        if not floating:
            raise Conflict(ONE_BRANCH_PER_PERSON, {"branch_ids": [m.branch_id for m, _ in current]})
        if len(current) >= 2:
            raise Conflict(AT_MOST_TWO_BRANCHES,
                           {"branch_ids": [m.branch_id for m, _ in current]})
        kinds = {b.kind == "residential" for _, b in current} | {branch.kind == "residential"}
        if kinds != {True, False}:
            raise Conflict(DUAL_ENROLMENT_KINDS,
                           {"branch_ids": [m.branch_id for m, _ in current]})
    member = BranchMember(branch_id=branch_id, **data)
    session.add(member)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(ALREADY_IN_BRANCH, {"branch_id": branch_id}) from None
    return member


def add_grid_member(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> GridMember:
    require_staff(ctx)
    members.require_member(session, data["user_id"], field="user_id")
    if session.scalar(select(GridMember.id).where(GridMember.user_id == data["user_id"])):
        raise Conflict(ALREADY_IN_GRID, {"user_id": data["user_id"]})
    member = GridMember(**data)
    session.add(member)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(ALREADY_IN_GRID, {"user_id": data["user_id"]}) from None
    return member


def list_grid(*, session: Session, ctx: CallContext, limit: int, after: str | None) -> Page[GridMember]:
    require_staff(ctx)
    return keyset_page(session, select(GridMember),
                       keys=[Key(GridMember.grid), Key(GridMember.display_name), Key(GridMember.id)],
                       limit=limit, after=after)
