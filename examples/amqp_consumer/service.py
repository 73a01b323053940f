"""A partner's nameko service that consumes its tenant's Fengchao (蜂巢) events from the partner exchange.

    AMQP_URI=amqp://fengchao-partner-xiangyang:<password>@broker:5672/ PARTNER_TENANT=xiangyang \
        nameko run --config examples/amqp_consumer/config.yaml examples.amqp_consumer.service

The broker user (made by `python -m services.common.partners create-broker-user --tenant xiangyang`) may only
bind keys that start with `xiangyang.`, and only declare queues named `partner-xiangyang.*`.
Delivery is at least once: the service handles each CloudEvent id once.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from kombu import Exchange, Queue
from kombu.serialization import register
from nameko.messaging import consume

TENANT = os.environ.get("PARTNER_TENANT", "xiangyang")
HANDLED_FILE = Path(os.environ.get("PARTNER_EVENTS_FILE", f"partner-{TENANT}-events.jsonl"))

# Bound to, never declared: the partner user may not configure the platform's exchange.
EXCHANGE = Exchange("fengchao.partners", type="topic", durable=True, no_declare=True)
QUEUE = Queue(f"partner-{TENANT}.events", exchange=EXCHANGE, routing_key=f"{TENANT}.#", durable=True)

# Events arrive as structured CloudEvents (content type application/cloudevents+json); config.yaml accepts it.
register("cloudevents", lambda obj: json.dumps(obj, ensure_ascii=False), lambda text: json.loads(text),
         content_type="application/cloudevents+json", content_encoding="utf-8")


class Ledger:
    """Which events were handled, kept in a JSON-lines file so a restart still knows them. A real partner
    keeps this in its database: the event id as a unique key, committed together with the effect."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        self.handled: set[str] = set()
        if path.exists():
            self.handled = {json.loads(line)["id"] for line in path.read_text().splitlines() if line.strip()}

    def first(self, envelope: dict) -> bool:
        """True once per event id: the caller then acts on it."""
        with self.lock:
            if envelope["id"] in self.handled:
                return False
            self.handled.add(envelope["id"])
            with self.path.open("a") as out:
                out.write(json.dumps({"id": envelope["id"], "type": envelope["type"], "received_at": time.time(),
                                      "tenantid": envelope["tenantid"], "subject": envelope.get("subject")},
                                     ensure_ascii=False) + "\n")
            return True


LEDGER = Ledger(HANDLED_FILE)


class PartnerEvents:
    name = f"partner_{TENANT.replace('-', '_')}_events"

    @consume(QUEUE)
    def on_event(self, envelope: dict) -> None:
        if not LEDGER.first(envelope):
            return  # delivered again (at least once): already handled
        print(f"{envelope['type']} {envelope['id']} subject={envelope.get('subject')}", flush=True)
