"""Messages and enumerations every service uses (services.common.messages explains codes and words)."""

from __future__ import annotations

from services.common.messages import message

STAFF_ONLY = message("common.staff_only", "Only community staff can do this")
ADMIN_ONLY = message("common.admin_only", "Only the community's administrator can do this")
OPERATOR_ONLY = message("common.operator_only", "Only the sub-district operator can do this")
SIGN_IN_REQUIRED = message("common.sign_in_required", "Please sign in first")
NOT_FOUND = message("common.not_found", "Not found")
BAD_CURSOR = message("common.bad_cursor", "Not a cursor from this list")
SOME_FIELDS_INVALID = message("common.fields_invalid", "Some fields are invalid")

# The short title of a problem (RFC 9457 `title`) by HTTP status.
HTTP_TITLES = {
    400: message("common.http_400", "Malformed request"),
    401: message("common.http_401", "Authentication required"),
    403: message("common.http_403", "Not allowed"),
    404: message("common.http_404", "Not found"),
    405: message("common.http_405", "Method not allowed"),
    409: message("common.http_409", "Conflict with current state"),
    413: message("common.http_413", "Request too large"),
    415: message("common.http_415", "Unsupported media type"),
    422: message("common.http_422", "Invalid input"),
    429: message("common.http_429", "Too many requests"),
    500: message("common.http_500", "Internal error"),
    503: message("common.http_503", "Service unavailable"),
    504: message("common.http_504", "Service timed out"),
}
