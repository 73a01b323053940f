"""Vanguard-led projects (先锋领办项目) and key small matters (关键小事).

A party branch or a partner unit adopts a project; a project has recurring duties
(e.g. cleaning a warm-bee rest station every Saturday 09:00–10:00); each
occurrence is a slot volunteers sign up for, up to its capacity; a volunteer
checks in on completion (optionally with a photo reference), which publishes
`duty_completed` for the points service.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.access import get_or_404, is_staff
from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.governance import events
from services.governance.access import officer_branch_ids
from services.governance.contracts.messages import (
    ADOPTING_OFFICERS_ONLY,
    ALREADY_SIGNED_UP,
    BRANCH_ADOPTION_OFFICERS_ONLY,
    DUTY_CHECK_IN_CLOSED,
    NO_SUCH_BRANCH,
    PARTNER_ADOPTION_STAFF_ONLY,
    PROJECT_NOT_FOUND,
    SIGNUP_IN_STATE,
    SIGNUP_NOT_FOUND,
    SLOT_FULL,
    SLOT_NOT_FOUND,
    SLOT_NOT_STARTED,
    SLOT_STARTED,
    SLOT_STARTED_NO_CANCEL,
)
from services.governance.models import Asset, Branch, Duty, DutySignup, DutySlot, Project

# Duties are set in community (Beijing) time; China keeps UTC+8 all year.
LOCAL = timezone(timedelta(hours=8), "Asia/Shanghai")
# A volunteer may check in from the slot's start until three days after its end (a late report, not a forged one).
CHECK_IN_GRACE = timedelta(days=3)


def adopt(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> Project:
    """Staff record an adoption; an officer of a branch may adopt for their own branch."""
    actor = ctx.require_user()
    if data["adopter_kind"] == "party_branch":
        branch = session.get(Branch, data["adopter_branch_id"])
        if branch is None:
            raise ValidationFailed.from_messages({"adopter_branch_id": [NO_SUCH_BRANCH]})
        if not is_staff(ctx) and branch.id not in officer_branch_ids(session=session, ctx=ctx):
            raise Forbidden(BRANCH_ADOPTION_OFFICERS_ONLY)
        data = {**data, "adopter_name": branch.name}
    else:
        if not is_staff(ctx):
            raise Forbidden(PARTNER_ADOPTION_STAFF_ONLY)
        data = {**data, "adopter_branch_id": None}
    project = Project(adopted_by=actor, **data)
    session.add(project)
    session.flush()
    announce(session, events.PROJECT_ADOPTED, events.ProjectAdoptedData().dump({
        "project_id": project.id, "kind": project.kind, "adopter_kind": project.adopter_kind,
        "adopter_branch_id": project.adopter_branch_id, "adopted_at": project.adopted_at}), subject=project.id)
    return project


def get(*, session: Session, project_id: str) -> Project:
    return get_or_404(session, Project, project_id, PROJECT_NOT_FOUND)


def list_all(*, session: Session, limit: int, after: str | None) -> Page[Project]:
    return keyset_page(session, select(Project), keys=[Key(Project.adopted_at), Key(Project.id)], limit=limit,
                       after=after)


def add_duty(*, session: Session, ctx: CallContext, project_id: str, data: dict[str, Any],
             now: datetime | None = None) -> Duty:
    project = get(session=session, project_id=project_id)
    _require_runner(session, ctx, project)
    weeks = data.pop("weeks_ahead", 4)
    if data.get("hours") is None:
        data["hours"] = _length_hours(data["start_time"], data["end_time"])
    duty = Duty(project_id=project.id, **data)
    session.add(duty)
    session.flush()
    add_slots(session=session, duty=duty, weeks=weeks, now=now)
    return duty


def add_slots(*, session: Session, duty: Duty, weeks: int, now: datetime | None = None) -> list[DutySlot]:
    """The duty's next `weeks` occurrences that start after now; ones that exist are kept."""
    now = now or utcnow()
    local_today = now.astimezone(LOCAL).date()
    first = local_today + timedelta(days=(duty.weekday - 1 - local_today.weekday()) % 7)
    existing = set(session.scalars(select(DutySlot.starts_at).where(DutySlot.duty_id == duty.id)))
    made = []
    for week in range(weeks + 1):
        day = first + timedelta(weeks=week)
        starts_at, ends_at = _at(day, duty.start_time), _at(day, duty.end_time)
        if starts_at <= now or starts_at in existing or len(made) == weeks:
            continue
        slot = DutySlot(duty_id=duty.id, project_id=duty.project_id, starts_at=starts_at, ends_at=ends_at,
                        capacity=duty.volunteers_needed)
        session.add(slot)
        made.append(slot)
    session.flush()
    return made


def sign_up(*, session: Session, ctx: CallContext, slot_id: str, now: datetime | None = None) -> DutySignup:
    """A volunteer takes a place on an upcoming slot. Capacity holds under
    concurrency: the count moves by `UPDATE … WHERE taken < capacity`."""
    user_id = ctx.require_user()
    now = now or utcnow()
    slot = get_or_404(session, DutySlot, slot_id, SLOT_NOT_FOUND)
    if slot.starts_at <= now:
        raise Conflict(SLOT_STARTED, {"state": "started"})
    signup = session.scalar(select(DutySignup).where(DutySignup.slot_id == slot.id, DutySignup.user_id == user_id))
    if signup is not None and signup.status != "cancelled":
        raise Conflict(ALREADY_SIGNED_UP, {"state": signup.status, "signup_id": signup.id})
    if signup is None:
        signup = DutySignup(slot_id=slot.id, project_id=slot.project_id, user_id=user_id)
        try:
            session.add(signup)
            session.flush()
        except IntegrityError:
            raise Conflict(ALREADY_SIGNED_UP, {"state": "signed_up"}) from None
    else:
        signup.status, signup.signed_up_at = "signed_up", now
    taken = session.execute(update(DutySlot).where(DutySlot.id == slot.id, DutySlot.taken < DutySlot.capacity)
                            .values(taken=DutySlot.taken + 1))
    if taken.rowcount != 1:
        raise Conflict(SLOT_FULL, {"state": "full", "capacity": slot.capacity})
    session.flush()
    return signup


def cancel(*, session: Session, ctx: CallContext, signup_id: str, now: datetime | None = None) -> DutySignup:
    now = now or utcnow()
    signup = _own_signup(session, ctx, signup_id)
    slot = session.get(DutySlot, signup.slot_id)
    if signup.status != "signed_up":
        raise Conflict(SIGNUP_IN_STATE, {"state": signup.status}, status=signup.status)
    if slot.starts_at <= now:
        raise Conflict(SLOT_STARTED_NO_CANCEL, {"state": "started"})
    signup.status = "cancelled"
    session.execute(update(DutySlot).where(DutySlot.id == slot.id, DutySlot.taken > 0)
                    .values(taken=DutySlot.taken - 1))
    session.flush()
    return signup


def check_in(*, session: Session, ctx: CallContext, signup_id: str, photo_ref: str | None,
             now: datetime | None = None) -> DutySignup:
    """The volunteer reports the duty done: not before the slot starts, not later
    than three days after it ends, once."""
    now = now or utcnow()
    signup = _own_signup(session, ctx, signup_id, lock=True)
    if signup.status != "signed_up":
        raise Conflict(SIGNUP_IN_STATE, {"state": signup.status}, status=signup.status)
    slot = session.get(DutySlot, signup.slot_id)
    if now < slot.starts_at:
        raise Conflict(SLOT_NOT_STARTED,
                       {"state": "signed_up", "starts_at": slot.starts_at.isoformat()})
    if now > slot.ends_at + CHECK_IN_GRACE:
        raise Conflict(DUTY_CHECK_IN_CLOSED, {"state": "signed_up"})
    duty = session.get(Duty, slot.duty_id)
    signup.status, signup.completed_at, signup.photo_ref, signup.hours = "completed", now, photo_ref, duty.hours
    session.flush()
    announce(session, events.DUTY_COMPLETED, events.DutyCompletedData().dump({
        "duty_id": signup.id, "project_id": signup.project_id, "user_id": signup.user_id, "hours": duty.hours,
        "completed_at": now, "slot_id": slot.id, "has_photo": photo_ref is not None}), subject=signup.id)
    return signup


# `duty_slot_due` is announced this long before a slot starts: the day before, at the same hour.
REMIND_BEFORE = timedelta(hours=24)


def _signed_up():
    return select(DutySignup.id).where(DutySignup.slot_id == DutySlot.id, DutySignup.status == "signed_up")


def _due_slots(now: datetime):
    """Slots with volunteers signed up, starting within REMIND_BEFORE, not yet reminded."""
    return (DutySlot.reminded_at.is_(None), DutySlot.starts_at > now, DutySlot.starts_at <= now + REMIND_BEFORE,
            _signed_up().exists())


def remind_due_slots(*, session: Session, now: datetime | None = None) -> int:
    """Timer: announces `duty_slot_due` once for each slot that starts within a day and has
    volunteers signed up. Claimed by a conditional UPDATE (several sweepers announce it once); a
    slot nobody has signed up for yet stays unclaimed, so a volunteer who signs up later in the day
    before is still reminded; a slot that has started is not. Returns how many were announced."""
    now = now or utcnow()
    due = list(session.scalars(select(DutySlot).where(*_due_slots(now)).order_by(DutySlot.starts_at)))
    announced = 0
    for slot in due:
        claimed = session.execute(update(DutySlot).where(DutySlot.id == slot.id, DutySlot.reminded_at.is_(None))
                                  .values(reminded_at=now))
        if claimed.rowcount != 1:
            continue
        signed_up = session.scalar(select(func.count()).select_from(DutySignup).where(
            DutySignup.slot_id == slot.id, DutySignup.status == "signed_up"))
        announce(session, events.DUTY_SLOT_DUE, events.DutySlotDueData().dump({
            "slot_id": slot.id, "project_id": slot.project_id, "starts_at": slot.starts_at,
            "ends_at": slot.ends_at, "duty_id": slot.duty_id, "signed_up": signed_up}), subject=slot.id)
        announced += 1
    session.flush()
    return announced


def tenants_with_due_slots(*, session: Session, now: datetime) -> set[str]:
    """Communities with a duty slot due its reminder (read across tenants by the sweep timer)."""
    return set(session.scalars(select(DutySlot.tenant_id).where(*_due_slots(now)).distinct()))


def signup_user_ids(*, session: Session, slot_id: str) -> list[str]:
    """The volunteers signed up for a slot, cancelled sign-ups left out (audience
    `duty_slot_signups`); 404 for a slot of another community or none."""
    slot = get_or_404(session, DutySlot, slot_id, SLOT_NOT_FOUND)
    return sorted(session.scalars(select(DutySignup.user_id).where(
        DutySignup.slot_id == slot.id, DutySignup.status != "cancelled").distinct()))


def my_signups(*, session: Session, ctx: CallContext) -> list[DutySignup]:
    return list(session.scalars(select(DutySignup).where(DutySignup.user_id == ctx.require_user())
                                .order_by(DutySignup.signed_up_at)))


def view(*, session: Session, ctx: CallContext, project: Project, now: datetime | None = None) -> dict[str, Any]:
    """The project with its duties and their upcoming slots."""
    now = now or utcnow()
    duties = list(session.scalars(select(Duty).where(Duty.project_id == project.id).order_by(Duty.created_at)))
    slots = list(session.scalars(select(DutySlot).where(DutySlot.project_id == project.id,
                                                        DutySlot.ends_at > now).order_by(DutySlot.starts_at)))
    mine = set(session.scalars(select(DutySignup.slot_id).where(
        DutySignup.project_id == project.id, DutySignup.user_id == ctx.user_id,
        DutySignup.status != "cancelled"))) if ctx.user_id else set()
    asset_ids = list(session.scalars(select(Asset.id).where(Asset.project_id == project.id,
                                                            Asset.tenant_id == project.tenant_id)))
    return {**{c.key: getattr(project, c.key) for c in Project.__table__.columns},
            "asset_ids": asset_ids,
            "duties": [{**{c.key: getattr(d, c.key) for c in Duty.__table__.columns},
                        "slots": [{**{c.key: getattr(s, c.key) for c in DutySlot.__table__.columns},
                                   "signed_up_by_me": s.id in mine} for s in slots if s.duty_id == d.id]}
                       for d in duties]}


def _require_runner(session: Session, ctx: CallContext, project: Project) -> None:
    if is_staff(ctx):
        return
    if project.adopter_branch_id and project.adopter_branch_id in officer_branch_ids(session=session,
                                                                                             ctx=ctx):
        return
    raise Forbidden(ADOPTING_OFFICERS_ONLY)


def _own_signup(session: Session, ctx: CallContext, signup_id: str, lock: bool = False) -> DutySignup:
    user_id = ctx.require_user()
    query = select(DutySignup).where(DutySignup.id == signup_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    signup = session.scalar(query)
    if signup is None or signup.user_id != user_id:
        return get_or_404(session, DutySignup, signup_id, SIGNUP_NOT_FOUND, lambda s: s.user_id == user_id)
    return signup


def _at(day: date, hhmm: str) -> datetime:
    if hhmm == "24:00":
        return datetime.combine(day + timedelta(days=1), time(0, 0), LOCAL).astimezone(UTC)
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), LOCAL).astimezone(UTC)


def _length_hours(start: str, end: str) -> float:
    def minutes(hhmm: str) -> int:
        h, m = map(int, hhmm.split(":"))
        return h * 60 + m

    return round((minutes(end) - minutes(start)) / 60, 2)
