"""Events the training service publishes (through the outbox) and the schema of their `data`.

An event about a person (enrolled, attended, completed, certificate issued or revoked) is published in the
person's own community (`tenantid` = `learner_tenant_id`), even when a partner college hosts the course:
the points service awards first-aid points, and jobs records certificates, in that community.
`host_tenant_id` names the tenant that runs the session. Data carries ids, never names or phone numbers.

An event about a class (one meeting of a course session: moved, cancelled, due tomorrow) concerns everyone
on the session's roster, who may live in several communities: it is announced once in the host's tenant
and once more in each other community with people enrolled in the session, each copy alike but for its
`tenantid`. A consumer asks `training.audience("class_roster", session_id)` in the event's tenant and gets
that community's own people (see docs/training.md, "Classes and reminders").
"""

import json
from pathlib import Path

from marshmallow import Schema

from services.common import contract_fields as fields

COURSE_PUBLISHED = "course_published"
ENROLLED = "enrolled"
WAITLIST_PROMOTED = "waitlist_promoted"
ENROLMENT_CANCELLED = "enrolment_cancelled"
SESSION_ATTENDED = "session_attended"
COURSE_COMPLETED = "course_completed"
CERTIFICATE_ISSUED = "certificate_issued"
CERTIFICATE_REVOKED = "certificate_revoked"
CLASS_RESCHEDULED = "class_rescheduled"
CLASS_CANCELLED = "class_cancelled"
CLASS_DUE = "class_due"


class CoursePublishedData(Schema):
    """A course was published (or its audience changed): `audience` is "*" or the tenants that may enrol."""

    course_id = fields.String(required=True)
    kind = fields.String(required=True)
    category_id = fields.String(allow_none=True)
    target_groups = fields.List(fields.String())
    audience = fields.Raw(metadata={"description": "\"*\" or a list of tenant ids"})
    published_at = fields.DateTime()


class _EnrolmentData(Schema):
    enrolment_id = fields.String(required=True)
    session_id = fields.String(required=True)
    course_id = fields.String(required=True)
    course_kind = fields.String(required=True)
    host_tenant_id = fields.String(required=True)
    user_id = fields.String(allow_none=True, metadata={"description": "null for a child enrolled by a guardian"})
    guardian_user_id = fields.String(allow_none=True)


class EnrolledData(_EnrolmentData):
    """A person asked for a place: `status` is enrolled, or waitlisted with a `waitlist_position`."""

    status = fields.String(required=True)
    waitlist_position = fields.Integer(allow_none=True)
    enrolled_at = fields.DateTime(allow_none=True)
    requested_at = fields.DateTime()


class WaitlistPromotedData(_EnrolmentData):
    """A place freed and the first person on the waitlist got it."""

    promoted_at = fields.DateTime()


class EnrolmentCancelledData(_EnrolmentData):
    """An enrolment or a waitlist place was given up."""

    previous_status = fields.String()
    cancelled_by = fields.String(allow_none=True)
    cancelled_at = fields.DateTime()


class SessionAttendedData(Schema):
    """Someone attended a meeting (marked by staff, self check-in by QR, or a walk-in). The points service
    awards points for first-aid attendance from this."""

    attendance_id = fields.String(required=True)
    session_id = fields.String(required=True, metadata={"description": "the session the meeting belongs to"})
    meeting_id = fields.String(required=True)
    course_id = fields.String(required=True)
    course_kind = fields.String(required=True, metadata={
        "description": "vocational | certificate | cultural | first_aid | children_camp"})
    host_tenant_id = fields.String(required=True)
    enrolment_id = fields.String(allow_none=True)
    user_id = fields.String(allow_none=True, metadata={"description": "null for a child or a walk-in without account"})
    method = fields.String(metadata={"description": "staff | qr | walk_in"})
    make_up = fields.Boolean()
    attended_at = fields.DateTime(required=True)


class CourseCompletedData(_EnrolmentData):
    """A participant met the course's completion rules when the session was closed."""

    attendance_share = fields.Float()
    exam_score = fields.Integer(allow_none=True)
    completed_at = fields.DateTime()


class CertificateIssuedData(Schema):
    """A certificate course was completed and its certificate issued; jobs adds it to the worker profile."""

    certificate_id = fields.String(required=True)
    user_id = fields.String(allow_none=True)
    course_id = fields.String(required=True)
    certificate_name = fields.String(required=True)
    skill = fields.String(allow_none=True)
    code = fields.String(required=True)
    host_tenant_id = fields.String(required=True)
    issued_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(allow_none=True)


class CertificateRevokedData(Schema):
    """A certificate was revoked; its public verification now says so."""

    certificate_id = fields.String(required=True)
    user_id = fields.String(allow_none=True)
    course_id = fields.String(required=True)
    code = fields.String(required=True)
    host_tenant_id = fields.String(required=True)
    reason = fields.String()
    revoked_at = fields.DateTime(required=True)


class _ClassData(Schema):
    session_id = fields.String(required=True, metadata={
        "description": "the course session (cohort) whose roster is concerned: audience(\"class_roster\", session_id)"})
    meeting_id = fields.String(required=True, metadata={"description": "the class (meeting) itself"})
    course_id = fields.String(required=True)
    course_title = fields.String(required=True)
    host_tenant_id = fields.String(required=True)


class ClassRescheduledData(_ClassData):
    """Staff moved a class: its time (`old_starts_at` → `new_starts_at`) and/or its place
    (`place_changed`; `venue` is where it is held now, null for an online class without a venue)."""

    old_starts_at = fields.DateTime(required=True)
    new_starts_at = fields.DateTime(required=True)
    new_ends_at = fields.DateTime(required=True)
    time_changed = fields.Boolean(required=True)
    place_changed = fields.Boolean(required=True)
    venue = fields.String(allow_none=True)
    rescheduled_at = fields.DateTime(required=True)


class ClassCancelledData(_ClassData):
    """Staff cancelled a class before it began; it no longer counts towards attendance."""

    starts_at = fields.DateTime(required=True)
    reason = fields.String(required=True, metadata={
        "description": "weather | mentor_unavailable | venue_unavailable | too_few_participants | holiday | other"})
    cancelled_at = fields.DateTime(required=True)


class ClassDueData(_ClassData):
    """A class starts within the next 24 hours (the reminder timer, once per class and start time)."""

    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    venue = fields.String(allow_none=True, metadata={"description": "null for an online class without a venue"})


# event name → schema of the CloudEvent's `data`; the event catalogue is built from this.
CATALOGUE = {
    COURSE_PUBLISHED: CoursePublishedData,
    ENROLLED: EnrolledData,
    WAITLIST_PROMOTED: WaitlistPromotedData,
    ENROLMENT_CANCELLED: EnrolmentCancelledData,
    SESSION_ATTENDED: SessionAttendedData,
    COURSE_COMPLETED: CourseCompletedData,
    CERTIFICATE_ISSUED: CertificateIssuedData,
    CERTIFICATE_REVOKED: CertificateRevokedData,
    CLASS_RESCHEDULED: ClassRescheduledData,
    CLASS_CANCELLED: ClassCancelledData,
    CLASS_DUE: ClassDueData,
}

# An example `data` of each event (docs/events.md shows them), kept as data: they are people's words.
EXAMPLES: dict[str, dict] = json.loads((Path(__file__).parent / "data" / "event_examples.json").read_text("utf-8"))
