"""Contracts of the points service: RPC payloads and results, and the gateway's OpenAPI.

Plain marshmallow: no domain module, model, ORM or nameko is imported here (the gateway reads these)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from marshmallow import Schema, validate

from services.common import contract_fields as fields
from services.common.contracts import PageQuery, PersonId, page_limit, page_schema
from services.points.contracts.messages import (
    AUDIENCE_GROUPS,
    CATEGORIES,
    EVENT_TYPES,
    PERIODS,
    REDEMPTION_STATUSES,
    REQUEST_STATUSES,
    WHOLE_POINTS,
)

MAX_AMOUNT = 1_000_000  # the most points one award may give
MAX_BATCH = 1000  # the most awards in one batch

_WHOLE = WHOLE_POINTS.text  # a field message: the gateway translates it through the catalogue


def Points(minimum: int = 1, maximum: int = MAX_AMOUNT, **kwargs: Any) -> fields.Integer:  # a field factory
    """Whole points only: `strict` refuses 1.5 and "5" alike."""
    return fields.Integer(strict=True, validate=validate.Range(minimum, maximum, error=_WHOLE), **kwargs)


def When(**kwargs: Any) -> fields.AwareDateTime:  # a field factory
    """A moment; a time without zone is read as UTC."""
    return fields.AwareDateTime(default_timezone=UTC, **kwargs)


def Category(**kwargs: Any) -> fields.String:  # a field factory
    return fields.String(validate=validate.OneOf(CATEGORIES.values), **kwargs)
def TenantId(**kwargs: Any) -> fields.String:  # a field factory
    return fields.String(validate=validate.Length(1, 64), **kwargs)


# --- settings ------------------------------------------------------------------------


class SettingsUpdate(Schema):
    approval_threshold = Points(minimum=1, metadata={"description": "Manual awards above this need a second "
                                                                    "staff member's approval"})
    expiry_months = fields.Integer(strict=True, validate=validate.Range(1, 120))
    expiry_notice_days = fields.Integer(strict=True, validate=validate.Range(1, 180))
    voucher_minutes = fields.Integer(strict=True, validate=validate.Range(1, 7 * 24 * 60))


class SettingsOut(SettingsUpdate):
    tenant_id = fields.String()
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime()


# --- accounts and statements ---------------------------------------------------------


class ExpiringPoints(Schema):
    expires_at = fields.DateTime()
    amount = fields.Integer()


class AccountSummary(Schema):
    """A person's account: `available` can be spent; `held` is reserved for open vouchers."""

    tenant_id = fields.String()
    user_id = fields.String()
    account_id = fields.String(allow_none=True)
    available = fields.Integer()
    held = fields.Integer()
    total = fields.Integer(metadata={"description": "available + held"})
    upcoming_expiry = fields.List(fields.Nested(ExpiringPoints))
    expiry_paused_until = fields.DateTime(allow_none=True)
    show_on_board = fields.Boolean()
    board_name = fields.String(allow_none=True)


class StatementQuery(PageQuery):
    limit = page_limit(default=50, maximum=200)
    """`limit` and `after`, an opaque cursor (the previous page's `next_cursor`)."""


class StatementEntry(Schema):
    seq = fields.Integer()
    amount = fields.Integer(metadata={"description": "signed: + in, − out"})
    balance_after = fields.Integer(allow_none=True)
    posting_id = fields.String()
    trace_number = fields.String()
    kind = fields.String()
    category = fields.String(allow_none=True)
    memo = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    created_at = fields.DateTime()


StatementPage = page_schema(StatementEntry, "StatementPage")


# --- postings, awards, reversals -------------------------------------------------------


class EntryOut(Schema):
    account_id = fields.String()
    account_kind = fields.String()
    owner_id = fields.String(allow_none=True)
    amount = fields.Integer()


class PostingOut(Schema):
    id = fields.String()
    trace_number = fields.String()
    kind = fields.String(metadata={"description": "award | reversal | hold | release | settlement | expiry"})
    source = fields.String()
    amount = fields.Integer()
    user_id = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    rule_id = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    reverses_id = fields.String(allow_none=True)
    reversed_by = fields.String(allow_none=True)
    memo = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    created_at = fields.DateTime()
    entries = fields.List(fields.Nested(EntryOut))


class ManualAwardIn(Schema):
    user_id = PersonId(required=True, metadata={"description": "The person's account id"})
    amount = Points(required=True)
    category = Category(required=True)
    reason = fields.String(required=True, validate=validate.Length(2, 500))
    occurred_at = When(load_default=None, allow_none=True, metadata={"description": "When the act happened "
                                                                                    "(default: now)"})
    idempotency_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200),
                                    metadata={"description": "The same key returns the first result"})


class AwardRequestOut(Schema):
    id = fields.String()
    user_id = fields.String()
    amount = fields.Integer()
    category = fields.String()
    reason = fields.String()
    status = fields.String(metadata={"description": " | ".join(REQUEST_STATUSES.values)})
    requested_by = fields.String()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)
    posting_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class AwardOutcome(Schema):
    outcome = fields.String(metadata={"description": "posted (201) | pending approval (202)"})
    posting = fields.Nested(PostingOut, allow_none=True)
    request = fields.Nested(AwardRequestOut, allow_none=True)


class AwardRequestQuery(PageQuery):
    limit = page_limit(default=50, maximum=200)
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(REQUEST_STATUSES.values))


AwardRequestList = page_schema(AwardRequestOut, "AwardRequestList")


class DecisionIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ReversalIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(2, 500))


# --- earning rules -------------------------------------------------------------------


class RuleFields(Schema):
    name = fields.String(validate=validate.Length(1, 100))
    event_type = fields.String(validate=validate.OneOf(EVENT_TYPES.values))
    match = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.Length(1, 100)),
                        load_default=None, allow_none=True,
                        metadata={"description": "Fields the event must have, e.g. {\"course_kind\": \"first_aid\"}"})
    category = Category()
    points = Points(maximum=10_000, allow_none=True, metadata={"description": "Fixed points per act"})
    points_per_hour = Points(maximum=1_000, allow_none=True, metadata={"description": "For duties: per hour"})
    daily_cap = Points(maximum=100_000, allow_none=True, metadata={"description": "Most a person earns by "
                                                                                  "this rule in a day"})
    monthly_cap = Points(maximum=1_000_000, allow_none=True)
    active = fields.Boolean()


class RuleIn(RuleFields):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    event_type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES.values))
    category = Category(required=True)


class RuleOut(RuleFields):
    id = fields.String()
    tenant_id = fields.String()
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()


class RuleQuery(PageQuery):
    limit = page_limit(default=500, maximum=500)


RuleList = page_schema(RuleOut, "RuleList")


# --- honour board --------------------------------------------------------------------


class BoardQuery(Schema):
    period = fields.String(load_default="month", validate=validate.OneOf(PERIODS.values))
    category = Category(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class BoardEntry(Schema):
    rank = fields.Integer()
    display_name = fields.String(allow_none=True, metadata={
        "description": "the name the person chose for the board, else their display name; never an account id"})
    board_name = fields.String(allow_none=True)
    points = fields.Integer()
    acts = fields.Integer()


class BoardOut(Schema):
    period = fields.String()
    category = fields.String(allow_none=True)
    starts_at = fields.DateTime(allow_none=True)
    entries = fields.List(fields.Nested(BoardEntry))


class PreferencesIn(Schema):
    show_on_board = fields.Boolean()
    board_name = fields.String(allow_none=True, validate=validate.Length(1, 30))


class PreferencesOut(PreferencesIn):
    user_id = fields.String()


# --- expiry --------------------------------------------------------------------------


class PauseIn(Schema):
    user_id = PersonId(required=True)
    starts_at = When(required=True)
    ends_at = When(required=True)
    reason = fields.String(required=True, validate=validate.Length(2, 200))


class PauseOut(PauseIn):
    id = fields.String()
    lots_extended = fields.Integer()
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()


class PauseQuery(PageQuery):
    limit = page_limit(default=200, maximum=200)
    user_id = fields.String(load_default=None, allow_none=True)


PauseList = page_schema(PauseOut, "PauseList")


class HousekeepingIn(Schema):
    now = When(load_default=None, allow_none=True, metadata={
        "description": "The settable clock, for tests: run as if it were this moment. Reminders and notices "
                       "follow it; releases and expiry never run ahead of the real clock."})


class RunOut(Schema):
    """What one housekeeping run did in the tenant."""

    vouchers_reminded = fields.Integer(metadata={"description": "redemption_expiring announced"})
    vouchers_expired = fields.Integer()
    notices_sent = fields.Integer()
    people_expired = fields.Integer()
    points_expired = fields.Integer()


# --- merchants and catalogue ---------------------------------------------------------


class MerchantFields(Schema):
    name = fields.String(validate=validate.Length(1, 100))
    category = fields.String(validate=validate.Length(1, 40), metadata={"example": "food"})
    address = fields.String(allow_none=True, validate=validate.Length(max=200))
    # Not PersonId: a merchant's till confirms vouchers with an API key, whose id is listed here too,
    # and services do not hold the gateway's keys; an id that is neither confirms nothing.
    operator_user_ids = fields.List(fields.String(validate=validate.Length(1, 36)), validate=validate.Length(max=20),
                                    metadata={"description": "Accounts (role merchant) or till API keys that "
                                                             "confirm vouchers"})
    accepts_tenants = fields.List(TenantId(), validate=validate.Length(max=20),
                                  metadata={"description": "Partner tenants whose residents may redeem here "
                                                           "(each needs an agreement in force)"})
    active = fields.Boolean()


class MerchantIn(MerchantFields):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    category = fields.String(required=True, validate=validate.Length(1, 40))


class MerchantOut(MerchantFields):
    id = fields.String()
    tenant_id = fields.String()
    accepts_tenants = fields.Method("_accepts")  # type: ignore[assignment]  # computed on the way out
    created_at = fields.DateTime()

    def _accepts(self, merchant: Any) -> list[str]:
        # the merchant's audience (services.common.database.Shareable): "" own tenant, "*" all, ",t1,t2,"
        audience = merchant.audience or ""
        return [] if audience == "*" else [t for t in audience.split(",") if t]


class MerchantQuery(PageQuery):
    limit = page_limit(default=500, maximum=500)
    mine = fields.Boolean(load_default=False, metadata={"description": "Only merchants I operate"})


MerchantList = page_schema(MerchantOut, "MerchantList")


class CatalogueItemFields(Schema):
    name = fields.String(validate=validate.Length(1, 100))
    description = fields.String(allow_none=True, validate=validate.Length(max=500))
    price_points = Points(maximum=100_000)
    stock = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, 1_000_000),
                           metadata={"description": "null: not limited"})
    limit_per_person = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 1000))
    active = fields.Boolean()


class CatalogueItemIn(CatalogueItemFields):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    price_points = Points(maximum=100_000, required=True)


class CatalogueItemOut(CatalogueItemFields):
    id = fields.String()
    tenant_id = fields.String()
    merchant_id = fields.String()
    merchant_name = fields.String()
    created_at = fields.DateTime()


class CatalogueQuery(PageQuery):
    limit = page_limit(default=500, maximum=500)
    merchant_id = fields.String(load_default=None, allow_none=True)


CatalogueItemList = page_schema(CatalogueItemOut, "CatalogueItemList")


# --- redemption ----------------------------------------------------------------------


class RedemptionIn(Schema):
    item_id = fields.String(required=True, validate=validate.Length(1, 36))
    quantity = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 20))


class RedemptionOut(Schema):
    id = fields.String()
    code = fields.String(metadata={"description": "The voucher code the merchant scans or types"})
    tenant_id = fields.String()
    user_id = fields.String()
    merchant_id = fields.String()
    merchant_tenant_id = fields.String()
    item_id = fields.String()
    item_name = fields.String()
    quantity = fields.Integer()
    points = fields.Integer()
    status = fields.String(metadata={"description": " | ".join(REDEMPTION_STATUSES.values)})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    qr_svg = fields.String(metadata={"description": "The voucher's QR code (SVG data URI), for its owner while "
                                                    "pending"})


class RedemptionQuery(PageQuery):
    limit = page_limit(default=50, maximum=200)
    merchant_id = fields.String(load_default=None, allow_none=True,
                                metadata={"description": "Those made at a merchant you operate"})
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(REDEMPTION_STATUSES.values))
    before = fields.String(load_default=None, allow_none=True,
                           metadata={"description": "opaque cursor: the `next_cursor` of the previous page "
                                                    "(the same as `after`)"})


RedemptionPage = page_schema(RedemptionOut, "RedemptionPage")


class MerchantStatementQuery(PageQuery):
    limit = page_limit(default=100, maximum=500)
    since = When(load_default=None, allow_none=True)
    until = When(load_default=None, allow_none=True)


class MerchantStatementOut(Schema):
    merchant_id = fields.String()
    balance = fields.Integer()
    since = fields.DateTime(allow_none=True)
    until = fields.DateTime(allow_none=True)
    total_points = fields.Integer()
    settlements = fields.Integer()
    items = fields.List(fields.Nested(StatementEntry(only=("seq", "amount", "balance_after", "posting_id",
                                                          "trace_number", "kind", "reference", "memo",
                                                          "created_at"))))
    next_cursor = fields.String(allow_none=True, metadata={"description": "cursor of the next page; null on the last"})


# --- agreements, figures, check --------------------------------------------------------


class AgreementIn(Schema):
    active = fields.Boolean(required=True, metadata={"description": "true: we consent; false: we withdraw"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class AgreementOut(Schema):
    partner_tenant_id = fields.String()
    we_consent = fields.Boolean()
    partner_consents = fields.Boolean()
    in_force = fields.Boolean()
    note = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class AgreementList(Schema):
    items = fields.List(fields.Nested(AgreementOut))


class FiguresOut(Schema):
    tenant_id = fields.String()
    issued = fields.Integer()
    reversed = fields.Integer()
    redeemed = fields.Integer()
    expired = fields.Integer()
    held = fields.Integer()
    outstanding = fields.Integer(metadata={"description": "What residents can still spend"})
    received_by_merchants = fields.Integer()
    members = fields.Integer()
    acts = fields.Integer()
    clearing = fields.Dict(keys=fields.String(), values=fields.Integer(),
                           metadata={"description": "Per partner tenant: + they owe us, − we owe them"})


class AllFiguresOut(Schema):
    tenants = fields.List(fields.Nested(FiguresOut))


class LedgerCheckProblem(Schema):
    problem = fields.String()
    tenant_id = fields.String()
    account_id = fields.String()
    posting_id = fields.String()
    balance = fields.Integer()
    entries = fields.Integer()
    lots = fields.Integer()
    balance_after = fields.Integer()
    sum = fields.Integer()
    legs = fields.Integer()


class LedgerCheckOut(Schema):
    ok = fields.Boolean()
    accounts = fields.Integer()
    postings = fields.Integer()
    problems = fields.List(fields.Nested(LedgerCheckProblem))


# --- awards in batches -------------------------------------------------------------------


class KeyedAwardIn(ManualAwardIn):
    # In a batch every award names its key, so a rerun of the batch awards nothing twice.
    idempotency_key = fields.String(required=True, validate=validate.Length(1, 200))


class AwardBatchIn(Schema):
    awards = fields.List(fields.Nested(KeyedAwardIn), required=True, validate=validate.Length(1, MAX_BATCH))


class AwardBatchOut(Schema):
    posted = fields.Integer(metadata={"description": "awards posted now"})
    pending = fields.Integer(metadata={"description": "awards above the threshold, waiting for a second staff member"})
    unchanged = fields.Integer(metadata={"description": "keys used before: answered with the first result"})


# --- audiences (who a message goes to) ----------------------------------------------------


class AudienceQuery(Schema):
    group = fields.String(required=True, validate=validate.Length(1, 64),
                          metadata={"description": " | ".join(AUDIENCE_GROUPS.values)})
    ref = fields.String(required=True, validate=validate.Length(1, 64),
                        metadata={"description": "award_approvers: an award request id; merchant_voucher_holders: "
                                                 "a merchant id"})


class AudienceOut(Schema):
    """The people of the caller's tenant in a group, for the notifications service's fan-out."""

    group = fields.String()
    ref = fields.String()
    user_ids = fields.List(fields.String())
