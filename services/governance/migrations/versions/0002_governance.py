"""Red Tea Council, proposals and votes, resolutions, voice items, branches, projects and assets.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrate import enable_tenant_rls

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.String(36), primary_key=True)


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.String(64), nullable=False, index=True)


TABLES = (
    "councils", "council_members", "topics", "council_sessions", "session_invitations", "hand_tallies",
    "proposals", "proposal_comments", "votes", "vote_receipts", "ballots", "resolutions", "action_items",
    "action_item_updates", "action_item_feedback", "voice_items", "voice_me_too", "branches", "branch_members",
    "grid_members", "projects", "duties", "duty_slots", "duty_signups", "assets",
)


def upgrade() -> None:
    op.create_table(
        "councils", _id(), _tenant(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_councils_tenant_id_created_at", "councils", ["tenant_id", "created_at"])

    op.create_table(
        "council_members", _id(), _tenant(),
        sa.Column("council_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("display_name", sa.String(50), nullable=False),
        sa.Column("stakeholder_group", sa.String(30), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "council_id", "user_id", name="uq_council_members_council_user"),
    )
    op.create_index("ix_council_members_tenant_id_council_id", "council_members",
                    ["tenant_id", "council_id", "joined_at"])

    op.create_table(
        "topics", _id(), _tenant(),
        sa.Column("council_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source_voice_id", sa.String(36), nullable=True),
        sa.Column("opened_by", sa.String(36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_topics_tenant_id_council_id", "topics", ["tenant_id", "council_id", "created_at"])

    op.create_table(
        "council_sessions", _id(), _tenant(),
        sa.Column("council_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("agenda", sa.JSON(), nullable=False),
        sa.Column("topic_ids", sa.JSON(), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("venue", sa.String(200), nullable=True),
        sa.Column("online_url", sa.String(500), nullable=True),
        sa.Column("registration_code", sa.String(12), nullable=False),
        sa.Column("chair_member_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("linked_proposal_ids", sa.JSON(), nullable=False),
        sa.Column("held_at", TS, nullable=True),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_council_sessions_tenant_id_council_id", "council_sessions",
                    ["tenant_id", "council_id", "starts_at"])

    op.create_table(
        "session_invitations", _id(), _tenant(),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("invited_at", TS, nullable=False),
        sa.Column("checked_in_at", TS, nullable=True),
        sa.Column("check_in_method", sa.String(20), nullable=True),
        sa.UniqueConstraint("tenant_id", "session_id", "member_id", name="uq_session_invitations_session_member"),
    )

    op.create_table(
        "hand_tallies", _id(), _tenant(),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("motion", sa.String(300), nullable=False),
        sa.Column("proposal_id", sa.String(36), nullable=True),
        sa.Column("in_favour", sa.Integer(), nullable=False),
        sa.Column("against", sa.Integer(), nullable=False),
        sa.Column("abstained", sa.Integer(), nullable=False),
        sa.Column("entered_by_member_id", sa.String(36), nullable=False),
        sa.Column("signed_off_by_member_id", sa.String(36), nullable=True),
        sa.Column("signed_off_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_hand_tallies_tenant_id_session_id", "hand_tallies", ["tenant_id", "session_id"])

    op.create_table(
        "proposals", _id(), _tenant(),
        sa.Column("council_id", sa.String(36), nullable=False),
        sa.Column("topic_id", sa.String(36), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("author_user_id", sa.String(36), nullable=False),
        sa.Column("submitted_at", TS, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("withdrawn_reason", sa.String(500), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_proposals_tenant_id_council_id", "proposals", ["tenant_id", "council_id", "created_at"])

    op.create_table(
        "proposal_comments", _id(), _tenant(),
        sa.Column("proposal_id", sa.String(36), nullable=False),
        sa.Column("parent_id", sa.String(36), nullable=True),
        sa.Column("author_user_id", sa.String(36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_proposal_comments_tenant_id_proposal_id", "proposal_comments",
                    ["tenant_id", "proposal_id", "created_at"])

    op.create_table(
        "votes", _id(), _tenant(),
        sa.Column("proposal_id", sa.String(36), nullable=False),
        sa.Column("council_id", sa.String(36), nullable=False),
        sa.Column("opens_at", TS, nullable=False),
        sa.Column("closes_at", TS, nullable=False),
        sa.Column("remind_at", TS, nullable=False),
        sa.Column("quorum_percent", sa.Integer(), nullable=False),
        sa.Column("threshold_percent", sa.Integer(), nullable=False),
        sa.Column("block_limit", sa.Integer(), nullable=True),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reminder_sent_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("opened_by", sa.String(36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "proposal_id", name="uq_votes_proposal"),
    )
    op.create_index("ix_votes_tenant_id_status_closes_at", "votes", ["tenant_id", "status", "closes_at"])

    op.create_table(
        "vote_receipts", _id(), _tenant(),
        sa.Column("vote_id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("ballot_id", sa.String(36), nullable=True),
        sa.Column("cast_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "vote_id", "member_id", name="uq_vote_receipts_vote_member"),
    )

    op.create_table(
        "ballots", _id(), _tenant(),
        sa.Column("vote_id", sa.String(36), nullable=False),
        sa.Column("choice", sa.String(10), nullable=False),
        sa.Column("stakeholder_group", sa.String(30), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.Column("member_id", sa.String(36), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("cast_at", TS, nullable=True),
        sa.Column("changed_at", TS, nullable=True),
        sa.UniqueConstraint("tenant_id", "token_hash", name="uq_ballots_token_hash"),
    )
    op.create_index("ix_ballots_tenant_id_vote_id", "ballots", ["tenant_id", "vote_id"])

    op.create_table(
        "resolutions", _id(), _tenant(),
        sa.Column("proposal_id", sa.String(36), nullable=False),
        sa.Column("council_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("adopted_by", sa.String(36), nullable=False),
        sa.Column("adopted_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "proposal_id", name="uq_resolutions_proposal"),
    )

    op.create_table(
        "action_items", _id(), _tenant(),
        sa.Column("resolution_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("assignee_kind", sa.String(30), nullable=False),
        sa.Column("assignee_name", sa.String(100), nullable=False),
        sa.Column("assignee_user_id", sa.String(36), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("dispute_threshold", sa.Integer(), nullable=False),
        sa.Column("completion_round", sa.Integer(), nullable=False),
        sa.Column("completed_at", TS, nullable=True),
        sa.Column("reopened_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_action_items_tenant_id_resolution_id", "action_items", ["tenant_id", "resolution_id"])

    op.create_table(
        "action_item_updates", _id(), _tenant(),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("progress_percent", sa.Integer(), nullable=True),
        sa.Column("author_user_id", sa.String(36), nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_action_item_updates_tenant_id_item_id", "action_item_updates",
                    ["tenant_id", "item_id", "created_at"])

    op.create_table(
        "action_item_feedback", _id(), _tenant(),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("comment", sa.String(500), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "item_id", "round", "user_id", name="uq_action_item_feedback_round_user"),
    )

    op.create_table(
        "voice_items", _id(), _tenant(),
        sa.Column("author_user_id", sa.String(36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("location", sa.String(200), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("decline_reason", sa.String(500), nullable=True),
        sa.Column("topic_id", sa.String(36), nullable=True),
        sa.Column("me_too_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("first_answered_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("handled_by", sa.String(36), nullable=True),
    )
    op.create_index("ix_voice_items_tenant_id_created_at", "voice_items", ["tenant_id", "created_at"])

    op.create_table(
        "voice_me_too", _id(), _tenant(),
        sa.Column("voice_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "voice_id", "user_id", name="uq_voice_me_too_voice_user"),
    )

    op.create_table(
        "branches", _id(), _tenant(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_branches_name"),
    )

    op.create_table(
        "branch_members", _id(), _tenant(),
        sa.Column("branch_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("display_name", sa.String(50), nullable=False),
        sa.Column("floating", sa.Boolean(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "branch_id", "user_id", name="uq_branch_members_branch_user"),
    )
    op.create_index("ix_branch_members_tenant_id_user_id", "branch_members", ["tenant_id", "user_id"])

    op.create_table(
        "grid_members", _id(), _tenant(),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("display_name", sa.String(50), nullable=False),
        sa.Column("grid", sa.String(100), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_grid_members_user"),
    )

    op.create_table(
        "projects", _id(), _tenant(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("adopter_kind", sa.String(20), nullable=False),
        sa.Column("adopter_branch_id", sa.String(36), nullable=True),
        sa.Column("adopter_name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("adopted_by", sa.String(36), nullable=False),
        sa.Column("adopted_at", TS, nullable=False),
    )
    op.create_index("ix_projects_tenant_id_created_at", "projects", ["tenant_id", "adopted_at"])

    op.create_table(
        "duties", _id(), _tenant(),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.String(5), nullable=False),
        sa.Column("end_time", sa.String(5), nullable=False),
        sa.Column("volunteers_needed", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_duties_tenant_id_project_id", "duties", ["tenant_id", "project_id"])

    op.create_table(
        "duty_slots", _id(), _tenant(),
        sa.Column("duty_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.UniqueConstraint("tenant_id", "duty_id", "starts_at", name="uq_duty_slots_duty_start"),
    )
    op.create_index("ix_duty_slots_tenant_id_starts_at", "duty_slots", ["tenant_id", "starts_at"])

    op.create_table(
        "duty_signups", _id(), _tenant(),
        sa.Column("slot_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("signed_up_at", TS, nullable=False),
        sa.Column("completed_at", TS, nullable=True),
        sa.Column("photo_ref", sa.String(300), nullable=True),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.UniqueConstraint("tenant_id", "slot_id", "user_id", name="uq_duty_signups_slot_user"),
    )
    op.create_index("ix_duty_signups_tenant_id_user_id", "duty_signups", ["tenant_id", "user_id"])

    op.create_table(
        "assets", _id(), _tenant(),
        sa.Column("audience", sa.String(2000), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("amenities", sa.JSON(), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_assets_tenant_id_kind", "assets", ["tenant_id", "kind"])

    for table in TABLES:
        enable_tenant_rls(table, shareable=(table == "assets"))


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
