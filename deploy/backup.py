"""Back up and restore the component databases (PostgreSQL), one dump file per database.

    python deploy/backup.py backup  --to /backups/2026-11-28           # all five components
    python deploy/backup.py backup  jobs points --to /backups/now
    python deploy/backup.py restore jobs --from /backups/now/jobs.dump [--into postgresql://…/fengchao_jobs_restored]

Each service owns its database, so each is dumped on its own (`pg_dump --format=custom`: compressed,
restorable table by table, consistent as one snapshot of that database). A dump holds the schema
with its row-level-security policies, the alembic revision, the outbox (events not yet published are
published after a restore — consumers are idempotent by event id) and the processed-event records
(so nothing is applied twice after a restore).

Restore goes into an EMPTY database (created when missing; refused when it has tables), owned by the
connecting role, then the app role's grants are applied again (`migrate.grant_app_role`), so the
services can connect as that role with RLS binding it. Stop the service (and relays) before
restoring over its live database name; see docs/operations.md.

URLs come from the same settings as every process (`<COMPONENT>_DATABASE_URL` or DATABASE_URL's
template); PGPASSWORD etc. are passed through from the URL to pg_dump/pg_restore.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common import config  # noqa: E402
from services.common.database import driver_url  # noqa: E402
from services.common.migrate import COMPONENTS, ensure_database, grant_app_role  # noqa: E402


def libpq_args(url: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore connection arguments for a SQLAlchemy URL; the password goes in the
    environment (PGPASSWORD), never on the command line where `ps` shows it."""
    parsed = make_url(driver_url(url))
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"backups are for PostgreSQL databases, not {parsed.get_backend_name()}")
    args = ["--dbname", parsed.database or "postgres"]
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return args, env


def backup(component: str, directory: Path, url: str | None = None) -> Path:
    """Dump one component's database to `<directory>/<component>.dump`."""
    url = url or config.database_url(component)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{component}.dump"
    args, env = libpq_args(url)
    subprocess.run(["pg_dump", "--format=custom", "--compress=6", "--no-password", "--file", str(target), *args],
                   env=env, check=True)
    return target


def _table_count(url: str) -> int:
    engine = sa.create_engine(driver_url(url))
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
    finally:
        engine.dispose()


def restore(component: str, dump: Path, url: str | None = None) -> str:
    """Restore `dump` into an empty database (the component's own URL unless `url` names another)."""
    url = url or config.database_url(component)
    ensure_database(url)
    if _table_count(url):
        raise SystemExit(f"{make_url(url).database} is not empty; restore into a new database, or drop this one "
                         "first (after stopping the service and its relays)")
    args, env = libpq_args(url)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", "--no-password",
                    *args, str(dump)], env=env, check=True)
    grant_app_role(url)
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Back up or restore Fengchao's PostgreSQL databases.")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="dump component databases")
    make.add_argument("components", nargs="*", help=f"any of {', '.join(COMPONENTS)} (default: all)")
    make.add_argument("--to", type=Path, required=True, help="folder for <component>.dump files")
    back = commands.add_parser("restore", help="restore one component's dump into an empty database")
    back.add_argument("component", choices=COMPONENTS)
    back.add_argument("--from", dest="dump", type=Path, required=True)
    back.add_argument("--into", help="database URL to restore into (default: the component's own)")
    args = parser.parse_args(argv)
    if args.command == "backup":
        unknown = set(args.components) - set(COMPONENTS)
        if unknown:
            parser.error(f"unknown components: {', '.join(sorted(unknown))}")
        for component in args.components or COMPONENTS:
            print(f"{component}: {backup(component, args.to)}")
    else:
        restored = restore(args.component, args.dump, args.into)
        print(f"{args.component}: restored into {make_url(restored).database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
