"""Staff: write and publish courses, schedule classes (a weekly series) with their mentor, reach each
meeting's rotating attendance QR code from the course page, keep mentors' profiles, and enter exam scores
on a class's roster (the class's mentor may too)."""

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
from services.training.contracts.messages import COURSE_FORMATS as FORMATS
from services.training.contracts.messages import COURSE_KINDS as KINDS

COURSE_FIELDS = ("title", "kind", "category_id", "format", "description")
SESSION_FIELDS = ("label", "mentor_id", "venue", "capacity", "enrol_opens_at", "enrol_closes_at", "series", "meetings")


@blp.get("/staff/courses")
def staff_courses() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _courses_page({}, {}, None)


def _courses_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                  status: int = 200) -> tuple[str, int]:
    return render_template("web/staff_courses.html", courses=call("training", "list_courses", {}),
                           categories=call("training", "list_categories"), kinds=KINDS, formats=FORMATS,
                           values=values, errors=errors, general=general), status


@blp.post("/staff/courses")
def create_course() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
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
def staff_course(course_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _course_admin(course_id, {}, None)


def _course_admin(course_id: str, errors: dict[str, list[str]], general: str | None,
                  values: dict[str, Any] | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("web/staff_course.html", course=call("training", "get_course", course_id),
                           sessions=call("training", "list_sessions", course_id), values=values or {},
                           mentors=section(lambda: call("training", "list_mentors")),
                           errors=errors, general=general), status


@blp.post("/staff/courses/<course_id>/sessions")
def schedule_session(course_id: str) -> ResponseReturnValue:
    """A class: a weekly series of meetings (first meeting, length, how many), venue, places, enrolment window."""
    require_principal(*STAFF_ROLES)
    form = request.form
    payload = forms.compact({
        "label": forms.text(form, "label") or "", "venue": forms.text(form, "venue"),
        "mentor_id": forms.text(form, "mentor_id"),
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
def close_session(session_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    course_id = request.form.get("course_id", "")
    try:
        call("training", "close_session", session_id)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return _course_admin(course_id, {}, forms.field_errors(refused)[1], status=refused.status)
    return redirect(url_for("web.staff_course", course_id=course_id))


# --- mentors ---------------------------------------------------------------------------------------------

MENTOR_FIELDS = ("user_id", "display_name", "title", "organisation", "specialties", "bio")


@blp.get("/staff/mentors")
def staff_mentors() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _mentors_page({}, {}, None)


def _mentors_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                  status: int = 200) -> tuple[str, int]:
    return render_template("web/staff_mentors.html", mentors=call("training", "list_mentors"), values=values,
                           errors=errors, general=general), status


@blp.post("/staff/mentors")
def create_mentor() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    form = request.form
    specialties = [s.strip() for s in (form.get("specialties") or "").replace("，", ",").replace("、", ",").split(",")]
    payload = forms.compact({
        "user_id": forms.text(form, "user_id") or "", "display_name": forms.text(form, "display_name") or "",
        "title": forms.text(form, "title"), "organisation": forms.text(form, "organisation"),
        "specialties": [s for s in specialties if s], "bio": forms.text(form, "bio"),
        "share_with_all": forms.boolean(form, "share_with_all")})
    try:
        call("training", "create_mentor", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, MENTOR_FIELDS)
        return _mentors_page(form.to_dict(), errors, general, refused.status)
    return redirect(url_for("web.staff_mentors"))


# --- a class's roster and exam scores --------------------------------------------------------------------


@blp.get("/staff/sessions/<session_id>/roster")
def session_roster(session_id: str) -> ResponseReturnValue:
    """The roster (host staff and the class's own mentor; the service decides) with exam scores."""
    require_principal(*STAFF_ROLES, "mentor")
    return _roster_page(session_id, None, {}, None)


def _roster_page(session_id: str, failed: str | None, errors: dict[str, list[str]], general: str | None,
                 status: int = 200) -> tuple[str, int]:
    cohort = call("training", "get_session", session_id)
    return render_template("web/staff_roster.html", cohort=cohort,
                           course=call("training", "get_course", cohort["course_id"]),
                           roster=call("training", "roster", session_id, {"after": request.args.get("after")}),
                           failed=failed, errors=errors,
                           general=general, saved=request.args.get("saved")), status


@blp.post("/staff/enrolments/<enrolment_id>/exam-score")
def set_exam_score(enrolment_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES, "mentor")
    session_id = request.form.get("session_id", "")
    try:
        call("training", "set_exam_score", enrolment_id, {"score": forms.integer(request.form, "score")})
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, ("score",))
        return _roster_page(session_id, enrolment_id, errors, general, refused.status)
    return redirect(url_for("web.session_roster", session_id=session_id, saved=enrolment_id))
