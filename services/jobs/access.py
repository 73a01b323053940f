"""Who may do what in the jobs service: the role and audience rules, built on services.common.access.

The community's staff (`STAFF_ROLES`, `is_staff`) come from the common rules; this module adds the
jobs service's own: who organises fairs and reads the figures, who acts for an employer, who sees a
worker profile, an application or a placement, and in what capacity someone may read a rights case.
The domain modules ask here; none of them names a role itself.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.access import (
    ADMIN_ROLES,
    SERVICE_ROLE,
    STAFF_ROLES,
    is_staff,
    require_staff,
    require_staff_or_service,
)
from services.common.context import CallContext
from services.common.errors import Forbidden
from services.common.messages import Message
from services.jobs.models import Application, DeskMember, EmployerMember, JobPost, Placement, RightsCase, WorkerProfile

__all__ = [
    "ORGANISER_ROLES",
    "SERVICE_ROLE",
    "STAFF_ROLES",
    "active_desk_member",
    "case_capacity",
    "employers_acted_for",
    "is_admin",
    "is_employer",
    "is_employer_member",
    "is_organiser",
    "is_service",
    "is_staff",
    "may_act_for_employer",
    "may_register_employer",
    "may_see_application",
    "may_see_placement",
    "may_see_profile",
    "may_view_figures",
    "on_desk",
    "require_organiser",
    "require_staff",
    "require_staff_or_service",
]

EMPLOYER = "employer"
OPERATOR = "operator"
# Fairs are organised, and the figures read, by a community's staff or the sub-district operator.
ORGANISER_ROLES: tuple[str, ...] = (*STAFF_ROLES, OPERATOR)


def is_admin(ctx: CallContext) -> bool:
    return ctx.has_any_role(*ADMIN_ROLES)


def is_employer(ctx: CallContext) -> bool:
    return ctx.has_any_role(EMPLOYER)


# --- service-to-service calls ------------------------------------------------------------
# A call another service makes on its own behalf (the notifications service asking who is in an
# audience) carries the tenant, the role `service` and no user: services.common.access.SERVICE_ROLE
# and require_staff_or_service (the gateway never grants `service` to a person).


def is_service(ctx: CallContext) -> bool:
    return ctx.has_any_role(SERVICE_ROLE)


# --- fairs and figures -------------------------------------------------------------------


def is_organiser(ctx: CallContext) -> bool:
    return ctx.has_any_role(*ORGANISER_ROLES)


def require_organiser(ctx: CallContext, refusal: Message) -> str:
    """The caller's id, once they are signed in and may organise fairs (else Forbidden with `refusal`)."""
    actor = ctx.require_user()
    if not is_organiser(ctx):
        raise Forbidden(refusal)
    return actor


def may_view_figures(ctx: CallContext) -> bool:
    return ctx.has_any_role(*ORGANISER_ROLES)


# --- employers ---------------------------------------------------------------------------


def may_register_employer(ctx: CallContext) -> bool:
    """Staff register an employer; an employer account registers its own company."""
    return is_staff(ctx) or is_employer(ctx)


def is_employer_member(*, session: Session, ctx: CallContext, employer_id: str) -> bool:
    if not ctx.user_id:
        return False
    return session.get(EmployerMember, (employer_id, ctx.user_id)) is not None


def may_act_for_employer(*, session: Session, ctx: CallContext, employer_id: str) -> bool:
    """Staff of the employer's tenant, or one of its own accounts."""
    return is_staff(ctx) or is_employer_member(session=session, ctx=ctx, employer_id=employer_id)


def employers_acted_for(ctx: CallContext):  # type: ignore[no-untyped-def]
    """The ids of the employers the caller's account acts for, as a subquery."""
    return select(EmployerMember.employer_id).where(EmployerMember.user_id == ctx.user_id)


# --- workers, applications, placements ---------------------------------------------------


def may_see_profile(ctx: CallContext, profile: WorkerProfile) -> bool:
    """Staff see every profile of their tenant; a resident sees their own."""
    return is_staff(ctx) or (ctx.user_id is not None and profile.user_id == ctx.user_id)


def may_see_application(*, session: Session, ctx: CallContext, application: Application) -> bool:
    """The applicant, the employer side of the post, and staff of either community."""
    if application.applicant_user_id == ctx.user_id:
        return True
    if is_staff(ctx):
        return ctx.tenant in (application.tenant_id, application.applicant_tenant_id)
    post = session.get(JobPost, application.post_id)
    return (post is not None and post.tenant_id == ctx.tenant
            and is_employer_member(session=session, ctx=ctx, employer_id=post.employer_id))


def may_see_placement(ctx: CallContext, placement: Placement) -> bool:
    return placement.worker_user_id == ctx.user_id or is_staff(ctx)


# --- the labour-rights desk --------------------------------------------------------------


def active_desk_member(session: Session, user_id: str | None) -> DeskMember | None:
    if user_id is None:
        return None
    return session.scalar(select(DeskMember).where(DeskMember.user_id == user_id, DeskMember.active.is_(True)))


def on_desk(*, session: Session, ctx: CallContext) -> bool:
    """Staff, or someone who holds the community's rights desk."""
    return is_staff(ctx) or active_desk_member(session, ctx.user_id) is not None


def case_capacity(ctx: CallContext, case: RightsCase) -> str | None:
    """In what capacity the caller may see a (confidential) case, or None: the person, the
    assignee, or the tenant's administrator."""
    if ctx.user_id is None:
        return None
    if case.person_user_id == ctx.user_id:
        return "person"
    if case.assignee_user_id == ctx.user_id:
        return "assignee"
    if is_admin(ctx):
        return "tenant_admin"
    return None
