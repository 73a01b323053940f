"""The labour-rights desk (维权服务台): policy consultation, wage arrears, contract
disputes, work injury, legal aid and psychological support, handled by the people
who hold the desk (community lawyers, psychological social workers, labour
inspectors, talent officers).

Cases are CONFIDENTIAL. Only the person, the assignee and the tenant's admins may
read one; to anybody else (plain staff, other residents, other tenants) it does not
exist (NotFound). Every read and every change is written to the case's access log,
which the person can list: who, in what capacity, did what, when.

Lifecycle: open → assigned → in_progress → resolved | referred | closed.
The assignee or an admin resolves or refers; the person may withdraw (close) while
it is not concluded; admins (re)assign. Pure rules over a tenant-scoped session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.common import members
from services.common.access import require_admin
from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.messages import Message
from services.common.pagination import Key, Page, keyset_page
from services.jobs import access, events
from services.jobs.contracts import messages as words
from services.jobs.contracts.messages import CASE_CATEGORIES, CASE_SOURCES
from services.jobs.models import CaseAccess, CaseEntry, DeskMember, DeskNotice, RightsCase

CONCLUDED = ("resolved", "referred", "closed")
HELPED = ("resolved", "referred")

# Who the desk usually sends a case to; admins may choose anyone on the desk.
SUGGESTED_DESK_ROLE = {
    "policy_consultation": "talent_officer",
    "wage_arrears": "labour_inspector",
    "contract_dispute": "community_lawyer",
    "work_injury": "labour_inspector",
    "legal_aid": "community_lawyer",
    "psychological_support": "social_worker",
}

# Cases the desk learns of from residents (not from its own staff) notify the staff.
NOTIFYING_SOURCES = ("self", "placement_follow_up")


# --- the desk roster -----------------------------------------------------------------


def set_desk_member(*, session: Session, ctx: CallContext, user_id: str, desk_role: str, title: str,
                    active: bool = True) -> DeskMember:
    """Tenant admins keep the roster of who holds the desk; adding someone again
    changes their role or title, and `active: false` takes them off (their cases
    stay assigned until an admin reassigns them)."""
    actor = require_admin(ctx)
    members.require_member(session, user_id, field="user_id")
    member = session.scalar(select(DeskMember).where(DeskMember.user_id == user_id))
    if member is None:
        member = DeskMember(user_id=user_id, added_by=actor)
        session.add(member)
    member.desk_role, member.title, member.active = desk_role, title, active
    session.flush()
    return member


def list_desk_members(*, session: Session, ctx: CallContext) -> list[DeskMember]:
    """Who holds the desk is public to the community: residents need to know whom to ask."""
    ctx.require_user()
    return list(session.scalars(select(DeskMember).where(DeskMember.active.is_(True))
                                .order_by(DeskMember.desk_role, DeskMember.title)))


# --- opening -------------------------------------------------------------------------


def open_case(
    *, session: Session, ctx: CallContext, person_user_id: str | None, category: str, summary: str, source: str,
    source_ref: str | None = None, contact_phone: str | None = None,
) -> RightsCase:
    """Open a case in the session's tenant (the person's community).

    - `self`: a resident, for themselves.
    - `placement_follow_up`: a worker answered "wages not paid" (the person, or staff
      recording the answer for them).
    - `staff` / `hotline`: staff or a desk member, for a person (or an anonymous
      caller: `person_user_id` None, a contact phone instead).
    """
    actor = ctx.require_user()
    problems: dict[str, list[Message]] = {}
    if category not in CASE_CATEGORIES:
        problems["category"] = [words.NOT_AN_ALLOWED_VALUE]
    if source not in CASE_SOURCES:
        problems["source"] = [words.NOT_AN_ALLOWED_VALUE]
    if not summary or not summary.strip():
        problems["summary"] = [words.DESCRIBE_THE_MATTER]
    if problems:
        raise ValidationFailed.from_messages(problems)
    on_desk = access.on_desk(session=session, ctx=ctx)
    if source == "self" and person_user_id != actor:
        raise Forbidden(words.OWN_CASE_ONLY)
    if source == "placement_follow_up" and person_user_id != actor and not on_desk:
        raise Forbidden(words.OWN_CASE_ONLY)
    if source in ("staff", "hotline") and not on_desk:
        raise Forbidden(words.STAFF_OPEN_FOR_OTHERS)
    if person_user_id is None and not contact_phone and source != "hotline":
        raise ValidationFailed.from_messages({"person_user_id": [words.NAME_THE_PERSON]})
    if person_user_id is not None and person_user_id != actor:
        members.require_member(session, person_user_id, field="person_user_id")
    case = RightsCase(
        person_user_id=person_user_id, category=category, summary=summary.strip(), contact_phone=contact_phone,
        source=source, source_ref=source_ref, opened_by=actor, status="open",
        suggested_desk_role=SUGGESTED_DESK_ROLE[category])
    session.add(case)
    session.flush()
    _entry(session, case, kind="status", author=actor, body="opened")
    _log(session, case, actor=actor, capacity=access.case_capacity(ctx, case) or "opener", action="opened")
    if source in NOTIFYING_SOURCES:
        session.add(DeskNotice(case_id=case.id, category=case.category, source=case.source,
                               suggested_desk_role=case.suggested_desk_role))
        session.flush()
    _announce_opened(session, case)
    return case


def _announce_opened(session: Session, case: RightsCase) -> str:
    """Announce a new case. The data says what kind of help is needed and where it
    came from; never who, never what happened (the case is confidential)."""
    return announce(session, events.CASE_OPENED, events.CaseOpenedData().dump({
        "case_id": case.id,
        "category": case.category,
        "source": case.source,
        "source_ref": case.source_ref,
        "suggested_desk_role": case.suggested_desk_role,
        "opened_at": case.opened_at,
    }), subject=case.id)


def _announce_resolved(session: Session, case: RightsCase) -> str:
    """Announce that a person was helped: resolved at the desk or referred on."""
    return announce(session, events.CASE_RESOLVED, events.CaseResolvedData().dump({
        "case_id": case.id,
        "category": case.category,
        "outcome": case.status,
        "desk_role": case.assignee_desk_role,
        "referred_to": case.referred_to,
        "opened_at": case.opened_at,
        "concluded_at": case.concluded_at,
        "days_open": round((case.concluded_at - case.opened_at).total_seconds() / 86400, 1),
    }), subject=case.id)


def _announce_assigned(session: Session, case: RightsCase) -> str:
    """Announce that the case got its handler (or another one): the desk role only, never the
    handler's or the person's name."""
    return announce(session, events.CASE_ASSIGNED, events.CaseAssignedData().dump({
        "case_id": case.id,
        "desk_role": case.assignee_desk_role,
        "assigned_at": case.assigned_at,
    }), subject=case.id)


def _announce_answered(session: Session, case: RightsCase, entry: CaseEntry) -> str:
    """Announce that the desk wrote to the person on their case; never what it wrote."""
    return announce(session, events.CASE_ANSWERED, events.CaseAnsweredData().dump({
        "case_id": case.id,
        "answered_at": entry.at,
    }), subject=case.id)


# --- confidentiality -----------------------------------------------------------------


def _log(session: Session, case: RightsCase, *, actor: str, capacity: str, action: str) -> None:
    session.add(CaseAccess(case_id=case.id, actor_user_id=actor, capacity=capacity, action=action, at=utcnow()))


def _entry(session: Session, case: RightsCase, *, kind: str, author: str | None, body: str,
           visible_to_person: bool = True) -> CaseEntry:
    entry = CaseEntry(case_id=case.id, kind=kind, author_user_id=author, body=body,
                      visible_to_person=visible_to_person, at=utcnow())
    session.add(entry)
    return entry


def _load(session: Session, ctx: CallContext, case_id: str, *, for_update: bool = False
          ) -> tuple[RightsCase, str]:
    query = select(RightsCase).where(RightsCase.id == case_id)
    if for_update:
        query = query.with_for_update()
    case = session.scalar(query)
    capacity = access.case_capacity(ctx, case) if case is not None else None
    if case is None or capacity is None:
        # The same answer as for a guessed id: a case others may not see does not exist for them.
        raise NotFound(words.CASE_NOT_FOUND, {"case_id": case_id})
    return case, capacity


def _require_not_concluded(case: RightsCase) -> None:
    if case.status in CONCLUDED:
        raise Conflict(words.CASE_CONCLUDED, {"state": case.status}, state=case.status)


def entries_for(session: Session, case: RightsCase, capacity: str) -> list[CaseEntry]:
    """The timeline; internal desk notes are not shown to the person."""
    query = select(CaseEntry).where(CaseEntry.case_id == case.id).order_by(CaseEntry.seq)
    if capacity == "person":
        query = query.where(CaseEntry.visible_to_person.is_(True))
    return list(session.scalars(query))


# --- reading -------------------------------------------------------------------------


def read_case(*, session: Session, ctx: CallContext, case_id: str) -> tuple[RightsCase, list[CaseEntry]]:
    """The case with its timeline, for the person, the assignee or an admin; the read is logged."""
    case, capacity = _load(session, ctx, case_id)
    _log(session, case, actor=ctx.user_id, capacity=capacity, action="viewed")
    session.flush()
    return case, entries_for(session, case, capacity)


def list_cases(
    *, session: Session, ctx: CallContext, status: str | None, category: str | None, limit: int, after: str | None,
) -> Page[RightsCase]:
    """Admins list the tenant's cases; everyone else the cases where they are the
    person or the assignee (plain staff: none). Each case listed is logged as read."""
    user_id = ctx.require_user()
    query = select(RightsCase)
    if not access.is_admin(ctx):
        query = query.where(or_(RightsCase.person_user_id == user_id, RightsCase.assignee_user_id == user_id))
    if status:
        query = query.where(RightsCase.status == status)
    if category:
        query = query.where(RightsCase.category == category)
    page = keyset_page(session, query, keys=[Key(RightsCase.opened_at, descending=True),
                                             Key(RightsCase.id, descending=True)], limit=limit, after=after)
    for case in page.items:
        _log(session, case, actor=user_id, capacity=access.case_capacity(ctx, case) or "tenant_admin", action="listed")
    session.flush()
    return page


def access_log(*, session: Session, ctx: CallContext, case_id: str, limit: int = 500,
               after: str | None = None) -> Page[CaseAccess]:
    """Who read or changed the case, for the person (and admins, who answer for it), oldest first.
    Reading the log is not itself a read of the case."""
    case, capacity = _load(session, ctx, case_id)
    if capacity == "assignee":
        raise Forbidden(words.ACCESS_LOG_REFUSED)
    return keyset_page(session, select(CaseAccess).where(CaseAccess.case_id == case.id), keys=[Key(CaseAccess.seq)],
                       limit=limit, after=after)


# --- working the case ----------------------------------------------------------------


def assign_case(*, session: Session, ctx: CallContext, case_id: str, assignee_user_id: str,
                now: datetime) -> RightsCase:
    """An admin gives the case to someone on the desk (or to another desk member);
    the person sees the assignment in the timeline."""
    case, capacity = _load(session, ctx, case_id, for_update=True)
    if capacity != "tenant_admin" and not access.is_admin(ctx):
        raise Forbidden(words.ONLY_ADMINS_ASSIGN)
    _require_not_concluded(case)
    members.require_member(session, assignee_user_id, field="assignee_user_id")  # still in the community
    member = access.active_desk_member(session, assignee_user_id)
    if member is None:
        raise ValidationFailed.from_messages({"assignee_user_id": [words.NOT_ON_THE_DESK]})
    if case.assignee_user_id == member.user_id:
        raise Conflict(words.ALREADY_ASSIGNED, {"state": case.status})
    case.assignee_user_id, case.assignee_desk_role = member.user_id, member.desk_role
    case.status, case.assigned_at = "assigned", now
    _entry(session, case, kind="assignment", author=ctx.user_id, body=f"{member.title} ({member.desk_role})")
    _log(session, case, actor=ctx.user_id, capacity="tenant_admin", action="assigned")
    session.flush()
    _announce_assigned(session, case)
    return case


def start_case(*, session: Session, ctx: CallContext, case_id: str) -> RightsCase:
    """The assignee takes it up: assigned → in_progress."""
    case, capacity = _load(session, ctx, case_id, for_update=True)
    if capacity == "person" and case.assignee_user_id != ctx.user_id:
        raise Forbidden(words.ONLY_ASSIGNEE_STARTS)
    if case.status != "assigned":
        raise Conflict(words.CASE_STATE, {"state": case.status}, state=case.status)
    case.status = "in_progress"
    _entry(session, case, kind="status", author=ctx.user_id, body="in_progress")
    _log(session, case, actor=ctx.user_id, capacity=capacity, action="started")
    session.flush()
    return case


def add_note(*, session: Session, ctx: CallContext, case_id: str, body: str, visible_to_person: bool
             ) -> CaseEntry:
    """The desk records what was done; a note marked internal is hidden from the
    person. The person may add information too (always visible to them)."""
    case, capacity = _load(session, ctx, case_id, for_update=True)
    _require_not_concluded(case)
    entry = _entry(session, case, kind="note", author=ctx.user_id, body=body,
                   visible_to_person=True if capacity == "person" else visible_to_person)
    _log(session, case, actor=ctx.user_id, capacity=capacity, action="noted")
    session.flush()
    if capacity != "person" and entry.visible_to_person:
        _announce_answered(session, case, entry)
    return entry


def conclude_case(*, session: Session, ctx: CallContext, case_id: str, outcome: str, note: str,
                  referred_to: str | None, now: datetime) -> RightsCase:
    """resolved / referred (to arbitration, the labour inspectorate, a hospital…): by
    the assignee or an admin, once assigned. closed: the person withdraws, or the desk
    closes it (unreachable, duplicate), while it is not concluded."""
    case, capacity = _load(session, ctx, case_id, for_update=True)
    _require_not_concluded(case)
    if outcome in HELPED:
        if capacity == "person":
            raise Forbidden(words.CONCLUDE_REFUSED)
        if case.status not in ("assigned", "in_progress"):
            raise Conflict(words.CASE_NOT_ASSIGNED, {"state": case.status})
        if outcome == "referred" and not referred_to:
            raise ValidationFailed.from_messages({"referred_to": [words.SAY_WHERE_REFERRED]})
    case.status, case.outcome_note, case.concluded_at = outcome, note, now
    case.referred_to = referred_to if outcome == "referred" else None
    _entry(session, case, kind="status", author=ctx.user_id, body=f"{outcome}: {note}")
    _log(session, case, actor=ctx.user_id, capacity=capacity, action=outcome)
    session.flush()
    if outcome in HELPED:
        _announce_resolved(session, case)
    return case


# --- notices to staff ------------------------------------------------------------------


def _require_desk_side(session: Session, ctx: CallContext) -> str:
    actor = ctx.require_user()
    if not access.on_desk(session=session, ctx=ctx):
        raise Forbidden(words.DESK_SIDE_ONLY)
    return actor


def list_notices(*, session: Session, ctx: CallContext, unacknowledged_only: bool = True,
                 limit: int = 50, after: str | None = None) -> tuple[Page[DeskNotice], int]:
    """The community's notices, newest first, and how many await acknowledgement.
    For staff, tenant admins and the desk; a notice says what kind of help is
    needed, never who asked or what happened (the case stays confidential)."""
    _require_desk_side(session, ctx)
    query = select(DeskNotice)
    if unacknowledged_only:
        query = query.where(DeskNotice.acknowledged_at.is_(None))
    waiting = session.scalar(select(func.count()).select_from(DeskNotice)
                             .where(DeskNotice.acknowledged_at.is_(None))) or 0
    page = keyset_page(session, query, keys=[Key(DeskNotice.created_at, descending=True), Key(DeskNotice.id)],
                       limit=limit, after=after)
    return page, waiting


def acknowledge_notice(*, session: Session, ctx: CallContext, notice_id: str) -> DeskNotice:
    """Someone on the staff side has seen it (and will see the case assigned). The
    first acknowledgement is kept; a retry changes nothing."""
    actor = _require_desk_side(session, ctx)
    notice = session.scalar(select(DeskNotice).where(DeskNotice.id == notice_id).with_for_update())
    if notice is None:
        raise NotFound(words.NOTICE_NOT_FOUND, {"notice_id": notice_id})
    if notice.acknowledged_at is None:
        notice.acknowledged_at, notice.acknowledged_by = utcnow(), actor
        session.flush()
    return notice
