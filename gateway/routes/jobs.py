"""零工市场 / Gig market: the jobs service's API."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from gateway.auth import require_principal
from gateway.idempotency import idempotent
from gateway.services import call, respond
from services.common.contracts import partial_schema
from services.jobs.contracts.schemas import (
    ApplicationCreate,
    ApplicationList,
    ApplicationOut,
    ApplicationQuery,
    ApplicationTransition,
    CandidateRecommendationList,
    CertificateCreate,
    CertificateList,
    CertificateOut,
    EmployerCreate,
    EmployerDecision,
    EmployerList,
    EmployerListQuery,
    EmployerOut,
    JobPostCreate,
    JobPostOut,
    JobPostPage,
    JobPostQuery,
    JobPostUpdate,
    PlacementList,
    PlacementOut,
    PlacementQuery,
    PostClose,
    PostRecommendationList,
    RecommendationQuery,
    SkillCreate,
    SkillList,
    SkillOut,
    WageAnswer,
    WorkerListQuery,
    WorkerProfileCreate,
    WorkerProfileOut,
    WorkerProfilePage,
    WorkerProfileUpdate,
)

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="零工市场 / Gig market")


@blp.before_request
def _signed_in() -> None:
    require_principal()


@blp.route("/workers")
class Workers(MethodView):
    @blp.arguments(WorkerListQuery, location="query")
    @blp.response(200, WorkerProfilePage)
    def get(self, query: dict[str, object]) -> Response:
        """Worker profiles of your tenant (staff), or your own (residents)."""
        return respond(call("jobs", "list_workers", query))

    @idempotent
    @blp.arguments(WorkerProfileCreate)
    @blp.response(201, WorkerProfileOut)
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                          "description": "Retry-safe: the same key returns the first answer"}])
    def post(self, _body: dict[str, object]) -> Response:
        """Register a worker profile (零工登记): yourself, or someone else if you are staff."""
        # The service validates again and is the authority; it gets the body as sent.
        return respond(call("jobs", "register_worker", request.get_json()), 201)


@blp.route("/workers/<worker_id>")
class Worker(MethodView):
    @blp.response(200, WorkerProfileOut)
    def get(self, worker_id: str) -> Response:
        """One worker profile. Another tenant's or person's id answers 404."""
        return respond(call("jobs", "get_worker", worker_id))

    @blp.arguments(partial_schema(WorkerProfileUpdate))
    @blp.response(200, WorkerProfileOut)
    def patch(self, _body: dict[str, object], worker_id: str) -> Response:
        """Change fields of a profile; send `expected_version` to refuse a lost update."""
        return respond(call("jobs", "update_worker", worker_id, request.get_json()))


@blp.route("/skills")
class Skills(MethodView):
    @blp.response(200, SkillList)
    def get(self) -> Response:
        """The skills taxonomy of your community: the default list plus its own additions."""
        return respond(call("jobs", "list_skills"))

    @blp.arguments(SkillCreate)
    @blp.response(201, SkillOut)
    def post(self, _body: dict[str, object]) -> Response:
        """Staff add a skill to their community's taxonomy."""
        return respond(call("jobs", "add_skill", _body_json()), 201)


def _body_json() -> dict[str, object]:
    # The service validates again and is the authority; it gets the body as sent.
    body: dict[str, object] = request.get_json()
    return body


@blp.route("/workers/<worker_id>/certificates")
class WorkerCertificates(MethodView):
    @blp.response(200, CertificateList)
    def get(self, worker_id: str) -> Response:
        """Certificates on a profile, with whether each is still valid."""
        return respond(call("jobs", "list_certificates", worker_id))

    @idempotent
    @blp.arguments(CertificateCreate)
    @blp.response(201, CertificateOut)
    def post(self, _body: dict[str, object], worker_id: str) -> Response:
        """Declare a certificate (with expiry). Training's certificates arrive by themselves."""
        return respond(call("jobs", "add_certificate", worker_id, _body_json()), 201)


@blp.route("/employers")
class Employers(MethodView):
    @blp.arguments(EmployerListQuery, location="query")
    @blp.response(200, EmployerList)
    def get(self, query: dict[str, object]) -> Response:
        """Employers of your tenant (staff), or the ones you act for (employer accounts)."""
        return respond(call("jobs", "list_employers", query))

    @idempotent
    @blp.arguments(EmployerCreate)
    @blp.response(201, EmployerOut)
    def post(self, _body: dict[str, object]) -> Response:
        """Register an employer; it must be verified by staff before its posts open."""
        return respond(call("jobs", "register_employer", _body_json()), 201)


@blp.route("/employers/<employer_id>")
class EmployerDetail(MethodView):
    @blp.response(200, EmployerOut)
    def get(self, employer_id: str) -> Response:
        """One employer with its reliability record (wage reports)."""
        return respond(call("jobs", "get_employer", employer_id))


@blp.route("/employers/<employer_id>/decision")
class EmployerVerification(MethodView):
    @blp.arguments(EmployerDecision)
    @blp.response(200, EmployerOut)
    def post(self, _body: dict[str, object], employer_id: str) -> Response:
        """Staff verify or suspend an employer."""
        return respond(call("jobs", "decide_employer", employer_id, _body_json()))


@blp.route("/posts")
class Posts(MethodView):
    @blp.arguments(JobPostQuery, location="query")
    @blp.response(200, JobPostPage)
    def get(self, query: dict[str, object]) -> Response:
        """Posts visible to your community (alliance posts included); drafts only your own."""
        return respond(call("jobs", "list_posts", query))

    @idempotent
    @blp.arguments(JobPostCreate)
    @blp.response(201, JobPostOut)
    def post(self, _body: dict[str, object]) -> Response:
        """Draft a post for an employer you act for; choose who sees it (own / tenants / all)."""
        return respond(call("jobs", "create_post", _body_json()), 201)


@blp.route("/posts/<post_id>")
class Post(MethodView):
    @blp.response(200, JobPostOut)
    def get(self, post_id: str) -> Response:
        """One post (another community's post only if it was shared with yours)."""
        return respond(call("jobs", "get_post", post_id))

    @blp.arguments(partial_schema(JobPostUpdate))
    @blp.response(200, JobPostOut)
    def patch(self, _body: dict[str, object], post_id: str) -> Response:
        """Edit a draft; an open post only its description, shifts, headcount, benefits, expiry, visibility."""
        return respond(call("jobs", "update_post", post_id, _body_json()))


@blp.route("/posts/<post_id>/open")
class PostOpen(MethodView):
    @blp.response(200, JobPostOut)
    def post(self, post_id: str) -> Response:
        """Open a draft (the employer must be verified)."""
        return respond(call("jobs", "open_post", post_id))


@blp.route("/posts/<post_id>/close")
class PostClosing(MethodView):
    @blp.arguments(PostClose)
    @blp.response(200, JobPostOut)
    def post(self, _body: dict[str, object], post_id: str) -> Response:
        """Close a post before it fills."""
        return respond(call("jobs", "close_post", post_id, _body_json()))


@blp.route("/posts/<post_id>/candidates")
class PostCandidates(MethodView):
    @blp.arguments(RecommendationQuery(only=("limit",)), location="query")
    @blp.response(200, CandidateRecommendationList)
    def get(self, query: dict[str, object], post_id: str) -> Response:
        """People who consented to recommendations, ranked for this post, each with the reasons."""
        return respond(call("jobs", "recommend_candidates", post_id, query))


@blp.route("/recommendations")
class Recommendations(MethodView):
    @blp.arguments(RecommendationQuery, location="query")
    @blp.response(200, PostRecommendationList)
    def get(self, query: dict[str, object]) -> Response:
        """岗位推荐: open posts ranked for you, each with what matched and what is missing."""
        return respond(call("jobs", "recommend_posts", query))


@blp.route("/applications")
class Applications(MethodView):
    @blp.arguments(ApplicationQuery, location="query")
    @blp.response(200, ApplicationList)
    def get(self, query: dict[str, object]) -> Response:
        """Your applications; the employer side sees those to its posts; staff their community's."""
        return respond(call("jobs", "list_applications", query))

    @idempotent
    @blp.arguments(ApplicationCreate)
    @blp.response(201, ApplicationOut)
    def post(self, _body: dict[str, object]) -> Response:
        """Apply to an open post visible to your community (once per post)."""
        return respond(call("jobs", "apply", _body_json()), 201)


@blp.route("/applications/<application_id>")
class ApplicationDetail(MethodView):
    @blp.response(200, ApplicationOut)
    def get(self, application_id: str) -> Response:
        """One application with its full history."""
        return respond(call("jobs", "get_application", application_id))


@blp.route("/applications/<application_id>/transitions")
class ApplicationTransitions(MethodView):
    @blp.arguments(ApplicationTransition)
    @blp.response(200, ApplicationOut)
    def post(self, _body: dict[str, object], application_id: str) -> Response:
        """Move an application: shortlisted, interview, offered, hired, rejected (employer side) or withdrawn."""
        return respond(call("jobs", "transition_application", application_id, _body_json()))


@blp.route("/placements")
class Placements(MethodView):
    @blp.arguments(PlacementQuery, location="query")
    @blp.response(200, PlacementList)
    def get(self, query: dict[str, object]) -> Response:
        """Your placements (hires) with their wage follow-up."""
        return respond(call("jobs", "list_placements", query))


@blp.route("/placements/<placement_id>/wages")
class PlacementWages(MethodView):
    @idempotent
    @blp.arguments(WageAnswer)
    @blp.response(200, PlacementOut)
    def post(self, _body: dict[str, object], placement_id: str) -> Response:
        """工资确认: were wages paid on time? "No" opens a labour-rights case for you."""
        return respond(call("jobs", "answer_wages", placement_id, _body_json()))
