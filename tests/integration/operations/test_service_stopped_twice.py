"""A service told to stop twice — Ctrl-C from a terminal, then SIGTERM from its supervisor a moment later —
stops once: exit 0, quickly, and no traceback (nameko 2.14's timers raised "Trying to re-send() an
already-triggered event" and the stop hung until the supervisor killed the process)."""

from __future__ import annotations

import signal
import time

import pytest

from tests.integration.operations.conftest import LogSince, ping_until_up

pytestmark = pytest.mark.integration


def test_a_service_with_timers_stopped_by_sigint_then_sigterm_exits_once_cleanly(infra, processes, own_vhost):
    log = LogSince(processes.log_dir / "governance.log")  # governance: a timer (the vote sweep)
    proc = processes.start_service("governance", wait=False, AMQP_URI=own_vhost, METRICS_PORT="0")
    ping_until_up(own_vhost, "governance", proc, processes)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(30)
    took = time.monotonic() - started
    processes.stop(proc)
    text = log.text()
    assert code == 0 and took < 10, f"exit {code} after {took:.1f} s\n{text}"
    assert "Traceback" not in text and "AssertionError" not in text, text
    assert text.count("service.stopping") == 1 and "service.already_stopping" in text and "service.stopped" in text
