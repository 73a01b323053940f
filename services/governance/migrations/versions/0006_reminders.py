"""Reminders claimed once: `council_sessions.reminded_at` (council_session_due, 24 h before a
session) and `duty_slots.reminded_at` (duty_slot_due, the day before a duty slot).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("council_sessions", "duty_slots")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("reminded_at")
