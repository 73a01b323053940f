"""Class attendance by rotating QR code: staff or the mentor show it in the room; residents scan it
(or type the code under it) to check in. The service makes, rotates and checks the token."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from flask import render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from services.common.errors import Conflict, FengchaoError


def read_scan(text: str) -> tuple[str | None, str | None]:
    """(meeting id, token) from what the class QR code carries
    (`fengchao://training/check-in?meeting=…&token=…`); a bare token gives (None, token)."""
    text = (text or "").strip()
    if "?" not in text:
        return None, text or None
    params = parse_qs(urlsplit(text).query)
    none: list[str | None] = [None]
    return (params.get("meeting") or none)[0], (params.get("token") or none)[0]


def seconds_until(moment: str, *, now: datetime | None = None, floor: int = 5, ceiling: int = 60) -> int:
    """How long a screen may show a code before fetching the next one, kept within [floor, ceiling]."""
    now = now or datetime.now(UTC)
    when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(floor, min(ceiling, int((when - now).total_seconds()) + 1))


@blp.get("/staff/meetings/<meeting_id>/qr")
def meeting_qr(meeting_id: str) -> ResponseReturnValue:
    """The code to put on the classroom screen; the page fetches the next one when it rotates."""
    require_principal()
    try:
        code = call("training", "checkin_code", meeting_id)
    except Conflict as not_open:
        # Check-in is not open yet (or any more): the screen says so and looks again in a minute.
        return render_template("web/meeting_qr.html", code=None, svg=None, refresh=60,
                               not_open=not_open.detail), 409
    # The SVG is made by the training service (segno) from its own token: markup we trust.
    return render_template("web/meeting_qr.html", code=code, svg=Markup(code["svg"]),
                           refresh=seconds_until(code["rotates_at"]), not_open=None)


@blp.route("/check-in", methods=["GET", "POST"])
def class_check_in() -> ResponseReturnValue:
    require_principal()
    done, errors, general, status = None, {}, None, 200
    if request.method == "POST":
        meeting_id, token = read_scan(request.form.get("scanned", ""))
        meeting_id = meeting_id or forms.text(request.form, "meeting_id")
        if not meeting_id:
            errors, status = {"scanned": ["—"]}, 422
        else:
            try:
                done = call("training", "check_in", meeting_id, {"token": token or ""})
            except FengchaoError as refused:
                if refused.status == 401:
                    raise
                errors, general = forms.field_errors(refused, ("token",))
                errors = {"scanned": errors.get("token", [])} if errors else {}
                status = refused.status
    return render_template("web/check_in.html", done=done, errors=errors, general=general,
                           meeting_id=request.values.get("meeting_id", "")), status
