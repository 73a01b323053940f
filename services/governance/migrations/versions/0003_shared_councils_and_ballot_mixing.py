"""Councils across communities (an audience on the council and on what hangs off it,
the home community of each seat) and the sealed inbox that secret ballots wait in
until they are mixed into the ballot pool.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrate import enable_tenant_rls, rls_statements

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Rows a member of another community reads when the council is shared with it.
SHARED_TABLES = ("councils", "council_sessions", "proposals", "votes", "resolutions", "action_items")


def upgrade() -> None:
    for table in SHARED_TABLES:
        op.add_column(table, sa.Column("audience", sa.String(2000), nullable=False, server_default=""))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("audience", server_default=None)
    op.add_column("council_members", sa.Column("home_tenant_id", sa.String(64), nullable=True))
    op.execute("UPDATE council_members SET home_tenant_id = tenant_id")
    with op.batch_alter_table("council_members") as batch:
        batch.alter_column("home_tenant_id", existing_type=sa.String(64), nullable=False)

    op.create_table(
        "secret_ballot_inbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("vote_id", sa.String(36), nullable=False),
        sa.Column("choice", sa.String(10), nullable=False),
        sa.Column("stakeholder_group", sa.String(30), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("tenant_id", "token_hash", name="uq_secret_ballot_inbox_token_hash"),
    )
    op.create_index("ix_secret_ballot_inbox_tenant_id_vote_id", "secret_ballot_inbox", ["tenant_id", "vote_id"])
    enable_tenant_rls("secret_ballot_inbox")

    if op.get_bind().dialect.name == "postgresql":
        for table in SHARED_TABLES:
            op.execute(f"DROP POLICY tenant_read ON {table}")
            op.execute(f"DROP POLICY tenant_write ON {table}")
            for statement in rls_statements(table, shareable=True)[1:]:
                op.execute(statement)
        # Dead row versions of mixed-away ballots keep their old xmin until vacuumed:
        # vacuum these two small tables as soon as anything is deleted.
        for table in ("secret_ballot_inbox", "ballots"):
            op.execute(f"ALTER TABLE {table} SET (autovacuum_vacuum_scale_factor = 0, "
                       f"autovacuum_vacuum_threshold = 1, autovacuum_vacuum_cost_delay = 0)")


def downgrade() -> None:
    op.drop_table("secret_ballot_inbox")
    with op.batch_alter_table("council_members") as batch:
        batch.drop_column("home_tenant_id")
    if op.get_bind().dialect.name == "postgresql":
        for table in SHARED_TABLES:
            op.execute(f"DROP POLICY tenant_read ON {table}")
            op.execute(f"DROP POLICY tenant_write ON {table}")
            for statement in rls_statements(table)[1:]:
                op.execute(statement)
    for table in SHARED_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("audience")
