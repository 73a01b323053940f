"""Who may do what in training: the few predicates every rule module shares.

Staff rights hold only in the caller's own tenant: a community's staff reading a college's shared course
are guests there, with a resident's rights.
"""

from __future__ import annotations

from services.common.context import CallContext
from services.common.database import Shareable
from services.common.errors import Forbidden

STAFF_ROLES = ("staff", "tenant_admin")


def is_staff(ctx: CallContext) -> bool:
    return ctx.has_any_role(*STAFF_ROLES)


def is_host_staff(ctx: CallContext, host_tenant: str) -> bool:
    """Staff of the tenant that runs the course or session."""
    return is_staff(ctx) and ctx.tenant_id == host_tenant


def require_host_staff(ctx: CallContext, host_tenant: str) -> None:
    if not is_host_staff(ctx, host_tenant):
        raise Forbidden("仅限开课单位工作人员 / Only staff of the tenant running this course")


def shared_with(row: Shareable, tenant_id: str) -> bool:
    """Whether `tenant_id` may see a Shareable row: its owner, or a tenant in its audience. Checked again
    inside a write in the host tenant, where the session's own scoping is the host's."""
    if row.tenant_id == tenant_id or row.audience == "*":
        return True
    return f",{tenant_id}," in (row.audience or "")


def audience_of_learner(host_tenant: str, learner_tenant: str) -> str:
    """Rows about a person are shared with the person's community when another tenant hosts them."""
    return "" if learner_tenant == host_tenant else Shareable.audience_for([learner_tenant])
