"""A service process stops once and quietly, however many times it is asked to.

nameko 2.14's `Timer.stop()` sends its `should_stop` event unconditionally, and an eventlet event may be
sent only once. When a container is stopped twice before the first stop has finished (a Ctrl-C reaches the
service from the terminal and a SIGTERM from its supervisor a moment later: both start `runner.stop`),
the second `Timer.stop()` raises `AssertionError: Trying to re-send() an already-triggered event`; the
traceback is printed and that stop dies half-way. `install()` (called by `services.common.runner`
before the container starts) makes a second stop wait for the same timer loop to end instead.
"""

from __future__ import annotations

from nameko.timer import Timer


def stop_timer_once(self: Timer) -> None:
    """Ask the timer loop to end (the first time only) and wait until it has: the in-flight tick, if
    any, finishes first, as nameko's own stop does."""
    if not self.should_stop.ready():
        self.should_stop.send(True)
    if self.gt is not None:  # never started: nothing to wait for
        self.gt.wait()


def install() -> None:
    """Once per process, before the container starts."""
    Timer.stop = stop_timer_once
