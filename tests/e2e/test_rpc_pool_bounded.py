"""Concurrency through one gateway process keeps broker connections bounded by its pool."""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from gateway.rpc import CONNECTION_NAME

pytestmark = pytest.mark.e2e

POOL_SIZE = 4
CONCURRENT = 32


def test_32_concurrent_requests_use_at_most_pool_size_broker_connections(platform):
    base_url = platform.processes.start_gateway(workers=1, threads=CONCURRENT, RPC_POOL_SIZE=str(POOL_SIZE))
    master = next(p for p in platform.processes.running if getattr(p, "base_url", None) == base_url)
    worker_pids = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    ours = {f"{CONNECTION_NAME} pid={pid}" for pid in worker_pids}
    token = platform.login("staff_a")["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    worker = requests.post(base_url + "/api/v1/jobs/workers", headers=headers, timeout=10,
                           json={"display_name": "张主任", "phone": "13900000003"})
    assert worker.status_code in (201, 409)

    def read(_):
        return requests.get(base_url + "/api/v1/jobs/workers", headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(CONCURRENT) as pool:
        for _round in range(3):
            statuses = list(pool.map(read, range(CONCURRENT)))
            assert statuses == [200] * CONCURRENT

    # The management API lists a new connection after its next statistics tick
    # (about 5 s) and a closed one (a client replaced after a timeout on a loaded
    # machine) until the tick after; so watch until the figures settle.
    seen: dict[str, int] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        seen = {}
        for c in platform.infra.connections():
            name = (c.get("client_properties") or {}).get("connection_name", "")
            if name in ours:  # the suite's shared gateway holds connections of its own
                seen[name] = seen.get(name, 0) + 1
        if seen and max(seen.values()) <= POOL_SIZE:
            break
        time.sleep(1)
    assert seen, "no gateway connections listed"
    assert max(seen.values()) <= POOL_SIZE, seen
