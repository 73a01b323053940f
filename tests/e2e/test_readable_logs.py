"""A refusal the platform meant — here 404 for a worker profile that is not there — leaves one line in
the service's log and one in the gateway's, and no traceback: the logs a newcomer reads during the
demo show real trouble, not every "no"."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.operations.conftest import LogSince, wait_until

pytestmark = pytest.mark.e2e


def test_an_expected_refusal_is_one_line_in_the_service_and_gateway_logs_not_a_traceback(platform):
    gateway = next(p for p in platform.processes.running
                   if getattr(p, "base_url", None) == platform.base_url)
    service_log = LogSince(platform.processes.log_dir / "jobs.log")
    gateway_log = LogSince(gateway.log_path)
    missing = str(uuid.uuid4())

    answer = platform.session("courier_a").get(platform.url(f"/api/v1/jobs/workers/{missing}"), timeout=10)

    assert answer.status_code == 404, answer.text
    assert wait_until(lambda: "worker.refused jobs.get_worker: NotFound" in service_log.text(), timeout=10), \
        service_log.text()
    refusals = [line for line in service_log.text().splitlines() if "get_worker" in line]
    assert len(refusals) == 1, refusals
    assert wait_until(lambda: f"/api/v1/jobs/workers/{missing}" in gateway_log.text(), timeout=10)
    for log in (service_log, gateway_log):
        assert "Traceback" not in log.text(), log.text()
