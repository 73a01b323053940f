"""Pieces every nameko service class is built from."""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any

from nameko.exceptions import deserialize_to_instance

from services.common.entrypoints import rpc
from services.common.errors import ALL_ERRORS, REMOTE_ERRORS
from services.common.context import CallContext
from services.common.metrics import ServiceMetrics
from services.common.personal_data import check_pseudonym, require_self_or_officer

# Errors raised on purpose are logged as warnings by nameko, not as crashes.
EXPECTED_ERRORS = ALL_ERRORS

# nameko rebuilds a registered error as its own class on the calling side (a service's RPC client,
# the test suite's proxies); the gateway does the same from ALL_ERRORS without nameko.
for _error in REMOTE_ERRORS:
    deserialize_to_instance(_error)


class HealthEntrypoints:
    """Mixed into every service: `ping` answers without a tenant and checks the
    service's database, so the gateway's /readyz means "can do work"."""

    name: str
    db: Any  # the service's Database dependency (a WorkerDatabase in a worker)
    metrics = ServiceMetrics()  # RPC, event and timer workers counted and timed; outbox backlog; /metrics

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def ping(self) -> dict[str, str]:
        self.db.check_connection()
        return {"service": self.name, "status": "ok"}


class PersonalDataEntrypoints:
    """Mixed into every service: one person's export and erasure (docs/privacy.md), for the person or staff
    of the tenant, through the gateway. `personal_data` is the service's own module listing the tables that
    hold something about a person (`export` and `erase` over them)."""

    personal_data: ModuleType
    db: Any  # the service's Database dependency (a WorkerDatabase in a worker)
    ctx: CallContext

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def export_person(self, user_id: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            found: dict[str, Any] = self.personal_data.export(
                session=tx.session, user_id=require_self_or_officer(self.ctx, user_id))
            return found

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def erase_person(self, user_id: str, pseudonym: str) -> dict[str, Any]:
        def elsewhere(tenant_id: str) -> AbstractContextManager[Any]:
            # shared rows about the person that another tenant owns
            crossing: AbstractContextManager[Any] = self.db.write_in_tenant(
                tenant_id, reason="erasure the person asked for in their community")
            return crossing

        with self.db.transaction() as tx:
            changed: dict[str, Any] = self.personal_data.erase(
                session=tx.session, user_id=require_self_or_officer(self.ctx, user_id),
                pseudonym=check_pseudonym(pseudonym), other_tenant=elsewhere)
            return changed
