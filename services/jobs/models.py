"""Tables of the jobs service (its own database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.common.database import (
    AutoIncrementId,
    Shareable,
    TenantScoped,
    UtcDateTime,
    new_id,
    service_base,
    utcnow,
)

Base = service_base("jobs")


class WorkerProfile(TenantScoped, Base):
    """A person registered at the gig market (零工登记)."""

    __tablename__ = "worker_profiles"
    __table_args__ = (
        # One profile per account per tenant; staff-registered people without an
        # account have user_id NULL, which a unique constraint lets repeat.
        UniqueConstraint("tenant_id", "user_id", name="uq_worker_profiles_tenant_user"),
        Index("ix_worker_profiles_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    display_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    home_area: Mapped[str | None] = mapped_column(String(100), nullable=True)
    home_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    home_lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    commute_radius_km: Mapped[float] = mapped_column(Float, default=5.0)
    expected_daily_pay: Mapped[int | None] = mapped_column(Integer, nullable=True)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_recommendations: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class TenantSkill(TenantScoped, Base):
    """A skill a community adds to the default taxonomy (services.jobs.skills.DEFAULT_SKILLS)."""

    __tablename__ = "tenant_skills"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_tenant_skills_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(40))


class WorkerCertificate(TenantScoped, Base):
    """A certificate on a worker's profile: declared by the person, or issued by training."""

    __tablename__ = "worker_certificates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "worker_id", "source_ref", name="uq_worker_certificates_source"),
        Index("ix_worker_certificates_tenant_worker", "tenant_id", "worker_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    worker_id: Mapped[str] = mapped_column(ForeignKey("worker_profiles.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    skill: Mapped[str | None] = mapped_column(String(40), nullable=True)
    number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="self")
    source_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Employer(TenantScoped, Base):
    """An enterprise that posts work; staff verify it before its posts can open.
    The wage reports of its placements make its reliability record."""

    __tablename__ = "employers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    industrial_park: Mapped[str | None] = mapped_column(String(100), nullable=True)
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | verified | suspended
    verified_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(36))
    wages_paid_reports: Mapped[int] = mapped_column(Integer, default=0)
    wages_unpaid_reports: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class EmployerMember(TenantScoped, Base):
    """An account that acts for an employer (role `employer` in the same tenant)."""

    __tablename__ = "employer_members"

    employer_id: Mapped[str] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class JobPost(Shareable, Base):
    """A job post (岗位). Owned by the employer's tenant; its audience decides which
    communities see it (an alliance post shown in all 12 is the normal case)."""

    __tablename__ = "job_posts"
    __table_args__ = (
        Index("ix_job_posts_tenant_status", "tenant_id", "status"),
        Index("ix_job_posts_updated", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    employer_id: Mapped[str] = mapped_column(ForeignKey("employers.id"))
    employer_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(4000), default="")
    job_type: Mapped[str] = mapped_column(String(20))  # gig | part_time | full_time
    shifts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    area: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    pay_amount: Mapped[int] = mapped_column(Integer)
    pay_period: Mapped[str] = mapped_column(String(10))  # hour | day | month | piece
    # Days after a hire when the worker is asked whether wages were paid on time:
    # next day for gig work, after the first payday for monthly pay.
    wage_follow_up_days: Mapped[int] = mapped_column(Integer, default=1)
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    hired_count: Mapped[int] = mapped_column(Integer, default=0)
    required_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_certificates: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    benefits: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft|open|filled|closed|expired
    closed_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Application(Shareable, Base):
    """An application to a post. Owned by the post's tenant (where the employer
    works it) and shared with the applicant's community (audience), so the person
    and their community's staff can follow it."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("post_id", "applicant_user_id", name="uq_applications_post_applicant"),
        Index("ix_applications_tenant_post", "tenant_id", "post_id"),
        Index("ix_applications_applicant", "applicant_user_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    post_id: Mapped[str] = mapped_column(ForeignKey("job_posts.id"))
    applicant_user_id: Mapped[str] = mapped_column(String(36))
    applicant_tenant_id: Mapped[str] = mapped_column(String(64))
    worker_id: Mapped[str] = mapped_column(String(36))
    applicant: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what the person agreed to show
    status: Mapped[str] = mapped_column(String(20), default="applied")
    rejection_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    fair_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ApplicationChange(Shareable, Base):
    """One step of an application's history: who moved it, from what to what, when, why."""

    __tablename__ = "application_changes"
    __table_args__ = (Index("ix_application_changes_application", "tenant_id", "application_id"),)

    seq: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    actor_user_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Placement(Shareable, Base):
    """A hire, followed up: after the follow-up period the worker says whether
    wages were paid on time. Owned by the post's tenant, shared with the worker's."""

    __tablename__ = "placements"
    __table_args__ = (Index("ix_placements_tenant_employer", "tenant_id", "employer_id"),
                      Index("ix_placements_worker", "worker_user_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), unique=True)
    post_id: Mapped[str] = mapped_column(String(36))
    employer_id: Mapped[str] = mapped_column(String(36))
    worker_user_id: Mapped[str] = mapped_column(String(36))
    worker_tenant_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    follow_up_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    wages_paid: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # When the timer announced wage_follow_up_due (claimed once; see placements.announce_follow_ups_due).
    follow_up_reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


# --- Job fairs (家门口的招聘会) and the labour-rights desk (维权服务台) ------------------
# (Appended by the fairs / rights-desk share of issue 3; rules in fairs.py and rights_desk.py.)


class JobFair(Shareable, Base):
    """A doorstep job fair, on site or online, organised by a community or the
    operator for its own residents or for several communities (audience), e.g. a
    special fair for floating party members across communities."""

    __tablename__ = "job_fairs"
    __table_args__ = (Index("ix_job_fairs_tenant_starts", "tenant_id", "starts_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # on_site | online
    description: Mapped[str] = mapped_column(String(2000), default="")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    venue: Mapped[str | None] = mapped_column(String(200), nullable=True)
    online_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft|published|held|cancelled
    cancelled_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Figures frozen when the fair is marked held (the live ones keep growing as hires come in).
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # When the timer announced fair_due (claimed once; cleared when the start moves; see fairs.announce_fairs_due).
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class FairBooth(Shareable, Base):
    """An employer taking part in a fair, with the posts it brings. Lives in the
    fair's tenant and shares the fair's audience (residents see who is coming);
    the employer and posts may belong to an alliance tenant."""

    __tablename__ = "job_fair_booths"
    __table_args__ = (
        UniqueConstraint("tenant_id", "fair_id", "employer_id", name="uq_job_fair_booths_employer"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fair_id: Mapped[str] = mapped_column(ForeignKey("job_fairs.id", ondelete="CASCADE"))
    employer_id: Mapped[str] = mapped_column(String(36))
    employer_name: Mapped[str] = mapped_column(String(100))
    employer_tenant_id: Mapped[str] = mapped_column(String(64))
    booth: Mapped[str | None] = mapped_column(String(40), nullable=True)
    post_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    added_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class FairRegistration(Shareable, Base):
    """A resident's place at a fair (pre-registered, or a walk-in recorded at the
    door). Owned by the fair's tenant and shared with the resident's community
    (audience), so the resident finds it, and their check-in code, from home."""

    __tablename__ = "job_fair_registrations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "fair_id", "user_id", name="uq_job_fair_registrations_user"),
        UniqueConstraint("tenant_id", "fair_id", "code_ref", name="uq_job_fair_registrations_code"),
        Index("ix_job_fair_registrations_fair", "tenant_id", "fair_id", "status"),
        Index("ix_job_fair_registrations_user", "user_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fair_id: Mapped[str] = mapped_column(ForeignKey("job_fairs.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # null: walk-in without an account
    resident_tenant_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20))  # pre_registered | walk_in
    status: Mapped[str] = mapped_column(String(20), default="registered")  # registered|cancelled|checked_in
    # The random half of the check-in code; the other half is its signature.
    code_ref: Mapped[str] = mapped_column(String(16))
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    checked_in_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class DeskMember(TenantScoped, Base):
    """Someone who holds the labour-rights desk for a community: a community
    lawyer, a psychological social worker, a labour inspector or a talent officer."""

    __tablename__ = "rights_desk_members"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_rights_desk_members_user"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36))
    desk_role: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(50))  # how the person is shown, e.g. "王律师"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RightsCase(TenantScoped, Base):
    """A confidential labour-rights case (维权个案) in the person's community: only
    the person, the assignee and tenant admins may read it, and each read is logged."""

    __tablename__ = "rights_cases"
    __table_args__ = (
        Index("ix_rights_cases_tenant_status", "tenant_id", "status"),
        Index("ix_rights_cases_tenant_person", "tenant_id", "person_user_id"),
        Index("ix_rights_cases_tenant_assignee", "tenant_id", "assignee_user_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # null: anonymous hotline caller
    category: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(String(4000))
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    source: Mapped[str] = mapped_column(String(30))  # self | staff | placement_follow_up | hotline
    source_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    opened_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    suggested_desk_role: Mapped[str] = mapped_column(String(30))
    assignee_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    assignee_desk_role: Mapped[str | None] = mapped_column(String(30), nullable=True)
    outcome_note: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    referred_to: Mapped[str | None] = mapped_column(String(200), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    concluded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class CaseEntry(TenantScoped, Base):
    """The case's timeline: notes by the desk (some internal, hidden from the
    person) and each change of status or assignee, with who and when."""

    __tablename__ = "rights_case_entries"
    __table_args__ = (Index("ix_rights_case_entries_case", "tenant_id", "case_id", "seq"),)

    seq: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("rights_cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # note | status | assignment
    author_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    body: Mapped[str] = mapped_column(String(4000))
    visible_to_person: Mapped[bool] = mapped_column(Boolean, default=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CaseAccess(TenantScoped, Base):
    """One read (or change) of a confidential case: who, in what capacity, did
    what, when. The person can list these for their own cases."""

    __tablename__ = "rights_case_access_log"
    __table_args__ = (Index("ix_rights_case_access_log_case", "tenant_id", "case_id", "seq"),)

    seq: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("rights_cases.id", ondelete="CASCADE"))
    actor_user_id: Mapped[str] = mapped_column(String(36))
    capacity: Mapped[str] = mapped_column(String(20))  # person | assignee | tenant_admin
    action: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DeskNotice(TenantScoped, Base):
    """A note to the community's staff that a resident's case needs someone: a
    "wages not paid" answer or a resident's own request opened a case that nobody on
    the desk has yet. It carries only what the `case_opened` event carries (what
    kind of help, where it came from), never who or what happened."""

    __tablename__ = "rights_desk_notices"
    __table_args__ = (Index("ix_rights_desk_notices_tenant_open", "tenant_id", "acknowledged_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("rights_cases.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(30))
    suggested_desk_role: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
