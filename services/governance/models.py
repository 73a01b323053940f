"""Tables of the governance service (its own database).

Kept identical to migrations/versions/0002_governance.py + 0003 + 0006 (a unit test compares them).
Every domain table is tenant-owned and row-level secured; indexes lead with tenant_id.
A council and what hangs off it (sessions, proposals, votes, resolutions, action items) are
Shareable: `audience` is the council's, so members seated from other communities read them;
only the owning community writes them (a guest's own acts are written there on their behalf).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.common.database import Shareable, TenantScoped, UtcDateTime, new_id, service_base, utcnow

Base = service_base("governance")


def _id() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


# --- Red Tea Council (红茶议事会) ------------------------------------------------------


class Council(Shareable, Base):
    """A standing deliberation body of one community, on a theme (e.g. 小哥友好)."""

    __tablename__ = "councils"
    __table_args__ = (Index("ix_councils_tenant_id_created_at", "tenant_id", "created_at"),)

    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(100))
    theme: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CouncilMember(TenantScoped, Base):
    """A seat on a council, with the stakeholder group the person speaks for.
    `user_id` is NULL for someone without an account (they take part in the room)."""

    __tablename__ = "council_members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "council_id", "user_id", name="uq_council_members_council_user"),
        Index("ix_council_members_tenant_id_council_id", "tenant_id", "council_id", "joined_at"),
    )

    id: Mapped[str] = _id()
    council_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # The community the person belongs to: the council's own, or one it is shared with.
    home_tenant_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(50))
    stakeholder_group: Mapped[str] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Topic(TenantScoped, Base):
    """A matter put before a council (议题), opened by staff or promoted from a voice item."""

    __tablename__ = "topics"
    __table_args__ = (Index("ix_topics_tenant_id_council_id", "tenant_id", "council_id", "created_at"),)

    id: Mapped[str] = _id()
    council_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    source_voice_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    opened_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CouncilSession(Shareable, Base):
    """A sitting of a council: agenda, time, place or link, attendance and minutes."""

    __tablename__ = "council_sessions"
    __table_args__ = (Index("ix_council_sessions_tenant_id_council_id", "tenant_id", "council_id", "starts_at"),)

    id: Mapped[str] = _id()
    council_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[list[str]] = mapped_column(JSON, default=list)
    topic_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    venue: Mapped[str | None] = mapped_column(String(200), nullable=True)
    online_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    registration_code: Mapped[str] = mapped_column(String(12))
    chair_member_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    minutes: Mapped[str | None] = mapped_column(Text, nullable=True)
    decisions: Mapped[list[str]] = mapped_column(JSON, default=list)
    linked_proposal_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # When `council_session_due` was announced (claimed once, 24 h before the start).
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SessionInvitation(TenantScoped, Base):
    """A member invited to a session, and whether (and how) they checked in."""

    __tablename__ = "session_invitations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "session_id", "member_id", name="uq_session_invitations_session_member"),
    )

    id: Mapped[str] = _id()
    session_id: Mapped[str] = mapped_column(String(36))
    member_id: Mapped[str] = mapped_column(String(36))
    invited_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    check_in_method: Mapped[str | None] = mapped_column(String(20), nullable=True)


class HandTally(TenantScoped, Base):
    """A show of hands in the room: counts entered by the chair, valid once a
    second member who was present signs them off."""

    __tablename__ = "hand_tallies"
    __table_args__ = (Index("ix_hand_tallies_tenant_id_session_id", "tenant_id", "session_id"),)

    id: Mapped[str] = _id()
    session_id: Mapped[str] = mapped_column(String(36))
    motion: Mapped[str] = mapped_column(String(300))
    proposal_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    in_favour: Mapped[int] = mapped_column(Integer)
    against: Mapped[int] = mapped_column(Integer)
    abstained: Mapped[int] = mapped_column(Integer)
    entered_by_member_id: Mapped[str] = mapped_column(String(36))
    signed_off_by_member_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    signed_off_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- Proposals and votes ------------------------------------------------------------


class Proposal(Shareable, Base):
    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_tenant_id_council_id", "tenant_id", "council_id", "created_at"),)

    id: Mapped[str] = _id()
    council_id: Mapped[str] = mapped_column(String(36))
    topic_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    author_user_id: Mapped[str] = mapped_column(String(36))
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ProposalComment(TenantScoped, Base):
    """Deliberation: threaded comments (a reply names its parent)."""

    __tablename__ = "proposal_comments"
    __table_args__ = (Index("ix_proposal_comments_tenant_id_proposal_id", "tenant_id", "proposal_id", "created_at"),)

    id: Mapped[str] = _id()
    proposal_id: Mapped[str] = mapped_column(String(36))
    parent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    author_user_id: Mapped[str] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Vote(Shareable, Base):
    """The poll on one proposal: a window, a quorum, a threshold, open or secret."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "proposal_id", name="uq_votes_proposal"),
        Index("ix_votes_tenant_id_status_closes_at", "tenant_id", "status", "closes_at"),
    )

    id: Mapped[str] = _id()
    proposal_id: Mapped[str] = mapped_column(String(36))
    council_id: Mapped[str] = mapped_column(String(36))
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    remind_at: Mapped[datetime] = mapped_column(UtcDateTime)
    quorum_percent: Mapped[int] = mapped_column(Integer)
    threshold_percent: Mapped[int] = mapped_column(Integer)
    block_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="open")
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    opened_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class VoteReceipt(TenantScoped, Base):
    """That a member voted, in which channel: the unique key is what makes it one
    member, one vote across online and in-room channels. For an open ballot it
    names the ballot; for a secret ballot it names nothing."""

    __tablename__ = "vote_receipts"
    __table_args__ = (UniqueConstraint("tenant_id", "vote_id", "member_id", name="uq_vote_receipts_vote_member"),)

    id: Mapped[str] = _id()
    vote_id: Mapped[str] = mapped_column(String(36))
    member_id: Mapped[str] = mapped_column(String(36))
    channel: Mapped[str] = mapped_column(String(10))
    ballot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Ballot(TenantScoped, Base):
    """A choice. Open ballots name their member and times; a secret ballot keeps
    only what the tally needs (choice, stakeholder group, channel) plus the hash of
    a receipt code that only the voter holds, so its voter cannot be recovered."""

    __tablename__ = "ballots"
    __table_args__ = (
        Index("ix_ballots_tenant_id_vote_id", "tenant_id", "vote_id"),
        UniqueConstraint("tenant_id", "token_hash", name="uq_ballots_token_hash"),
    )

    id: Mapped[str] = _id()
    vote_id: Mapped[str] = mapped_column(String(36))
    choice: Mapped[str] = mapped_column(String(10))
    stakeholder_group: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    member_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cast_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SecretBallotInbox(TenantScoped, Base):
    """A secret ballot between casting and mixing. It is written in the same
    transaction as the voter's receipt (so a ballot is never lost or counted twice),
    which links the two through PostgreSQL's `xmin` for as long as it sits here;
    `voting.mix` moves it into `ballots` at once, rewriting the vote's whole secret
    pool in shuffled order, and deletes it. No member, no time, random id."""

    __tablename__ = "secret_ballot_inbox"
    __table_args__ = (
        Index("ix_secret_ballot_inbox_tenant_id_vote_id", "tenant_id", "vote_id"),
        UniqueConstraint("tenant_id", "token_hash", name="uq_secret_ballot_inbox_token_hash"),
    )

    id: Mapped[str] = _id()
    vote_id: Mapped[str] = mapped_column(String(36))
    choice: Mapped[str] = mapped_column(String(10))
    stakeholder_group: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64))


# --- Resolutions and follow-through ---------------------------------------------------


class Resolution(Shareable, Base):
    """An adopted proposal made binding: a convention with its text and effective date."""

    __tablename__ = "resolutions"
    __table_args__ = (UniqueConstraint("tenant_id", "proposal_id", name="uq_resolutions_proposal"),)

    id: Mapped[str] = _id()
    proposal_id: Mapped[str] = mapped_column(String(36))
    council_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    adopted_by: Mapped[str] = mapped_column(String(36))
    adopted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ActionItem(Shareable, Base):
    """A piece of a resolution someone must do, and whether residents agree it is done."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_tenant_id_resolution_id", "tenant_id", "resolution_id"),)

    id: Mapped[str] = _id()
    resolution_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    assignee_kind: Mapped[str] = mapped_column(String(30))
    assignee_name: Mapped[str] = mapped_column(String(100))
    assignee_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    dispute_threshold: Mapped[int] = mapped_column(Integer, default=3)
    completion_round: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ActionItemUpdate(TenantScoped, Base):
    """The item's history: progress notes, completion claims, reopenings."""

    __tablename__ = "action_item_updates"
    __table_args__ = (Index("ix_action_item_updates_tenant_id_item_id", "tenant_id", "item_id", "created_at"),)

    id: Mapped[str] = _id()
    item_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    progress_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ActionItemFeedback(TenantScoped, Base):
    """A resident's verdict on a completion claim; one per person per claim (round)."""

    __tablename__ = "action_item_feedback"
    __table_args__ = (
        UniqueConstraint("tenant_id", "item_id", "round", "user_id", name="uq_action_item_feedback_round_user"),
    )

    id: Mapped[str] = _id()
    item_id: Mapped[str] = mapped_column(String(36))
    round: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(36))
    verdict: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- Couriers have a say (小哥有话讲) -----------------------------------------------------


class VoiceItem(TenantScoped, Base):
    __tablename__ = "voice_items"
    __table_args__ = (Index("ix_voice_items_tenant_id_created_at", "tenant_id", "created_at"),)

    id: Mapped[str] = _id()
    author_user_id: Mapped[str] = mapped_column(String(36))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(30))
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    topic_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    me_too_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    first_answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    handled_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class VoiceMeToo(TenantScoped, Base):
    __tablename__ = "voice_me_too"
    __table_args__ = (UniqueConstraint("tenant_id", "voice_id", "user_id", name="uq_voice_me_too_voice_user"),)

    id: Mapped[str] = _id()
    voice_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- Branches and grid ------------------------------------------------------------------


class Branch(TenantScoped, Base):
    """A party branch: residential, building group, or occupational (e.g. a courier branch)."""

    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_branches_name"),)

    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BranchMember(TenantScoped, Base):
    __tablename__ = "branch_members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "branch_id", "user_id", name="uq_branch_members_branch_user"),
        Index("ix_branch_members_tenant_id_user_id", "tenant_id", "user_id"),
    )

    id: Mapped[str] = _id()
    branch_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(String(36))
    display_name: Mapped[str] = mapped_column(String(50))
    floating: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str] = mapped_column(String(20), default="member")
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class GridMember(TenantScoped, Base):
    """A backbone resident in the community grid force (网格)."""

    __tablename__ = "grid_members"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_grid_members_user"),)

    id: Mapped[str] = _id()
    user_id: Mapped[str] = mapped_column(String(36))
    display_name: Mapped[str] = mapped_column(String(50))
    grid: Mapped[str] = mapped_column(String(100))
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- Vanguard-led projects (先锋领办项目) and key small matters (关键小事) -----------------


class Project(TenantScoped, Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_tenant_id_created_at", "tenant_id", "adopted_at"),)

    id: Mapped[str] = _id()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30))
    adopter_kind: Mapped[str] = mapped_column(String(20))
    adopter_branch_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    adopter_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="active")
    adopted_by: Mapped[str] = mapped_column(String(36))
    adopted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Duty(TenantScoped, Base):
    """A recurring duty of a project, e.g. cleaning a rest station every Saturday 09:00–10:00 (Beijing time)."""

    __tablename__ = "duties"
    __table_args__ = (Index("ix_duties_tenant_id_project_id", "tenant_id", "project_id"),)

    id: Mapped[str] = _id()
    project_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[str] = mapped_column(String(5))
    end_time: Mapped[str] = mapped_column(String(5))
    volunteers_needed: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DutySlot(TenantScoped, Base):
    """One occurrence of a duty; `taken` counts sign-ups so capacity holds under concurrency."""

    __tablename__ = "duty_slots"
    __table_args__ = (
        UniqueConstraint("tenant_id", "duty_id", "starts_at", name="uq_duty_slots_duty_start"),
        Index("ix_duty_slots_tenant_id_starts_at", "tenant_id", "starts_at"),
    )

    id: Mapped[str] = _id()
    duty_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(36))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)
    # When `duty_slot_due` was announced (claimed once, the day before the start).
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class DutySignup(TenantScoped, Base):
    """A volunteer on a slot; checking in on completion makes it a completed duty."""

    __tablename__ = "duty_signups"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slot_id", "user_id", name="uq_duty_signups_slot_user"),
        Index("ix_duty_signups_tenant_id_user_id", "tenant_id", "user_id"),
    )

    id: Mapped[str] = _id()
    slot_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20), default="signed_up")
    signed_up_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    photo_ref: Mapped[str | None] = mapped_column(String(300), nullable=True)
    hours: Mapped[float | None] = mapped_column(Float, nullable=True)


# --- Community assets (党群服务一张图) ----------------------------------------------------


class Asset(Shareable, Base):
    """A service centre, station or courier rest stop (暖蜂驿站) on the public map.
    Shareable: a community may show its rest stops in every community's listing."""

    __tablename__ = "assets"
    __table_args__ = (Index("ix_assets_tenant_id_kind", "tenant_id", "kind"),)

    id: Mapped[str] = _id()
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    opening_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    amenities: Mapped[list[str]] = mapped_column(JSON, default=list)
    project_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
