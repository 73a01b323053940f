"""Signing in to the web client: the API's own tokens, carried in HttpOnly cookies.

The page layer never decides who someone is by itself: the access token in the
cookie is checked by `gateway.identity.verify_access_token`, exactly as a bearer
token is, and an expired one is rotated with `identity.refresh_tokens`, so
revocation, refresh-token reuse detection and roles behave as in the API.
Forms are protected against cross-site posts by a double-submit token.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any, TypeVar

from flask import current_app, g, request
from werkzeug.wrappers import Response

from gateway import db, identity
from gateway.identity import Principal
from services.common.errors import Forbidden, Unauthenticated

ACCESS_COOKIE = "fc_access"
REFRESH_COOKIE = "fc_refresh"
CSRF_COOKIE = "fc_csrf"
CSRF_FIELD = "csrf_token"


def _tokens() -> identity.TokenSettings:
    tokens: identity.TokenSettings = current_app.extensions["fengchao.settings"].tokens
    return tokens


def load_cookie_principal() -> None:
    """Sets g.principal from the access cookie when no header credential was sent;
    rotates an expired access token with the refresh cookie."""
    if g.get("principal") is not None:
        return
    access = request.cookies.get(ACCESS_COOKIE)
    if access:
        try:
            with db.credential_check() as checking:
                g.principal = identity.verify_access_token(session=checking, settings=_tokens(), token=access)
            return
        except Unauthenticated:
            pass
    refresh = request.cookies.get(REFRESH_COOKIE)
    if refresh:
        try:
            with db.session().begin():
                pair = identity.refresh_tokens(session=db.session(), settings=_tokens(), refresh_token=refresh)
        except identity.RefreshTokenReused as reuse:
            with db.session().begin():
                identity.revoke_family(session=db.session(), family_id=reuse.family_id)
            g.web_clear_cookies = True
            return
        except Unauthenticated:
            g.web_clear_cookies = True
            return
        with db.credential_check() as checking:
            g.principal = identity.verify_access_token(session=checking, settings=_tokens(),
                                                       token=pair["access_token"])
        g.web_new_tokens = pair
    elif access:
        g.web_clear_cookies = True


def sign_in(*, phone: str, password: str, tenant_id: str | None) -> dict[str, Any]:
    """Phone and password → a token pair, by the same rules as POST /api/v1/auth/login."""
    session = db.session()
    with session.begin():
        user, membership = identity.authenticate(session=session, phone=phone, password=password,
                                                 tenant_id=tenant_id)
        return identity.issue_tokens(session=session, settings=_tokens(), user_id=user.id,
                                     tenant_id=membership.tenant_id, roles=membership.roles)


def sign_out(principal: Principal) -> None:
    session = db.session()
    with session.begin():
        refresh = request.cookies.get(REFRESH_COOKIE)
        try:
            identity.logout(session=session, settings=_tokens(), principal=principal, refresh_token=refresh)
        except (Unauthenticated, Forbidden):
            identity.logout(session=session, settings=_tokens(), principal=principal, refresh_token=None)


def store_tokens(response: Response, pair: dict[str, Any]) -> None:
    secure = request.is_secure
    response.set_cookie(ACCESS_COOKIE, pair["access_token"], max_age=_tokens().access_ttl, httponly=True,
                        secure=secure, samesite="Lax", path="/")
    response.set_cookie(REFRESH_COOKIE, pair["refresh_token"], max_age=_tokens().refresh_ttl, httponly=True,
                        secure=secure, samesite="Strict", path="/web")


def clear_tokens(response: Response) -> None:
    response.delete_cookie(ACCESS_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path="/web")


def csrf_token() -> str:
    """The form token of this browser (made on first use, sent back as a cookie)."""
    token = request.cookies.get(CSRF_COOKIE) or g.get("web_csrf")
    if not token:
        token = g.web_csrf = secrets.token_urlsafe(24)
    return token


def csrf_ok() -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.form.get(CSRF_FIELD, "")
    return bool(cookie) and hmac.compare_digest(cookie, sent)


_R = TypeVar("_R", bound=Response)


def finish(response: _R) -> _R:
    """after_request: write rotated tokens, clear dead ones, hand out the form token."""
    if pair := g.get("web_new_tokens"):
        store_tokens(response, pair)
    elif g.get("web_clear_cookies"):
        clear_tokens(response)
    if token := g.get("web_csrf"):
        response.set_cookie(CSRF_COOKIE, token, httponly=True, secure=request.is_secure, samesite="Strict",
                            path="/")
    return response
