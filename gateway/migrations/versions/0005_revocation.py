"""Revocation takes effect at once: deactivated accounts, and an index of the live refresh token of each
family (the per-request credential check asks whether an access token's family is still alive).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_refresh_tokens_live_family", "refresh_tokens", ["family_id"],
                    postgresql_where=sa.text("revoked_at IS NULL"), sqlite_where=sa.text("revoked_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_refresh_tokens_live_family", table_name="refresh_tokens")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deactivated_at")
