"""Staff: write and publish courses, schedule classes (a weekly series), and reach each meeting's
rotating attendance QR code from the course page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from services.common.errors import FengchaoError
from services.training.schemas import FORMATS, KINDS

COURSE_FIELDS = ("title", "kind", "category_id", "format", "description")
SESSION_FIELDS = ("label", "venue", "capacity", "enrol_opens_at", "enrol_closes_at", "series", "meetings")


@blp.get("/staff/courses")
def staff_courses():
    require_principal("staff", "tenant_admin")
    return _courses_page({}, {}, None)


def _courses_page(values: dict, errors: dict, general: str | None, status: int = 200):
    return render_template("web/staff_courses.html", courses=call("training", "list_courses", {}),
                           categories=call("training", "list_categories"), kinds=KINDS, formats=FORMATS,
                           values=values, errors=errors, general=general), status


@blp.post("/staff/courses")
def create_course():
    require_principal("staff", "tenant_admin")
    form = request.form
    payload = forms.compact({name: forms.text(form, name) for name in COURSE_FIELDS})
    payload.setdefault("title", "")
    payload.setdefault("kind", "")
    try:
        course = call("training", "create_course", payload)
        if forms.boolean(form, "publish"):
            call("training", "publish_course", course["id"], {"everyone": forms.boolean(form, "everyone")})
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, COURSE_FIELDS)
        return _courses_page(form.to_dict(), errors, general, refused.status)
    return redirect(url_for("web.staff_course", course_id=course["id"]))


@blp.get("/staff/courses/<course_id>")
def staff_course(course_id: str):
    require_principal("staff", "tenant_admin")
    return _course_admin(course_id, {}, None)


def _course_admin(course_id: str, errors: dict, general: str | None, values: dict | None = None, status: int = 200):
    return render_template("web/staff_course.html", course=call("training", "get_course", course_id),
                           sessions=call("training", "list_sessions", course_id), values=values or {},
                           errors=errors, general=general), status


@blp.post("/staff/courses/<course_id>/sessions")
def schedule_session(course_id: str):
    """A class: a weekly series of meetings (first meeting, length, how many), venue, places, enrolment window."""
    require_principal("staff", "tenant_admin")
    form = request.form
    payload = forms.compact({
        "label": forms.text(form, "label") or "", "venue": forms.text(form, "venue"),
        "capacity": forms.integer(form, "capacity"),
        "enrol_opens_at": forms.local_datetime(form, "enrol_opens_at") or "",
        "enrol_closes_at": forms.local_datetime(form, "enrol_closes_at") or "",
        "series": forms.compact({"first_starts_at": forms.local_datetime(form, "first_starts_at") or "",
                                 "duration_minutes": forms.integer(form, "duration_minutes"),
                                 "count": forms.integer(form, "count"), "every_days": 7}),
    })
    try:
        call("training", "create_session", course_id, payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, SESSION_FIELDS)
        return _course_admin(course_id, errors, general, form.to_dict(), refused.status)
    return redirect(url_for("web.staff_course", course_id=course_id))


@blp.post("/staff/sessions/<session_id>/close")
def close_session(session_id: str):
    require_principal("staff", "tenant_admin")
    course_id = request.form.get("course_id", "")
    try:
        call("training", "close_session", session_id)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return _course_admin(course_id, {}, forms.field_errors(refused)[1], status=refused.status)
    return redirect(url_for("web.staff_course", course_id=course_id))
