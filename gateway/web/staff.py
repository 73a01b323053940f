"""Staff pages: award points and approve large awards (maker-checker), triage "couriers have a say",
run a council vote, and the tenant's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from gateway.web.resident import section
from services.common.access import STAFF_ROLES
from services.common.errors import FengchaoError
from services.governance.contracts.messages import BALLOT_CHOICES
from services.points.contracts.messages import CATEGORIES as POINT_CATEGORIES

AWARD_FIELDS = ("user_id", "amount", "category", "reason")


@blp.get("/staff/awards")
def awards() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _awards_page({}, {}, None, outcome=request.args.get("outcome"))


def _awards_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None, *,
                 outcome: str | None = None,
                 status: int = 200) -> tuple[str, int]:
    return render_template("web/staff_awards.html",
                           pending=call("points", "list_award_requests",
                                        {"status": "pending", "after": request.args.get("after")}),
                           categories=POINT_CATEGORIES, values=values, errors=errors, general=general,
                           outcome=outcome), status


@blp.post("/staff/awards")
def award() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    payload = {"user_id": forms.text(request.form, "user_id") or "",
               "amount": forms.integer(request.form, "amount"),
               "category": forms.text(request.form, "category") or "",
               "reason": forms.text(request.form, "reason") or ""}
    try:
        result = call("points", "award", forms.compact(payload))
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, AWARD_FIELDS)
        return _awards_page(request.form.to_dict(), errors, general, status=refused.status)
    return redirect(url_for("web.awards", outcome=result["outcome"]))


@blp.post("/staff/award-requests/<request_id>/<decision>")
def decide_award(request_id: str, decision: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    method = {"approve": "approve_award", "reject": "reject_award"}.get(decision)
    if method is None:
        return redirect(url_for("web.awards"))
    note = forms.text(request.form, "note")
    try:
        call("points", method, request_id, forms.compact({"note": note}))
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        _, general = forms.field_errors(refused)
        return _awards_page({}, {}, general, status=refused.status)
    return redirect(url_for("web.awards", outcome="approved" if decision == "approve" else "rejected"))


# --- "couriers have a say": triage --------------------------------------------------------------

TRIAGE_FIELDS = ("answer", "reason", "council_id", "topic_title")


@blp.get("/staff/voice")
def voice_desk() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _voice_desk(None, {}, None)


def _voice_desk(failed: str | None, errors: dict[str, list[str]], general: str | None,
                status: int = 200) -> tuple[str, int]:
    state = request.args.get("status") or "submitted"
    return render_template("web/staff_voice.html", state=state,
                           items=call("governance", "list_voice", {"status": state,
                                                                   "after": request.args.get("after")}),
                           stats=section(lambda: call("governance", "voice_stats")),
                           councils=section(lambda: call("governance", "list_councils", {})),
                           failed=failed, errors=errors, general=general), status


@blp.post("/staff/voice/<voice_id>")
def triage_voice(voice_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    payload = forms.compact({"action": forms.text(request.form, "action") or "",
                             **{name: forms.text(request.form, name) for name in TRIAGE_FIELDS}})
    try:
        call("governance", "triage_voice", voice_id, payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, TRIAGE_FIELDS)
        return _voice_desk(voice_id, errors, general, refused.status)
    return redirect(url_for("web.voice_desk", status=request.args.get("status") or "submitted"))


# --- running a council vote -----------------------------------------------------------------------


@blp.route("/staff/proposals/<proposal_id>", methods=["GET", "POST"])
def run_proposal(proposal_id: str) -> ResponseReturnValue:
    """Move a proposal on (deliberate), put it to the vote, record in-room ballots, close the vote."""
    require_principal(*STAFF_ROLES)
    errors: dict[str, list[str]]
    errors, general, status = {}, None, 200
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            result = _run(action, proposal_id)
        except FengchaoError as refused:
            if refused.status == 401:
                raise
            errors, general = forms.field_errors(refused, ("closes_at", "quorum_percent", "threshold_percent",
                                                           "member_id", "choice", "text", "effective_on"))
            status = refused.status
        else:
            if action == "adopt":
                assert result is not None  # adopting answers with the resolution
                return redirect(url_for("web.resolution", resolution_id=result["id"]))
            return redirect(url_for("web.run_proposal", proposal_id=proposal_id))
    proposal = call("governance", "get_proposal", proposal_id)
    vote = call("governance", "get_vote", proposal["vote_id"]) if proposal.get("vote_id") else None
    members = call("governance", "list_members", proposal["council_id"], {}) if vote else {"items": []}
    return render_template("web/staff_proposal.html", proposal=proposal, vote=vote, members=members,
                           errors=errors, general=general, choices=BALLOT_CHOICES), status


def _run(action: str, proposal_id: str) -> dict[str, Any] | None:
    form = request.form
    if action in ("submit", "deliberate"):
        return cast("dict[str, Any]", call("governance", "transition_proposal", proposal_id, {"action": action}))
    elif action == "open_vote":
        days = forms.integer(form, "days")
        closes = (datetime.now(UTC) + timedelta(days=days)).isoformat() if isinstance(days, int) else ""
        return cast("dict[str, Any]", call("governance", "open_vote", proposal_id, forms.compact({
            "closes_at": closes, "quorum_percent": forms.integer(form, "quorum_percent"),
            "threshold_percent": forms.integer(form, "threshold_percent"), "secret": forms.boolean(form, "secret")})))
    elif action == "in_room":
        return cast("dict[str, Any]", call("governance", "cast_in_room_ballot", form.get("vote_id", ""), {
            "member_id": forms.text(form, "member_id") or "", "choice": forms.text(form, "choice") or ""}))
    elif action == "close":
        return cast("dict[str, Any]", call("governance", "close_vote", form.get("vote_id", ""),
                                           {"early": forms.boolean(form, "early")}))
    elif action == "adopt":
        return cast("dict[str, Any]", call("governance", "adopt_resolution", proposal_id, forms.compact({
            "title": forms.text(form, "title"), "text": forms.text(form, "text") or "",
            "effective_on": forms.text(form, "effective_on") or ""})))
    return None


# --- figures ---------------------------------------------------------------------------------------


@blp.get("/staff/figures")
def figures() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return render_template("web/staff_figures.html",
                           jobs=section(lambda: call("jobs", "tenant_figures", {})),
                           training=section(lambda: call("training", "tenant_figures")),
                           points=section(lambda: call("points", "figures")),
                           voice=section(lambda: call("governance", "voice_stats")))
