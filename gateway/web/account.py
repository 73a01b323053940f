"""Sign in and sign out."""

from __future__ import annotations

from typing import Any, cast

from flask import g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from gateway.schemas import LoginRequest
from gateway.web import blp, forms, i18n, session
from services.common.errors import FengchaoError

LOGIN_FIELDS = ("phone", "password", "tenant_id")


def _safe_next() -> str:
    target = request.values.get("next") or ""
    safe = target.startswith("/web") and "\\" not in target and not target.startswith("/web/lang/")
    return target if safe else url_for("web.home")


@blp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("web/login.html", values={}, errors={}, general=None, next=_safe_next())
    sent = {"phone": forms.text(request.form, "phone") or "", "password": request.form.get("password", ""),
            "tenant_id": forms.text(request.form, "tenant_id")}
    try:
        body = LoginRequest().load(sent)  # the API's own contract for sign-in
        pair = session.sign_in(phone=body["phone"], password=body["password"], tenant_id=body["tenant_id"])
    except ValidationError as invalid:
        messages = cast("dict[str, Any]", invalid.messages)  # by field: the schema's own load
        return _login_again(sent, {k: forms.flatten(v) for k, v in messages.items()}, None)
    except FengchaoError as refused:
        errors, general = forms.field_errors(refused, LOGIN_FIELDS)
        return _login_again(sent, errors, general, status=refused.status)
    response = redirect(_safe_next())
    session.store_tokens(response, pair)
    if chosen := i18n.account_choice(body["phone"]):  # the language the person chose on another browser
        response.set_cookie(i18n.LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", path="/")
    return response


def _login_again(sent: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                 status: int = 422) -> tuple[str, int]:
    values = {"phone": sent["phone"], "tenant_id": sent["tenant_id"] or ""}
    return render_template("web/login.html", values=values, errors=errors, general=general,
                           next=_safe_next(), ask_tenant=bool(errors.get("tenant_id") or sent["tenant_id"])), status


@blp.post("/logout")
def logout() -> ResponseReturnValue:
    response = redirect(url_for("web.login"))
    if g.get("principal") is not None:
        session.sign_out(g.principal)
    session.clear_tokens(response)
    return response
