"""Contracts of the training service: RPC payloads and results, and the gateway's OpenAPI. Plain marshmallow:
no domain module, ORM or nameko."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, validate, validates_schema

from services.common import contract_fields as fields
from services.common.contracts import PageQuery, PersonId, page_schema
from services.training.contracts.messages import (
    AUDIENCE_GROUPS,
    CLASS_CANCEL_REASONS,
    COURSE_FORMATS,
    COURSE_KINDS,
    ENDS_BEFORE_START,
    ENROLMENT_CLOSES_BEFORE_OPENING,
    ENROLMENT_STATUSES,
    HTTPS_LINK,
    LANGUAGES,
    MARK_SOMEONE,
    NAME_REQUIRED,
    NO_MEETINGS,
    NOT_A_TENANT_ID,
    NOTHING_TO_CHANGE,
    TARGET_GROUPS,
    TENANTS_OR_EVERYONE,
    VENUE_OR_LINK,
)

_KINDS = COURSE_KINDS.values
_FORMATS = COURSE_FORMATS.values
_GROUPS = TARGET_GROUPS.values
TENANT_ID = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$", error=NOT_A_TENANT_ID.text)
_URL = validate.URL(schemes={"https"}, error=HTTPS_LINK.text)


def _aware(**kwargs: Any) -> fields.AwareDateTime:
    # Naive times are refused rather than guessed: every time here is an instant (UTC on the wire).
    return fields.AwareDateTime(**kwargs)


# --- catalogue --------------------------------------------------------------------------------------------


class CategoryOut(Schema):
    id = fields.String(metadata={"example": "pastry"})
    name_zh = fields.String(metadata={"description": "the category's name in Chinese"})
    name_en = fields.String(metadata={"example": "Chinese pastry"})
    position = fields.Integer()


CategoryList = page_schema(CategoryOut, "CategoryList")


class CourseFields(Schema):
    category_id = fields.String(allow_none=True, metadata={"description": "one of GET /categories"})
    kind = fields.String(validate=validate.OneOf(_KINDS))
    format = fields.String(validate=validate.OneOf(_FORMATS),
                           metadata={"description": "night_school: a party-mass night school; master_class: "
                                                    "a master's class"})
    title = fields.String(validate=validate.Length(1, 100))
    description = fields.String(validate=validate.Length(max=4000))
    prerequisites = fields.String(allow_none=True, validate=validate.Length(max=1000))
    target_groups = fields.List(fields.String(validate=validate.OneOf(_GROUPS)),
                                metadata={"description": "Empty: open to everyone"})
    language = fields.String(validate=validate.OneOf(LANGUAGES.values))
    min_age = fields.Integer(allow_none=True, validate=validate.Range(3, 17),
                             metadata={"description": "children's camp: youngest child admitted"})
    max_age = fields.Integer(allow_none=True, validate=validate.Range(3, 17))
    min_attendance_share = fields.Float(validate=validate.Range(0, 1),
                                        metadata={"description": "share of meetings to attend to complete"})
    pass_mark = fields.Integer(allow_none=True, validate=validate.Range(0, 100),
                               metadata={"description": "certificate courses: lowest passing exam score"})
    certificate_name = fields.String(allow_none=True, validate=validate.Length(1, 100),
                                     metadata={"example": "Courier certificate"})
    skill = fields.String(allow_none=True, validate=validate.Length(1, 40), metadata={"example": "courier"})
    certificate_valid_months = fields.Integer(allow_none=True, validate=validate.Range(1, 240),
                                              metadata={"description": "null: the certificate never expires"})


class CourseCreate(CourseFields):
    kind = fields.String(required=True, validate=validate.OneOf(_KINDS))
    format = fields.String(load_default="in_person", validate=validate.OneOf(_FORMATS))
    title = fields.String(required=True, validate=validate.Length(1, 100))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    target_groups = fields.List(fields.String(validate=validate.OneOf(_GROUPS)), load_default=list)
    language = fields.String(load_default="zh", validate=validate.OneOf(LANGUAGES.values))
    min_attendance_share = fields.Float(load_default=0.8, validate=validate.Range(0, 1))


class CourseUpdate(CourseFields):
    pass


class AudienceIn(Schema):
    """Who may see and enrol: your own tenant only (empty body), named tenants, or every tenant."""

    tenants = fields.List(fields.String(validate=TENANT_ID), load_default=list, validate=validate.Length(max=100))
    everyone = fields.Boolean(load_default=False)

    @validates_schema
    def _one_or_the_other(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("everyone") and data.get("tenants"):
            raise ValidationError(TENANTS_OR_EVERYONE.text, field_name="tenants")


class CourseOut(CourseFields):
    id = fields.String()
    tenant_id = fields.String(metadata={"description": "the tenant that runs the course"})
    status = fields.String(metadata={"description": "draft | published | withdrawn"})
    audience = fields.Method("_audience", metadata={"description": "\"*\" (every tenant) or a list of tenants"})
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _audience(self, course: Any) -> str | list[str]:
        # the stored form (services.common.database.Shareable): "" own tenant, "*" everyone, ",t1,t2,"
        return "*" if course.audience == "*" else [t for t in course.audience.split(",") if t]


class CourseListQuery(PageQuery):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    kind = fields.String(load_default=None, validate=validate.OneOf(_KINDS))
    category_id = fields.String(load_default=None)
    target_group = fields.String(load_default=None, validate=validate.OneOf(_GROUPS))


CoursePage = page_schema(CourseOut, "CoursePage")


# --- sessions and meetings ------------------------------------------------------------------------------


class MeetingIn(Schema):
    starts_at = _aware(required=True)
    ends_at = _aware(required=True)
    topic = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @validates_schema
    def _starts_before_end(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "starts_at" in data and "ends_at" in data and data["starts_at"] >= data["ends_at"]:
            raise ValidationError(ENDS_BEFORE_START.text, field_name="ends_at")


class SeriesIn(Schema):
    """A series of meetings at the same time of day, e.g. every Tuesday evening for 8 weeks."""

    first_starts_at = _aware(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(15, 12 * 60))
    count = fields.Integer(required=True, validate=validate.Range(1, 60))
    every_days = fields.Integer(load_default=7, validate=validate.Range(1, 31))


class SessionCreate(Schema):
    label = fields.String(required=True, validate=validate.Length(1, 100),
                          metadata={"example": "2026 winter night class"})
    mentor_id = fields.String(load_default=None, allow_none=True)
    venue = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    online_url = fields.String(load_default=None, allow_none=True, validate=_URL)
    capacity = fields.Integer(required=True, validate=validate.Range(1, 10000))
    waitlist_limit = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 10000),
                                    metadata={"description": "null: unlimited; 0: no waitlist"})
    enrol_opens_at = _aware(required=True)
    enrol_closes_at = _aware(required=True)
    meetings = fields.List(fields.Nested(MeetingIn), load_default=list, validate=validate.Length(max=200),
                           metadata={"description": "one-off meetings; or give `series`"})
    series = fields.Nested(SeriesIn, load_default=None, allow_none=True)

    @validates_schema
    def _coherent(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors = {}
        if "enrol_opens_at" in data and "enrol_closes_at" in data and data["enrol_opens_at"] >= data["enrol_closes_at"]:
            errors["enrol_closes_at"] = [ENROLMENT_CLOSES_BEFORE_OPENING.text]
        if not data.get("meetings") and not data.get("series"):
            errors["meetings"] = [NO_MEETINGS.text]
        if not data.get("venue") and not data.get("online_url"):
            errors["venue"] = [VENUE_OR_LINK.text]
        if errors:
            raise ValidationError(errors)


class MeetingChange(Schema):
    """Staff move a class: a new time (`starts_at`; `ends_at` defaults to keeping the length) and/or a new
    place (`venue`; null: back at the session's venue). At least one of them."""

    starts_at = _aware()
    ends_at = _aware()
    venue = fields.String(allow_none=True, validate=validate.Length(1, 200))

    @validates_schema
    def _something(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ValidationError(NOTHING_TO_CHANGE.text)
        if "starts_at" in data and "ends_at" in data and data["starts_at"] >= data["ends_at"]:
            raise ValidationError(ENDS_BEFORE_START.text, field_name="ends_at")


class MeetingCancelIn(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(CLASS_CANCEL_REASONS.values),
                           metadata={"description": " | ".join(CLASS_CANCEL_REASONS.values)})


class MeetingOut(Schema):
    id = fields.String()
    session_id = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    topic = fields.String(allow_none=True)
    venue = fields.String(allow_none=True, metadata={"description": "null: at the session's venue"})
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True, metadata={"description": " | ".join(CLASS_CANCEL_REASONS.values)})


class SessionOut(Schema):
    id = fields.String()
    tenant_id = fields.String()
    course_id = fields.String()
    label = fields.String()
    mentor_id = fields.String(allow_none=True)
    venue = fields.String(allow_none=True)
    online_url = fields.String(allow_none=True)
    capacity = fields.Integer()
    waitlist_limit = fields.Integer(allow_none=True)
    enrol_opens_at = fields.DateTime()
    enrol_closes_at = fields.DateTime()
    status = fields.String(metadata={"description": "open | closed (completion decided)"})
    enrolled_count = fields.Integer()
    waitlisted_count = fields.Integer()
    places_left = fields.Method("_places_left")
    meetings = fields.List(fields.Nested(MeetingOut))
    closed_at = fields.DateTime(allow_none=True)

    def _places_left(self, session: Any) -> int:
        return max(0, int(session.capacity) - int(session.enrolled_count))


SessionList = page_schema(SessionOut, "SessionList")


# --- enrolment ---------------------------------------------------------------------------------------------


class ChildIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    age = fields.Integer(required=True, validate=validate.Range(1, 17))


class EnrolIn(Schema):
    participant_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 50),
                                     metadata={"description": "your name as it should appear on the roster and "
                                                              "certificate; required unless enrolling a child"})
    groups = fields.List(fields.String(validate=validate.OneOf(_GROUPS)), load_default=list,
                         metadata={"description": "the groups you belong to; checked against the course's "
                                                  "target groups"})
    child = fields.Nested(ChildIn, load_default=None, allow_none=True,
                          metadata={"description": "children's camp: the child you enrol as guardian (the child "
                                                   "needs no account)"})

    @validates_schema
    def _someone(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data.get("child") and not data.get("participant_name"):
            raise ValidationError(NAME_REQUIRED.text, field_name="participant_name")


class EnrolmentOut(Schema):
    id = fields.String()
    tenant_id = fields.String(metadata={"description": "the tenant hosting the session"})
    session_id = fields.String()
    course_id = fields.String()
    learner_tenant_id = fields.String()
    user_id = fields.String(allow_none=True)
    guardian_user_id = fields.String(allow_none=True)
    participant_name = fields.String()
    child_age = fields.Integer(allow_none=True)
    groups = fields.List(fields.String())
    status = fields.String(metadata={"description": "enrolled | waitlisted | cancelled"})
    arrival = fields.Integer(metadata={"description": "order in which the request was decided"})
    waitlist_position = fields.Integer(allow_none=True, metadata={"description": "1 = next to be promoted"})
    requested_at = fields.DateTime()
    enrolled_at = fields.DateTime(allow_none=True)
    promoted_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    exam_score = fields.Integer(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "completed | not_completed, once decided"})
    attendance_share = fields.Float(allow_none=True)
    attended_meetings = fields.Integer(allow_none=True)
    meetings_total = fields.Integer(allow_none=True)


EnrolmentList = page_schema(EnrolmentOut, "EnrolmentList")


class EnrolmentListQuery(PageQuery):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    status = fields.String(load_default=None, validate=validate.OneOf(ENROLMENT_STATUSES.values))


class CancelIn(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ExamScoreIn(Schema):
    score = fields.Integer(required=True, validate=validate.Range(0, 100))


# --- attendance --------------------------------------------------------------------------------------------


class CheckinCodeOut(Schema):
    meeting_id = fields.String()
    token = fields.String(metadata={"description": "what the QR code carries; rotates every minute"})
    qr_text = fields.String(metadata={"example": "fengchao://training/check-in?meeting=…&token=…"})
    svg = fields.String(metadata={"description": "the QR code as an SVG document, to show on a screen"})
    rotates_at = fields.DateTime(metadata={"description": "fetch the next code then"})
    valid_until = fields.DateTime(metadata={"description": "a scan after this is refused"})


class CheckInIn(Schema):
    token = fields.String(required=True, validate=validate.Length(1, 100))


class WalkInIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    user_id = PersonId(load_default=None, allow_none=True,
                       metadata={"description": "the person's account in YOUR tenant, if they have one"})


class AttendanceMarkIn(Schema):
    present = fields.List(fields.String(), load_default=list, validate=validate.Length(max=500),
                          metadata={"description": "enrolment ids (of this session, or of another session of the "
                                                   "same course: a make-up)"})
    walk_ins = fields.List(fields.Nested(WalkInIn), load_default=list, validate=validate.Length(max=200))

    @validates_schema
    def _something(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data.get("present") and not data.get("walk_ins"):
            raise ValidationError(MARK_SOMEONE.text, field_name="present")


class AttendanceOut(Schema):
    id = fields.String()
    meeting_id = fields.String()
    session_id = fields.String()
    enrolment_id = fields.String(allow_none=True)
    user_id = fields.String(allow_none=True)
    participant_name = fields.String()
    method = fields.String(metadata={"description": "staff | qr | walk_in"})
    make_up = fields.Boolean()
    attended_at = fields.DateTime()


class AttendanceList(Schema):
    """The attendance a marking recorded."""

    items = fields.List(fields.Nested(AttendanceOut))


AttendancePage = page_schema(AttendanceOut, "AttendancePage")


class AttendanceQuery(PageQuery):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


# --- completion and certificates ------------------------------------------------------------------------------


class CompletionResultOut(Schema):
    enrolment_id = fields.String()
    participant_name = fields.String()
    attended_meetings = fields.Integer()
    meetings_total = fields.Integer()
    attendance_share = fields.Float()
    exam_score = fields.Integer(allow_none=True)
    outcome = fields.String()
    reasons = fields.List(fields.String())
    certificate_id = fields.String(allow_none=True)


class SessionCloseOut(Schema):
    session_id = fields.String()
    completed = fields.Integer()
    not_completed = fields.Integer()
    certificates_issued = fields.Integer()
    results = fields.List(fields.Nested(CompletionResultOut))


class CertificateOut(Schema):
    id = fields.String()
    tenant_id = fields.String(metadata={"description": "the issuing tenant"})
    code = fields.String(metadata={"example": "FC-7K3M-Q9PD-XW2A-K"})
    enrolment_id = fields.String()
    course_id = fields.String()
    course_kind = fields.String()
    learner_tenant_id = fields.String()
    user_id = fields.String(allow_none=True)
    holder_name = fields.String()
    certificate_name = fields.String()
    skill = fields.String(allow_none=True)
    course_title = fields.String()
    exam_score = fields.Integer(allow_none=True)
    issued_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)


CertificateList = page_schema(CertificateOut, "CertificateList")


class RevokeIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(2, 500))


class VerificationOut(Schema):
    """What anyone holding a certificate code may learn, without signing in."""

    code = fields.String()
    status = fields.String(metadata={"description": "valid | expired | revoked"})
    holder = fields.String(metadata={"description": "masked name: the first character and a star for each other",
                                     "example": "L****"})
    certificate_name = fields.String()
    course_title = fields.String()
    issued_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    revoked = fields.Boolean()
    revoked_on = fields.Date(allow_none=True)
    revoked_reason = fields.String(allow_none=True)


class CertificatePdfOut(Schema):
    filename = fields.String()
    content_base64 = fields.String()


# --- mentors and ratings ---------------------------------------------------------------------------------------


class MentorCreate(Schema):
    user_id = PersonId(required=True,
                       metadata={"description": "the mentor's account; they sign in to see their sessions"})
    display_name = fields.String(required=True, validate=validate.Length(1, 50))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                          metadata={"example": "WorldSkills gold-medal coach"})
    organisation = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    specialties = fields.List(fields.String(validate=validate.Length(1, 40)), load_default=list,
                              validate=validate.Length(max=20))
    bio = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    share_with_all = fields.Boolean(load_default=True,
                                    metadata={"description": "show the profile to every tenant (default)"})


class MentorOut(Schema):
    id = fields.String()
    tenant_id = fields.String()
    user_id = fields.String()
    display_name = fields.String()
    title = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    specialties = fields.List(fields.String())
    bio = fields.String(allow_none=True)


MentorList = page_schema(MentorOut, "MentorList")


class MentorListQuery(PageQuery):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class RatingIn(Schema):
    stars = fields.Integer(required=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RatingOut(Schema):
    id = fields.String()
    session_id = fields.String()
    stars = fields.Integer()
    comment = fields.String(allow_none=True)
    created_at = fields.DateTime()


class RatingSummaryItem(Schema):
    session_id = fields.String()
    session_label = fields.String()
    stars = fields.Integer()
    comment = fields.String(allow_none=True)
    created_at = fields.DateTime()


class MentorRatingsOut(Schema):
    """A mentor's ratings, without who gave them."""

    mentor_ids = fields.List(fields.String())
    count = fields.Integer()
    average = fields.Float(allow_none=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer(),
                               metadata={"description": "stars → how many"})
    items = fields.List(fields.Nested(RatingSummaryItem))


# --- figures ------------------------------------------------------------------------------------------------------


class KindFigures(Schema):
    kind = fields.String()
    sessions_held = fields.Integer()
    enrolments = fields.Integer()
    completions = fields.Integer()
    certificates = fields.Integer()


class CertificateFigures(Schema):
    certificate_name = fields.String()
    issued = fields.Integer()
    revoked = fields.Integer()


class TenantFigures(Schema):
    tenant_id = fields.String(allow_none=True, metadata={"description": "null in the all-tenant total"})
    courses_published = fields.Integer()
    sessions_held = fields.Integer(metadata={"description": "sessions whose first meeting has begun"})
    meetings_held = fields.Integer()
    enrolments = fields.Integer(metadata={"description": "enrolled now or before (not cancelled, not waitlisted)"})
    waitlisted = fields.Integer()
    attendances = fields.Integer()
    attendance_rate = fields.Float(allow_none=True,
                                   metadata={"description": "attended ÷ (enrolled × meetings held), per session"})
    completions = fields.Integer()
    certificates_issued = fields.Integer()
    certificates_revoked = fields.Integer()
    by_kind = fields.List(fields.Nested(KindFigures))
    certificates_by_name = fields.List(fields.Nested(CertificateFigures))


class AllTenantFigures(Schema):
    total = fields.Nested(TenantFigures)
    tenants = fields.List(fields.Nested(TenantFigures))


def utc(value: datetime | None) -> datetime | None:
    """An aware datetime in UTC (schemas accept any offset on the wire)."""
    return value.astimezone(UTC) if value is not None else None


# --- class reminders and audiences (the notifications service) --------------------------------------------


class RemindIn(Schema):
    now = _aware(load_default=None, allow_none=True,
                 metadata={"description": "the clock to run at (tests); default: now"})


class RemindOut(Schema):
    reminded = fields.Integer(metadata={"description": "classes announced as due (class_due) by this run"})


class AudienceOut(Schema):
    group = fields.String(metadata={"description": " | ".join(AUDIENCE_GROUPS.values)})
    ref = fields.String()
    user_ids = fields.List(fields.String(), metadata={"description": "the context tenant's own people, sorted"})
