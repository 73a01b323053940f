"""Completion and certificates.

When the host closes a session, each enrolled participant is judged by the course's rules: the share of
the session's meetings held that they attended (make-ups count) must reach `min_attendance_share`, and in a
certificate course the examiner's score must reach `pass_mark`. A completed certificate course issues a
certificate with a unique code. The code goes into the public register (`certificate_register`), which the
no-login verification page reads: masked name, course, dates, revoked or not — nothing else.

Codes look like `FC-7K3M-Q9PD-XW2A-K`: 12 random Crockford base-32 characters (60 bits) and a check
character (Luhn mod 32), so a mistyped printed code is recognised as such before any lookup.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.access import is_staff
from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.training import events
from services.training.access import audience_of_learner, may_see_certificate, require_host_staff
from services.training.contracts.messages import (
    BAD_CERTIFICATE_CODE,
    CERTIFICATE_ALREADY_REVOKED,
    CERTIFICATE_NOT_FOUND,
    EXAM_SCORES_MISSING,
    NO_SUCH_CERTIFICATE,
    SESSION_ALREADY_CLOSED,
)
from services.training.enrolment import lock_session
from services.training.models import Attendance, Certificate, CertificateRegister, Course, Enrolment, Meeting

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
_READS_AS = {"O": "0", "I": "1", "L": "1"}
CODE_PREFIX = "FC"


# --- codes ------------------------------------------------------------------------------------------------


def check_character(body: str) -> str:
    """Luhn mod N over the code alphabet: catches every single wrong character and most swaps."""
    factor, total, n = 2, 0, len(ALPHABET)
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{CODE_PREFIX}-{body[:4]}-{body[4:8]}-{body[8:]}-{check_character(body)}"


def normalise_code(text: str) -> str | None:
    """The canonical form of a typed or scanned code, or None if it cannot be one (checked offline)."""
    cleaned = "".join(_READS_AS.get(c, c) for c in text.upper() if c.isalnum())
    if cleaned.startswith(CODE_PREFIX):
        cleaned = cleaned[len(CODE_PREFIX):]
    if len(cleaned) != 13 or any(c not in ALPHABET for c in cleaned):
        return None
    body, check = cleaned[:12], cleaned[12]
    if check_character(body) != check:
        return None
    return f"{CODE_PREFIX}-{body[:4]}-{body[4:8]}-{body[8:]}-{check}"


def mask_name(name: str) -> str:
    """王师傅 → 王**, Li Na → L****: the first character and the length, nothing more."""
    name = name.strip()
    return name[:1] + "*" * max(1, len(name) - 1)


# --- closing a session ---------------------------------------------------------------------------------------


def close_session(*, session: Session, ctx: CallContext, session_id: str,
                  now: datetime | None = None) -> dict[str, Any]:
    """The host's staff close a session: completion is decided for every enrolled participant, at once and
    for good; certificates are issued for a certificate course. Meetings not yet begun are dropped from
    the count (closing early cancels them). Refused while an enrolled participant of a certificate course
    has no exam score."""
    now = now or utcnow()
    cohort = lock_session(session=session, ctx=ctx, session_id=session_id)
    require_host_staff(ctx, cohort.tenant_id)
    if cohort.status != "open":
        raise Conflict(SESSION_ALREADY_CLOSED, {"session_status": cohort.status})
    course = session.get(Course, cohort.course_id)
    enrolled = list(session.scalars(select(Enrolment).where(Enrolment.session_id == cohort.id,
                                                            Enrolment.status == "enrolled")
                                    .order_by(Enrolment.arrival)))
    if course.kind == "certificate":
        missing = [e.id for e in enrolled if e.exam_score is None]
        if missing:
            raise Conflict(EXAM_SCORES_MISSING, {"missing_scores": missing})
    held = session.scalar(select(func.count()).select_from(Meeting).where(
        Meeting.session_id == cohort.id, Meeting.starts_at <= now, Meeting.cancelled_at.is_(None))) or 0
    attended = dict(session.execute(
        select(Attendance.enrolment_id, func.count(func.distinct(Attendance.meeting_id)))
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Attendance.enrolment_id.in_([e.id for e in enrolled]), Meeting.starts_at <= now,
               Meeting.cancelled_at.is_(None))
        .group_by(Attendance.enrolment_id)).all()) if enrolled else {}

    results, issued = [], 0
    for enrolment in enrolled:
        count = min(attended.get(enrolment.id, 0), held)
        share = count / held if held else 0.0
        reasons = []
        if not held:
            reasons.append("no_meetings_held")
        elif share + 1e-9 < course.min_attendance_share:
            reasons.append("attendance_below_minimum")
        if course.kind == "certificate" and enrolment.exam_score < course.pass_mark:
            reasons.append("exam_below_pass_mark")
        enrolment.outcome = "not_completed" if reasons else "completed"
        enrolment.attendance_share = round(share, 4)
        enrolment.outcome_at = now
        certificate = None
        if not reasons:
            announce(session, events.COURSE_COMPLETED, events.CourseCompletedData().dump({
                "enrolment_id": enrolment.id, "session_id": cohort.id, "course_id": course.id,
                "course_kind": course.kind, "host_tenant_id": cohort.tenant_id, "user_id": enrolment.user_id,
                "guardian_user_id": enrolment.guardian_user_id, "attendance_share": enrolment.attendance_share,
                "exam_score": enrolment.exam_score, "completed_at": now}),
                subject=enrolment.id, tenant_id=enrolment.learner_tenant_id)
            if course.kind == "certificate":
                certificate = issue_certificate(session=session, course=course, enrolment=enrolment, now=now)
                issued += 1
        results.append({"enrolment_id": enrolment.id, "participant_name": enrolment.participant_name,
                        "attended_meetings": count, "meetings_total": held,
                        "attendance_share": enrolment.attendance_share, "exam_score": enrolment.exam_score,
                        "outcome": enrolment.outcome, "reasons": reasons,
                        "certificate_id": certificate.id if certificate else None})
    cohort.status = "closed"
    cohort.closed_at = now
    session.flush()
    completed = sum(1 for r in results if r["outcome"] == "completed")
    return {"session_id": cohort.id, "completed": completed, "not_completed": len(results) - completed,
            "certificates_issued": issued, "results": results}


def issue_certificate(*, session: Session, course: Course, enrolment: Enrolment, now: datetime) -> Certificate:
    code = new_code()
    while session.get(CertificateRegister, code) is not None:  # 60 random bits: practically never
        code = new_code()
    expires_at = add_months(now, course.certificate_valid_months) if course.certificate_valid_months else None
    certificate = Certificate(
        code=code, enrolment_id=enrolment.id, course_id=course.id, session_id=enrolment.session_id,
        course_kind=course.kind, learner_tenant_id=enrolment.learner_tenant_id, user_id=enrolment.user_id,
        holder_name=enrolment.participant_name, certificate_name=course.certificate_name, skill=course.skill,
        course_title=course.title, exam_score=enrolment.exam_score, issued_at=now, expires_at=expires_at,
        audience=audience_of_learner(enrolment.tenant_id, enrolment.learner_tenant_id),
    )
    session.add(certificate)
    session.add(CertificateRegister(
        code=code, issuer_tenant_id=enrolment.tenant_id, holder_masked_name=mask_name(enrolment.participant_name),
        certificate_name=course.certificate_name, course_title=course.title, issued_at=now, expires_at=expires_at))
    session.flush()
    announce(session, events.CERTIFICATE_ISSUED, events.CertificateIssuedData().dump({
        "certificate_id": certificate.id, "user_id": certificate.user_id, "course_id": course.id,
        "certificate_name": certificate.certificate_name, "skill": certificate.skill, "code": code,
        "host_tenant_id": enrolment.tenant_id, "issued_at": now, "expires_at": expires_at}),
        subject=certificate.id, tenant_id=enrolment.learner_tenant_id)
    return certificate


# --- certificates ---------------------------------------------------------------------------------------------


def revoke(*, session: Session, ctx: CallContext, certificate_id: str, reason: str,
           now: datetime | None = None) -> Certificate:
    """The issuing tenant's staff revoke a certificate with a reason; the public register says so at once."""
    now = now or utcnow()
    certificate = get_certificate(session=session, ctx=ctx, certificate_id=certificate_id)
    require_host_staff(ctx, certificate.tenant_id)
    if certificate.revoked_at is not None:
        raise Conflict(CERTIFICATE_ALREADY_REVOKED, {
            "revoked_at": certificate.revoked_at.isoformat(), "revoked_reason": certificate.revoked_reason})
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by = now, reason, ctx.user_id
    entry = session.get(CertificateRegister, certificate.code)
    entry.revoked_at, entry.revoked_reason = now, reason
    session.flush()
    announce(session, events.CERTIFICATE_REVOKED, events.CertificateRevokedData().dump({
        "certificate_id": certificate.id, "user_id": certificate.user_id, "course_id": certificate.course_id,
        "code": certificate.code, "host_tenant_id": certificate.tenant_id, "reason": reason, "revoked_at": now}),
        subject=certificate.id, tenant_id=certificate.learner_tenant_id)
    return certificate


def get_certificate(*, session: Session, ctx: CallContext, certificate_id: str) -> Certificate:
    """The holder, their community's staff and the issuer's staff see a certificate; nobody else."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None or not may_see_certificate(ctx, certificate):
        raise NotFound(CERTIFICATE_NOT_FOUND, {"certificate_id": certificate_id})
    return certificate


def list_certificates(*, session: Session, ctx: CallContext, limit: int, after: str | None) -> Page[Certificate]:
    """Staff: certificates their tenant issued and those its residents hold. Others: their own. The latest first."""
    query = select(Certificate)
    if not is_staff(ctx):
        query = query.where(Certificate.user_id == ctx.require_user(), Certificate.learner_tenant_id == ctx.tenant)
    return keyset_page(session, query, keys=[Key(Certificate.issued_at, descending=True), Key(Certificate.id)],
                       limit=limit, after=after)


def verify(*, session: Session, code: str, now: datetime | None = None) -> dict[str, Any]:
    """Public: what the register says about a code. A malformed code (fails the check character) is a 422,
    an unknown one a 404; either way nothing about anyone is disclosed."""
    now = now or utcnow()
    canonical = normalise_code(code)
    if canonical is None:
        raise ValidationFailed.from_messages({"code": [BAD_CERTIFICATE_CODE]})
    # The register is not tenant-owned: the caller's public read (no tenant) can see it and nothing else.
    entry = session.scalars(select(CertificateRegister).where(CertificateRegister.code == canonical)).first()
    if entry is None:
        raise NotFound(NO_SUCH_CERTIFICATE, {"code": canonical})
    if entry.revoked_at is not None:
        status = "revoked"
    elif entry.expires_at is not None and entry.expires_at <= now:
        status = "expired"
    else:
        status = "valid"
    return {"code": entry.code, "status": status, "holder": entry.holder_masked_name,
            "certificate_name": entry.certificate_name, "course_title": entry.course_title,
            "issued_on": entry.issued_at.date(), "expires_on": entry.expires_at.date() if entry.expires_at else None,
            "revoked": entry.revoked_at is not None,
            "revoked_on": entry.revoked_at.date() if entry.revoked_at else None,
            "revoked_reason": entry.revoked_reason}


def add_months(moment: datetime, months: int) -> datetime:
    """Same day of the month `months` later (the last day when that month is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))
