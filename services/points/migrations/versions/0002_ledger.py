"""The moral bank: double-entry ledger, lots, earning rules, award requests, honour-board
preferences, expiry pauses, merchants and their catalogue, redemptions, cross-tenant agreements.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrate import enable_tenant_rls

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def _tenant():
    return sa.Column("tenant_id", sa.String(64), nullable=False, index=True)


def _audience():
    return sa.Column("audience", sa.String(2000), nullable=False)


TABLES = ("points_settings", "accounts", "postings", "entries", "lots", "lot_uses", "earning_rules",
          "award_requests", "member_preferences", "expiry_pauses", "merchants", "catalogue_items", "redemptions",
          "agreement_sides")
SHAREABLE = ("merchants", "catalogue_items", "redemptions", "agreement_sides")


def upgrade() -> None:
    op.create_table(
        "points_settings",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("approval_threshold", sa.Integer(), nullable=False),
        sa.Column("expiry_months", sa.Integer(), nullable=False),
        sa.Column("expiry_notice_days", sa.Integer(), nullable=False),
        sa.Column("voucher_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(36), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("tenant_id", name="uq_points_settings_tenant"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("tenant_id", "kind", "owner_id", name="uq_accounts_tenant_kind_owner"),
    )
    op.create_table(
        "postings",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("trace_number", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("rule_id", sa.String(36), nullable=True),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("reverses_id", sa.String(36), sa.ForeignKey("postings.id"), nullable=True),
        sa.Column("memo", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(36), nullable=True),
        sa.Column("occurred_at", TIME, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("tenant_id", "source", "idempotency_key", name="uq_postings_tenant_source_key"),
        sa.UniqueConstraint("tenant_id", "trace_number", name="uq_postings_tenant_trace"),
        sa.UniqueConstraint("tenant_id", "reverses_id", name="uq_postings_tenant_reverses"),
    )
    op.create_index("ix_postings_tenant_kind_occurred", "postings", ["tenant_id", "kind", "occurred_at"])
    op.create_index("ix_postings_tenant_rule_user_occurred", "postings",
                    ["tenant_id", "rule_id", "user_id", "occurred_at"])
    op.create_table(
        "entries",
        sa.Column("seq", BIG_ID, primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("posting_id", sa.String(36), sa.ForeignKey("postings.id"), nullable=False),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_entries_tenant_account_seq", "entries", ["tenant_id", "account_id", "seq"])
    op.create_index("ix_entries_tenant_posting", "entries", ["tenant_id", "posting_id"])
    op.create_table(
        "lots",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("posting_id", sa.String(36), sa.ForeignKey("postings.id"), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("earned_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("notified_at", TIME, nullable=True),
    )
    op.create_index("ix_lots_tenant_account_expires", "lots", ["tenant_id", "account_id", "expires_at"])
    op.create_index("ix_lots_tenant_expires", "lots", ["tenant_id", "expires_at"])
    op.create_table(
        "lot_uses",
        sa.Column("seq", BIG_ID, primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("lot_id", sa.String(36), sa.ForeignKey("lots.id"), nullable=False),
        sa.Column("posting_id", sa.String(36), sa.ForeignKey("postings.id"), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_lot_uses_tenant_posting", "lot_uses", ["tenant_id", "posting_id"])
    op.create_table(
        "earning_rules",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(60), nullable=False),
        sa.Column("match", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("points_per_hour", sa.Integer(), nullable=True),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("monthly_cap", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_earning_rules_tenant_event", "earning_rules", ["tenant_id", "event_type", "active"])
    op.create_table(
        "award_requests",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(36), nullable=False),
        sa.Column("decided_by", sa.String(36), nullable=True),
        sa.Column("decided_at", TIME, nullable=True),
        sa.Column("decision_note", sa.String(500), nullable=True),
        sa.Column("posting_id", sa.String(36), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_award_requests_tenant_key"),
    )
    op.create_index("ix_award_requests_tenant_status", "award_requests", ["tenant_id", "status", "created_at"])
    op.create_table(
        "member_preferences",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("show_on_board", sa.Boolean(), nullable=False),
        sa.Column("board_name", sa.String(30), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_member_preferences_tenant_user"),
    )
    op.create_table(
        "expiry_pauses",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("starts_at", TIME, nullable=False),
        sa.Column("ends_at", TIME, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("lots_extended", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_expiry_pauses_tenant_user", "expiry_pauses", ["tenant_id", "user_id", "starts_at"])
    op.create_table(
        "merchants",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        _audience(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("address", sa.String(200), nullable=True),
        sa.Column("operator_user_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_merchants_tenant_name", "merchants", ["tenant_id", "name"])
    op.create_table(
        "catalogue_items",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        _audience(),
        sa.Column("merchant_id", sa.String(36), sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("price_points", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("limit_per_person", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_catalogue_items_tenant_merchant", "catalogue_items", ["tenant_id", "merchant_id"])
    op.create_table(
        "redemptions",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        _audience(),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("merchant_id", sa.String(36), nullable=False),
        sa.Column("merchant_tenant_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("item_name", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("hold_posting_id", sa.String(36), nullable=False),
        sa.Column("closing_posting_id", sa.String(36), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("closed_by", sa.String(36), nullable=True),
        sa.UniqueConstraint("tenant_id", "code", name="uq_redemptions_tenant_code"),
    )
    op.create_index("ix_redemptions_tenant_user_created", "redemptions", ["tenant_id", "user_id", "created_at"])
    op.create_index("ix_redemptions_tenant_merchant_status", "redemptions", ["tenant_id", "merchant_id", "status"])
    op.create_index("ix_redemptions_tenant_status_expires", "redemptions", ["tenant_id", "status", "expires_at"])
    op.create_table(
        "agreement_sides",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        _audience(),
        sa.Column("partner_tenant_id", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("decided_by", sa.String(36), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("tenant_id", "partner_tenant_id", name="uq_agreement_sides_tenant_partner"),
    )
    for table in TABLES:
        enable_tenant_rls(table, shareable=table in SHAREABLE)
    if op.get_bind().dialect.name == "postgresql":
        # The ledger is append-only: an UPDATE or DELETE of an entry or a posting fails loudly,
        # whoever tries (a correction is a reversal posting, never an edit).
        op.execute("CREATE OR REPLACE FUNCTION points_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in ("entries", "postings"):
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION points_append_only()")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS points_append_only()")
