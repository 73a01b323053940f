"""The web client (网页端): server-rendered pages on the gateway's own code paths.

Pages authenticate with the API's tokens (gateway.web.session), reach the
services through gateway.services.call with the same call context, and show
the services' own validation messages beside the fields. All text goes through
the Babel catalogues in gateway/translations (zh_CN first, en).

Registered by the app factory: `app.register_blueprint(web.blp)`.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import Babel
from werkzeug.exceptions import HTTPException

from gateway import words
from gateway.web import forms, i18n, session
from services.common.access import STAFF_ROLES
from services.common.errors import FengchaoError, Unauthenticated

blp = Blueprint("web", __name__, url_prefix="/web")


@blp.record_once
def _install(state: BlueprintSetupState) -> None:
    app = state.app
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    Babel(app, locale_selector=i18n.select_locale)
    app.context_processor(_page_context)
    app.add_template_filter(forms.show_local, "localtime")
    app.add_template_global(words.label, "label")  # label("jobs.case_category", c): an enumerated value's words
    # the header's unread badge: one notifications.unread_count per page, none when it does not answer
    app.add_template_global(notifications.unread_count, "unread_count")


def _page_context() -> dict[str, Any]:
    locale = i18n.select_locale()
    principal = g.get("principal")
    return {
        "html_lang": i18n.HTML_LANG.get(locale, "zh-CN"),
        "locale": locale,
        "other_locale": i18n.other_locale(locale),
        "principal": principal,
        "roles": principal.roles if principal else frozenset(),
        "is_staff": bool(principal and principal.roles & set(STAFF_ROLES)),
        "csrf_token": session.csrf_token,
        "csrf_field": session.CSRF_FIELD,
    }


@blp.before_request
def _before() -> ResponseReturnValue | None:
    session.load_cookie_principal()
    if request.method == "POST" and not session.csrf_ok():
        return render_template("web/error.html", status=400, message_key="csrf"), 400
    return None


@blp.after_request
def _after(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return session.finish(response)


@blp.errorhandler(Unauthenticated)
def _sign_in_first(_error: Unauthenticated) -> ResponseReturnValue:
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


@blp.errorhandler(FengchaoError)
def _service_error(error: FengchaoError) -> ResponseReturnValue:
    words.localize(error)  # the gateway's own refusals too (a service's were worded on arrival)
    return render_template("web/error.html", status=error.status, detail=error.detail,
                           message_key=error.code), error.status


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    # flask hands an HTTP exception without a code back unhandled: here it always has one
    return render_template("web/error.html", status=error.code, detail=error.description,
                           message_key="http"), cast(int, error.code)


@blp.get("/lang/<code>")
def switch_language(code: str) -> ResponseReturnValue:
    """The language switch: remembers the choice for a year and goes back where it was. A signed-in person's
    choice is also kept on their account and announced to every service, so what the platform writes to them
    later (messages, text messages, push) is in that language too."""
    target = request.args.get("next") or url_for("web.home")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("web.home")
    response = redirect(target)
    if code in i18n.LOCALES:
        response.set_cookie(i18n.LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", path="/")
        i18n.remember_for_account(g.get("principal"), code)
    return response


# The page modules register their routes on `blp`.
from gateway.web import (  # noqa: E402,F401
    account,
    attendance,
    community,
    council_sessions,
    desk,
    fairs,
    merchant,
    notifications,
    operator,
    places,
    profile,
    public,
    resident,
    resolutions,
    rights,
    staff,
    staff_jobs,
    staff_points,
    staff_training,
)
