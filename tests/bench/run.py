"""`make bench`: every benchmark in one command; prints a summary and rewrites
each benchmark's section of docs/benchmarks.md.

    python -m tests.bench.run                  # all
    python -m tests.bench.run gateway_overhead  # some
    python -m tests.bench.run --print-only jobs_recommendations  # measure, leave docs/benchmarks.md alone
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.bench.harness import machine_description
from tests.conftest import Platform, seed_identity, seeded_memberships
from tests.support.infra import discover
from tests.support.processes import Processes


def discovered() -> list[str]:
    """Every module in tests/bench/ that defines NAME and run(bench) is a benchmark."""
    import pkgutil

    import tests.bench as package

    names = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in ("run", "harness"):
            continue
        module = importlib.import_module(f"tests.bench.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            names.append(info.name)
    return sorted(names, key=lambda n: (n != "gateway_overhead", n))


BENCHMARKS = discovered()
DOC = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


class Bench:
    gateway_workers = 2
    gateway_threads = 16

    def __init__(self, platform: Platform):
        self.platform = platform
        self.summary: list[tuple[str, str]] = []
        self.cleanups: list = []


def write_section(name: str, body: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (f"<!-- bench:{name} -->\n## {name}\n\n_Measured {stamp} on {machine_description()} by "
               f"`make bench` (`python -m tests.bench.run {name}`)._\n\n{body}\n<!-- /bench:{name} -->")
    pattern = re.compile(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->", re.S)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*", default=BENCHMARKS, help=", ".join(BENCHMARKS))
    parser.add_argument("--print-only", action="store_true",
                        help="print the results without rewriting docs/benchmarks.md (partial or noisy runs)")
    args = parser.parse_args(argv)
    found = discover()
    if isinstance(found, str):
        print(found, file=sys.stderr)
        return 3
    infra = found
    infra.create()
    processes = Processes(infra, Path(tempfile.mkdtemp(prefix="fengchao-bench-")))
    try:
        people = seed_identity(infra.owner_url("gateway"))
        for service in infra.services:
            processes.start_service(service)
        processes.start_relay(*infra.services)
        # Long-lived tokens: the largest benchmarks run longer than a normal access token lives.
        base_url = processes.start_gateway(workers=Bench.gateway_workers, threads=Bench.gateway_threads,
                                           LOG_LEVEL="WARNING", JWT_ACCESS_TTL="21600")
        processes.wait_for_members(seeded_memberships(people))
        bench = Bench(Platform(base_url, people, infra, processes, None))
        for name in args.names:
            started = time.monotonic()
            print(f"== {name}", flush=True)
            body = importlib.import_module(f"tests.bench.{name}").run(bench)
            print(body, flush=True)
            if not args.print_only:
                write_section(name, body)
            print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
        print("\nSummary")
        for name, line in bench.summary:
            print(f"  {name:<24} {line}")
        for cleanup in bench.cleanups:
            with contextlib.suppress(Exception):
                cleanup()
    finally:
        processes.stop_all()
        infra.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
