"""Notices to a community's staff when a resident's rights case needs someone.

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


def upgrade() -> None:
    op.create_table(
        "rights_desk_notices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("rights_cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("suggested_desk_role", sa.String(30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(36), nullable=True),
    )
    op.create_index("ix_rights_desk_notices_tenant_open", "rights_desk_notices", ["tenant_id", "acknowledged_at"])
    enable_tenant_rls("rights_desk_notices")


def downgrade() -> None:
    op.drop_table("rights_desk_notices")
