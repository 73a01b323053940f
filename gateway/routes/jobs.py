"""零工市场 / Gig market: the jobs service's API."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from gateway.auth import require_principal
from gateway.idempotency import idempotent
from gateway.services import call, respond
from services.jobs.schemas import (
    WorkerListQuery,
    WorkerProfileCreate,
    WorkerProfileOut,
    WorkerProfilePage,
    WorkerProfileUpdate,
)

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="零工市场 / Gig market")


@blp.before_request
def _signed_in():
    require_principal()


@blp.route("/workers")
class Workers(MethodView):
    @blp.arguments(WorkerListQuery, location="query")
    @blp.response(200, WorkerProfilePage)
    def get(self, query):
        """Worker profiles of your tenant (staff), or your own (residents)."""
        return respond(call("jobs", "list_workers", query))

    @idempotent
    @blp.arguments(WorkerProfileCreate)
    @blp.response(201, WorkerProfileOut)
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                          "description": "Retry-safe: the same key returns the first answer"}])
    def post(self, _body):
        """Register a worker profile (零工登记): yourself, or someone else if you are staff."""
        # The service validates again and is the authority; it gets the body as sent.
        return respond(call("jobs", "register_worker", request.get_json()), 201)


@blp.route("/workers/<worker_id>")
class Worker(MethodView):
    @blp.response(200, WorkerProfileOut)
    def get(self, worker_id):
        """One worker profile. Another tenant's or person's id answers 404."""
        return respond(call("jobs", "get_worker", worker_id))

    @blp.arguments(WorkerProfileUpdate(partial=True))
    @blp.response(200, WorkerProfileOut)
    def patch(self, _body, worker_id):
        """Change fields of a profile; send `expected_version` to refuse a lost update."""
        return respond(call("jobs", "update_worker", worker_id, request.get_json()))
