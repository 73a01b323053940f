"""What every benchmark shares: the platform under test, closed-loop load, and the report.

Figures are ratios against a baseline measured in the same run (this machine is
shared and noisy), with the absolute numbers beside them.
"""

from __future__ import annotations

import platform as _platform
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    label: str
    calls: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False, default_factory=list)

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


def closed_loop(label: str, make_worker: Callable[[], Callable[[], None]], *, concurrency: int,
                seconds: float, warmup: float = 1.0) -> LoadResult:
    """`concurrency` threads, each calling its own worker function back to back
    for `seconds` (after a warm-up whose calls are not counted)."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    start_at = time.monotonic() + warmup
    stop_at = start_at + seconds
    ready = threading.Barrier(concurrency + 1)

    def loop(index: int) -> None:
        call = make_worker()
        ready.wait()
        while True:
            began = time.monotonic()
            if began >= stop_at:
                return
            try:
                call()
                ok = True
            except Exception:
                ok = False
            ended = time.monotonic()
            if began >= start_at:
                if ok:
                    latencies[index].append((ended - began) * 1000)
                else:
                    errors[index] += 1

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join()
    merged = [ms for per_thread in latencies for ms in per_thread]
    return LoadResult(label, len(merged), sum(errors), seconds, merged)


def machine_description() -> str:
    import os

    return f"{_platform.system()} {_platform.machine()}, {os.cpu_count()} cores, Python {_platform.python_version()}"


def row(result: LoadResult) -> str:
    return (f"| {result.label} | {result.per_second:,.0f} | {result.median:.1f} | {result.percentile(95):.1f} | "
            f"{result.errors} |")


TABLE_HEAD = "| measured | per second | median ms | p95 ms | errors |\n|---|---:|---:|---:|---:|"
