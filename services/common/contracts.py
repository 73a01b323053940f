"""marshmallow at the RPC boundary: one way to turn a payload into checked data."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from services.common import contract_fields
from services.common.errors import ValidationFailed


def top_level(schema: Schema | type[Schema]) -> tuple[str, ...]:
    """The names to pass as marshmallow's `partial` for a change (PATCH): any top-level field may be left out,
    but a nested object that is sent must be whole. `partial=True` would waive the nested object's required
    fields too, so that a PATCH loaded `{"visibility": {"tenants": []}}` (no scope) which the create refuses."""
    declared = schema._declared_fields if isinstance(schema, type) else schema.declared_fields
    return tuple(declared)


def partial_schema(schema: type[Schema]) -> Schema:
    """`schema` for a PATCH at the gateway: the same validators as the create, only top-level fields optional."""
    return schema(partial=top_level(schema))


def load(schema: Schema, payload: Any, *, partial: bool = False) -> Any:
    """Validate `payload` against `schema`; ValidationFailed names each bad field. `partial` (a change) makes
    the top-level fields optional, never a nested object's (see `top_level`)."""
    if not isinstance(payload, dict) and not schema.many:
        raise ValidationFailed.from_messages({"_schema": ["Expected a JSON object"]})
    try:
        return schema.load(payload, partial=top_level(schema) if partial else False)
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


# --- paging: the one list contract (services.common.pagination does the querying) -----------------

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class PageQuery(Schema):
    """`limit` and `after`, the query of every list; a list with other filters subclasses it, and one
    with another default size uses `page_query(default=...)`."""

    limit = contract_fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT))
    after = contract_fields.String(load_default=None, allow_none=True,
                          metadata={"description": "opaque cursor: the `next_cursor` of the previous page"})


def page_query(default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> type[PageQuery]:
    """A PageQuery with another default or largest page size."""
    return type("PageQuery", (PageQuery,), {
        "limit": contract_fields.Integer(load_default=default, validate=validate.Range(min=1, max=maximum))})


def page_schema(item: type[Schema] | Schema, name: str | None = None) -> type[Schema]:
    """The answer of a list: `items` of `item` and `next_cursor`."""
    item_name = item.__name__ if isinstance(item, type) else type(item).__name__
    return type(name or f"{item_name}Page", (Schema,), {
        "items": contract_fields.List(contract_fields.Nested(item)),
        "next_cursor": contract_fields.String(allow_none=True,
                                     metadata={"description": "cursor of the next page; null on the last"}),
    })
