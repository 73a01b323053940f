"""Tables of the jobs service (its own database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.common.database import TenantScoped, UtcDateTime, new_id, service_base, utcnow

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
