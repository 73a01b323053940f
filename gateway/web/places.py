"""Service points and rest stops (暖蜂驿站): for residents, and public without sign-in."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request
from flask.typing import ResponseReturnValue

from gateway import db, messages
from gateway.auth import preferred_locale, require_principal
from gateway.models import Tenant
from gateway.services import call, pool
from gateway.web import blp, plan
from services.common.context import CallContext
from services.common.errors import NotFound
from services.governance.contracts.messages import AMENITIES
from services.governance.contracts.messages import ASSET_KINDS as KINDS


def _query() -> tuple[dict[str, Any], tuple[float, float] | None]:
    """The map's filters from the query string, passed on for the service to validate."""
    query: dict[str, Any] = {"amenity": [a for a in request.args.getlist("amenity") if a]}
    if kind := request.args.get("kind"):
        query["kind"] = kind
    if request.args.get("open_now") in ("1", "on", "true"):
        query["open_now"] = True
    here = None
    try:
        lat, lng = float(request.args["near_lat"]), float(request.args["near_lng"])
        query.update(near_lat=lat, near_lng=lng)
        here = (lat, lng)
    except (KeyError, ValueError):
        pass
    return query, here


def _render(found: dict[str, Any], here: tuple[float, float] | None, community: str | None) -> str:
    markers, me = plan.place(found["items"], here=here)
    return render_template("web/places.html", places=found["items"], markers=markers, me=me,
                           amenities=AMENITIES, kinds=KINDS, community=community,
                           chosen=set(request.args.getlist("amenity")), args=request.args)


@blp.get("/places")
def places() -> ResponseReturnValue:
    require_principal()
    query, here = _query()
    return _render(call("governance", "list_assets", query), here, None)


@blp.get("/public/<community>/rest-stops")
def public_places(community: str) -> ResponseReturnValue:
    """No sign-in: the same listing the public API gives (GET /api/v1/governance/public/…/assets)."""
    if db.session().get(Tenant, community) is None:
        raise NotFound(messages.NO_SUCH_COMMUNITY, {"community": community})
    query, here = _query()
    context = CallContext(tenant_id=community, roles=frozenset({"public"}), locale=preferred_locale(),
                          request_id=g.request_id)
    found = pool().call("governance", "list_assets", query, context_data=context.to_context_data())
    return _render(found, here, community)
