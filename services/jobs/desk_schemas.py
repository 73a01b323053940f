"""Contracts of job fairs, the labour-rights desk and the figures: RPC payloads and
results, and the gateway's OpenAPI document."""

from __future__ import annotations

from datetime import timezone

from marshmallow import Schema, ValidationError, validate, validates_schema

from services.common import contract_fields as fields
from services.common.contracts import PersonId, page_query, page_schema
from services.jobs.fairs import KINDS, STATUSES as FAIR_STATUSES
from services.jobs.figures import FIGURES, MEANINGS
from services.jobs.rights_desk import CATEGORIES, DESK_ROLES, SOURCES, STATUSES as CASE_STATUSES
from services.jobs.schemas import GROUPS, PHONE

_TENANT = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{1,63}$", error="Not a tenant id")


def _when(**kwargs) -> fields.AwareDateTime:
    return fields.AwareDateTime(default_timezone=timezone.utc, **kwargs)


# --- job fairs -----------------------------------------------------------------------


class FairFields(Schema):
    title = fields.String(validate=validate.Length(1, 100), metadata={"example": "流动党员专场招聘会"})
    kind = fields.String(validate=validate.OneOf(KINDS), metadata={"description": "on_site or online"})
    description = fields.String(validate=validate.Length(max=2000))
    starts_at = _when(metadata={"example": "2026-12-05T09:00:00+08:00"})
    ends_at = _when(metadata={"example": "2026-12-05T13:00:00+08:00"})
    venue = fields.String(allow_none=True, validate=validate.Length(1, 200),
                          metadata={"example": "康桥街道新居民党群服务中心广场"})
    online_url = fields.Url(allow_none=True, validate=validate.Length(max=500))
    target_groups = fields.List(fields.String(validate=validate.OneOf(GROUPS)), validate=validate.Length(max=10),
                                metadata={"description": "who the fair is for (shown to residents; not enforced)"})
    capacity = fields.Integer(allow_none=True, validate=validate.Range(1, 100000),
                              metadata={"description": "places for pre-registration; null for no limit"})
    audience_tenants = fields.List(fields.String(validate=_TENANT), validate=validate.Length(max=100),
                                   metadata={"description": "communities whose residents may see and register, "
                                                            "besides the organiser's own"})
    audience_everyone = fields.Boolean(metadata={"description": "open to every tenant"})


class FairCreate(FairFields):
    title = fields.String(required=True, validate=validate.Length(1, 100), metadata={"example": "流动党员专场招聘会"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    starts_at = _when(required=True)
    ends_at = _when(required=True)


class FairUpdate(FairFields):
    pass


class FairCancel(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 200), metadata={"example": "台风预警，改期举办"})


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
    status = fields.String(metadata={"enum": list(FAIR_STATUSES)})
    cancelled_reason = fields.String(allow_none=True)
    booths = fields.List(fields.Nested(BoothOut))
    outcome = fields.Nested(FairOutcome, allow_none=True, metadata={"description": "frozen when marked held"})
    held_at = fields.DateTime(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class FairListQuery(page_query(default=50, maximum=200)):
    when = fields.String(load_default="upcoming", validate=validate.OneOf(("upcoming", "past", "all")))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FAIR_STATUSES))


class FairPage(page_schema(FairOut)):
    pass


class RegistrationOut(Schema):
    id = fields.String()
    fair_id = fields.String()
    fair_tenant_id = fields.String()
    user_id = fields.String(allow_none=True)
    resident_tenant_id = fields.String()
    source = fields.String(metadata={"enum": ["pre_registered", "walk_in"]})
    status = fields.String(metadata={"enum": ["registered", "cancelled", "checked_in"]})
    code = fields.String(allow_none=True, metadata={
        "description": "check-in code (also as a QR code at …/registration/qr); only shown to the resident",
        "example": "K5QW-2MZA-7HPD-XC3N"})
    registered_at = fields.DateTime()
    cancelled_at = fields.DateTime(allow_none=True)
    checked_in_at = fields.DateTime(allow_none=True)


class MyRegistrationOut(RegistrationOut):
    fair = fields.Nested(FairOut(only=("id", "title", "kind", "starts_at", "ends_at", "venue", "online_url",
                                       "status", "tenant_id")))


class MyRegistrationsQuery(page_query(default=200, maximum=200)):
    pass


class MyRegistrations(page_schema(MyRegistrationOut)):
    pass


class RegistrationListQuery(page_query(default=100, maximum=500)):
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(("registered", "cancelled", "checked_in")))


class RegistrationPage(page_schema(RegistrationOut)):
    pass


class CheckIn(Schema):
    """Either a scanned/typed code, or a walk-in without one."""

    code = fields.String(validate=validate.Length(1, 40), metadata={"example": "K5QW-2MZA-7HPD-XC3N"})
    walk_in = fields.Boolean(load_default=False, metadata={"description": "count someone who did not register"})
    resident_tenant_id = fields.String(allow_none=True, validate=_TENANT,
                                       metadata={"description": "walk-ins: their community, if known"})

    @validates_schema
    def _one_way(self, data, **_kwargs):
        if bool(data.get("code")) == bool(data.get("walk_in")):
            raise ValidationError("Send either a code or walk_in: true", field_name="code")


# --- labour-rights desk --------------------------------------------------------------


class DeskMemberSet(Schema):
    user_id = PersonId(required=True)
    desk_role = fields.String(required=True, validate=validate.OneOf(DESK_ROLES))
    title = fields.String(required=True, validate=validate.Length(1, 50), metadata={"example": "王律师"})
    active = fields.Boolean(load_default=True)


class DeskMemberOut(Schema):
    id = fields.String()
    user_id = fields.String()
    desk_role = fields.String(metadata={"enum": list(DESK_ROLES)})
    title = fields.String()
    active = fields.Boolean()


class DeskMembers(Schema):
    items = fields.List(fields.Nested(DeskMemberOut))


class NoticeQuery(page_query(default=50, maximum=200)):
    unacknowledged_only = fields.Boolean(load_default=True,
                                         metadata={"description": "false: the acknowledged ones too"})


class NoticeOut(Schema):
    id = fields.String()
    case_id = fields.String()
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    source = fields.String(metadata={"enum": list(SOURCES), "description": "placement_follow_up: a worker answered "
                                                                          "that wages were not paid"})
    suggested_desk_role = fields.String(metadata={"enum": list(DESK_ROLES)})
    created_at = _when()
    acknowledged_at = _when(allow_none=True)
    acknowledged_by = fields.String(allow_none=True)


class NoticeList(page_schema(NoticeOut)):
    waiting = fields.Integer(metadata={"description": "notices nobody has acknowledged yet"})


class CaseOpen(Schema):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    summary = fields.String(required=True, validate=validate.Length(1, 4000),
                            metadata={"example": "在某物流园做分拣两周，工资至今未结 / two weeks of sorting, unpaid"})
    source = fields.String(load_default="self", validate=validate.OneOf(SOURCES))
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
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    source = fields.String()
    source_ref = fields.String(allow_none=True, metadata={"description": "what the case came from, e.g. the placement"})
    status = fields.String(metadata={"enum": list(CASE_STATUSES)})
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


class CaseListQuery(page_query(default=50, maximum=200)):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CASE_STATUSES))
    category = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CATEGORIES))


class CasePage(page_schema(CaseSummaryOut)):
    pass


class CaseAssign(Schema):
    assignee_user_id = PersonId(required=True)


class CaseNoteAdd(Schema):
    body = fields.String(required=True, validate=validate.Length(1, 4000))
    visible_to_person = fields.Boolean(load_default=True,
                                       metadata={"description": "false: an internal desk note the person does not see"})


class CaseConclude(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(("resolved", "referred", "closed")))
    note = fields.String(required=True, validate=validate.Length(1, 2000),
                         metadata={"example": "经调解，企业已于12月9日结清工资 / wages paid after mediation"})
    referred_to = fields.String(allow_none=True, load_default=None, validate=validate.Length(1, 200),
                                metadata={"example": "区劳动人事争议仲裁院"})


class AccessEntryOut(Schema):
    seq = fields.Integer()
    actor_user_id = fields.String()
    capacity = fields.String(metadata={"enum": ["person", "assignee", "tenant_admin", "opener"]})
    action = fields.String(metadata={"example": "viewed"})
    at = fields.DateTime()


class AccessLog(Schema):
    case_id = fields.String()
    items = fields.List(fields.Nested(AccessEntryOut))


# --- figures -------------------------------------------------------------------------


class FiguresQuery(Schema):
    since = _when(load_default=None, allow_none=True, metadata={"description": "from (inclusive)"})
    until = _when(load_default=None, allow_none=True, metadata={"description": "to (exclusive)"})

    @validates_schema
    def _ordered(self, data, **_kwargs):
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError("until must be after since", field_name="until")


FigureValues = Schema.from_dict(
    {f.name: fields.Integer(metadata={"description": MEANINGS[f.name]}) for f in FIGURES}, name="FigureValues")
CasesByCategory = Schema.from_dict({c: fields.Integer() for c in CATEGORIES}, name="CasesByCategory")


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
