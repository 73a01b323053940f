"""Alembic, the same way for every component (four services and the gateway).

`python -m services.common.migrate` upgrades every database to head;
`python -m services.common.migrate jobs gateway` only those.
On PostgreSQL it then makes sure the non-owner app role exists and may read and
write the tables, under the row-level-security policies the migrations created.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.schema import SchemaItem

from services.common import config
from services.common.database import driver_url

COMPONENTS = (*config.SERVICE_NAMES, "gateway")

RLS_SETTING = "app.tenant_id"


def _package(component: str) -> str:
    return "gateway" if component == "gateway" else f"services.{component}"


def alembic_config(component: str, url: str) -> Config:
    package = importlib.import_module(_package(component))
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(str(package.__file__)).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["component"] = component
    return cfg


def ensure_database(url: str) -> None:
    """Create the database (PostgreSQL) or its folder (SQLite) when missing."""
    parsed = make_url(driver_url(url))
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def grant_app_role(url: str) -> None:
    parsed = make_url(driver_url(url))
    if parsed.get_backend_name() != "postgresql":
        return
    role = config.get("DATABASE_APP_USER")
    password = config.get("DATABASE_APP_PASSWORD")
    engine = sa.create_engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if not conn.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                with contextlib.suppress(sa.exc.ProgrammingError):  # created meanwhile by a concurrent migration
                    conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
            if password:
                conn.execute(sa.text(f"ALTER ROLE \"{role}\" PASSWORD :p"), {"p": password})
            conn.execute(sa.text(f'GRANT CONNECT ON DATABASE "{parsed.database}" TO "{role}"'))
            conn.execute(sa.text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
            conn.execute(sa.text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'))
            conn.execute(sa.text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
    finally:
        engine.dispose()


def upgrade(component: str, url: str | None = None) -> None:
    url = url or config.database_url(component)
    ensure_database(url)
    command.upgrade(alembic_config(component, url), "head")
    grant_app_role(url)


# --- used inside migration scripts -------------------------------------------------


def run_env(target_metadata: sa.MetaData) -> None:
    """The body of every component's migrations/env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic was started without sqlalchemy.url")
    engine = sa.create_engine(driver_url(url))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def rls_statements(table: str, *, shareable: bool = False) -> list[str]:
    """Row-level security for a tenant-owned table: the app role writes only rows
    of the tenant set for its transaction and reads those (plus, for a Shareable
    table, rows whose audience names that tenant or everyone). The operator's
    read across tenants (`app.all_tenants`) is admitted for reads only."""
    own = f"tenant_id = current_setting('{RLS_SETTING}', true)"
    operator = "current_setting('app.all_tenants', true) = 'on'"
    readable = own
    if shareable:
        readable = (f"{own} OR audience = '*' OR "
                    f"audience LIKE '%,' || current_setting('{RLS_SETTING}', true) || ',%'")
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_write ON {table} FOR ALL USING ({own}) WITH CHECK ({own})",
        f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({readable} OR {operator})",
    ]


def enable_tenant_rls(table: str, *, shareable: bool = False) -> None:
    """Apply `rls_statements` in a migration (PostgreSQL; a no-op elsewhere)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in rls_statements(table, shareable=shareable):
        op.execute(statement)


def create_outbox_table(name: str, unpublished_index: str, *extra: SchemaItem) -> None:
    """An outbox table (database.OutboxColumns) with the partial index the relay reads by, and
    `extra` columns or constraints: the services' outbox_events, the gateway's identity_outbox."""
    op.create_table(
        name,
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        *extra,
    )
    op.create_index(unpublished_index, name, ["seq"], postgresql_where=sa.text("published_at IS NULL"),
                    sqlite_where=sa.text("published_at IS NULL"))


def create_event_tables() -> None:
    """The outbox and processed-event tables, identical in every service."""
    create_outbox_table("outbox_events", "ix_outbox_unpublished",
                        sa.Column("tenant_id", sa.String(64), nullable=False, index=True))
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    enable_tenant_rls("outbox_events")
    enable_tenant_rls("processed_events")


def create_members_table() -> None:
    """The members table every service keeps from identity events (services.common.members);
    the same in every service, tenant-scoped under row-level security like any tenant's rows."""
    op.create_table(
        "members",
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("display_name", sa.String(50), nullable=True),
        sa.Column("locale", sa.String(20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name="pk_members"),
    )
    enable_tenant_rls("members")


def create_tenant_crossings_table() -> None:
    """The audit of tenant crossings every service keeps (services.common.database.TenantCrossingColumns):
    tenant-scoped by the tenant crossed into, under row-level security like any tenant's rows."""
    op.create_table(
        "tenant_crossings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("acting_tenant", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    enable_tenant_rls("tenant_crossings")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Upgrade component databases to the newest migration.")
    parser.add_argument("components", nargs="*", help=f"any of {', '.join(COMPONENTS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = set(args.components) - set(COMPONENTS)
    if unknown:
        parser.error(f"unknown components: {', '.join(sorted(unknown))}")
    for component in args.components or COMPONENTS:
        upgrade(component)
        print(f"migrated {component}")


if __name__ == "__main__":
    main()
