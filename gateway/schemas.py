"""Contracts of the gateway's own endpoints (identity, health)."""

from marshmallow import INCLUDE, Schema, validate

from services.common import contract_fields as fields


class Problem(Schema):
    """RFC 9457 problem details, as every error is answered. Extension members (e.g. the id that was not
    found, a conflicting state) may follow, as RFC 9457 allows, so the document does not forbid them."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(metadata={"example": "/problems/validation_failed"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String(allow_none=True)
    code = fields.String()
    request_id = fields.String(allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": "field → list of messages"})


class LoginRequest(Schema):
    phone = fields.String(required=True, validate=validate.Regexp(r"^1\d{10}$", error="an 11-digit mobile number"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 128))
    tenant_id = fields.String(load_default=None, allow_none=True,
                              metadata={"description": "Needed when you belong to more than one tenant"})


class RefreshRequest(Schema):
    refresh_token = fields.String(required=True)


class LogoutRequest(Schema):
    refresh_token = fields.String(load_default=None, allow_none=True)


class TokenPair(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    tenant_id = fields.String()
    roles = fields.List(fields.String())


class MembershipOut(Schema):
    tenant_id = fields.String()
    roles = fields.List(fields.String())


class Me(Schema):
    user_id = fields.String()
    display_name = fields.String(allow_none=True)
    tenant_id = fields.String()
    roles = fields.List(fields.String())
    memberships = fields.List(fields.Nested(MembershipOut))


class TenantOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()


class Health(Schema):
    status = fields.String()
    checks = fields.Dict(keys=fields.String(), values=fields.String())
