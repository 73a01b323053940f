"""What the jobs service holds about a person, for export and erasure (see docs/privacy.md).

The worker profile (name, phone, home area and position, pay expectation), applications with the
card the person agreed to show employers, placements, job-fair registrations, labour-rights cases
the person opened (summary, contact phone) and notes they wrote on a case, and roles on the rights desk.
Erasure pseudonymises the person's id and blanks these fields; case entries written by others stay with
the case.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common import personal_data
from services.common.personal_data import ERASED_NAME, PersonTable
from services.jobs.models import (
    Application,
    ApplicationChange,
    CaseEntry,
    DeskMember,
    EmployerMember,
    FairRegistration,
    Placement,
    RightsCase,
    WorkerProfile,
)

TABLES = [
    PersonTable(WorkerProfile, "user_id", blank={
        "display_name": ERASED_NAME, "phone": "", "home_area": None, "home_lat": None, "home_lng": None,
        "expected_daily_pay": None, "availability": [], "groups": [], "consent_recommendations": False}),
    PersonTable(Application, "applicant_user_id", blank={"applicant": {}}),
    PersonTable(ApplicationChange, "actor_user_id"),
    PersonTable(Placement, "worker_user_id"),
    PersonTable(FairRegistration, "user_id", omit=("code_ref",)),
    PersonTable(RightsCase, "person_user_id", blank={"summary": "", "contact_phone": None}),
    PersonTable(CaseEntry, "author_user_id", blank={"body": ""}),  # notes the person wrote on a case
    PersonTable(DeskMember, "user_id", blank={"title": ERASED_NAME, "active": False}),
    PersonTable(EmployerMember, "user_id"),
]


def export(*, session: Session, user_id: str) -> dict:
    return personal_data.export(session=session, tables=TABLES, user_id=user_id)


def erase(*, session: Session, user_id: str, pseudonym: str, other_tenant=None) -> dict:
    """`other_tenant`: a unit of work in another tenant (services.common.service passes it), for shared
    rows about the person another tenant owns."""
    return personal_data.erase(session=session, tables=TABLES, user_id=user_id, pseudonym=pseudonym,
                               other_tenant=other_tenant)
