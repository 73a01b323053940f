"""Contracts of the jobs service: RPC payloads and results, and the gateway's OpenAPI document — the gig
market (workers, skills, employers, posts, applications, placements, recommendations), the batches,
job fairs, the labour-rights desk and the figures.

Plain marshmallow: no domain module, model, ORM or nameko here. Enumerated values come from
contracts.messages, examples written in Chinese from services/jobs/data/examples.json.
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, validate, validates_schema

from services.common import contract_fields as fields
from services.common.contracts import PageQuery, PersonId, page_limit, page_schema
from services.jobs.contracts.messages import (
    APPLICATION_STATUSES,
    BENEFITS,
    CASE_CATEGORIES,
    CASE_OUTCOMES,
    CASE_SOURCES,
    CASE_STATUSES,
    CODE_OR_WALK_IN,
    DESK_ROLES,
    EMPLOYER_STATUSES,
    FAIR_KINDS,
    FAIR_STATUSES,
    GROUPS,
    JOB_TYPES,
    NAME_A_TENANT,
    NOT_A_TENANT,
    PAY_PERIODS,
    PHONE_INVALID,
    POST_STATUSES,
    REGISTRATION_SOURCES,
    REGISTRATION_STATUSES,
    SCORE_PARTS,
    START_BEFORE_END,
    UNTIL_AFTER_SINCE,
)

EXAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "examples.json").read_text(encoding="utf-8"))

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


# Mainland mobile numbers: 11 digits starting with 1.
PHONE = validate.Regexp(r"^1\d{10}$", error=PHONE_INVALID.text)


class AvailabilityWindow(Schema):
    """A weekly window the person can work, e.g. a mother's school hours."""

    weekday = fields.Integer(required=True, validate=validate.Range(1, 7), metadata={"description": "1 = Monday"})
    start = fields.String(required=True, validate=validate.Regexp(_TIME), metadata={"example": "09:00"})
    end = fields.String(required=True, validate=validate.Regexp(_TIME), metadata={"example": "15:00"})

    @validates_schema
    def _start_before_end(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "start" in data and "end" in data and data["start"] >= data["end"]:
            raise ValidationError(START_BEFORE_END.text, field_name="end")


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
    groups = fields.List(fields.String(validate=validate.OneOf(GROUPS.values)))
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


class WorkerListQuery(PageQuery):
    limit = page_limit(default=50, maximum=200)


WorkerProfilePage = page_schema(WorkerProfileOut, name="WorkerProfilePage")


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
    name = fields.String(required=True, validate=validate.Length(1, 100),
                         metadata={"example": EXAMPLES["certificate_name"]})
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
    status = fields.String(metadata={"enum": list(EMPLOYER_STATUSES.values)})
    verified_at = fields.DateTime(allow_none=True)
    wages_paid_reports = fields.Integer()
    wages_unpaid_reports = fields.Integer()
    reliability = fields.Float(metadata={"description": "share of wage reports saying paid on time (smoothed)"})
    member_user_ids = fields.List(fields.String())


class EmployerListQuery(PageQuery):
    limit = page_limit(default=500, maximum=500)


EmployerList = page_schema(EmployerOut, name="EmployerList")


class EmployerDecision(Schema):
    status = fields.String(required=True, validate=validate.OneOf(EMPLOYER_STATUSES.values[1:]))


# --- job posts -----------------------------------------------------------------------


class Visibility(Schema):
    """Who sees a post: only the owner's tenant, named tenants, or every tenant of the alliance."""

    scope = fields.String(required=True, validate=validate.OneOf(("own", "tenants", "all")))
    tenants = fields.List(fields.String(validate=validate.Length(1, 64)), load_default=list)

    @validates_schema
    def _tenants_when_named(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("scope") == "tenants" and not data.get("tenants"):
            raise ValidationError(NAME_A_TENANT.text, field_name="tenants")


class JobPostFields(Schema):
    title = fields.String(validate=validate.Length(1, 100))
    description = fields.String(validate=validate.Length(max=4000))
    job_type = fields.String(validate=validate.OneOf(JOB_TYPES.values))
    shifts = fields.List(fields.Nested(AvailabilityWindow), validate=validate.Length(max=21))
    area = fields.String(allow_none=True, validate=validate.Length(max=100))
    lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    lng = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    pay_amount = fields.Integer(validate=validate.Range(1, 1_000_000), metadata={"description": "yuan"})
    pay_period = fields.String(validate=validate.OneOf(PAY_PERIODS.values))
    headcount = fields.Integer(validate=validate.Range(1, 10_000))
    required_skills = fields.List(fields.String(), validate=validate.Length(max=20))
    preferred_skills = fields.List(fields.String(), validate=validate.Length(max=20))
    required_certificates = fields.List(fields.String(), validate=validate.Length(max=10),
                                        metadata={"description": "skill codes a valid certificate must cover"})
    target_groups = fields.List(fields.String(validate=validate.OneOf(GROUPS.values)))
    benefits = fields.List(fields.String(validate=validate.OneOf(BENEFITS.values)))
    expires_at = fields.AwareDateTime(allow_none=True, default_timezone=None)
    wage_follow_up_days = fields.Integer(validate=validate.Range(0, 90))
    visibility = fields.Nested(Visibility)


class JobPostCreate(JobPostFields):
    employer_id = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 100))
    job_type = fields.String(required=True, validate=validate.OneOf(JOB_TYPES.values))
    pay_amount = fields.Integer(required=True, validate=validate.Range(1, 1_000_000))
    pay_period = fields.String(required=True, validate=validate.OneOf(PAY_PERIODS.values))
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
    status = fields.String(metadata={"enum": list(POST_STATUSES.values)})
    closed_reason = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class JobPostQuery(PageQuery):
    limit = page_limit(default=50, maximum=200)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(POST_STATUSES.values))
    job_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(JOB_TYPES.values))
    employer_id = fields.String(load_default=None, allow_none=True)


JobPostPage = page_schema(JobPostOut, name="JobPostPage")


class PostClose(Schema):
    reason = fields.String(load_default="closed by employer", validate=validate.Length(1, 200))


# --- applications and placements ----------------------------------------------------


class ApplicationCreate(Schema):
    post_id = fields.String(required=True)
    fair_id = fields.String(load_default=None, allow_none=True,
                            metadata={"description": "the job fair where the person applied, if any"})


class ApplicationTransition(Schema):
    status = fields.String(required=True, validate=validate.OneOf(APPLICATION_STATUSES.values[1:]))
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


class ApplicationQuery(PageQuery):
    limit = page_limit(default=50, maximum=200)
    post_id = fields.String(load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(APPLICATION_STATUSES.values))


ApplicationList = page_schema(ApplicationOut, name="ApplicationList")


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


class PlacementQuery(PageQuery):
    limit = page_limit(default=200, maximum=200)


PlacementList = page_schema(PlacementOut, name="PlacementList")


class WageAnswer(Schema):
    wages_paid = fields.Boolean(required=True, metadata={"description": "paid on time?"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


# --- recommendations -----------------------------------------------------------------


class RecommendationQuery(Schema):
    job_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(JOB_TYPES.values))
    max_distance_km = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0.1, 200))
    min_daily_pay = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 100000))
    within_my_hours = fields.Boolean(load_default=False,
                                     metadata={"description": "only posts whose shifts fit my availability"})
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class ScorePart(Schema):
    part = fields.String(metadata={"enum": list(SCORE_PARTS.values)})
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
    display_name = fields.String(metadata={"description": "masked: " + EXAMPLES["masked_name"]})
    skills = fields.List(fields.String())
    score = fields.Float()
    distance_km = fields.Float(allow_none=True)
    explanation = fields.List(fields.Nested(ScorePart))


class CandidateRecommendationList(Schema):
    items = fields.List(fields.Nested(CandidateRecommendation))
    considered = fields.Integer()


# --- batches -------------------------------------------------------------------------------------

MAX_BATCH = 500


class PostBatchIn(Schema):
    posts = fields.List(fields.Nested(JobPostCreate), required=True, validate=validate.Length(1, MAX_BATCH))


class PostBatchOut(Schema):
    items = fields.List(fields.Nested(JobPostOut))


class WorkerBatchIn(Schema):
    workers = fields.List(fields.Nested(WorkerProfileCreate), required=True, validate=validate.Length(1, MAX_BATCH))


class WorkerBatchOut(Schema):
    registered = fields.Integer(metadata={"description": "profiles created now"})
    existing = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"description": "user id → the worker profile they already had"})


# --- job fairs, the labour-rights desk, figures --------------------------------------------------

_TENANT = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{1,63}$", error=NOT_A_TENANT.text)


def _when(**kwargs: Any) -> fields.AwareDateTime:
    return fields.AwareDateTime(default_timezone=UTC, **kwargs)


# --- job fairs -----------------------------------------------------------------------


class FairFields(Schema):
    title = fields.String(validate=validate.Length(1, 100), metadata={"example": EXAMPLES["fair_title"]})
    kind = fields.String(validate=validate.OneOf(FAIR_KINDS.values), metadata={"description": "on_site or online"})
    description = fields.String(validate=validate.Length(max=2000))
    starts_at = _when(metadata={"example": "2026-12-05T09:00:00+08:00"})
    ends_at = _when(metadata={"example": "2026-12-05T13:00:00+08:00"})
    venue = fields.String(allow_none=True, validate=validate.Length(1, 200),
                          metadata={"example": EXAMPLES["fair_venue"]})
    online_url = fields.Url(allow_none=True, validate=validate.Length(max=500))
    target_groups = fields.List(fields.String(validate=validate.OneOf(GROUPS.values)), validate=validate.Length(max=10),
                                metadata={"description": "who the fair is for (shown to residents; not enforced)"})
    capacity = fields.Integer(allow_none=True, validate=validate.Range(1, 100000),
                              metadata={"description": "places for pre-registration; null for no limit"})
    audience_tenants = fields.List(fields.String(validate=_TENANT), validate=validate.Length(max=100),
                                   metadata={"description": "communities whose residents may see and register, "
                                                            "besides the organiser's own"})
    audience_everyone = fields.Boolean(metadata={"description": "open to every tenant"})


class FairCreate(FairFields):
    title = fields.String(required=True, validate=validate.Length(1, 100), metadata={"example": EXAMPLES["fair_title"]})
    kind = fields.String(required=True, validate=validate.OneOf(FAIR_KINDS.values))
    starts_at = _when(required=True)
    ends_at = _when(required=True)


class FairUpdate(FairFields):
    pass


class FairCancel(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 200),
                           metadata={"example": EXAMPLES["fair_cancel_reason"]})


class BoothAdd(Schema):
    employer_id = fields.String(required=True, validate=validate.Length(1, 36))
    post_ids = fields.List(fields.String(validate=validate.Length(1, 36)), load_default=list,
                           validate=validate.Length(max=50), metadata={"description": "open posts it brings"})
    booth = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 40),
                          metadata={"example": "A-12"})


class BoothOut(Schema):
    id = fields.String()
    employer_id = fields.String()
    employer_name = fields.String()
    employer_tenant_id = fields.String()
    booth = fields.String(allow_none=True)
    post_ids = fields.List(fields.String())


class FairOutcome(Schema):
    fair_id = fields.String()
    registered = fields.Integer(metadata={"description": "pre-registered places (checked in or not)"})
    cancelled = fields.Integer()
    attendees = fields.Integer(metadata={"description": "checked in at the door, walk-ins included"})
    walk_ins = fields.Integer()
    no_shows = fields.Integer(metadata={"description": "registered, not checked in"})
    attendees_by_community = fields.Dict(keys=fields.String(), values=fields.Integer())
    applications = fields.Integer(metadata={"description": "applications made at the fair"})
    hires = fields.Integer(metadata={"description": "hires among those applications"})
    employers = fields.Integer()
    posts = fields.Integer()


class FairOut(FairFields):
    id = fields.String()
    tenant_id = fields.String(metadata={"description": "the organising tenant"})
    audience = fields.Raw(metadata={"description": '"*" (every tenant) or the list of tenants besides the organiser'})
    status = fields.String(metadata={"enum": list(FAIR_STATUSES.values)})
    cancelled_reason = fields.String(allow_none=True)
    booths = fields.List(fields.Nested(BoothOut))
    outcome = fields.Nested(FairOutcome, allow_none=True, metadata={"description": "frozen when marked held"})
    held_at = fields.DateTime(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class FairListQuery(PageQuery):
    limit = page_limit(default=50, maximum=200)
    when = fields.String(load_default="upcoming", validate=validate.OneOf(("upcoming", "past", "all")))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FAIR_STATUSES.values))


FairPage = page_schema(FairOut, name="FairPage")


class RegistrationOut(Schema):
    id = fields.String()
    fair_id = fields.String()
    fair_tenant_id = fields.String()
    user_id = fields.String(allow_none=True)
    resident_tenant_id = fields.String()
    source = fields.String(metadata={"enum": list(REGISTRATION_SOURCES.values)})
    status = fields.String(metadata={"enum": list(REGISTRATION_STATUSES.values)})
    code = fields.String(allow_none=True, metadata={
        "description": "check-in code (also as a QR code at …/registration/qr); only shown to the resident",
        "example": "K5QW-2MZA-7HPD-XC3N"})
    registered_at = fields.DateTime()
    cancelled_at = fields.DateTime(allow_none=True)
    checked_in_at = fields.DateTime(allow_none=True)


class MyRegistrationOut(RegistrationOut):
    fair = fields.Nested(FairOut(only=("id", "title", "kind", "starts_at", "ends_at", "venue", "online_url",
                                       "status", "tenant_id")))


class MyRegistrationsQuery(PageQuery):
    limit = page_limit(default=200, maximum=200)


MyRegistrations = page_schema(MyRegistrationOut, name="MyRegistrations")


class RegistrationListQuery(PageQuery):
    limit = page_limit(default=100, maximum=500)
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(REGISTRATION_STATUSES.values))


RegistrationPage = page_schema(RegistrationOut, name="RegistrationPage")


class CheckIn(Schema):
    """Either a scanned/typed code, or a walk-in without one."""

    code = fields.String(validate=validate.Length(1, 40), metadata={"example": "K5QW-2MZA-7HPD-XC3N"})
    walk_in = fields.Boolean(load_default=False, metadata={"description": "count someone who did not register"})
    resident_tenant_id = fields.String(allow_none=True, validate=_TENANT,
                                       metadata={"description": "walk-ins: their community, if known"})

    @validates_schema
    def _one_way(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if bool(data.get("code")) == bool(data.get("walk_in")):
            raise ValidationError(CODE_OR_WALK_IN.text, field_name="code")


# --- labour-rights desk --------------------------------------------------------------


class DeskMemberSet(Schema):
    user_id = PersonId(required=True)
    desk_role = fields.String(required=True, validate=validate.OneOf(DESK_ROLES.values))
    title = fields.String(required=True, validate=validate.Length(1, 50),
                          metadata={"example": EXAMPLES["desk_member_title"]})
    active = fields.Boolean(load_default=True)


class DeskMemberOut(Schema):
    id = fields.String()
    user_id = fields.String()
    desk_role = fields.String(metadata={"enum": list(DESK_ROLES.values)})
    title = fields.String()
    active = fields.Boolean()


class DeskMembers(Schema):
    items = fields.List(fields.Nested(DeskMemberOut))


class NoticeQuery(PageQuery):
    limit = page_limit(default=50, maximum=200)
    unacknowledged_only = fields.Boolean(load_default=True,
                                         metadata={"description": "false: the acknowledged ones too"})


class NoticeOut(Schema):
    id = fields.String()
    case_id = fields.String()
    category = fields.String(metadata={"enum": list(CASE_CATEGORIES.values)})
    source = fields.String(metadata={"enum": list(CASE_SOURCES.values),
                                     "description": "placement_follow_up: a worker answered "
                                                                          "that wages were not paid"})
    suggested_desk_role = fields.String(metadata={"enum": list(DESK_ROLES.values)})
    created_at = _when()
    acknowledged_at = _when(allow_none=True)
    acknowledged_by = fields.String(allow_none=True)


class NoticeList(Schema):
    items = fields.List(fields.Nested(NoticeOut))
    next_cursor = fields.String(allow_none=True,
                                metadata={"description": "cursor of the next page; null on the last"})
    waiting = fields.Integer(metadata={"description": "notices nobody has acknowledged yet"})


class CaseOpen(Schema):
    category = fields.String(required=True, validate=validate.OneOf(CASE_CATEGORIES.values))
    summary = fields.String(required=True, validate=validate.Length(1, 4000),
                            metadata={"example": EXAMPLES["case_summary"]})
    source = fields.String(load_default="self", validate=validate.OneOf(CASE_SOURCES.values))
    source_ref = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=64))
    person_user_id = PersonId(allow_none=True, metadata={
        "description": "staff/hotline: the person's account (null for an anonymous caller); omit for yourself"})
    contact_phone = fields.String(allow_none=True, load_default=None, validate=PHONE)


class CaseEntryOut(Schema):
    seq = fields.Integer()
    kind = fields.String(metadata={"enum": ["note", "status", "assignment"]})
    author_user_id = fields.String(allow_none=True)
    body = fields.String()
    visible_to_person = fields.Boolean()
    at = fields.DateTime()


class CaseSummaryOut(Schema):
    id = fields.String()
    tenant_id = fields.String()
    person_user_id = fields.String(allow_none=True)
    category = fields.String(metadata={"enum": list(CASE_CATEGORIES.values)})
    source = fields.String()
    source_ref = fields.String(allow_none=True, metadata={"description": "what the case came from, e.g. the placement"})
    status = fields.String(metadata={"enum": list(CASE_STATUSES.values)})
    suggested_desk_role = fields.String()
    assignee_user_id = fields.String(allow_none=True)
    assignee_desk_role = fields.String(allow_none=True)
    opened_at = fields.DateTime()
    concluded_at = fields.DateTime(allow_none=True)


class CaseOut(CaseSummaryOut):
    summary = fields.String()
    contact_phone = fields.String(allow_none=True)
    source_ref = fields.String(allow_none=True)
    outcome_note = fields.String(allow_none=True)
    referred_to = fields.String(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    entries = fields.List(fields.Nested(CaseEntryOut))


class CaseListQuery(PageQuery):
    limit = page_limit(default=50, maximum=200)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CASE_STATUSES.values))
    category = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CASE_CATEGORIES.values))


CasePage = page_schema(CaseSummaryOut, name="CasePage")


class CaseAssign(Schema):
    assignee_user_id = PersonId(required=True)


class CaseNoteAdd(Schema):
    body = fields.String(required=True, validate=validate.Length(1, 4000))
    visible_to_person = fields.Boolean(load_default=True,
                                       metadata={"description": "false: an internal desk note the person does not see"})


class CaseConclude(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(CASE_OUTCOMES.values))
    note = fields.String(required=True, validate=validate.Length(1, 2000),
                         metadata={"example": EXAMPLES["case_outcome_note"]})
    referred_to = fields.String(allow_none=True, load_default=None, validate=validate.Length(1, 200),
                                metadata={"example": EXAMPLES["case_referred_to"]})


class AccessEntryOut(Schema):
    seq = fields.Integer()
    actor_user_id = fields.String()
    capacity = fields.String(metadata={"enum": ["person", "assignee", "tenant_admin", "opener", "service"]})
    action = fields.String(metadata={"example": "viewed"})
    at = fields.DateTime()


class AccessLogQuery(PageQuery):
    limit = page_limit(default=500, maximum=500)


class AccessLog(Schema):
    case_id = fields.String()
    items = fields.List(fields.Nested(AccessEntryOut))
    next_cursor = fields.String(allow_none=True, metadata={"description": "cursor of the next page; null on the last"})


# --- figures -------------------------------------------------------------------------


class FiguresQuery(Schema):
    since = _when(load_default=None, allow_none=True, metadata={"description": "from (inclusive)"})
    until = _when(load_default=None, allow_none=True, metadata={"description": "to (exclusive)"})

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError(UNTIL_AFTER_SINCE.text, field_name="until")


# What each figure counts, in the order of the answers (services/jobs/figures.py counts them).
FIGURE_MEANINGS: dict[str, str] = {
    "workers_registered": "people registered at the gig market",
    "posts_published": "job posts the tenant published",
    "posts_open": "of those, open now",
    "headcount_offered": "places offered in published posts",
    "fairs_held": "job fairs the tenant organised and held",
    "fairs_upcoming": "published fairs not yet held",
    "fair_attendees": "people checked in at the tenant's fairs, from any community",
    "residents_at_fairs": "the tenant's residents checked in at any fair",
    "applications_received": "applications to the tenant's posts",
    "applications_by_residents": "applications the tenant's residents made, to any post",
    "hires_made": "placements into the tenant's posts",
    "residents_placed": "the tenant's residents placed in work (people, not placements)",
    "wages_unpaid_reports": "follow-ups where the resident said wages were not paid on time",
    "cases_opened": "labour-rights cases opened",
    "cases_in_hand": "cases open, assigned or in progress now",
    "people_helped": "people whose case was resolved or referred on (the desk's 550 so far)",
}

FigureValues = Schema.from_dict(
    {name: fields.Integer(metadata={"description": meaning}) for name, meaning in FIGURE_MEANINGS.items()},
    name="FigureValues")
CasesByCategory = Schema.from_dict({c: fields.Integer() for c in CASE_CATEGORIES}, name="CasesByCategory")


class TenantFigures(Schema):
    tenant_id = fields.String()
    since = fields.DateTime(allow_none=True)
    until = fields.DateTime(allow_none=True)
    figures = fields.Nested(FigureValues)
    cases_by_category = fields.Nested(CasesByCategory)


class TenantFigureRow(Schema):
    tenant_id = fields.String()
    figures = fields.Nested(FigureValues)


class AllTenantFigures(Schema):
    since = fields.DateTime(allow_none=True)
    until = fields.DateTime(allow_none=True)
    tenants = fields.List(fields.Nested(TenantFigureRow))
    totals = fields.Nested(FigureValues)
    cases_by_category = fields.Nested(CasesByCategory)



# --- audiences and reminders (issue 18) ----------------------------------------------------


class AudienceQuery(Schema):
    group = fields.String(required=True, validate=validate.Length(1, 40),
                          metadata={"description": "case_person | fair_registrants | post_applicants"})
    ref = fields.String(required=True, validate=validate.Length(1, 64),
                        metadata={"description": "the case, fair or post id"})


class AudienceOut(Schema):
    group = fields.String()
    ref = fields.String()
    user_ids = fields.List(fields.String())


class RemindersRun(Schema):
    now = _when(load_default=None, allow_none=True,
                metadata={"description": "the clock to run at (for tests); default: now"})


class RemindersOut(Schema):
    now = fields.DateTime()
    wage_follow_ups_due = fields.Integer(metadata={"description": "wage_follow_up_due events announced"})
    fairs_due = fields.Integer(metadata={"description": "fair_due events announced"})
