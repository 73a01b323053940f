"""The members table, kept from the gateway's identity events (services.common.members).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from services.common.migrate import create_members_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_members_table()


def downgrade() -> None:
    op.drop_table("members")
