"""The governance nameko service: entrypoints only; rules live in the domain modules."""

from __future__ import annotations

from services.common.context import TenantContext
from services.common.database import Database
from services.common.service import HealthEntrypoints
from services.governance.models import Base


class GovernanceService(HealthEntrypoints):
    name = "governance"

    ctx = TenantContext()
    db = Database(Base)
