"""The webhook worker: consumes the partner exchange, records each event once with a pending delivery per
subscription that wants it, and sends due deliveries, signed, with back-off and a dead-letter list.

    python -m gateway.webhooks [--concurrency 16] [--retry-base 10] [--max-attempts 10]

It runs beside the services, never inside them: a slow or dead partner URL delays only its own
deliveries, never the service that produced the event (that service only wrote its outbox row).
Several workers may run: the queue is shared and deliveries are claimed with `SKIP LOCKED` leases.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from kombu.connection import Connection
from kombu.entity import Queue
from kombu.message import Message
from sqlalchemy.orm import sessionmaker

from gateway.webhooks import delivery, signing
from services.common import config, metrics, partners, reconnect
from services.common.database import make_engine
from services.common.logging import configure as configure_logging
from services.common.logging import get_logger

log = get_logger(__name__)

QUEUE = "fengchao.webhooks"
BATCH = 100  # events recorded per transaction
USER_AGENT = "Fengchao-Webhooks/1"


def webhook_queue() -> Queue:
    return Queue(QUEUE, exchange=partners.partner_exchange(), routing_key="#", durable=True)


class WebhookWorker:
    def __init__(self, *, amqp_uri: str, database_url: str, policy: delivery.RetryPolicy, concurrency: int = 16,
                 timeout: float = 10.0, poll_interval: float = 0.2, lease_seconds: float = 60.0):
        self.amqp_uri = amqp_uri
        self.engine = make_engine(database_url, pool_size=concurrency + 2)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        self.policy = policy
        self.concurrency = concurrency
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.stopping = threading.Event()
        self._local = threading.local()

    # --- consuming ------------------------------------------------------------------------

    def consume_forever(self) -> None:
        while not self.stopping.is_set():
            try:
                conn = reconnect.connect(lambda: Connection(self.amqp_uri, heartbeat=20, transport_options={
                    "client_properties": {"connection_name": f"fengchao-webhooks pid={os.getpid()}"}}),
                    stopping=self.stopping, event="webhooks.consumer_retrying")
            except reconnect.Stopped:
                return
            try:
                with conn:
                    self._batch: list[Message] = []
                    with conn.Consumer(webhook_queue(), callbacks=[self._on_message], accept=None,
                                       prefetch_count=BATCH * 2):
                        log.info("webhooks.consuming", queue=QUEUE)
                        while not self.stopping.is_set():
                            try:
                                while len(self._batch) < BATCH:
                                    conn.drain_events(timeout=0.05 if self._batch else 1)
                            except TimeoutError:
                                conn.heartbeat_check()
                            self._flush()
            except Exception as exc:  # broker away: reconnect; unacked messages come back
                log.warning("webhooks.connection_lost", error=repr(exc))
                self.stopping.wait(reconnect.FIRST_WAIT)

    def _on_message(self, _body: object, message: Message) -> None:
        self._batch.append(message)

    def _flush(self) -> None:
        """Record a batch of events in one transaction, then acknowledge them: a crash before the commit
        leaves them unacknowledged, and the broker delivers them again (recording is idempotent)."""
        if not self._batch:
            return
        messages, self._batch = self._batch, []
        with self.factory() as session, session.begin():
            for message in messages:
                try:
                    envelope = json.loads(message.body)
                except ValueError:
                    log.warning("webhooks.undecodable", message_id=message.properties.get("message_id"))
                    continue  # would never decode on redelivery either: acknowledged below
                delivery.record_event(session=session, envelope=envelope)
        for message in messages:
            message.ack()

    # --- sending ----------------------------------------------------------------------------

    def send_forever(self) -> None:
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="webhook-send") as pool:
            while not self.stopping.is_set():
                try:
                    with self.factory() as session, session.begin():
                        jobs = delivery.claim_due(session=session, limit=self.concurrency * 4,
                                                  lease_seconds=self.lease_seconds)
                except Exception as exc:  # database away: wait and try again
                    log.warning("webhooks.claim_failed", error=repr(exc))
                    self.stopping.wait(1.0)
                    continue
                if not jobs:
                    self.stopping.wait(self.poll_interval)
                    continue
                self._send_and_record_all(jobs, pool)

    def _http(self) -> requests.Session:
        if not hasattr(self._local, "http"):
            self._local.http = requests.Session()
            self._local.http.headers["User-Agent"] = USER_AGENT
        http: requests.Session = self._local.http
        return http

    def _send_and_record_all(self, jobs: list[delivery.Job], pool: ThreadPoolExecutor) -> None:
        """Send a claimed batch concurrently, then record every outcome in one transaction."""
        results = list(pool.map(self.send, jobs))
        try:
            with self.factory() as session, session.begin():
                outcomes = [delivery.record_outcome(session=session, delivery_id=job.delivery_id, ok=ok,
                                                    status_code=status_code, error=error, policy=self.policy)
                            for job, (ok, status_code, error) in zip(jobs, results, strict=False)]
        except Exception as exc:  # the leases run out and these deliveries are tried again
            log.warning("webhooks.record_failed", deliveries=len(jobs), error=repr(exc))
            return
        for job, outcome, (_ok, status_code, error) in zip(jobs, outcomes, results, strict=False):
            metrics.record_webhook_delivery(outcome)
            if outcome == delivery.DEAD:
                log.warning("webhooks.dead_letter", delivery_id=job.delivery_id, event_id=job.event_id,
                            status_code=status_code, error=error)

    def send(self, job: delivery.Job) -> tuple[bool, int | None, str | None]:
        body = json.dumps(job.envelope, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": partners.CLOUDEVENTS_CONTENT_TYPE + "; charset=utf-8",
            signing.DELIVERY_HEADER: job.delivery_id,
            signing.EVENT_ID_HEADER: job.event_id,
            **signing.sign(job.secrets, body),
        }
        try:
            response = self._http().post(job.url, data=body, headers=headers, timeout=(3.0, self.timeout),
                                         allow_redirects=False)
        except requests.RequestException as exc:
            return False, None, repr(exc)
        if 200 <= response.status_code < 300:
            return True, response.status_code, None
        return False, response.status_code, response.text[:300]

    # --- running --------------------------------------------------------------------------

    def run(self) -> None:
        log.info("webhooks.started", concurrency=self.concurrency, max_attempts=self.policy.max_attempts)
        consumer = threading.Thread(target=self.consume_forever, name="webhook-consume", daemon=True)
        consumer.start()
        self.send_forever()
        consumer.join(timeout=5)
        self.engine.dispose()
        log.info("webhooks.stopped")

    def stop(self, *_args: object) -> None:
        self.stopping.set()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway.webhooks",
                                     description="Deliver partner events to webhook subscriptions.")
    parser.add_argument("--concurrency", type=int, default=16, help="deliveries sent at once")
    parser.add_argument("--retry-base", type=float, default=delivery.RetryPolicy.base_seconds,
                        help="seconds before the first retry; doubles each time")
    parser.add_argument("--retry-cap", type=float, default=delivery.RetryPolicy.cap_seconds)
    parser.add_argument("--max-attempts", type=int, default=delivery.RetryPolicy.max_attempts,
                        help="attempts before a delivery goes to the dead-letter list")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a partner URL may take to answer")
    args = parser.parse_args(argv)
    configure_logging("webhooks")
    metrics.serve(config.get_int("METRICS_PORT"))
    worker = WebhookWorker(
        amqp_uri=config.get("AMQP_URI"), database_url=config.database_url("gateway"),
        policy=delivery.RetryPolicy(base_seconds=args.retry_base, cap_seconds=args.retry_cap,
                                    max_attempts=args.max_attempts),
        concurrency=args.concurrency, timeout=args.timeout)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.run()
