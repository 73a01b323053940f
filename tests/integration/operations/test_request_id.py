"""A request id travels from the HTTP request through RPC, the outbox, the relay and an event into
every log line written on its behalf — per tenant, never mixed up."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.integration.operations.conftest import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def request_witness(infra, processes, reqwitness_database):
    proc = processes.start_service("tests.integration.operations.request_witness:RequestWitness",
                                   PING_AS="reqwitness", METRICS_PORT="0")
    yield proc
    processes.stop(proc)


def log_lines(path: Path) -> list[dict]:
    lines = []
    for raw in Path(path).read_text(errors="replace").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue
    return lines


def test_the_request_id_of_each_tenants_request_reaches_the_gateway_service_and_event_consumer_logs(
        platform, processes, request_witness):
    seen = {}
    for staff, tenant in (("staff_a", "xiangyang"), ("staff_b", "dongxin")):
        request_id = f"req-{tenant}-{uuid.uuid4().hex[:12]}"
        http = platform.session(staff)
        response = http.post(platform.url("/api/v1/jobs/workers"), headers={"X-Request-ID": request_id},
                             json={"display_name": "吴师傅", "phone": "137" + str(uuid.uuid4().int)[:8],
                                   "on_behalf_of_user_id": None})
        assert response.status_code == 201, response.text
        assert response.headers["X-Request-ID"] == request_id
        seen[response.json()["id"]] = (request_id, tenant)

    def consumer_lines():
        lines = [line for line in log_lines(request_witness.log_path) if line.get("event") == "reqwitness.seen"]
        return {line["worker_id"]: line for line in lines if line.get("worker_id") in seen} if lines else {}

    found = wait_until(lambda: len(consumer_lines()) == 2 and consumer_lines())
    assert found, processes.tail(request_witness)
    for worker_id, (request_id, tenant) in seen.items():
        line = found[worker_id]
        assert line["request_id"] == request_id and line["tenant_id"] == tenant
        assert line["service"] == "reqwitness" and line["entrypoint"] == "on_worker_registered"

    # The gateway's access line carries the same id and tenant.
    gateway_log = Path(processes.log_dir) / f"gateway-{platform.base_url.rsplit(':', 1)[1]}.log"
    access = [line for line in log_lines(gateway_log) if line.get("event") == "http.request"]
    for request_id, tenant in seen.values():
        assert any(line["request_id"] == request_id and line["tenant_id"] == tenant for line in access)


def test_a_request_id_that_is_not_a_plain_token_is_replaced_not_trusted(platform):
    import requests

    response = requests.get(platform.url("/healthz"), headers={"X-Request-ID": "bad id\"}{"}, timeout=5)
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] != "bad id\"}{" and len(response.headers["X-Request-ID"]) == 32
