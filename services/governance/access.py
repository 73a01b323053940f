"""Who may do what in governance, and lookups that answer 404 for anything the
caller may not see (another tenant's ids never reach here: the session hides them)."""

from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.errors import Forbidden, NotFound
from services.governance.models import CouncilMember

STAFF_ROLES = ("staff", "tenant_admin")

T = TypeVar("T")


def is_staff(ctx: CallContext) -> bool:
    return ctx.has_any_role(*STAFF_ROLES)


def require_staff(ctx: CallContext) -> str:
    """Staff of the community (or its admin); returns their user id."""
    if not is_staff(ctx):
        raise Forbidden("仅限社区工作人员 / Only community staff can do this")
    return ctx.require_user()


def get_or_404(session: Session, model: type[T], object_id: str, what: str,
               visible: Callable[[T], bool] | None = None) -> T:
    """The row, or NotFound when it does not exist, belongs to another tenant, or
    the caller may not see it: the three answer alike, so ids reveal nothing."""
    row = session.get(model, object_id) if object_id else None
    if row is None or (visible is not None and not visible(row)):
        raise NotFound(f"{what} not found", {"id": object_id})
    return row


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
        raise Forbidden("仅限议事会成员 / Only members of this council can do this")
    return member
