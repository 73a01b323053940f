"""Concurrency through one gateway process keeps broker connections bounded by its pool."""

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

    gateway_pid = requests.get(base_url + "/healthz", timeout=5)  # noqa: F841 (keeps the worker warm)
    names = [c.get("client_properties", {}).get("connection_name", "") for c in platform.infra.connections()]
    gateway_connections = [n for n in names if n.startswith(CONNECTION_NAME)]
    # the shared gateway of the suite may hold its own; count only this process's
    by_process: dict[str, int] = {}
    for name in gateway_connections:
        by_process[name] = by_process.get(name, 0) + 1
    assert by_process, names
    assert max(by_process.values()) <= POOL_SIZE, by_process
