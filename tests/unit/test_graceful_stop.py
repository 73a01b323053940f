"""A service asked to stop twice (Ctrl-C from the terminal, then SIGTERM from its supervisor) stops its
timers once and quietly, instead of nameko's "Trying to re-send() an already-triggered event"."""

from __future__ import annotations

import eventlet
import pytest
from nameko.timer import Timer

from services.common import graceful_stop


class TimerHost:
    """What a nameko Timer asks of its container: a managed thread for its loop, a worker per tick."""

    def __init__(self):
        self.ticks = 0

    def spawn_managed_thread(self, run, identifier=None):
        return eventlet.spawn(run)

    def spawn_worker(self, entrypoint, args, kwargs, handle_result):
        self.ticks += 1
        handle_result(None, None, None)


def running_timer() -> Timer:
    timer = Timer(interval=0.01, eager=True)
    timer.container = TimerHost()
    timer.start()
    eventlet.sleep(0.05)  # a few ticks
    return timer


def stop_twice_at_once(timer: Timer) -> list[BaseException]:
    errors: list[BaseException] = []

    def stop():
        try:
            timer.stop()
        except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
            errors.append(exc)

    stops = [eventlet.spawn(stop), eventlet.spawn(stop)]
    for stopping in stops:
        stopping.wait()
    return errors


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(Timer, "stop", Timer.stop)  # restored after the test
    graceful_stop.install()


def test_nameko_alone_raises_when_a_timer_is_stopped_twice():
    # why the module exists
    errors = stop_twice_at_once(running_timer())
    assert [type(e) for e in errors] == [AssertionError]
    assert "re-send" in str(errors[0])


def test_a_timer_stopped_twice_stops_once_and_both_stops_return_after_its_loop_ended(installed):
    timer = running_timer()
    assert stop_twice_at_once(timer) == []
    assert timer.gt.dead
    ticks = timer.container.ticks
    eventlet.sleep(0.05)
    assert ticks > 0 and timer.container.ticks == ticks  # no tick after the stop


def test_a_timer_that_never_started_stops_without_error(installed):
    timer = Timer(interval=1)
    timer.container = TimerHost()
    timer.stop()
    assert timer.should_stop.ready()
