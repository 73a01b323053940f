"""Who is calling: bearer token or partner API key → Principal → call context.

The tenant of a request comes from the credential. A tenant named in the URL
(`<tenant_id>` in the route) or in the `X-Tenant-ID` header must be the same,
or the request is refused: one credential, one tenant.
"""

from __future__ import annotations

from typing import cast

from flask import current_app, g, request

from gateway import db, identity, messages
from gateway.identity import Principal
from services.common import config
from services.common.context import CallContext
from services.common.errors import Forbidden, Unauthenticated

TENANT_HEADER = "X-Tenant-ID"
API_KEY_HEADER = "X-API-Key"


def load_principal() -> None:
    """before_request: reads credentials when present; routes decide whether they are required."""
    g.principal = None
    header = request.headers.get("Authorization", "")
    settings = current_app.extensions["fengchao.settings"]
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(messages.USE_BEARER)
        # A session of its own, so the route starts with a clean one.
        with db.credential_check() as checking:
            g.principal = identity.verify_access_token(session=checking, settings=settings.tokens,
                                                       token=token.strip())
    elif api_key := request.headers.get(API_KEY_HEADER):
        with db.credential_check() as checking:
            g.principal = identity.verify_api_key(session=checking, secret=api_key)
    if g.principal is not None:
        _check_named_tenant(g.principal)


def _check_named_tenant(principal: Principal) -> None:
    named = {request.headers.get(TENANT_HEADER)}
    if request.view_args:
        named.add(request.view_args.get("tenant_id"))
    named.discard(None)
    if named and named != {principal.tenant_id}:
        raise Forbidden(messages.CREDENTIAL_OTHER_TENANT)


def client_address() -> str | None:
    """The caller's address for sign-in throttling. Behind GATEWAY_PROXY_HOPS proxies it is the entry they
    appended to X-Forwarded-For (what the client itself sends there is not trusted); otherwise the peer."""
    hops = config.get_int("GATEWAY_PROXY_HOPS")
    if hops > 0:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    return request.remote_addr


def require_principal(*roles: str) -> Principal:
    principal = g.get("principal")
    if principal is None:
        raise Unauthenticated(messages.SIGN_IN_OR_API_KEY)
    if roles and not principal.roles.intersection(roles):
        raise Forbidden(messages.NEEDS_ROLE, roles=", ".join(roles))
    return cast(Principal, principal)


def preferred_locale() -> str:
    """The web client's language switch (cookie) wins; otherwise Accept-Language; Chinese by default."""
    chosen = request.cookies.get("fc_lang")  # gateway.web.i18n.LANG_COOKIE: "en" or "zh_CN"
    if chosen in ("en", "zh_CN"):
        return "en" if chosen == "en" else "zh-CN"
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh-CN"


def call_context() -> CallContext:
    principal = require_principal()
    return CallContext(
        tenant_id=principal.tenant_id,
        # Services record who acted in 36-character id columns: an API key acts as its
        # key id (its roles, e.g. `partner`, say it is not a person).
        user_id=principal.subject.split(":", 1)[-1],
        roles=principal.roles,
        locale=preferred_locale(),
        request_id=g.request_id,
    )
