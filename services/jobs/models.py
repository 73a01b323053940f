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
