"""Classes: staff move or cancel one class (a meeting of a course session), and the reminder the day before.

A "class" is a `Meeting`: one dated lesson of a `CourseSession` (the cohort, whose roster people enrol on).
Moving a class changes its time and/or its place (a meeting's own `venue`, else the session's); cancelling
keeps the row, marked, and it no longer counts as held (completion, figures, attendance progress) nor takes
check-ins. Both are for the host's staff, before the class begins, while the session is open.

The reminder: `announce_due(now=)` announces `class_due` for every class of the tenant that starts within
`DUE_WITHIN` (24 hours) and was not yet announced, claiming `Meeting.reminded_at` by a conditional UPDATE
(safe with several service instances), so each class is announced once per start time. The service's
timer runs it in every tenant; staff (and tests, with a settable `now`) run it through `remind_classes`.

Each class event is announced in the host's tenant and in each other community with people enrolled in
the session (`roster_tenants`): consumers there ask `training.audience("class_roster", session_id)` for
their own people (services/training/audiences.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, ValidationFailed
from services.training import events
from services.training.access import require_host_staff
from services.training.contracts.messages import (
    ENDS_BEFORE_START,
    MEETING_ALREADY_BEGUN,
    MEETING_ALREADY_CANCELLED,
    MOVE_INTO_THE_PAST,
    SESSION_CLOSED,
)
from services.training.contracts.schemas import utc
from services.training.models import Course, CourseSession, Enrolment, Meeting
from services.training.scheduling import get_meeting

# A class is announced as due (`class_due`) once it starts within this long: "the day before".
DUE_WITHIN = timedelta(hours=24)


def reschedule_meeting(*, session: Session, ctx: CallContext, meeting_id: str, changes: dict[str, Any],
                       now: datetime | None = None) -> Meeting:
    """The host's staff move a class that has not begun: a new start (the length kept unless `ends_at` is
    given) and/or a new place (`venue`; None: back at the session's venue). Announces `class_rescheduled`
    when the time or the place really changed; a move that changes nothing changes and announces nothing.
    A class moved to start after its reminder window opens again is reminded again."""
    now = now or utcnow()
    meeting, cohort = _changeable(session=session, ctx=ctx, meeting_id=meeting_id, now=now)
    old_starts, old_ends, old_place = meeting.starts_at, meeting.ends_at, place_of(meeting, cohort)
    starts_at = utc(changes["starts_at"]) if changes.get("starts_at") else old_starts
    ends_at = utc(changes["ends_at"]) if changes.get("ends_at") else starts_at + (old_ends - old_starts)
    if starts_at <= now:
        raise ValidationFailed.from_messages({"starts_at": [MOVE_INTO_THE_PAST]})
    if ends_at <= starts_at:
        raise ValidationFailed.from_messages({"ends_at": [ENDS_BEFORE_START]})
    if "venue" in changes:
        venue = (changes["venue"] or "").strip() or None
        meeting.venue = None if venue == cohort.venue else venue
    time_changed = (starts_at, ends_at) != (old_starts, old_ends)
    place_changed = place_of(meeting, cohort) != old_place
    if not (time_changed or place_changed):
        return meeting
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    if time_changed and starts_at - DUE_WITHIN > now:
        meeting.reminded_at = None  # its reminder window is ahead again: remind of the new time
    session.flush()
    _announce(session, events.CLASS_RESCHEDULED, events.ClassRescheduledData, meeting=meeting, cohort=cohort,
              old_starts_at=old_starts, new_starts_at=starts_at, new_ends_at=ends_at, time_changed=time_changed,
              place_changed=place_changed, venue=place_of(meeting, cohort), rescheduled_at=now)
    return meeting


def cancel_meeting(*, session: Session, ctx: CallContext, meeting_id: str, reason: str,
                   now: datetime | None = None) -> Meeting:
    """The host's staff cancel a class that has not begun, with a reason code
    (contracts.messages.CLASS_CANCEL_REASONS); announces `class_cancelled`."""
    now = now or utcnow()
    meeting, cohort = _changeable(session=session, ctx=ctx, meeting_id=meeting_id, now=now)
    meeting.cancelled_at, meeting.cancel_reason = now, reason
    session.flush()
    _announce(session, events.CLASS_CANCELLED, events.ClassCancelledData, meeting=meeting, cohort=cohort,
              starts_at=meeting.starts_at, reason=reason, cancelled_at=now)
    return meeting


def announce_due(*, session: Session, now: datetime | None = None) -> list[Meeting]:
    """The reminder run in one tenant: `class_due` for each of its own classes (not cancelled, of an open
    session) starting within `DUE_WITHIN` of `now` and not announced yet; each claimed once."""
    now = now or utcnow()
    due = list(session.scalars(
        select(Meeting).join(CourseSession, CourseSession.id == Meeting.session_id)
        .where(Meeting.tenant_id == session.info["tenant_id"], *_due(now), CourseSession.status == "open")
        .order_by(Meeting.starts_at, Meeting.id)))
    reminded = []
    for meeting in due:
        claimed = session.execute(update(Meeting).where(Meeting.id == meeting.id, Meeting.reminded_at.is_(None))
                                  .values(reminded_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue  # another instance announced it meanwhile
        cohort = session.get(CourseSession, meeting.session_id)
        _announce(session, events.CLASS_DUE, events.ClassDueData, meeting=meeting, cohort=cohort,
                  starts_at=meeting.starts_at, ends_at=meeting.ends_at, venue=place_of(meeting, cohort))
        reminded.append(meeting)
    session.flush()
    return reminded


def tenants_with_due(*, session: Session, now: datetime) -> list[str]:
    """The tenants with a class to announce as due (read across tenants by the reminder timer)."""
    return sorted(set(session.scalars(select(Meeting.tenant_id).where(*_due(now)).distinct())))


def place_of(meeting: Meeting, cohort: CourseSession) -> str | None:
    """Where a class is held: its own venue when moved, else the session's (None: online only)."""
    return meeting.venue or cohort.venue


def roster_tenants(*, session: Session, cohort: CourseSession) -> list[str]:
    """The host and every community with people enrolled in the session: where a class event is announced."""
    learners = session.scalars(select(Enrolment.learner_tenant_id).where(
        Enrolment.session_id == cohort.id, Enrolment.status == "enrolled").distinct())
    return [cohort.tenant_id, *sorted(set(learners) - {cohort.tenant_id})]


def _due(now: datetime) -> tuple[Any, ...]:
    return (Meeting.reminded_at.is_(None), Meeting.cancelled_at.is_(None), Meeting.starts_at > now,
            Meeting.starts_at <= now + DUE_WITHIN)


def _changeable(*, session: Session, ctx: CallContext, meeting_id: str, now: datetime) -> tuple[Meeting,
                                                                                                 CourseSession]:
    meeting = get_meeting(session=session, ctx=ctx, meeting_id=meeting_id)
    require_host_staff(ctx, meeting.tenant_id)
    cohort = session.get(CourseSession, meeting.session_id)
    if cohort.status != "open":
        raise Conflict(SESSION_CLOSED, {"session_status": cohort.status})
    if meeting.cancelled_at is not None:
        raise Conflict(MEETING_ALREADY_CANCELLED, {"cancelled_at": meeting.cancelled_at.isoformat()})
    if meeting.starts_at <= now:
        raise Conflict(MEETING_ALREADY_BEGUN, {"starts_at": meeting.starts_at.isoformat()})
    return meeting, cohort


def _announce(session: Session, event: str, schema: type, *, meeting: Meeting, cohort: CourseSession,
              **data: Any) -> None:
    course = session.get(Course, meeting.course_id)
    payload = schema().dump({"session_id": cohort.id, "meeting_id": meeting.id, "course_id": meeting.course_id,
                             "course_title": course.title, "host_tenant_id": cohort.tenant_id, **data})
    for tenant_id in roster_tenants(session=session, cohort=cohort):
        announce(session, event, payload, subject=meeting.id, tenant_id=tenant_id)
