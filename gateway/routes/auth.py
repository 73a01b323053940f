"""Sign-in, token refresh and revocation, and who am I."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from gateway import db, identity, messages, problems
from gateway.auth import client_address, require_principal
from gateway.models import Tenant, User
from gateway.schemas import LoginRequest, LogoutRequest, Me, RefreshRequest, TenantOut, TokenPair
from services.common.errors import NotFound

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="身份 / Identity")


def _settings() -> identity.TokenSettings:
    tokens: identity.TokenSettings = current_app.extensions["fengchao.settings"].tokens
    return tokens


@blp.app_errorhandler(identity.LoginThrottled)
def _throttled(exc: identity.LoginThrottled) -> Response:
    """429 with Retry-After (the web sign-in form shows the same refusal with status 429)."""
    return problems.problem(429, code=exc.code, detail=exc.detail, extra=exc.extra,
                            headers={"Retry-After": str(exc.retry_after)})


@blp.route("/auth/login")
class Login(MethodView):
    @blp.arguments(LoginRequest)
    @blp.response(200, TokenPair)
    @blp.alt_response(429, description="Too many failed sign-ins for this account or from this address; "
                                       "see the Retry-After header")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Sign in with phone number and password; get an access and a refresh token.

        Wrong passwords are counted per account and per client address: past LOGIN_ACCOUNT_MAX_FAILURES
        (or LOGIN_ADDRESS_MAX_FAILURES) the answer is 429 with Retry-After, for a time that doubles with
        each lock-out."""
        session = db.session()
        with session.begin():
            user, membership = identity.authenticate(
                session=session, phone=body["phone"], password=body["password"], tenant_id=body["tenant_id"],
                address=client_address(),
            )
            return identity.issue_tokens(session=session, settings=_settings(), user_id=user.id,
                                         tenant_id=membership.tenant_id, roles=membership.roles)


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshRequest)
    @blp.response(200, TokenPair)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Trade a refresh token for a new pair. Each refresh token works once."""
        session = db.session()
        try:
            with session.begin():
                return identity.refresh_tokens(session=session, settings=_settings(),
                                               refresh_token=body["refresh_token"])
        except identity.RefreshTokenReused as reuse:
            with session.begin():
                identity.revoke_family(session=session, family_id=reuse.family_id)
            raise


@blp.route("/auth/logout")
class Logout(MethodView):
    @blp.arguments(LogoutRequest)
    @blp.response(204)
    def post(self, body: dict[str, Any]) -> None:
        """Revoke the access token used and, if sent, the refresh token (and its rotations)."""
        principal = require_principal()
        session = db.session()
        with session.begin():
            identity.logout(session=session, settings=_settings(), principal=principal,
                            refresh_token=body.get("refresh_token"))


@blp.route("/me")
class WhoAmI(MethodView):
    @blp.response(200, Me)
    def get(self) -> dict[str, Any]:
        """The signed-in user, the tenant of this token and all memberships."""
        principal = require_principal()
        session = db.session()
        user = session.get(User, principal.subject) if principal.kind == "user" else None
        return {
            "user_id": principal.subject,
            "display_name": user.display_name if user else None,
            "tenant_id": principal.tenant_id,
            "roles": sorted(principal.roles),
            "memberships": [{"tenant_id": m.tenant_id, "roles": m.roles} for m in (user.memberships if user else [])],
        }


@blp.route("/tenants/<tenant_id>")
class TenantDetail(MethodView):
    @blp.response(200, TenantOut)
    def get(self, tenant_id: str) -> dict[str, Any]:
        """The tenant of the credential (naming another tenant is refused with 403)."""
        require_principal()
        tenant = db.session().get(Tenant, tenant_id)
        if tenant is None:
            raise NotFound(messages.NO_SUCH_TENANT)
        return {"id": tenant.id, "name": tenant.name, "kind": tenant.kind}
