"""Doorstep job fairs (家门口的招聘会): residents pre-register and show their code; staff check people in."""

from __future__ import annotations

from typing import Any, cast

import segno
from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from services.common.errors import FengchaoError, NotFound


@blp.get("/fairs")
def fairs() -> ResponseReturnValue:
    require_principal()
    return render_template("web/fairs.html", fairs=call("jobs", "list_fairs", {"when": "upcoming"}),
                           mine=call("jobs", "my_fair_registrations"))


def _my_registration(fair_id: str) -> dict[str, Any] | None:
    try:
        return cast("dict[str, Any]", call("jobs", "my_fair_registration", fair_id))
    except NotFound:
        return None


@blp.get("/fairs/<fair_id>")
def fair(fair_id: str) -> ResponseReturnValue:
    require_principal()
    return _fair_page(fair_id, None)


def _fair_page(fair_id: str, general: str | None, status: int = 200) -> tuple[str, int]:
    registration = _my_registration(fair_id)
    qr = None
    if registration and registration.get("code") and registration["status"] == "registered":
        qr = segno.make(registration["code"], error="m").svg_data_uri(scale=8, border=2)
    return render_template("web/fair.html", fair=call("jobs", "get_fair", fair_id), registration=registration,
                           qr=qr, general=general), status


@blp.post("/fairs/<fair_id>/registration")
def register_for_fair(fair_id: str) -> ResponseReturnValue:
    require_principal()
    try:
        call("jobs", "register_for_fair", fair_id)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return _fair_page(fair_id, forms.field_errors(refused)[1], refused.status)
    return redirect(url_for("web.fair", fair_id=fair_id))


@blp.post("/fairs/<fair_id>/registration/cancel")
def cancel_fair_registration(fair_id: str) -> ResponseReturnValue:
    require_principal()
    try:
        call("jobs", "cancel_fair_registration", fair_id)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return _fair_page(fair_id, forms.field_errors(refused)[1], refused.status)
    return redirect(url_for("web.fair", fair_id=fair_id))


@blp.route("/staff/fairs/<fair_id>/check-in", methods=["GET", "POST"])
def fair_check_in(fair_id: str) -> ResponseReturnValue:
    """The door: scan or type a resident's code, or count a walk-in."""
    require_principal()
    found = call("jobs", "get_fair", fair_id)
    errors: dict[str, list[str]]
    checked, errors, general, status = None, {}, None, 200
    if request.method == "POST":
        walk_in = forms.boolean(request.form, "walk_in")
        payload = {"walk_in": True} if walk_in else {"code": forms.text(request.form, "code") or ""}
        try:
            checked = call("jobs", "check_in_at_fair", fair_id, payload)
        except FengchaoError as refused:
            if refused.status == 401:
                raise
            errors, general = forms.field_errors(refused, ("code",))
            status = refused.status
    registrations = call("jobs", "list_fair_registrations", fair_id, {"status": "checked_in"})
    return render_template("web/fair_check_in.html", fair=found, checked=checked, errors=errors, general=general,
                           arrived=len(registrations["items"])), status
