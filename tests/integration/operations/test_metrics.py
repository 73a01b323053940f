"""Prometheus metrics: a service counts and times its workers and reports its outbox; the gateway
counts requests by route and status across its gunicorn workers."""

from __future__ import annotations

import uuid

import pytest
import requests

from gateway.rpc import RpcPool
from services.common.context import CallContext
from services.common.errors import FengchaoError
from tests.integration.operations.conftest import LogSince, ping_until_up, scrape, value, wait_until
from tests.support.processes import free_port

pytestmark = pytest.mark.integration


def register(pool: RpcPool, tenant_id: str) -> dict:
    ctx = CallContext(tenant_id=tenant_id, user_id=f"staff-{tenant_id}", roles=frozenset({"staff"}),
                      request_id=uuid.uuid4().hex).to_context_data()
    phone = "139" + str(uuid.uuid4().int)[:8]
    return pool.call("jobs", "register_worker", {"display_name": "测试师傅", "phone": phone,
                                                 "on_behalf_of_user_id": None}, context_data=ctx)


def test_a_service_counts_its_calls_by_outcome_and_reports_the_outbox_backlog_of_every_tenant(
        infra, processes, own_vhost, metrics_port, relays_stopped):
    jobs = processes.start_service("jobs", wait=False, AMQP_URI=own_vhost, METRICS_PORT=str(metrics_port))
    url = f"http://127.0.0.1:{metrics_port}"
    pool = RpcPool(own_vhost, size=1, timeout=10)
    try:
        wait_until(lambda: _answers(url + "/readyz"), timeout=30)
        # the metrics server answers before every consumer is declared (the identity-event handlers too)
        ping_until_up(own_vhost, "jobs", jobs, processes)
        assert requests.get(url + "/healthz", timeout=5).json() == {"status": "ok"}
        assert requests.get(url + "/readyz", timeout=5).json() == {"status": "ok", "failures": {}}
        before = scrape(url + "/metrics")

        pool.call("jobs", "ping", context_data={})
        with pytest.raises(FengchaoError):  # no tenant: refused, a typed error (not a crash)
            pool.call("jobs", "register_worker", {}, context_data={})
        register(pool, "xiangyang")
        register(pool, "dongxin")

        after = scrape(url + "/metrics")
        calls = "fengchao_service_calls_total"
        rpc = {"service": "jobs", "kind": "rpc"}
        assert value(after, calls, entrypoint="ping", outcome="ok", **rpc) - value(
            before, calls, entrypoint="ping", outcome="ok", **rpc) == 1
        assert value(after, calls, entrypoint="register_worker", outcome="refused", **rpc) - value(
            before, calls, entrypoint="register_worker", outcome="refused", **rpc) == 1
        assert value(after, calls, entrypoint="register_worker", outcome="ok", **rpc) - value(
            before, calls, entrypoint="register_worker", outcome="ok", **rpc) == 2
        latency = "fengchao_service_handler_seconds_count"
        assert value(after, latency, service="jobs", entrypoint="register_worker", kind="rpc") - value(
            before, latency, service="jobs", entrypoint="register_worker", kind="rpc") == 3

        # No relay runs: both tenants' events wait, and the backlog counts both.
        assert value(after, "fengchao_outbox_up", service="jobs") == 1
        assert value(after, "fengchao_outbox_backlog", service="jobs") - value(
            before, "fengchao_outbox_backlog", service="jobs") == 2
        assert value(after, "fengchao_outbox_events_written_total", service="jobs") - value(
            before, "fengchao_outbox_events_written_total", service="jobs") == 2
        assert value(after, "fengchao_outbox_oldest_unpublished_seconds", service="jobs") >= 0

        # A relay drains it.
        relay = processes.start_relay("jobs", AMQP_URI=own_vhost)
        drained = wait_until(lambda: value(scrape(url + "/metrics"), "fengchao_outbox_backlog", service="jobs") == 0)
        processes.stop(relay)
        assert drained
    finally:
        pool.close()
        processes.stop(jobs)


def test_a_second_process_on_a_taken_port_runs_on_without_metrics(infra, processes, own_vhost):
    port = free_port()
    first = processes.start_service("jobs", wait=False, AMQP_URI=own_vhost, METRICS_PORT=str(port))
    ping_until_up(own_vhost, "jobs", first, processes)
    log = LogSince(processes.log_dir / "jobs.log")
    second = processes.start_service("jobs", wait=False, AMQP_URI=own_vhost, METRICS_PORT=str(port))
    try:
        assert wait_until(lambda: "metrics.port_unavailable" in log.text()), processes.tail(second)
        assert wait_until(lambda: "service.started" in log.text())
        assert second.poll() is None
    finally:
        processes.stop(second)
        processes.stop(first)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_the_gateway_counts_requests_by_route_template_and_status_over_all_its_workers(
        infra, processes, tmp_path):
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    # Workers are replaced every 10 requests (gunicorn --max-requests), so the requests are served by several
    # worker processes, most of them gone by the time of the scrape; their counts must not be lost.
    base = processes.start_gateway(workers=2, threads=2, PROMETHEUS_MULTIPROC_DIR=str(multiproc),
                                   GUNICORN_CMD_ARGS="--max-requests 12")
    marker = uuid.uuid4().hex[:8]

    # One route label for forty ids; 401 without credentials. One at a time: a request never meets a
    # worker that is on its way out.
    for n in range(40):
        assert requests.get(f"{base}/api/v1/jobs/workers/w{n}-{marker}", timeout=30).status_code == 401
    assert requests.get(f"{base}/no-such-page-{marker}", timeout=5).status_code == 404
    assert len(list(multiproc.glob("counter_*.db"))) >= 3, "requests were served by several worker processes"

    total = "fengchao_http_requests_total"
    route = "/api/v1/jobs/workers/<worker_id>"
    # Whichever worker answers the scrape, it reports every worker's requests.
    for _ in range(5):
        samples = scrape(base + "/metrics", timeout=30)
        assert value(samples, total, method="GET", route=route, status="401") == 40
        assert value(samples, "fengchao_http_request_seconds_count", method="GET", route=route) == 40
    assert value(samples, total, method="GET", route="/healthz", status="200") >= 1
    assert value(samples, total, method="GET", route="unmatched", status="404") >= 1
    # Raw paths never become labels (that would be unbounded series).
    assert not any(marker in str(labels) for (_name, labels) in samples)
    # Through a proxy (the ingress), /metrics is not there.
    assert requests.get(base + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=5).status_code == 404
