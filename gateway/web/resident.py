"""Residents' pages: home, jobs, courses, "couriers have a say", council votes, points and vouchers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import segno
from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms, i18n
from services.common.access import STAFF_ROLES
from services.common.errors import FengchaoError
from services.governance.contracts.messages import BALLOT_CHOICES, VOICE_CATEGORIES


def skill_names(locale: str) -> dict[str, str]:
    """Skill code → name in the page's language, from the community's taxonomy (codes stay if it is away)."""
    try:
        skills = call("jobs", "list_skills")["items"]
    except FengchaoError:
        return {}
    key = "name_en" if locale == "en" else "name_zh"
    return {s["code"]: s.get(key) or s["code"] for s in skills}


def section(fetch: Callable[[], Any]) -> dict[str, Any]:
    """One part of a page: its data, or the reason it could not be had, so that one
    service being away does not blank the whole page."""
    try:
        return {"data": fetch(), "error": None}
    except FengchaoError as error:
        return {"data": None, "error": error}


@blp.get("/")
def home() -> ResponseReturnValue:
    principal = require_principal()
    enrolments = section(lambda: call("training", "list_my_enrolments", {}))
    upcoming = []
    for enrolment in (enrolments["data"] or {}).get("items", [])[:5]:
        if enrolment["status"] in ("enrolled", "waitlisted"):
            upcoming.append({"enrolment": enrolment, **section(functools.partial(
                call, "training", "get_session", enrolment["session_id"]))})
    return render_template(
        "web/home.html",
        points=section(lambda: call("points", "account_summary", None)),
        recommendations=section(lambda: call("jobs", "recommend_posts", {"limit": 3})),
        upcoming=upcoming, enrolments=enrolments,
        councils=section(lambda: call("governance", "list_councils", {})),
        skills=skill_names(i18n.select_locale()),
        is_staff=bool(principal.roles & set(STAFF_ROLES)),
        is_merchant="merchant" in principal.roles,
        is_operator="operator" in principal.roles,
        on_desk="tenant_admin" in principal.roles or _on_desk(principal.user_id),
    )


def _on_desk(user_id: str) -> bool:
    """Whether the person holds the rights desk (the roster is public to the community)."""
    try:
        return any(m["user_id"] == user_id and m["active"] for m in call("jobs", "list_desk_members")["items"])
    except FengchaoError:
        return False


# --- jobs ----------------------------------------------------------------------------------------


@blp.get("/jobs")
def jobs() -> ResponseReturnValue:
    require_principal()
    return render_template("web/jobs.html",
                           recommendations=section(lambda: call("jobs", "recommend_posts", {"limit": 20})),
                           posts=section(lambda: call("jobs", "list_posts", {"status": "open"})),
                           skills=skill_names(i18n.select_locale()))


@blp.get("/jobs/<post_id>")
def job(post_id: str) -> ResponseReturnValue:
    require_principal()
    return render_template("web/job.html", post=call("jobs", "get_post", post_id), error=None,
                           skills=skill_names(i18n.select_locale()))


@blp.post("/jobs/<post_id>/apply")
def apply(post_id: str) -> ResponseReturnValue:
    require_principal()
    try:
        call("jobs", "apply", {"post_id": post_id})
    except FengchaoError as refused:
        if refused.status in (401,):
            raise
        _, general = forms.field_errors(refused)
        return render_template("web/job.html", post=call("jobs", "get_post", post_id), error=general,
                               skills=skill_names(i18n.select_locale())), refused.status
    return redirect(url_for("web.applications", applied=post_id))


@blp.get("/applications")
def applications() -> ResponseReturnValue:
    require_principal()
    return render_template("web/applications.html", applications=call("jobs", "list_applications", {}),
                           placements=section(lambda: call("jobs", "list_placements")),
                           applied=request.args.get("applied"), answered=request.args.get("answered"),
                           wage_error=request.args.get("wage_error"))


# --- courses -------------------------------------------------------------------------------------


@blp.get("/courses")
def courses() -> ResponseReturnValue:
    require_principal()
    return render_template("web/courses.html", courses=call("training", "list_courses", {}),
                           enrolments=section(lambda: call("training", "list_my_enrolments", {})),
                           certificates=section(lambda: call("training", "list_certificates",
                                                             {"after": request.args.get("after")})))


@blp.get("/certificates/<certificate_id>")
def certificate(certificate_id: str) -> ResponseReturnValue:
    """A certificate with the QR code and link that let anyone check it."""
    require_principal()
    found = call("training", "get_certificate", certificate_id)
    link = url_for("web.verify", code=found["code"], _external=True)
    return render_template("web/certificate.html", certificate=found, link=link,
                           qr=segno.make(link, error="m").svg_data_uri(scale=6, border=2))


@blp.get("/courses/<course_id>")
def course(course_id: str) -> ResponseReturnValue:
    require_principal()
    return _course_page(course_id)


def _course_page(course_id: str, *, errors: dict[str, list[str]] | None = None, general: str | None = None,
                 session_id: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("web/course.html", course=call("training", "get_course", course_id),
                           sessions=call("training", "list_sessions", course_id), errors=errors or {},
                           general=general, failed_session=session_id), status


@blp.post("/sessions/<session_id>/enrol")
def enrol(session_id: str) -> ResponseReturnValue:
    require_principal()
    course_id = request.form.get("course_id", "")
    payload = forms.compact({"participant_name": forms.text(request.form, "participant_name")})
    if "child_name" in request.form:  # the children's camp: a guardian enrols a child (no account needed)
        payload = {"child": forms.compact({"name": forms.text(request.form, "child_name") or "",
                                           "age": forms.integer(request.form, "child_age")})}
    try:
        call("training", "enrol", session_id, payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, ("participant_name", "groups", "child"))
        return _course_page(course_id, errors=errors, general=general, session_id=session_id,
                            status=refused.status)
    return redirect(url_for("web.courses", enrolled=session_id))


# --- couriers have a say (小哥有话讲) ------------------------------------------------------------


@blp.get("/voice")
def voice() -> ResponseReturnValue:
    require_principal()
    return _voice_page({}, {}, None)


def _voice_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                status: int = 200) -> tuple[str, int]:
    mine = request.args.get("mine") == "1"
    return render_template("web/voice.html", items=call("governance", "list_voice", {"mine": mine}),
                           categories=VOICE_CATEGORIES, values=values, errors=errors, general=general,
                           mine=mine), status


@blp.post("/voice")
def raise_voice() -> ResponseReturnValue:
    require_principal()
    payload = forms.compact({"text": forms.text(request.form, "text"),
                             "category": forms.text(request.form, "category"),
                             "location": forms.text(request.form, "location"),
                             "anonymous": forms.boolean(request.form, "anonymous")})
    payload.setdefault("text", "")
    payload.setdefault("category", "")
    try:
        created = call("governance", "submit_voice", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, ("text", "category", "location"))
        return _voice_page(request.form.to_dict(), errors, general, refused.status)
    return redirect(url_for("web.voice_item", voice_id=created["id"]))


@blp.get("/voice/<voice_id>")
def voice_item(voice_id: str) -> ResponseReturnValue:
    require_principal()
    return render_template("web/voice_item.html", item=call("governance", "get_voice", voice_id), error=None)


@blp.post("/voice/<voice_id>/me-too")
def me_too(voice_id: str) -> ResponseReturnValue:
    require_principal()
    try:
        call("governance", "me_too", voice_id)
    except FengchaoError as refused:
        if refused.status in (401, 404):
            raise
        return render_template("web/voice_item.html", item=call("governance", "get_voice", voice_id),
                               error=refused.detail), refused.status
    return redirect(url_for("web.voice_item", voice_id=voice_id))


# --- council votes (红茶议事会) --------------------------------------------------------------------


@blp.get("/councils")
def councils() -> ResponseReturnValue:
    require_principal()
    return render_template("web/councils.html", councils=call("governance", "list_councils", {}))


@blp.get("/councils/<council_id>")
def council(council_id: str) -> ResponseReturnValue:
    require_principal()
    return render_template("web/council.html", council=call("governance", "get_council", council_id),
                           proposals=call("governance", "list_proposals", council_id),
                           sessions=section(lambda: call("governance", "list_sessions", council_id)))


@blp.get("/votes/<vote_id>")
def vote(vote_id: str) -> ResponseReturnValue:
    require_principal()
    return _vote_page(vote_id, {}, None)


def _vote_page(vote_id: str, errors: dict[str, list[str]], general: str | None, status: int = 200,
               receipt: str | None = None) -> tuple[str, int]:
    found = call("governance", "get_vote", vote_id)
    return render_template("web/vote.html", vote=found, proposal=call("governance", "get_proposal",
                                                                        found["proposal_id"]),
                           choices=BALLOT_CHOICES, errors=errors, general=general, receipt=receipt), status


@blp.post("/votes/<vote_id>")
def cast(vote_id: str) -> ResponseReturnValue:
    require_principal()
    payload = forms.compact({"choice": forms.text(request.form, "choice") or "",
                             "reason": forms.text(request.form, "reason")})
    try:
        receipt = call("governance", "cast_ballot", vote_id, payload)
    except FengchaoError as refused:
        if refused.status in (401, 404):
            raise
        errors, general = forms.field_errors(refused, ("choice", "reason"))
        return _vote_page(vote_id, errors, general, refused.status)
    return _vote_page(vote_id, {}, None, receipt=receipt.get("receipt_code") or "")


# --- points and vouchers (道德银行) ----------------------------------------------------------------


@blp.get("/points")
def points() -> ResponseReturnValue:
    require_principal()
    return _points_page(None)


def _points_page(general: str | None, status: int = 200, failed_item: str | None = None) -> tuple[str, int]:
    return render_template("web/points.html", account=call("points", "account_summary", None),
                           catalogue=call("points", "catalogue", {}),
                           redemptions=section(lambda: call("points", "list_redemptions", {})),
                           general=general, failed_item=failed_item), status


@blp.post("/redemptions")
def redeem() -> ResponseReturnValue:
    require_principal()
    item_id = request.form.get("item_id", "")
    payload = {"item_id": item_id, "quantity": forms.integer(request.form, "quantity") or 1}
    try:
        created = call("points", "create_redemption", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        _, general = forms.field_errors(refused)
        return _points_page(general, refused.status, failed_item=item_id)
    return redirect(url_for("web.voucher", redemption_id=created["id"]))


@blp.get("/vouchers/<redemption_id>")
def voucher(redemption_id: str) -> ResponseReturnValue:
    require_principal()
    return render_template("web/voucher.html", redemption=call("points", "get_redemption", redemption_id), error=None)


@blp.post("/vouchers/<redemption_id>/cancel")
def cancel_voucher(redemption_id: str) -> ResponseReturnValue:
    """Give a voucher back before it is used: the held points come back."""
    require_principal()
    try:
        call("points", "cancel_redemption", redemption_id)
    except FengchaoError as refused:
        if refused.status in (401, 404):
            raise
        return render_template("web/voucher.html", redemption=call("points", "get_redemption", redemption_id),
                               error=refused.detail), refused.status
    return redirect(url_for("web.voucher", redemption_id=redemption_id))


@blp.get("/honour-board")
def honour_board() -> ResponseReturnValue:
    require_principal()
    return _board_page({}, None)


def _board_page(errors: dict[str, list[str]], general: str | None, status: int = 200) -> tuple[str, int]:
    period = request.args.get("period", "month")
    return render_template("web/honour_board.html", period=period, errors=errors, general=general,
                           board=call("points", "honour_board", {"period": period}),
                           me=section(lambda: call("points", "account_summary", None))), status


@blp.post("/honour-board/preferences")
def board_preferences() -> ResponseReturnValue:
    """Opt out of the honour board, or choose the name shown on it."""
    require_principal()
    payload = {"show_on_board": forms.boolean(request.form, "show_on_board"),
               "board_name": forms.text(request.form, "board_name")}
    try:
        call("points", "set_preferences", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, ("show_on_board", "board_name"))
        return _board_page(errors, general, refused.status)
    return redirect(url_for("web.honour_board", saved=1))
