"""Attendance: staff marking, self check-in with a rotating QR code, walk-ins, and make-up meetings.

The QR code a classroom screen shows carries a token `<window>.<mac>`: the minute-long time window it was
made for, and an HMAC-SHA256 of the meeting id and that window under the meeting's own random secret.
Only the service knows the secret, so a token cannot be forged or moved to another meeting; a token is
accepted in its own window and the next one (at most two minutes), so a photo of the screen sent to a
friend at home is soon useless. Check-in is open from 30 minutes before a meeting to 30 minutes after it.

A person enrolled in one session who attends a meeting of another session of the same course (a make-up)
gets the attendance counted for their own enrolment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import segno
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import members
from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.common.shared_messages import SOME_FIELDS_INVALID
from services.training import events
from services.training.access import audience_of_learner, require_teacher
from services.training.contracts.messages import (
    CHECKIN_CLOSED,
    CHECKIN_CODE_EXPIRED,
    CHECKIN_CODE_INVALID,
    MEETING_CANCELLED,
    MEETING_NOT_STARTED,
    NOT_ENROLLED_HERE,
    NOT_PARTICIPANTS,
)
from services.training.models import Attendance, Course, CourseSession, Enrolment, Meeting
from services.training.scheduling import get_meeting

ROTATE_SECONDS = 60
GRACE_WINDOWS = 1
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
CHECKIN_CLOSES_AFTER = timedelta(minutes=30)



def window_of(moment: datetime) -> int:
    return int(moment.timestamp()) // ROTATE_SECONDS


def make_token(*, meeting: Meeting, window: int) -> str:
    mac = hmac.new(bytes.fromhex(meeting.checkin_secret), f"{meeting.id}:{window}".encode(), hashlib.sha256)
    return f"{window}.{base64.b32encode(mac.digest()[:10]).decode()}"


def check_token(*, meeting: Meeting, token: str, now: datetime) -> None:
    """ValidationFailed unless `token` was made for this meeting in the current or the previous window."""
    window_text, _, _mac = token.partition(".")
    if not window_text.isdigit():
        raise ValidationFailed.from_messages({"token": [CHECKIN_CODE_INVALID]})
    window = int(window_text)
    if not hmac.compare_digest(make_token(meeting=meeting, window=window), token):
        raise ValidationFailed.from_messages({"token": [CHECKIN_CODE_INVALID]})
    current = window_of(now)
    if window > current:  # made for the future: only the secret's holder could have done that
        raise ValidationFailed.from_messages({"token": [CHECKIN_CODE_INVALID]})
    if current - window > GRACE_WINDOWS:
        raise ValidationFailed.from_messages({"token": [CHECKIN_CODE_EXPIRED]})


def checkin_code(*, session: Session, ctx: CallContext, meeting_id: str, now: datetime | None = None) -> dict[str, Any]:
    """The code to show on the classroom screen now: for the host's staff and the session's mentor,
    while check-in is open."""
    now = now or utcnow()
    meeting = get_meeting(session=session, ctx=ctx, meeting_id=meeting_id)
    require_teacher(session=session, ctx=ctx, host_tenant=meeting.tenant_id, session_id=meeting.session_id)
    _require_held(meeting)
    _require_checkin_open(meeting=meeting, now=now)
    window = window_of(now)
    token = make_token(meeting=meeting, window=window)
    qr_text = f"fengchao://training/check-in?meeting={meeting.id}&token={token}"
    return {
        "meeting_id": meeting.id, "token": token, "qr_text": qr_text,
        "svg": segno.make(qr_text, error="m").svg_inline(scale=6, border=2),
        "rotates_at": _window_start(window + 1), "valid_until": _window_start(window + 1 + GRACE_WINDOWS),
    }


def check_in(*, session: Session, ctx: CallContext, meeting_id: str, token: str,
             now: datetime | None = None) -> Attendance:
    """A participant scans the code: recorded once per meeting (a second scan returns the first record).
    Counts for their enrolment in this session, or in another session of the course (a make-up)."""
    now = now or utcnow()
    me = ctx.require_user()
    meeting = get_meeting(session=session, ctx=ctx, meeting_id=meeting_id)
    check_token(meeting=meeting, token=token, now=now)
    _require_held(meeting)
    _require_checkin_open(meeting=meeting, now=now)
    enrolment = _enrolment_counting(session=session, meeting=meeting, person_key=f"user:{me}",
                                    learner_tenant=ctx.tenant)
    if enrolment is None:
        raise Forbidden(NOT_ENROLLED_HERE)
    return _record(session=session, meeting=meeting, enrolment=enrolment, person_key=enrolment.person_key,
                   user_id=me, name=enrolment.participant_name, learner_tenant=ctx.tenant, method="qr",
                   recorded_by=me, now=now)


def mark(*, session: Session, ctx: CallContext, meeting_id: str, present: list[str], walk_ins: list[dict[str, Any]],
         now: datetime | None = None) -> list[Attendance]:
    """Staff (or the mentor) mark enrolled participants present, including make-ups from other sessions
    of the course, and record walk-ins (with or without an account)."""
    now = now or utcnow()
    meeting = get_meeting(session=session, ctx=ctx, meeting_id=meeting_id)
    require_teacher(session=session, ctx=ctx, host_tenant=meeting.tenant_id, session_id=meeting.session_id)
    _require_held(meeting)
    if now < meeting.starts_at - CHECKIN_OPENS_BEFORE:
        raise Conflict(MEETING_NOT_STARTED, {"starts_at": meeting.starts_at.isoformat()})
    enrolments = ({e.id: e for e in session.scalars(select(Enrolment).where(Enrolment.id.in_(present)))}
                  if present else {})
    bad = [i for i in present if i not in enrolments or enrolments[i].course_id != meeting.course_id
           or enrolments[i].status != "enrolled"]
    if bad:
        raise ValidationFailed(SOME_FIELDS_INVALID, {"fields": {"present": [NOT_PARTICIPANTS.text]},
                                                     "not_enrolled": bad})
    recorded = []
    for enrolment_id in dict.fromkeys(present):
        enrolment = enrolments[enrolment_id]
        recorded.append(_record(session=session, meeting=meeting, enrolment=enrolment, person_key=enrolment.person_key,
                                user_id=enrolment.user_id, name=enrolment.participant_name,
                                learner_tenant=enrolment.learner_tenant_id, method="staff", recorded_by=ctx.user_id,
                                now=now))
    for index, walk_in in enumerate(walk_ins):
        user_id = walk_in.get("user_id")
        enrolment = None
        if user_id:
            members.require_member(session, user_id, field=f"walk_ins.{index}.user_id", tenant_id=meeting.tenant_id)
            # Someone with an account in the host's tenant: counts for their enrolment if they have one.
            enrolment = _enrolment_counting(session=session, meeting=meeting, person_key=f"user:{user_id}",
                                            learner_tenant=meeting.tenant_id)
        person_key = f"user:{user_id}" if user_id else f"walk_in:{uuid.uuid4()}"
        recorded.append(_record(session=session, meeting=meeting, enrolment=enrolment, person_key=person_key,
                                user_id=user_id, name=walk_in["name"].strip(), learner_tenant=meeting.tenant_id,
                                method="walk_in", recorded_by=ctx.user_id, now=now))
    return recorded


def list_for_meeting(*, session: Session, ctx: CallContext, meeting_id: str, limit: int,
                     after: str | None) -> Page[Attendance]:
    meeting = get_meeting(session=session, ctx=ctx, meeting_id=meeting_id)
    require_teacher(session=session, ctx=ctx, host_tenant=meeting.tenant_id, session_id=meeting.session_id)
    return keyset_page(session, select(Attendance).where(Attendance.meeting_id == meeting.id),
                       keys=[Key(Attendance.attended_at), Key(Attendance.id)], limit=limit, after=after)


def _record(*, session: Session, meeting: Meeting, enrolment: Enrolment | None, person_key: str, user_id: str | None,
            name: str, learner_tenant: str, method: str, recorded_by: str | None, now: datetime) -> Attendance:
    existing = _existing(session=session, meeting=meeting, person_key=person_key)
    if existing is not None:
        return existing
    attendance = Attendance(
        meeting_id=meeting.id, session_id=meeting.session_id, course_id=meeting.course_id,
        enrolment_id=enrolment.id if enrolment else None, learner_tenant_id=learner_tenant, person_key=person_key,
        user_id=user_id, participant_name=name, method=method,
        make_up=bool(enrolment and enrolment.session_id != meeting.session_id), recorded_by=recorded_by or "",
        attended_at=now, audience=audience_of_learner(meeting.tenant_id, learner_tenant),
    )
    try:
        with session.begin_nested():  # two scans at once: the unique constraint keeps one, we return it
            session.add(attendance)
    except IntegrityError:
        return _existing(session=session, meeting=meeting, person_key=person_key)
    course = session.get(Course, meeting.course_id)
    announce(session, events.SESSION_ATTENDED, events.SessionAttendedData().dump({
        "attendance_id": attendance.id, "session_id": meeting.session_id, "meeting_id": meeting.id,
        "course_id": meeting.course_id, "course_kind": course.kind, "host_tenant_id": meeting.tenant_id,
        "enrolment_id": attendance.enrolment_id, "user_id": user_id, "method": method,
        "make_up": attendance.make_up, "attended_at": now}), subject=attendance.id, tenant_id=learner_tenant)
    return attendance


def _existing(*, session: Session, meeting: Meeting, person_key: str) -> Attendance | None:
    return session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                    Attendance.person_key == person_key)).first()


def _enrolment_counting(*, session: Session, meeting: Meeting, person_key: str,
                        learner_tenant: str) -> Enrolment | None:
    """The enrolment an attendance counts for: in the meeting's own session first, else an active
    enrolment in another open session of the same course (a make-up)."""
    candidates = list(session.scalars(
        select(Enrolment).join(CourseSession, CourseSession.id == Enrolment.session_id)
        .where(Enrolment.course_id == meeting.course_id, Enrolment.person_key == person_key,
               Enrolment.learner_tenant_id == learner_tenant, Enrolment.status == "enrolled",
               CourseSession.status == "open")
        .order_by(Enrolment.requested_at)))
    own = [e for e in candidates if e.session_id == meeting.session_id]
    return (own or candidates or [None])[0]


def _require_held(meeting: Meeting) -> None:
    """A cancelled class takes no attendance."""
    if meeting.cancelled_at is not None:
        raise Conflict(MEETING_CANCELLED, {"cancelled_at": meeting.cancelled_at.isoformat(),
                                           "cancel_reason": meeting.cancel_reason})


def _require_checkin_open(*, meeting: Meeting, now: datetime) -> None:
    opens, closes = meeting.starts_at - CHECKIN_OPENS_BEFORE, meeting.ends_at + CHECKIN_CLOSES_AFTER
    if not opens <= now <= closes:
        raise Conflict(CHECKIN_CLOSED,
                       {"checkin_opens_at": opens.isoformat(), "checkin_closes_at": closes.isoformat()})


def _window_start(window: int) -> datetime:
    return datetime.fromtimestamp(window * ROTATE_SECONDS, tz=UTC)
