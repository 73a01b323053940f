"""Resolutions and their action items: staff adopt a resolution and follow its items; the responsible
party reports progress; residents confirm or dispute that a completed item is really done."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from services.common.access import STAFF_ROLES
from services.common.errors import FengchaoError
from services.governance.contracts.messages import ASSIGNEE_KINDS

ITEM_FIELDS = ("title", "description", "assignee_kind", "assignee_name", "due_on")


@blp.get("/resolutions")
def resolutions() -> ResponseReturnValue:
    require_principal()
    return render_template("web/resolutions.html",
                           resolutions=call("governance", "list_resolutions", request.args.get("council_id")))


@blp.get("/resolutions/<resolution_id>")
def resolution(resolution_id: str) -> ResponseReturnValue:
    require_principal()
    return _resolution_page(resolution_id, {}, None)


def _resolution_page(resolution_id: str, errors: dict[str, list[str]], general: str | None, status: int = 200,
                     values: dict[str, Any] | None = None) -> tuple[str, int]:
    return render_template("web/resolution.html", resolution=call("governance", "get_resolution", resolution_id),
                           assignee_kinds=ASSIGNEE_KINDS, errors=errors, general=general, values=values or {}), status


@blp.post("/staff/resolutions/<resolution_id>/action-items")
def add_action_item(resolution_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    form = request.form
    payload = forms.compact({name: forms.text(form, name) for name in ITEM_FIELDS})
    for required in ("title", "assignee_kind", "assignee_name", "due_on"):
        payload.setdefault(required, "")
    try:
        call("governance", "add_action_item", resolution_id, payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, ITEM_FIELDS)
        return _resolution_page(resolution_id, errors, general, refused.status, form.to_dict())
    return redirect(url_for("web.resolution", resolution_id=resolution_id))


@blp.get("/action-items/<item_id>")
def action_item(item_id: str) -> ResponseReturnValue:
    require_principal()
    return _item_page(item_id, {}, None)


def _item_page(item_id: str, errors: dict[str, list[str]], general: str | None, status: int = 200) -> tuple[str, int]:
    return render_template("web/action_item.html", item=call("governance", "get_action_item", item_id),
                           errors=errors, general=general), status


@blp.post("/action-items/<item_id>/feedback")
def give_feedback(item_id: str) -> ResponseReturnValue:
    require_principal()
    payload = forms.compact({"verdict": forms.text(request.form, "verdict") or "",
                             "comment": forms.text(request.form, "comment")})
    try:
        call("governance", "give_feedback", item_id, payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, ("verdict", "comment"))
        return _item_page(item_id, errors, general, refused.status)
    return redirect(url_for("web.action_item", item_id=item_id))


@blp.post("/action-items/<item_id>/updates")
def report_progress(item_id: str) -> ResponseReturnValue:
    require_principal()
    payload = forms.compact({"note": forms.text(request.form, "note") or "",
                             "progress_percent": forms.integer(request.form, "progress_percent"),
                             "completed": forms.boolean(request.form, "completed")})
    try:
        call("governance", "report_progress", item_id, payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, ("note", "progress_percent"))
        return _item_page(item_id, errors, general, refused.status)
    return redirect(url_for("web.action_item", item_id=item_id))
