"""Concurrency through one gateway process keeps broker connections bounded by its pool."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from gateway.rpc import CONNECTION_NAME

pytestmark = pytest.mark.e2e

POOL_SIZE = 4
CONCURRENT = 32


def test_32_concurrent_requests_use_at_most_pool_size_broker_connections(platform):
    base_url = platform.processes.start_gateway(workers=1, threads=CONCURRENT, RPC_POOL_SIZE=str(POOL_SIZE))
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

    # The management API lists a new connection's properties after its next
    # statistics tick (about 5 s), so look until the gateway's appear.
    by_process: dict[str, int] = {}
    deadline = time.monotonic() + 20
    while not by_process and time.monotonic() < deadline:
        names = [(c.get("client_properties") or {}).get("connection_name", "") for c in platform.infra.connections()]
        # the suite's shared gateway holds its own; count each process's separately
        for name in (n for n in names if n.startswith(CONNECTION_NAME)):
            by_process[name] = by_process.get(name, 0) + 1
        if not by_process:
            time.sleep(1)
    assert by_process, names
    assert max(by_process.values()) <= POOL_SIZE, by_process
