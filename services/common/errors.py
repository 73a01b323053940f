"""Typed errors that cross RPC.

Every class here is registered with nameko's `deserialize_to_instance`, so a
service raising `NotFound` makes the gateway's RPC client raise `NotFound` too,
with the same arguments. Each carries the HTTP status it becomes; the gateway's
mapping (gateway/problems.py) is a table over these classes, tested to cover all.

Class names and this module's path are part of the wire contract (nameko sends
the dotted path): rename only with a migration note.
"""

from __future__ import annotations

import json
from typing import Any

from nameko.exceptions import deserialize_to_instance


class FengchaoError(Exception):
    """Base of every error a service raises on purpose."""

    status = 500
    code = "internal"
    title = "Internal error"

    def __init__(self, detail: str = "", extra: dict[str, Any] | str | None = None):
        # nameko rebuilds a registered error from its `args`, but turns every
        # non-string leaf into a string on the way. Keeping `extra` as one JSON
        # string preserves its numbers, booleans and nulls across RPC.
        if isinstance(extra, str):
            extra = json.loads(extra)
        self.detail = detail or self.title
        self.extra: dict[str, Any] = extra or {}
        super().__init__(detail, json.dumps(self.extra, ensure_ascii=False))

    def __str__(self) -> str:
        return self.detail


@deserialize_to_instance
class ValidationFailed(FengchaoError):
    """Input broke the contract. `extra["fields"]` maps field → list of messages."""

    status = 422
    code = "validation_failed"
    title = "Invalid input"

    @classmethod
    def from_messages(cls, messages: dict, detail: str = "Some fields are invalid") -> "ValidationFailed":
        return cls(detail, {"fields": messages})

    @property
    def fields(self) -> dict:
        return self.extra.get("fields", {})


@deserialize_to_instance
class NotAMember(ValidationFailed):
    """A field names a person who is not a member of the tenant (or of the audience the operation
    crosses into): a made-up id, another community's resident, someone who left. Answered 422 with
    the field's message, like any invalid input (gateway/problems.py maps it by ancestry)."""

    code = "not_a_member"
    title = "Not a member"

    MESSAGE = "不是本社区成员 / Not a member of this community"

    @classmethod
    def for_field(cls, field: str, user_id: str) -> "NotAMember":
        """`field` is a name or a dotted path into lists ("walk_ins.2.user_id"), given back nested as
        marshmallow nests its messages. The id is not echoed: a typo and another tenant's person read alike."""
        messages: Any = [cls.MESSAGE]
        for part in reversed(field.split(".")):
            messages = {part: messages}
        return cls("This person is not a member here", {"fields": messages, "field": field})


@deserialize_to_instance
class Unauthenticated(FengchaoError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"


@deserialize_to_instance
class Forbidden(FengchaoError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


@deserialize_to_instance
class TenantRequired(Forbidden):
    """A call reached a service without a tenant in its context: refused, fail closed."""

    code = "tenant_required"
    title = "No tenant in context"


@deserialize_to_instance
class NotFound(FengchaoError):
    """Also the answer for another tenant's ids: existence is not disclosed."""

    status = 404
    code = "not_found"
    title = "Not found"


@deserialize_to_instance
class Conflict(FengchaoError):
    """The request clashes with current state; `extra` may say what that state is."""

    status = 409
    code = "conflict"
    title = "Conflict with current state"


@deserialize_to_instance
class ServiceUnavailable(FengchaoError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"


@deserialize_to_instance
class ServiceTimeout(FengchaoError):
    status = 504
    code = "service_timeout"
    title = "Service did not answer in time"


ALL_ERRORS: tuple[type[FengchaoError], ...] = (
    ValidationFailed,
    Unauthenticated,
    Forbidden,
    TenantRequired,
    NotFound,
    Conflict,
    ServiceUnavailable,
    ServiceTimeout,
)
