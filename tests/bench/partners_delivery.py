"""Partner delivery: 5,000 events (workers registering in jobs, over RPC) go from commit to a partner's
nameko consumer (AMQP, as the partner's broker user) and to its webhook receiver; once undisturbed, once with
the relay SIGKILLed and the partners' broker connections dropped 30 % into the burst, and once with the broker
itself restarted 30 % into the burst (a private RabbitMQ node the benchmark starts, tests/chaos/platform.py;
the shared broker is never restarted). Reports events per
second from first commit to last receipt, delay percentiles from commit to receipt, and lost/doubled counts.
500 events of a second tenant run alongside and must reach neither."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from tests.e2e.partners.burst import run_burst

NAME = "partners_delivery"
EVENTS = 5000
OTHER = 500


def _line(label: str, outcome, received: dict[str, float], handled: int) -> str:
    delays = outcome.delays_ms(received)
    lost = len(set(outcome.committed) - set(received))
    stray = len(set(received) - set(outcome.committed))
    last = max(received.values()) if received else 0.0
    first = min(outcome.committed.values()) if outcome.committed else 0.0
    per_second = len(received) / (last - first) if last > first else 0.0
    p95 = delays[min(len(delays) - 1, int(round(0.95 * (len(delays) - 1))))] if delays else float("nan")
    median = statistics.median(delays) if delays else float("nan")
    return (f"| {label} | {len(outcome.committed)} | {len(received)} | {lost} | {handled - len(received)} | "
            f"{stray} | {per_second:.0f} | {median:.0f} | {p95:.0f} |")


def run(bench) -> str:
    platform = bench.platform
    worker = platform.processes.start_webhooks("--retry-base", "0.5", "--retry-cap", "5")
    log_dir = Path(tempfile.mkdtemp(prefix="fengchao-bench-partners-"))
    try:
        calm = run_burst(platform, tenant="xiangyang", other_tenant="dongxin", count=EVENTS, other_count=OTHER,
                         log_dir=log_dir, kill_after=None, timeout=600, threads=16)
        killed = run_burst(platform, tenant="huanqiu", other_tenant="dongxin", count=EVENTS, other_count=OTHER,
                           log_dir=log_dir, kill_after=0.3, timeout=600, threads=16)
    finally:
        platform.processes.stop(worker)
    restarted = _broker_restart_run(log_dir)
    commit_rate = EVENTS / max(1e-9, max(calm.committed.values()) - min(calm.committed.values()))
    rows = [
        _line("undisturbed → AMQP consumer", calm, calm.amqp, calm.amqp_lines),
        _line("undisturbed → webhook receiver", calm, calm.webhook, len(calm.webhook)),
        _line("relay killed + connections dropped → AMQP", killed, killed.amqp, killed.amqp_lines),
        _line("relay killed + connections dropped → webhook", killed, killed.webhook, len(killed.webhook)),
        _line("broker restarted → AMQP", restarted, restarted.amqp, restarted.amqp_lines),
        _line("broker restarted → webhook", restarted, restarted.webhook, len(restarted.webhook)),
    ]
    bench.summary.append((NAME, rows[1].split("|")[7].strip() + " events/s to webhooks, p95 "
                          + rows[1].split("|")[9].strip() + " ms"))
    return "\n".join([
        f"{EVENTS} events of one tenant (plus {OTHER} of another, which must reach neither receiver) committed by "
        "the jobs service over RPC from 16 threads; the relay publishes them to `fengchao.partners`; the example "
        "nameko consumer (`examples/amqp_consumer`, as the tenant's broker user) and the example webhook receiver "
        "(`examples/webhook_receiver`, through `python -m gateway.webhooks`) each handle every event once. "
        f"Baseline: the commit rate itself, {commit_rate:.0f} events/s.",
        "",
        "| run → receiver | committed | received | lost | handled twice | other tenant's | events/s commit→receipt "
        "| median ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Wire deliveries to the webhook receiver: {calm.webhook_deliveries} undisturbed, "
        f"{killed.webhook_deliveries} in the killed run, {restarted.webhook_deliveries} in the broker restart "
        "(at least once; duplicates are dropped by event id).",
        "",
        f"Broker restart: a private RabbitMQ node (same machine, its own ports and data) stopped with `rabbitmqctl "
        f"shutdown` 30 % into the burst, down 2 s, started again on the same data; unreachable "
        f"{restarted.broker_down_seconds:.1f} s in all. The relay, the jobs service, the webhook worker and the "
        f"partner's consumer reconnected by themselves; {restarted.rpc_retries} registrations that failed fast "
        "(503/504) meanwhile were retried by the burst's clients.",
    ])


def _broker_restart_run(log_dir: Path):
    from tests.chaos.platform import private_platform

    with private_platform(log_dir / "private", services=("jobs",)) as private:
        worker = private.processes.start_webhooks("--retry-base", "0.5", "--retry-cap", "5")
        try:
            return run_burst(private, tenant="xiangyang", other_tenant="dongxin", count=EVENTS, other_count=OTHER,
                             log_dir=log_dir, kill_after=0.3, timeout=600, threads=16, fault="broker")
        finally:
            private.processes.stop(worker)
