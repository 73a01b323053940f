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
