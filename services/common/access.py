"""Role and visibility rules every service builds its own `access.py` on: who counts as staff, and
lookups that answer 404 alike for a row that does not exist, belongs to another tenant, or is hidden
from the caller (ids reveal nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.errors import Forbidden, NotFound
from services.common.messages import Message
from services.common.shared_messages import ADMIN_ONLY, NOT_FOUND, STAFF_ONLY

T = TypeVar("T")

# The community's staff (工作人员) and its administrator: the roles that run a tenant's desk.
STAFF_ROLES: tuple[str, ...] = ("staff", "tenant_admin")
ADMIN_ROLES: tuple[str, ...] = ("tenant_admin",)
# Another platform service calling in (the notifications service asking for an audience). The gateway can never
# put it into a person's roles: it grants only `context.ROLES`, which does not hold it.
SERVICE_ROLE = "service"


def is_staff(ctx: CallContext) -> bool:
    return ctx.has_any_role(*STAFF_ROLES)


def require_staff(ctx: CallContext, refusal: Message = STAFF_ONLY) -> str:
    """Staff of the community (or its admin); returns their user id."""
    if not is_staff(ctx):
        raise Forbidden(refusal)
    return ctx.require_user()


def require_staff_or_service(ctx: CallContext, refusal: Message = STAFF_ONLY) -> str | None:
    """Staff of the community, or another platform service acting in the tenant (no user: None)."""
    if ctx.has_any_role(SERVICE_ROLE):
        return None
    return require_staff(ctx, refusal)


def require_admin(ctx: CallContext, refusal: Message = ADMIN_ONLY) -> str:
    if not ctx.has_any_role(*ADMIN_ROLES):
        raise Forbidden(refusal)
    return ctx.require_user()


def get_or_404(session: Session, model: type[T], object_id: str | None, missing: Message = NOT_FOUND,
               visible: Callable[[T], bool] | None = None) -> T:
    """The row, or NotFound when it does not exist, belongs to another tenant, or the caller may not
    see it: the three answer alike. `missing` says what was not found ("Council not found")."""
    row = session.get(model, object_id) if object_id else None
    if row is None or (visible is not None and not visible(row)):
        raise NotFound(missing, {"id": object_id})
    return row
