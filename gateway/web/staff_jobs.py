"""Staff and employers: post jobs and manage them (draft → open → close), and see who applied."""

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
from services.jobs.contracts.messages import FAIR_KINDS, JOB_TYPES, PAY_PERIODS

POST_FIELDS = ("employer_id", "title", "job_type", "pay_amount", "pay_period", "headcount", "description", "area",
               "required_skills")


@blp.get("/staff/posts")
def staff_posts() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES, "employer")
    return _posts_page({}, {}, None)


def _posts_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                status: int = 200) -> tuple[str, int]:
    return render_template("web/staff_posts.html",
                           posts=call("jobs", "list_posts", {"after": request.args.get("after")}),
                           employers=call("jobs", "list_employers"), skills=call("jobs", "list_skills"),
                           job_types=JOB_TYPES, pay_periods=PAY_PERIODS, values=values, errors=errors,
                           general=general), status


@blp.post("/staff/posts")
def create_post() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES, "employer")
    form = request.form
    payload = forms.compact({
        "employer_id": forms.text(form, "employer_id") or "", "title": forms.text(form, "title") or "",
        "job_type": forms.text(form, "job_type") or "", "pay_amount": forms.integer(form, "pay_amount"),
        "pay_period": forms.text(form, "pay_period") or "", "headcount": forms.integer(form, "headcount"),
        "description": forms.text(form, "description"), "area": forms.text(form, "area"),
        "required_skills": [s for s in form.getlist("required_skills") if s],
    })
    try:
        created = call("jobs", "create_post", payload)
        if forms.boolean(form, "open_now"):
            call("jobs", "open_post", created["id"])
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, POST_FIELDS)
        values = {**form.to_dict(), "required_skills": form.getlist("required_skills")}
        return _posts_page(values, errors, general, refused.status)
    return redirect(url_for("web.staff_posts"))


@blp.post("/staff/posts/<post_id>/<action>")
def change_post(post_id: str, action: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES, "employer")
    try:
        if action == "open":
            call("jobs", "open_post", post_id)
        elif action == "close":
            call("jobs", "close_post", post_id, forms.compact({"reason": forms.text(request.form, "reason")}))
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return _posts_page({}, {}, forms.field_errors(refused)[1], refused.status)
    return redirect(url_for("web.staff_posts"))


@blp.get("/staff/posts/<post_id>/applications")
def post_applications(post_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES, "employer")
    return render_template("web/staff_post_applications.html", post=call("jobs", "get_post", post_id),
                           applications=call("jobs", "list_applications",
                                             {"post_id": post_id, "after": request.args.get("after")}),
                           candidates=call("jobs", "recommend_candidates", post_id, {"limit": 10}))


@blp.post("/staff/applications/<application_id>")
def move_application(application_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES, "employer")
    post_id = request.form.get("post_id", "")
    try:
        call("jobs", "transition_application", application_id, forms.compact({
            "status": forms.text(request.form, "status") or "", "reason": forms.text(request.form, "reason")}))
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return render_template("web/staff_post_applications.html", post=call("jobs", "get_post", post_id),
                               applications=call("jobs", "list_applications",
                                                 {"post_id": post_id, "after": request.args.get("after")}),
                               candidates=call("jobs", "recommend_candidates", post_id, {"limit": 10}),
                               general=forms.field_errors(refused)[1]), refused.status
    return redirect(url_for("web.post_applications", post_id=post_id))


# --- job fairs ------------------------------------------------------------------------------------

FAIR_FIELDS = ("title", "kind", "starts_at", "ends_at", "venue", "online_url", "capacity", "description")


@blp.get("/staff/fairs")
def staff_fairs() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _fairs_page({}, {}, None)


def _fairs_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                status: int = 200) -> tuple[str, int]:
    return render_template("web/staff_fairs.html", fairs=call("jobs", "list_fairs", {"when": "all"}),
                           kinds=FAIR_KINDS, values=values, errors=errors, general=general), status


@blp.post("/staff/fairs")
def create_fair() -> ResponseReturnValue:
    """Organise a fair and (by default) publish it so that residents can pre-register."""
    require_principal(*STAFF_ROLES)
    form = request.form
    payload = forms.compact({
        "title": forms.text(form, "title") or "", "kind": forms.text(form, "kind") or "",
        "starts_at": forms.local_datetime(form, "starts_at") or "",
        "ends_at": forms.local_datetime(form, "ends_at") or "",
        "venue": forms.text(form, "venue"), "online_url": forms.text(form, "online_url"),
        "capacity": forms.integer(form, "capacity"), "description": forms.text(form, "description"),
        "audience_everyone": forms.boolean(form, "audience_everyone"),
    })
    try:
        fair = call("jobs", "create_fair", payload)
        if forms.boolean(form, "publish"):
            call("jobs", "publish_fair", fair["id"])
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, FAIR_FIELDS)
        return _fairs_page(form.to_dict(), errors, general, refused.status)
    return redirect(url_for("web.staff_fairs"))


# --- a fair's booths: employers and the posts they bring --------------------------------------------

BOOTH_FIELDS = ("employer_id", "post_ids", "booth")


@blp.get("/staff/fairs/<fair_id>")
def staff_fair(fair_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _fair_admin(fair_id, {}, {}, None)


def _fair_admin(fair_id: str, values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                status: int = 200) -> tuple[str, int]:
    employers = call("jobs", "list_employers")["items"]
    names = {e["id"]: e["name"] for e in employers}
    posts = call("jobs", "list_posts", {"status": "open", "limit": 200})["items"]
    return render_template("web/staff_fair.html", fair=call("jobs", "get_fair", fair_id), employers=employers,
                           posts=posts, names=names, outcome=section(lambda: call("jobs", "fair_outcome", fair_id)),
                           values=values, errors=errors, general=general), status


@blp.post("/staff/fairs/<fair_id>/booths")
def add_fair_booth(fair_id: str) -> ResponseReturnValue:
    """An employer's booth with the open posts it brings; adding again adds posts to the same booth."""
    require_principal(*STAFF_ROLES)
    form = request.form
    employer_id = forms.text(form, "employer_id") or ""
    payload = forms.compact({"employer_id": employer_id, "booth": forms.text(form, "booth"),
                             "post_ids": [p for p in form.getlist("post_ids") if p]})
    try:
        call("jobs", "add_fair_booth", fair_id, payload)
    except FengchaoError as refused:
        if refused.status in (401, 404):
            raise
        errors, general = forms.field_errors(refused, BOOTH_FIELDS)
        values = {**form.to_dict(), "post_ids": form.getlist("post_ids")}
        return _fair_admin(fair_id, values, errors, general, refused.status)
    return redirect(url_for("web.staff_fair", fair_id=fair_id))
