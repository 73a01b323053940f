"""零工登记: a resident registers (or updates) their worker profile — skills, hours, wanted pay, consent to
recommendations — and answers the wage follow-up after a placement (工资确认)."""

from __future__ import annotations

from typing import Any, cast

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway import db
from gateway.auth import require_principal
from gateway.identity import Principal
from gateway.models import User
from gateway.services import call
from gateway.web import blp, forms, i18n
from gateway.web.resident import skill_names
from services.common.errors import FengchaoError
from services.jobs.contracts.messages import GROUPS

PROFILE_FIELDS = ("display_name", "phone", "skills", "availability", "home_area", "expected_daily_pay", "groups",
                  "commute_radius_km", "consent_recommendations")
WEEKDAYS = range(1, 8)


def availability(form: forms.Form) -> list[dict[str, Any]]:
    """Weekly windows from the form's rows (weekday 1 = Monday … 7 = Sunday); a row with only one time
    is passed on as it is, so that the service names what is missing."""
    windows = []
    for day in WEEKDAYS:
        start, end = forms.text(form, f"start_{day}"), forms.text(form, f"end_{day}")
        if start or end:
            windows.append({"weekday": day, "start": start or "", "end": end or ""})
    return windows


def _mine(principal: Principal) -> dict[str, Any] | None:
    for profile in call("jobs", "list_workers", {"limit": 200})["items"]:
        if profile.get("user_id") == principal.subject:
            return cast("dict[str, Any]", profile)
    return None


@blp.get("/profile")
def profile() -> ResponseReturnValue:
    principal = require_principal()
    return _profile_page(principal, _mine(principal), {}, None)


def _profile_page(principal: Principal, current: dict[str, Any] | None, errors: dict[str, list[str]],
                  general: str | None, status: int = 200, values: dict[str, Any] | None = None) -> tuple[str, int]:
    if values is None:
        values = dict(current or {})
        if not current:
            user = db.session().get(User, principal.subject)
            values = {"display_name": user.display_name if user else "", "phone": user.phone if user else "",
                      "consent_recommendations": True}
        values["windows"] = {w["weekday"]: w for w in values.get("availability", [])}
    return render_template("web/profile.html", profile=current, values=values, errors=errors, general=general,
                           skills=call("jobs", "list_skills"), groups=GROUPS, weekdays=WEEKDAYS,
                           skill_label=skill_names(i18n.select_locale())), status


@blp.post("/profile")
def save_profile() -> ResponseReturnValue:
    principal = require_principal()
    form = request.form
    payload = {
        "display_name": forms.text(form, "display_name") or "", "phone": forms.text(form, "phone") or "",
        "skills": [s for s in form.getlist("skills") if s], "availability": availability(form),
        "home_area": forms.text(form, "home_area"), "expected_daily_pay": forms.integer(form, "expected_daily_pay"),
        "groups": [g for g in form.getlist("groups") if g],
        "consent_recommendations": forms.boolean(form, "consent_recommendations"),
    }
    current = _mine(principal)
    try:
        if current is None:
            call("jobs", "register_worker", forms.compact(payload))
        else:
            call("jobs", "update_worker", current["id"], {**payload, "expected_version": current["version"]})
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, PROFILE_FIELDS)
        values = {**payload, "skills": payload["skills"], "groups": payload["groups"],
                  "windows": {w["weekday"]: w for w in payload["availability"]}}
        return _profile_page(principal, current, errors, general, refused.status, values)
    return redirect(url_for("web.profile", saved=1))


@blp.post("/placements/<placement_id>/wages")
def answer_wages(placement_id: str) -> ResponseReturnValue:
    require_principal()
    answer = request.form.get("wages_paid")
    wages_paid: dict[str | None, bool] = {"yes": True, "no": False}
    payload = forms.compact({"wages_paid": wages_paid.get(answer, answer or ""),
                             "note": forms.text(request.form, "note")})
    try:
        call("jobs", "answer_wages", placement_id, payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return redirect(url_for("web.applications", wage_error=refused.detail))
    return redirect(url_for("web.applications", answered=placement_id))
