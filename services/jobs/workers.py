"""Worker registration (零工登记): who may register, read, change and list profiles.

Pure rules over a tenant-scoped session; no broker, no nameko.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.common.context import CallContext
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.jobs.models import WorkerProfile

STAFF_ROLES = ("staff", "tenant_admin")


def is_staff(ctx: CallContext) -> bool:
    return ctx.has_any_role(*STAFF_ROLES)


def register(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> WorkerProfile:
    """A resident registers themselves; staff may register someone on their
    behalf (with or without an account), and that is recorded in `registered_by`.
    One profile per account per tenant."""
    actor = ctx.require_user()
    user_id: str | None = actor
    if "on_behalf_of_user_id" in data:
        # Present (even as null, for someone without an account): registering another person.
        user_id = data.pop("on_behalf_of_user_id")
        if user_id != actor and not is_staff(ctx):
            raise Forbidden("Only staff can register someone else")
    if user_id is not None:
        existing = session.scalar(select(WorkerProfile.id).where(WorkerProfile.user_id == user_id))
        if existing:
            raise Conflict("This person already has a worker profile", {"worker_id": existing})
    profile = WorkerProfile(user_id=user_id, registered_by=actor, **data)
    session.add(profile)
    session.flush()
    return profile


def get(*, session: Session, ctx: CallContext, worker_id: str) -> WorkerProfile:
    """Staff see every profile of their tenant; a resident sees their own.
    Anything else is NotFound, so ids of other people or tenants reveal nothing."""
    profile = session.get(WorkerProfile, worker_id)
    if profile is None or not _may_see(ctx, profile):
        raise NotFound("Worker profile not found", {"worker_id": worker_id})
    return profile


def update(*, session: Session, ctx: CallContext, worker_id: str, changes: dict[str, Any]) -> WorkerProfile:
    """The person edits their own profile; staff may edit on their behalf.
    With `expected_version`, a concurrent change is refused instead of overwritten."""
    expected_version = changes.pop("expected_version", None)
    if not changes:
        raise ValidationFailed.from_messages({"_schema": ["Nothing to change"]})
    profile = get(session=session, ctx=ctx, worker_id=worker_id)
    if expected_version is not None and expected_version != profile.version:
        raise Conflict("The profile changed since you read it", {"current_version": profile.version})
    for key, value in changes.items():
        setattr(profile, key, value)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("The profile changed while saving; read it again") from None
    return profile


def list_page(
    *, session: Session, ctx: CallContext, limit: int, after: str | None
) -> tuple[list[WorkerProfile], str | None]:
    """Staff list the tenant's profiles; a resident's list holds only their own.
    Keyset pagination on id, so deep pages cost the same as the first."""
    query = select(WorkerProfile).order_by(WorkerProfile.id).limit(limit + 1)
    if not is_staff(ctx):
        query = query.where(WorkerProfile.user_id == ctx.require_user())
    if after:
        query = query.where(WorkerProfile.id > after)
    rows = list(session.scalars(query))
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


def _may_see(ctx: CallContext, profile: WorkerProfile) -> bool:
    return is_staff(ctx) or (ctx.user_id is not None and profile.user_id == ctx.user_id)
