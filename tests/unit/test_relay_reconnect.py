"""The relay waits for a broker that is away with a growing back-off (tenacity), and stops at once
when asked, even in the middle of a wait."""

from __future__ import annotations

import socket
import threading
import time

from services.common import reconnect
from services.common import relay as relay_module


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_relay_retries_an_absent_broker_with_growing_waits_and_stops_promptly(monkeypatch):
    waits: list[float] = []
    relay = relay_module.Relay([], amqp_uri=f"amqp://guest:guest@127.0.0.1:{_closed_port()}//", poll_interval=0.1)
    real_wait = relay.stopping.wait

    def recording_wait(timeout: float | None = None) -> bool:
        waits.append(float(timeout or 0))
        return real_wait(min(float(timeout or 0), 0.05))  # the test need not sleep the real back-off

    monkeypatch.setattr(relay.stopping, "wait", recording_wait)
    runner = threading.Thread(target=relay.run, daemon=True)
    runner.start()
    deadline = time.monotonic() + 20
    while len(waits) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    relay.stop()
    runner.join(timeout=5)
    assert not runner.is_alive(), "the relay did not stop while the broker was away"
    assert len(waits) >= 5
    assert waits[0] == reconnect.FIRST_WAIT
    assert waits[:4] == sorted(waits[:4]) and waits[3] > waits[0], waits  # the back-off grows
    assert max(waits) <= reconnect.MOST_WAIT
