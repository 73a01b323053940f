"""The identity outbox (membership and account changes as events, committed with the change) and each
person's count of identity events (the version every event carries).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrate import create_outbox_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_table("identity_outbox", "ix_identity_outbox_unpublished",
                        sa.Column("tenant_id", sa.String(64), nullable=False))
    op.create_table(
        "identity_versions",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("identity_versions")
    op.drop_table("identity_outbox")
