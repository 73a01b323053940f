"""The labour-rights desk's own side (维权服务台 · 承办): people on the desk work the cases assigned to
them; the tenant's admins see every case, keep the desk roster and assign cases.

Confidentiality is the jobs service's: it lists only the cases the caller may see (their own, those
assigned to them, or all for tenant admins), answers 404 for any other case, and logs every look.
The page lets in tenant admins and people on the desk; to anyone else it answers as the staff pages do.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway import messages
from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from services.common.errors import FengchaoError, Forbidden
from services.jobs.contracts.messages import CASE_CATEGORIES, CASE_STATUSES, DESK_ROLES

ADMIN = "tenant_admin"
MEMBER_FIELDS = ("user_id", "desk_role", "title")
CASE_ACTION_FIELDS = ("assignee_user_id", "body", "outcome", "note", "referred_to")


def _desk_caller() -> tuple[bool, list[dict[str, Any]]]:
    """(is admin, the desk roster); anyone neither an admin nor on the desk is refused."""
    principal = require_principal()
    roster = call("jobs", "list_desk_members")["items"]
    admin = ADMIN in principal.roles
    if not admin and not any(m["user_id"] == principal.user_id and m["active"] for m in roster):
        raise Forbidden(messages.RIGHTS_DESK_ONLY)
    return admin, roster


@blp.get("/desk")
def desk() -> ResponseReturnValue:
    admin, roster = _desk_caller()
    return _desk_page(admin, roster, {}, {}, None)


def _desk_page(admin: bool, roster: list[dict[str, Any]], values: dict[str, Any], errors: dict[str, list[str]],
               general: str | None, status: int = 200) -> tuple[str, int]:
    state = request.args.get("status") or None
    query = forms.compact({"status": state if state in CASE_STATUSES else None, "after": request.args.get("after")})
    principal = require_principal()
    return render_template("web/desk.html", admin=admin, roster=roster,
                           cases=call("jobs", "list_rights_cases", query), state=state, statuses=CASE_STATUSES,
                           me=principal.user_id, desk_roles=DESK_ROLES, values=values, errors=errors,
                           general=general), status


@blp.post("/desk/members")
def set_desk_member() -> ResponseReturnValue:
    admin, roster = _desk_caller()
    form = request.form
    payload = {"user_id": forms.text(form, "user_id") or "", "desk_role": forms.text(form, "desk_role") or "",
               "title": forms.text(form, "title") or "", "active": form.get("active", "1") != "0"}
    try:
        call("jobs", "set_desk_member", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, MEMBER_FIELDS)
        return _desk_page(admin, roster, form.to_dict(), errors, general, refused.status)
    return redirect(url_for("web.desk"))


@blp.get("/desk/cases/<case_id>")
def desk_case(case_id: str) -> ResponseReturnValue:
    admin, roster = _desk_caller()
    return _case_page(case_id, admin, roster, None, {}, None)


def _case_page(case_id: str, admin: bool, roster: list[dict[str, Any]], failed: str | None,
               errors: dict[str, list[str]], general: str | None, status: int = 200) -> tuple[str, int]:
    principal = require_principal()
    case = call("jobs", "get_rights_case", case_id)
    log = None
    if admin:
        try:
            log = call("jobs", "rights_case_access_log", case_id)
        except FengchaoError as refused:
            if refused.status not in (403, 404):
                raise
    return render_template("web/desk_case.html", case=case, admin=admin, roster=roster,
                           names={m["user_id"]: m["title"] for m in roster}, me=principal.user_id, log=log,
                           failed=failed, errors=errors, general=general, categories=CASE_CATEGORIES), status


@blp.post("/desk/cases/<case_id>/<action>")
def work_case(case_id: str, action: str) -> ResponseReturnValue:
    admin, roster = _desk_caller()
    form = request.form
    try:
        if action == "assign":
            call("jobs", "assign_rights_case", case_id,
                 {"assignee_user_id": forms.text(form, "assignee_user_id") or ""})
        elif action == "start":
            call("jobs", "start_rights_case", case_id)
        elif action == "note":
            call("jobs", "add_rights_case_note", case_id, {
                "body": forms.text(form, "body") or "", "visible_to_person": not forms.boolean(form, "internal")})
        elif action == "conclude":
            call("jobs", "conclude_rights_case", case_id, forms.compact({
                "outcome": forms.text(form, "outcome") or "", "note": forms.text(form, "note") or "",
                "referred_to": forms.text(form, "referred_to")}))
        else:
            return redirect(url_for("web.desk_case", case_id=case_id))
    except FengchaoError as refused:
        if refused.status in (401, 404):
            raise
        errors, general = forms.field_errors(refused, CASE_ACTION_FIELDS)
        return _case_page(case_id, admin, roster, action, errors, general, refused.status)
    return redirect(url_for("web.desk_case", case_id=case_id))
