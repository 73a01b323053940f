"""Staff: enrol caring merchants (爱心商户) and see their statements."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from services.common.errors import FengchaoError

MERCHANT_FIELDS = ("name", "category", "address", "operator_user_ids")


@blp.get("/staff/merchants")
def staff_merchants():
    require_principal("staff", "tenant_admin")
    return _merchants_page({}, {}, None)


def _merchants_page(values: dict, errors: dict, general: str | None, status: int = 200):
    return render_template("web/staff_merchants.html", merchants=call("points", "list_merchants", {}),
                           values=values, errors=errors, general=general), status


@blp.post("/staff/merchants")
def create_merchant():
    require_principal("staff", "tenant_admin")
    form = request.form
    operators = [part.strip() for part in (form.get("operator_user_ids") or "").replace("，", ",").split(",")]
    payload = forms.compact({"name": forms.text(form, "name") or "", "category": forms.text(form, "category") or "",
                             "address": forms.text(form, "address"),
                             "operator_user_ids": [o for o in operators if o]})
    try:
        call("points", "create_merchant", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, MERCHANT_FIELDS)
        return _merchants_page(form.to_dict(), errors, general, refused.status)
    return redirect(url_for("web.staff_merchants"))
