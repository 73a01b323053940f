"""Residents taking part: comments on a council proposal while it is deliberated, and signing up for
the duties of vanguard-led projects (先锋领办) and key small matters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from gateway.web.resident import section
from services.common.errors import FengchaoError

# --- proposal comments --------------------------------------------------------------------------------


@blp.get("/proposals/<proposal_id>")
def proposal(proposal_id: str) -> ResponseReturnValue:
    require_principal()
    return _proposal_page(proposal_id, {}, None)


def _proposal_page(proposal_id: str, errors: dict[str, list[str]], general: str | None, status: int = 200,
                   failed_parent: str | None = None, values: dict[str, Any] | None = None) -> tuple[str, int]:
    found = call("governance", "get_proposal", proposal_id)
    members = section(lambda: call("governance", "list_members", found["council_id"], {"limit": 200}))
    names = {m["user_id"]: m["display_name"] for m in (members["data"] or {}).get("items", []) if m.get("user_id")}
    return render_template("web/proposal.html", proposal=found,
                           council=call("governance", "get_council", found["council_id"]),
                           thread=call("governance", "list_comments", proposal_id), names=names,
                           errors=errors, general=general, failed_parent=failed_parent, values=values or {}), status


@blp.post("/proposals/<proposal_id>/comments")
def comment_on_proposal(proposal_id: str) -> ResponseReturnValue:
    require_principal()
    parent = forms.text(request.form, "parent_id")
    payload = forms.compact({"body": forms.text(request.form, "body") or "", "parent_id": parent})
    try:
        call("governance", "add_comment", proposal_id, payload)
    except FengchaoError as refused:
        if refused.status in (401, 404):
            raise
        errors, general = forms.field_errors(refused, ("body",))
        return _proposal_page(proposal_id, errors, general, refused.status, failed_parent=parent or "",
                              values=request.form.to_dict())
    return redirect(url_for("web.proposal", proposal_id=proposal_id) + "#comments")


# --- duties of vanguard-led projects ---------------------------------------------------------------------


@blp.get("/duties")
def duties() -> ResponseReturnValue:
    require_principal()
    return _duties_page(None, None)


def _duties_page(general: str | None, failed: str | None, status: int = 200) -> tuple[str, int]:
    mine = section(lambda: call("governance", "my_signups"))
    signups = {s["slot_id"]: s for s in (mine["data"] or {}).get("items", []) if s["status"] != "cancelled"}
    projects = call("governance", "list_projects")
    now = datetime.now(UTC)
    started = {slot["id"] for p in projects["items"] for d in p["duties"] for slot in d["slots"]
               if datetime.fromisoformat(slot["starts_at"]) <= now}
    return render_template("web/duties.html", projects=projects, signups=signups, started=started,
                           mine=mine, general=general, failed=failed,
                           done=request.args.get("done")), status


@blp.post("/slots/<slot_id>/sign-up")
def sign_up_for_duty(slot_id: str) -> ResponseReturnValue:
    require_principal()
    try:
        call("governance", "sign_up_for_slot", slot_id)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return _duties_page(forms.field_errors(refused)[1], slot_id, refused.status)
    return redirect(url_for("web.duties", done="signed_up"))


@blp.post("/signups/<signup_id>/<action>")
def change_duty_signup(signup_id: str, action: str) -> ResponseReturnValue:
    require_principal()
    try:
        if action == "cancel":
            call("governance", "cancel_signup", signup_id)
        elif action == "complete":
            call("governance", "complete_duty", signup_id, {})
        else:
            return redirect(url_for("web.duties"))
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return _duties_page(forms.field_errors(refused)[1], signup_id, refused.status)
    return redirect(url_for("web.duties", done="cancelled" if action == "cancel" else "completed"))
