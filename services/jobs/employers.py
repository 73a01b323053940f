"""Employers of the gig-market alliance: registered, then verified by staff
before any of their posts can open."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import utcnow
from services.common.errors import Conflict, Forbidden, NotFound
from services.common.members import require_members
from services.common.pagination import Key, Page, keyset_page
from services.jobs import access, matching
from services.jobs.contracts import messages as words
from services.jobs.models import Employer, EmployerMember


def register(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> Employer:
    """Staff register an employer, or an employer account registers its own
    company (then it is a member and waits for verification)."""
    actor = ctx.require_user()
    if not access.may_register_employer(ctx):
        raise Forbidden(words.EMPLOYER_REGISTER_REFUSED)
    listed = data.pop("member_user_ids", []) or []
    require_members(session, listed, field="member_user_ids")
    accounts = set(listed)
    if access.is_employer(ctx) and not access.is_staff(ctx):
        accounts.add(actor)
    employer = Employer(created_by=actor, **data)
    session.add(employer)
    session.flush()
    for user_id in sorted(accounts):
        session.add(EmployerMember(employer_id=employer.id, user_id=user_id))
    session.flush()
    return employer


def decide(*, session: Session, ctx: CallContext, employer_id: str, status: str) -> Employer:
    """Staff verify an employer, or suspend one (its posts can no longer open)."""
    access.require_staff(ctx)
    employer = get(session=session, employer_id=employer_id)
    if employer.status == status:
        raise Conflict(words.EMPLOYER_ALREADY, {"current_status": employer.status}, status=status)
    employer.status = status
    if status == "verified":
        employer.verified_by = ctx.user_id
        employer.verified_at = utcnow()
    session.flush()
    return employer


def get(*, session: Session, employer_id: str) -> Employer:
    employer = session.get(Employer, employer_id)
    if employer is None:
        raise NotFound(words.EMPLOYER_NOT_FOUND, {"employer_id": employer_id})
    return employer


def members(*, session: Session, employer_id: str) -> list[str]:
    return list(session.scalars(select(EmployerMember.user_id).where(EmployerMember.employer_id == employer_id)))


def listing(*, session: Session, ctx: CallContext, limit: int, after: str | None) -> Page[Employer]:
    """Staff see every employer of the tenant; an employer account sees its own."""
    query = select(Employer)
    if not access.is_staff(ctx):
        query = query.join(EmployerMember, EmployerMember.employer_id == Employer.id).where(
            EmployerMember.user_id == ctx.require_user())
    return keyset_page(session, query, keys=[Key(Employer.name), Key(Employer.id)], limit=limit, after=after)


def out(*, session: Session, employer: Employer) -> dict:
    return {
        **{c: getattr(employer, c) for c in ("id", "tenant_id", "name", "industrial_park", "description", "status",
                                             "verified_at", "wages_paid_reports", "wages_unpaid_reports")},
        "reliability": round(matching.reliability(employer.wages_paid_reports, employer.wages_unpaid_reports), 3),
        "member_user_ids": members(session=session, employer_id=employer.id),
    }
