"""Community assets on the party-mass service map (党群服务一张图): service centres,
stations and courier rest stops (暖蜂驿站), with coordinates, opening hours, amenities
and the project that looks after each.

The listing is public — a courier on a round needs water or a microwave without
signing up — and filterable by amenity and by open-now (community time, UTC+8).
A community may share an asset with every community (`share_with_all`), so the
courier sees the rest stop across the street that belongs to the next community.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.access import get_or_404, require_staff
from services.common.context import CallContext
from services.common.database import Shareable, utcnow
from services.common.errors import Forbidden, ValidationFailed
from services.governance.contracts.messages import (
    ASSET_NOT_FOUND,
    NO_SUCH_PROJECT,
    NOTHING_TO_CHANGE,
    OWNER_CHANGES_ONLY,
)
from services.governance.models import Asset, Project
from services.governance.projects import LOCAL


def create(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> Asset:
    require_staff(ctx)
    data = dict(data)
    share = data.pop("share_with_all", False)
    _check_project(session, data.get("project_id"))
    asset = Asset(audience=Shareable.audience_for(None, everyone=share), **data)
    session.add(asset)
    session.flush()
    return asset


def update(*, session: Session, ctx: CallContext, asset_id: str, changes: dict[str, Any]) -> Asset:
    require_staff(ctx)
    asset = get_or_404(session, Asset, asset_id, ASSET_NOT_FOUND)
    if asset.tenant_id != ctx.tenant:
        raise Forbidden(OWNER_CHANGES_ONLY)
    if not changes:
        raise ValidationFailed.from_messages({"_schema": [NOTHING_TO_CHANGE]})
    changes = dict(changes)
    if "share_with_all" in changes:
        asset.audience = Shareable.audience_for(None, everyone=changes.pop("share_with_all"))
    if "project_id" in changes:
        _check_project(session, changes["project_id"])
    for key, value in changes.items():
        setattr(asset, key, value)
    session.flush()
    return asset


def get(*, session: Session, asset_id: str) -> Asset:
    return get_or_404(session, Asset, asset_id, ASSET_NOT_FOUND)


def search(*, session: Session, kind: str | None = None, amenity: list[str] | None = None, open_now: bool = False,
           near_lat: float | None = None, near_lng: float | None = None, include_inactive: bool = False,
           now: datetime | None = None) -> list[Asset]:
    """Assets of the community and those shared with it. Amenities are ANDed; the
    opening-hours test runs in Python because it is a weekly calendar, and a
    community has tens of assets, not thousands."""
    now = now or utcnow()
    query = select(Asset).order_by(Asset.name)
    if kind:
        query = query.where(Asset.kind == kind)
    if not include_inactive:
        query = query.where(Asset.active.is_(True))
    found = [a for a in session.scalars(query) if set(amenity or ()) <= set(a.amenities)]
    if open_now:
        found = [a for a in found if is_open(a, now)]
    if near_lat is not None and near_lng is not None:
        found.sort(key=lambda a: distance_km(near_lat, near_lng, a.lat, a.lng))
    return found


def is_open(asset: Asset, now: datetime) -> bool:
    """Open-now in community time; `open_24h` means always open."""
    if "open_24h" in asset.amenities:
        return True
    local = now.astimezone(LOCAL)
    weekday, hhmm = local.isoweekday(), local.strftime("%H:%M")
    return any(w["weekday"] == weekday and w["open"] <= hhmm < w["close"] for w in asset.opening_hours)


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def view(*, session: Session, assets: list[Asset], now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or utcnow()
    project_ids = {a.project_id for a in assets if a.project_id}
    titles = dict(session.execute(select(Project.id, Project.title).where(Project.id.in_(project_ids))).all()) \
        if project_ids else {}
    return [{**{c.key: getattr(a, c.key) for c in Asset.__table__.columns if c.key != "audience"},
             "project_title": titles.get(a.project_id), "shared_with_all": a.audience == "*",
             "open_now": is_open(a, now)} for a in assets]


def _check_project(session: Session, project_id: str | None) -> None:
    if project_id and session.get(Project, project_id) is None:
        raise ValidationFailed.from_messages({"project_id": [NO_SUCH_PROJECT]})
