"""Fixtures for the operations tests: processes with their own metrics ports, and Prometheus text read back."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import free_port


def scrape(url: str, **kwargs) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """`/metrics` as {(sample name, sorted labels): value}."""
    kwargs.setdefault("timeout", 5)
    response = requests.get(url, **kwargs)
    response.raise_for_status()
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    """One sample's value, 0 when the series does not exist yet."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()


class LogSince:
    """What a process log gets from now on (several processes of one kind share a log file)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def text(self) -> str:
        if not self.path.exists():
            return ""
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            return handle.read().decode(errors="replace")


@pytest.fixture(scope="package")
def reqwitness_database(infra):
    """The database of the test-only service in request_witness.py (made once per run)."""
    from tests.integration.operations.request_witness import Base

    infra.create_extra_database("reqwitness", Base.metadata)


@pytest.fixture
def metrics_port():
    return free_port()


@pytest.fixture
def own_vhost(infra):
    """A broker vhost of the test's own, so the processes it starts serve no other test's calls
    (the platform's services share the run's vhost); the databases stay the run's."""
    from urllib.parse import quote, urlsplit, urlunsplit

    name = f"{infra.vhost}-ops-{free_port()}"
    user = urlsplit(infra.amqp_server_uri).username or "guest"
    infra._management("PUT", f"/vhosts/{quote(name, safe='')}")
    infra._management("PUT", f"/permissions/{quote(name, safe='')}/{user}",
                      json={"configure": ".*", "write": ".*", "read": ".*"})
    parts = urlsplit(infra.amqp_server_uri)
    yield urlunsplit((parts.scheme, parts.netloc, "/" + quote(name, safe=""), "", ""))
    with contextlib.suppress(requests.RequestException):
        infra._management("DELETE", f"/vhosts/{quote(name, safe='')}")


def ping_until_up(amqp_uri: str, service: str, proc, processes, timeout: float = 30) -> None:
    """Like Processes.wait_for_ping, on another vhost."""
    from gateway.rpc import RpcPool
    from services.common.errors import FengchaoError

    pool = RpcPool(amqp_uri, size=1, timeout=2)
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{service} exited with {proc.returncode}:\n{processes.tail(proc)}")
            try:
                pool.call(service, "ping", context_data={})
                return
            except FengchaoError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} did not answer:\n{processes.tail(proc)}") from None
                time.sleep(0.2)
    finally:
        pool.close()
