"""Webhook secret rotation: the previous secret keeps signing beside the new one for a grace period.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("webhook_subscriptions", sa.Column("previous_secret", sa.String(100), nullable=True))
    op.add_column("webhook_subscriptions",
                  sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("webhook_subscriptions", "previous_secret_until")
    op.drop_column("webhook_subscriptions", "previous_secret")
