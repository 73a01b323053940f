"""A person's account: change the password, export one's data, ask for erasure; staff do the same for a
person of their tenant; staff read the audit log. See docs/privacy.md."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import audit, db, identity, messages
from gateway.auth import preferred_locale, require_principal
from gateway.identity import Principal
from gateway.models import AuditEntry, Membership, RefreshToken, User
from gateway.services import pool
from services.common import config
from services.common import contract_fields as fields
from services.common.access import STAFF_ROLES
from services.common.context import CallContext
from services.common.contracts import PageQuery, page_limit
from services.common.errors import Forbidden, NotFound
from services.common.logging import get_logger

log = get_logger(__name__)

blp = Blueprint("account", __name__, url_prefix="/api/v1", description="账户与个人信息 / Account and personal data")

OFFICERS = STAFF_ROLES
AUDIT_READERS = (*STAFF_ROLES, "operator")


# --- contracts ---------------------------------------------------------------------------


class PasswordChange(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(1, 128))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(1, 256))


class ErasureRequest(Schema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 128),
                             metadata={"description": "your current password, to confirm"})


class PersonExport(Schema):
    exported_at = fields.DateTime()
    user_id = fields.String()
    identity = fields.Dict(metadata={"description": "the gateway's identity record, memberships and sign-in sessions"})
    audit = fields.List(fields.Dict(), metadata={"description": "audit entries where the person acted or was acted on"})
    tenants = fields.Dict(keys=fields.String(), values=fields.Dict(),
                          metadata={"description": "tenant → service → table → rows about the person"})


class ErasureOut(Schema):
    user_id = fields.String()
    tenants = fields.Dict(keys=fields.String(), values=fields.Dict(),
                          metadata={"description": "tenant → service → table → rows pseudonymised"})
    identity_erased = fields.Boolean()


class AuditQuery(PageQuery):
    action = fields.String(load_default=None, validate=validate.Length(1, 80))
    actor = fields.String(load_default=None, validate=validate.Length(1, 80))
    since = fields.AwareDateTime(load_default=None)
    tenant = fields.String(load_default=None, validate=validate.Length(1, 64),
                           metadata={"description": "operator only: one tenant (default: every tenant)"})
    cursor = fields.String(load_default=None, validate=validate.Length(1, 40),
                           metadata={"description": "deprecated: the old name of `after`, still accepted"})
    limit = page_limit(default=50, maximum=200)


class AuditEntryOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    tenant_id = fields.String()
    actor = fields.String()
    actor_roles = fields.List(fields.String())
    action = fields.String()
    target_type = fields.String(allow_none=True)
    target_id = fields.String(allow_none=True)
    detail = fields.Dict()
    request_id = fields.String(allow_none=True)


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditEntryOut))
    next_cursor = fields.String(allow_none=True)


# --- helpers -----------------------------------------------------------------------------


def _context(tenant_id: str, user_id: str, roles: list[str] | frozenset[str]) -> dict[str, Any]:
    return CallContext(tenant_id=tenant_id, user_id=user_id, roles=frozenset(roles), locale=preferred_locale(),
                       request_id=g.get("request_id")).to_context_data()


def _each_service(method: str, context_data: dict[str, Any], *args: Any) -> dict[str, Any]:
    return {service: pool().call(service, method, *args, context_data=context_data)
            for service in config.SERVICE_NAMES}


def _iso(value: Any) -> Any:
    """Times in an export as ISO 8601, like the services' rows."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def _identity_record(session: Session, user: User) -> dict[str, Any]:
    tokens = session.scalars(select(RefreshToken).where(RefreshToken.user_id == user.id)).all()
    record: dict[str, Any] = _iso({
        "user_id": user.id, "phone": user.phone, "display_name": user.display_name, "created_at": user.created_at,
        "password_changed_at": user.password_changed_at, "deactivated_at": user.deactivated_at,
        "locale": user.locale,
        "memberships": [{"tenant_id": m.tenant_id, "roles": list(m.roles)} for m in user.memberships],
        "sign_in_sessions": [{"tenant_id": t.tenant_id, "expires_at": t.expires_at, "revoked_at": t.revoked_at}
                             for t in tokens],
    })
    return record


def _audit_about(session: Session, user_id: str, tenant_id: str | None) -> list[dict[str, Any]]:
    query = select(AuditEntry).where((AuditEntry.actor == user_id) | (AuditEntry.target_id == user_id))
    if tenant_id is not None:
        query = query.where(AuditEntry.tenant_id == tenant_id)
    return [_iso(audit.view(e)) for e in session.scalars(query.order_by(AuditEntry.id))]


def _member_of_my_tenant(session: Session, user_id: str, tenant_id: str) -> tuple[User, Membership]:
    """A person of the officer's tenant; anyone else is not found (existence is not disclosed)."""
    membership = session.scalar(select(Membership).where(Membership.user_id == user_id,
                                                         Membership.tenant_id == tenant_id))
    user = session.get(User, user_id) if membership else None
    if user is None or user.erased_at is not None:
        raise NotFound(messages.NO_SUCH_PERSON)
    assert membership is not None  # the user was looked up only when there is one
    return user, membership


def _user_principal() -> Principal:
    principal = require_principal()
    if principal.kind != "user":
        raise Forbidden(messages.ONLY_SIGNED_IN_HAS_ACCOUNT)
    return principal


# --- the person's own ----------------------------------------------------------------------


@blp.route("/account/password")
class Password(MethodView):
    @blp.arguments(PasswordChange)
    @blp.response(204)
    def post(self, body: dict[str, Any]) -> None:
        """Change your password. Every access and refresh token issued before, on every device, stops working:
        sign in again with the new password."""
        principal = _user_principal()
        session = db.session()
        with session.begin():
            identity.change_password(session=session, user_id=principal.subject,
                                     current_password=body["current_password"], new_password=body["new_password"])
            audit.record_for(principal, session=session, action="account.password_change", target_type="person",
                             target_id=principal.subject, request_id=g.request_id)


@blp.route("/account/export")
class MyExport(MethodView):
    @blp.response(200, PersonExport)
    def get(self) -> dict[str, Any]:
        """Everything the platform holds about you, in every tenant you belong to: your identity record from
        the gateway and each service's rows about you (jobs, training, governance, points)."""
        principal = _user_principal()
        session = db.session()
        with session.begin():
            user = session.get_one(User, principal.subject)
            record = _identity_record(session, user)
            memberships = [(m.tenant_id, list(m.roles)) for m in user.memberships]
            trail = _audit_about(session, user.id, None)
        tenants = {tenant_id: _each_service("export_person", _context(tenant_id, user.id, roles), user.id)
                   for tenant_id, roles in memberships}
        return {"exported_at": identity.now(), "user_id": user.id, "identity": record, "audit": trail,
                "tenants": tenants}


@blp.route("/account/erasure")
class MyErasure(MethodView):
    @blp.arguments(ErasureRequest)
    @blp.response(200, ErasureOut)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Erase your account. In every tenant you belong to, each service pseudonymises you and blanks your
        personal fields (points ledger history stays, under a pseudonym, and still balances); then your
        identity record loses phone, name and password, and all your tokens stop working. It cannot be undone."""
        principal = _user_principal()
        session = db.session()
        with session.begin():
            user = identity.confirm_password(session=session, user_id=principal.subject, password=body["password"])
            memberships = [(m.tenant_id, list(m.roles)) for m in user.memberships]
        pseudonym = str(uuid.uuid4())  # kept nowhere: nothing links it back to the person
        done = {tenant_id: _each_service("erase_person", _context(tenant_id, user.id, roles), user.id, pseudonym)
                for tenant_id, roles in memberships}
        with session.begin():
            user = session.get_one(User, principal.subject, with_for_update=True)
            identity.erase_identity(session=session, user=user)
            for tenant_id, _roles in memberships or [(principal.tenant_id, [])]:
                audit.record_for(principal, session=session, tenant_id=tenant_id, action="account.erase",
                                 target_type="person", target_id=user.id, request_id=g.request_id,
                                 detail={"by": "self", "rows": _counts(done.get(tenant_id, {}))})
        return {"user_id": user.id, "tenants": done, "identity_erased": True}


def _counts(by_service: dict[str, Any]) -> int:
    return sum(sum(tables.values()) for tables in by_service.values())


# --- staff, for a person of their tenant -------------------------------------------------------


@blp.route("/people/<user_id>/export")
class PersonExportRoute(MethodView):
    @blp.response(200, PersonExport)
    def get(self, user_id: str) -> dict[str, Any]:
        """Staff or a tenant admin export a person of their own tenant (a request made at the service desk):
        the identity record and this tenant's service data only. The export is audited."""
        principal = require_principal(*OFFICERS)
        session = db.session()
        with session.begin():
            user, _membership = _member_of_my_tenant(session, user_id, principal.tenant_id)
            record = _identity_record(session, user)
            record["memberships"] = [m for m in record["memberships"] if m["tenant_id"] == principal.tenant_id]
            record["sign_in_sessions"] = [s for s in record["sign_in_sessions"]
                                          if s["tenant_id"] == principal.tenant_id]
            trail = _audit_about(session, user.id, principal.tenant_id)
            audit.record_for(principal, session=session, action="person.export", target_type="person",
                             target_id=user.id, request_id=g.request_id)
        context = _context(principal.tenant_id, principal.subject, principal.roles)
        return {"exported_at": identity.now(), "user_id": user.id, "identity": record, "audit": trail,
                "tenants": {principal.tenant_id: _each_service("export_person", context, user.id)}}


@blp.route("/people/<user_id>/erasure")
class PersonErasure(MethodView):
    @blp.response(200, ErasureOut)
    def post(self, user_id: str) -> dict[str, Any]:
        """Staff or a tenant admin erase a person's data in their own tenant (the person asked at the desk).
        The membership ends; when the person belongs to no other tenant, the identity record is erased too.
        Staff cannot erase staff or tenant admins; a tenant admin can."""
        principal = require_principal(*OFFICERS)
        session = db.session()
        with session.begin():
            _user, membership = _member_of_my_tenant(session, user_id, principal.tenant_id)
            if set(membership.roles) & set(OFFICERS) and "tenant_admin" not in principal.roles:
                raise Forbidden(messages.ERASE_NEEDS_TENANT_ADMIN)
        pseudonym = str(uuid.uuid4())
        context = _context(principal.tenant_id, principal.subject, principal.roles)
        done = _each_service("erase_person", context, user_id, pseudonym)
        with session.begin():
            user = session.get_one(User, user_id, with_for_update=True)
            identity.remove_membership(session=session, user_id=user_id, tenant_id=principal.tenant_id)
            session.refresh(user)
            identity_erased = not user.memberships
            if identity_erased:
                identity.erase_identity(session=session, user=user)
            else:
                identity.revoke_all_tokens(session=session, user=user)
            audit.record_for(principal, session=session, action="person.erase", target_type="person",
                             target_id=user_id, request_id=g.request_id,
                             detail={"rows": _counts(done), "identity_erased": identity_erased})
        return {"user_id": user_id, "tenants": {principal.tenant_id: done}, "identity_erased": identity_erased}


# --- the audit log -------------------------------------------------------------------------------


@blp.route("/audit-log")
class AuditLog(MethodView):
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Privileged actions in your tenant, newest first (staff, tenant admins); the operator reads every
        tenant's, or one with `tenant`. Read-only: there is no way to change or remove an entry."""
        principal = require_principal(*AUDIT_READERS)
        tenant = query.pop("tenant")
        if "operator" in principal.roles:
            tenant_id = tenant
        else:
            if tenant not in (None, principal.tenant_id):
                raise Forbidden(messages.OWN_AUDIT_LOG_ONLY)
            tenant_id = principal.tenant_id
        with db.session().begin():
            items, next_cursor = audit.entries(session=db.session(), tenant_id=tenant_id, **query)
        return {"items": items, "next_cursor": next_cursor}


# --- privileged calls that pass through to a service ---------------------------------------------


@blp.after_app_request
def _audit_pass_through(response: Response) -> Response:
    principal = g.get("principal")
    rule = request.url_rule
    if (principal is None or rule is None or response.status_code >= 400
            or (rule.endpoint, request.method) not in audit.PASS_THROUGH):
        return response  # refused requests are not privileged acts (and their body may be unreadable: 413)
    form = request.form.to_dict() if request.mimetype == "application/x-www-form-urlencoded" else None
    entry = audit.pass_through_entry(endpoint=rule.endpoint, method=request.method, status=response.status_code,
                                     view_args=request.view_args, response_json=response.get_json(silent=True),
                                     form=form)
    if entry is None:
        return response
    action, target_type, target_id, detail = entry
    try:
        with current_app.extensions["fengchao.identity"].factory() as session, session.begin():
            audit.record_for(principal, session=session, action=action, target_type=target_type,
                             target_id=target_id, detail=detail, request_id=g.get("request_id"))
    except Exception:  # the action itself succeeded: say loudly that its audit entry did not
        log.exception("audit.write_failed", action=action, target_id=target_id)
    return response
