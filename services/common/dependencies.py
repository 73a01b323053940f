"""The nameko dependency providers every service class declares: `ctx = TenantContext()`, `db = Database(Base)`
and (through HealthEntrypoints) `metrics = ServiceMetrics()`. Kept apart from the plain modules they wrap
(context, database, metrics) so that the gateway, which imports those, never loads nameko or eventlet."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import structlog
from nameko.extensions import DependencyProvider
from sqlalchemy.orm import DeclarativeBase

from services.common import config
from services.common.context import CallContext
from services.common.database import WorkerDatabase, make_engine, session_factory
from services.common.logging import get_logger
from services.common.metrics import (
    CALLS,
    LATENCY,
    OUTBOX,
    PROBES,
    OutboxFigures,
    OutboxReader,
    entrypoint_kind,
    outcome,
    read_outbox,
    serve,
)

log = get_logger(__name__)


class TenantContext(DependencyProvider):  # type: ignore[misc]  # nameko is untyped
    """Gives each worker its CallContext and binds it into structured logs.

    Nameko itself propagates the context data on outgoing RPC calls and events;
    this provider only reads it. The tenant check is lazy (`.tenant`) so that the
    refusal is a typed error returned to the caller, not a crashed worker.
    """

    def get_dependency(self, worker_ctx: Any) -> CallContext:
        return CallContext.from_context_data(worker_ctx.context_data)

    def worker_setup(self, worker_ctx: Any) -> None:
        ctx = CallContext.from_context_data(worker_ctx.context_data)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=ctx.request_id,
            tenant_id=ctx.tenant_id,
            service=worker_ctx.container.service_name,
            entrypoint=worker_ctx.entrypoint.method_name,
        )

    def worker_teardown(self, worker_ctx: Any) -> None:
        structlog.contextvars.clear_contextvars()


class Database(DependencyProvider):  # type: ignore[misc]  # nameko is untyped
    """The nameko dependency: `db = Database(Base)` in a service class."""

    def __init__(self, base: type[DeclarativeBase]):
        self.base = base

    def setup(self) -> None:
        service = self.container.service_name
        template = self.container.config.get("DATABASE_URL")
        url = config.app_database_url(service, template=template)
        self.engine = make_engine(url, pool_size=int(self.container.config.get("max_workers", 10)))
        self.factory = session_factory(self.engine, self.base)

    def stop(self) -> None:
        self.engine.dispose()

    def kill(self) -> None:
        self.engine.dispose()

    def get_dependency(self, worker_ctx: Any) -> WorkerDatabase:
        return WorkerDatabase(self.factory, self.base, CallContext.from_context_data(worker_ctx.context_data))


class ServiceMetrics(DependencyProvider):  # type: ignore[misc]  # nameko is untyped
    """Counts and times every worker of the service, and registers its outbox for scrapes."""

    def setup(self) -> None:
        self._started: dict[int, float] = {}
        self.service = self.container.service_name

    def start(self) -> None:
        database = next((d for d in self.container.dependencies if hasattr(d, "factory") and hasattr(d, "base")),
                        None)
        if database is not None:
            OUTBOX.add(self.service, self._outbox_reader(database))
            PROBES.add(self.service, self._database_check(database))
        serve(config.get_int("METRICS_PORT"))

    def stop(self) -> None:
        # nameko stops dependencies after the running workers finished; from then /readyz fails.
        PROBES.remove(self.service)
        OUTBOX.remove(self.service)

    def kill(self) -> None:
        self.stop()

    @staticmethod
    def _database_check(database: Any) -> Callable[[], None]:
        from services.common.database import WorkerDatabase

        def check() -> None:
            WorkerDatabase(database.factory, database.base, CallContext()).check_connection()

        return check

    @staticmethod
    def _outbox_reader(database: Any) -> OutboxReader:
        from services.common.database import WorkerDatabase

        def reader() -> OutboxFigures:
            # A read across tenants no caller asked for (RLS admits it for reads only).
            db = WorkerDatabase(database.factory, database.base, CallContext())
            with db.system_read_all_tenants(reason="metrics.outbox") as session:
                return read_outbox(session, database.base.Outbox)

        return reader

    def get_dependency(self, worker_ctx: Any) -> None:
        return None

    def worker_setup(self, worker_ctx: Any) -> None:
        self._started[id(worker_ctx)] = time.perf_counter()

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        started = self._started.pop(id(worker_ctx), None)
        entrypoint = worker_ctx.entrypoint
        name, kind = entrypoint.method_name, entrypoint_kind(entrypoint)
        expected = getattr(entrypoint, "expected_exceptions", ()) or ()
        CALLS.labels(self.service, name, kind, outcome(exc_info, expected)).inc()
        if started is not None:
            LATENCY.labels(self.service, name, kind).observe(time.perf_counter() - started)

    def worker_teardown(self, worker_ctx: Any) -> None:
        self._started.pop(id(worker_ctx), None)
