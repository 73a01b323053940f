"""End-to-end fixtures for partners: the webhook worker (fast retries), partner API keys per tenant, and
the example webhook receiver (examples/webhook_receiver) serving on a local port."""

from __future__ import annotations

import itertools
import random
import threading
import time

import pytest
from sqlalchemy.orm import sessionmaker

from examples.webhook_receiver.receiver import Receiver, serve
from gateway import identity
from services.common.database import make_engine

_phones = itertools.count(random.Random().randrange(0, 5000) * 1000)


def new_phone() -> str:
    """11 digits starting with 137, unique within a run."""
    return f"137{next(_phones) % 10**8:08d}"


def wait_until(predicate, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@pytest.fixture(scope="package")
def webhooks(platform):
    """The webhook worker, retrying after 0.3 s, 0.6 s … and dead-lettering after 3 attempts."""
    proc = platform.processes.start_webhooks("--retry-base", "0.3", "--retry-cap", "2", "--max-attempts", "3")
    time.sleep(1.0)  # its queue is bound before the tests publish
    yield proc
    platform.processes.stop(proc)


def issue_key(platform, tenant_id: str, name: str = "合作伙伴 / partner", roles=("partner",)) -> str:
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    session = sessionmaker(engine, expire_on_commit=False)()
    with session.begin():
        _key, secret = identity.issue_api_key(session=session, tenant_id=tenant_id, name=name, roles=list(roles))
    session.close()
    engine.dispose()
    return secret


def key_session(secret: str):
    import requests

    http = requests.Session()
    http.headers["X-API-Key"] = secret
    return http


class FlakyReceiver(Receiver):
    """The example receiver, with a switch that makes it answer 500 (a partner's outage)."""

    def __init__(self, secret: str = ""):
        super().__init__(secret, on_event=self._keep)
        self.events: list[dict] = []
        self.failing = False
        self.refusals = 0

    def _keep(self, envelope):
        self.events.append(envelope)

    def handle(self, headers, body):
        if self.failing:
            self.refusals += 1
            return 500
        return super().handle(headers, body)


@pytest.fixture
def receiver():
    """`receiver()` → (FlakyReceiver, its URL); set `.secret` after registering the webhook."""
    servers = []

    def make():
        flaky = FlakyReceiver()
        server = serve(flaky, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return flaky, f"http://127.0.0.1:{server.server_address[1]}/fengchao"

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()
