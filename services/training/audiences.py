"""Groups of people training defines, answered to the notifications service (event fan-out, staff broadcasts)
as account ids: `audience(group, ref)`.

- `class_roster`, ref = a course session id (or the id of one of its classes, a meeting): the people enrolled
  in the session (not waitlisted, not cancelled), and the guardian who enrolled a child.
- `course_enrolled`, ref = a course id: the same, over every open session of the course.

Always the CONTEXT TENANT's own people (`Enrolment.learner_tenant_id`): a college's session shared with two
communities has one roster per community, and each community's consumers (its copy of a class event) ask for
theirs. A ref the tenant cannot see (another tenant's, unshared, or a draft) is NotFound, like a ref that
does not exist; a shared one with nobody of the tenant on it answers an empty list.

For the tenant's staff, or another platform service calling in (role `service`, no user:
services.common.access.require_staff_or_service).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.access import require_staff_or_service
from services.common.context import CallContext
from services.common.errors import NotFound, ValidationFailed
from services.training.catalogue import get_course
from services.training.contracts.messages import AUDIENCE_GROUPS, SESSION_NOT_FOUND, UNKNOWN_AUDIENCE_GROUP
from services.training.models import CourseSession, Enrolment, Meeting
from services.training.scheduling import get_session


def audience(*, session: Session, ctx: CallContext, group: Any, ref: Any) -> dict[str, Any]:
    """`{"group", "ref", "user_ids"}`: the group's people in the caller's tenant, sorted, each once."""
    require_staff_or_service(ctx)
    if group not in AUDIENCE_GROUPS.values:
        raise ValidationFailed.from_messages({"group": [UNKNOWN_AUDIENCE_GROUP]})
    ref = str(ref or "")[:64]
    enrolled = select(Enrolment.user_id, Enrolment.guardian_user_id).where(
        Enrolment.status == "enrolled", Enrolment.learner_tenant_id == ctx.tenant)
    if group == "class_roster":
        cohort = _session_of(session=session, ctx=ctx, ref=ref)
        rows = session.execute(enrolled.where(Enrolment.session_id == cohort.id))
    else:  # course_enrolled
        course = get_course(session=session, ctx=ctx, course_id=ref)
        rows = session.execute(enrolled.join(CourseSession, CourseSession.id == Enrolment.session_id)
                               .where(Enrolment.course_id == course.id, CourseSession.status == "open"))
    people = {person for row in rows for person in row if person}
    return {"group": group, "ref": ref, "user_ids": sorted(people)}


def _session_of(*, session: Session, ctx: CallContext, ref: str) -> CourseSession:
    """The session named by its own id or by the id of one of its classes; NotFound if the tenant cannot see it."""
    if not ref:
        raise NotFound(SESSION_NOT_FOUND, {"session_id": ref})
    if session.get(CourseSession, ref) is None:
        meeting = session.get(Meeting, ref)
        if meeting is not None:
            ref = meeting.session_id
    return get_session(session=session, ctx=ctx, session_id=ref)
