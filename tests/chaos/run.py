"""`make chaos`: the four faults under a steady mixed load, on a private broker and database, with a
report per fault (requests sent, succeeded, failed fast, reconciliation expected vs found, lost, doubled).

    python -m tests.chaos.run            # the full version
    python -m tests.chaos.run --short    # what `make test` runs (tests/chaos/test_faults.py)
    python -m tests.chaos.run --record   # also write the report to docs/benchmarks.md (section "chaos")
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from tests.chaos.faults import faults, run_fault
from tests.chaos.platform import private_platform
from tests.chaos.workload import World

FULL = {"before": 4.0, "after": 5.0, "threads": 6,
        "sizes": {"sessions": 3, "posts": 3, "votes": 2, "awards": 400}}
SHORT = {"before": 1.0, "after": 0.5, "threads": 4,
         "sizes": {"sessions": 1, "posts": 1, "votes": 1, "awards": 60}}


def run(full: bool, only: list[str] | None = None, out=print) -> list:
    settings = FULL if full else SHORT
    reports = []
    began = time.monotonic()
    with private_platform(os.environ.get("CHAOS_LOG_DIR") or None) as platform:
        out(f"private RabbitMQ {platform.rabbit.node} on :{platform.rabbit.amqp_port}, private PostgreSQL on "
            f":{platform.postgres.port}; platform up in {time.monotonic() - began:.0f} s")
        world = World(platform, residents_per_tenant=6 if full else 4)
        for fault in faults(full):
            if only and fault.name not in only:
                continue
            report = run_fault(platform, world, fault, **settings)
            reports.append(report)
            for line in report.lines():
                out(line)
    out(f"chaos: {len(reports)} faults in {time.monotonic() - began:.0f} s; "
        f"lost={sum(r.lost for r in reports)} doubled={sum(r.doubled for r in reports)}")
    return reports


def record(reports: list, full: bool) -> str:
    """The benchmarks.md section: one table row per fault, then each fault's reconciliation."""
    settings = FULL if full else SHORT
    rows = []
    detail = []
    for r in reports:
        s = r.load.stats
        rows.append(f"| {r.fault.label} | {r.done} | {r.recovered_after:.1f} | {s.sent} | {s.succeeded} | "
                    f"{s.failed_fast} | {s.slowest_failure:.1f} | {s.connection_errors + s.other_errors} | "
                    f"{dict(r.probe.statuses)} | {r.lost} | {r.doubled} |")
        detail.append(f"- **{r.fault.label}**: " + "; ".join(
            f"{k.kind} {k.expected}/{k.found}, events {k.events_found}/{k.events_expected}"
            for k in r.reconciled.values()))
    return "\n".join([
        f"`make chaos` ({'full' if full else 'short'} version): the platform over a private RabbitMQ node and "
        f"PostgreSQL cluster, gateway `RPC_TIMEOUT=3`; {settings['threads']} client threads writing points awards, "
        "training enrolments, job applications and council ballots (two tenants) with idempotency keys, retrying "
        f"503/504 until a definite answer; load average {os.getloadavg()[0]:.1f} at the end (other runs share the "
        "machine). See docs/reliability.md.",
        "",
        "| fault | what was done | ready again after (s) | requests sent | writes succeeded | failed fast "
        "(503/504) | slowest 503/504 (s) | other errors | probe on an unaffected route | lost | doubled |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
        *rows,
        "",
        "Reconciliation, expected (clients were told it succeeded) / found (in the services' databases), and "
        "outbox events found / expected (all published):",
        "",
        *detail,
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the short version `make test` runs")
    parser.add_argument("--only", nargs="*", help="kill9 rabbitmq postgres hang")
    parser.add_argument("--record", action="store_true", help="write the report to docs/benchmarks.md")
    args = parser.parse_args(argv)
    printed: list[str] = []

    def out(line: str) -> None:
        printed.append(line)
        print(line, flush=True)

    reports = run(full=not args.short, only=args.only, out=out)
    problems = [f"{r.fault.label}: {p}" for r in reports for p in r.problems()]
    if args.record:
        from tests.bench.run import DOC, write_section

        write_section("chaos", record(reports, full=not args.short))
        DOC.write_text(DOC.read_text().replace("by `make bench` (`python -m tests.bench.run chaos`)",
                                               "by `make chaos` (`python -m tests.chaos.run --record`)"))
    for problem in problems:
        print("PROBLEM", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
