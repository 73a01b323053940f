"""Public pages, no sign-in: certificate verification (what a certificate's QR code opens)."""

from __future__ import annotations

from flask import g, render_template, request
from flask.typing import ResponseReturnValue

from gateway.services import pool
from gateway.web import blp, forms
from services.common.errors import FengchaoError


@blp.get("/verify")
@blp.get("/verify/<code>")
def verify(code: str | None = None) -> ResponseReturnValue:
    """Type a certificate code, or arrive from its QR code (`/web/verify/<code>` or `?code=`)."""
    code = (code or request.args.get("code") or "").strip()
    errors: dict[str, list[str]]
    result, errors, general, status = None, {}, None, 200
    if code:
        try:
            # Like GET /api/v1/training/certificates/verify/<code>: no principal, so no tenant; the
            # service reads only its public register for this call.
            result = pool().call("training", "verify_certificate", code, context_data={"request_id": g.request_id})
        except FengchaoError as refused:
            errors, general = forms.field_errors(refused, ("code",))
            status = refused.status
    return render_template("web/verify.html", code=code, result=result, errors=errors, general=general,
                           status=status), status
