"""Messages (the inbox), deliveries, preferences, push subscriptions, contacts, broadcasts, team robots.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrate import enable_tenant_rls

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)
TABLES = ("messages", "deliveries", "preferences", "push_subscriptions", "contacts", "broadcasts", "team_robots")


def _tenant():
    return sa.Column("tenant_id", sa.String(64), nullable=False, index=True)


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(80), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.String(1000), nullable=False),
        sa.Column("link", sa.String(300), nullable=False),
        sa.Column("short_code", sa.String(16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("broadcast_id", sa.String(36), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("read_at", TIME, nullable=True),
        sa.UniqueConstraint("tenant_id", "event_id", "user_id", "kind", name="uq_messages_event_user_kind"),
        sa.UniqueConstraint("short_code", name="uq_messages_short_code"),
    )
    op.create_index("ix_messages_tenant_user_created", "messages", ["tenant_id", "user_id", "created_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("message_id", sa.String(36), sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("hold_reason", sa.String(20), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("sent_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("tenant_id", "message_id", "channel", name="uq_deliveries_message_channel"),
    )
    op.create_index("ix_deliveries_tenant_status_next", "deliveries", ["tenant_id", "status", "next_attempt_at"])
    op.create_table(
        "preferences",
        _tenant(),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("quiet_start", sa.String(5), nullable=False),
        sa.Column("quiet_end", sa.String(5), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("digest_enabled", sa.Boolean(), nullable=False),
        sa.Column("digest_hour", sa.Integer(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("last_digest_at", TIME, nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name="pk_preferences"),
    )
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("endpoint", sa.String(1000), nullable=False),
        sa.Column("p256dh", sa.String(200), nullable=False),
        sa.Column("auth", sa.String(100), nullable=False),
        sa.Column("user_agent", sa.String(300), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("tenant_id", "endpoint", name="uq_push_subscriptions_endpoint"),
    )
    op.create_table(
        "contacts",
        _tenant(),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name="pk_contacts"),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("group", sa.String(80), nullable=False),
        sa.Column("ref", sa.String(64), nullable=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.String(500), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_broadcasts_key"),
    )
    op.create_table(
        "team_robots",
        _tenant(),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("updated_by", sa.String(36), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_team_robots"),
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
