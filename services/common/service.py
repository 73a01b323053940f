"""Pieces every nameko service class is built from."""

from __future__ import annotations

from nameko.rpc import rpc

from services.common.errors import ALL_ERRORS
from services.common.metrics import ServiceMetrics

# Errors raised on purpose are logged as warnings by nameko, not as crashes.
EXPECTED_ERRORS = ALL_ERRORS


class HealthEntrypoints:
    """Mixed into every service: `ping` answers without a tenant and checks the
    service's database, so the gateway's /readyz means "can do work"."""

    name: str
    metrics = ServiceMetrics()  # RPC, event and timer workers counted and timed; outbox backlog; /metrics

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def ping(self) -> dict:
        self.db.check_connection()  # type: ignore[attr-defined]
        return {"service": self.name, "status": "ok"}
