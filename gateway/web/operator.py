"""The sub-district operator (街道): every community's figures side by side, from each service's
all-tenant figures call (the services let only the `operator` role read across tenants)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from gateway import db
from gateway.auth import require_principal
from gateway.models import Tenant
from gateway.services import call
from gateway.web import blp
from gateway.web.resident import section


def by_tenant(jobs: dict[str, Any] | None, training: dict[str, Any] | None,
              points: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """tenant id → {"jobs": figures, "training": figures, "points": figures}, each only where the service
    reported that tenant."""
    rows: dict[str, dict[str, Any]] = {}
    for row in (jobs or {}).get("tenants", []):
        rows.setdefault(row["tenant_id"], {})["jobs"] = row["figures"]
    for row in (training or {}).get("tenants", []):
        rows.setdefault(row["tenant_id"], {})["training"] = row
    for row in (points or {}).get("tenants", []):
        rows.setdefault(row["tenant_id"], {})["points"] = row
    return dict(sorted(rows.items()))


@blp.get("/operator/figures")
def operator_figures() -> ResponseReturnValue:
    require_principal("operator")
    jobs = section(lambda: call("jobs", "all_tenant_figures", {}))
    training = section(lambda: call("training", "all_tenant_figures"))
    points = section(lambda: call("points", "figures_all_tenants"))
    with db.session().begin():
        names = {t.id: t.name for t in db.session().scalars(select(Tenant))}
    return render_template("web/operator_figures.html", jobs=jobs, training=training, points=points,
                           rows=by_tenant(jobs["data"], training["data"], points["data"]), names=names)
