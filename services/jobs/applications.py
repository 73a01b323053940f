"""Applications and their pipeline, with a full history of who moved them and when:

    applied → shortlisted → interview → offered → hired
    any open stage → rejected (with a reason, by the employer side) | withdrawn (by the applicant)

An application lives in the post's tenant (the employer works it there) and is
shared with the applicant's community, so the person and their community's staff
follow it. Applying to another tenant's post is one of the explicit cross-tenant
writes (`db.write_in_tenant`): `prepare` runs in the applicant's tenant and checks the
rules, `submit` runs in the post's tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import Shareable, announce, utcnow
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.jobs import access, events, posts
from services.jobs.contracts import messages as words
from services.jobs.models import Application, ApplicationChange, JobPost, Placement, WorkerCertificate, WorkerProfile

NEXT = {
    "applied": {"shortlisted", "rejected", "withdrawn"},
    "shortlisted": {"interview", "offered", "rejected", "withdrawn"},
    "interview": {"offered", "rejected", "withdrawn"},
    "offered": {"hired", "rejected", "withdrawn"},
    "hired": set(),
    "rejected": set(),
    "withdrawn": set(),
}
EMPLOYER_MOVES = {"shortlisted", "interview", "offered", "hired", "rejected"}
PHONE_SHOWN_FROM = {"interview", "offered", "hired"}


@dataclass(frozen=True)
class Draft:
    post_id: str
    post_tenant_id: str
    applicant_user_id: str
    applicant_tenant_id: str
    worker_id: str
    applicant: dict
    fair_id: str | None


def prepare(*, session: Session, ctx: CallContext, post_id: str, fair_id: str | None) -> Draft:
    """In the applicant's tenant: they need a worker profile, and the post must be
    open and visible to their community."""
    user_id = ctx.require_user()
    profile = session.scalars(select(WorkerProfile).where(WorkerProfile.user_id == user_id)).one_or_none()
    if profile is None:
        raise Conflict(words.PROFILE_BEFORE_APPLYING, {"worker_profile": None})
    post = posts.get(session=session, ctx=ctx, post_id=post_id)
    if post.status != "open" or (post.expires_at is not None and post.expires_at <= utcnow()):
        raise Conflict(words.POST_NOT_OPEN, {"post_status": post.status})
    certificates = session.scalars(select(WorkerCertificate.name).where(WorkerCertificate.worker_id == profile.id))
    return Draft(
        post_id=post.id, post_tenant_id=post.tenant_id, applicant_user_id=user_id,
        applicant_tenant_id=ctx.tenant, worker_id=profile.id, fair_id=fair_id,
        applicant={"display_name": profile.display_name, "phone": profile.phone, "skills": profile.skills,
                   "certificates": sorted(certificates), "home_area": profile.home_area},
    )


def submit(*, session: Session, draft: Draft) -> Application:
    """In the post's tenant: record the application; one per person per post."""
    post = session.get(JobPost, draft.post_id)
    if post is None or post.status != "open":
        raise Conflict(words.POST_NOT_OPEN, {"post_status": post.status if post else None})
    existing = session.scalars(select(Application).where(
        Application.post_id == draft.post_id, Application.applicant_user_id == draft.applicant_user_id)).first()
    if existing is not None:
        raise Conflict(words.ALREADY_APPLIED,
                       {"application_id": existing.id, "current_status": existing.status})
    application = Application(
        post_id=draft.post_id, applicant_user_id=draft.applicant_user_id,
        applicant_tenant_id=draft.applicant_tenant_id, worker_id=draft.worker_id, applicant=draft.applicant,
        fair_id=draft.fair_id, status="applied", audience=_shared_with(draft.applicant_tenant_id, post.tenant_id),
    )
    session.add(application)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(words.ALREADY_APPLIED) from None
    _record(session, application, None, "applied", draft.applicant_user_id, None)
    announce(session, events.APPLICATION_SUBMITTED, events.ApplicationSubmittedData().dump({
        "application_id": application.id, "post_id": application.post_id,
        "applicant_user_id": application.applicant_user_id,
        "applicant_tenant_id": application.applicant_tenant_id, "fair_id": application.fair_id,
    }), subject=application.id)
    return application


def _shared_with(applicant_tenant: str, post_tenant: str) -> str:
    return "" if applicant_tenant == post_tenant else Shareable.audience_for([applicant_tenant])


def _record(session: Session, application: Application, from_status: str | None, to_status: str, actor: str,
            reason: str | None) -> None:
    session.add(ApplicationChange(application_id=application.id, from_status=from_status, to_status=to_status,
                                  actor_user_id=actor, reason=reason, audience=application.audience))
    session.flush()


def get(*, session: Session, ctx: CallContext, application_id: str) -> Application:
    """The applicant, the employer side of the post, and staff of either community may see it."""
    application = session.get(Application, application_id)
    if application is None or not access.may_see_application(session=session, ctx=ctx, application=application):
        raise NotFound(words.APPLICATION_NOT_FOUND, {"application_id": application_id})
    return application


def transition(*, session: Session, ctx: CallContext, application_id: str, to_status: str,
               reason: str | None) -> tuple[Application, Placement | None, str]:
    """Move an application one step. The employer side (in the post's tenant)
    shortlists, interviews, offers, hires or rejects; the applicant withdraws
    (through `db.write_in_tenant`). An impossible step is a Conflict naming the current state."""
    actor = ctx.require_user()
    application = session.scalars(
        select(Application).where(Application.id == application_id).with_for_update()).one_or_none()
    if application is None or not access.may_see_application(session=session, ctx=ctx, application=application):
        raise NotFound(words.APPLICATION_NOT_FOUND, {"application_id": application_id})
    if to_status == "withdrawn":
        if application.applicant_user_id != actor:
            raise Forbidden(words.ONLY_APPLICANT_WITHDRAWS)
    elif to_status in EMPLOYER_MOVES:
        post = session.get(JobPost, application.post_id)
        if ctx.tenant != application.tenant_id or not posts.may_edit(session=session, ctx=ctx, post=post):
            raise Forbidden(words.EMPLOYER_SIDE_ONLY)
        if to_status == "rejected" and not reason:
            raise ValidationFailed.from_messages({"reason": [words.SAY_WHY_REJECTED]})
    if to_status not in NEXT[application.status]:
        raise Conflict(words.IMPOSSIBLE_STEP,
                       {"current_status": application.status, "allowed": sorted(NEXT[application.status])},
                       from_status=application.status, to_status=to_status)
    placement = None
    if to_status == "hired":
        post = posts.record_hire(session=session, post_id=application.post_id)
        placement = Placement(
            application_id=application.id, post_id=post.id, employer_id=post.employer_id,
            worker_user_id=application.applicant_user_id, worker_tenant_id=application.applicant_tenant_id,
            follow_up_due_at=utcnow() + timedelta(days=post.wage_follow_up_days), audience=application.audience,
        )
        session.add(placement)
    from_status = application.status
    application.status = to_status
    if to_status == "rejected":
        application.rejection_reason = reason
    _record(session, application, from_status, to_status, actor, reason)
    announce(session, events.APPLICATION_STATUS_CHANGED, events.ApplicationStatusChangedData().dump({
        "application_id": application.id, "post_id": application.post_id, "to_status": to_status,
        "from_status": from_status, "reason": reason, "actor_user_id": actor,
        "applicant_user_id": application.applicant_user_id, "applicant_tenant_id": application.applicant_tenant_id,
    }), subject=application.id)
    if placement is not None:
        session.flush()
        announce(session, events.WORKER_HIRED, events.WorkerHiredData().dump({
            "placement_id": placement.id, "application_id": application.id, "post_id": placement.post_id,
            "employer_id": placement.employer_id, "worker_user_id": placement.worker_user_id,
            "worker_tenant_id": placement.worker_tenant_id, "follow_up_due_at": placement.follow_up_due_at,
        }), subject=placement.id)
        post = session.get(JobPost, application.post_id)
        if post.status == "filled":
            posts.announce_closed(session, post)
    return application, placement, from_status


def listing(*, session: Session, ctx: CallContext, post_id: str | None, status: str | None,
            limit: int, after: str | None = None) -> Page[Application]:
    """A resident's own applications across posts; the employer side sees those to
    its posts; staff see their community's residents' and their posts'."""
    query = select(Application)
    if post_id:
        query = query.where(Application.post_id == post_id)
    if status:
        query = query.where(Application.status == status)
    if access.is_staff(ctx):
        query = query.where(or_(Application.tenant_id == ctx.tenant, Application.applicant_tenant_id == ctx.tenant))
    elif access.is_employer(ctx):
        mine = select(JobPost.id).where(JobPost.employer_id.in_(access.employers_acted_for(ctx)))
        query = query.where(or_(Application.post_id.in_(mine), Application.applicant_user_id == ctx.user_id))
    else:
        query = query.where(Application.applicant_user_id == ctx.require_user())
    return keyset_page(session, query, keys=[Key(Application.created_at, descending=True),
                                             Key(Application.id, descending=True)], limit=limit, after=after)


def out(*, session: Session, ctx: CallContext, application: Application) -> dict[str, Any]:
    post = session.get(JobPost, application.post_id)
    applicant = dict(application.applicant)
    sees_phone = application.applicant_user_id == ctx.user_id or application.status in PHONE_SHOWN_FROM
    if not sees_phone and applicant.get("phone"):
        phone = applicant["phone"]
        applicant["phone"] = phone[:3] + "****" + phone[-4:]
    history = session.scalars(select(ApplicationChange).where(ApplicationChange.application_id == application.id)
                              .order_by(ApplicationChange.seq))
    return {
        **{c: getattr(application, c) for c in ("id", "tenant_id", "post_id", "applicant_user_id",
                                                 "applicant_tenant_id", "status", "rejection_reason", "fair_id",
                                                 "created_at", "updated_at")},
        "post_title": post.title if post else "",
        "employer_name": post.employer_name if post else "",
        "applicant": applicant,
        "history": [{"from_status": h.from_status, "to_status": h.to_status, "actor_user_id": h.actor_user_id,
                     "reason": h.reason, "at": h.at} for h in history],
    }
