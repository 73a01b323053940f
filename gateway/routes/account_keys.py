"""Partner API keys: a tenant admin issues, lists, rotates and revokes its tenant's keys; a partner may
rotate the key it is calling with. Every change is in the audit log. The CLI does the same
(`python -m gateway issue-api-key | rotate-api-key | revoke-api-key`)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from gateway import audit, db, identity, messages
from gateway.auth import require_principal
from gateway.identity import Principal
from services.common.errors import Forbidden

blp = Blueprint("account_keys", __name__, url_prefix="/api/v1", description="合作方密钥 / Partner API keys")


class ApiKeyIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100))


class ApiKeyOut(Schema):
    key_id = fields.String()
    tenant_id = fields.String()
    name = fields.String()
    roles = fields.List(fields.String())
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True, metadata={"description": "set once rotated: end of the grace period"})
    revoked_at = fields.DateTime(allow_none=True)
    replaced_by = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "active | grace | expired | revoked"})


class ApiKeyIssued(ApiKeyOut):
    api_key = fields.String(metadata={"description": "the secret, shown once: store it now"})


class ApiKeyRotated(Schema):
    new = fields.Nested(ApiKeyIssued)
    old = fields.Nested(ApiKeyOut)


class ApiKeyList(Schema):
    items = fields.List(fields.Nested(ApiKeyOut))


def _may_manage(key_id: str | None = None) -> Principal:
    """A tenant admin of the key's tenant; or, for its own key only, the partner calling with it."""
    principal = require_principal()
    if "tenant_admin" in principal.roles and principal.kind == "user":
        return principal
    if key_id is not None and principal.kind == "api_key" and principal.subject == f"apikey:{key_id}":
        return principal
    raise Forbidden(messages.KEYS_NEED_TENANT_ADMIN)


@blp.route("/api-keys")
class ApiKeys(MethodView):
    @blp.response(200, ApiKeyList)
    def get(self) -> dict[str, Any]:
        """Your tenant's API keys (never their secrets)."""
        principal = _may_manage()
        with db.session().begin():
            keys = identity.list_api_keys(session=db.session(), tenant_id=principal.tenant_id)
            return {"items": [identity.api_key_view(k) for k in keys]}

    @blp.arguments(ApiKeyIn)
    @blp.response(201, ApiKeyIssued)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Issue a partner key for your tenant; the secret is in this answer only."""
        principal = _may_manage()
        session = db.session()
        with session.begin():
            key, secret = identity.issue_api_key(session=session, tenant_id=principal.tenant_id, name=body["name"],
                                                 roles=["partner"])
            audit.record_for(principal, session=session, action="api_key.issue", target_type="api_key",
                             target_id=key.id, request_id=g.request_id, detail={"name": key.name})
            return {**identity.api_key_view(key), "api_key": secret}


@blp.route("/api-keys/<key_id>/rotation")
class ApiKeyRotation(MethodView):
    @blp.response(201, ApiKeyRotated)
    @blp.alt_response(409, description="The key was already rotated or revoked")
    def post(self, key_id: str) -> dict[str, Any]:
        """Rotate a key: a new key with the same name and roles; the old one keeps working for the grace
        period (API_KEY_GRACE_SECONDS, 24 h by default), then is refused with 401."""
        principal = _may_manage(key_id)
        session = db.session()
        with session.begin():
            new, secret, old = identity.rotate_api_key(session=session, key_id=key_id,
                                                       tenant_id=principal.tenant_id)
            assert old.expires_at is not None  # a rotated key expires after the grace
            audit.record_for(principal, session=session, action="api_key.rotate", target_type="api_key",
                             target_id=old.id, request_id=g.request_id,
                             detail={"new_key_id": new.id, "old_key_expires_at": old.expires_at.isoformat()})
            return {"new": {**identity.api_key_view(new), "api_key": secret}, "old": identity.api_key_view(old)}


@blp.route("/api-keys/<key_id>/revocation")
class ApiKeyRevocation(MethodView):
    @blp.response(200, ApiKeyOut)
    def post(self, key_id: str) -> dict[str, Any]:
        """Revoke a key at once (a leaked key): refused from the next request."""
        principal = _may_manage()
        session = db.session()
        with session.begin():
            key = identity.revoke_api_key(session=session, key_id=key_id, tenant_id=principal.tenant_id)
            audit.record_for(principal, session=session, action="api_key.revoke", target_type="api_key",
                             target_id=key.id, request_id=g.request_id)
            return identity.api_key_view(key)
