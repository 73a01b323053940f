"""Prometheus metrics of a service process.

`metrics = ServiceMetrics()` in a service class (HealthEntrypoints has it, so all
four services do) counts and times every worker — RPC calls, event handlers and
timers — and serves `/metrics` on the process's own port (`METRICS_PORT`; one HTTP
server per process, 0 turns it off). At each scrape it also reads the service's
outbox: how many events wait for the relay, how old the oldest is, and how many
were ever written (its rate is the service's events per second). The outbox is
read from the service's own database, so the backlog alert still fires when
every relay is down — which is when it matters.

Names follow Prometheus conventions: `fengchao_` prefix, `_total` counters,
`_seconds` durations, bounded labels (service, entrypoint, kind, outcome).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import make_server

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer, _SilentHandler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from services.common import config
from services.common.logging import get_logger

log = get_logger(__name__)

# Seconds; covers a 2 ms ping up to an RPC that hits the gateway's default 10 s timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

CALLS = Counter(
    "fengchao_service_calls",
    "Workers a service ran, by entrypoint, kind (rpc, event, timer) and outcome (ok, refused, error).",
    ("service", "entrypoint", "kind", "outcome"),
)
LATENCY = Histogram(
    "fengchao_service_handler_seconds",
    "Time a service's worker took, from set-up to result.",
    ("service", "entrypoint", "kind"),
    buckets=LATENCY_BUCKETS,
)
WEBHOOK_DELIVERIES = Counter(
    "fengchao_webhook_deliveries",
    "Signed webhook delivery attempts, by outcome: delivered; pending (failed, retried after a back-off); "
    "dead (failed for the last time: on the dead-letter list).",
    ("outcome",),
)

WEBHOOK_OUTCOMES = ("delivered", "pending", "dead")  # gateway.webhooks.delivery's outcomes
_KINDS = {"Rpc": "rpc", "EventHandler": "event", "Timer": "timer"}


def entrypoint_kind(entrypoint: object) -> str:
    """`rpc`, `event` or `timer` for nameko's entrypoints (subclasses by their base), else `other`."""
    for cls in type(entrypoint).__mro__:
        if cls.__name__ in _KINDS:
            return _KINDS[cls.__name__]
    return "other"


def outcome(exc_info: Any, expected: tuple[type[BaseException], ...] | type[BaseException] = ()) -> str:
    """`ok`; `refused` for a typed error the entrypoint declares (bad input, not found…:
    the caller's problem, not the service's); `error` for anything else (a bug or an outage)."""
    if exc_info is None:
        return "ok"
    if expected and isinstance(exc_info[1], expected):
        return "refused"
    return "error"


def record_webhook_delivery(result: str) -> None:
    """Count one webhook delivery attempt (the webhook worker calls it after recording the outcome);
    `result` is one of WEBHOOK_OUTCOMES. Failures: everything but `delivered`."""
    if result not in WEBHOOK_OUTCOMES:
        raise ValueError(f"unknown webhook outcome {result!r}")
    WEBHOOK_DELIVERIES.labels(result).inc()


# --- the outbox, read at scrape time ------------------------------------------------------


@dataclass(frozen=True)
class OutboxFigures:
    backlog: int
    oldest_age_seconds: float
    written_total: int


OutboxReader = Callable[[], OutboxFigures]


def read_outbox(session: Session, outbox_model: Any, now: datetime | None = None) -> OutboxFigures:
    """Unpublished rows, the age of the oldest, and the highest sequence number written
    (the outbox's `seq` only grows, so it is a counter of events written)."""
    now = now or datetime.now(UTC)
    backlog, oldest = session.execute(
        select(func.count(), func.min(outbox_model.created_at)).where(outbox_model.published_at.is_(None))
    ).one()
    written = session.scalar(select(func.coalesce(func.max(outbox_model.seq), 0)))
    age = 0.0
    if oldest is not None:
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = max(0.0, (now - oldest).total_seconds())
    return OutboxFigures(backlog=int(backlog), oldest_age_seconds=age, written_total=int(written))


class OutboxCollector:
    """One per process: each running service container adds its outbox reader."""

    def __init__(self) -> None:
        self._readers: dict[str, OutboxReader] = {}
        self._lock = threading.Lock()

    def add(self, service: str, reader: OutboxReader) -> None:
        with self._lock:
            self._readers[service] = reader

    def remove(self, service: str) -> None:
        with self._lock:
            self._readers.pop(service, None)

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily, CounterMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily("fengchao_outbox_backlog", "Outbox events not yet published by a relay.",
                              labels=["service"]),
            GaugeMetricFamily("fengchao_outbox_oldest_unpublished_seconds",
                              "Age of the oldest unpublished outbox event (0 when none waits).", labels=["service"]),
            CounterMetricFamily("fengchao_outbox_events_written",
                                "Events ever written to the service's outbox (its rate: events per second).",
                                labels=["service"]),
            GaugeMetricFamily("fengchao_outbox_up", "1 when the outbox could be read at this scrape, else 0.",
                              labels=["service"]),
        )

    def describe(self) -> Iterable[Metric]:
        return self._families()

    def collect(self) -> Iterable[Metric]:
        backlog, oldest, written, up = self._families()
        with self._lock:
            readers = dict(self._readers)
        for service, reader in sorted(readers.items()):
            try:
                figures = reader()
            except Exception as exc:  # the database is away: say so, don't fail the scrape
                log.warning("metrics.outbox_unreadable", service=service, error=repr(exc))
                up.add_metric([service], 0)
                continue
            up.add_metric([service], 1)
            backlog.add_metric([service], figures.backlog)
            oldest.add_metric([service], figures.oldest_age_seconds)
            written.add_metric([service], figures.written_total)
        return [backlog, oldest, written, up]


OUTBOX = OutboxCollector()
REGISTRY.register(OUTBOX)

# --- the process's HTTP port: /metrics, /healthz, /readyz ---------------------------------


class Probes:
    """Readiness checks of the containers running in this process (each: raise when not ready)."""

    def __init__(self) -> None:
        self._checks: dict[str, Callable[[], None]] = {}
        self._lock = threading.Lock()

    def add(self, service: str, check: Callable[[], None]) -> None:
        with self._lock:
            self._checks[service] = check

    def remove(self, service: str) -> None:
        with self._lock:
            self._checks.pop(service, None)

    def failures(self) -> dict[str, str]:
        """Service → why it is not ready; empty when every check passed (and at least one ran)."""
        with self._lock:
            checks = dict(self._checks)
        if not checks:
            return {"process": "no service is running"}
        failed: dict[str, str] = {}
        for service, check in checks.items():
            try:
                check()
            except Exception as exc:
                failed[service] = repr(exc)
        return failed


PROBES = Probes()


def http_app(registry: CollectorRegistry = REGISTRY, probes: Probes = PROBES) -> WSGIApplication:
    """WSGI app of the metrics port: `/healthz` (the process answers: liveness), `/readyz` (each
    service's database answers: readiness), anything else the Prometheus exposition."""
    metrics_app = make_wsgi_app(registry)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status":"ok"}']
        if path == "/readyz":
            failed = probes.failures()
            body = json.dumps({"status": "fail" if failed else "ok", "failures": failed}).encode()
            start_response("503 Service Unavailable" if failed else "200 OK", [("Content-Type", "application/json")])
            return [body]
        exposition: Iterable[bytes] = metrics_app(environ, start_response)
        return exposition

    return app


_server_lock = threading.Lock()
_server_port: int | None = None


def serve(port: int) -> int | None:
    """Start this process's metrics HTTP server once; returns the port, or None when off
    or the port is taken (a second process on one host without its own METRICS_PORT:
    logged, and the service runs on without metrics rather than not at all)."""
    global _server_port
    with _server_lock:
        if _server_port is not None or port <= 0:
            return _server_port
        try:
            server = make_server(config.get("METRICS_BIND"), port, http_app(), ThreadingWSGIServer,
                                 handler_class=_SilentHandler)
        except OSError as exc:
            log.warning("metrics.port_unavailable", port=port, error=str(exc))
            return None
        threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
        _server_port = port
        log.info("metrics.serving", port=port)
        return port
