"""Who may do what in governance, built on services.common.access (staff, 404 lookups): council
seats, branch officers, and who sees a draft proposal. Another tenant's ids never reach here: the
session hides them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from services.common.access import is_staff
from services.common.context import CallContext
from services.common.errors import Forbidden
from services.governance.contracts.messages import MEMBERS_ONLY
from services.governance.models import BranchMember, CouncilMember, Proposal

# A branch's officers (支部委员, 书记): they see and run their own branch.
OFFICER_ROLES = ("officer", "secretary")
def council_member(session: Session, *, council_id: str, user_id: str | None) -> CouncilMember | None:
    """The caller's active seat on a council, if any."""
    if not user_id:
        return None
    return session.scalar(select(CouncilMember).where(
        CouncilMember.council_id == council_id, CouncilMember.user_id == user_id, CouncilMember.active.is_(True)))


def require_member_or_staff(session: Session, ctx: CallContext, *, council_id: str) -> CouncilMember | None:
    """Council business (proposals, comments) is for its members and staff."""
    user_id = ctx.require_user()
    member = council_member(session, council_id=council_id, user_id=user_id)
    if member is None and not is_staff(ctx):
        raise Forbidden(MEMBERS_ONLY)
    return member


def officer_branch_ids(*, session: Session, ctx: CallContext) -> set[str]:
    """The branches the caller is an officer of."""
    if not ctx.user_id:
        return set()
    return set(session.scalars(select(BranchMember.branch_id).where(
        BranchMember.user_id == ctx.user_id, BranchMember.role.in_(OFFICER_ROLES))))


def proposal_visible(ctx: CallContext) -> Callable[[Proposal], bool]:
    """A draft is its author's notebook until submitted; staff see everything."""
    return lambda p: p.status != "draft" or is_staff(ctx) or p.author_user_id == ctx.user_id


def visible_proposals(ctx: CallContext) -> ColumnElement[bool]:
    """`proposal_visible` as a query condition, for lists."""
    if is_staff(ctx):
        return true()
    if not ctx.user_id:
        return Proposal.status != "draft"
    return or_(Proposal.status != "draft", Proposal.author_user_id == ctx.user_id)
