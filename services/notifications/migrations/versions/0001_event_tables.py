"""The outbox and processed-event tables.

Revision ID: 0001
Revises:
"""

from services.common.migrate import create_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_tables()


def downgrade() -> None:
    from alembic import op

    op.drop_table("processed_events")
    op.drop_table("outbox_events")
