"""Enrolment: places, the waitlist and its order, cancellation, eligibility, and guardians enrolling children.

Every function that changes a roster runs in the tenant hosting the session (`db.write_in_tenant(host)`,
see service.py) and first locks the session row (`SELECT … FOR UPDATE`): requests for one session are decided
one after another, each taking the next `arrival` number, so capacity can never be exceeded and the
waitlist is promoted strictly in arrival order. `ctx` is always the caller's own context; staff rights
hold only when the caller's tenant is the host.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.common.shared_messages import SOME_FIELDS_INVALID
from services.training import events
from services.training.access import (
    audience_of_learner,
    is_session_mentor,
    may_act_for,
    require_teacher,
    shared_with,
)
from services.training.contracts.messages import (
    ALREADY_CANCELLED,
    ALREADY_ENROLLED,
    CANCEL_OWN_ONLY,
    CHILD_AGE_OUTSIDE,
    CHILD_REQUIRED,
    CHILDREN_CAMP_ONLY,
    COURSE_NOT_OPEN,
    ENROLMENT_NOT_FOUND,
    EXAMINER_ONLY,
    NO_EXAM,
    NOT_AN_ENROLLED_PARTICIPANT,
    NOT_FOR_YOUR_GROUPS,
    OUTSIDE_ENROLMENT_WINDOW,
    SESSION_CLOSED,
    SESSION_FULL,
    SESSION_NOT_FOUND,
)
from services.training.models import Attendance, Course, CourseSession, Enrolment, Meeting
from services.training.scheduling import get_session


def lock_session(*, session: Session, ctx: CallContext, session_id: str) -> CourseSession:
    """The session row, locked until the transaction ends; NotFound unless the caller's tenant may see it."""
    cohort = session.scalars(select(CourseSession).where(CourseSession.id == session_id).with_for_update()
                             .execution_options(populate_existing=True)).first()
    if cohort is None or not shared_with(cohort, ctx.tenant):
        raise NotFound(SESSION_NOT_FOUND, {"session_id": session_id})
    return cohort


def enrol(*, session: Session, ctx: CallContext, session_id: str, data: dict[str, Any],
          now: datetime | None = None) -> Enrolment:
    """A person (or a guardian for a child) asks for a place: enrolled while places are left, then
    waitlisted in arrival order (up to the waitlist limit). Refused outside the enrolment window, for a
    course not open, for someone outside the target groups, and when the person already holds a place."""
    now = now or utcnow()
    actor = ctx.require_user()
    # Everything that does not depend on the places left is checked before taking the lock, which
    # serialises the session's enrolments: the less it covers, the more enrolments per second.
    cohort = get_session(session=session, ctx=ctx, session_id=session_id)
    course = session.get(Course, cohort.course_id)
    if course is None or course.status != "published":
        raise Conflict(COURSE_NOT_OPEN,
                       {"course_status": course.status if course else None})
    person = _person(course=course, actor=actor, data=data)
    _check_groups(course=course, groups=data.get("groups") or [])

    cohort = lock_session(session=session, ctx=ctx, session_id=session_id)
    if cohort.status != "open":
        raise Conflict(SESSION_CLOSED, {"session_status": cohort.status})
    if not cohort.enrol_opens_at <= now < cohort.enrol_closes_at:
        raise Conflict(OUTSIDE_ENROLMENT_WINDOW, {
            "enrol_opens_at": cohort.enrol_opens_at.isoformat(), "enrol_closes_at": cohort.enrol_closes_at.isoformat()})
    existing = session.scalars(select(Enrolment).where(Enrolment.session_id == cohort.id,
                                                       Enrolment.person_key == person["person_key"])).first()
    if existing is not None and existing.status != "cancelled":
        raise Conflict(ALREADY_ENROLLED, {
            "enrolment_id": existing.id, "enrolment_status": existing.status,
            "waitlist_position": waitlist_position(session=session, enrolment=existing)})
    if cohort.enrolled_count < cohort.capacity:
        status = "enrolled"
    elif cohort.waitlist_limit is None or cohort.waitlisted_count < cohort.waitlist_limit:
        status = "waitlisted"
    else:
        raise Conflict(SESSION_FULL, {"capacity": cohort.capacity, "enrolled_count": cohort.enrolled_count,
                                                 "waitlisted_count": cohort.waitlisted_count})

    cohort.arrivals += 1
    fields = dict(
        course_id=course.id, learner_tenant_id=ctx.tenant, user_id=person["user_id"],
        guardian_user_id=person["guardian_user_id"], participant_name=person["participant_name"],
        child_age=person["child_age"], groups=sorted(set(data.get("groups") or [])), status=status,
        arrival=cohort.arrivals, requested_at=now, enrolled_at=now if status == "enrolled" else None,
        promoted_at=None, cancelled_at=None, cancel_reason=None,
        audience=audience_of_learner(cohort.tenant_id, ctx.tenant),
    )
    if existing is not None:  # re-enrolling after a cancellation: the same row, at the back of the queue
        enrolment = existing
        for key, value in fields.items():
            setattr(enrolment, key, value)
    else:
        enrolment = Enrolment(session_id=cohort.id, person_key=person["person_key"], **fields)
        session.add(enrolment)
    if status == "enrolled":
        cohort.enrolled_count += 1
    else:
        cohort.waitlisted_count += 1
    session.flush()
    position = cohort.waitlisted_count if status == "waitlisted" else None
    announce(session, events.ENROLLED, events.EnrolledData().dump({
        **_event_ids(enrolment, course, cohort), "status": status, "waitlist_position": position,
        "enrolled_at": enrolment.enrolled_at, "requested_at": now}),
        subject=enrolment.id, tenant_id=enrolment.learner_tenant_id)
    return enrolment


def cancel(*, session: Session, ctx: CallContext, enrolment_id: str, reason: str | None,
           now: datetime | None = None) -> Enrolment:
    """The person, their guardian or the host's staff give up a place or a waitlist place. A freed place
    goes to the first person on the waitlist, at once."""
    now = now or utcnow()
    enrolment = _visible_enrolment(session=session, ctx=ctx, enrolment_id=enrolment_id)
    cohort = lock_session(session=session, ctx=ctx, session_id=enrolment.session_id)
    session.refresh(enrolment)  # as it is now that we hold the session's lock
    if not may_act_for(ctx, enrolment):
        raise Forbidden(CANCEL_OWN_ONLY)
    if cohort.status != "open":
        raise Conflict(SESSION_CLOSED, {"session_status": cohort.status})
    if enrolment.status == "cancelled":
        raise Conflict(ALREADY_CANCELLED, {"enrolment_status": enrolment.status})
    previous = enrolment.status
    enrolment.status = "cancelled"
    enrolment.cancelled_at = now
    enrolment.cancel_reason = reason
    if previous == "enrolled":
        cohort.enrolled_count -= 1
    else:
        cohort.waitlisted_count -= 1
    course = session.get(Course, cohort.course_id)
    announce(session, events.ENROLMENT_CANCELLED, events.EnrolmentCancelledData().dump({
        **_event_ids(enrolment, course, cohort), "previous_status": previous, "cancelled_by": ctx.user_id,
        "cancelled_at": now}), subject=enrolment.id, tenant_id=enrolment.learner_tenant_id)
    session.flush()
    promote_waitlist(session=session, cohort=cohort, course=course, now=now)
    return enrolment


def promote_waitlist(*, session: Session, cohort: CourseSession, course: Course,
                     now: datetime) -> list[Enrolment]:
    """Fill free places from the waitlist, lowest arrival first. The caller holds the session's lock."""
    promoted = []
    free = cohort.capacity - cohort.enrolled_count
    if free <= 0 or cohort.waitlisted_count <= 0:
        return promoted
    waiting = session.scalars(select(Enrolment).where(Enrolment.session_id == cohort.id,
                                                      Enrolment.status == "waitlisted")
                              .order_by(Enrolment.arrival).limit(free))
    for enrolment in waiting:
        enrolment.status = "enrolled"
        enrolment.enrolled_at = now
        enrolment.promoted_at = now
        cohort.enrolled_count += 1
        cohort.waitlisted_count -= 1
        promoted.append(enrolment)
        announce(session, events.WAITLIST_PROMOTED, events.WaitlistPromotedData().dump({
            **_event_ids(enrolment, course, cohort), "promoted_at": now}),
            subject=enrolment.id, tenant_id=enrolment.learner_tenant_id)
    session.flush()
    return promoted


def get_enrolment(*, session: Session, ctx: CallContext, enrolment_id: str) -> Enrolment:
    """The person, their guardian, the host's staff and the session's mentor see an enrolment;
    for anyone else it does not exist."""
    enrolment = _visible_enrolment(session=session, ctx=ctx, enrolment_id=enrolment_id)
    if not (may_act_for(ctx, enrolment)
            or is_session_mentor(session=session, ctx=ctx, session_id=enrolment.session_id)):
        raise NotFound(ENROLMENT_NOT_FOUND, {"enrolment_id": enrolment_id})
    return enrolment


def list_mine(*, session: Session, ctx: CallContext, status: str | None, limit: int,
              after: str | None) -> Page[Enrolment]:
    """Your own enrolments and those of children you enrolled, in every tenant's sessions shared with yours,
    the latest first."""
    me = ctx.require_user()
    query = select(Enrolment).where(or_(Enrolment.user_id == me, Enrolment.guardian_user_id == me),
                                    Enrolment.learner_tenant_id == ctx.tenant)
    if status:
        query = query.where(Enrolment.status == status)
    return keyset_page(session, query, keys=[Key(Enrolment.requested_at, descending=True), Key(Enrolment.id)],
                       limit=limit, after=after)


def roster(*, session: Session, ctx: CallContext, session_id: str, status: str | None, limit: int,
           after: str | None) -> Page[Enrolment]:
    """The session's participants in arrival order: for the host's staff and the session's own mentor only."""
    cohort = get_session(session=session, ctx=ctx, session_id=session_id)
    require_teacher(session=session, ctx=ctx, host_tenant=cohort.tenant_id, session_id=cohort.id)
    query = select(Enrolment).where(Enrolment.session_id == cohort.id)
    if status:
        query = query.where(Enrolment.status == status)
    return keyset_page(session, query, keys=[Key(Enrolment.arrival), Key(Enrolment.id)], limit=limit, after=after)


def set_exam_score(*, session: Session, ctx: CallContext, enrolment_id: str, score: int) -> Enrolment:
    """The examiner (the host's staff or the session's mentor) enters the exam score of a certificate
    course, until the session is closed."""
    enrolment = _visible_enrolment(session=session, ctx=ctx, enrolment_id=enrolment_id)
    cohort = session.get(CourseSession, enrolment.session_id)
    require_teacher(session=session, ctx=ctx, host_tenant=enrolment.tenant_id, session_id=enrolment.session_id,
                    refusal=EXAMINER_ONLY)
    course = session.get(Course, enrolment.course_id)
    if course.kind != "certificate":
        raise Conflict(NO_EXAM, {"course_kind": course.kind})
    if cohort.status != "open":
        raise Conflict(SESSION_CLOSED, {"session_status": cohort.status})
    if enrolment.status != "enrolled":
        raise Conflict(NOT_AN_ENROLLED_PARTICIPANT, {"enrolment_status": enrolment.status})
    enrolment.exam_score = score
    session.flush()
    return enrolment


def waitlist_position(*, session: Session, enrolment: Enrolment) -> int | None:
    if enrolment.status != "waitlisted":
        return None
    return session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.session_id == enrolment.session_id, Enrolment.status == "waitlisted",
        Enrolment.arrival <= enrolment.arrival))


def views(*, session: Session, enrolments: list[Enrolment]) -> list[dict[str, Any]]:
    """Enrolments as the API shows them: with waitlist position and attendance progress, in three queries."""
    if not enrolments:
        return []
    ids = [e.id for e in enrolments]
    session_ids = {e.session_id for e in enrolments}
    attended = dict(session.execute(
        select(Attendance.enrolment_id, func.count(func.distinct(Attendance.meeting_id)))
        .where(Attendance.enrolment_id.in_(ids)).group_by(Attendance.enrolment_id)).all())
    totals = dict(session.execute(select(Meeting.session_id, func.count())
                                  .where(Meeting.session_id.in_(session_ids), Meeting.cancelled_at.is_(None))
                                  .group_by(Meeting.session_id)).all())
    waiting = session.execute(select(Enrolment.session_id, Enrolment.arrival).where(
        Enrolment.session_id.in_(session_ids), Enrolment.status == "waitlisted")).all()
    result = []
    for e in enrolments:
        position = (sum(1 for s, a in waiting if s == e.session_id and a <= e.arrival)
                    if e.status == "waitlisted" else None)
        total = totals.get(e.session_id, 0)
        result.append({**{c.key: getattr(e, c.key) for c in Enrolment.__table__.columns},
                       "waitlist_position": position, "meetings_total": total,
                       "attended_meetings": min(attended.get(e.id, 0), total)})
    return result


def _visible_enrolment(*, session: Session, ctx: CallContext, enrolment_id: str) -> Enrolment:
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or not (enrolment.learner_tenant_id == ctx.tenant or enrolment.tenant_id == ctx.tenant):
        raise NotFound(ENROLMENT_NOT_FOUND, {"enrolment_id": enrolment_id})
    return enrolment


def _person(*, course: Course, actor: str, data: dict[str, Any]) -> dict[str, Any]:
    child = data.get("child")
    if course.kind == "children_camp":
        if not child:
            raise ValidationFailed.from_messages({"child": [CHILD_REQUIRED]})
        if not course.min_age <= child["age"] <= course.max_age:
            raise _invalid({"child": {"age": [CHILD_AGE_OUTSIDE(lowest=course.min_age, highest=course.max_age)]}},
                           min_age=course.min_age, max_age=course.max_age)
        name = " ".join(child["name"].split())
        return {"person_key": f"child:{actor}:{name.casefold()}", "user_id": None, "guardian_user_id": actor,
                "participant_name": name, "child_age": child["age"]}
    if child:
        raise ValidationFailed.from_messages({"child": [CHILDREN_CAMP_ONLY]})
    return {"person_key": f"user:{actor}", "user_id": actor, "guardian_user_id": None,
            "participant_name": data["participant_name"].strip(), "child_age": None}


def _check_groups(*, course: Course, groups: list[str]) -> None:
    if course.target_groups and not set(groups) & set(course.target_groups):
        # the groups it is for travel as values (contracts.messages.TARGET_GROUPS), labelled at the edge
        raise _invalid({"groups": [NOT_FOR_YOUR_GROUPS]}, target_groups=list(course.target_groups))


def _invalid(fields: dict[str, Any], **extra: Any) -> ValidationFailed:
    """Invalid input with field messages (codes, worded at the edge) and what the caller needs to fix it."""
    found = ValidationFailed.from_messages(fields)
    return ValidationFailed(SOME_FIELDS_INVALID, {**found.extra, **extra})


def _event_ids(enrolment: Enrolment, course: Course, cohort: CourseSession) -> dict[str, Any]:
    return {"enrolment_id": enrolment.id, "session_id": cohort.id, "course_id": course.id,
            "course_kind": course.kind, "host_tenant_id": cohort.tenant_id, "user_id": enrolment.user_id,
            "guardian_user_id": enrolment.guardian_user_id}
