"""A voucher's reminder before it expires (`redemption_expiring`) is claimed once: `expiry_reminded_at`.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("redemptions", sa.Column("expiry_reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("redemptions", "expiry_reminded_at")
