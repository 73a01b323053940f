"""Figures of the gig market (数据看板): for a community's staff, their tenant; for the
sub-district operator, every tenant side by side plus the totals that the record
(100+ fairs, 6,000+ posts, 1,800+ people placed, 550 people helped) is counted in.

Each figure is one counting query grouped by the tenant it belongs to. Which tenant
that is depends on the figure: a post counts for the tenant that owns it, an
application or a placement also for the community the person lives in (those rows
are shared with it), a fair attendance for the attendee's community. In a tenant's
own session the same queries see exactly that tenant's rows and the rows shared
with it; in the operator's read across tenants they see everything.

Counts only: no row, name or case content leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from services.common.errors import Forbidden
from services.jobs import rights_desk
from services.jobs.contracts.messages import CASE_CATEGORIES, NEEDS_ALL_TENANTS
from services.jobs.contracts.schemas import FIGURE_MEANINGS
from services.jobs.models import (
    Application,
    FairRegistration,
    JobFair,
    JobPost,
    Placement,
    RightsCase,
    WorkerProfile,
)

TOTAL = "*"


@dataclass(frozen=True)
class Figure:
    """How one figure is counted."""

    name: str
    group_by: InstrumentedAttribute  # the tenant the counted row belongs to, for this figure
    counted: Callable[[], ColumnElement]
    when: InstrumentedAttribute | None  # the date the period filter applies to; None: a figure of now
    where: Callable[[], list[ColumnElement]] = lambda: []


FIGURES: tuple[Figure, ...] = (
    Figure("workers_registered", WorkerProfile.tenant_id, lambda: func.count(WorkerProfile.id),
           WorkerProfile.created_at),
    Figure("posts_published", JobPost.tenant_id, lambda: func.count(JobPost.id), JobPost.created_at,
           lambda: [JobPost.status != "draft"]),
    Figure("posts_open", JobPost.tenant_id, lambda: func.count(JobPost.id), None,
           lambda: [JobPost.status == "open"]),
    Figure("headcount_offered", JobPost.tenant_id, lambda: func.coalesce(func.sum(JobPost.headcount), 0),
           JobPost.created_at, lambda: [JobPost.status != "draft"]),
    Figure("fairs_held", JobFair.tenant_id, lambda: func.count(JobFair.id), JobFair.starts_at,
           lambda: [JobFair.status == "held"]),
    Figure("fairs_upcoming", JobFair.tenant_id, lambda: func.count(JobFair.id), None,
           lambda: [JobFair.status == "published"]),
    Figure("fair_attendees", JobFair.tenant_id, lambda: func.count(FairRegistration.id),
           FairRegistration.checked_in_at, lambda: [FairRegistration.status == "checked_in"]),
    Figure("residents_at_fairs", FairRegistration.resident_tenant_id, lambda: func.count(FairRegistration.id),
           FairRegistration.checked_in_at, lambda: [FairRegistration.status == "checked_in"]),
    Figure("applications_received", Application.tenant_id, lambda: func.count(Application.id),
           Application.created_at),
    Figure("applications_by_residents", Application.applicant_tenant_id, lambda: func.count(Application.id),
           Application.created_at),
    Figure("hires_made", Placement.tenant_id, lambda: func.count(Placement.id), Placement.started_at),
    Figure("residents_placed", Placement.worker_tenant_id, lambda: func.count(distinct(Placement.worker_user_id)),
           Placement.started_at),
    Figure("wages_unpaid_reports", Placement.worker_tenant_id, lambda: func.count(Placement.id),
           Placement.answered_at, lambda: [Placement.wages_paid.is_(False)]),
    Figure("cases_opened", RightsCase.tenant_id, lambda: func.count(RightsCase.id), RightsCase.opened_at),
    Figure("cases_in_hand", RightsCase.tenant_id, lambda: func.count(RightsCase.id), None,
           lambda: [RightsCase.status.not_in(rights_desk.CONCLUDED)]),
    Figure("people_helped", RightsCase.tenant_id,
           # An anonymous hotline caller is one person per case.
           lambda: func.count(distinct(func.coalesce(RightsCase.person_user_id, RightsCase.id))),
           RightsCase.concluded_at, lambda: [RightsCase.status.in_(rights_desk.HELPED)]),
)

# The contract names the figures (and says what each counts); here is how each is counted.
assert tuple(f.name for f in FIGURES) == tuple(FIGURE_MEANINGS), "figures and their contract differ"


def _select(figure: Figure, *columns: ColumnElement, since: datetime | None, until: datetime | None):
    query = select(*columns, figure.counted()).where(*figure.where())
    if figure.name == "fair_attendees":  # attendances count for the tenant whose fair it was
        query = query.select_from(FairRegistration).join(JobFair, JobFair.id == FairRegistration.fair_id)
    if figure.when is not None:
        if since is not None:
            query = query.where(figure.when >= since)
        if until is not None:
            query = query.where(figure.when < until)
    return query


def _per_tenant(session: Session, figure: Figure, *, tenants: list[str] | None, since: datetime | None,
                until: datetime | None) -> dict[str, int]:
    query = _select(figure, figure.group_by, since=since, until=until)
    if tenants is not None:
        query = query.where(figure.group_by.in_(tenants))
    return {row[0]: int(row[1] or 0) for row in session.execute(query.group_by(figure.group_by))}


def _period(query: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(RightsCase.opened_at >= since)
    if until is not None:
        query = query.where(RightsCase.opened_at < until)
    return query


def _no_cases() -> dict[str, int]:
    return {category: 0 for category in CASE_CATEGORIES}


def _empty() -> dict[str, int]:
    return {f.name: 0 for f in FIGURES}


def figures(*, session: Session, tenant_ids: Sequence[str] | None, since: datetime | None = None,
            until: datetime | None = None) -> dict[str, dict[str, Any]]:
    """The figures of each tenant in `tenant_ids` (every one present, zeros when nothing happened), or of
    every tenant that has any (None: only in a read across tenants, `db.read_all_tenants()`, which only the
    operator may open). Per tenant: `figures` (FIGURES by name) and `cases_by_category`."""
    if tenant_ids is None and not session.info.get("all_tenants"):
        raise Forbidden(NEEDS_ALL_TENANTS)
    wanted = None if tenant_ids is None else list(tenant_ids)
    found: dict[str, dict[str, Any]] = {t: {"figures": _empty(), "cases_by_category": _no_cases()}
                                         for t in wanted or ()}
    for figure in FIGURES:
        for tenant, value in _per_tenant(session, figure, tenants=wanted, since=since, until=until).items():
            if wanted is None:
                found.setdefault(tenant, {"figures": _empty(), "cases_by_category": _no_cases()})
            if tenant in found:
                found[tenant]["figures"][figure.name] = value
    query = select(RightsCase.tenant_id, RightsCase.category, func.count(RightsCase.id)).group_by(
        RightsCase.tenant_id, RightsCase.category)
    if wanted is not None:
        query = query.where(RightsCase.tenant_id.in_(wanted))
    for tenant, category, count in session.execute(_period(query, since, until)).all():
        if tenant in found and category in found[tenant]["cases_by_category"]:
            found[tenant]["cases_by_category"][category] = int(count)
    return found


def total(*, session: Session, since: datetime | None = None, until: datetime | None = None) -> dict[str, Any]:
    """Every tenant's figures together, as the record is counted: a total counts distinct people once even
    when two tenants both count them (so it is not the sum of `figures`). A read across tenants only."""
    if not session.info.get("all_tenants"):
        raise Forbidden(NEEDS_ALL_TENANTS)
    totals = {figure.name: int(session.scalar(_select(figure, since=since, until=until)) or 0) for figure in FIGURES}
    query = select(RightsCase.category, func.count(RightsCase.id)).group_by(RightsCase.category)
    counted = dict(session.execute(_period(query, since, until)).all())
    return {"figures": totals,
            "cases_by_category": {category: int(counted.get(category, 0)) for category in CASE_CATEGORIES}}
