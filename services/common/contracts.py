"""marshmallow at the RPC boundary: one way to turn a payload into checked data."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError

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
