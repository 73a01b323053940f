"""Reaching the broker again after it went away: the one way the platform's long-running consumers and
publishers outside nameko (the outbox relay, the webhook worker) reconnect.

`connect` retries with tenacity's exponential back-off (0.5 s, 1 s, 2 s… at most 10 s), logs each wait,
and gives up only when the process is stopping (`Stopped`); the back-off starts again at each call, so a
connection that worked for an hour and dropped is retried at once. kombu's own retry is turned off
(one attempt per try) so that there is one back-off, not two nested."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import tenacity
from kombu import Connection

from services.common.logging import get_logger

log = get_logger(__name__)

# Seconds before the second attempt to reach the broker, doubled at each failure up to the most.
FIRST_WAIT = 0.5
MOST_WAIT = 10.0


class Stopped(Exception):
    """The process was asked to stop while it waited for the broker."""


def connect(make: Callable[[], Connection], *, stopping: threading.Event, event: str) -> Connection:
    """A connection built by `make` that the broker confirmed; waits between attempts end early when
    `stopping` is set. `event` names the log line of each retry (`relay.retrying`)."""
    def attempt() -> Connection:
        if stopping.is_set():
            raise Stopped
        connection = make()
        try:
            connection.ensure_connection(max_retries=1, interval_start=0)
        except Exception:
            connection.release()
            raise
        return connection

    def sleep(seconds: float) -> None:
        stopping.wait(seconds)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        failure: Any = state.outcome.exception() if state.outcome is not None else None
        log.warning(event, error=repr(failure), in_seconds=round(state.upcoming_sleep, 2))

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_not_exception_type(Stopped),
        wait=tenacity.wait_exponential(multiplier=FIRST_WAIT, max=MOST_WAIT),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(attempt)
