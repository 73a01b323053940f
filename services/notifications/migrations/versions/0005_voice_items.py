"""Voice items submitted per tenant, counted for the staff's daily summary (no author).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrate import enable_tenant_rls

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_items",
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("voice_id", sa.String(36), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "voice_id", name="pk_voice_items"),
    )
    op.create_index("ix_voice_items_submitted", "voice_items", ["submitted_at"])
    enable_tenant_rls("voice_items")


def downgrade() -> None:
    op.drop_table("voice_items")
