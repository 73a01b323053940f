"""Event tables and worker profiles.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrate import create_event_tables, enable_tenant_rls

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_tables()
    op.create_table(
        "worker_profiles",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("display_name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("home_area", sa.String(100), nullable=True),
        sa.Column("home_lat", sa.Float(), nullable=True),
        sa.Column("home_lng", sa.Float(), nullable=True),
        sa.Column("commute_radius_km", sa.Float(), nullable=False),
        sa.Column("expected_daily_pay", sa.Integer(), nullable=True),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("consent_recommendations", sa.Boolean(), nullable=False),
        sa.Column("registered_by", sa.String(36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_worker_profiles_tenant_user"),
    )
    op.create_index("ix_worker_profiles_tenant_id_id", "worker_profiles", ["tenant_id", "id"])
    enable_tenant_rls("worker_profiles")


def downgrade() -> None:
    op.drop_table("worker_profiles")
    op.drop_table("processed_events")
    op.drop_table("outbox_events")
