"""The outbox relay: publishes committed outbox rows to RabbitMQ, at least once.

A row is marked published only after the broker confirmed it (publisher
confirms), inside the same database transaction that selected it. If the
process dies after publishing and before that commit, the rows are published
again on restart: consumers are idempotent by event id (`Transaction.first_delivery`).
If it dies before publishing, nothing was lost: the rows are still unpublished.

Run: `python -m services.common.relay jobs training governance points gateway` (the default: all five).
The gateway's outbox holds identity events (gateway/identity_events.py), published to
`identity.events`, internal only.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import threading
from typing import Any

from amqp.exceptions import AMQPError
from kombu import Connection, Exchange, Producer
from kombu.exceptions import OperationalError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common import config, partners, reconnect
from services.common.database import make_engine, utcnow
from services.common.logging import configure as configure_logging
from services.common.logging import get_logger

log = get_logger(__name__)

BROKER_ERRORS = (OSError, AMQPError, OperationalError)


# Fault-injection point for the crash tests: the process exits right after the
# broker confirmed a batch and before the rows are marked published. Never set
# outside tests.
FAULT_ENV = "FENGCHAO_RELAY_FAULT"


def event_exchange(service: str) -> Exchange:
    # Same declaration as nameko's EventHandler uses, or the broker refuses it.
    return Exchange(f"{service}.events", type="topic", durable=True, delivery_mode=2)


def nameko_headers(context_headers: dict[str, Any]) -> dict[str, Any]:
    return {f"nameko.{key}": value for key, value in context_headers.items() if value is not None}


# Components whose outbox is not a service's: the database component → (outbox model, event source).
# The gateway's identity events are internal: never sent to partners.
NON_SERVICE_OUTBOXES = {"gateway": ("gateway.models:IdentityOutbox", "identity")}
COMPONENTS = (*config.SERVICE_NAMES, *NON_SERVICE_OUTBOXES)


def outbox_model(component: str) -> tuple[Any, str]:
    """The outbox model of a component's database and the event source its rows are published as."""
    if component in NON_SERVICE_OUTBOXES:
        path, source = NON_SERVICE_OUTBOXES[component]
        module, name = path.split(":")
        return getattr(importlib.import_module(module), name), source
    return importlib.import_module(f"services.{component}.models").Base.Outbox, component


class ServiceOutbox:
    """The outbox of one component's database: a service's, or the gateway's identity outbox."""

    def __init__(self, service: str, owner_url: str, batch_size: int):
        self.model, self.source = outbox_model(service)
        self.service = service
        # The relay reads every tenant's rows, so it connects as the owner
        # (row-level security binds only the app role).
        self.engine = make_engine(owner_url, pool_size=2)
        self.batch_size = batch_size
        self.exchange = event_exchange(self.source)
        self.to_partners = service not in NON_SERVICE_OUTBOXES
        self.partner_exchange = partners.partner_exchange()

    def relay_batch(self, producer: Producer) -> int:
        """Publish one batch; returns how many rows were published."""
        outbox = self.model
        with Session(self.engine) as session, session.begin():
            query = select(outbox).where(outbox.published_at.is_(None)).order_by(outbox.seq).limit(self.batch_size)
            if self.engine.dialect.name == "postgresql":
                # Several relays may run; each takes rows no other one holds.
                query = query.with_for_update(skip_locked=True)
            rows = session.scalars(query).all()
            if not rows:
                return 0
            for row in rows:
                producer.publish(
                    row.envelope,
                    exchange=self.exchange,
                    routing_key=row.event_type,
                    headers=nameko_headers(row.headers),
                    serializer="json",
                    delivery_mode=2,
                    message_id=row.event_id,
                    declare=[self.exchange],
                    retry=False,
                )
                # The same CloudEvent for partners, keyed `<tenant>.<service>.<event>`; without the
                # internal call context (user ids and roles stay inside the platform).
                if not self.to_partners or not partners.for_partners(self.service, row.event_type):
                    continue
                producer.publish(
                    json.dumps(row.envelope, ensure_ascii=False).encode(),
                    exchange=self.partner_exchange,
                    routing_key=partners.routing_key(tenant_id=row.tenant_id, service=self.service,
                                                     event=row.event_type),
                    content_type=partners.CLOUDEVENTS_CONTENT_TYPE,
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=row.event_id,
                    declare=[self.partner_exchange],
                    retry=False,
                )
            if os.environ.get(FAULT_ENV) == "exit_after_publish":
                log.warning("relay.fault_injected", fault="exit_after_publish", rows=len(rows))
                os._exit(137)
            session.execute(
                update(outbox).where(outbox.seq.in_([r.seq for r in rows])).values(published_at=utcnow())
            )
            return len(rows)

    def backlog(self) -> int:
        from sqlalchemy import func

        with Session(self.engine) as session:
            waiting = session.scalar(select(func.count()).select_from(self.model)
                                     .where(self.model.published_at.is_(None)))
            return int(waiting or 0)


class Relay:
    def __init__(self, services: list[str], amqp_uri: str | None = None, poll_interval: float | None = None):
        self.amqp_uri = amqp_uri or config.get("AMQP_URI")
        self.poll_interval = poll_interval if poll_interval is not None else config.get_float("RELAY_POLL_INTERVAL")
        batch = config.get_int("RELAY_BATCH_SIZE")
        self.outboxes = [ServiceOutbox(s, config.database_url(s), batch) for s in services]
        self.stopping = threading.Event()

    def run(self) -> None:
        log.info("relay.started", services=[o.service for o in self.outboxes])
        while not self.stopping.is_set():
            try:
                connection = self._connect()
            except reconnect.Stopped:
                break
            try:
                with connection:
                    self._pump(Producer(connection.channel()))
            except Exception as exc:  # the broker went away mid-batch: nothing is lost, reconnect
                log.warning("relay.connection_lost", error=repr(exc))
                self.stopping.wait(reconnect.FIRST_WAIT)
        log.info("relay.stopped")

    def _connect(self) -> Connection:
        return reconnect.connect(lambda: Connection(self.amqp_uri, transport_options={
            "confirm_publish": True,
            "client_properties": {"connection_name": f"fengchao-relay pid={os.getpid()}"},
        }), stopping=self.stopping, event="relay.retrying")

    def _pump(self, producer: Producer) -> None:
        while not self.stopping.is_set():
            published = 0
            for outbox in self.outboxes:
                try:
                    published += outbox.relay_batch(producer)
                except BROKER_ERRORS:
                    raise  # the broker connection: reconnect in run()
                except Exception as exc:
                    # One service's database being away must not hold up the others' events.
                    log.warning("relay.outbox_unavailable", service=outbox.service, error=repr(exc))
            if published:
                log.debug("relay.published", count=published)
            else:
                self.stopping.wait(self.poll_interval)

    def stop(self, *_args: Any) -> None:
        self.stopping.set()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Publish the services' outbox events to RabbitMQ.")
    parser.add_argument("services", nargs="*", default=list(COMPONENTS))
    args = parser.parse_args(argv)
    configure_logging("relay")
    relay = Relay(args.services)
    signal.signal(signal.SIGTERM, relay.stop)
    signal.signal(signal.SIGINT, relay.stop)
    relay.run()


if __name__ == "__main__":
    main()
