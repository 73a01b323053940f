"""What the training service holds about a person, for export and erasure (see docs/privacy.md).

Enrolments (the person's own, and those they made for a child as guardian), attendance, certificates
(holder name), ratings with comments, and a mentor profile. Erasure pseudonymises the person's id and
blanks names, comments and the mentor's biography. The public certificate register keeps only a masked
name and is left as it is, so that a certificate already handed out still verifies.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common import personal_data
from services.common.personal_data import ERASED_NAME, PersonTable
from services.training.models import Attendance, Certificate, Enrolment, Mentor, Rating

TABLES = [
    PersonTable(Enrolment, "user_id", blank={
        "participant_name": ERASED_NAME, "person_key": "erased:" + Enrolment.id, "cancel_reason": None}),
    PersonTable(Enrolment, "guardian_user_id", label="enrolments_as_guardian", blank={
        "participant_name": ERASED_NAME, "person_key": "erased:" + Enrolment.id, "child_age": None}),
    PersonTable(Attendance, "user_id", blank={
        "participant_name": ERASED_NAME, "person_key": "erased:" + Attendance.id}),
    PersonTable(Certificate, "user_id", blank={"holder_name": ERASED_NAME}),
    PersonTable(Rating, "user_id", blank={"comment": None}),
    PersonTable(Mentor, "user_id", blank={
        "display_name": ERASED_NAME, "title": None, "organisation": None, "bio": None}),
]


def export(*, session: Session, user_id: str) -> dict:
    return personal_data.export(session=session, tables=TABLES, user_id=user_id)


def erase(*, session: Session, user_id: str, pseudonym: str, other_tenant=None) -> dict:
    """`other_tenant`: a crossing into another tenant (the common entrypoint passes it), for shared rows
    about the person another tenant owns."""
    return personal_data.erase(session=session, tables=TABLES, user_id=user_id, pseudonym=pseudonym,
                               other_tenant=other_tenant)
