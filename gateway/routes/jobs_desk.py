"""家门口的招聘会 / Job fairs, 维权服务台 / the labour-rights desk, and 数据看板 / figures
of the gig market: part of the jobs service's API."""

from __future__ import annotations

import io

import segno
from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, validate

from gateway import messages
from gateway.auth import require_principal
from gateway.idempotency import idempotent
from gateway.services import call, respond
from services.common import contract_fields as fields
from services.common.contracts import partial_schema
from services.common.errors import Conflict
from services.jobs.contracts.schemas import (
    AccessLog,
    AccessLogQuery,
    AllTenantFigures,
    BoothAdd,
    BoothOut,
    CaseAssign,
    CaseConclude,
    CaseEntryOut,
    CaseListQuery,
    CaseNoteAdd,
    CaseOpen,
    CaseOut,
    CasePage,
    CheckIn,
    DeskMemberOut,
    DeskMembers,
    DeskMemberSet,
    FairCancel,
    FairCreate,
    FairListQuery,
    FairOut,
    FairOutcome,
    FairPage,
    FairUpdate,
    FiguresQuery,
    MyRegistrations,
    MyRegistrationsQuery,
    NoticeList,
    NoticeOut,
    NoticeQuery,
    RegistrationListQuery,
    RegistrationOut,
    RegistrationPage,
    TenantFigures,
)

blp = Blueprint("jobs_desk", __name__, url_prefix="/api/v1/jobs",
                description="家门口的招聘会、维权服务台、数据看板 / Job fairs, labour-rights desk, figures")

_RETRY_SAFE = {"parameters": [{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                               "description": "Retry-safe: the same key returns the first answer"}]}


@blp.before_request
def _signed_in() -> None:
    require_principal()


def _body() -> dict[str, object]:
    # The service validates again and is the authority; it gets the body as sent.
    return request.get_json(silent=True) or {}


def _query() -> dict[str, str]:
    return request.args.to_dict()


# --- fairs -----------------------------------------------------------------------------


@blp.route("/fairs")
class Fairs(MethodView):
    @blp.arguments(FairListQuery, location="query")
    @blp.response(200, FairPage)
    def get(self, _query_args: dict[str, object]) -> Response:
        """Fairs your community organises or that are shared with it (upcoming by default)."""
        return respond(call("jobs", "list_fairs", _query()))

    @idempotent
    @blp.arguments(FairCreate)
    @blp.response(201, FairOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, _body_args: dict[str, object]) -> Response:
        """Organise a fair (staff): on site or online, for your residents or the communities you name.
        It starts as a draft."""
        return respond(call("jobs", "create_fair", _body()), 201)


@blp.route("/fairs/registrations/mine")
class MyFairRegistrations(MethodView):
    @blp.arguments(MyRegistrationsQuery, location="query")
    @blp.response(200, MyRegistrations)
    def get(self, query: dict[str, object]) -> Response:
        """Your fair registrations, wherever the fairs are, with your check-in codes."""
        return respond(call("jobs", "my_fair_registrations", query))


@blp.route("/fairs/<fair_id>")
class Fair(MethodView):
    @blp.response(200, FairOut)
    def get(self, fair_id: str) -> Response:
        """One fair with its employers (booths). Another tenant's draft or unshared fair answers 404."""
        return respond(call("jobs", "get_fair", fair_id))

    @blp.arguments(partial_schema(FairUpdate))
    @blp.response(200, FairOut)
    def patch(self, _body_args: dict[str, object], fair_id: str) -> Response:
        """Change a fair that has not been held or cancelled (organiser only)."""
        return respond(call("jobs", "update_fair", fair_id, _body()))


@blp.route("/fairs/<fair_id>/publish")
class FairPublish(MethodView):
    @idempotent
    @blp.response(200, FairOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, fair_id: str) -> Response:
        """Draft → published: the audience sees it and can register."""
        return respond(call("jobs", "publish_fair", fair_id))


@blp.route("/fairs/<fair_id>/cancel")
class FairCancelRoute(MethodView):
    @idempotent
    @blp.arguments(FairCancel)
    @blp.response(200, FairOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, _body_args: dict[str, object], fair_id: str) -> Response:
        """Cancel a draft or published fair, with the reason residents will see."""
        return respond(call("jobs", "cancel_fair", fair_id, _body()))


@blp.route("/fairs/<fair_id>/held")
class FairHeld(MethodView):
    @idempotent
    @blp.response(200, FairOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, fair_id: str) -> Response:
        """Mark a fair held (once it has started): its outcome is frozen and `fair_held` is published."""
        return respond(call("jobs", "hold_fair", fair_id))


@blp.route("/fairs/<fair_id>/booths")
class FairBooths(MethodView):
    @idempotent
    @blp.arguments(BoothAdd)
    @blp.response(201, BoothOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, _body_args: dict[str, object], fair_id: str) -> Response:
        """An employer takes part with the open posts it brings (adding again adds posts to its booth)."""
        return respond(call("jobs", "add_fair_booth", fair_id, _body()), 201)


@blp.route("/fairs/<fair_id>/outcome")
class FairOutcomeRoute(MethodView):
    @blp.response(200, FairOutcome)
    def get(self, fair_id: str) -> Response:
        """Live outcome (organiser): attendees, walk-ins, no-shows, applications made at the fair, hires."""
        return respond(call("jobs", "fair_outcome", fair_id))


@blp.route("/fairs/<fair_id>/registration")
class FairRegistration(MethodView):
    @blp.response(200, RegistrationOut)
    def get(self, fair_id: str) -> Response:
        """Your registration for this fair, with its check-in code."""
        return respond(call("jobs", "my_fair_registration", fair_id))

    @idempotent
    @blp.response(201, RegistrationOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, fair_id: str) -> Response:
        """Pre-register for a fair shared with your community. 409 when it is full (with the count)."""
        return respond(call("jobs", "register_for_fair", fair_id), 201)

    @blp.response(200, RegistrationOut)
    def delete(self, fair_id: str) -> Response:
        """Give your place back (before check-in)."""
        return respond(call("jobs", "cancel_fair_registration", fair_id))


class QrQuery(Schema):
    format = fields.String(load_default="svg", validate=validate.OneOf(("svg", "png")))
    scale = fields.Integer(load_default=8, validate=validate.Range(2, 20))


@blp.route("/fairs/<fair_id>/registration/qr")
class FairRegistrationQr(MethodView):
    @blp.arguments(QrQuery, location="query")
    @blp.response(200, content_type="image/svg+xml",
                  description="The check-in code as a QR code (SVG, or PNG with format=png)")
    @blp.alt_response(409, description="No code to show: the registration is cancelled or already checked in")
    def get(self, query_args: dict[str, object], fair_id: str) -> Response:
        """Your check-in code as a QR code, for staff to scan at the door."""
        registration = call("jobs", "my_fair_registration", fair_id)
        if not registration.get("code"):
            raise Conflict(messages.REGISTRATION_STATE, {"state": registration["status"]},
                           state=registration["status"])
        qr = segno.make(registration["code"], error="m")
        buffer = io.BytesIO()
        kind = str(query_args["format"])  # "svg" or "png" (the schema checked it)
        qr.save(buffer, kind=kind, scale=query_args["scale"], border=2)
        response = Response(buffer.getvalue(), mimetype="image/svg+xml" if kind == "svg" else "image/png")
        response.headers["Cache-Control"] = "no-store"  # a ticket: not for shared caches
        return response


@blp.route("/fairs/<fair_id>/registrations")
class FairRegistrations(MethodView):
    @blp.arguments(RegistrationListQuery, location="query")
    @blp.response(200, RegistrationPage)
    def get(self, _query_args: dict[str, object], fair_id: str) -> Response:
        """The door list (organiser staff); codes are not shown here."""
        return respond(call("jobs", "list_fair_registrations", fair_id, _query()))


@blp.route("/fairs/<fair_id>/check-ins")
class FairCheckIns(MethodView):
    @idempotent
    @blp.arguments(CheckIn)
    @blp.response(201, RegistrationOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, _body_args: dict[str, object], fair_id: str) -> Response:
        """Check someone in at the door: a scanned or typed code, or a walk-in without one.
        A second scan answers 409 with when they checked in."""
        return respond(call("jobs", "check_in_at_fair", fair_id, _body()), 201)


# --- labour-rights desk ----------------------------------------------------------------


@blp.route("/rights-cases/desk-members")
class DeskMembersRoute(MethodView):
    @blp.response(200, DeskMembers)
    def get(self) -> Response:
        """Who holds the desk in your community (lawyers, social workers, labour inspectors, talent officers)."""
        return respond(call("jobs", "list_desk_members"))

    @idempotent
    @blp.arguments(DeskMemberSet)
    @blp.response(200, DeskMemberOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, _body_args: dict[str, object]) -> Response:
        """Put someone on the desk, change their desk role, or take them off (`active: false`). Tenant admins."""
        return respond(call("jobs", "set_desk_member", _body()))


@blp.route("/rights-cases/notices")
class DeskNotices(MethodView):
    @blp.arguments(NoticeQuery, location="query")
    @blp.response(200, NoticeList)
    def get(self, _query_args: dict[str, object]) -> Response:
        """Notices to the community's staff: a resident's case (a "wages not paid" answer, a request for help)
        is waiting for someone on the desk. Staff, tenant admins and desk members; no personal details."""
        return respond(call("jobs", "list_desk_notices", _query()))


@blp.route("/rights-cases/notices/<notice_id>/acknowledge")
class DeskNoticeAcknowledge(MethodView):
    @idempotent
    @blp.response(200, NoticeOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, notice_id: str) -> Response:
        """Mark a notice as seen; the first acknowledgement is kept."""
        return respond(call("jobs", "acknowledge_desk_notice", notice_id))


@blp.route("/rights-cases")
class RightsCases(MethodView):
    @blp.arguments(CaseListQuery, location="query")
    @blp.response(200, CasePage)
    def get(self, _query_args: dict[str, object]) -> Response:
        """Cases you may see: your own, those assigned to you, or (tenant admins) all. Each listing is logged."""
        return respond(call("jobs", "list_rights_cases", _query()))

    @idempotent
    @blp.arguments(CaseOpen)
    @blp.response(201, CaseOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, _body_args: dict[str, object]) -> Response:
        """Ask the desk for help (for yourself), or record a case for someone (staff, hotline). Confidential."""
        return respond(call("jobs", "open_rights_case", _body()), 201)


@blp.route("/rights-cases/<case_id>")
class RightsCase(MethodView):
    @blp.response(200, CaseOut)
    def get(self, case_id: str) -> Response:
        """A case and its timeline: for the person, the assignee and tenant admins only (others: 404).
        The read is written to the case's access log."""
        return respond(call("jobs", "get_rights_case", case_id))


@blp.route("/rights-cases/<case_id>/assignment")
class RightsCaseAssignment(MethodView):
    @idempotent
    @blp.arguments(CaseAssign)
    @blp.response(200, CaseOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, _body_args: dict[str, object], case_id: str) -> Response:
        """Assign (or reassign) the case to someone on the desk. Tenant admins."""
        return respond(call("jobs", "assign_rights_case", case_id, _body()))


@blp.route("/rights-cases/<case_id>/start")
class RightsCaseStart(MethodView):
    @idempotent
    @blp.response(200, CaseOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, case_id: str) -> Response:
        """The assignee takes the case up: assigned → in_progress."""
        return respond(call("jobs", "start_rights_case", case_id))


@blp.route("/rights-cases/<case_id>/notes")
class RightsCaseNotes(MethodView):
    @idempotent
    @blp.arguments(CaseNoteAdd)
    @blp.response(201, CaseEntryOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, _body_args: dict[str, object], case_id: str) -> Response:
        """Add a note; the desk may keep it internal (`visible_to_person: false`)."""
        return respond(call("jobs", "add_rights_case_note", case_id, _body()), 201)


@blp.route("/rights-cases/<case_id>/conclusion")
class RightsCaseConclusion(MethodView):
    @idempotent
    @blp.arguments(CaseConclude)
    @blp.response(200, CaseOut)
    @blp.doc(**_RETRY_SAFE)
    def post(self, _body_args: dict[str, object], case_id: str) -> Response:
        """Resolve or refer (assignee, admins; publishes `case_resolved`), or close (the person may withdraw)."""
        return respond(call("jobs", "conclude_rights_case", case_id, _body()))


@blp.route("/rights-cases/<case_id>/access-log")
class RightsCaseAccessLog(MethodView):
    @blp.arguments(AccessLogQuery, location="query")
    @blp.response(200, AccessLog)
    def get(self, _query_args: dict[str, object], case_id: str) -> Response:
        """Who read or changed this case, when and in what capacity, oldest first: for the person and tenant
        admins."""
        return respond(call("jobs", "rights_case_access_log", case_id, _query()))


# --- figures ---------------------------------------------------------------------------


@blp.route("/figures")
class Figures(MethodView):
    @blp.arguments(FiguresQuery, location="query")
    @blp.response(200, TenantFigures)
    def get(self, _query_args: dict[str, object]) -> Response:
        """Your tenant's figures (staff): workers, posts, fairs, applications, placements, people helped."""
        return respond(call("jobs", "tenant_figures", _query()))


@blp.route("/figures/all-tenants")
class AllTenantFiguresRoute(MethodView):
    @blp.arguments(FiguresQuery, location="query")
    @blp.response(200, AllTenantFigures)
    def get(self, _query_args: dict[str, object]) -> Response:
        """Every tenant side by side, with totals (the sub-district operator)."""
        return respond(call("jobs", "all_tenant_figures", _query()))
