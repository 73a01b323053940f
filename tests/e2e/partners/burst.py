"""A burst of real events (workers registering in jobs, over RPC, in two tenants) while the relay is killed
and the broker drops the partners' connections; then every event must reach the example AMQP consumer and a
webhook receiver exactly once. Shared by the e2e test (a small burst) and the benchmark (5,000 events)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from examples.webhook_receiver.receiver import Receiver, serve
from gateway.rpc import RpcPool
from services.common import partners
from services.common.context import CallContext
from services.common.errors import Conflict, ServiceTimeout, ServiceUnavailable
from tests.e2e.partners.conftest import issue_key, key_session

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Outcome:
    committed: dict[str, float] = field(default_factory=dict)  # event id → commit time (epoch seconds)
    other_tenant: set[str] = field(default_factory=set)
    amqp: dict[str, float] = field(default_factory=dict)  # event id → first receipt
    webhook: dict[str, float] = field(default_factory=dict)
    webhook_deliveries: int = 0
    amqp_lines: int = 0
    seconds: float = 0.0
    relays_killed: int = 0
    connections_dropped: int = 0
    broker_restarts: int = 0
    broker_down_seconds: float = 0.0
    rpc_retries: int = 0

    def delays_ms(self, received: dict[str, float]) -> list[float]:
        return sorted((received[i] - t) * 1000 for i, t in self.committed.items() if i in received)


class TimedReceiver(Receiver):
    def __init__(self):
        super().__init__("", on_event=self._keep)
        self.received: dict[str, float] = {}

    def _keep(self, envelope):
        self.received.setdefault(envelope["id"], time.time())


def partner_amqp_uri(infra, username: str, password: str) -> str:
    parts = urlsplit(infra.amqp_server_uri)
    netloc = f"{quote(username, safe='')}:{quote(password, safe='')}@{parts.hostname}:{parts.port or 5672}"
    return urlunsplit(("amqp", netloc, "/" + quote(infra.vhost, safe=""), "", ""))


def _matches(connection: dict, prefix: str) -> bool:
    name = (connection.get("client_properties") or {}).get("connection_name", "") or ""
    return name.startswith(prefix) or connection.get("user", "").startswith(prefix)


def _named(infra, prefix: str) -> bool:
    return any(_matches(c, prefix) for c in infra.connections())


def drop_connections(infra, name_prefix: str) -> int:
    """What a broker restart does to consumers: the broker closes their connections."""
    dropped = 0
    for connection in infra.connections():
        if _matches(connection, name_prefix):
            try:
                infra._management("DELETE", f"/connections/{quote(connection['name'], safe='')}",
                                  headers={"X-Reason": "simulated broker restart"})
            except requests.HTTPError as exc:
                if exc.response is not None and exc.response.status_code == 404:
                    continue  # it closed by itself meanwhile
                raise
            dropped += 1
    return dropped


def run_burst(platform, *, tenant: str, other_tenant: str, count: int, other_count: int, log_dir: Path,
              kill_after: float | None = 0.3, timeout: float = 180.0, threads: int = 8,
              fault: str = "relay") -> Outcome:
    """`count` events of `tenant` and `other_count` of `other_tenant`; with `kill_after` (a share of the burst)
    a fault strikes at that point, then all recover by themselves. `fault="relay"`: the relay is SIGKILLed
    and the partners' broker connections dropped (then the relay is started again). `fault="broker"`: the
    RabbitMQ node itself is restarted (`platform.rabbit`, a private node: tests/chaos/platform.py); the
    relay, the jobs service, the webhook worker and the partner's consumer reconnect on their own, and the
    registrations that failed meanwhile are retried as a client would."""
    infra, processes = platform.infra, platform.processes
    run = infra.run_id + "-" + os.urandom(2).hex()
    admin = partners.BrokerAdmin(infra.management_url, infra.vhost)
    credentials = admin.create_partner_user(tenant, deployment=f"fct-{run}")
    username = credentials["username"]
    events_file = log_dir / f"partner-{run}.jsonl"
    with open(log_dir / f"partner-consumer-{run}.log", "ab") as consumer_log:
        consumer = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", "examples/amqp_consumer/config.yaml",
             "examples.amqp_consumer.service"], cwd=ROOT, start_new_session=True,
            stdout=consumer_log, stderr=subprocess.STDOUT,
            env={**os.environ, "AMQP_URI": partner_amqp_uri(infra, username, credentials["password"]),
                 "PARTNER_TENANT": tenant, "PARTNER_EVENTS_FILE": str(events_file), "PYTHONWARNINGS": "ignore"})
    receiver = TimedReceiver()
    server = serve(receiver, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    response = key_session(issue_key(platform, tenant)).post(platform.url("/api/v1/partners/webhooks"), json={
        "url": url, "event_types": ["cn.fengchao.jobs.worker_registered"]})
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    outcome = Outcome()
    outcome.first_commit = time.time()  # type: ignore[attr-defined]
    # the example consumer has bound its queue, and the broker lists both consumers' connections (its
    # statistics lag a few seconds), so that the simulated restart below finds them
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (_named(infra, "fengchao-webhooks") and _named(infra, username)):
        time.sleep(0.5)

    pool = RpcPool(infra.amqp_uri, size=threads, timeout=30)
    plan = [tenant] * count + [other_tenant] * other_count
    plan = [plan[i] for i in sorted(range(len(plan)), key=lambda i: (i * 7919) % len(plan))]  # interleave
    base = int.from_bytes(os.urandom(3), "big") * 100

    def register(index_and_tenant):
        index, tenant_id = index_and_tenant
        ctx = CallContext(tenant_id=tenant_id, user_id=f"burst-{run}-{index}", roles=frozenset({"resident"}))
        ambiguous, deadline = False, time.monotonic() + timeout
        while True:
            try:
                created = pool.call("jobs", "register_worker", {"display_name": "压测师傅",
                                                                "phone": f"135{(base + index) % 10**8:08d}"},
                                    context_data=ctx.to_context_data())
                return tenant_id, created["id"]
            except (ServiceUnavailable, ServiceTimeout):
                # the broker is restarting: retry, as a client would; the first try may have committed
                if time.monotonic() > deadline:
                    raise
                ambiguous = True
                outcome.rpc_retries += 1
                time.sleep(0.5)
            except Conflict:
                if not ambiguous:
                    raise
                return tenant_id, None  # registered by the try whose answer was lost

    started = time.time()
    killer_done = threading.Event()

    def kill_and_recover():
        if fault == "broker":
            # a real broker restart (clean shutdown, down two seconds, start on the same data)
            outcome.broker_down_seconds = platform.rabbit.restart(down_for=2.0)
            outcome.broker_restarts += 1
            killer_done.set()
            return
        # the relay dies hard, the broker drops the partners' connections, then all comes back
        for relay in processes.relays():
            processes.stop(relay, signal.SIGKILL)
            outcome.relays_killed += 1
        outcome.connections_dropped = drop_connections(infra, "fengchao-webhooks") + drop_connections(infra, username)
        time.sleep(2.0)
        processes.start_relay(*infra.services)
        killer_done.set()

    with ThreadPoolExecutor(threads) as executor:
        futures = [executor.submit(register, item) for item in enumerate(plan)]
        killed = False
        for done, future in enumerate(futures, 1):
            future.result()
            if kill_after is not None and not killed and done >= kill_after * len(plan):
                threading.Thread(target=kill_and_recover, daemon=True).start()
                killed = True
    pool.close()
    if kill_after is not None:
        killer_done.wait(120)

    def handled_lines():
        return [json.loads(x) for x in events_file.read_text().splitlines()] if events_file.exists() else []

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len({x["id"] for x in handled_lines()}) >= count and len(receiver.received) >= count:
            break
        time.sleep(0.5)
    time.sleep(1.0)  # late duplicates or strays would show now
    outcome.seconds = time.time() - started
    # what was committed: the outbox rows of the jobs service itself (event id → commit time), this burst's
    # by their subjects' user ids
    for event_id, (row_tenant, user_id, event_time) in _committed(platform).items():
        if not (user_id or "").startswith(f"burst-{run}-"):
            continue
        if row_tenant == tenant:
            outcome.committed[event_id] = event_time
        else:
            outcome.other_tenant.add(event_id)
    lines = handled_lines()
    outcome.amqp = {x["id"]: x["received_at"] for x in lines}
    outcome.amqp_lines = len(lines)
    outcome.webhook = dict(receiver.received)
    outcome.webhook_deliveries = receiver.deliveries

    os.killpg(consumer.pid, signal.SIGTERM)
    try:
        consumer.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(consumer.pid, signal.SIGKILL)
    server.shutdown()
    server.server_close()
    with contextlib.suppress(RuntimeError, requests.RequestException):
        admin.delete_partner_user(tenant, deployment=f"fct-{run}")
    return outcome


def _committed(platform) -> dict[str, tuple[str, str, float]]:
    """event id → (tenant, user id, commit time) of every worker_registered row in the jobs outbox (as its
    owner)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from services.common.database import make_engine
    from services.jobs.models import Base as JobsBase

    outbox = JobsBase.Outbox
    engine = make_engine(platform.infra.owner_url("jobs"), pool_size=1)
    with Session(engine) as session:
        rows = session.execute(select(outbox.event_id, outbox.tenant_id, outbox.envelope).where(
            outbox.event_type == "worker_registered"))
        found = {r.event_id: (r.tenant_id, (r.envelope.get("data") or {}).get("user_id"), datetime.fromisoformat(
            r.envelope["time"].replace("Z", "+00:00")).timestamp()) for r in rows}
    engine.dispose()
    return found
