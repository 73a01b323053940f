"""Caring merchants' pages: confirm a voucher by typing or scanning its code; see statements."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from services.common.errors import FengchaoError


@blp.get("/merchant")
def merchant_desk() -> ResponseReturnValue:
    require_principal()
    code = (request.args.get("code") or "").strip()
    preview, error = None, None
    if code:
        try:
            preview = call("points", "preview_voucher", code)
        except FengchaoError as refused:
            if refused.status == 401:
                raise
            error = refused
    return _desk(code=code, preview=preview, error=error)


def _desk(*, code: str = "", preview: dict[str, Any] | None = None, error: FengchaoError | None = None,
          confirmed: dict[str, Any] | None = None, status: int = 200) -> tuple[str, int]:
    if error is not None:
        status = error.status
    merchants = call("points", "list_merchants", {"mine": True})
    errors, general = forms.field_errors(error, ("code",)) if error else ({}, None)
    return render_template("web/merchant.html", code=code, preview=preview, confirmed=confirmed,
                           errors=errors, general=general, error=error, merchants=merchants), status


@blp.post("/merchant/confirm")
def confirm_voucher() -> ResponseReturnValue:
    require_principal()
    code = (request.form.get("code") or "").strip()
    try:
        confirmed = call("points", "confirm_voucher", code)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return _desk(code=code, error=refused)
    return _desk(confirmed=confirmed)


@blp.get("/merchant/<merchant_id>/statement")
def merchant_statement(merchant_id: str) -> ResponseReturnValue:
    require_principal()
    return render_template("web/merchant_statement.html", merchant=call("points", "get_merchant", merchant_id),
                           statement=call("points", "merchant_statement", merchant_id, {}))


ITEM_FIELDS = ("name", "price_points", "stock", "limit_per_person", "description")


@blp.get("/merchant/<merchant_id>/items")
def merchant_items(merchant_id: str) -> ResponseReturnValue:
    require_principal()
    return _items_page(merchant_id, {}, None)


def _items_page(merchant_id: str, errors: dict[str, list[str]], general: str | None, status: int = 200,
                values: dict[str, Any] | None = None) -> tuple[str, int]:
    return render_template("web/merchant_items.html", merchant=call("points", "get_merchant", merchant_id),
                           items=call("points", "catalogue", {"merchant_id": merchant_id}), values=values or {},
                           errors=errors, general=general), status


@blp.post("/merchant/<merchant_id>/items")
def add_item(merchant_id: str) -> ResponseReturnValue:
    """A merchant's operator (or staff) offers something for points."""
    require_principal()
    form = request.form
    payload = forms.compact({"name": forms.text(form, "name") or "", "description": forms.text(form, "description"),
                             "price_points": forms.integer(form, "price_points"), "stock": forms.integer(form, "stock"),
                             "limit_per_person": forms.integer(form, "limit_per_person")})
    payload.setdefault("price_points", "")
    try:
        call("points", "create_item", merchant_id, payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, ITEM_FIELDS)
        return _items_page(merchant_id, errors, general, refused.status, form.to_dict())
    return redirect(url_for("web.merchant_items", merchant_id=merchant_id))
