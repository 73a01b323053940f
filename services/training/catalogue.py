"""The course catalogue: categories, courses, their completion rules, and publishing to other tenants.

A tenant (a community, or a partner college) writes courses as drafts, then publishes each to its own
tenant, to named community tenants, or to all. Publishing copies the audience onto the course's sessions
and meetings, so that the same sharing rule governs every row a learner reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import Shareable, announce, utcnow
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.locales import translations
from services.common.messages import Message
from services.common.pagination import Key, Page, keyset_page
from services.training import events
from services.training.access import require_host_staff, shared_with
from services.training.contracts.messages import (
    AGE_RANGE_ORDER,
    AGE_RANGE_REQUIRED,
    CATEGORIES,
    CERTIFICATE_NAME_REQUIRED,
    COURSE_ALREADY_WITHDRAWN,
    COURSE_NOT_FOUND,
    COURSE_WITHDRAWN,
    KIND_FIXED,
    NOTHING_TO_CHANGE,
    PASS_MARK_REQUIRED,
    UNKNOWN_CATEGORY,
)
from services.training.models import Category, Course, CourseSession, Meeting


def category_rows() -> list[tuple[str, str, str, int]]:
    """(id, Chinese name, English name, position) of the 12 categories (contracts.messages.CATEGORIES), their
    Chinese names from the catalogue. Migration 0002 seeds a frozen copy of these rows."""
    chinese = translations("zh_CN", "training").gettext
    return [(c.value, chinese(c.text), c.text, position) for position, c in enumerate(CATEGORIES.choices, start=1)]


def seed_categories(*, session: Session) -> None:
    """For databases built from the models (unit tests); migrations seed their own copy."""
    for category_id, name_zh, name_en, position in category_rows():
        session.merge(Category(id=category_id, name_zh=name_zh, name_en=name_en, position=position))


def list_categories(*, session: Session, limit: int, after: str | None) -> Page[Category]:
    return keyset_page(session, select(Category), keys=[Key(Category.position), Key(Category.id)], limit=limit,
                       after=after)


def create_course(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> Course:
    """Staff write a course as a draft in their own tenant."""
    require_host_staff(ctx, ctx.tenant)
    course = Course(created_by=ctx.require_user(), status="draft", audience="", **data)
    _check_rules(session=session, course=course)
    session.add(course)
    session.flush()
    return course


def update_course(*, session: Session, ctx: CallContext, course_id: str, changes: dict[str, Any]) -> Course:
    """Staff of the owning tenant change a course; the kind of a published course is fixed, because
    sessions, enrolments and certificates already rely on it."""
    if not changes:
        raise ValidationFailed.from_messages({"_schema": [NOTHING_TO_CHANGE]})
    course = get_course(session=session, ctx=ctx, course_id=course_id)
    require_host_staff(ctx, course.tenant_id)
    if course.status != "draft" and "kind" in changes and changes["kind"] != course.kind:
        raise Conflict(KIND_FIXED,
                       {"course_status": course.status, "kind": course.kind})
    for key, value in changes.items():
        setattr(course, key, value)
    _check_rules(session=session, course=course)
    session.flush()
    return course


def publish(*, session: Session, ctx: CallContext, course_id: str, tenants: list[str], everyone: bool) -> Course:
    """Publish to the own tenant only (no tenants named), to named tenants, or to everyone. Publishing
    again changes the audience; the audience is copied onto the course's sessions and meetings."""
    course = get_course(session=session, ctx=ctx, course_id=course_id)
    require_host_staff(ctx, course.tenant_id)
    if course.status == "withdrawn":
        raise Conflict(COURSE_WITHDRAWN, {"course_status": course.status})
    others = sorted(set(tenants) - {course.tenant_id})
    audience = Shareable.audience_for(others, everyone=everyone)
    course.audience = audience
    course.status = "published"
    course.published_at = course.published_at or utcnow()
    session.execute(update(CourseSession).where(CourseSession.course_id == course.id).values(audience=audience))
    session.execute(update(Meeting).where(Meeting.course_id == course.id).values(audience=audience))
    session.flush()
    announce(session, events.COURSE_PUBLISHED, events.CoursePublishedData().dump({
        "course_id": course.id, "kind": course.kind, "category_id": course.category_id,
        "target_groups": course.target_groups, "audience": Shareable.audience_tenants(audience),
        "published_at": utcnow(),
    }), subject=course.id, tenant_id=course.tenant_id)
    return course


def withdraw(*, session: Session, ctx: CallContext, course_id: str) -> Course:
    """No new enrolments; people already enrolled keep their places, records and certificates."""
    course = get_course(session=session, ctx=ctx, course_id=course_id)
    require_host_staff(ctx, course.tenant_id)
    if course.status == "withdrawn":
        raise Conflict(COURSE_ALREADY_WITHDRAWN, {"course_status": course.status})
    course.status = "withdrawn"
    session.flush()
    return course


def get_course(*, session: Session, ctx: CallContext, course_id: str) -> Course:
    """The owner sees its drafts; other tenants see a course only once it is published to them."""
    course = session.get(Course, course_id)
    if course is None or not shared_with(course, ctx.tenant) or (course.tenant_id != ctx.tenant
                                                                  and course.status == "draft"):
        raise NotFound(COURSE_NOT_FOUND, {"course_id": course_id})
    return course


def list_courses(*, session: Session, ctx: CallContext, kind: str | None, category_id: str | None,
                 target_group: str | None, limit: int, after: str | None) -> Page[Course]:
    """Published courses visible to the caller's tenant (own and shared), plus the owner's drafts for its
    staff, in id order."""
    own = Course.tenant_id == ctx.tenant
    query = select(Course).where((Course.status == "published") | own)
    if kind:
        query = query.where(Course.kind == kind)
    if category_id:
        query = query.where(Course.category_id == category_id)
    page = keyset_page(session, query, keys=[Key(Course.id)], limit=limit, after=after)
    if target_group:
        # target_groups is a short JSON list; filtering the page here keeps one query shape on every
        # backend (a page may come back shorter than `limit`, never skipping a course).
        return Page([c for c in page.items if not c.target_groups or target_group in c.target_groups],
                    page.next_cursor)
    return page


def _check_rules(*, session: Session, course: Course) -> None:
    errors: dict[str, list[Message]] = {}
    # A changed course is already in the session: looking the category up must not flush it first, or an
    # unknown category fails as a foreign-key violation (a 500) instead of this 422.
    with session.no_autoflush:
        unknown_category = course.category_id is not None and session.get(Category, course.category_id) is None
    if unknown_category:
        errors["category_id"] = [UNKNOWN_CATEGORY]
    if course.kind == "certificate":
        if course.pass_mark is None:
            errors["pass_mark"] = [PASS_MARK_REQUIRED]
        if not course.certificate_name:
            errors["certificate_name"] = [CERTIFICATE_NAME_REQUIRED]
    if course.kind == "children_camp":
        if course.min_age is None or course.max_age is None:
            errors["min_age"] = [AGE_RANGE_REQUIRED]
        elif course.min_age > course.max_age:
            errors["max_age"] = [AGE_RANGE_ORDER]
    if errors:
        raise ValidationFailed.from_messages(errors)
