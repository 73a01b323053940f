"""Red Tea Council sessions (红茶议事会 · 会议): staff schedule a session and invite the members, check
them in (or members check themselves in with the room's code), the session's chair enters a show of
hands that a second member who is present signs off, and staff record the minutes.

Everything is decided by the governance service (who may do what, the counts, the states); the pages
only turn forms into its payloads and show its refusals beside the fields.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from gateway.web.resident import section
from services.common.access import STAFF_ROLES
from services.common.errors import FengchaoError

SESSION_FIELDS = ("title", "agenda", "starts_at", "ends_at", "venue", "online_url", "chair_member_id")
TALLY_FIELDS = ("motion", "proposal_id", "in_favour", "against", "abstained")
MINUTES_FIELDS = ("minutes", "decisions", "linked_proposal_ids")
CHECK_IN_FIELDS = ("registration_code", "member_id")


def lines(form: forms.Form, name: str) -> list[str]:
    """A textarea of one entry per line (agenda items, decisions) as a list, empty lines left out."""
    return [line.strip() for line in (form.get(name) or "").splitlines() if line.strip()]


def _members(council_id: str) -> list[dict[str, Any]]:
    members: list[dict[str, Any]] = call("governance", "list_members", council_id, {"limit": 200})["items"]
    return members


# --- scheduling -------------------------------------------------------------------------------------


@blp.get("/staff/councils/<council_id>/sessions")
def council_sessions(council_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _sessions_page(council_id, {}, {}, None)


def _sessions_page(council_id: str, values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                   status: int = 200) -> tuple[str, int]:
    return render_template("web/staff_council_sessions.html", council=call("governance", "get_council", council_id),
                           sessions=call("governance", "list_sessions", council_id),
                           members=_members(council_id), values=values, errors=errors, general=general), status


@blp.post("/staff/councils/<council_id>/sessions")
def schedule_council_session(council_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    form = request.form
    payload = forms.compact({
        "title": forms.text(form, "title") or "", "agenda": lines(form, "agenda"),
        "starts_at": forms.local_datetime(form, "starts_at") or "",
        "ends_at": forms.local_datetime(form, "ends_at") or "",
        "venue": forms.text(form, "venue"), "online_url": forms.text(form, "online_url"),
        "chair_member_id": forms.text(form, "chair_member_id"),
    })
    try:
        created = call("governance", "schedule_session", council_id, payload)
        if forms.boolean(form, "invite_all"):
            call("governance", "invite_to_session", created["id"], {})
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, SESSION_FIELDS)
        if refused.status == 404 and refused.extra.get("field") in SESSION_FIELDS:  # the chair is not seated
            errors, general = {refused.extra["field"]: [refused.detail]}, None
        return _sessions_page(council_id, form.to_dict(), errors, general, refused.status)
    return redirect(url_for("web.council_session", session_id=created["id"]))


# --- the session: invitations, check-in, shows of hands, minutes -------------------------------------


@blp.get("/council-sessions/<session_id>")
def council_session(session_id: str) -> ResponseReturnValue:
    """The session as its reader may see it: staff run it, the chair enters shows of hands, members
    check in with the room's code and sign off a count."""
    require_principal()
    return _session_page(session_id, None, {}, None)


def _session_page(session_id: str, failed: str | None, errors: dict[str, list[str]], general: str | None,
                  status: int = 200, values: dict[str, Any] | None = None) -> tuple[str, int]:
    principal = require_principal()
    meeting = call("governance", "get_session", session_id)
    council = call("governance", "get_council", meeting["council_id"])
    members = section(lambda: _members(meeting["council_id"]))
    seats = {m["id"]: m for m in (members["data"] or [])}
    mine = next((m for m in seats.values() if m.get("user_id") == principal.user_id), None)
    present = {a["member_id"] for a in meeting["attendance"] if a["checked_in_at"]}
    proposals = section(lambda: call("governance", "list_proposals", meeting["council_id"]))
    return render_template(
        "web/council_session.html", meeting=meeting, council=council, members=members, seats=seats, mine=mine,
        is_chair=bool(mine and mine["id"] == meeting.get("chair_member_id")),
        present=present, proposals=proposals, failed=failed, errors=errors, general=general,
        values=values or {}, outcome=request.args.get("outcome"),
    ), status


@blp.post("/council-sessions/<session_id>/<action>")
def act_on_council_session(session_id: str, action: str) -> ResponseReturnValue:
    require_principal()
    form = request.form
    try:
        if action == "invite":
            chosen = [m for m in form.getlist("member_ids") if m]
            call("governance", "invite_to_session", session_id, {"member_ids": chosen} if chosen else {})
        elif action == "check-in":
            member_id = forms.text(form, "member_id")
            payload = {"member_id": member_id} if member_id else {
                "registration_code": forms.text(form, "registration_code") or ""}
            call("governance", "check_in", session_id, payload)
        elif action == "tally":
            call("governance", "enter_tally", session_id, forms.compact({
                "motion": forms.text(form, "motion") or "", "proposal_id": forms.text(form, "proposal_id"),
                "in_favour": forms.integer(form, "in_favour"), "against": forms.integer(form, "against"),
                "abstained": forms.integer(form, "abstained")}))
        elif action == "sign-off":
            call("governance", "sign_off_tally", session_id, form.get("tally_id", ""))
        elif action == "minutes":
            call("governance", "record_minutes", session_id, {
                "minutes": forms.text(form, "minutes") or "", "decisions": lines(form, "decisions"),
                "linked_proposal_ids": [p for p in form.getlist("linked_proposal_ids") if p]})
        elif action == "cancel":
            call("governance", "cancel_session", session_id)
        else:
            return redirect(url_for("web.council_session", session_id=session_id))
    except FengchaoError as refused:
        named = refused.extra.get("field") if refused.status == 404 else None
        if refused.status == 401 or (refused.status == 404 and not named):
            raise  # the session itself is not there (or not for this person)
        known = {"check-in": CHECK_IN_FIELDS, "tally": TALLY_FIELDS, "minutes": MINUTES_FIELDS,
                 "invite": ("member_ids",)}.get(action, ())
        errors, general = forms.field_errors(refused, known)
        if named in known:  # a member or a tally named in the form is not there: said beside the field
            errors, general = {named: [refused.detail]}, None
        return _session_page(session_id, action, errors, general, refused.status, values=form.to_dict())
    return redirect(url_for("web.council_session", session_id=session_id, outcome=action))
