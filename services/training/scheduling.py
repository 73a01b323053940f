"""Sessions (cohorts) of a course and their meetings: one-off or a weekly series, at a venue or online.

A session takes its course's audience, so a community that may see a college's course sees its sessions
and their schedule too. Each meeting gets its own random check-in secret (see attendance.py).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.training.access import require_host_staff, shared_with
from services.training.catalogue import get_course
from services.training.contracts.messages import (
    COURSE_WITHDRAWN,
    MEETING_NOT_FOUND,
    ONLINE_URL_REQUIRED,
    SESSION_CLOSED,
    SESSION_NOT_FOUND,
    UNKNOWN_MENTOR,
)
from services.training.contracts.schemas import utc
from services.training.models import Course, CourseSession, Meeting, Mentor


def create_session(*, session: Session, ctx: CallContext, course_id: str, data: dict[str, Any]) -> CourseSession:
    """Staff of the course's tenant schedule a session with its meetings."""
    course = get_course(session=session, ctx=ctx, course_id=course_id)
    require_host_staff(ctx, course.tenant_id)
    if course.status == "withdrawn":
        raise Conflict(COURSE_WITHDRAWN, {"course_status": course.status})
    if course.format == "online" and not data.get("online_url"):
        raise ValidationFailed.from_messages({"online_url": [ONLINE_URL_REQUIRED]})
    if data.get("mentor_id"):
        _visible_mentor(session=session, mentor_id=data["mentor_id"])
    schedule = [(utc(m["starts_at"]), utc(m["ends_at"]), m.get("topic")) for m in data.get("meetings") or []]
    if data.get("series"):
        schedule += _expand(data["series"])
    cohort = CourseSession(
        course_id=course.id, label=data["label"], mentor_id=data.get("mentor_id"), venue=data.get("venue"),
        online_url=data.get("online_url"), capacity=data["capacity"], waitlist_limit=data.get("waitlist_limit"),
        enrol_opens_at=utc(data["enrol_opens_at"]), enrol_closes_at=utc(data["enrol_closes_at"]),
        status="open", enrolled_count=0, waitlisted_count=0, arrivals=0, created_by=ctx.require_user(),
        audience=course.audience,
    )
    session.add(cohort)
    session.flush()
    for starts_at, ends_at, topic in sorted(schedule, key=lambda m: m[0]):
        session.add(_meeting(cohort, starts_at=starts_at, ends_at=ends_at, topic=topic))
    session.flush()
    session.refresh(cohort)
    return cohort


def add_meeting(*, session: Session, ctx: CallContext, session_id: str, data: dict[str, Any]) -> Meeting:
    """Another meeting of an open session, e.g. a make-up class others may attend."""
    cohort = get_session(session=session, ctx=ctx, session_id=session_id)
    require_host_staff(ctx, cohort.tenant_id)
    if cohort.status != "open":
        raise Conflict(SESSION_CLOSED, {"session_status": cohort.status})
    meeting = _meeting(cohort, starts_at=utc(data["starts_at"]), ends_at=utc(data["ends_at"]), topic=data.get("topic"))
    session.add(meeting)
    session.flush()
    return meeting


def get_session(*, session: Session, ctx: CallContext, session_id: str) -> CourseSession:
    """Visible to its tenant and, once the course is published, to the course's audience."""
    cohort = session.get(CourseSession, session_id)
    if cohort is None or not shared_with(cohort, ctx.tenant):  # the check matters in a write in the host tenant
        raise NotFound(SESSION_NOT_FOUND, {"session_id": session_id})
    if cohort.tenant_id != ctx.tenant:
        course = session.get(Course, cohort.course_id)
        if course is None or course.status == "draft":
            raise NotFound(SESSION_NOT_FOUND, {"session_id": session_id})
    return cohort


def list_sessions(*, session: Session, ctx: CallContext, course_id: str, limit: int,
                  after: str | None) -> Page[CourseSession]:
    course = get_course(session=session, ctx=ctx, course_id=course_id)
    return keyset_page(session, select(CourseSession).where(CourseSession.course_id == course.id),
                       keys=[Key(CourseSession.enrol_opens_at), Key(CourseSession.id)], limit=limit, after=after)


def get_meeting(*, session: Session, ctx: CallContext, meeting_id: str) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(MEETING_NOT_FOUND, {"meeting_id": meeting_id})
    get_session(session=session, ctx=ctx, session_id=meeting.session_id)  # same visibility as its session
    return meeting


def _visible_mentor(*, session: Session, mentor_id: str) -> Mentor:
    mentor = session.get(Mentor, mentor_id)
    if mentor is None:
        raise ValidationFailed.from_messages({"mentor_id": [UNKNOWN_MENTOR]})
    return mentor


def _expand(series: dict[str, Any]) -> list[tuple[datetime, datetime, str | None]]:
    first = utc(series["first_starts_at"])
    length = timedelta(minutes=series["duration_minutes"])
    step = timedelta(days=series["every_days"])
    return [(first + i * step, first + i * step + length, None) for i in range(series["count"])]


def _meeting(cohort: CourseSession, *, starts_at: datetime, ends_at: datetime, topic: str | None) -> Meeting:
    return Meeting(session_id=cohort.id, course_id=cohort.course_id, starts_at=starts_at, ends_at=ends_at,
                   topic=topic, checkin_secret=secrets.token_hex(32), audience=cohort.audience)
