"""The four faults, each under the steady mixed load, and what each one's report holds.

(a) kill -9 one service process (points), a supervisor starts it again after `down` seconds;
(b) restart RabbitMQ (the private node: clean `rabbitmqctl shutdown` + start, or SIGKILL + start);
(c) restart PostgreSQL (the private cluster: `pg_ctl stop -m fast|immediate` + start);
(d) one service hangs (points SIGSTOPped for longer than the gateway's RPC timeout, then SIGCONT).

For each: the gateway keeps answering (503/504 for the affected routes, no slower than the RPC timeout
plus a margin; a probe on a route the fault does not touch keeps getting 200), everything reconnects by
itself (`/readyz` answers 200 again), and the reconciliation finds exactly what clients were told.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from tests.chaos.platform import RPC_TIMEOUT, ChaosPlatform
from tests.chaos.workload import Kind, Load, Probe, World, reconcile, wait_for_outboxes

# A failed answer may take the RPC timeout, plus the time to connect or publish, plus a loaded machine.
FAIL_FAST_LIMIT = RPC_TIMEOUT + 3.0


@dataclass
class Fault:
    name: str
    label: str
    inject: Callable[[ChaosPlatform], str]  # returns what was done, for the report
    probe: tuple[str, str]  # (person key or "", path) of a route the fault must not break
    probe_must_pass: bool  # False when the fault takes everything down (broker, database)


def _service_proc(platform: ChaosPlatform, service: str):
    proc = platform.services[service]
    assert proc.poll() is None, f"{service} is not running"
    return proc


def kill_service(service: str, down: float) -> Callable[[ChaosPlatform], str]:
    def inject(platform: ChaosPlatform) -> str:
        proc = _service_proc(platform, service)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        platform.processes.running.remove(proc)
        time.sleep(down)
        platform.restart_service(service)
        return f"SIGKILL {service} (pid {proc.pid}), restarted after {down:g} s"

    return inject


def hang_service(service: str, hang: float) -> Callable[[ChaosPlatform], str]:
    def inject(platform: ChaosPlatform) -> str:
        proc = _service_proc(platform, service)
        os.killpg(proc.pid, signal.SIGSTOP)
        try:
            time.sleep(hang)
        finally:
            os.killpg(proc.pid, signal.SIGCONT)
        return f"SIGSTOP {service} for {hang:g} s (RPC timeout {RPC_TIMEOUT:g} s), then SIGCONT"

    return inject


def restart_rabbit(hard: bool, down: float) -> Callable[[ChaosPlatform], str]:
    def inject(platform: ChaosPlatform) -> str:
        took = platform.rabbit.restart(hard=hard, down_for=down)
        return f"RabbitMQ {'SIGKILL' if hard else 'rabbitmqctl shutdown'} + start, unreachable {took:.1f} s"

    return inject


def restart_postgres(mode: str, down: float) -> Callable[[ChaosPlatform], str]:
    def inject(platform: ChaosPlatform) -> str:
        took = platform.postgres.restart(mode=mode, down_for=down)
        return f"PostgreSQL pg_ctl stop -m {mode} + start, unreachable {took:.1f} s"

    return inject


def faults(full: bool) -> list[Fault]:
    jobs_posts = ("chaos_xiangyang_0", "/api/v1/jobs/posts")
    healthz = ("", "/healthz")
    return [
        Fault("kill9", "(a) kill -9 the points service", kill_service("points", down=6.0 if full else 3.5),
              jobs_posts, True),
        Fault("rabbitmq", "(b) restart RabbitMQ", restart_rabbit(hard=not full, down=3.0 if full else 1.0),
              healthz, True),
        Fault("postgres", "(c) restart PostgreSQL",
              restart_postgres(mode="fast" if full else "immediate", down=4.0 if full else 1.0), healthz, True),
        Fault("hang", "(d) the points service hangs", hang_service("points", hang=3 * RPC_TIMEOUT if full
                                                                    else 2 * RPC_TIMEOUT), jobs_posts, True),
    ]


@dataclass
class Report:
    fault: Fault
    done: str
    load: Load
    probe: Probe
    recovered_after: float  # seconds from the fault's end to /readyz answering 200
    reconciled: dict[str, Kind]
    unpublished: int
    notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return sum(k.lost for k in self.reconciled.values())

    @property
    def doubled(self) -> int:
        return sum(k.doubled for k in self.reconciled.values())

    def problems(self) -> list[str]:
        out = []
        s = self.load.stats
        if self.lost or self.doubled:
            out.append(f"lost={self.lost} doubled={self.doubled}")
        for kind in self.reconciled.values():
            if not kind.exact:
                out.append(f"{kind.kind}: {kind}")
        if s.slowest_failure > FAIL_FAST_LIMIT:
            out.append(f"a 503/504 took {s.slowest_failure:.1f} s (limit {FAIL_FAST_LIMIT:g} s)")
        if s.other_errors:
            out.append(f"{s.other_errors} answers other than 2xx/503/504: {s.errors[:5]}")
        gave_up = [op for op in self.load.done if op.outcome == "gave_up"]
        if gave_up:
            out.append(f"{len(gave_up)} writes never got a definite answer")
        if self.fault.probe_must_pass and set(self.probe.statuses) - {200}:
            out.append(f"probe {self.fault.probe[1]} got {dict(self.probe.statuses)}")
        if self.probe.slowest > FAIL_FAST_LIMIT:
            out.append(f"probe {self.fault.probe[1]} took {self.probe.slowest:.1f} s")
        if self.unpublished:
            out.append(f"{self.unpublished} outbox events still unpublished")
        return out

    def lines(self) -> list[str]:
        s = self.load.stats
        out = [f"{self.fault.label}: {self.done}; ready again {self.recovered_after:.1f} s after",
               f"  requests sent {s.sent}, writes succeeded {s.succeeded} (of which {s.replays} learnt on a retry), "
               f"failed fast {s.failed_fast} (slowest {s.slowest_failure:.1f} s), connection errors "
               f"{s.connection_errors}, other errors {s.other_errors}",
               f"  statuses {dict(sorted(s.statuses.items(), key=str))}; probe {self.fault.probe[1]}: "
               f"{dict(self.probe.statuses)}, slowest {self.probe.slowest:.2f} s"]
        for kind in self.reconciled.values():
            out.append(f"  {kind.kind:<7} expected {kind.expected:>4}  found {kind.found:>4}  lost {kind.lost}  "
                       f"doubled {kind.doubled}  unexpected {kind.unexpected}  events {kind.events_found}/"
                       f"{kind.events_expected} (unpublished {kind.events_unpublished})")
        out.append(f"  lost={self.lost} doubled={self.doubled}" + ("" if not self.problems() else
                                                                 "  PROBLEMS: " + "; ".join(self.problems())))
        return out


def wait_ready(platform: ChaosPlatform, timeout: float = 120.0) -> float:
    began = time.monotonic()
    last = None
    while time.monotonic() - began < timeout:
        try:
            last = requests.get(platform.url("/readyz"), timeout=10)
            if last.status_code == 200:
                return time.monotonic() - began
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.25)
    detail = last.text if isinstance(last, requests.Response) else repr(last)
    raise AssertionError(f"the platform was not ready {timeout:g} s after the fault: {detail}")


def run_fault(platform: ChaosPlatform, world: World, fault: Fault, *, before: float, after: float,
              threads: int, sizes: dict[str, int]) -> Report:
    ops = world.phase_ops(**sizes)
    load = Load(world, ops, threads=threads).start()
    probe = Probe(world, *fault.probe).start()
    try:
        time.sleep(before)
        done = fault.inject(platform)
        recovered = wait_ready(platform)
        time.sleep(after)
    finally:
        probe.stop()
        load.stop()
    unpublished = wait_for_outboxes(platform)
    return Report(fault, done, load, probe, recovered, reconcile(platform, load.done), unpublished)
