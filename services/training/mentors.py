"""Mentor profiles (e.g. the gold-medal mentor team of a partner college) and participants' ratings.

A tenant's staff publish a mentor's profile, usually to every tenant, so that any community can put the
mentor on a session. The mentor signs in to the tenant running a session (a person may belong to several
tenants) to see that session's participants and the ratings it received — never who gave them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import members
from services.common.context import CallContext
from services.common.database import Shareable
from services.common.errors import Conflict, Forbidden, NotFound
from services.common.pagination import Key, Page, keyset_page
from services.training.access import require_host_staff
from services.training.contracts.messages import (
    ALREADY_RATED,
    ATTENDEES_RATE_ONLY,
    MENTOR_NOT_FOUND,
    MENTOR_PROFILE_EXISTS,
    NO_MENTOR_PROFILE,
)
from services.training.models import Attendance, CourseSession, Enrolment, Mentor, Rating
from services.training.scheduling import get_session


def create_mentor(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> Mentor:
    """Staff add a mentor profile in their tenant; one per account per tenant."""
    require_host_staff(ctx, ctx.tenant)
    members.require_member(session, data["user_id"], field="user_id")
    share_with_all = data.pop("share_with_all", True)
    existing = session.scalar(select(Mentor.id).where(Mentor.user_id == data["user_id"],
                                                      Mentor.tenant_id == ctx.tenant))
    if existing:
        raise Conflict(MENTOR_PROFILE_EXISTS, {"mentor_id": existing})
    mentor = Mentor(created_by=ctx.require_user(), audience=Shareable.audience_for(None, everyone=share_with_all),
                    **data)
    session.add(mentor)
    session.flush()
    return mentor


def get_mentor(*, session: Session, mentor_id: str) -> Mentor:
    mentor = session.get(Mentor, mentor_id)
    if mentor is None:
        raise NotFound(MENTOR_NOT_FOUND, {"mentor_id": mentor_id})
    return mentor


def list_mentors(*, session: Session, limit: int, after: str | None) -> Page[Mentor]:
    """Every mentor profile the caller's tenant may see (its own and those shared with it), by name."""
    return keyset_page(session, select(Mentor), keys=[Key(Mentor.display_name), Key(Mentor.id)], limit=limit,
                       after=after)


def rate_session(*, session: Session, ctx: CallContext, session_id: str, stars: int, comment: str | None) -> Rating:
    """A participant who attended at least one meeting rates the session, once."""
    me = ctx.require_user()
    cohort = get_session(session=session, ctx=ctx, session_id=session_id)
    took_part = session.scalar(
        select(Attendance.id).join(Enrolment, Enrolment.id == Attendance.enrolment_id)
        .where(Attendance.session_id == cohort.id, Enrolment.user_id == me,
               Enrolment.learner_tenant_id == ctx.tenant).limit(1))
    if not took_part:
        raise Forbidden(ATTENDEES_RATE_ONLY)
    existing = session.scalar(select(Rating.id).where(Rating.session_id == cohort.id, Rating.user_id == me))
    if existing:
        raise Conflict(ALREADY_RATED, {"rating_id": existing})
    rating = Rating(session_id=cohort.id, mentor_id=cohort.mentor_id, user_id=me, learner_tenant_id=ctx.tenant,
                    stars=stars, comment=comment)
    try:
        with session.begin_nested():  # two taps at once: the unique constraint keeps the first
            session.add(rating)
    except IntegrityError:
        existing = session.scalar(select(Rating.id).where(Rating.session_id == cohort.id, Rating.user_id == me))
        raise Conflict(ALREADY_RATED, {"rating_id": existing}) from None
    return rating


def my_ratings(*, session: Session, ctx: CallContext) -> dict[str, Any]:
    """The signed-in mentor's ratings in this tenant: count, average, distribution and comments, anonymous."""
    me = ctx.require_user()
    mentor_ids = list(session.scalars(select(Mentor.id).where(Mentor.user_id == me)))
    if not mentor_ids:
        raise Forbidden(NO_MENTOR_PROFILE)
    rows = session.execute(
        select(Rating, CourseSession.label).join(CourseSession, CourseSession.id == Rating.session_id)
        .where(Rating.mentor_id.in_(mentor_ids)).order_by(Rating.created_at.desc(), Rating.id)).all()
    stars = [rating.stars for rating, _label in rows]
    counts = Counter(stars)
    return {
        "mentor_ids": mentor_ids, "count": len(stars),
        "average": round(sum(stars) / len(stars), 2) if stars else None,
        "distribution": {str(s): counts.get(s, 0) for s in range(1, 6)},
        "items": [{"session_id": rating.session_id, "session_label": label, "stars": rating.stars,
                   "comment": rating.comment, "created_at": rating.created_at} for rating, label in rows],
    }
