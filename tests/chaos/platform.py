"""The whole platform (four services, the relay, a gateway) over a PRIVATE RabbitMQ node and a PRIVATE
PostgreSQL cluster that the fault tests may kill and restart (tests/support/private_infra.py); never the
shared ones the rest of the suite and other runs use."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from services.common import config
from tests.conftest import Platform, seed_identity, seeded_memberships
from tests.support.infra import Infra
from tests.support.private_infra import PrivatePostgres, PrivateRabbit
from tests.support.processes import Processes

# Seconds the gateway waits for a service before 504 in these tests (the default is 10 s): the hang test
# stops a service for longer than this.
RPC_TIMEOUT = 3.0


class PrivateInfra(Infra):
    only: tuple[str, ...] = config.SERVICE_NAMES  # the fault tests drive all four

    @property
    def services(self) -> tuple[str, ...]:
        return self.only


class ChaosPlatform(Platform):
    def __init__(self, rabbit: PrivateRabbit, postgres: PrivatePostgres, *args):
        super().__init__(*args)
        self.rabbit = rabbit
        self.postgres = postgres
        self.services: dict[str, object] = {}

    def restart_service(self, service: str) -> None:
        """What a supervisor (systemd, Kubernetes) does after a crash: start it again."""
        self.services[service] = self.processes.start_service(service, wait=False)


@contextmanager
def private_platform(log_dir: Path | None = None, services: tuple[str, ...] = config.SERVICE_NAMES,
                     **gateway_env: str) -> Iterator[ChaosPlatform]:
    """Start everything, yield the platform, then stop and remove everything, also after a failure."""
    own_logs = log_dir is None
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="fengchao-chaos-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    rabbit, postgres, processes = PrivateRabbit(), PrivatePostgres(), None
    try:
        rabbit.start()
        postgres.start()
        infra = PrivateInfra(amqp_server_uri=rabbit.amqp_uri, database_server_url=postgres.url,
                             management_url=rabbit.management_url)
        infra.only = tuple(services)
        infra.create()
        people = seed_identity(infra.owner_url("gateway"))
        processes = Processes(infra, log_dir)
        started = {s: processes.start_service(s, wait=False) for s in infra.services}
        for service, proc in started.items():
            processes.wait_for_ping(service, proc, timeout=60)
        relay = processes.start_relay(*infra.services)
        base_url = processes.start_gateway(workers=1, threads=16, **{"RPC_TIMEOUT": str(RPC_TIMEOUT), **gateway_env})
        processes.wait_for_members(seeded_memberships(people))
        platform = ChaosPlatform(rabbit, postgres, base_url, people, infra, processes, relay)
        platform.services = started
        platform.log_dir = log_dir  # type: ignore[attr-defined]
        yield platform
    finally:
        if processes is not None:
            for proc in list(reversed(processes.running)):  # disposable: no graceful stop needed
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGCONT)
                processes.stop(proc, signal.SIGKILL)
        rabbit.close()
        postgres.close()
        if own_logs and not os.environ.get("CHAOS_KEEP_LOGS"):  # CHAOS_KEEP_LOGS=1: keep them to read afterwards
            shutil.rmtree(log_dir, ignore_errors=True)
