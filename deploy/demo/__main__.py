"""`make demo` / `python -m deploy.demo [--size small|full]`: load the demo data set into a running platform.

The platform is the one `make run` started (SQLite under var/db, the local RabbitMQ) unless
DATABASE_URL and AMQP_URI say otherwise; the services must be running, since everything but
the accounts goes through their RPC interfaces. Rerunning adds nothing that is already there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from deploy.demo import data  # noqa: E402
from deploy.demo.calls import Actor, Caller, Progress  # noqa: E402
from deploy.demo.loader import Loader, World  # noqa: E402
from deploy.demo.people import ensure_accounts, ensure_residents, ensure_tenants, gateway_session, memberships_by_tenant  # noqa: E402
from services.common import config  # noqa: E402


def local_defaults() -> None:
    """Point at what `make run` uses when nothing else is named."""
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT}/var/db/{{service}}.sqlite3")
    os.environ.setdefault("AMQP_URI", config.get("AMQP_URI"))


def load(size_name: str, *, threads: int = 4, quiet: bool = False, stream=None) -> dict[str, int]:
    size = data.SIZES[size_name]
    progress = Progress(stream=stream, quiet=quiet)
    progress.start()
    started = time.monotonic()
    session = gateway_session()
    try:
        ensure_tenants(session, size)
        accounts = data.accounts(size)
        ids = ensure_accounts(session, accounts)
        residents = data.residents(size)
        progress.plan("residents", len(residents))
        resident_ids = ensure_residents(session, residents, progress)
        tenants = sorted({a.tenant_id for a in accounts} | {r.tenant_id for r in residents})
        expected = memberships_by_tenant(session, tenants)
    finally:
        session.close()
        session.bind.dispose()  # type: ignore[union-attr]
    world = World(size=size)
    for account in accounts:
        actor = Actor(account.tenant_id, ids[account.phone], account.roles)
        if "tenant_admin" in account.roles:
            world.staff[account.tenant_id] = actor
        if "merchant" in account.roles:
            world.merchant_ops[account.tenant_id] = actor
    world.residents = [(r, resident_ids[r.phone]) for r in residents]
    world.by_tenant = defaultdict(list)
    for r in residents:
        world.by_tenant[r.tenant_id].append(r.index)
    caller = Caller(os.environ["AMQP_URI"], progress, connections=threads * 6)
    try:
        caller.wait_for_members(expected)
        summary = Loader(caller, world, threads=threads).run()
    finally:
        progress.stop()
        caller.close()
    summary = {"communities": size.communities, "partners": len(data.PARTNERS), "residents": len(residents),
               "log_in_accounts": len(accounts), **summary, "rpc_calls": progress.calls,
               "seconds": round(time.monotonic() - started, 1), "step_seconds": progress.timings}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(data.SIZES), default="small")
    parser.add_argument("--threads", type=int, default=4, help="threads per service pipeline (default 4)")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    args = parser.parse_args(argv)
    local_defaults()
    summary = load(args.size, threads=args.threads, quiet=args.quiet)
    print(json.dumps(summary, ensure_ascii=False))
    print(f"[demo] log in with any of these (password {data.DEMO_PASSWORD}): " + ", ".join(
        f"{a.phone} {a.name} [{a.tenant_id}: {','.join(a.roles)}]" for a in data.accounts(data.SIZES[args.size])[:6])
        + " … (docs/demo.md lists them all)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
