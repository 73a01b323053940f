"""`make chaos`: the four faults under a steady mixed load, on a private broker and database, with a
report per fault (requests sent, succeeded, failed fast, reconciliation expected vs found, lost, doubled).

    python -m tests.chaos.run            # the full version
    python -m tests.chaos.run --short    # what `make test` runs (tests/chaos/test_faults.py)
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
SHORT = {"before": 1.5, "after": 1.0, "threads": 4,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the short version `make test` runs")
    parser.add_argument("--only", nargs="*", help="kill9 rabbitmq postgres hang")
    args = parser.parse_args(argv)
    reports = run(full=not args.short, only=args.only, out=lambda line: print(line, flush=True))
    problems = [f"{r.fault.label}: {p}" for r in reports for p in r.problems()]
    for problem in problems:
        print("PROBLEM", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
