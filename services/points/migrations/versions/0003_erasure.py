"""Erasure: the append-only trigger on postings admits one change, pseudonymising the person.

A posting may be updated only inside a transaction that set `app.erasure` (services.points.personal_data
does, for an erasure the person or their community's staff asked for), and only in `user_id` and `memo`:
amounts, accounts and every other column stay as they were, so the ledger still balances. Entries stay
strictly append-only.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ERASABLE = """
CREATE OR REPLACE FUNCTION points_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'postings'
       AND current_setting('app.erasure', true) = 'on'
       AND (to_jsonb(NEW) - 'user_id' - 'memo') = (to_jsonb(OLD) - 'user_id' - 'memo') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$
"""

STRICT = ("CREATE OR REPLACE FUNCTION points_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
          "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ERASABLE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(STRICT)
