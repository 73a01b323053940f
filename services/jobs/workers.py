"""Worker registration (零工登记): who may register, read, change and list profiles.

Pure rules over a tenant-scoped session; no broker, no nameko.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.common import members
from services.common.context import CallContext
from services.common.database import announce
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.jobs import access, events, skills
from services.jobs.contracts import messages as words
from services.jobs.data import DEFAULTS
from services.jobs.models import WorkerCertificate, WorkerProfile


def register(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> WorkerProfile:
    """A resident registers themselves; staff may register someone on their
    behalf (with or without an account), and that is recorded in `registered_by`.
    One profile per account per tenant."""
    actor = ctx.require_user()
    user_id: str | None = actor
    if "on_behalf_of_user_id" in data:
        # Present (even as null, for someone without an account): registering another person.
        user_id = data.pop("on_behalf_of_user_id")
        if user_id != actor and not access.is_staff(ctx):
            raise Forbidden(words.ONLY_STAFF_REGISTER_OTHERS)
        if user_id is not None and user_id != actor:
            members.require_member(session, user_id, field="on_behalf_of_user_id")
    if "skills" in data:
        data["skills"] = skills.normalise(session=session, values=data["skills"])
    if user_id is not None:
        existing = session.scalar(select(WorkerProfile.id).where(WorkerProfile.user_id == user_id))
        if existing:
            raise Conflict(words.WORKER_EXISTS, {"worker_id": existing})
    profile = WorkerProfile(user_id=user_id, registered_by=actor, **data)
    try:
        # Two registrations at once (a client retrying while its first try is still committing): the unique
        # constraint keeps the first, and the second hears what it would have heard a moment later.
        with session.begin_nested():
            session.add(profile)
    except IntegrityError:
        existing = session.scalar(select(WorkerProfile.id).where(WorkerProfile.user_id == user_id))
        if existing is None:
            raise
        raise Conflict(words.WORKER_EXISTS, {"worker_id": existing}) from None
    announce(session, events.WORKER_REGISTERED, events.WorkerRegisteredData().dump({
        "worker_id": profile.id, "user_id": profile.user_id, "skills": profile.skills, "groups": profile.groups,
        "home_area": profile.home_area, "registered_by": profile.registered_by, "registered_at": profile.created_at,
    }), subject=profile.id)
    return profile


def get(*, session: Session, ctx: CallContext, worker_id: str) -> WorkerProfile:
    """Staff see every profile of their tenant; a resident sees their own.
    Anything else is NotFound, so ids of other people or tenants reveal nothing."""
    profile = session.get(WorkerProfile, worker_id)
    if profile is None or not access.may_see_profile(ctx, profile):
        raise NotFound(words.WORKER_NOT_FOUND, {"worker_id": worker_id})
    return profile


def update(*, session: Session, ctx: CallContext, worker_id: str, changes: dict[str, Any]) -> WorkerProfile:
    """The person edits their own profile; staff may edit on their behalf.
    With `expected_version`, a concurrent change is refused instead of overwritten."""
    expected_version = changes.pop("expected_version", None)
    if not changes:
        raise ValidationFailed.from_messages({"_schema": [words.NOTHING_TO_CHANGE]})
    profile = get(session=session, ctx=ctx, worker_id=worker_id)
    if expected_version is not None and expected_version != profile.version:
        raise Conflict(words.PROFILE_CHANGED, {"current_version": profile.version})
    if "skills" in changes:
        changes["skills"] = skills.normalise(session=session, values=changes["skills"])
    for key, value in changes.items():
        setattr(profile, key, value)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(words.PROFILE_CHANGED_WHILE_SAVING) from None
    return profile


def list_page(*, session: Session, ctx: CallContext, limit: int, after: str | None) -> Page[WorkerProfile]:
    """Staff page through their tenant's profiles; a resident's list holds only their own."""
    query = select(WorkerProfile)
    if not access.is_staff(ctx):
        query = query.where(WorkerProfile.user_id == ctx.require_user())
    return keyset_page(session, query, keys=[Key(WorkerProfile.id)], limit=limit, after=after)


# --- certificates ----------------------------------------------------------------


def add_certificate(*, session: Session, ctx: CallContext, worker_id: str, data: dict[str, Any]) -> WorkerCertificate:
    """The person (or staff for them) declares a certificate they hold."""
    profile = get(session=session, ctx=ctx, worker_id=worker_id)
    if data.get("skill"):
        data["skill"] = skills.normalise(session=session, values=[data["skill"]], field="skill")[0]
    if data.get("issued_at") and data.get("expires_at") and data["expires_at"] <= data["issued_at"]:
        raise ValidationFailed.from_messages({"expires_at": [words.EXPIRES_AFTER_ISSUED]})
    certificate = WorkerCertificate(worker_id=profile.id, source="self", **data)
    session.add(certificate)
    session.flush()
    return certificate


def certificates(*, session: Session, ctx: CallContext, worker_id: str) -> list[WorkerCertificate]:
    profile = get(session=session, ctx=ctx, worker_id=worker_id)
    return list(session.scalars(select(WorkerCertificate).where(WorkerCertificate.worker_id == profile.id)
                                .order_by(WorkerCertificate.created_at)))


def certificate_out(certificate: WorkerCertificate, *, now: datetime) -> dict[str, Any]:
    return {
        **{c: getattr(certificate, c) for c in ("id", "worker_id", "name", "skill", "number", "issued_at",
                                                 "expires_at", "source")},
        "valid": certificate.expires_at is None or certificate.expires_at > now,
    }


def add_issued_certificate(*, session: Session, data: dict[str, Any]) -> WorkerCertificate | None:
    """From training's `certificate_issued`: put the certificate on the holder's
    profile in this tenant. No profile yet: nothing to add (None). The skill is
    matched against the taxonomy when it can be; an unknown one is kept as a name."""
    profile = session.scalars(select(WorkerProfile).where(WorkerProfile.user_id == data.get("user_id"))).one_or_none()
    if profile is None:
        return None
    existing = session.scalars(select(WorkerCertificate).where(
        WorkerCertificate.worker_id == profile.id, WorkerCertificate.source_ref == data["certificate_id"])).first()
    if existing is not None:
        return existing
    skill = None
    if data.get("skill"):
        try:
            skill = skills.normalise(session=session, values=[data["skill"]], field="skill")[0]
        except ValidationFailed:
            skill = None
    certificate = WorkerCertificate(
        worker_id=profile.id, name=data.get("certificate_name") or DEFAULTS["certificate_name"], skill=skill,
        number=data.get("code"), issued_at=_parse_time(data.get("issued_at")),
        expires_at=_parse_time(data.get("expires_at")), source="training", source_ref=data["certificate_id"],
    )
    session.add(certificate)
    if skill and skill not in profile.skills:
        profile.skills = [*profile.skills, skill]
    session.flush()
    return certificate


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:

        parsed = parsed.replace(tzinfo=UTC)
    return parsed
