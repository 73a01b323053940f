"""Figures for a tenant's staff and, across tenants, for the sub-district operator: sessions held,
enrolments, attendance rates, completions, certificates by kind.

The same API in every service: `figures(session=, tenant_ids=, since=, until=)` answers per tenant (every
tenant asked for is present, with zeros if it has nothing). A tenant's figures count what it runs (its
sessions, whoever attends them); the operator's are the same figures per tenant plus their `total`. Every
query groups by tenant, so both cost the same few queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from services.common.database import utcnow
from services.training.contracts.messages import COURSE_KINDS
from services.training.models import Attendance, Certificate, Course, CourseSession, Enrolment, Meeting


def figures(*, session: Session, tenant_ids: Sequence[str] | None, since: datetime | None = None,
            until: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per-tenant figures for `tenant_ids` (None: every tenant the session can read), keyed and ordered by
    tenant id. What happened from `since` (default: ever) until `until` (default: now; a meeting counts as
    held once it has begun by then): meetings held, enrolments requested, attendances, completions and
    certificates issued in the window; `courses_published` is the courses published now."""
    now = until or utcnow()

    def scoped(query, model):
        return query.where(model.tenant_id.in_(list(tenant_ids))) if tenant_ids is not None else query

    def within(column):
        """Conditions keeping `column` in the window (no bound where none was asked)."""
        bounds = [] if since is None else [column >= since]
        return bounds + ([] if until is None else [column <= until])

    def grouped(query, model) -> dict:
        return {tuple(row[:-1]): row[-1] for row in session.execute(scoped(query, model)).all()}

    published = grouped(select(Course.tenant_id, func.count()).where(Course.status == "published")
                        .group_by(Course.tenant_id), Course)
    held_meetings = grouped(select(Meeting.tenant_id, Meeting.session_id, func.count())
                            .where(Meeting.starts_at <= now, Meeting.cancelled_at.is_(None),
                                   *within(Meeting.starts_at))
                            .group_by(Meeting.tenant_id, Meeting.session_id), Meeting)
    session_kind = {sid: kind for sid, kind in session.execute(scoped(
        select(CourseSession.id, Course.kind).join(Course, Course.id == CourseSession.course_id), CourseSession)).all()}
    enrolled = grouped(select(Enrolment.tenant_id, Enrolment.session_id, Enrolment.status, func.count())
                       .where(*within(Enrolment.requested_at))
                       .group_by(Enrolment.tenant_id, Enrolment.session_id, Enrolment.status), Enrolment)
    completions = grouped(select(Enrolment.tenant_id, Enrolment.session_id, func.count())
                          .where(Enrolment.outcome == "completed", *within(Enrolment.outcome_at))
                          .group_by(Enrolment.tenant_id, Enrolment.session_id), Enrolment)
    attended = grouped(select(Attendance.tenant_id, func.count()).where(*within(Attendance.attended_at))
                       .group_by(Attendance.tenant_id), Attendance)
    attended_enrolled = grouped(
        select(Enrolment.tenant_id, Enrolment.session_id, func.count(distinct(Attendance.id)))
        .join(Attendance, Attendance.enrolment_id == Enrolment.id)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Enrolment.status == "enrolled", Meeting.session_id == Enrolment.session_id, Meeting.starts_at <= now,
               Meeting.cancelled_at.is_(None), *within(Meeting.starts_at))
        .group_by(Enrolment.tenant_id, Enrolment.session_id), Enrolment)
    certificates = grouped(select(Certificate.tenant_id, Certificate.course_kind, Certificate.certificate_name,
                                  Certificate.revoked_at.is_not(None), func.count())
                           .where(*within(Certificate.issued_at))
                           .group_by(Certificate.tenant_id, Certificate.course_kind, Certificate.certificate_name,
                                     Certificate.revoked_at.is_not(None)), Certificate)

    tenants = set(tenant_ids or []) | {k[0] for table in (published, held_meetings, enrolled, attended, certificates)
                                       for k in table}
    out = {t: _empty(t) for t in tenants}
    expected = defaultdict(int)  # enrolled × meetings held, per tenant
    for (tenant, session_id), count in held_meetings.items():
        out[tenant]["meetings_held"] += count
        out[tenant]["sessions_held"] += 1
        out[tenant]["_kind"][session_kind.get(session_id)]["sessions_held"] += 1
        expected[tenant] += count * enrolled.get((tenant, session_id, "enrolled"), 0)
    for (tenant, session_id, status), count in enrolled.items():
        if status == "enrolled":
            out[tenant]["enrolments"] += count
            out[tenant]["_kind"][session_kind.get(session_id)]["enrolments"] += count
        elif status == "waitlisted":
            out[tenant]["waitlisted"] += count
    for (tenant, session_id), count in completions.items():
        out[tenant]["completions"] += count
        out[tenant]["_kind"][session_kind.get(session_id)]["completions"] += count
    for (tenant,), count in published.items():
        out[tenant]["courses_published"] = count
    for (tenant,), count in attended.items():
        out[tenant]["attendances"] = count
    numerator = defaultdict(int)
    for (tenant, _session_id), count in attended_enrolled.items():
        numerator[tenant] += count
    for (tenant, kind, name, revoked), count in certificates.items():
        out[tenant]["certificates_issued"] += count
        out[tenant]["certificates_revoked"] += count if revoked else 0
        out[tenant]["_kind"][kind]["certificates"] += count
        by_name = out[tenant]["_names"][name]
        by_name["issued"] += count
        by_name["revoked"] += count if revoked else 0
    for tenant, row in out.items():
        row["_numerator"], row["_expected"] = numerator[tenant], expected[tenant]
    return {tenant: _finish(out[tenant]) for tenant in sorted(out)}


def total(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The sum of several tenants' figures (the attendance rate re-weighted, not averaged)."""
    summed = _empty(None)
    numerator = expected = 0
    for row in rows:
        for key in ("courses_published", "sessions_held", "meetings_held", "enrolments", "waitlisted", "attendances",
                    "completions", "certificates_issued", "certificates_revoked"):
            summed[key] += row[key]
        numerator += row["_numerator"]
        expected += row["_expected"]
        for kind_row in row["by_kind"]:
            for key in ("sessions_held", "enrolments", "completions", "certificates"):
                summed["_kind"][kind_row["kind"]][key] += kind_row[key]
        for name_row in row["certificates_by_name"]:
            summed["_names"][name_row["certificate_name"]]["issued"] += name_row["issued"]
            summed["_names"][name_row["certificate_name"]]["revoked"] += name_row["revoked"]
    summed["_numerator"], summed["_expected"] = numerator, expected
    return _finish(summed)


def _empty(tenant_id: str | None) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id, "courses_published": 0, "sessions_held": 0, "meetings_held": 0, "enrolments": 0,
        "waitlisted": 0, "attendances": 0, "completions": 0, "certificates_issued": 0, "certificates_revoked": 0,
        "_kind": defaultdict(lambda: {"sessions_held": 0, "enrolments": 0, "completions": 0, "certificates": 0}),
        "_names": defaultdict(lambda: {"issued": 0, "revoked": 0}),
    }


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    kinds = row["_kind"]
    expected = row["_expected"]
    return {
        **{k: v for k, v in row.items() if not k.startswith("_")},
        "attendance_rate": round(min(1.0, row["_numerator"] / expected), 4) if expected else None,
        "by_kind": [{"kind": kind, **kinds[kind]} for kind in COURSE_KINDS if kind in kinds],
        "certificates_by_name": [{"certificate_name": name, **counts}
                                 for name, counts in sorted(row["_names"].items())],
        "_numerator": row["_numerator"], "_expected": expected,
    }
