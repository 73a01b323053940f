"""Tables of the training service (its own database).

Who owns what (see docs/training.md, "Tenancy"):
- A course, its sessions and meetings belong to the tenant that runs them (a community, or a partner
  college) and are `Shareable`: publishing a course copies its audience onto them.
- Everything on a session's roster (enrolments, attendance, certificates, ratings) belongs to the
  session's tenant too, so that capacity, the waitlist and one rating per person are decided inside one
  tenant under one lock. A row about a resident of another community is shared with that community
  (`audience` = the learner's tenant) so that the resident and their community can read it.
- `categories` is reference data and `certificate_register` the public register the no-login
  verification page reads; neither holds anything private, so neither is tenant-owned.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.common.database import Shareable, TenantScoped, UtcDateTime, new_id, service_base, utcnow

Base = service_base("training")


class Category(Base):
    """One of the 12 categories of free vocational courses; the same for every tenant."""

    __tablename__ = "categories"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)


class Mentor(Shareable, Base):
    """A teacher's profile (e.g. of the gold-medal mentor team of a partner college), shown across tenants."""

    __tablename__ = "mentors"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_mentors_tenant_user"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36))
    display_name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(String(100), nullable=True)
    organisation: Mapped[str | None] = mapped_column(String(100), nullable=True)
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    bio: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Course(Shareable, Base):
    """A course in the catalogue; its completion rules hold for every session of it."""

    __tablename__ = "courses"
    __table_args__ = (Index("ix_courses_tenant_status", "tenant_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    category_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # vocational | certificate | cultural | first_aid | children_camp
    # in_person | night_school | online | master_class
    format: Mapped[str] = mapped_column(String(20), default="in_person")
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(4000), default="")
    prerequisites: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: open to everyone
    language: Mapped[str] = mapped_column(String(10), default="zh")
    min_age: Mapped[int | None] = mapped_column(Integer, nullable=True)  # children's camp
    max_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_attendance_share: Mapped[float] = mapped_column(Float, default=0.8)
    pass_mark: Mapped[int | None] = mapped_column(Integer, nullable=True)  # certificate courses
    certificate_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    skill: Mapped[str | None] = mapped_column(String(40), nullable=True)
    certificate_valid_months: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: never expires
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | published | withdrawn
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class CourseSession(Shareable, Base):
    """A cohort of a course: its meetings, place, mentor, capacity and enrolment window.

    `enrolled_count`, `waitlisted_count` and `arrivals` are kept under a row lock on
    this row; `arrivals` numbers requests in the order they were decided."""

    __tablename__ = "course_sessions"
    __table_args__ = (Index("ix_course_sessions_tenant_course", "tenant_id", "course_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    label: Mapped[str] = mapped_column(String(100))
    mentor_id: Mapped[str | None] = mapped_column(ForeignKey("mentors.id"), nullable=True)
    venue: Mapped[str | None] = mapped_column(String(200), nullable=True)
    online_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    capacity: Mapped[int] = mapped_column(Integer)
    waitlist_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: unlimited
    enrol_opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    enrol_closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    enrolled_count: Mapped[int] = mapped_column(Integer, default=0)
    waitlisted_count: Mapped[int] = mapped_column(Integer, default=0)
    arrivals: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    # Loaded when read (the schedule is shown with the session), never in the enrolment hot path.
    meetings: Mapped[list[Meeting]] = relationship(order_by="Meeting.starts_at", viewonly=True)


class Meeting(Shareable, Base):
    """One class meeting of a session (a "class": what is moved, cancelled and reminded of); `checkin_secret`
    keys its rotating QR codes and never leaves the service.

    `venue` is where this one class is held when staff moved it away from the session's venue (None: the
    session's). A cancelled class keeps its row (`cancelled_at`, `cancel_reason` a code of
    contracts.messages.CLASS_CANCEL_REASONS) and no longer counts as held. `reminded_at` is claimed by the
    reminder timer when it announces `class_due`, so each class is announced once per start time."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_tenant_session_start", "tenant_id", "session_id", "starts_at"),
        Index("ix_meetings_reminder_due", "reminded_at", "starts_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("course_sessions.id"))
    course_id: Mapped[str] = mapped_column(String(36))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    topic: Mapped[str | None] = mapped_column(String(200), nullable=True)
    checkin_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    venue: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Enrolment(Shareable, Base):
    """A person's place on a session: enrolled, waitlisted (in `arrival` order) or cancelled.

    `person_key` is `user:<account>` or, for a child enrolled by a guardian, `child:<guardian>:<name>`;
    unique per session, so a person holds at most one row per session (re-enrolling after a
    cancellation reuses it)."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "session_id", "person_key", name="uq_enrolments_session_person"),
        Index("ix_enrolments_tenant_session_status_arrival", "tenant_id", "session_id", "status", "arrival"),
        Index("ix_enrolments_tenant_user", "tenant_id", "user_id"),
        Index("ix_enrolments_tenant_guardian", "tenant_id", "guardian_user_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("course_sessions.id"))
    course_id: Mapped[str] = mapped_column(String(36))
    learner_tenant_id: Mapped[str] = mapped_column(String(64))
    person_key: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    guardian_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    participant_name: Mapped[str] = mapped_column(String(50))
    child_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20))  # enrolled | waitlisted | cancelled
    arrival: Mapped[int] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    promoted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    exam_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)  # completed | not_completed
    attendance_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcome_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Attendance(Shareable, Base):
    """Someone was at a meeting: marked by staff, checked in by QR, or recorded as a walk-in.
    `make_up` when the enrolment it counts for is in another session of the same course."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("tenant_id", "meeting_id", "person_key", name="uq_attendances_meeting_person"),
        Index("ix_attendances_tenant_enrolment", "tenant_id", "enrolment_id"),
        Index("ix_attendances_tenant_session", "tenant_id", "session_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"))
    session_id: Mapped[str] = mapped_column(String(36))
    course_id: Mapped[str] = mapped_column(String(36))
    enrolment_id: Mapped[str | None] = mapped_column(ForeignKey("enrolments.id"), nullable=True)
    learner_tenant_id: Mapped[str] = mapped_column(String(64))
    person_key: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    participant_name: Mapped[str] = mapped_column(String(50))
    method: Mapped[str] = mapped_column(String(20))  # staff | qr | walk_in
    make_up: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(36))
    attended_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Certificate(Shareable, Base):
    """A certificate earned by completing a certificate course; revocable with a reason."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "enrolment_id", name="uq_certificates_enrolment"),
        UniqueConstraint("tenant_id", "code", name="uq_certificates_code"),
        Index("ix_certificates_tenant_user", "tenant_id", "user_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(24))
    enrolment_id: Mapped[str] = mapped_column(ForeignKey("enrolments.id"))
    course_id: Mapped[str] = mapped_column(String(36))
    session_id: Mapped[str] = mapped_column(String(36))
    course_kind: Mapped[str] = mapped_column(String(20))
    learner_tenant_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    holder_name: Mapped[str] = mapped_column(String(50))
    certificate_name: Mapped[str] = mapped_column(String(100))
    skill: Mapped[str | None] = mapped_column(String(40), nullable=True)
    course_title: Mapped[str] = mapped_column(String(100))
    exam_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class CertificateRegister(Base):
    """The public register behind the no-login verification page: only what that page shows
    (a masked name, never an account id or phone). The code is the key, so it is unique across
    every tenant; the issuing tenant keeps it in step with its `certificates` row."""

    __tablename__ = "certificate_register"

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    issuer_tenant_id: Mapped[str] = mapped_column(String(64))
    holder_masked_name: Mapped[str] = mapped_column(String(50))
    certificate_name: Mapped[str] = mapped_column(String(100))
    course_title: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class Rating(TenantScoped, Base):
    """A participant's rating of a session, once per person; the mentor sees it without the rater's id."""

    __tablename__ = "session_ratings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "session_id", "user_id", name="uq_session_ratings_session_user"),
        Index("ix_session_ratings_tenant_mentor", "tenant_id", "mentor_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("course_sessions.id"))
    mentor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    user_id: Mapped[str] = mapped_column(String(36))
    learner_tenant_id: Mapped[str] = mapped_column(String(64))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
