"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from gateway.schemas import Health
from gateway.services import pool
from services.common import config
from services.common.errors import FengchaoError

blp = Blueprint("health", __name__, description="健康检查 / Health")

READY_TIMEOUT = 3.0


@blp.route("/healthz")
@blp.response(200, Health)
def healthz() -> dict[str, Any]:
    """The process is alive (no dependency is checked)."""
    return {"status": "ok", "checks": {}}


@blp.route("/readyz")
@blp.response(200, Health)
@blp.alt_response(503, schema=Health, description="The broker or a service is not answering")
def readyz() -> dict[str, Any] | tuple[dict[str, Any], int]:
    """The broker is reachable and every service answers a ping (which also checks its database)."""
    checks: dict[str, str] = {}
    for service in config.SERVICE_NAMES:
        try:
            pool().call(service, "ping", context_data={}, timeout=READY_TIMEOUT)
            checks[service] = "ok"
        except FengchaoError as exc:
            checks[service] = f"{exc.code}: {exc.detail}"
    ready = all(value == "ok" for value in checks.values())
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "checks": checks}
    if not ready:
        current_app.logger.warning("readyz not ready: %s", checks)
        return body, 503
    return body
