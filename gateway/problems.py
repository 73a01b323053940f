"""Errors as RFC 9457 problem details (`application/problem+json`).

`STATUS_BY_ERROR` is the one table from typed service errors to HTTP; a test
checks that it covers every error class in services.common.errors.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, json, request
from werkzeug.exceptions import HTTPException

from gateway import messages, words
from gateway.rpc import RemoteError
from services.common import errors
from services.common.logging import get_logger
from services.common.messages import Message
from services.common.shared_messages import HTTP_TITLES

log = get_logger(__name__)

PROBLEM_JSON = "application/problem+json"

STATUS_BY_ERROR: dict[type[errors.FengchaoError], int] = {
    errors.ValidationFailed: 422,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.TenantRequired: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.ServiceUnavailable: 503,
    errors.ServiceTimeout: 504,
}

def _title(status: int) -> str:
    """The short title of a status in the request's language (services.common.shared_messages)."""
    found = HTTP_TITLES.get(status)
    return words.translate(found.text) if found is not None else "Error"


def problem(status: int, *, code: str, detail: str | Message | None = "", fields: dict[str, Any] | None = None,
            extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
            params: dict[str, Any] | None = None) -> Response:
    """A problem+json answer. `detail` is words already in the caller's language, or a Message (gateway.messages)
    worded here with `params`, its code then in the body's `message_code` as a service error's is."""
    if isinstance(detail, Message):
        extra = {"message_code": detail.code, **(extra or {})}
        detail = words.message(detail.code, params, default=detail.format(params))
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": _title(status),
        "status": status,
        "detail": detail or _title(status),
        "instance": request.path if request else None,
        "code": code,
        "request_id": getattr(g, "request_id", None),
    }
    if fields:
        body["errors"] = words.field_messages(fields)
    for key, value in (extra or {}).items():
        # A detail named like a problem member ("status") must not replace it.
        body[key if key not in body else f"current_{key}"] = value
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="fengchao"')
    return response


def from_service_error(exc: errors.FengchaoError) -> Response:
    status = STATUS_BY_ERROR.get(type(exc)) or _status_by_ancestry(exc)
    words.localize(exc)  # raised in the gateway itself, or a second time: the words are the caller's language's
    extra = dict(exc.extra)
    fields = extra.pop("fields", None)
    params = extra.pop("message_params", None)
    # `message_code` stays in the body: a client may branch on it; the words are the caller's language's.
    detail = words.message(extra.get("message_code"), params, default=exc.detail)
    headers = {"Retry-After": "5"} if status in (503, 504) else None
    return problem(status, code=exc.code, detail=detail, fields=fields, extra=extra, headers=headers)


def _status_by_ancestry(exc: errors.FengchaoError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def from_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    fields = None
    data = getattr(exc, "data", None)  # webargs / flask-smorest put validation messages here
    if isinstance(data, dict) and "messages" in data:
        fields = _flatten_locations(data["messages"])
    code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
            415: "unsupported_media_type", 422: "validation_failed"}.get(status, "http_error")
    detail: str | Message | None = exc.description if status != 422 else messages.FIELDS_INVALID
    # werkzeug's own headers carry what a client needs next: `Allow` on a 405 (RFC 9110 requires it)
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    return problem(status, code=code, detail=detail, fields=fields, headers=headers)


def _flatten_locations(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests messages by location ({"json": {...}}); callers want fields."""
    flat: dict[str, Any] = {}
    for location, value in messages.items():
        if isinstance(value, dict) and location in ("json", "query", "form", "headers", "path", "files", "view_args"):
            flat.update(value)
        else:
            flat[location] = value
    return flat


def from_unexpected(exc: Exception) -> Response:
    if _database_unreachable(exc):
        # the gateway's own database is restarting (or a transaction lost a serialization race): a retry
        # will do, as for a service that is away
        log.warning("gateway.database_unavailable", error=str(exc).splitlines()[0])
        return problem(503, code="service_unavailable", detail=messages.DATABASE_UNAVAILABLE,
                       headers={"Retry-After": "5"})
    if isinstance(exc, RemoteError):
        log.error("gateway.remote_error", exc_type=exc.exc_type, value=exc.value)
    else:
        log.exception("gateway.unhandled_error")
    return problem(500, code="internal", detail=messages.INTERNAL)


def _database_unreachable(exc: Exception) -> bool:
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError))
