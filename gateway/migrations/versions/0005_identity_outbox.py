"""The identity outbox: membership and account changes as events, committed with the change.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrate import create_outbox_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_table(
        "identity_outbox", "ix_identity_outbox_unpublished",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("user_id", "version", name="uq_identity_outbox_user_version"),
    )


def downgrade() -> None:
    op.drop_table("identity_outbox")
