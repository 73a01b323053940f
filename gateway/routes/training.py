"""职业技能培训 / Training: the training service's API.

Every route needs a signed-in caller except the certificate verification page, which anyone holding a
certificate code may open (it shows a masked name and the certificate's status, nothing more).
"""

from __future__ import annotations

import base64

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from gateway.auth import require_principal
from gateway.idempotency import idempotent
from gateway.services import call, pool, respond
from services.common.contracts import PageQuery, partial_schema
from services.training.contracts.schemas import (
    AllTenantFigures,
    AttendanceList,
    AttendanceMarkIn,
    AttendanceOut,
    AttendancePage,
    AttendanceQuery,
    AudienceIn,
    CancelIn,
    CategoryList,
    CertificateList,
    CertificateOut,
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
    MeetingIn,
    MeetingOut,
    MentorCreate,
    MentorList,
    MentorListQuery,
    MentorOut,
    MentorRatingsOut,
    RatingIn,
    RatingOut,
    RevokeIn,
    SessionCloseOut,
    SessionCreate,
    SessionList,
    SessionOut,
    TenantFigures,
    VerificationOut,
)

blp = Blueprint("training", __name__, url_prefix="/api/v1/training", description="职业技能培训 / Training")

PUBLIC_ENDPOINTS = {"training.CertificateVerification"}
# the human verification page (the JSON one is under /api/v1/training/certificates/verify/)
VERIFY_PATH = "/web/verify/"
RETRY_SAFE = {"parameters": [{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                              "description": "Retry-safe: the same key returns the first answer"}]}


@blp.before_request
def _signed_in() -> None:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        require_principal()


def _sent() -> dict[str, object]:
    # The service validates again and is the authority; it gets the body as sent.
    return request.get_json(silent=True) or {}


# --- catalogue --------------------------------------------------------------------------------------------------


@blp.route("/categories")
class Categories(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, CategoryList)
    def get(self, query: dict[str, object]) -> Response:
        """The 12 categories of free vocational courses."""
        return respond(call("training", "list_categories", request.args.to_dict()))


@blp.route("/courses")
class Courses(MethodView):
    @blp.arguments(CourseListQuery, location="query")
    @blp.response(200, CoursePage)
    def get(self, query: dict[str, object]) -> Response:
        """Courses open to your tenant (your own and those shared with it); staff also see their drafts."""
        return respond(call("training", "list_courses", request.args.to_dict()))

    @idempotent
    @blp.arguments(CourseCreate)
    @blp.response(201, CourseOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object]) -> Response:
        """Staff: write a course as a draft (kind, completion rules, target groups, certificate)."""
        return respond(call("training", "create_course", _sent()), 201)


@blp.route("/courses/<course_id>")
class Course(MethodView):
    @blp.response(200, CourseOut)
    def get(self, course_id: str) -> Response:
        """One course. A course not shared with your tenant answers 404."""
        return respond(call("training", "get_course", course_id))

    @blp.arguments(partial_schema(CourseUpdate))
    @blp.response(200, CourseOut)
    def patch(self, _body: dict[str, object], course_id: str) -> Response:
        """Staff of the owning tenant: change fields of a course."""
        return respond(call("training", "update_course", course_id, _sent()))


@blp.route("/courses/<course_id>/publish")
class CoursePublication(MethodView):
    @idempotent
    @blp.arguments(AudienceIn)
    @blp.response(200, CourseOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object], course_id: str) -> Response:
        """Publish to your own tenant (empty body), to named tenants, or to every tenant; again to change."""
        return respond(call("training", "publish_course", course_id, _sent()))


@blp.route("/courses/<course_id>/withdraw")
class CourseWithdrawal(MethodView):
    @idempotent
    @blp.response(200, CourseOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, course_id: str) -> Response:
        """Stop new enrolments; places, records and certificates stay."""
        return respond(call("training", "withdraw_course", course_id))


@blp.route("/courses/<course_id>/sessions")
class CourseSessions(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, SessionList)
    def get(self, query: dict[str, object], course_id: str) -> Response:
        """The course's sessions (cohorts) with their meetings and places left."""
        return respond(call("training", "list_sessions", course_id, request.args.to_dict()))

    @idempotent
    @blp.arguments(SessionCreate)
    @blp.response(201, SessionOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object], course_id: str) -> Response:
        """Staff: schedule a session — one-off meetings or a weekly series, venue or online, capacity,
        waitlist limit, mentor and enrolment window."""
        return respond(call("training", "create_session", course_id, _sent()), 201)


# --- sessions ---------------------------------------------------------------------------------------------------


@blp.route("/sessions/<session_id>")
class SessionResource(MethodView):
    @blp.response(200, SessionOut)
    def get(self, session_id: str) -> Response:
        """One session with its schedule."""
        return respond(call("training", "get_session", session_id))


@blp.route("/sessions/<session_id>/meetings")
class SessionMeetings(MethodView):
    @idempotent
    @blp.arguments(MeetingIn)
    @blp.response(201, MeetingOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object], session_id: str) -> Response:
        """Staff: add a meeting (e.g. a make-up class) to an open session."""
        return respond(call("training", "add_meeting", session_id, _sent()), 201)


@blp.route("/sessions/<session_id>/enrolments")
class SessionEnrolments(MethodView):
    @blp.arguments(EnrolmentListQuery, location="query")
    @blp.response(200, EnrolmentList)
    def get(self, query: dict[str, object], session_id: str) -> Response:
        """The roster in arrival order, with attendance progress: the host's staff and the session's mentor."""
        return respond(call("training", "roster", session_id, request.args.to_dict()))

    @idempotent
    @blp.arguments(EnrolIn)
    @blp.response(201, EnrolmentOut)
    @blp.alt_response(409, description="Already enrolled, session full, closed, or outside the enrolment window")
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object], session_id: str) -> Response:
        """Enrol yourself, or (children's camp) a child you are guardian of. While places are left you are
        enrolled, then waitlisted in arrival order; a freed place goes to the first on the waitlist."""
        return respond(call("training", "enrol", session_id, _sent()), 201)


@blp.route("/sessions/<session_id>/close")
class SessionClosing(MethodView):
    @idempotent
    @blp.response(200, SessionCloseOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, session_id: str) -> Response:
        """Staff: close the session. Completion is decided for each participant (attendance share, exam
        score) and certificates are issued for a certificate course."""
        return respond(call("training", "close_session", session_id))


@blp.route("/sessions/<session_id>/ratings")
class SessionRatings(MethodView):
    @idempotent
    @blp.arguments(RatingIn)
    @blp.response(201, RatingOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object], session_id: str) -> Response:
        """Rate a session you attended, once (1–5 stars)."""
        return respond(call("training", "rate_session", session_id, _sent()), 201)


# --- enrolments ---------------------------------------------------------------------------------------------------


@blp.route("/enrolments")
class MyEnrolments(MethodView):
    @blp.arguments(EnrolmentListQuery, location="query")
    @blp.response(200, EnrolmentList)
    def get(self, query: dict[str, object]) -> Response:
        """Your enrolments and your children's, in every session shared with your tenant."""
        return respond(call("training", "list_my_enrolments", request.args.to_dict()))


@blp.route("/enrolments/<enrolment_id>")
class EnrolmentResource(MethodView):
    @blp.response(200, EnrolmentOut)
    def get(self, enrolment_id: str) -> Response:
        """One enrolment with waitlist position and attendance progress."""
        return respond(call("training", "get_enrolment", enrolment_id))


@blp.route("/enrolments/<enrolment_id>/cancel")
class EnrolmentCancellation(MethodView):
    @idempotent
    @blp.arguments(CancelIn)
    @blp.response(200, EnrolmentOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object], enrolment_id: str) -> Response:
        """Give up a place or a waitlist place (yourself, your child's, or as the host's staff)."""
        return respond(call("training", "cancel_enrolment", enrolment_id, _sent()))


@blp.route("/enrolments/<enrolment_id>/exam-score")
class ExamScore(MethodView):
    @blp.arguments(ExamScoreIn)
    @blp.response(200, EnrolmentOut)
    def put(self, _body: dict[str, object], enrolment_id: str) -> Response:
        """The examiner (host staff or the session's mentor) enters a certificate course's exam score."""
        return respond(call("training", "set_exam_score", enrolment_id, _sent()))


# --- attendance -------------------------------------------------------------------------------------------------


@blp.route("/meetings/<meeting_id>/checkin-code")
class CheckinCode(MethodView):
    @blp.response(200, CheckinCodeOut)
    def get(self, meeting_id: str) -> Response:
        """The QR code to show in class now (host staff or mentor). It rotates every minute; fetch the next
        one at `rotates_at`."""
        return respond(call("training", "checkin_code", meeting_id))


@blp.route("/meetings/<meeting_id>/check-ins")
class CheckIns(MethodView):
    @idempotent
    @blp.arguments(CheckInIn)
    @blp.response(201, AttendanceOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object], meeting_id: str) -> Response:
        """Self check-in with the token from the QR code. A forged or expired token is refused (422)."""
        return respond(call("training", "check_in", meeting_id, _sent()), 201)


@blp.route("/meetings/<meeting_id>/attendance")
class MeetingAttendance(MethodView):
    @blp.arguments(AttendanceQuery, location="query")
    @blp.response(200, AttendancePage)
    def get(self, query: dict[str, object], meeting_id: str) -> Response:
        """Who attended (host staff or mentor)."""
        return respond(call("training", "list_attendance", meeting_id, request.args.to_dict()))

    @idempotent
    @blp.arguments(AttendanceMarkIn)
    @blp.response(201, AttendanceList)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object], meeting_id: str) -> Response:
        """Host staff or mentor: mark participants present (make-ups from other sessions of the course
        included) and record walk-ins."""
        return respond(call("training", "mark_attendance", meeting_id, _sent()), 201)


# --- certificates -----------------------------------------------------------------------------------------------


@blp.route("/certificates")
class Certificates(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, CertificateList)
    def get(self, query: dict[str, object]) -> Response:
        """Your certificates; staff: those your tenant issued and those your residents hold."""
        return respond(call("training", "list_certificates", request.args.to_dict()))


@blp.route("/certificates/<certificate_id>")
class CertificateResource(MethodView):
    @blp.response(200, CertificateOut)
    def get(self, certificate_id: str) -> Response:
        """One certificate (holder, their community's staff, the issuer's staff)."""
        return respond(call("training", "get_certificate", certificate_id))


@blp.route("/certificates/<certificate_id>/pdf")
class CertificatePdf(MethodView):
    @blp.doc(responses={"200": {"description": "The printable certificate, with its code and a QR code",
                                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, certificate_id: str) -> Response:
        """The certificate as a PDF; its QR code opens the public verification page."""
        verify_base = request.url_root.rstrip("/") + VERIFY_PATH
        result = call("training", "certificate_pdf", certificate_id, verify_base)
        return Response(base64.b64decode(result["content_base64"]), mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{result["filename"]}"'})


@blp.route("/certificates/<certificate_id>/revoke")
class CertificateRevocation(MethodView):
    @idempotent
    @blp.arguments(RevokeIn)
    @blp.response(200, CertificateOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object], certificate_id: str) -> Response:
        """The issuer's staff revoke a certificate with a reason; verification shows it at once."""
        return respond(call("training", "revoke_certificate", certificate_id, _sent()))


@blp.route("/certificates/verify/<code>")
class CertificateVerification(MethodView):
    @blp.response(200, VerificationOut)
    @blp.doc(security=[])
    def get(self, code: str) -> Response:
        """Public, no sign-in: whether a certificate code is valid, expired or revoked, with the holder's
        masked name, course and dates. A mistyped code is 422, an unknown one 404."""
        # No principal, so no tenant: the service reads only its public register for this call.
        return respond(pool().call("training", "verify_certificate", code,
                                   context_data={"request_id": g.request_id}))


# --- mentors ------------------------------------------------------------------------------------------------------


@blp.route("/mentors")
class Mentors(MethodView):
    @blp.arguments(MentorListQuery, location="query")
    @blp.response(200, MentorList)
    def get(self, query: dict[str, object]) -> Response:
        """Mentor profiles visible to your tenant (its own and those shared, e.g. a college's mentor team)."""
        return respond(call("training", "list_mentors", request.args.to_dict()))

    @idempotent
    @blp.arguments(MentorCreate)
    @blp.response(201, MentorOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body: dict[str, object]) -> Response:
        """Staff: add a mentor's profile (shared with every tenant unless `share_with_all` is false)."""
        return respond(call("training", "create_mentor", _sent()), 201)


@blp.route("/mentors/me/ratings")
class MyRatings(MethodView):
    @blp.response(200, MentorRatingsOut)
    def get(self) -> Response:
        """For a mentor: the ratings of your sessions in this tenant, without who gave them."""
        return respond(call("training", "my_ratings"))


@blp.route("/mentors/<mentor_id>")
class MentorResource(MethodView):
    @blp.response(200, MentorOut)
    def get(self, mentor_id: str) -> Response:
        return respond(call("training", "get_mentor", mentor_id))


# --- figures --------------------------------------------------------------------------------------------------------


@blp.route("/figures")
class Figures(MethodView):
    @blp.response(200, TenantFigures)
    def get(self) -> Response:
        """Staff: your tenant's figures — sessions held, enrolments, attendance rate, completions, certificates."""
        return respond(call("training", "tenant_figures"))


@blp.route("/figures/all-tenants")
class AllFigures(MethodView):
    @blp.response(200, AllTenantFigures)
    def get(self) -> Response:
        """The sub-district operator: the same figures for every tenant, and their total."""
        return respond(call("training", "all_tenant_figures"))
