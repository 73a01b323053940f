"""A consumer for the tests: it records every delivery of `jobs.worker_registered`
and, through the shared idempotent-consumer helper, applies each event's effect once."""

from __future__ import annotations

import time

from nameko.events import event_handler
from nameko.rpc import rpc
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from services.common.database import AutoIncrementId, Shareable, TenantScoped, new_id, service_base
from services.common.dependencies import Database, TenantContext
from services.common.service import EXPECTED_ERRORS, HealthEntrypoints

Base = service_base("witness")


class Delivery(TenantScoped, Base):
    __tablename__ = "deliveries"
    seq: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))


class Effect(TenantScoped, Base):
    __tablename__ = "effects"
    seq: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    worker_id: Mapped[str] = mapped_column(String(36))


class Notice(Shareable, Base):
    """A shareable row, for the row-level-security tests of sharing."""

    __tablename__ = "notices"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(50))


class WitnessService(HealthEntrypoints):
    name = "witness"

    ctx = TenantContext()
    db = Database(Base)

    @event_handler("jobs", "worker_registered", requeue_on_error=True)
    def on_worker_registered(self, envelope: dict) -> None:
        with self.db.transaction() as tx:
            tx.session.add(Delivery(event_id=envelope["id"]))
        with self.db.transaction() as tx:
            if not tx.first_delivery(envelope, consumer="witness.on_worker_registered"):
                return
            tx.session.add(Effect(event_id=envelope["id"], worker_id=envelope["data"]["worker_id"]))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def counts(self, event_id: str) -> dict:
        with self.db.transaction() as tx:
            deliveries = tx.session.scalar(select(func.count()).select_from(Delivery)
                                           .where(Delivery.event_id == event_id))
            effects = tx.session.scalar(select(func.count()).select_from(Effect).where(Effect.event_id == event_id))
            return {"deliveries": deliveries, "effects": effects}

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def sleep(self, seconds: float) -> float:
        time.sleep(seconds)
        return seconds
