"""Events the points service publishes (through the outbox) and the schema of their `data`.

Event data carries account ids, never names or phone numbers.
"""

from marshmallow import Schema

from services.common import contract_fields as fields

POINTS_AWARDED = "points_awarded"
POINTS_REVERSED = "points_reversed"
POINTS_EXPIRING = "points_expiring"
POINTS_EXPIRED = "points_expired"
REDEMPTION_CREATED = "redemption_created"
REDEMPTION_CONFIRMED = "redemption_confirmed"
REDEMPTION_CANCELLED = "redemption_cancelled"
REDEMPTION_EXPIRED = "redemption_expired"
REDEMPTION_EXPIRING = "redemption_expiring"
AWARD_REQUESTED = "award_requested"


class PointsAwardedData(Schema):
    """Points were issued to a person (道德银行): by an earning rule from another service's event,
    or by staff (a large manual award only once a second staff member approved it)."""

    posting_id = fields.String(required=True)
    trace_number = fields.String(required=True)
    user_id = fields.String(required=True)
    amount = fields.Integer(required=True)
    category = fields.String(allow_none=True)
    source = fields.String(required=True, metadata={"description": "rule | manual"})
    rule_id = fields.String(allow_none=True)
    reference = fields.String(allow_none=True, metadata={"description": "the act's id (attendance, duty…) or "
                                                                       "the award request"})
    occurred_at = fields.DateTime()
    awarded_by = fields.String(allow_none=True)


class PointsReversedData(Schema):
    """An award was corrected by a reversal posting linked to it."""

    posting_id = fields.String(required=True)
    reverses_posting_id = fields.String(required=True)
    trace_number = fields.String(required=True)
    user_id = fields.String(required=True)
    amount = fields.Integer(required=True)
    reason = fields.String(allow_none=True)
    reversed_by = fields.String(allow_none=True)


class PointsExpiringData(Schema):
    """Some of a person's points will expire soon (sent once per lot, the notice period before)."""

    user_id = fields.String(required=True)
    amount = fields.Integer(required=True)
    expires_at = fields.DateTime(required=True, metadata={"description": "the earliest of the dates"})
    lots = fields.Integer()


class PointsExpiredData(Schema):
    """A person's points reached their date and moved to the tenant's expiry account."""

    posting_id = fields.String(required=True)
    user_id = fields.String(required=True)
    amount = fields.Integer(required=True)
    lots = fields.Integer()
    expired_at = fields.DateTime()


class RedemptionData(Schema):
    """A redemption at a caring merchant (爱心商户) changed state: created (points held, voucher
    shown), confirmed (settled to the merchant), cancelled or expired (hold released)."""

    redemption_id = fields.String(required=True)
    user_id = fields.String(required=True)
    merchant_id = fields.String(required=True)
    merchant_tenant_id = fields.String(required=True)
    item_id = fields.String(required=True)
    quantity = fields.Integer(required=True)
    points = fields.Integer(required=True)
    status = fields.String(required=True)
    expires_at = fields.DateTime()
    posting_id = fields.String(allow_none=True, metadata={"description": "hold, settlement or release posting"})
    at = fields.DateTime()


class RedemptionExpiringData(Schema):
    """A pending voucher expires soon: announced once per redemption by the housekeeping timer, ten
    minutes before `expires_at` (never for a voucher made less than ten minutes before it expires: its
    holder has just seen it). The resident is `user_id`; the notifications service reminds them."""

    redemption_id = fields.String(required=True)
    user_id = fields.String(required=True, metadata={"description": "the resident holding the voucher"})
    merchant_id = fields.String(required=True)
    merchant_tenant_id = fields.String(required=True)
    points = fields.Integer(required=True, metadata={"description": "the points held for the voucher"})
    expires_at = fields.DateTime(required=True)


class AwardRequestedData(Schema):
    """A manual award above the tenant's threshold waits for a second staff member's approval (maker-checker).
    Its recipients are the tenant's staff (`points.audience("award_approvers", request_id)` names those who
    may approve it), so the event names no beneficiary: neither a name nor the account it would credit,
    which the approver sees on the request itself."""

    request_id = fields.String(required=True)
    amount = fields.Integer(required=True)
    category = fields.String(required=True)
    requested_by = fields.String(required=True, metadata={"description": "the staff member who asked (who "
                                                                         "may not approve it)"})
    requested_at = fields.DateTime(required=True)


# event name → schema of the CloudEvent's `data`; the event catalogue is built from this.
CATALOGUE = {
    POINTS_AWARDED: PointsAwardedData,
    POINTS_REVERSED: PointsReversedData,
    POINTS_EXPIRING: PointsExpiringData,
    POINTS_EXPIRED: PointsExpiredData,
    REDEMPTION_CREATED: RedemptionData,
    REDEMPTION_CONFIRMED: RedemptionData,
    REDEMPTION_CANCELLED: RedemptionData,
    REDEMPTION_EXPIRED: RedemptionData,
    REDEMPTION_EXPIRING: RedemptionExpiringData,
    AWARD_REQUESTED: AwardRequestedData,
}

_USER = "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20"
_REDEMPTION = {
    "redemption_id": "5b0e6a52-61c3-4f3f-9a55-1d2f0f9c8e41",
    "user_id": _USER,
    "merchant_id": "a3f4c2d1-7b8e-4c5a-9d6f-2e1b0c9a8d77",
    "merchant_tenant_id": "xiangyang",
    "item_id": "c7d8e9f0-1a2b-4c3d-8e5f-6a7b8c9d0e1f",
    "quantity": 2,
    "points": 40,
    "expires_at": "2026-11-28T10:00:00+00:00",
    "at": "2026-11-28T09:30:00+00:00",
}

EXAMPLES = {
    POINTS_AWARDED: {
        "posting_id": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
        "trace_number": "2611287KQ2MX9P",
        "user_id": _USER,
        "amount": 20,
        "category": "first_aid",
        "source": "rule",
        "rule_id": "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b",
        "reference": "att-20261128-0042",
        "occurred_at": "2026-11-28T07:00:00+00:00",
        "awarded_by": None,
    },
    POINTS_REVERSED: {
        "posting_id": "2b3c4d5e-6f70-4a81-9b2c-3d4e5f6a7b8c",
        "reverses_posting_id": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
        "trace_number": "261128ZP4T6W1Q",
        "user_id": _USER,
        "amount": 20,
        "reason": "Recorded twice",
        "reversed_by": "7c6b5a49-3827-4165-9f0e-d1c2b3a49586",
    },
    POINTS_EXPIRING: {"user_id": _USER, "amount": 35, "expires_at": "2026-12-20T16:00:00+00:00", "lots": 2},
    POINTS_EXPIRED: {"posting_id": "3c4d5e6f-7081-4b92-8c3d-4e5f6a7b8c9d", "user_id": _USER, "amount": 35,
                     "lots": 2, "expired_at": "2026-12-21T00:00:00+00:00"},
    REDEMPTION_CREATED: {**_REDEMPTION, "status": "pending", "posting_id": "4d5e6f70-8192-4ca3-9d4e-5f6a7b8c9d0e"},
    REDEMPTION_CONFIRMED: {**_REDEMPTION, "status": "confirmed", "posting_id": "5e6f7081-92a3-4db4-8e5f-6a7b8c9d0e1f"},
    REDEMPTION_CANCELLED: {**_REDEMPTION, "status": "cancelled", "posting_id": "6f708192-a3b4-4ec5-9f6a-7b8c9d0e1f2a"},
    REDEMPTION_EXPIRED: {**_REDEMPTION, "status": "expired", "posting_id": "708192a3-b4c5-4fd6-8a7b-8c9d0e1f2a3b"},
    REDEMPTION_EXPIRING: {key: _REDEMPTION[key] for key in ("redemption_id", "user_id", "merchant_id",
                                                           "merchant_tenant_id", "points", "expires_at")},
    AWARD_REQUESTED: {"request_id": "8192a3b4-c5d6-4e7f-9a8b-9c0d1e2f3a4b", "amount": 500, "category": "anti_fraud",
                      "requested_by": "7c6b5a49-3827-4165-9f0e-d1c2b3a49586",
                      "requested_at": "2026-11-28T08:15:00+00:00"},
}
