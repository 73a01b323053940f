"""Catalogue, sessions, enrolment, attendance, certificates, mentors and ratings.

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

# The 12 categories of free vocational courses, as seeded on 2026-11-28. A frozen copy:
# services/training/catalogue.py holds the same list and a unit test keeps them equal.
CATEGORIES = [
    ("beauty", "美容美发", "Beauty and hairdressing", 1),
    ("cooking", "中式烹调", "Chinese cooking", 2),
    ("pastry", "中式面点", "Chinese pastry", 3),
    ("photography", "摄影摄像", "Photography and video", 4),
    ("online_shop", "网店运营", "Online-shop operation", 5),
    ("livestream", "直播电商", "Live-stream selling", 6),
    ("crafts", "手工编织", "Handicrafts and weaving", 7),
    ("housekeeping", "家政服务", "Housekeeping", 8),
    ("infant_care", "育婴护理", "Infant care", 9),
    ("elder_care", "养老护理", "Elderly care", 10),
    ("logistics", "快递物流", "Courier and logistics", 11),
    ("digital_skills", "电脑与手机应用", "Computer and smartphone skills", 12),
]


def _tenant_id() -> sa.Column:
    return sa.Column("tenant_id", sa.String(64), nullable=False, index=True)


def _audience() -> sa.Column:
    return sa.Column("audience", sa.String(2000), nullable=False)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    categories = op.create_table(
        "categories",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name_zh", sa.String(40), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.bulk_insert(categories, [{"id": i, "name_zh": zh, "name_en": en, "position": p} for i, zh, en, p in CATEGORIES])

    op.create_table(
        "mentors",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant_id(),
        _audience(),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("display_name", sa.String(50), nullable=False),
        sa.Column("title", sa.String(100), nullable=True),
        sa.Column("organisation", sa.String(100), nullable=True),
        sa.Column("specialties", sa.JSON(), nullable=False),
        sa.Column("bio", sa.String(2000), nullable=True),
        sa.Column("created_by", sa.String(36), nullable=False),
        _when("created_at"),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_mentors_tenant_user"),
    )

    op.create_table(
        "courses",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant_id(),
        _audience(),
        sa.Column("category_id", sa.String(40), sa.ForeignKey("categories.id"), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("prerequisites", sa.String(1000), nullable=True),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("min_attendance_share", sa.Float(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=True),
        sa.Column("certificate_name", sa.String(100), nullable=True),
        sa.Column("skill", sa.String(40), nullable=True),
        sa.Column("certificate_valid_months", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        _when("published_at", nullable=True),
        sa.Column("created_by", sa.String(36), nullable=False),
        _when("created_at"),
        _when("updated_at"),
    )
    op.create_index("ix_courses_tenant_status", "courses", ["tenant_id", "status"])

    op.create_table(
        "course_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant_id(),
        _audience(),
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.id"), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("mentor_id", sa.String(36), sa.ForeignKey("mentors.id"), nullable=True),
        sa.Column("venue", sa.String(200), nullable=True),
        sa.Column("online_url", sa.String(500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("waitlist_limit", sa.Integer(), nullable=True),
        _when("enrol_opens_at"),
        _when("enrol_closes_at"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("enrolled_count", sa.Integer(), nullable=False),
        sa.Column("waitlisted_count", sa.Integer(), nullable=False),
        sa.Column("arrivals", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
        _when("created_at"),
        _when("closed_at", nullable=True),
    )
    op.create_index("ix_course_sessions_tenant_course", "course_sessions", ["tenant_id", "course_id"])

    op.create_table(
        "meetings",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant_id(),
        _audience(),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("course_sessions.id"), nullable=False),
        sa.Column("course_id", sa.String(36), nullable=False),
        _when("starts_at"),
        _when("ends_at"),
        sa.Column("topic", sa.String(200), nullable=True),
        sa.Column("checkin_secret", sa.String(64), nullable=False),
        _when("created_at"),
    )
    op.create_index("ix_meetings_tenant_session_start", "meetings", ["tenant_id", "session_id", "starts_at"])

    op.create_table(
        "enrolments",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant_id(),
        _audience(),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("course_sessions.id"), nullable=False),
        sa.Column("course_id", sa.String(36), nullable=False),
        sa.Column("learner_tenant_id", sa.String(64), nullable=False),
        sa.Column("person_key", sa.String(120), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("guardian_user_id", sa.String(36), nullable=True),
        sa.Column("participant_name", sa.String(50), nullable=False),
        sa.Column("child_age", sa.Integer(), nullable=True),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("arrival", sa.Integer(), nullable=False),
        _when("requested_at"),
        _when("enrolled_at", nullable=True),
        _when("promoted_at", nullable=True),
        _when("cancelled_at", nullable=True),
        sa.Column("cancel_reason", sa.String(200), nullable=True),
        sa.Column("exam_score", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("attendance_share", sa.Float(), nullable=True),
        _when("outcome_at", nullable=True),
        sa.UniqueConstraint("tenant_id", "session_id", "person_key", name="uq_enrolments_session_person"),
    )
    op.create_index("ix_enrolments_tenant_session_status_arrival", "enrolments",
                    ["tenant_id", "session_id", "status", "arrival"])
    op.create_index("ix_enrolments_tenant_user", "enrolments", ["tenant_id", "user_id"])
    op.create_index("ix_enrolments_tenant_guardian", "enrolments", ["tenant_id", "guardian_user_id"])

    op.create_table(
        "attendances",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant_id(),
        _audience(),
        sa.Column("meeting_id", sa.String(36), sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("course_id", sa.String(36), nullable=False),
        sa.Column("enrolment_id", sa.String(36), sa.ForeignKey("enrolments.id"), nullable=True),
        sa.Column("learner_tenant_id", sa.String(64), nullable=False),
        sa.Column("person_key", sa.String(120), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("participant_name", sa.String(50), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("make_up", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(36), nullable=False),
        _when("attended_at"),
        sa.UniqueConstraint("tenant_id", "meeting_id", "person_key", name="uq_attendances_meeting_person"),
    )
    op.create_index("ix_attendances_tenant_enrolment", "attendances", ["tenant_id", "enrolment_id"])
    op.create_index("ix_attendances_tenant_session", "attendances", ["tenant_id", "session_id"])

    op.create_table(
        "certificates",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant_id(),
        _audience(),
        sa.Column("code", sa.String(24), nullable=False),
        sa.Column("enrolment_id", sa.String(36), sa.ForeignKey("enrolments.id"), nullable=False),
        sa.Column("course_id", sa.String(36), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("course_kind", sa.String(20), nullable=False),
        sa.Column("learner_tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("holder_name", sa.String(50), nullable=False),
        sa.Column("certificate_name", sa.String(100), nullable=False),
        sa.Column("skill", sa.String(40), nullable=True),
        sa.Column("course_title", sa.String(100), nullable=False),
        sa.Column("exam_score", sa.Integer(), nullable=True),
        _when("issued_at"),
        _when("expires_at", nullable=True),
        _when("revoked_at", nullable=True),
        sa.Column("revoked_reason", sa.String(500), nullable=True),
        sa.Column("revoked_by", sa.String(36), nullable=True),
        sa.UniqueConstraint("tenant_id", "enrolment_id", name="uq_certificates_enrolment"),
        sa.UniqueConstraint("tenant_id", "code", name="uq_certificates_code"),
    )
    op.create_index("ix_certificates_tenant_user", "certificates", ["tenant_id", "user_id"])

    op.create_table(
        "certificate_register",
        sa.Column("code", sa.String(24), primary_key=True),
        sa.Column("issuer_tenant_id", sa.String(64), nullable=False),
        sa.Column("holder_masked_name", sa.String(50), nullable=False),
        sa.Column("certificate_name", sa.String(100), nullable=False),
        sa.Column("course_title", sa.String(100), nullable=False),
        _when("issued_at"),
        _when("expires_at", nullable=True),
        _when("revoked_at", nullable=True),
        sa.Column("revoked_reason", sa.String(500), nullable=True),
    )

    op.create_table(
        "session_ratings",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant_id(),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("course_sessions.id"), nullable=False),
        sa.Column("mentor_id", sa.String(36), nullable=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("learner_tenant_id", sa.String(64), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(500), nullable=True),
        _when("created_at"),
        sa.UniqueConstraint("tenant_id", "session_id", "user_id", name="uq_session_ratings_session_user"),
    )
    op.create_index("ix_session_ratings_tenant_mentor", "session_ratings", ["tenant_id", "mentor_id"])

    for table in ("mentors", "courses", "course_sessions", "meetings", "enrolments", "attendances", "certificates"):
        enable_tenant_rls(table, shareable=True)
    enable_tenant_rls("session_ratings")


def downgrade() -> None:
    for table in ("session_ratings", "certificate_register", "certificates", "attendances", "enrolments",
                  "meetings", "course_sessions", "courses", "mentors", "categories"):
        op.drop_table(table)
