"""Staff: enrol caring merchants (爱心商户), define how points are earned (earning rules), and consent to
cross-tenant acceptance agreements."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway import messages
from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from services.common.access import STAFF_ROLES
from services.common.errors import FengchaoError, ValidationFailed
from services.points.contracts.messages import CATEGORIES as POINT_CATEGORIES
from services.points.contracts.messages import EVENT_TYPES as EVENT_SOURCES

MERCHANT_FIELDS = ("name", "category", "address", "operator_user_ids")


@blp.get("/staff/merchants")
def staff_merchants() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _merchants_page({}, {}, None)


def _merchants_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                    status: int = 200) -> tuple[str, int]:
    return render_template("web/staff_merchants.html", merchants=call("points", "list_merchants", {}),
                           values=values, errors=errors, general=general), status


@blp.post("/staff/merchants")
def create_merchant() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
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


# --- earning rules -----------------------------------------------------------------------------------

RULE_FIELDS = ("name", "event_type", "match", "category", "points", "points_per_hour", "daily_cap", "monthly_cap")


@blp.get("/staff/rules")
def staff_rules() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _rules_page({}, {}, None)


def _rules_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                status: int = 200) -> tuple[str, int]:
    return render_template("web/staff_rules.html", rules=call("points", "list_rules"), event_types=EVENT_SOURCES,
                           categories=POINT_CATEGORIES, values=values, errors=errors, general=general), status


def _match(form: forms.Form) -> dict[str, Any] | None:
    """`course_kind=first_aid` lines (or one line with `,`) as the rule's match; unreadable lines are passed
    on as typed keys, for the service to name."""
    found: dict[str, str] = {}
    for part in (form.get("match") or "").replace("，", ",").replace("\n", ",").split(","):
        if part.strip():
            key, _, value = part.partition("=")
            found[key.strip()] = value.strip()
    return found or None


@blp.post("/staff/rules")
def create_rule() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    form = request.form
    payload = forms.compact({
        "name": forms.text(form, "name") or "", "event_type": forms.text(form, "event_type") or "",
        "category": forms.text(form, "category") or "", "match": _match(form),
        "points": forms.integer(form, "points"), "points_per_hour": forms.integer(form, "points_per_hour"),
        "daily_cap": forms.integer(form, "daily_cap"), "monthly_cap": forms.integer(form, "monthly_cap")})
    try:
        call("points", "create_rule", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, RULE_FIELDS)
        return _rules_page(form.to_dict(), errors, general, refused.status)
    return redirect(url_for("web.staff_rules"))


@blp.post("/staff/rules/<rule_id>/active")
def switch_rule(rule_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    try:
        call("points", "update_rule", rule_id, {"active": forms.boolean(request.form, "active")})
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return _rules_page({}, {}, forms.field_errors(refused)[1], refused.status)
    return redirect(url_for("web.staff_rules"))


# --- cross-tenant acceptance agreements ----------------------------------------------------------------


@blp.get("/staff/agreements")
def staff_agreements() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _agreements_page({}, {}, None)


def _agreements_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                     status: int = 200) -> tuple[str, int]:
    return render_template("web/staff_agreements.html", agreements=call("points", "list_agreements"),
                           values=values, errors=errors, general=general), status


@blp.post("/staff/agreements")
def set_agreement() -> ResponseReturnValue:
    """Our side of an agreement: consent, or withdraw. In force only while both communities consent."""
    require_principal(*STAFF_ROLES)
    form = request.form
    partner = forms.text(form, "partner_tenant_id") or ""
    try:
        if not partner:
            raise ValidationFailed.from_messages({"partner_tenant_id": [messages.PARTNER_TENANT_ID]})
        call("points", "set_agreement", partner, forms.compact({"active": form.get("active", "1") == "1",
                                                                "note": forms.text(form, "note")}))
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, ("partner_tenant_id", "active", "note"))
        return _agreements_page(form.to_dict(), errors, general, refused.status)
    return redirect(url_for("web.staff_agreements"))
