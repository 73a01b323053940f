"""SIGTERM stops every kind of process gracefully: a service finishes the work it is doing and
answers it, the relay finishes its batch, gunicorn drains; each exits 0."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from gateway.rpc import RpcPool
from tests.integration.operations.conftest import LogSince, ping_until_up, wait_until

pytestmark = pytest.mark.integration

WITNESS = "tests.integration.operations.request_witness:RequestWitness"


def test_a_service_told_to_stop_finishes_the_call_it_is_running_then_exits_cleanly(
        infra, processes, own_vhost, reqwitness_database):
    log = LogSince(processes.log_dir / "requestwitness.log")
    proc = processes.start_service(WITNESS, wait=False, AMQP_URI=own_vhost, METRICS_PORT="0")
    ping_until_up(own_vhost, "reqwitness", proc, processes)
    pool = RpcPool(own_vhost, size=1, timeout=15)
    outcome = {}

    def call():
        try:
            outcome["result"] = pool.call("reqwitness", "linger", 2.0, context_data={})
        except Exception as exc:  # recorded for the assertion below
            outcome["error"] = exc

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.8)  # the worker is inside its 2 s
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    caller.join(20)
    code = proc.wait(20)
    pool.close()
    assert outcome.get("result") == {"slept": 2.0}, outcome
    assert code == 0
    assert time.monotonic() - started < 15
    text = log.text()
    assert text.index("reqwitness.lingered") < text.index("service.stopped")
    processes.stop(proc)


def test_the_relay_and_the_gateway_exit_cleanly_on_sigterm(infra, processes):
    log = LogSince(processes.log_dir / "relay.log")  # shared with earlier relays: only this one's lines
    relay = processes.start_relay("jobs")
    assert wait_until(lambda: "relay.started" in log.text(), timeout=15)
    relay.send_signal(signal.SIGTERM)
    assert relay.wait(15) == 0
    assert "relay.stopped" in log.text()
    processes.stop(relay)

    processes.start_gateway(workers=2, threads=2)
    gateway = processes.running[-1]
    gateway.send_signal(signal.SIGTERM)
    assert gateway.wait(30) == 0
    processes.stop(gateway)
