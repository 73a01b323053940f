"""Who is in a group the jobs service defines: the people another service (notifications) fans an
event out to, or staff broadcast to, asked at that moment with `jobs.audience(group, ref)`.

Groups, each answered for the caller's tenant only (a ref it cannot see is NotFound, as for a
guessed id):

- `case_person` (ref: a rights case id): the case's person, never anyone else (not the handler,
  not the opener); an anonymous hotline case has nobody. Cases are confidential: only another
  service or the tenant's admins may ask (plain staff get NotFound, as for reading the case), and
  every answer is written to the case's access log.
- `fair_registrants` (ref: a job fair id): the people who pre-registered and have not cancelled
  (checked in or not). Asked by a service (role `service`: notifications fanning out `fair_due`,
  which is announced in the organiser's tenant and in each community with registrants, or a
  staff broadcast) it answers the context tenant's own residents only, so each person is told
  once, in their own community. The organiser's staff asking themselves see every registrant
  (as on the fair's registration list); a community a fair is only shared with sees its own.
- `post_applicants` (ref: a job post id): the people whose applications are still in the running
  (not withdrawn, not rejected). A community a post is only shared with hears of its own residents.

Pure rules over a tenant-scoped session; the caller is staff, a tenant admin or a service
(access.require_staff_or_service, checked by the entrypoint).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import utcnow
from services.common.errors import NotFound, ValidationFailed
from services.jobs import access, fairs, posts
from services.jobs.contracts import messages as words
from services.jobs.models import Application, CaseAccess, FairRegistration, RightsCase

GROUPS = ("case_person", "fair_registrants", "post_applicants")
# Applications that are still in the running: their applicants hear about the post.
RUNNING = ("applied", "shortlisted", "interview", "offered", "hired")
# What a service's read of a case is logged as (there is no person behind it).
SERVICE_ACTOR = "service"


def members(*, session: Session, ctx: CallContext, group: str, ref: str) -> dict[str, Any]:
    """`{"group", "ref", "user_ids"}`: the people of `group` for `ref`, sorted, each once."""
    if group not in GROUPS:
        raise ValidationFailed.from_messages({"group": [words.UNKNOWN_AUDIENCE_GROUP]})
    user_ids = {"case_person": _case_person, "fair_registrants": _fair_registrants,
                "post_applicants": _post_applicants}[group](session, ctx, ref)
    return {"group": group, "ref": ref, "user_ids": sorted({u for u in user_ids if u})}


def _case_person(session: Session, ctx: CallContext, ref: str) -> list[str | None]:
    case = session.scalar(select(RightsCase).where(RightsCase.id == ref))
    if case is None or not (access.is_service(ctx) or access.is_admin(ctx)):
        raise NotFound(words.CASE_NOT_FOUND, {"case_id": ref})
    if access.is_service(ctx):
        actor, capacity = SERVICE_ACTOR, "service"
    else:
        actor, capacity = ctx.require_user(), "tenant_admin"
    session.add(CaseAccess(case_id=case.id, actor_user_id=actor, capacity=capacity, action="recipient_looked_up",
                           at=utcnow()))
    session.flush()
    return [case.person_user_id]


def _fair_registrants(session: Session, ctx: CallContext, ref: str) -> list[str | None]:
    fair = fairs.get_fair(session=session, ctx=ctx, fair_id=ref)
    query = select(FairRegistration.user_id).where(
        FairRegistration.fair_id == fair.id, FairRegistration.source == "pre_registered",
        FairRegistration.status.in_(fairs.ACTIVE_REGISTRATION))
    if access.is_service(ctx) or fair.tenant_id != ctx.tenant:
        query = query.where(FairRegistration.resident_tenant_id == ctx.tenant)
    return list(session.scalars(query))


def _post_applicants(session: Session, ctx: CallContext, ref: str) -> list[str | None]:
    post = posts.get(session=session, ctx=ctx, post_id=ref)
    query = select(Application.applicant_user_id).where(Application.post_id == post.id,
                                                        Application.status.in_(RUNNING))
    if post.tenant_id != ctx.tenant:
        query = query.where(Application.applicant_tenant_id == ctx.tenant)
    return list(session.scalars(query))
