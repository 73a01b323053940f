"""Contracts of the jobs service: RPC payloads and results, and the gateway's OpenAPI."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, validate, validates_schema

from services.common import contract_fields as fields

from services.common.contracts import PersonId, page_query, page_schema

GROUPS = ("older_job_seeker", "full_time_mother", "veteran", "party_member", "floating_party_member", "courier")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Mainland mobile numbers: 11 digits starting with 1.
PHONE = validate.Regexp(r"^1\d{10}$", error="请输入11位手机号 / Enter an 11-digit mobile number")


class AvailabilityWindow(Schema):
    """A weekly window the person can work, e.g. a mother's school hours."""

    weekday = fields.Integer(required=True, validate=validate.Range(1, 7), metadata={"description": "1 = Monday"})
    start = fields.String(required=True, validate=validate.Regexp(_TIME), metadata={"example": "09:00"})
    end = fields.String(required=True, validate=validate.Regexp(_TIME), metadata={"example": "15:00"})

    @validates_schema
    def _start_before_end(self, data, **_kwargs):
        if "start" in data and "end" in data and data["start"] >= data["end"]:
            raise ValidationError("start must be before end", field_name="end")


class WorkerProfileFields(Schema):
    display_name = fields.String(validate=validate.Length(1, 50))
    phone = fields.String(validate=PHONE)
    skills = fields.List(fields.String(validate=validate.Length(1, 40)), validate=validate.Length(max=30))
    availability = fields.List(fields.Nested(AvailabilityWindow), validate=validate.Length(max=21))
    home_area = fields.String(allow_none=True, validate=validate.Length(max=100))
    home_lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    home_lng = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    commute_radius_km = fields.Float(validate=validate.Range(0.5, 100))
    expected_daily_pay = fields.Integer(allow_none=True, validate=validate.Range(0, 100000),
                                        metadata={"description": "yuan per day"})
    groups = fields.List(fields.String(validate=validate.OneOf(GROUPS)))
    consent_recommendations = fields.Boolean()


class WorkerProfileCreate(WorkerProfileFields):
    display_name = fields.String(required=True, validate=validate.Length(1, 50))
    phone = fields.String(required=True, validate=PHONE)
    on_behalf_of_user_id = PersonId(
        allow_none=True,
        metadata={"description": "Staff only: the account of the person being registered, or null for someone "
                                 "without an account. Omit to register yourself."},
    )


class WorkerProfileUpdate(WorkerProfileFields):
    expected_version = fields.Integer(
        load_default=None, allow_none=True,
        metadata={"description": "If given, the update is refused with 409 when the profile changed since."},
    )


class WorkerProfileOut(WorkerProfileFields):
    phone = fields.String(metadata={"description": "11-digit mobile number; empty once the person's data was "
                                                   "erased at their request"})
    id = fields.String()
    tenant_id = fields.String()
    user_id = fields.String(allow_none=True)
    registered_by = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class WorkerListQuery(page_query(default=50, maximum=200)):
    pass


class WorkerProfilePage(page_schema(WorkerProfileOut)):
    pass


# --- skills and certificates -------------------------------------------------------


class SkillOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    category = fields.String()


class SkillCreate(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,39}$"))
    name_zh = fields.String(required=True, validate=validate.Length(1, 40))
    name_en = fields.String(required=True, validate=validate.Length(1, 80))
    category = fields.String(load_default="other", validate=validate.Length(1, 40))


class SkillList(Schema):
    items = fields.List(fields.Nested(SkillOut))


class CertificateCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100), metadata={"example": "快递员证"})
    skill = fields.String(load_default=None, allow_none=True, metadata={"description": "skill code or name"})
    number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    issued_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)


class CertificateOut(Schema):
    id = fields.String()
    worker_id = fields.String()
    name = fields.String()
    skill = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    issued_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    valid = fields.Boolean(metadata={"description": "not expired today"})
    source = fields.String(metadata={"description": "self (declared) or training (issued by the training service)"})


class CertificateList(Schema):
    items = fields.List(fields.Nested(CertificateOut))


# --- employers ---------------------------------------------------------------------


class EmployerCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    industrial_park = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    member_user_ids = fields.List(PersonId(), load_default=list,
                                  validate=validate.Length(max=50),
                                  metadata={"description": "accounts (role employer) that act for it"})


class EmployerOut(Schema):
    id = fields.String()
    tenant_id = fields.String()
    name = fields.String()
    industrial_park = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending | verified | suspended"})
    verified_at = fields.DateTime(allow_none=True)
    wages_paid_reports = fields.Integer()
    wages_unpaid_reports = fields.Integer()
    reliability = fields.Float(metadata={"description": "share of wage reports saying paid on time (smoothed)"})
    member_user_ids = fields.List(fields.String())


class EmployerListQuery(page_query(default=500, maximum=500)):
    pass


class EmployerList(page_schema(EmployerOut)):
    pass


class EmployerDecision(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("verified", "suspended")))


# --- job posts -----------------------------------------------------------------------

JOB_TYPES = ("gig", "part_time", "full_time")
PAY_PERIODS = ("hour", "day", "month", "piece")
BENEFITS = ("meals", "dorm", "insurance", "transport", "training")
POST_STATUSES = ("draft", "open", "filled", "closed", "expired")


class Visibility(Schema):
    """Who sees a post: only the owner's tenant, named tenants, or every tenant of the alliance."""

    scope = fields.String(required=True, validate=validate.OneOf(("own", "tenants", "all")))
    tenants = fields.List(fields.String(validate=validate.Length(1, 64)), load_default=list)

    @validates_schema
    def _tenants_when_named(self, data, **_kwargs):
        if data.get("scope") == "tenants" and not data.get("tenants"):
            raise ValidationError("name at least one tenant", field_name="tenants")


class JobPostFields(Schema):
    title = fields.String(validate=validate.Length(1, 100))
    description = fields.String(validate=validate.Length(max=4000))
    job_type = fields.String(validate=validate.OneOf(JOB_TYPES))
    shifts = fields.List(fields.Nested(AvailabilityWindow), validate=validate.Length(max=21))
    area = fields.String(allow_none=True, validate=validate.Length(max=100))
    lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    lng = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    pay_amount = fields.Integer(validate=validate.Range(1, 1_000_000), metadata={"description": "yuan"})
    pay_period = fields.String(validate=validate.OneOf(PAY_PERIODS))
    headcount = fields.Integer(validate=validate.Range(1, 10_000))
    required_skills = fields.List(fields.String(), validate=validate.Length(max=20))
    preferred_skills = fields.List(fields.String(), validate=validate.Length(max=20))
    required_certificates = fields.List(fields.String(), validate=validate.Length(max=10),
                                        metadata={"description": "skill codes a valid certificate must cover"})
    target_groups = fields.List(fields.String(validate=validate.OneOf(GROUPS)))
    benefits = fields.List(fields.String(validate=validate.OneOf(BENEFITS)))
    expires_at = fields.AwareDateTime(allow_none=True, default_timezone=None)
    wage_follow_up_days = fields.Integer(validate=validate.Range(0, 90))
    visibility = fields.Nested(Visibility)


class JobPostCreate(JobPostFields):
    employer_id = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 100))
    job_type = fields.String(required=True, validate=validate.OneOf(JOB_TYPES))
    pay_amount = fields.Integer(required=True, validate=validate.Range(1, 1_000_000))
    pay_period = fields.String(required=True, validate=validate.OneOf(PAY_PERIODS))
    headcount = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    visibility = fields.Nested(Visibility, load_default=lambda: {"scope": "own", "tenants": []})


class JobPostUpdate(JobPostFields):
    pass


class JobPostOut(JobPostFields):
    id = fields.String()
    tenant_id = fields.String()
    employer_id = fields.String()
    employer_name = fields.String()
    hired_count = fields.Integer()
    status = fields.String(metadata={"description": "draft | open | filled | closed | expired"})
    closed_reason = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class JobPostQuery(page_query(default=50, maximum=200)):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(POST_STATUSES))
    job_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(JOB_TYPES))
    employer_id = fields.String(load_default=None, allow_none=True)


class JobPostPage(page_schema(JobPostOut)):
    pass


class PostClose(Schema):
    reason = fields.String(load_default="closed by employer", validate=validate.Length(1, 200))


# --- applications and placements ----------------------------------------------------

APPLICATION_STATUSES = ("applied", "shortlisted", "interview", "offered", "hired", "rejected", "withdrawn")


class ApplicationCreate(Schema):
    post_id = fields.String(required=True)
    fair_id = fields.String(load_default=None, allow_none=True,
                            metadata={"description": "the job fair where the person applied, if any"})


class ApplicationTransition(Schema):
    status = fields.String(required=True, validate=validate.OneOf(APPLICATION_STATUSES[1:]))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ApplicationChangeOut(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_user_id = fields.String()
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class ApplicationOut(Schema):
    id = fields.String()
    tenant_id = fields.String(metadata={"description": "the post's tenant, where the application is worked"})
    post_id = fields.String()
    post_title = fields.String()
    employer_name = fields.String()
    applicant_user_id = fields.String()
    applicant_tenant_id = fields.String()
    applicant = fields.Dict(metadata={"description": "what the person shows the employer; the phone number is "
                                                     "masked until the interview stage"})
    status = fields.String()
    rejection_reason = fields.String(allow_none=True)
    fair_id = fields.String(allow_none=True)
    history = fields.List(fields.Nested(ApplicationChangeOut))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ApplicationQuery(page_query(default=50, maximum=200)):
    post_id = fields.String(load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(APPLICATION_STATUSES))


class ApplicationList(page_schema(ApplicationOut)):
    pass


class PlacementOut(Schema):
    id = fields.String()
    tenant_id = fields.String()
    application_id = fields.String()
    post_id = fields.String()
    employer_id = fields.String()
    worker_user_id = fields.String()
    worker_tenant_id = fields.String()
    started_at = fields.DateTime()
    follow_up_due_at = fields.DateTime()
    wages_paid = fields.Boolean(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    case_id = fields.String(allow_none=True)


class PlacementQuery(page_query(default=200, maximum=200)):
    pass


class PlacementList(page_schema(PlacementOut)):
    pass


class WageAnswer(Schema):
    wages_paid = fields.Boolean(required=True, metadata={"description": "工资是否按时发放 / paid on time?"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


# --- recommendations -----------------------------------------------------------------


class RecommendationQuery(Schema):
    job_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(JOB_TYPES))
    max_distance_km = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0.1, 200))
    min_daily_pay = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 100000))
    within_my_hours = fields.Boolean(load_default=False,
                                     metadata={"description": "only posts whose shifts fit my availability"})
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class ScorePart(Schema):
    part = fields.String(metadata={"description": "skills | certificates | schedule | distance | pay | groups"})
    score = fields.Float()
    weight = fields.Float()
    matched = fields.List(fields.String())
    missing = fields.List(fields.String())
    note = fields.String()


class PostRecommendation(Schema):
    post = fields.Nested(JobPostOut)
    score = fields.Float()
    distance_km = fields.Float(allow_none=True)
    explanation = fields.List(fields.Nested(ScorePart))


class PostRecommendationList(Schema):
    items = fields.List(fields.Nested(PostRecommendation))
    considered = fields.Integer(metadata={"description": "open posts visible to you that were scored"})


class CandidateRecommendation(Schema):
    worker_id = fields.String()
    worker_tenant_id = fields.String()
    display_name = fields.String(metadata={"description": "masked: 王**"})
    skills = fields.List(fields.String())
    score = fields.Float()
    distance_km = fields.Float(allow_none=True)
    explanation = fields.List(fields.Nested(ScorePart))


class CandidateRecommendationList(Schema):
    items = fields.List(fields.Nested(CandidateRecommendation))
    considered = fields.Integer()
