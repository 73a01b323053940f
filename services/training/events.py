"""Events the training service publishes (through the outbox) and the schema of their `data`.

An event about a person (enrolled, attended, completed, certificate issued or revoked) is published in the
person's own community (`tenantid` = `learner_tenant_id`), even when a partner college hosts the course:
the points service awards first-aid points, and jobs records certificates, in that community.
`host_tenant_id` names the tenant that runs the session. Data carries ids, never names or phone numbers.
"""

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
}

_IDS = {
    "enrolment_id": "3b0f8a52-6d1e-4c0e-9d0b-4f2f0f4b8a10",
    "session_id": "a1e4c3d2-5b6f-4a7e-8c9d-0e1f2a3b4c5d",
    "course_id": "c7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
    "host_tenant_id": "hzvtc",
    "user_id": "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20",
}

EXAMPLES = {
    COURSE_PUBLISHED: {
        "course_id": _IDS["course_id"], "kind": "certificate", "category_id": "pastry",
        "target_groups": ["courier", "full_time_mother"], "audience": ["dongxin", "xiangyang"],
        "published_at": "2026-11-28T09:30:00+00:00",
    },
    ENROLLED: {
        **{k: _IDS[k] for k in ("enrolment_id", "session_id", "course_id", "host_tenant_id", "user_id")},
        "course_kind": "certificate", "guardian_user_id": None, "status": "waitlisted", "waitlist_position": 3,
        "enrolled_at": None, "requested_at": "2026-11-28T09:31:00+00:00",
    },
    WAITLIST_PROMOTED: {
        **{k: _IDS[k] for k in ("enrolment_id", "session_id", "course_id", "host_tenant_id", "user_id")},
        "course_kind": "certificate", "guardian_user_id": None, "promoted_at": "2026-11-30T02:00:00+00:00",
    },
    ENROLMENT_CANCELLED: {
        **{k: _IDS[k] for k in ("enrolment_id", "session_id", "course_id", "host_tenant_id", "user_id")},
        "course_kind": "certificate", "guardian_user_id": None, "previous_status": "enrolled",
        "cancelled_by": _IDS["user_id"], "cancelled_at": "2026-11-30T02:00:00+00:00",
    },
    SESSION_ATTENDED: {
        "attendance_id": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b", "session_id": _IDS["session_id"],
        "meeting_id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "course_id": _IDS["course_id"],
        "course_kind": "first_aid", "host_tenant_id": "hospital", "enrolment_id": _IDS["enrolment_id"],
        "user_id": _IDS["user_id"], "method": "qr", "make_up": False,
        "attended_at": "2026-12-05T11:02:00+00:00",
    },
    COURSE_COMPLETED: {
        **{k: _IDS[k] for k in ("enrolment_id", "session_id", "course_id", "host_tenant_id", "user_id")},
        "course_kind": "certificate", "guardian_user_id": None, "attendance_share": 0.875, "exam_score": 86,
        "completed_at": "2027-01-20T08:00:00+00:00",
    },
    CERTIFICATE_ISSUED: {
        "certificate_id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", "user_id": _IDS["user_id"],
        "course_id": _IDS["course_id"], "certificate_name": "中式面点师证 / Chinese pastry chef certificate",
        "skill": "中式面点", "code": "FC-7K3M-Q9PD-XW2A-K", "host_tenant_id": "hzvtc",
        "issued_at": "2027-01-20T08:00:00+00:00", "expires_at": "2030-01-20T08:00:00+00:00",
    },
    CERTIFICATE_REVOKED: {
        "certificate_id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", "user_id": _IDS["user_id"],
        "course_id": _IDS["course_id"], "code": "FC-7K3M-Q9PD-XW2A-K", "host_tenant_id": "hzvtc",
        "reason": "考试成绩录入错误 / Exam score entered in error", "revoked_at": "2027-02-01T08:00:00+00:00",
    },
}
