"""A map drawn from coordinates alone: no tile server is reachable from the
communities' phones, so service points are placed on a plain SVG plan.

An equirectangular projection is exact enough across a sub-district (a few km):
longitude is scaled by cos(latitude) so that distances look right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str
    number: int
    kind: str


def place(points: list[dict[str, Any]], *, width: int = 320, height: int = 240, margin: int = 18,
          here: tuple[float, float] | None = None) -> tuple[list[Marker], Marker | None]:
    """Markers for `points` (dicts with lat, lng, name, kind) inside a width×height box, north up,
    numbered in the given order; `here` (lat, lng) as an extra marker when given."""
    coords = [(p["lat"], p["lng"]) for p in points if p.get("lat") is not None and p.get("lng") is not None]
    if here is not None:
        coords.append(here)
    if not coords:
        return [], None
    mid_lat = sum(lat for lat, _ in coords) / len(coords)
    shrink = math.cos(math.radians(mid_lat))
    xs = [lng * shrink for _, lng in coords]
    ys = [lat for lat, _ in coords]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1e-3
    scale = min(width - 2 * margin, height - 2 * margin) / span
    x0 = (width - (max(xs) - min(xs)) * scale) / 2
    y0 = (height - (max(ys) - min(ys)) * scale) / 2

    def project(lat: float, lng: float) -> tuple[float, float]:
        return (round(x0 + (lng * shrink - min(xs)) * scale, 1), round(y0 + (max(ys) - lat) * scale, 1))

    markers = []
    for number, p in enumerate(points, start=1):
        if p.get("lat") is None or p.get("lng") is None:
            continue
        x, y = project(p["lat"], p["lng"])
        markers.append(Marker(x, y, p.get("name", ""), number, p.get("kind", "")))
    me = None
    if here is not None:
        x, y = project(*here)
        me = Marker(x, y, "", 0, "here")
    return markers, me
