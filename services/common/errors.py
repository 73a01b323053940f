"""Typed errors that cross RPC.

A service raising `NotFound` makes the gateway's RPC client raise `NotFound` too, with the same
arguments: nameko sends the class's dotted path and its `args`; the services register every class
here with nameko (services.common.service), the gateway rebuilds them from `ALL_ERRORS` without
nameko (gateway/rpc.py). Each carries the HTTP status it becomes; the gateway's mapping
(gateway/problems.py) is a table over these classes, tested to cover all.

An error says WHAT happened as a message code and parameters (services.common.messages): the words
come from the catalogues at the edge, in the caller's language. `detail` keeps the English text for
logs and for clients that read no code.

Class names and this module's path are part of the wire contract (nameko sends
the dotted path): rename only with a migration note. This module imports no nameko.
"""

from __future__ import annotations

import json
from typing import Any

from services.common.messages import Filled, Message, message
from services.common.shared_messages import SOME_FIELDS_INVALID


class FengchaoError(Exception):
    """Base of every error a service raises on purpose."""

    status = 500
    code = "internal"
    title = "Internal error"

    def __init__(self, detail: str | Message = "", extra: dict[str, Any] | str | None = None, **params: Any):
        # nameko rebuilds a registered error from its `args`, but turns every
        # non-string leaf into a string on the way. Keeping `extra` as one JSON
        # string preserves its numbers, booleans and nulls across RPC.
        if isinstance(extra, str):
            extra = json.loads(extra)
        extra = dict(extra or {})  # type: ignore[arg-type]  # a str was parsed above
        if isinstance(detail, Message):
            # The code and parameters travel in `extra`; the gateway renders them in the caller's locale.
            extra["message_code"] = detail.code
            if params:
                extra["message_params"] = params
            detail = detail.format(params)
        elif params:
            raise TypeError("parameters need a Message to fill")
        self.detail = detail or self.title
        self.extra: dict[str, Any] = extra
        super().__init__(self.detail, json.dumps(self.extra, ensure_ascii=False, default=str))

    @property
    def message_code(self) -> str | None:
        return self.extra.get("message_code")

    @property
    def message_params(self) -> dict[str, Any]:
        return dict(self.extra.get("message_params") or {})

    def __str__(self) -> str:
        return self.detail


class ValidationFailed(FengchaoError):
    """Input broke the contract. `extra["fields"]` maps field → list of messages."""

    status = 422
    code = "validation_failed"
    title = "Invalid input"

    @classmethod
    def from_messages(
        cls, messages: dict[str, Any], detail: str | Message = SOME_FIELDS_INVALID
    ) -> ValidationFailed:
        """`messages` maps field → list of messages (or nested dicts, as marshmallow nests them). A `Message`
        (or one filled with parameters, `MESSAGE(lowest=6)`) is sent as its English text and, in
        `field_codes` beside it, as its code and parameters, from which the edge words it in the caller's
        language; plain strings (marshmallow's own) are translated by their text."""
        extra: dict[str, Any] = {"fields": _texts(messages)}
        if _has_codes(messages):
            extra["field_codes"] = _codes(messages)
        return cls(detail, extra)

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.extra.get("fields") or {})


NOT_A_MEMBER_HERE = message("common.person_not_a_member", "This person is not a member here")


class NotAMember(ValidationFailed):
    """A field names a person who is not a member of the tenant (or of the audience the operation
    crosses into): a made-up id, another community's resident, someone who left. Answered 422 with
    the field's message, like any invalid input (gateway/problems.py maps it by ancestry)."""

    code = "not_a_member"
    title = "Not a member"

    MESSAGE = message("common.not_a_member", "Not a member of this community")

    @classmethod
    def for_field(cls, field: str, user_id: str) -> NotAMember:
        """`field` is a name or a dotted path into lists ("walk_ins.2.user_id"), given back nested as
        marshmallow nests its messages. The id is not echoed: a typo and another tenant's person read alike."""
        messages: Any = [cls.MESSAGE.text]
        for part in reversed(field.split(".")):
            messages = {part: messages}
        return cls(NOT_A_MEMBER_HERE, {"fields": messages, "field": field})


class Unauthenticated(FengchaoError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(FengchaoError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class TenantRequired(Forbidden):
    """A call reached a service without a tenant in its context: refused, fail closed."""

    code = "tenant_required"
    title = "No tenant in context"


class NotFound(FengchaoError):
    """Also the answer for another tenant's ids: existence is not disclosed."""

    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(FengchaoError):
    """The request clashes with current state; `extra` may say what that state is."""

    status = 409
    code = "conflict"
    title = "Conflict with current state"


class ServiceUnavailable(FengchaoError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"


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


def _texts(messages: Any) -> Any:
    if isinstance(messages, (Message, Filled)):
        return messages.text
    if isinstance(messages, dict):
        return {key: _texts(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [_texts(value) for value in messages]
    return messages


# Every class a service may raise across RPC, rebuilt by its dotted path on the calling side.
REMOTE_ERRORS: tuple[type[FengchaoError], ...] = (*ALL_ERRORS, NotAMember)


def _has_codes(messages: Any) -> bool:
    if isinstance(messages, (Message, Filled)):
        return True
    if isinstance(messages, dict):
        return any(_has_codes(v) for v in messages.values())
    if isinstance(messages, (list, tuple)):
        return any(_has_codes(v) for v in messages)
    return False


def _codes(messages: Any) -> Any:
    """The field messages as codes and parameters (`{"code": …, "params": …}`), or `{"text": …}` for plain
    words, in the same nesting as `fields`."""
    if isinstance(messages, Message):
        return {"code": messages.code}
    if isinstance(messages, Filled):
        return {"code": messages.code, "params": messages.params}
    if isinstance(messages, dict):
        return {key: _codes(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [_codes(value) for value in messages]
    return {"text": messages}
