"""Tables of the points service (its own database): the moral bank (道德银行).

The ledger is double-entry. A `Posting` is one business event (an award, a hold,
a settlement, an expiry, a reversal); its `Entry` rows move points between
`Account`s and always sum to zero. Entries and postings are only ever inserted:
a correction is a new posting that `reverses` the original. `Account.balance` is
a running total kept in the same transaction as the entries, so a balance is one
row read, and `ledger.check` proves it equals the sum of the entries.

Every table here is created by migrations/versions/0002_ledger.py (and the columns added since, 0006…);
keep the two identical.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.common.database import AutoIncrementId, Shareable, TenantScoped, UtcDateTime, new_id, service_base, utcnow

Base = service_base("points")

# Account kinds. Personal accounts (a member's, a merchant's) have a floor of zero and are
# locked row by row when they move; the tenant's own accounts take atomic increments.
MEMBER = "member"  # one per person per tenant; its balance is what the person may spend
MERCHANT = "merchant"  # one per caring merchant (爱心商户): redeemed points settle here
ISSUANCE = "issuance"  # the tenant's source of points: negative by what was issued
HOLDING = "holding"  # points held for vouchers not yet confirmed, cancelled or expired
EXPIRY = "expiry"  # points that expired come to rest here
CLEARING = "clearing"  # one per partner tenant: what crossed the border under an agreement
PERSONAL_KINDS = (MEMBER, MERCHANT)
SYSTEM_KINDS = (ISSUANCE, HOLDING, EXPIRY, CLEARING)


class PointsSettings(TenantScoped, Base):
    """A tenant's rules of the bank; defaults apply until staff change them."""

    __tablename__ = "points_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_points_settings_tenant"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    approval_threshold: Mapped[int] = mapped_column(Integer, default=200)
    expiry_months: Mapped[int] = mapped_column(Integer, default=24)
    expiry_notice_days: Mapped[int] = mapped_column(Integer, default=30)
    voucher_minutes: Mapped[int] = mapped_column(Integer, default=30)
    updated_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Account(TenantScoped, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        # owner_id is "" for the tenant's own accounts, so the constraint also makes them unique.
        UniqueConstraint("tenant_id", "kind", "owner_id", name="uq_accounts_tenant_kind_owner"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str] = mapped_column(String(64), default="")
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Posting(TenantScoped, Base):
    """One business event in the ledger. Never updated; `reverses_id` links a correction."""

    __tablename__ = "postings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "idempotency_key", name="uq_postings_tenant_source_key"),
        UniqueConstraint("tenant_id", "trace_number", name="uq_postings_tenant_trace"),
        # A posting is reversed at most once.
        UniqueConstraint("tenant_id", "reverses_id", name="uq_postings_tenant_reverses"),
        Index("ix_postings_tenant_kind_occurred", "tenant_id", "kind", "occurred_at"),
        Index("ix_postings_tenant_rule_user_occurred", "tenant_id", "rule_id", "user_id", "occurred_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    trace_number: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)  # total moved, positive
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # the person it is about
    category: Mapped[str | None] = mapped_column(String(32), nullable=True)
    rule_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)  # redemption, request, lot, event…
    reverses_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("postings.id"), nullable=True)
    memo: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)  # when the act happened
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Entry(TenantScoped, Base):
    """One leg of a posting: `amount` (signed) on one account. Never updated or deleted."""

    __tablename__ = "entries"
    __table_args__ = (
        Index("ix_entries_tenant_account_seq", "tenant_id", "account_id", "seq"),
        Index("ix_entries_tenant_posting", "tenant_id", "posting_id"),
    )

    seq: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    posting_id: Mapped[str] = mapped_column(String(36), ForeignKey("postings.id"))
    account_id: Mapped[str] = mapped_column(String(36), ForeignKey("accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    # Exact for personal accounts (written under the account's row lock); null for the
    # tenant's own accounts, which take concurrent atomic increments.
    balance_after: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Lot(TenantScoped, Base):
    """Points earned together, which expire together: spending draws lots first in, first out."""

    __tablename__ = "lots"
    __table_args__ = (
        Index("ix_lots_tenant_account_expires", "tenant_id", "account_id", "expires_at"),
        Index("ix_lots_tenant_expires", "tenant_id", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(String(36), ForeignKey("accounts.id"))
    posting_id: Mapped[str] = mapped_column(String(36), ForeignKey("postings.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    earned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class LotUse(TenantScoped, Base):
    """How much a posting drew from a lot (negative: gave back, when a hold is released)."""

    __tablename__ = "lot_uses"
    __table_args__ = (Index("ix_lot_uses_tenant_posting", "tenant_id", "posting_id"),)

    seq: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    lot_id: Mapped[str] = mapped_column(String(36), ForeignKey("lots.id"))
    posting_id: Mapped[str] = mapped_column(String(36), ForeignKey("postings.id"))
    amount: Mapped[int] = mapped_column(BigInteger)


class EarningRule(TenantScoped, Base):
    """Turns another service's event into an award, e.g. a first-aid session attended → 20 points."""

    __tablename__ = "earning_rules"
    __table_args__ = (Index("ix_earning_rules_tenant_event", "tenant_id", "event_type", "active"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(60))
    match: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    category: Mapped[str] = mapped_column(String(32))
    points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    points_per_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)
    daily_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    monthly_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AwardRequest(TenantScoped, Base):
    """A manual award above the tenant's threshold, waiting for a second staff member (maker-checker)."""

    __tablename__ = "award_requests"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", name="uq_award_requests_tenant_key"),
        Index("ix_award_requests_tenant_status", "tenant_id", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(36))
    amount: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by: Mapped[str] = mapped_column(String(36))
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decision_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    posting_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MemberPreference(TenantScoped, Base):
    """How a person appears on the honour board (好人榜), if at all."""

    __tablename__ = "member_preferences"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_member_preferences_tenant_user"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36))
    show_on_board: Mapped[bool] = mapped_column(Boolean, default=True)
    board_name: Mapped[str | None] = mapped_column(String(30), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ExpiryPause(TenantScoped, Base):
    """A period in which a person's points do not run out (Spring Festival, maternity…)."""

    __tablename__ = "expiry_pauses"
    __table_args__ = (Index("ix_expiry_pauses_tenant_user", "tenant_id", "user_id", "starts_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(200))
    lots_extended: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Merchant(Shareable, Base):
    """A caring merchant (爱心商户). Shared (read-only) with the partner tenants whose residents it accepts."""

    __tablename__ = "merchants"
    __table_args__ = (Index("ix_merchants_tenant_name", "tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    operator_user_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CatalogueItem(Shareable, Base):
    """Something a merchant gives for points; shared exactly as its merchant is."""

    __tablename__ = "catalogue_items"
    __table_args__ = (Index("ix_catalogue_items_tenant_merchant", "tenant_id", "merchant_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    merchant_id: Mapped[str] = mapped_column(String(36), ForeignKey("merchants.id"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)
    price_points: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer, nullable=True)  # null: not limited
    limit_per_person: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Redemption(Shareable, Base):
    """A resident's voucher at a merchant. Owned by the resident's tenant (where the points are
    held); shared with the merchant's tenant when that is another one."""

    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code", name="uq_redemptions_tenant_code"),
        Index("ix_redemptions_tenant_user_created", "tenant_id", "user_id", "created_at"),
        Index("ix_redemptions_tenant_merchant_status", "tenant_id", "merchant_id", "status"),
        Index("ix_redemptions_tenant_status_expires", "tenant_id", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(36))
    merchant_id: Mapped[str] = mapped_column(String(36))
    merchant_tenant_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(36))
    item_name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    hold_posting_id: Mapped[str] = mapped_column(String(36))
    closing_posting_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # When the housekeeping claimed the voucher's reminder (`redemption_expiring`): set once, by a conditional UPDATE.
    expiry_reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AgreementSide(Shareable, Base):
    """One tenant's consent to let points cross between it and `partner_tenant_id`. Shared with
    that partner, so each side can see the other's consent; the agreement holds while both are active."""

    __tablename__ = "agreement_sides"
    __table_args__ = (UniqueConstraint("tenant_id", "partner_tenant_id", name="uq_agreement_sides_tenant_partner"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    partner_tenant_id: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
