"""Classes (meetings) that staff move or cancel, and the claimed reminder of each (`class_due`).

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
    op.add_column("meetings", sa.Column("venue", sa.String(200), nullable=True))
    op.add_column("meetings", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("meetings", sa.Column("cancel_reason", sa.String(30), nullable=True))
    op.add_column("meetings", sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_meetings_reminder_due", "meetings", ["reminded_at", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_meetings_reminder_due", table_name="meetings")
    with op.batch_alter_table("meetings") as batch:
        for column in ("reminded_at", "cancel_reason", "cancelled_at", "venue"):
            batch.drop_column(column)
