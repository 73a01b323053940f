"""The training nameko service: entrypoints only; rules live in the domain modules.

Reads run in the caller's tenant (`db.transaction()`), where sharing decides what is visible. A write on a
session's roster runs in the tenant hosting the session (`db.write_in_tenant(host, reason=...)`), found
first by a read in the caller's tenant, so that a resident of one community can enrol in a college's
session: capacity, the waitlist and its order are decided in ONE place under ONE lock. The domain rule
checks the sharing again inside, with the caller's own context (`ctx.tenant` is the guest's tenant); rows
about the caller are shared back with the caller's tenant, and events about a person are announced in the
person's community. Each crossing is recorded with its reason (services.common.database).
"""

from __future__ import annotations

import base64
from typing import Any

from marshmallow import Schema
from nameko.rpc import rpc
from nameko.timer import timer

from services.common.access import require_staff
from services.common.contracts import PageQuery, load
from services.common.database import utcnow
from services.common.dependencies import Database, TenantContext
from services.common.logging import get_logger
from services.common.pagination import Page
from services.common.service import EXPECTED_ERRORS, HealthEntrypoints, MemberEntrypoints, PersonalDataEntrypoints
from services.training import (
    attendance,
    audiences,
    catalogue,
    certificate_pdf,
    classes,
    completion,
    enrolment,
    figures,
    mentors,
    personal_data,
    scheduling,
)
from services.training.contracts.schemas import (
    AllTenantFigures,
    AttendanceList,
    AttendanceMarkIn,
    AttendanceOut,
    AttendancePage,
    AttendanceQuery,
    AudienceIn,
    AudienceOut,
    CancelIn,
    CategoryList,
    CertificateList,
    CertificateOut,
    CertificatePdfOut,
    CheckinCodeOut,
    CheckInIn,
    CourseCreate,
    CourseListQuery,
    CourseOut,
    CoursePage,
    CourseUpdate,
    EnrolIn,
    EnrolmentList,
    EnrolmentListQuery,
    EnrolmentOut,
    ExamScoreIn,
    MeetingCancelIn,
    MeetingChange,
    MeetingIn,
    MeetingOut,
    MentorCreate,
    MentorList,
    MentorListQuery,
    MentorOut,
    MentorRatingsOut,
    RatingIn,
    RatingOut,
    RemindIn,
    RemindOut,
    RevokeIn,
    SessionCloseOut,
    SessionCreate,
    SessionList,
    SessionOut,
    TenantFigures,
    VerificationOut,
)
from services.training.models import Base

_course_out = CourseOut()
_session_out = SessionOut()
_enrolment_out = EnrolmentOut()
_certificate_out = CertificateOut()

log = get_logger(__name__)

# Seconds between the class reminder runs (`class_due`, the day before a class) in every tenant.
# TODO(merge): a `TRAINING_REMINDER_SECONDS` setting in services/common/config.py (not this branch's file).
REMINDER_SECONDS = 60.0


def _page(schema: Schema, page: Page[Any], items: list[Any] | None = None) -> dict:
    """A list's answer: the page's items (or their views) and the cursor of the next page."""
    return schema.dump({"items": page.items if items is None else items, "next_cursor": page.next_cursor})


# Why a write crosses into the tenant hosting a session (recorded with each crossing).
ROSTER = "the roster of a session shared with the caller's tenant is kept by the tenant hosting it"
CHECK_IN = "a check-in at a meeting of a session shared with the caller's tenant is kept by the tenant hosting it"
RATING = "a rating of a session shared with the caller's tenant is kept by the tenant hosting it"


class TrainingService(MemberEntrypoints, PersonalDataEntrypoints, HealthEntrypoints):
    name = "training"

    ctx = TenantContext()
    db = Database(Base)
    personal_data = personal_data  # the tables holding something about a person


    # --- catalogue -------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_categories(self, query: dict | None = None) -> dict:
        params = load(PageQuery(), query or {})
        with self.db.transaction() as tx:
            return _page(CategoryList(), catalogue.list_categories(session=tx.session, **params))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_course(self, payload: dict) -> dict:
        data = load(CourseCreate(), payload)
        with self.db.transaction() as tx:
            return _course_out.dump(catalogue.create_course(session=tx.session, ctx=self.ctx, data=data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_course(self, course_id: str) -> dict:
        with self.db.transaction() as tx:
            return _course_out.dump(catalogue.get_course(session=tx.session, ctx=self.ctx, course_id=course_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_course(self, course_id: str, changes: dict) -> dict:
        data = load(CourseUpdate(), changes, partial=True)
        with self.db.transaction() as tx:
            return _course_out.dump(catalogue.update_course(session=tx.session, ctx=self.ctx, course_id=course_id,
                                                            changes=data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_courses(self, query: dict | None = None) -> dict:
        params = load(CourseListQuery(), query or {})
        with self.db.transaction() as tx:
            return _page(CoursePage(), catalogue.list_courses(session=tx.session, ctx=self.ctx, **params))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def publish_course(self, course_id: str, payload: dict | None = None) -> dict:
        data = load(AudienceIn(), payload or {})
        with self.db.transaction() as tx:
            course = catalogue.publish(session=tx.session, ctx=self.ctx, course_id=course_id, **data)
            return _course_out.dump(course)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def withdraw_course(self, course_id: str) -> dict:
        with self.db.transaction() as tx:
            return _course_out.dump(catalogue.withdraw(session=tx.session, ctx=self.ctx, course_id=course_id))

    # --- sessions and meetings -----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_session(self, course_id: str, payload: dict) -> dict:
        data = load(SessionCreate(), payload)
        with self.db.transaction() as tx:
            return _session_out.dump(scheduling.create_session(session=tx.session, ctx=self.ctx, course_id=course_id,
                                                               data=data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_sessions(self, course_id: str, query: dict | None = None) -> dict:
        params = load(PageQuery(), query or {})
        with self.db.transaction() as tx:
            return _page(SessionList(), scheduling.list_sessions(session=tx.session, ctx=self.ctx, course_id=course_id,
                                                                 **params))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_session(self, session_id: str) -> dict:
        with self.db.transaction() as tx:
            return _session_out.dump(scheduling.get_session(session=tx.session, ctx=self.ctx, session_id=session_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_meeting(self, session_id: str, payload: dict) -> dict:
        data = load(MeetingIn(), payload)
        with self.db.transaction() as tx:
            return MeetingOut().dump(scheduling.add_meeting(session=tx.session, ctx=self.ctx, session_id=session_id,
                                                            data=data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reschedule_meeting(self, meeting_id: str, payload: dict) -> dict:
        """The host's staff move a class (time and/or place); announces `class_rescheduled`."""
        changes = load(MeetingChange(), payload)
        with self.db.transaction() as tx:
            return MeetingOut().dump(classes.reschedule_meeting(session=tx.session, ctx=self.ctx,
                                                                meeting_id=meeting_id, changes=changes))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_meeting(self, meeting_id: str, payload: dict) -> dict:
        """The host's staff cancel a class with a reason code; announces `class_cancelled`."""
        data = load(MeetingCancelIn(), payload)
        with self.db.transaction() as tx:
            return MeetingOut().dump(classes.cancel_meeting(session=tx.session, ctx=self.ctx, meeting_id=meeting_id,
                                                            reason=data["reason"]))

    # --- class reminders and audiences ---------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def remind_classes(self, now: str | None = None) -> dict:
        """Staff run now, for their tenant, what the reminder timer runs every minute: `class_due` for the
        classes starting within 24 hours of `now` (an ISO 8601 instant with its offset; default: the clock)."""
        require_staff(self.ctx)
        when = load(RemindIn(), {"now": now})["now"] or utcnow()
        with self.db.transaction() as tx:
            return RemindOut().dump({"reminded": len(classes.announce_due(session=tx.session, now=when))})

    @timer(interval=REMINDER_SECONDS)
    def class_reminders(self) -> None:
        """`class_due` the day before each class, in every tenant running classes."""
        now = utcnow()
        with self.db.system_read_all_tenants(reason="training reminders: find tenants with classes due") as session:
            tenants = classes.tenants_with_due(session=session, now=now)
        for tenant_id in tenants:
            try:
                with self.db.system_in_tenant(tenant_id, reason="training reminders: classes due") as tx:
                    reminded = classes.announce_due(session=tx.session, now=now)
            except Exception:  # one tenant's trouble must not stop the others'
                log.exception("training.reminders_failed", tenant_id=tenant_id)
                continue
            log.info("training.reminders", tenant_id=tenant_id, reminded=len(reminded))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def audience(self, group: str, ref: str) -> dict:
        """The people of a group training defines, in the context's tenant: `class_roster` (ref: a session or
        one of its classes) or `course_enrolled` (ref: a course). For staff, or a service calling in (role
        `service`)."""
        with self.db.transaction() as tx:
            return AudienceOut().dump(audiences.audience(session=tx.session, ctx=self.ctx, group=group, ref=ref))

    # --- enrolment -------------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def enrol(self, session_id: str, payload: dict) -> dict:
        data = load(EnrolIn(), payload)
        host = self._host_of_session(session_id)
        with self.db.write_in_tenant(host, reason=ROSTER) as tx:
            made = enrolment.enrol(session=tx.session, ctx=self.ctx, session_id=session_id, data=data)
            return _enrolment_out.dump(enrolment.views(session=tx.session, enrolments=[made])[0])

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_enrolment(self, enrolment_id: str, payload: dict | None = None) -> dict:
        data = load(CancelIn(), payload or {})
        host = self._host_of_enrolment(enrolment_id)
        with self.db.write_in_tenant(host, reason=ROSTER) as tx:
            cancelled = enrolment.cancel(session=tx.session, ctx=self.ctx, enrolment_id=enrolment_id,
                                         reason=data["reason"])
            return _enrolment_out.dump(enrolment.views(session=tx.session, enrolments=[cancelled])[0])

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_enrolment(self, enrolment_id: str) -> dict:
        with self.db.transaction() as tx:
            found = enrolment.get_enrolment(session=tx.session, ctx=self.ctx, enrolment_id=enrolment_id)
            return _enrolment_out.dump(enrolment.views(session=tx.session, enrolments=[found])[0])

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_my_enrolments(self, query: dict | None = None) -> dict:
        params = load(EnrolmentListQuery(), query or {})
        with self.db.transaction() as tx:
            page = enrolment.list_mine(session=tx.session, ctx=self.ctx, **params)
            return _page(EnrolmentList(), page, enrolment.views(session=tx.session, enrolments=page.items))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def roster(self, session_id: str, query: dict | None = None) -> dict:
        params = load(EnrolmentListQuery(), query or {})
        with self.db.transaction() as tx:
            page = enrolment.roster(session=tx.session, ctx=self.ctx, session_id=session_id, **params)
            return _page(EnrolmentList(), page, enrolment.views(session=tx.session, enrolments=page.items))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def set_exam_score(self, enrolment_id: str, payload: dict) -> dict:
        data = load(ExamScoreIn(), payload)
        with self.db.transaction() as tx:
            scored = enrolment.set_exam_score(session=tx.session, ctx=self.ctx, enrolment_id=enrolment_id,
                                              score=data["score"])
            return _enrolment_out.dump(enrolment.views(session=tx.session, enrolments=[scored])[0])

    # --- attendance ------------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def checkin_code(self, meeting_id: str) -> dict:
        with self.db.transaction() as tx:
            return CheckinCodeOut().dump(attendance.checkin_code(session=tx.session, ctx=self.ctx,
                                                                 meeting_id=meeting_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def check_in(self, meeting_id: str, payload: dict) -> dict:
        data = load(CheckInIn(), payload)
        host = self._host_of_meeting(meeting_id)
        with self.db.write_in_tenant(host, reason=CHECK_IN) as tx:
            record = attendance.check_in(session=tx.session, ctx=self.ctx, meeting_id=meeting_id,
                                         token=data["token"])
            return AttendanceOut().dump(record)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def mark_attendance(self, meeting_id: str, payload: dict) -> dict:
        data = load(AttendanceMarkIn(), payload)
        with self.db.transaction() as tx:
            records = attendance.mark(session=tx.session, ctx=self.ctx, meeting_id=meeting_id,
                                      present=data["present"], walk_ins=data["walk_ins"])
            return AttendanceList().dump({"items": records})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_attendance(self, meeting_id: str, query: dict | None = None) -> dict:
        params = load(AttendanceQuery(), query or {})
        with self.db.transaction() as tx:
            return _page(AttendancePage(), attendance.list_for_meeting(session=tx.session, ctx=self.ctx,
                                                                       meeting_id=meeting_id, **params))

    # --- completion and certificates ---------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def close_session(self, session_id: str) -> dict:
        with self.db.transaction() as tx:
            result = completion.close_session(session=tx.session, ctx=self.ctx, session_id=session_id)
            return SessionCloseOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_certificates(self, query: dict | None = None) -> dict:
        params = load(PageQuery(), query or {})
        with self.db.transaction() as tx:
            return _page(CertificateList(), completion.list_certificates(session=tx.session, ctx=self.ctx, **params))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_certificate(self, certificate_id: str) -> dict:
        with self.db.transaction() as tx:
            return _certificate_out.dump(completion.get_certificate(session=tx.session, ctx=self.ctx,
                                                                    certificate_id=certificate_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def certificate_pdf(self, certificate_id: str, verify_url_base: str) -> dict:
        """`verify_url_base` is the public verification address up to the code (the gateway knows it)."""
        with self.db.transaction() as tx:
            certificate = completion.get_certificate(session=tx.session, ctx=self.ctx, certificate_id=certificate_id)
            pdf = certificate_pdf.render(certificate, verify_url=verify_url_base + certificate.code)
            return CertificatePdfOut().dump({"filename": f"certificate-{certificate.code}.pdf",
                                             "content_base64": base64.b64encode(pdf).decode()})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def revoke_certificate(self, certificate_id: str, payload: dict) -> dict:
        data = load(RevokeIn(), payload)
        with self.db.transaction() as tx:
            revoked = completion.revoke(session=tx.session, ctx=self.ctx, certificate_id=certificate_id,
                                        reason=data["reason"])
            return _certificate_out.dump(revoked)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def verify_certificate(self, code: str) -> dict:
        """Public: needs no tenant and no user."""
        with self.db.public_read() as session:
            return VerificationOut().dump(completion.verify(session=session, code=str(code)[:64]))

    # --- mentors and ratings ---------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_mentor(self, payload: dict) -> dict:
        data = load(MentorCreate(), payload)
        with self.db.transaction() as tx:
            return MentorOut().dump(mentors.create_mentor(session=tx.session, ctx=self.ctx, data=data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_mentors(self, query: dict | None = None) -> dict:
        params = load(MentorListQuery(), query or {})
        with self.db.transaction() as tx:
            return _page(MentorList(), mentors.list_mentors(session=tx.session, **params))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_mentor(self, mentor_id: str) -> dict:
        with self.db.transaction() as tx:
            return MentorOut().dump(mentors.get_mentor(session=tx.session, mentor_id=mentor_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def rate_session(self, session_id: str, payload: dict) -> dict:
        data = load(RatingIn(), payload)
        host = self._host_of_session(session_id)
        with self.db.write_in_tenant(host, reason=RATING) as tx:
            return RatingOut().dump(mentors.rate_session(session=tx.session, ctx=self.ctx, session_id=session_id,
                                                         **data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def my_ratings(self) -> dict:
        with self.db.transaction() as tx:
            return MentorRatingsOut().dump(mentors.my_ratings(session=tx.session, ctx=self.ctx))

    # --- figures -------------------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def tenant_figures(self) -> dict:
        require_staff(self.ctx)
        with self.db.transaction() as tx:
            rows = figures.figures(session=tx.session, tenant_ids=[self.ctx.tenant])
            return TenantFigures().dump(rows[self.ctx.tenant])

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def all_tenant_figures(self) -> dict:
        with self.db.read_all_tenants() as session:
            rows = list(figures.figures(session=session, tenant_ids=None).values())
            return AllTenantFigures().dump({"total": figures.total(rows), "tenants": rows})

    # --- where a write must run ------------------------------------------------------------------------------

    def _host_of_session(self, session_id: str) -> str:
        with self.db.transaction() as tx:
            return scheduling.get_session(session=tx.session, ctx=self.ctx, session_id=session_id).tenant_id

    def _host_of_meeting(self, meeting_id: str) -> str:
        with self.db.transaction() as tx:
            return scheduling.get_meeting(session=tx.session, ctx=self.ctx, meeting_id=meeting_id).tenant_id

    def _host_of_enrolment(self, enrolment_id: str) -> str:
        with self.db.transaction() as tx:
            return enrolment.get_enrolment(session=tx.session, ctx=self.ctx, enrolment_id=enrolment_id).tenant_id
