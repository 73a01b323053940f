"""marshmallow at the RPC boundary: one way to turn a payload into checked data."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from services.common.errors import ValidationFailed


def load(schema: Schema, payload: Any, *, partial: bool = False) -> Any:
    """Validate `payload` against `schema`; ValidationFailed names each bad field."""
    if not isinstance(payload, dict) and not schema.many:
        raise ValidationFailed.from_messages({"_schema": ["Expected a JSON object"]})
    try:
        return schema.load(payload, partial=partial)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed.from_messages(messages) from None


PERSON_ID = "x-person-id"  # the OpenAPI extension marking a field or parameter that names a person


class PersonId(fields.String):
    """A field naming a person by account id. The service checks it against its members table
    (services.common.members.require_member: 422 `not_a_member` otherwise); the OpenAPI document marks
    it `x-person-id: true`, which is how the generated end-to-end test finds every such field."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("validate", validate.Length(1, 36))
        kwargs["metadata"] = {**kwargs.get("metadata", {}), PERSON_ID: True}
        super().__init__(**kwargs)


def person_path_parameter(name: str = "user_id") -> dict[str, Any]:
    """The OpenAPI description of a path parameter naming a person (for `Blueprint.route(parameters=…)`)."""
    return {"in": "path", "name": name, "required": True, "schema": {"type": "string"}, PERSON_ID: True,
            "description": "a person's account id; a member of the tenant, or 404"}
