"""The points nameko service: entrypoints only; rules live in the domain modules."""

from __future__ import annotations

from services.common.context import TenantContext
from services.common.database import Database
from services.common.service import HealthEntrypoints
from services.points.models import Base


class PointsService(HealthEntrypoints):
    name = "points"

    ctx = TenantContext()
    db = Database(Base)
