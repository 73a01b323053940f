"""Job fairs (家门口的招聘会) and the labour-rights desk (维权服务台).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrate import enable_tenant_rls

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.String(36)
_TENANT = sa.String(64)
_WHEN = sa.DateTime(timezone=True)
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "job_fairs",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("tenant_id", _TENANT, nullable=False, index=True),
        sa.Column("audience", sa.String(2000), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("description", sa.String(2000), nullable=False),
        sa.Column("starts_at", _WHEN, nullable=False),
        sa.Column("ends_at", _WHEN, nullable=False),
        sa.Column("venue", sa.String(200), nullable=True),
        sa.Column("online_url", sa.String(500), nullable=True),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("cancelled_reason", sa.String(200), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("held_at", _WHEN, nullable=True),
        sa.Column("created_by", _ID, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
    )
    op.create_index("ix_job_fairs_tenant_starts", "job_fairs", ["tenant_id", "starts_at"])

    op.create_table(
        "job_fair_booths",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("tenant_id", _TENANT, nullable=False, index=True),
        sa.Column("audience", sa.String(2000), nullable=False),
        sa.Column("fair_id", _ID, sa.ForeignKey("job_fairs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("employer_id", _ID, nullable=False),
        sa.Column("employer_name", sa.String(100), nullable=False),
        sa.Column("employer_tenant_id", _TENANT, nullable=False),
        sa.Column("booth", sa.String(40), nullable=True),
        sa.Column("post_ids", sa.JSON(), nullable=False),
        sa.Column("added_by", _ID, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.UniqueConstraint("tenant_id", "fair_id", "employer_id", name="uq_job_fair_booths_employer"),
    )

    op.create_table(
        "job_fair_registrations",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("tenant_id", _TENANT, nullable=False, index=True),
        sa.Column("audience", sa.String(2000), nullable=False),
        sa.Column("fair_id", _ID, sa.ForeignKey("job_fairs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", _ID, nullable=True),
        sa.Column("resident_tenant_id", _TENANT, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("code_ref", sa.String(16), nullable=False),
        sa.Column("registered_at", _WHEN, nullable=False),
        sa.Column("cancelled_at", _WHEN, nullable=True),
        sa.Column("checked_in_at", _WHEN, nullable=True),
        sa.Column("checked_in_by", _ID, nullable=True),
        sa.UniqueConstraint("tenant_id", "fair_id", "user_id", name="uq_job_fair_registrations_user"),
        sa.UniqueConstraint("tenant_id", "fair_id", "code_ref", name="uq_job_fair_registrations_code"),
    )
    op.create_index("ix_job_fair_registrations_fair", "job_fair_registrations", ["tenant_id", "fair_id", "status"])
    op.create_index("ix_job_fair_registrations_user", "job_fair_registrations", ["user_id"])

    op.create_table(
        "rights_desk_members",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("tenant_id", _TENANT, nullable=False, index=True),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("desk_role", sa.String(30), nullable=False),
        sa.Column("title", sa.String(50), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_by", _ID, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_rights_desk_members_user"),
    )

    op.create_table(
        "rights_cases",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("tenant_id", _TENANT, nullable=False, index=True),
        sa.Column("person_user_id", _ID, nullable=True),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("summary", sa.String(4000), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=True),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("source_ref", sa.String(64), nullable=True),
        sa.Column("opened_by", _ID, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("suggested_desk_role", sa.String(30), nullable=False),
        sa.Column("assignee_user_id", _ID, nullable=True),
        sa.Column("assignee_desk_role", sa.String(30), nullable=True),
        sa.Column("outcome_note", sa.String(2000), nullable=True),
        sa.Column("referred_to", sa.String(200), nullable=True),
        sa.Column("opened_at", _WHEN, nullable=False),
        sa.Column("assigned_at", _WHEN, nullable=True),
        sa.Column("concluded_at", _WHEN, nullable=True),
        sa.Column("updated_at", _WHEN, nullable=False),
    )
    op.create_index("ix_rights_cases_tenant_status", "rights_cases", ["tenant_id", "status"])
    op.create_index("ix_rights_cases_tenant_person", "rights_cases", ["tenant_id", "person_user_id"])
    op.create_index("ix_rights_cases_tenant_assignee", "rights_cases", ["tenant_id", "assignee_user_id"])

    op.create_table(
        "rights_case_entries",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", _TENANT, nullable=False, index=True),
        sa.Column("case_id", _ID, sa.ForeignKey("rights_cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("author_user_id", _ID, nullable=True),
        sa.Column("body", sa.String(4000), nullable=False),
        sa.Column("visible_to_person", sa.Boolean(), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
    )
    op.create_index("ix_rights_case_entries_case", "rights_case_entries", ["tenant_id", "case_id", "seq"])

    op.create_table(
        "rights_case_access_log",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", _TENANT, nullable=False, index=True),
        sa.Column("case_id", _ID, sa.ForeignKey("rights_cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("actor_user_id", _ID, nullable=False),
        sa.Column("capacity", sa.String(20), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
    )
    op.create_index("ix_rights_case_access_log_case", "rights_case_access_log", ["tenant_id", "case_id", "seq"])

    for table in ("rights_desk_members", "rights_cases", "rights_case_entries", "rights_case_access_log"):
        enable_tenant_rls(table)
    for table in ("job_fairs", "job_fair_booths", "job_fair_registrations"):
        enable_tenant_rls(table, shareable=True)


def downgrade() -> None:
    for table in ("rights_case_access_log", "rights_case_entries", "rights_cases", "rights_desk_members",
                  "job_fair_registrations", "job_fair_booths", "job_fairs"):
        op.drop_table(table)
