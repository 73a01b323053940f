"""Doorstep job fairs (家门口的招聘会): organising, participating employers and the
posts they bring, resident pre-registration, check-in by QR code, outcome figures.

A fair belongs to the tenant that organises it (a community, or the sub-district
operator) and is Shareable: its audience names the communities whose residents may
see it and register (a special fair for floating party members across communities).
A registration lives in the fair's tenant, shared with the resident's community, so
the organiser works its list and the resident finds their code from home.

Pure rules over tenant-scoped sessions; the entrypoints pick which tenant's session
(the caller's, or the fair's through `db.write_in_tenant` once a rule here allowed it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import Shareable, announce
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.messages import Message
from services.common.pagination import Key, Page, keyset_page
from services.common.shared_messages import SOME_FIELDS_INVALID
from services.jobs import access, events
from services.jobs.contracts import messages as words
from services.jobs.models import Application, Employer, FairBooth, FairRegistration, JobFair, JobPost

ACTIVE_REGISTRATION = ("registered", "checked_in")
# The fair_due reminder goes out this long before a published fair starts.
REMIND_BEFORE = timedelta(days=1)
# Doors open before the start: people queue, and staff scan as they arrive.
CHECK_IN_OPENS_BEFORE = timedelta(hours=2)
MAX_POSTS_PER_BOOTH = 50



def _require_organiser(ctx: CallContext) -> str:
    return access.require_organiser(ctx, words.ONLY_STAFF_ORGANISE)


# --- check-in codes ------------------------------------------------------------------
#
# A code is 16 base32 characters, shown as XXXX-XXXX-XXXX-XXXX and in a QR code: 40
# random bits that name the registration, then 40 bits of HMAC over the fair and that
# reference. Staff scanning a code from another fair, a mistyped or a made-up code are
# told at once, without a database lookup; the reference alone finds the registration.

_REF_BYTES = 5
_MAC_BYTES = 5
# Base32 has no 0, 1 or 8; people reading a code aloud or typing it mix them up with O, I, B.
_TYPO_FIX = str.maketrans({"0": "O", "1": "I", "8": "B"})


def _mac(key: bytes, fair_id: str, ref: str) -> bytes:
    return hmac.new(key, f"fair-check-in:{fair_id}:{ref}".encode(), hashlib.sha256).digest()[:_MAC_BYTES]


def new_code_ref() -> str:
    return base64.b32encode(secrets.token_bytes(_REF_BYTES)).decode()


def check_in_code(*, key: bytes, fair_id: str, code_ref: str) -> str:
    """The code a registration shows (and its QR code encodes)."""
    raw = code_ref + base64.b32encode(_mac(key, fair_id, code_ref)).decode()
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def parse_check_in_code(*, key: bytes, fair_id: str, code: str) -> str:
    """The registration reference in a scanned or typed code, or ValidationFailed
    when the code is malformed, forged, or belongs to another fair."""
    cleaned = "".join(code.split()).replace("-", "").upper().translate(_TYPO_FIX)
    if len(cleaned) != 16:
        raise ValidationFailed.from_messages({"code": [words.INVALID_CHECK_IN_CODE]})
    ref, mac = cleaned[:8], cleaned[8:]
    try:
        given = base64.b32decode(mac)
        base64.b32decode(ref)
    except ValueError:
        raise ValidationFailed.from_messages({"code": [words.INVALID_CHECK_IN_CODE]}) from None
    if not hmac.compare_digest(given, _mac(key, fair_id, ref)):
        raise ValidationFailed.from_messages({"code": [words.INVALID_CHECK_IN_CODE]})
    return ref


# --- organising ----------------------------------------------------------------------


def _audience(data: dict[str, Any], own_tenant: str) -> str:
    if data.get("audience_everyone"):
        return Shareable.audience_for(None, everyone=True)
    tenants = [t for t in data.get("audience_tenants") or [] if t != own_tenant]
    return Shareable.audience_for(tenants)


def _check_shape(fair: JobFair) -> None:
    errors: dict[str, list[Message]] = {}
    if fair.ends_at <= fair.starts_at:
        errors["ends_at"] = [words.FAIR_ENDS_AFTER_START]
    if fair.kind == "on_site" and not fair.venue:
        errors["venue"] = [words.FAIR_NEEDS_VENUE]
    if fair.kind == "online" and not fair.online_url:
        errors["online_url"] = [words.FAIR_NEEDS_LINK]
    if errors:
        raise ValidationFailed.from_messages(errors)


def create_fair(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> JobFair:
    """Staff of a community (or the operator) organise a fair in their own tenant,
    for their residents or for the communities they name. It starts as a draft,
    visible only to the organiser until published."""
    actor = _require_organiser(ctx)
    fields = {k: v for k, v in data.items() if k not in ("audience_tenants", "audience_everyone")}
    fair = JobFair(created_by=actor, status="draft", audience=_audience(data, ctx.tenant), **fields)
    _check_shape(fair)
    session.add(fair)
    session.flush()
    return fair


def get_fair(*, session: Session, ctx: CallContext, fair_id: str, for_update: bool = False) -> JobFair:
    """A fair the caller's tenant may see: its own (any status), or one shared with it
    once published. Drafts of other tenants and unknown ids are NotFound alike."""
    query = select(JobFair).where(JobFair.id == fair_id)
    if for_update:
        query = query.with_for_update()
    fair = session.scalar(query)
    if fair is None or (fair.tenant_id != session.info["tenant_id"] and fair.status == "draft"):
        raise NotFound(words.FAIR_NOT_FOUND, {"fair_id": fair_id})
    return fair


def own_fair(*, session: Session, ctx: CallContext, fair_id: str, for_update: bool = True) -> JobFair:
    """A fair the caller organises; staff of a community it is only shared with may
    look, not change (Forbidden)."""
    _require_organiser(ctx)
    # Look before locking: on PostgreSQL a row shared with us is readable but not lockable
    # (FOR UPDATE needs the write policy), and the answer for it is Forbidden, not NotFound.
    fair = get_fair(session=session, ctx=ctx, fair_id=fair_id)
    if fair.tenant_id != session.info["tenant_id"]:
        raise Forbidden(words.ONLY_ORGANISER_MANAGES)
    if for_update:
        session.refresh(fair, with_for_update=True)
    return fair


def _require_status(fair: JobFair, *allowed: str) -> None:
    if fair.status not in allowed:
        raise Conflict(words.FAIR_STATE, {"state": fair.status}, state=fair.status)


def update_fair(*, session: Session, ctx: CallContext, fair_id: str, changes: dict[str, Any]) -> JobFair:
    """The organiser changes a fair that has not happened yet. Capacity cannot drop
    below the places already taken."""
    if not changes:
        raise ValidationFailed.from_messages({"_schema": [words.NOTHING_TO_CHANGE]})
    fair = own_fair(session=session, ctx=ctx, fair_id=fair_id)
    _require_status(fair, "draft", "published")
    if "audience_tenants" in changes or "audience_everyone" in changes:
        # Naming tenants narrows an "everyone" fair to them; either key alone keeps the other as it was.
        current = [] if fair.audience == "*" else Shareable.audience_tenants(fair.audience)
        everyone = changes.get("audience_everyone", fair.audience == "*" and "audience_tenants" not in changes)
        fair.audience = _audience({"audience_tenants": changes.get("audience_tenants", current),
                                   "audience_everyone": everyone}, fair.tenant_id)
        for booth in booths_of(session=session, fair_id=fair.id):
            booth.audience = fair.audience
    starts_at = fair.starts_at
    for key, value in changes.items():
        if key not in ("audience_tenants", "audience_everyone"):
            setattr(fair, key, value)
    if fair.starts_at != starts_at:
        fair.reminder_sent_at = None  # a moved fair is announced again the day before its new start
    _check_shape(fair)
    if fair.capacity is not None:
        taken = _taken(session, fair.id)
        if fair.capacity < taken:
            raise Conflict(words.CAPACITY_BELOW_TAKEN,
                           {"state": fair.status, "registered": taken})
    session.flush()
    return fair


def publish_fair(*, session: Session, ctx: CallContext, fair_id: str, now: datetime) -> JobFair:
    """Draft → published: the audience sees it and may register."""
    fair = own_fair(session=session, ctx=ctx, fair_id=fair_id)
    _require_status(fair, "draft")
    if fair.ends_at <= now:
        raise Conflict(words.FAIR_OVER, {"state": fair.status, "ends_at": fair.ends_at.isoformat()})
    fair.status = "published"
    session.flush()
    return fair


def cancel_fair(*, session: Session, ctx: CallContext, fair_id: str, reason: str) -> JobFair:
    """Draft or published → cancelled, with the reason residents will see."""
    fair = own_fair(session=session, ctx=ctx, fair_id=fair_id)
    _require_status(fair, "draft", "published")
    fair.status = "cancelled"
    fair.cancelled_reason = reason
    session.flush()
    return fair


def list_fairs(
    *, session: Session, ctx: CallContext, when: str, status: str | None, limit: int, after: str | None,
    now: datetime,
) -> Page[JobFair]:
    """Fairs the caller's tenant organises or that are shared with it, by start time.
    `when`: upcoming (not yet over), past, or all. Others' drafts never show.
    Past fairs newest first."""
    tenant = session.info["tenant_id"]
    query = select(JobFair).where((JobFair.tenant_id == tenant) | (JobFair.status != "draft"))
    if status:
        query = query.where(JobFair.status == status)
    descending = when == "past"
    if when == "upcoming":
        query = query.where(JobFair.ends_at > now)
    elif when == "past":
        query = query.where(JobFair.ends_at <= now)
    return keyset_page(session, query, keys=[Key(JobFair.starts_at, descending=descending),
                                             Key(JobFair.id, descending=descending)], limit=limit, after=after)


def booths_of(*, session: Session, fair_id: str) -> list[FairBooth]:
    return booths_by_fair(session=session, fair_ids=[fair_id]).get(fair_id, [])


def booths_by_fair(*, session: Session, fair_ids: list[str]) -> dict[str, list[FairBooth]]:
    """The booths of several fairs in one query (a list page must not cost a query per fair)."""
    found: dict[str, list[FairBooth]] = {}
    if fair_ids:
        for booth in session.scalars(select(FairBooth).where(FairBooth.fair_id.in_(fair_ids))
                                     .order_by(FairBooth.created_at, FairBooth.id)):
            found.setdefault(booth.fair_id, []).append(booth)
    return found


def add_booth(
    *, session: Session, ctx: CallContext, fair_id: str, employer_id: str, post_ids: list[str], booth: str | None,
) -> FairBooth:
    """An employer takes part, bringing posts. The posts must be open and visible to
    the organising tenant (an alliance post shared with it counts) and all belong to
    the employer; an employer without posts must be a verified employer of the
    organising tenant. Adding again adds the new posts to the same booth."""
    actor = ctx.require_user()
    fair = own_fair(session=session, ctx=ctx, fair_id=fair_id)
    _require_status(fair, "draft", "published")
    posts = list(session.scalars(select(JobPost).where(JobPost.id.in_(post_ids)))) if post_ids else []
    found = {p.id: p for p in posts}
    # What is wrong with which post goes with the error (`post_problems`: id → message code); the field
    # message says what, in the caller's words.
    problems = {pid: words.NO_SUCH_POST for pid in post_ids if pid not in found}
    problems.update({p.id: words.BOOTH_POST_NOT_OPEN for p in posts if p.status != "open"})
    problems.update({p.id: words.POST_OF_ANOTHER_EMPLOYER for p in posts if p.employer_id != employer_id})
    if problems:
        raise ValidationFailed(SOME_FIELDS_INVALID, {
            "fields": {"post_ids": list(dict.fromkeys(m.text for m in problems.values()))},
            "post_problems": {pid: m.code for pid, m in problems.items()}})
    if posts:
        employer_name, employer_tenant = posts[0].employer_name, posts[0].tenant_id
    else:
        employer = session.get(Employer, employer_id)
        if employer is None or employer.status != "verified":
            raise ValidationFailed.from_messages({"employer_id": [words.BOOTH_EMPLOYER]})
        employer_name, employer_tenant = employer.name, employer.tenant_id
    existing = session.scalar(select(FairBooth).where(FairBooth.fair_id == fair.id,
                                                      FairBooth.employer_id == employer_id))
    if existing is None:
        existing = FairBooth(fair_id=fair.id, audience=fair.audience, employer_id=employer_id,
                             employer_name=employer_name,
                             employer_tenant_id=employer_tenant, booth=booth, post_ids=[], added_by=actor)
        session.add(existing)
    merged = list(dict.fromkeys([*existing.post_ids, *post_ids]))
    if len(merged) > MAX_POSTS_PER_BOOTH:
        raise ValidationFailed(SOME_FIELDS_INVALID, {"fields": {"post_ids": [words.TOO_MANY_BOOTH_POSTS.text]},
                                                     "most": MAX_POSTS_PER_BOOTH})
    existing.post_ids = merged
    if booth:
        existing.booth = booth
    session.flush()
    return existing


# --- registration and check-in -------------------------------------------------------


def _taken(session: Session, fair_id: str) -> int:
    return session.scalar(select(func.count()).select_from(FairRegistration).where(
        FairRegistration.fair_id == fair_id, FairRegistration.status.in_(ACTIVE_REGISTRATION))) or 0


def in_audience(fair: JobFair, tenant_id: str) -> bool:
    return tenant_id == fair.tenant_id or fair.audience == "*" or f",{tenant_id}," in fair.audience


def registration_tenant(*, session: Session, ctx: CallContext, fair_id: str, now: datetime) -> str:
    """Checked in the resident's own session before any cross-tenant write: the fair
    is visible to their community and open for registration. Returns the fair's tenant."""
    ctx.require_user()
    fair = get_fair(session=session, ctx=ctx, fair_id=fair_id)
    _require_open_for_registration(fair, now)
    return fair.tenant_id


def _require_open_for_registration(fair: JobFair, now: datetime) -> None:
    _require_status(fair, "published")
    if fair.ends_at <= now:
        raise Conflict(words.FAIR_OVER, {"state": fair.status})


def _unused_code_ref(session: Session, fair_id: str) -> str:
    # The fair row is locked, so nobody else adds a reference to this fair meanwhile.
    while True:
        ref = new_code_ref()
        if session.scalar(select(FairRegistration.id).where(FairRegistration.fair_id == fair_id,
                                                            FairRegistration.code_ref == ref)) is None:
            return ref


def _share_with(resident_tenant_id: str, fair: JobFair) -> str:
    return "" if resident_tenant_id == fair.tenant_id else Shareable.audience_for([resident_tenant_id])


def register(
    *, session: Session, ctx: CallContext, fair_id: str, resident_tenant_id: str, now: datetime,
) -> FairRegistration:
    """A resident of an audience community takes a place (`session` is the fair's
    tenant). The fair row is locked while places are counted, so concurrent
    registrations never exceed the capacity; one registration per person per fair,
    and a cancelled one is taken up again."""
    user_id = ctx.require_user()
    fair = get_fair(session=session, ctx=ctx, fair_id=fair_id, for_update=True)
    if not in_audience(fair, resident_tenant_id):
        raise NotFound(words.FAIR_NOT_FOUND, {"fair_id": fair_id})
    _require_open_for_registration(fair, now)
    existing = session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair.id,
                                                             FairRegistration.user_id == user_id))
    if existing is not None and existing.status != "cancelled":
        raise Conflict(words.ALREADY_REGISTERED,
                       {"state": existing.status, "registration_id": existing.id})
    if fair.capacity is not None:
        taken = _taken(session, fair.id)
        if taken >= fair.capacity:
            raise Conflict(words.FAIR_FULL, {"state": fair.status, "capacity": fair.capacity, "registered": taken})
    if existing is None:
        existing = FairRegistration(fair_id=fair.id, user_id=user_id, resident_tenant_id=resident_tenant_id,
                                    audience=_share_with(resident_tenant_id, fair), source="pre_registered",
                                    code_ref=_unused_code_ref(session, fair.id))
        session.add(existing)
    existing.status = "registered"
    existing.registered_at = now
    existing.cancelled_at = None
    session.flush()
    return existing


def my_registration(*, session: Session, ctx: CallContext, fair_id: str) -> FairRegistration:
    """The caller's registration for a fair (readable from their own community)."""
    user_id = ctx.require_user()
    registration = session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair_id,
                                                                 FairRegistration.user_id == user_id))
    if registration is None:
        raise NotFound(words.NOT_REGISTERED, {"fair_id": fair_id})
    return registration


def cancel_registration(*, session: Session, ctx: CallContext, fair_id: str, now: datetime) -> FairRegistration:
    """The resident gives their place back (`session` is the fair's tenant). After
    check-in there is nothing to cancel."""
    fair = get_fair(session=session, ctx=ctx, fair_id=fair_id, for_update=True)
    registration = my_registration(session=session, ctx=ctx, fair_id=fair.id)
    if registration.status != "registered":
        raise Conflict(words.REGISTRATION_STATE, {"state": registration.status}, state=registration.status)
    registration.status = "cancelled"
    registration.cancelled_at = now
    session.flush()
    return registration


def my_registrations(*, session: Session, ctx: CallContext, limit: int, after: str | None = None
                     ) -> Page[tuple[FairRegistration, JobFair]]:
    """The caller's registrations, wherever the fairs are, newest fair first."""
    user_id = ctx.require_user()
    query = (select(FairRegistration, JobFair).join(JobFair, JobFair.id == FairRegistration.fair_id)
             .where(FairRegistration.user_id == user_id))
    return keyset_page(session, query, keys=[Key(JobFair.starts_at, descending=True),
                                             Key(FairRegistration.id, descending=True)],
                       limit=limit, after=after, scalars=False,
                       key_of=lambda row: (row[1].starts_at, row[0].id))


def list_registrations(
    *, session: Session, ctx: CallContext, fair_id: str, status: str | None, limit: int, after: str | None,
) -> Page[FairRegistration]:
    """The organiser's list of a fair's registrations (the door list)."""
    fair = own_fair(session=session, ctx=ctx, fair_id=fair_id, for_update=False)
    query = select(FairRegistration).where(FairRegistration.fair_id == fair.id)
    if status:
        query = query.where(FairRegistration.status == status)
    return keyset_page(session, query, keys=[Key(FairRegistration.id)], limit=limit, after=after)


def _require_doors_open(fair: JobFair, now: datetime) -> None:
    _require_status(fair, "published")
    if now < fair.starts_at - CHECK_IN_OPENS_BEFORE:
        raise Conflict(words.CHECK_IN_NOT_OPEN,
                       {"state": fair.status, "opens_at": (fair.starts_at - CHECK_IN_OPENS_BEFORE).isoformat()})
    if now > fair.ends_at:
        raise Conflict(words.FAIR_OVER, {"state": fair.status})


def check_in(*, session: Session, ctx: CallContext, fair_id: str, code: str, key: bytes, now: datetime
             ) -> FairRegistration:
    """Staff of the organising tenant scan or type a resident's code at the door.
    A second scan, or a cancelled registration, is a conflict that says which."""
    actor = ctx.require_user()
    fair = own_fair(session=session, ctx=ctx, fair_id=fair_id)
    ref = parse_check_in_code(key=key, fair_id=fair.id, code=code)
    _require_doors_open(fair, now)
    registration = session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair.id,
                                                                 FairRegistration.code_ref == ref))
    if registration is None:
        raise NotFound(words.REGISTRATION_NOT_FOUND, {"fair_id": fair.id})
    if registration.status == "checked_in":
        raise Conflict(words.ALREADY_CHECKED_IN,
                       {"state": "checked_in", "checked_in_at": registration.checked_in_at.isoformat()})
    if registration.status == "cancelled":
        raise Conflict(words.REGISTRATION_CANCELLED, {"state": "cancelled"})
    registration.status = "checked_in"
    registration.checked_in_at = now
    registration.checked_in_by = actor
    session.flush()
    return registration


def record_walk_in(*, session: Session, ctx: CallContext, fair_id: str, resident_tenant_id: str | None,
                   now: datetime) -> FairRegistration:
    """Someone comes without registering (many older job seekers have no app): staff
    count them in at the door, noting their community if known."""
    actor = ctx.require_user()
    fair = own_fair(session=session, ctx=ctx, fair_id=fair_id)
    _require_doors_open(fair, now)
    resident_tenant_id = resident_tenant_id or fair.tenant_id
    registration = FairRegistration(
        fair_id=fair.id, user_id=None, resident_tenant_id=resident_tenant_id,
        audience=_share_with(resident_tenant_id, fair), source="walk_in",
        status="checked_in", code_ref=_unused_code_ref(session, fair.id), registered_at=now, checked_in_at=now,
        checked_in_by=actor)
    session.add(registration)
    session.flush()
    return registration


# --- outcome -------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationTally:
    """Applications made at a fair, as one tenant's session sees them."""

    statuses: dict[str, str]  # application id → status


def outcome_tenants(*, session: Session, fair: JobFair) -> set[str]:
    """Where a fair's applications can be read: they live in the posts' tenants and
    are shared with the applicants' communities. The organiser's tenant, the booths'
    employer tenants and the registrants' communities cover both."""
    tenants = {fair.tenant_id}
    tenants |= {b.employer_tenant_id for b in booths_of(session=session, fair_id=fair.id)}
    tenants |= set(session.scalars(select(FairRegistration.resident_tenant_id).where(
        FairRegistration.fair_id == fair.id).distinct()))
    return tenants


def applications_at(*, session: Session, fair_id: str) -> ApplicationTally:
    rows = session.execute(select(Application.id, Application.status).where(Application.fair_id == fair_id))
    return ApplicationTally({row.id: row.status for row in rows})


def outcome(*, session: Session, fair: JobFair, tallies: Iterable[ApplicationTally]) -> dict[str, Any]:
    """Attendees (checked in), pre-registered and walk-ins, no-shows, applications
    made at the fair and hires among them, employers and posts. `tallies` come from
    the sessions of `outcome_tenants`; an application seen in two is counted once."""
    counts = dict(session.execute(
        select(FairRegistration.status, func.count()).where(FairRegistration.fair_id == fair.id)
        .group_by(FairRegistration.status)).all())
    walk_ins = session.scalar(select(func.count()).select_from(FairRegistration).where(
        FairRegistration.fair_id == fair.id, FairRegistration.source == "walk_in")) or 0
    by_community = dict(session.execute(
        select(FairRegistration.resident_tenant_id, func.count()).where(
            FairRegistration.fair_id == fair.id, FairRegistration.status == "checked_in")
        .group_by(FairRegistration.resident_tenant_id)).all())
    statuses: dict[str, str] = {}
    for tally in tallies:
        statuses.update(tally.statuses)
    booths = booths_of(session=session, fair_id=fair.id)
    attendees = counts.get("checked_in", 0)
    return {
        "fair_id": fair.id,
        "registered": counts.get("registered", 0) + attendees - walk_ins,
        "cancelled": counts.get("cancelled", 0),
        "attendees": attendees,
        "walk_ins": walk_ins,
        # Registered but not (yet) checked in: final once the fair is held.
        "no_shows": counts.get("registered", 0),
        "attendees_by_community": by_community,
        "applications": len(statuses),
        "hires": sum(1 for s in statuses.values() if s == "hired"),
        "employers": len(booths),
        "posts": sum(len(b.post_ids) for b in booths),
    }


def mark_held(*, session: Session, ctx: CallContext, fair_id: str, figures: dict[str, Any], now: datetime
              ) -> JobFair:
    """Published → held, once it has started; the figures of that moment are kept
    with the fair (and go out in `fair_held`)."""
    fair = own_fair(session=session, ctx=ctx, fair_id=fair_id)
    _require_status(fair, "published")
    if now < fair.starts_at:
        raise Conflict(words.FAIR_NOT_STARTED,
                       {"state": fair.status, "starts_at": fair.starts_at.isoformat()})
    fair.status = "held"
    fair.held_at = now
    fair.outcome = figures
    session.flush()
    announce(session, events.FAIR_HELD, events.FairHeldData().dump({
        **{k: v for k, v in figures.items() if k != "cancelled"},
        "title": fair.title, "kind": fair.kind, "starts_at": fair.starts_at, "ends_at": fair.ends_at,
        "audience": Shareable.audience_tenants(fair.audience), "target_groups": fair.target_groups,
        "held_at": fair.held_at,
    }), subject=fair.id)
    return fair


# --- the day-before reminder ------------------------------------------------------------


def _due(now: datetime) -> Any:
    return ((JobFair.status == "published") & JobFair.reminder_sent_at.is_(None)
            & (JobFair.starts_at <= now + REMIND_BEFORE) & (JobFair.starts_at > now))


def tenants_with_fairs_due(*, session: Session, now: datetime) -> set[str]:
    """Across tenants (for the timer): the tenants with a fair to announce as due."""
    return set(session.scalars(select(JobFair.tenant_id).where(_due(now)).distinct()))


def registrant_tenants(*, session: Session, fair: JobFair) -> list[str]:
    """Where a fair's `fair_due` is announced: the organiser's tenant, then each other community
    with active pre-registrations (`session` is the fair's tenant, where its registrations live)."""
    residents = session.scalars(select(FairRegistration.resident_tenant_id).where(
        FairRegistration.fair_id == fair.id, FairRegistration.source == "pre_registered",
        FairRegistration.status.in_(ACTIVE_REGISTRATION)).distinct())
    return [fair.tenant_id, *sorted(set(residents) - {fair.tenant_id})]


def announce_fairs_due(*, session: Session, now: datetime) -> list[str]:
    """The timer's duty in one tenant (`session`'s): announce `fair_due` for each of its own
    published fairs starting within REMIND_BEFORE, once per fair (claimed by a conditional
    UPDATE of `reminder_sent_at`, so several service instances announce it once). A fair whose
    start has passed is not announced any more. Returns the ids of the fairs announced.

    Each fair is announced in its own tenant and once more in each other community with people
    pre-registered (`registrant_tenants`): the consumers of each copy ask
    `jobs.audience("fair_registrants", fair_id)` as that community and hear only of its own
    residents (audience.py), so everyone is told once, in their own community."""
    due = list(session.scalars(select(JobFair).where(JobFair.tenant_id == session.info["tenant_id"], _due(now))
                               .order_by(JobFair.starts_at)))
    announced = []
    for fair in due:
        claimed = session.execute(update(JobFair).where(JobFair.id == fair.id, JobFair.reminder_sent_at.is_(None))
                                  .values(reminder_sent_at=now))
        if claimed.rowcount != 1:
            continue
        payload = events.FairDueData().dump({"fair_id": fair.id, "starts_at": fair.starts_at})
        for tenant_id in registrant_tenants(session=session, fair=fair):
            announce(session, events.FAIR_DUE, payload, subject=fair.id, tenant_id=tenant_id)
        announced.append(fair.id)
    session.flush()
    return announced
