"""Who may do what in training: the role and audience rules every domain module shares, built on
services.common.access (who counts as staff).

Staff rights hold only in the caller's own tenant: a community's staff reading a college's shared course
are guests there, with a resident's rights. The mentor of a session teaches it while signed in to the
session's tenant. `ctx` is always the caller's own context, also in a write in the host tenant.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.access import is_staff
from services.common.context import CallContext
from services.common.database import Shareable
from services.common.errors import Forbidden
from services.common.messages import Message
from services.training.contracts.messages import HOST_STAFF_ONLY, TEACHERS_ONLY
from services.training.models import Certificate, CourseSession, Enrolment, Mentor


def is_host_staff(ctx: CallContext, host_tenant: str) -> bool:
    """Staff of the tenant that runs the course or session."""
    return is_staff(ctx) and ctx.tenant_id == host_tenant


def require_host_staff(ctx: CallContext, host_tenant: str) -> None:
    if not is_host_staff(ctx, host_tenant):
        raise Forbidden(HOST_STAFF_ONLY)


def is_session_mentor(*, session: Session, ctx: CallContext, session_id: str) -> bool:
    """The caller is the mentor assigned to the session and is signed in to the session's tenant."""
    if not ctx.user_id:
        return False
    cohort = session.get(CourseSession, session_id)
    if cohort is None or cohort.mentor_id is None or cohort.tenant_id != ctx.tenant:
        return False
    mentor = session.get(Mentor, cohort.mentor_id)
    return mentor is not None and mentor.user_id == ctx.user_id


def is_teacher(*, session: Session, ctx: CallContext, host_tenant: str, session_id: str) -> bool:
    """The host's staff or the session's own mentor: who takes attendance, reads the roster, examines."""
    return is_host_staff(ctx, host_tenant) or is_session_mentor(session=session, ctx=ctx, session_id=session_id)


def require_teacher(*, session: Session, ctx: CallContext, host_tenant: str, session_id: str,
                    refusal: Message = TEACHERS_ONLY) -> None:
    if not is_teacher(session=session, ctx=ctx, host_tenant=host_tenant, session_id=session_id):
        raise Forbidden(refusal)


def may_act_for(ctx: CallContext, enrolment: Enrolment) -> bool:
    """The host's staff, the participant, or the guardian who enrolled a child (in their own tenant)."""
    if is_host_staff(ctx, enrolment.tenant_id):
        return True
    if ctx.tenant_id != enrolment.learner_tenant_id or not ctx.user_id:
        return False
    return ctx.user_id in (enrolment.user_id, enrolment.guardian_user_id)


def may_see_certificate(ctx: CallContext, certificate: Certificate) -> bool:
    """The issuer's staff, the holder, and the staff of the holder's community."""
    if is_host_staff(ctx, certificate.tenant_id):
        return True
    if ctx.tenant_id != certificate.learner_tenant_id:
        return False
    return is_staff(ctx) or (ctx.user_id is not None and certificate.user_id == ctx.user_id)


def shared_with(row: Shareable, tenant_id: str) -> bool:
    """Whether `tenant_id` may see a Shareable row: its owner, or a tenant in its audience. Checked again
    inside a write in the host tenant, where the session's own scoping is the host's."""
    if row.tenant_id == tenant_id or row.audience == "*":
        return True
    return f",{tenant_id}," in (row.audience or "")


def audience_of_learner(host_tenant: str, learner_tenant: str) -> str:
    """Rows about a person are shared with the person's community when another tenant hosts them."""
    return "" if learner_tenant == host_tenant else Shareable.audience_for([learner_tenant])
