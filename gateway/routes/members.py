"""Revoking access: a tenant admin removes a member's role or the whole membership in their tenant; the
sub-district operator deactivates an account and reactivates it. Each takes effect on the next request
(the credential check reads memberships and the account's state, docs/security.md "Revocation"), each is
idempotent and each change is in the audit log. The CLI does the same (`python -m gateway remove-role |
remove-member | deactivate | reactivate`); granting roles is the CLI's (`python -m gateway grant`)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema
from sqlalchemy.orm import Session

from gateway import audit, db, identity, messages
from gateway.auth import require_principal
from gateway.identity import Principal
from gateway.models import Tenant
from services.common import contract_fields as fields
from services.common.errors import Conflict, Forbidden

blp = Blueprint("members", __name__, url_prefix="/api/v1", description="成员与账户停用 / Members and account access")

TENANT_ADMIN = "tenant_admin"
# The sub-district operator: the operator role, or the tenant admin, of a tenant of kind "operator".
OPERATOR_ROLES = ("operator", TENANT_ADMIN)


class MemberRolesOut(Schema):
    user_id = fields.String()
    tenant_id = fields.String()
    roles = fields.List(fields.String(), metadata={"description": "the roles the member holds after the call"})
    changed = fields.Boolean(metadata={"description": "false when the member did not hold the role"})


class AccountStateOut(Schema):
    user_id = fields.String()
    active = fields.Boolean()
    deactivated_at = fields.DateTime(allow_none=True)
    changed = fields.Boolean(metadata={"description": "false when the account was already in that state"})


def _tenant_admin() -> Principal:
    principal = require_principal(TENANT_ADMIN)
    if principal.kind != "user":
        raise Forbidden(messages.NEEDS_TENANT_ADMIN)
    return principal


def _operator(session: Session) -> Principal:
    principal = require_principal(*OPERATOR_ROLES)
    tenant = session.get(Tenant, principal.tenant_id)
    if principal.kind != "user" or tenant is None or tenant.kind != "operator":
        raise Forbidden(messages.ONLY_OPERATOR_DEACTIVATES)
    return principal


@blp.route("/tenants/<tenant_id>/members/<user_id>/roles/<role>")
class MemberRole(MethodView):
    @blp.response(200, MemberRolesOut)
    @blp.alt_response(409, description="It is the member's only role (remove the membership), or your own "
                                       "tenant_admin role")
    def delete(self, tenant_id: str, user_id: str, role: str) -> dict[str, Any]:
        """Remove one role from a member of your tenant (tenant admin). Tokens the member already holds stop
        carrying the role on their next request. Removing a role the member does not hold changes nothing."""
        principal = _tenant_admin()
        if user_id == principal.subject and role == TENANT_ADMIN:
            raise Conflict(messages.OWN_ADMIN_ROLE)
        session = db.session()
        with session.begin():
            membership, changed = identity.remove_role(session=session, user_id=user_id, tenant_id=tenant_id,
                                                       role=role)
            if changed:
                audit.record_for(principal, session=session, action="membership.role_remove", target_type="person",
                                 target_id=user_id, request_id=g.request_id,
                                 detail={"role": role, "roles": list(membership.roles)})
            return {"user_id": user_id, "tenant_id": tenant_id, "roles": list(membership.roles), "changed": changed}


@blp.route("/tenants/<tenant_id>/members/<user_id>")
class Member(MethodView):
    @blp.response(204)
    @blp.alt_response(409, description="Your own membership")
    def delete(self, tenant_id: str, user_id: str) -> None:
        """End a person's membership of your tenant (tenant admin): every token and sign-in session they have
        here stops working on its next request; their account and other memberships stay. The answer is the
        same whether or not the person was a member (idempotent, and it tells nothing about other tenants)."""
        principal = _tenant_admin()
        if user_id == principal.subject:
            raise Conflict(messages.OWN_MEMBERSHIP)
        session = db.session()
        with session.begin():
            if identity.remove_membership(session=session, user_id=user_id, tenant_id=tenant_id):
                audit.record_for(principal, session=session, action="membership.remove", target_type="person",
                                 target_id=user_id, request_id=g.request_id)


def _account_change(user_id: str, *, deactivate: bool) -> dict[str, Any]:
    session = db.session()
    with session.begin():
        principal = _operator(session)
        if user_id == principal.subject:
            raise Conflict(messages.OWN_ACCOUNT_STATE)
        change = identity.deactivate_user if deactivate else identity.reactivate_user
        user, changed = change(session=session, user_id=user_id)
        if changed:
            # In the operator's log and in each community's the person belongs to, so that its staff can see
            # why a member cannot sign in.
            for tenant_id in sorted({principal.tenant_id, *(m.tenant_id for m in user.memberships)}):
                audit.record_for(principal, session=session, tenant_id=tenant_id,
                                 action="account.deactivate" if deactivate else "account.reactivate",
                                 target_type="person", target_id=user.id, request_id=g.request_id)
        return {"user_id": user.id, "active": user.deactivated_at is None, "deactivated_at": user.deactivated_at,
                "changed": changed}


@blp.route("/accounts/<user_id>/deactivate")
class AccountDeactivation(MethodView):
    @blp.response(200, AccountStateOut)
    @blp.alt_response(409, description="Your own account")
    def post(self, user_id: str) -> dict[str, Any]:
        """Deactivate an account (the sub-district operator: operator or tenant admin of the operator tenant).
        Not erasure: nothing is deleted and it can be reactivated. From the next request every token of the
        account is refused, sign-in answers 403 `account_deactivated`, and every sign-in session ends."""
        return _account_change(user_id, deactivate=True)


@blp.route("/accounts/<user_id>/reactivate")
class AccountReactivation(MethodView):
    @blp.response(200, AccountStateOut)
    @blp.alt_response(409, description="Your own account")
    def post(self, user_id: str) -> dict[str, Any]:
        """Reactivate a deactivated account (the sub-district operator): the person can sign in again."""
        return _account_change(user_id, deactivate=False)
