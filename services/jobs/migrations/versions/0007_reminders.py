"""Reminders announced once (issue 18): a placement's wage follow-up and a fair's day-before notice
each claim a column when the jobs timer announces them.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("placements", sa.Column("follow_up_reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("job_fairs", sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_fairs") as batch:
        batch.drop_column("reminder_sent_at")
    with op.batch_alter_table("placements") as batch:
        batch.drop_column("follow_up_reminded_at")
