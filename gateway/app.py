"""The gateway's WSGI application factory."""

from __future__ import annotations

import http
import re
import time
import uuid
from typing import Any, cast

from flask import Flask, Response, g, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from gateway import auth, db, input_checks, metrics, problems, web
from gateway.routes import blueprints
from gateway.schemas import Problem
from gateway.settings import GatewaySettings
from services.common.errors import FengchaoError
from services.common.logging import get_logger

log = get_logger("gateway.access")

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class FengchaoApi(Api):
    ERROR_SCHEMA = Problem

    def _register_responses(self) -> None:
        """Every error is answered as application/problem+json (gateway.problems), so the document says so."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def create_app(settings: GatewaySettings | None = None) -> Flask:
    settings = settings or GatewaySettings.from_env()
    app = Flask(__name__)
    app.config.update(
        API_TITLE="蜂巢 Fengchao API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_AS_ASCII=False,
    )
    cast(DefaultJSONProvider, app.json).ensure_ascii = False
    app.extensions["fengchao.settings"] = settings
    app.extensions["fengchao.identity"] = db.IdentityStore(settings.database_url)
    app.extensions["fengchao.rpc"] = None

    api = FengchaoApi(app, spec_kwargs={
        "info": {"description": "The party-mass service platform for new residents (新居民党群服务中心)."},
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "apiKey": {"type": "apiKey", "in": "header", "name": auth.API_KEY_HEADER},
        }},
        "security": [{"bearer": []}, {"apiKey": []}],
    })
    for blueprint in blueprints():
        api.register_blueprint(blueprint)
    app.register_blueprint(web.blp)  # the web client: same auth, tenancy and service calls as the API
    app.register_blueprint(web.notifications.root)  # /n/<code> (short links in texts and pushes) and /sw.js
    with_body = input_checks.operations_with_body(app, api.spec.to_dict())

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # hostile input is refused before identity is looked up: it costs no database round trip
        input_checks.refuse_unsupported_media_type(with_body)
        input_checks.refuse_malformed_json()
        input_checks.refuse_unstorable_characters()
        auth.load_principal()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        principal = g.get("principal")
        log.info(
            "http.request", method=request.method, path=request.path, status=response.status_code,
            duration_ms=round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
            request_id=g.get("request_id"), tenant_id=principal.tenant_id if principal else None,
        )
        return response

    metrics.install(app)  # request counts and latency by route and status; GET /metrics
    app.teardown_appcontext(db.close_session)

    # Registered after the Api so that these, not flask-smorest's, shape every error.
    app.register_error_handler(FengchaoError, problems.from_service_error)
    app.register_error_handler(HTTPException, problems.from_http_exception)
    app.register_error_handler(Exception, problems.from_unexpected)

    @app.get("/docs")
    def docs() -> str:
        """A readable API reference rendered from the same OpenAPI document (no CDN needed)."""
        return render_template("docs.html", spec=api.spec.to_dict())

    @app.get("/")
    def index() -> str:
        return render_template("index.html")

    return app
