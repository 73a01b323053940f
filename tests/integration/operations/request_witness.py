"""A test-only service for the operations tests. As a consumer for the request-id test it logs one line
for each `jobs.worker_registered` it handles and writes nothing itself, so the only request id and tenant
on that line are the ones the call context carried from the HTTP request, through the jobs RPC, the outbox
and the relay. For the graceful-shutdown test it has work that takes a while (`linger`)."""

from __future__ import annotations

import time

from nameko.events import event_handler
from nameko.rpc import rpc

from services.common.database import service_base
from services.common.dependencies import Database, TenantContext
from services.common.logging import get_logger
from services.common.service import EXPECTED_ERRORS, HealthEntrypoints

Base = service_base("reqwitness")
log = get_logger(__name__)


class RequestWitness(HealthEntrypoints):
    name = "reqwitness"

    ctx = TenantContext()
    db = Database(Base)

    @event_handler("jobs", "worker_registered")
    def on_worker_registered(self, envelope: dict) -> None:
        log.info("reqwitness.seen", event_id=envelope["id"], worker_id=envelope["data"]["worker_id"])

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def linger(self, seconds: float) -> dict:
        """Work that takes a while, for the graceful-shutdown test."""
        time.sleep(seconds)
        log.info("reqwitness.lingered", seconds=seconds)
        return {"slept": seconds}
