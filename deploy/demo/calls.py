"""RPC calls as a given person, many at once, with a progress line on stderr."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from gateway.rpc import RpcPool
from services.common.context import CallContext
from services.common.errors import FengchaoError

T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """Who a call acts as: what the gateway would put in the context after a log-in."""

    tenant_id: str
    user_id: str
    roles: tuple[str, ...]

    def context(self) -> dict[str, str]:
        return CallContext(tenant_id=self.tenant_id, user_id=self.user_id, roles=frozenset(self.roles),
                           request_id="demo-loader").to_context_data()


class Progress:
    """One line on stderr, rewritten in place on a terminal (a line every 5 s otherwise)."""

    def __init__(self, stream=None, quiet: bool = False):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.calls = 0
        self.steps: dict[str, list[int]] = {}
        self.timings: dict[str, float] = {}  # seconds each step took
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def plan(self, label: str, total: int) -> None:
        with self._lock:
            self.steps[label] = [0, total]

    def advance(self, label: str, n: int = 1) -> None:
        with self._lock:
            step = self.steps.setdefault(label, [0, 0])
            step[0] += n

    def called(self) -> None:
        with self._lock:
            self.calls += 1

    def line(self) -> str:
        with self._lock:
            elapsed = time.monotonic() - self.started
            done = sum(min(d, t) for d, t in self.steps.values())
            total = sum(t for _d, t in self.steps.values()) or 1
            active = [f"{label} {d:,}/{t:,}" for label, (d, t) in self.steps.items() if 0 < d < t][:3]
            calls = self.calls
        bar = "█" * int(24 * done / total) + "░" * (24 - int(24 * done / total))
        return (f"[demo] {int(elapsed) // 60:02d}:{int(elapsed) % 60:02d} {bar} {100 * done / total:5.1f}%  "
                f"{calls:,} calls ({calls / max(elapsed, 0.001):,.0f}/s)  " + "  ".join(active))

    def start(self) -> None:
        if self.quiet:
            return

        def run() -> None:
            every = 0.5 if self.tty else 5.0
            while not self._stop.wait(every):
                self._write()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def _write(self) -> None:
        if self.tty:
            self.stream.write("\r" + self.line()[:160].ljust(160))
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._write()
            if self.tty:
                self.stream.write("\n")
            self.stream.flush()


class Caller:
    def __init__(self, amqp_uri: str, progress: Progress, connections: int = 16, timeout: float = 120.0):
        # One broker connection per thread that calls; the pool never blocks a thread for long.
        self.pool = RpcPool(amqp_uri, size=connections, timeout=timeout, acquire_timeout=600)
        self.progress = progress
        self.connections = connections

    def call(self, actor: Actor, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.pool.call(service, method, *args, context_data=actor.context(), **kwargs)
        except FengchaoError as exc:
            exc.add_note(f"in {service}.{method} as {actor.roles} of {actor.tenant_id}: {exc.detail} {exc.extra}")
            raise
        finally:
            self.progress.called()

    def each(self, label: str, items: Iterable[T], fn: Callable[[T], Any], threads: int) -> list[Any]:
        """fn(item) for every item, `threads` at a time; results in order; the first error stops the step."""
        items = list(items)
        self.progress.plan(label, len(items))
        if not items:
            return []
        started = time.monotonic()
        try:
            return self._each(label, items, fn, threads)
        finally:
            self.progress.timings[label] = round(time.monotonic() - started, 1)

    def _each(self, label: str, items: list, fn: Callable[[Any], Any], threads: int) -> list[Any]:
        def one(item: T) -> Any:
            result = fn(item)
            self.progress.advance(label)
            return result

        if threads <= 1:
            return [one(item) for item in items]
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"demo-{label}") as pool:
            return list(pool.map(one, items))

    def wait_for_members(self, expected: dict[str, int], timeout: float = 1800.0) -> None:
        """Until every service knows as many members of each tenant as identity holds: people reach the
        services as identity events, asynchronously, and the steps that follow name them."""
        from services.common.config import SERVICE_NAMES

        pending = [(service, tenant, count) for tenant, count in sorted(expected.items()) for service in SERVICE_NAMES]
        total = sum(count for _s, _t, count in pending)
        self.progress.plan("members known", total)
        started = deadline = time.monotonic()
        deadline += timeout
        while pending:
            service, tenant, count = pending[0]
            known = self.pool.call(service, "member_count", context_data=Actor(tenant, "", ()).context())
            if known >= count:
                pending.pop(0)
                self.progress.advance("members known", count)
                continue
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service} knows {known} of {count} members of {tenant}")
            time.sleep(0.5)
        self.progress.timings["members known"] = round(time.monotonic() - started, 1)

    def close(self) -> None:
        self.pool.close()
