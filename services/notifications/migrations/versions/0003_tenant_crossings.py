"""The audit of tenant crossings (services.common.database: read_in_tenant, write_in_tenant).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from services.common.migrate import create_tenant_crossings_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tenant_crossings_table()


def downgrade() -> None:
    op.drop_table("tenant_crossings")
