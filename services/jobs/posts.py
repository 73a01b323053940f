"""Job posts (岗位) and their lifecycle:

    draft → open → filled (headcount reached) | closed (by the employer or staff) | expired (past expires_at)

A post belongs to its employer's tenant; its visibility decides which tenants see
it. Only a verified employer's post can open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import Shareable, announce, utcnow
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.jobs import access, employers, events, skills
from services.jobs.contracts import messages as words
from services.jobs.models import JobPost

# Pay periods paid at least monthly are asked about after the first payday.
DEFAULT_FOLLOW_UP_DAYS = {"hour": 1, "day": 1, "piece": 7, "month": 35}
EDITABLE_WHEN_OPEN = {"description", "shifts", "headcount", "benefits", "expires_at", "visibility", "area"}


def _audience(visibility: dict) -> str:
    if visibility["scope"] == "all":
        return Shareable.audience_for(None, everyone=True)
    if visibility["scope"] == "tenants":
        return Shareable.audience_for(visibility["tenants"])
    return ""


def visibility_of(post: JobPost) -> dict:
    tenants = Shareable.audience_tenants(post.audience)
    if tenants == "*":
        return {"scope": "all", "tenants": []}
    return {"scope": "tenants" if tenants else "own", "tenants": tenants}


def _normalise_skills(session: Session, data: dict) -> None:
    known = skills.taxonomy(session=session)
    for field in ("required_skills", "preferred_skills", "required_certificates"):
        if field in data:
            data[field] = skills.normalise(session=session, values=data[field], field=field, known=known)


def create(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> JobPost:
    """A draft post for an employer of this tenant, by its own account or staff."""
    actor = ctx.require_user()
    employer = employers.get(session=session, employer_id=data.pop("employer_id"))
    if not access.may_act_for_employer(session=session, ctx=ctx, employer_id=employer.id):
        raise NotFound(words.EMPLOYER_NOT_FOUND, {"employer_id": employer.id})
    _normalise_skills(session, data)
    data["audience"] = _audience(data.pop("visibility"))
    data.setdefault("wage_follow_up_days", DEFAULT_FOLLOW_UP_DAYS[data["pay_period"]])
    post = JobPost(employer_id=employer.id, employer_name=employer.name, created_by=actor, status="draft", **data)
    session.add(post)
    session.flush()
    return post


def get(*, session: Session, ctx: CallContext, post_id: str) -> JobPost:
    """A post visible to the caller's tenant. Drafts only to those who may edit them."""
    post = session.get(JobPost, post_id)
    if post is None or (post.status == "draft" and not may_edit(session=session, ctx=ctx, post=post)):
        raise NotFound(words.POST_NOT_FOUND, {"post_id": post_id})
    return post


def may_edit(*, session: Session, ctx: CallContext, post: JobPost) -> bool:
    return post.tenant_id == ctx.tenant_id and access.may_act_for_employer(session=session, ctx=ctx,
                                                                     employer_id=post.employer_id)


def _editable(session: Session, ctx: CallContext, post_id: str) -> JobPost:
    post = get(session=session, ctx=ctx, post_id=post_id)
    if not may_edit(session=session, ctx=ctx, post=post):
        # Visible (shared with this tenant) but not theirs to change.
        raise Forbidden(words.POST_CHANGE_REFUSED)
    return post


def update(*, session: Session, ctx: CallContext, post_id: str, changes: dict[str, Any]) -> JobPost:
    post = _editable(session, ctx, post_id)
    if not changes:
        raise ValidationFailed.from_messages({"_schema": [words.NOTHING_TO_CHANGE]})
    if post.status not in ("draft", "open"):
        raise Conflict(words.POST_NOT_EDITABLE, {"current_status": post.status}, status=post.status)
    if post.status == "open" and (locked := set(changes) - EDITABLE_WHEN_OPEN):
        raise Conflict(words.OPEN_POST_CHANGES, {"current_status": post.status, "fields": sorted(locked)},
                       fields=", ".join(sorted(EDITABLE_WHEN_OPEN)))
    _normalise_skills(session, changes)
    if "visibility" in changes:
        changes["audience"] = _audience(changes.pop("visibility"))
    if "headcount" in changes and changes["headcount"] < post.hired_count:
        raise Conflict(words.HEADCOUNT_BELOW_HIRED, {"hired_count": post.hired_count})
    for key, value in changes.items():
        setattr(post, key, value)
    session.flush()
    return post


def open_post(*, session: Session, ctx: CallContext, post_id: str, now: datetime | None = None) -> JobPost:
    post = _editable(session, ctx, post_id)
    if post.status != "draft":
        raise Conflict(words.ONLY_A_DRAFT_OPENS, {"current_status": post.status}, status=post.status)
    employer = employers.get(session=session, employer_id=post.employer_id)
    if employer.status != "verified":
        raise Conflict(words.EMPLOYER_NOT_VERIFIED, {"employer_status": employer.status})
    if post.expires_at is not None and post.expires_at <= (now or utcnow()):
        raise Conflict(words.POST_EXPIRY_PASSED, {"expires_at": post.expires_at.isoformat()})
    post.status = "open"
    session.flush()
    announce(session, events.JOB_POSTED, events.JobPostedData().dump({"post_id": post.id, **out(post)}),
             subject=post.id)
    return post


def close(*, session: Session, ctx: CallContext, post_id: str, reason: str) -> JobPost:
    post = _editable(session, ctx, post_id)
    if post.status not in ("draft", "open"):
        raise Conflict(words.POST_ALREADY, {"current_status": post.status}, status=post.status)
    post.status, post.closed_reason = "closed", reason
    session.flush()
    announce_closed(session, post)
    return post


def announce_closed(session: Session, post: JobPost) -> None:
    """`job_closed`: the post stopped taking applications (closed, filled or expired)."""
    announce(session, events.JOB_CLOSED, events.JobClosedData().dump(
        {"post_id": post.id, "status": post.status, "reason": post.closed_reason, "hired_count": post.hired_count}),
        subject=post.id)


def record_hire(*, session: Session, post_id: str) -> JobPost:
    """One more person hired: the row is locked so that two hires at once cannot
    both take the last place. Reaching the headcount fills the post."""
    post = session.scalars(select(JobPost).where(JobPost.id == post_id).with_for_update()).one()
    if post.status != "open":
        raise Conflict(words.POST_NOT_OPEN_NOW, {"post_status": post.status}, status=post.status)
    if post.hired_count >= post.headcount:
        raise Conflict(words.POST_HAS_NO_PLACES, {"post_status": post.status, "headcount": post.headcount})
    post.hired_count += 1
    if post.hired_count == post.headcount:
        post.status, post.closed_reason = "filled", "headcount reached"
    session.flush()
    return post


def due_to_expire(*, session: Session, now: datetime) -> list[tuple[str, str]]:
    """(tenant, post id) of open posts past their expiry, across tenants (for the timer)."""
    rows = session.execute(select(JobPost.tenant_id, JobPost.id).where(
        JobPost.status == "open", JobPost.expires_at.is_not(None), JobPost.expires_at <= now))
    return [(row.tenant_id, row.id) for row in rows]


def expire(*, session: Session, post_id: str, now: datetime) -> JobPost | None:
    post = session.scalars(select(JobPost).where(JobPost.id == post_id).with_for_update()).one_or_none()
    if post is None or post.status != "open" or post.expires_at is None or post.expires_at > now:
        return None
    post.status, post.closed_reason = "expired", "past its expiry date"
    session.flush()
    announce_closed(session, post)
    return post


def listing(*, session: Session, ctx: CallContext, status: str | None, job_type: str | None,
            employer_id: str | None, limit: int, after: str | None) -> Page[JobPost]:
    """Posts visible to the tenant; drafts only of employers the caller acts for."""
    query = select(JobPost)
    if status:
        query = query.where(JobPost.status == status)
    if job_type:
        query = query.where(JobPost.job_type == job_type)
    if employer_id:
        query = query.where(JobPost.employer_id == employer_id)
    if not access.is_staff(ctx):
        query = query.where(or_(JobPost.status != "draft", JobPost.employer_id.in_(access.employers_acted_for(ctx))))
    else:
        query = query.where(or_(JobPost.status != "draft", JobPost.tenant_id == ctx.tenant))
    return keyset_page(session, query, keys=[Key(JobPost.id)], limit=limit, after=after)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _number(value, kind: type):
    return None if value is None else kind(value)


def public_view(post: JobPost) -> dict:
    """`JobPostOut().dump(out(post))`, built directly: a recommendation answer carries 20 posts, and
    marshmallow's field-by-field dump of them cost more than ranking 600,000 posts. Integers, floats and
    times are converted as the schema's fields convert them; a unit test holds the two equal."""
    return {
        "id": post.id, "tenant_id": post.tenant_id, "employer_id": post.employer_id,
        "employer_name": post.employer_name, "title": post.title, "description": post.description,
        "job_type": post.job_type,
        "shifts": [{key: int(window[key]) if key == "weekday" else window[key]
                    for key in ("weekday", "start", "end") if key in window} for window in post.shifts],
        "area": post.area, "lat": _number(post.lat, float), "lng": _number(post.lng, float),
        "pay_amount": _number(post.pay_amount, int), "pay_period": post.pay_period,
        "headcount": _number(post.headcount, int), "hired_count": _number(post.hired_count, int),
        "required_skills": list(post.required_skills), "preferred_skills": list(post.preferred_skills),
        "required_certificates": list(post.required_certificates), "target_groups": list(post.target_groups),
        "benefits": list(post.benefits), "status": post.status, "closed_reason": post.closed_reason,
        "expires_at": _iso(post.expires_at), "wage_follow_up_days": _number(post.wage_follow_up_days, int),
        "version": _number(post.version, int), "created_at": _iso(post.created_at),
        "updated_at": _iso(post.updated_at), "visibility": visibility_of(post),
    }


def out(post: JobPost) -> dict:
    data = {column: getattr(post, column) for column in (
        "id", "tenant_id", "employer_id", "employer_name", "title", "description", "job_type", "shifts", "area", "lat",
        "lng", "pay_amount", "pay_period", "headcount", "hired_count", "required_skills", "preferred_skills",
        "required_certificates", "target_groups", "benefits", "status", "closed_reason", "expires_at",
        "wage_follow_up_days", "version", "created_at", "updated_at")}
    data["visibility"] = visibility_of(post)
    data["audience"] = post.audience  # for the post index; not part of the public schema
    return data
