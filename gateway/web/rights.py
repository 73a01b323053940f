"""The labour-rights desk (维权服务台): a resident asks for help and follows their case. Confidential:
the service decides who sees what and logs every look."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.auth import require_principal
from gateway.services import call
from gateway.web import blp, forms
from services.common.errors import FengchaoError
from services.jobs.contracts.messages import CASE_CATEGORIES

CASE_FIELDS = ("category", "summary", "contact_phone")


@blp.get("/rights")
def rights() -> ResponseReturnValue:
    require_principal()
    return _rights_page({}, {}, None)


def _rights_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                 status: int = 200) -> tuple[str, int]:
    return render_template("web/rights.html", cases=call("jobs", "list_rights_cases", {}),
                           categories=CASE_CATEGORIES, values=values, errors=errors, general=general), status


@blp.post("/rights")
def open_rights_case() -> ResponseReturnValue:
    require_principal()
    payload = forms.compact({"category": forms.text(request.form, "category") or "",
                             "summary": forms.text(request.form, "summary") or "",
                             "contact_phone": forms.text(request.form, "contact_phone")})
    try:
        case = call("jobs", "open_rights_case", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, CASE_FIELDS)
        return _rights_page(request.form.to_dict(), errors, general, refused.status)
    return redirect(url_for("web.rights_case", case_id=case["id"]))


@blp.get("/rights/<case_id>")
def rights_case(case_id: str) -> ResponseReturnValue:
    require_principal()
    return render_template("web/rights_case.html", case=call("jobs", "get_rights_case", case_id))
