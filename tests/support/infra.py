"""Real RabbitMQ and PostgreSQL for the suite, each run in its own vhost and databases.

Where each comes from, in order:
1. `AMQP_URI` / `DATABASE_URL` from the environment (DATABASE_URL names a
   PostgreSQL server; any database on it — the suite creates its own beside it);
2. otherwise this machine's own server on its standard port (5672 with the management
   API on 15672, 5432 as user postgres), started when it is installed and stopped and its
   management plugin enabled (deploy/local_servers.py), so `make test` needs no variables;
3. otherwise, if a Docker engine answers, testcontainers starts it;
4. otherwise the run stops with a message saying what is missing and how to fix it.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from deploy import local_servers
from services.common import config
from services.common.database import driver_url, make_engine
from services.common.migrate import rls_statements, upgrade

HOW_TO_FIX = """\
The integration and end-to-end tests need a real RabbitMQ (with the management
plugin) and a real PostgreSQL. Either
  - install them on this machine (Debian/Ubuntu: sudo apt-get install rabbitmq-server postgresql):
    the suite finds them on their standard ports and starts them when they are stopped, or
  - export AMQP_URI=amqp://user:password@host:5672/ DATABASE_URL=postgresql://user@host:5432/postgres
    (servers elsewhere; RABBITMQ_MANAGEMENT_URL when the management API is not on port 15672), or
  - start a Docker engine, and the suite will run them in containers (testcontainers).
Unit tests alone: `make unit`."""


@dataclass
class Infra:
    amqp_server_uri: str
    database_server_url: str
    management_url: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _containers: list = field(default_factory=list)

    @property
    def vhost(self) -> str:
        return f"fct-{self.run_id}"

    @property
    def amqp_uri(self) -> str:
        parts = urlsplit(self.amqp_server_uri)
        return urlunsplit((parts.scheme, parts.netloc, "/" + quote(self.vhost, safe=""), "", ""))

    def database_name(self, component: str) -> str:
        return f"fct_{self.run_id}_{component}"

    @property
    def database_template(self) -> str:
        return str(make_url(self.database_server_url).set(database=self.database_name("{service}"))
                   .render_as_string(hide_password=False)).replace("%7Bservice%7D", "{service}")

    def owner_url(self, component: str) -> str:
        return config.database_url(component, self.database_template)

    def app_url(self, component: str) -> str:
        return config.app_database_url(component, self.database_template)

    def env(self) -> dict[str, str]:
        """Environment for the processes under test."""
        return {"AMQP_URI": self.amqp_uri, "DATABASE_URL": self.database_template}

    # --- set-up and tear-down ------------------------------------------------------

    def _management(self, method: str, path: str, **kwargs) -> requests.Response:
        parts = urlsplit(self.management_url)
        base = urlunsplit((parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else ""), "", "", ""))
        response = requests.request(method, f"{base}/api{path}", auth=(parts.username or "guest",
                                                                       parts.password or "guest"), timeout=10,
                                    **kwargs)
        response.raise_for_status()
        return response

    @property
    def services(self) -> tuple[str, ...]:
        """The services this run starts: all, or those in TEST_SERVICES (comma-separated),
        so work on one service is not held up by another that is mid-change."""
        chosen = os.environ.get("TEST_SERVICES")
        if not chosen:
            return config.SERVICE_NAMES
        return tuple(s for s in config.SERVICE_NAMES if s in chosen.split(","))

    def create(self) -> None:
        vhost = quote(self.vhost, safe="")
        user = urlsplit(self.amqp_server_uri).username or "guest"
        self._management("PUT", f"/vhosts/{vhost}")
        self._management("PUT", f"/permissions/{vhost}/{user}", json={"configure": ".*", "write": ".*", "read": ".*"})
        for component in (*self.services, "gateway", *(["jobs"] if "jobs" not in self.services else [])):
            upgrade(component, self.owner_url(component))

    def ensure_tenant(self, tenant_id: str, name: str, kind: str) -> None:
        """A tenant in this run's gateway database, created through `gateway.identity` unless it exists
        (a partner college, the sub-district operator: tenants a fixture needs beside the communities)."""
        from sqlalchemy.orm import sessionmaker

        from gateway import identity

        engine = make_engine(self.owner_url("gateway"), pool_size=1)
        with sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            if session.get(identity.Tenant, tenant_id) is None:
                identity.create_tenant(session=session, tenant_id=tenant_id, name=name, kind=kind)
        engine.dispose()

    def create_extra_database(self, component: str, metadata: sa.MetaData) -> None:
        """A database for a test-only service (tables from its metadata, app role granted)."""
        from services.common.migrate import ensure_database, grant_app_role

        url = self.owner_url(component)
        ensure_database(url)
        engine = sa.create_engine(driver_url(url))
        metadata.create_all(engine)
        with engine.begin() as conn:
            for table in metadata.tables.values():
                if "tenant_id" in table.c:
                    for statement in rls_statements(table.name, shareable="audience" in table.c):
                        conn.execute(sa.text(statement))
        engine.dispose()
        grant_app_role(url)

    def connections(self) -> list[dict]:
        """Broker connections in this run's vhost, as the management API lists them."""
        return [c for c in self._management("GET", "/connections").json() if c.get("vhost") == self.vhost]

    def destroy(self) -> None:
        with contextlib.suppress(requests.RequestException):
            self._management("DELETE", f"/vhosts/{quote(self.vhost, safe='')}")
        admin = sa.create_engine(driver_url(self.database_server_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            names = conn.scalars(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                 {"p": f"fct_{self.run_id}_%"}).all()
            for name in names:
                conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                             {"n": name})
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
        for container in self._containers:
            container.stop()


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def _local_server(ensure: Callable[[], None], url: str, why_not: list[str]) -> str | None:
    """`url` once `ensure()` made this machine's server answer, else None with the reason noted."""
    try:
        ensure()
    except local_servers.NotAvailable as exc:
        why_not.append(str(exc))
        return None
    return url


def _containers_for(amqp: str | None, database: str | None) -> tuple[str, str, str | None, list]:
    """Testcontainers for the servers not found otherwise: AMQP URI, database URL, management URL (None:
    beside the broker of AMQP_URI) and the containers to stop at the end."""
    containers: list = []
    management = None
    if amqp is None:
        from testcontainers.rabbitmq import RabbitMqContainer

        rabbit = RabbitMqContainer("rabbitmq:3.13-management").with_exposed_ports(5672, 15672).start()
        containers.append(rabbit)
        host = rabbit.get_container_host_ip()
        amqp = f"amqp://guest:guest@{host}:{rabbit.get_exposed_port(5672)}/"
        management = f"http://guest:guest@{host}:{rabbit.get_exposed_port(15672)}"
    if database is None:
        from testcontainers.postgres import PostgresContainer

        postgres = PostgresContainer("postgres:16", driver="psycopg2").start()
        containers.append(postgres)
        database = postgres.get_connection_url()
    return amqp, database, management, containers


def discover() -> Infra | str:
    """An Infra, or the message to stop with. Each server: from the environment, else this machine's
    own, else a testcontainer (see the module's docstring)."""
    amqp, database = os.environ.get("AMQP_URI"), os.environ.get("DATABASE_URL")
    if database and not database.startswith("postgresql"):
        return f"DATABASE_URL must name a PostgreSQL server for the tests (got {database!r}).\n\n{HOW_TO_FIX}"
    if amqp:  # it must answer; the standard local one is started if it is stopped
        try:
            local_servers.ensure_rabbitmq(amqp, management=False)
        except local_servers.NotAvailable as exc:
            return f"{exc}\n\n{HOW_TO_FIX}"
    why_not: list[str] = []
    amqp = amqp or _local_server(local_servers.ensure_rabbitmq, local_servers.AMQP_URI, why_not)
    database = database or _local_server(local_servers.ensure_postgres, local_servers.DATABASE_URL, why_not)
    management = os.environ.get("RABBITMQ_MANAGEMENT_URL")
    containers: list = []
    if amqp is None or database is None:
        if not _docker_answers():
            return ("No RabbitMQ or PostgreSQL to test against, and no Docker engine answers:\n  - "
                    + "\n  - ".join(why_not) + "\n\n" + HOW_TO_FIX)
        amqp, database, container_management, containers = _containers_for(amqp, database)
        management = management or container_management
    host = urlsplit(amqp).hostname or "127.0.0.1"
    infra = Infra(amqp_server_uri=amqp, database_server_url=database.replace("{service}", "postgres"),
                  management_url=management or f"http://guest:guest@{host}:15672", _containers=containers)
    problem = _management_problem(infra)
    if problem and management is None and host in local_servers.LOCAL_HOSTS:
        try:  # the broker on this machine (from AMQP_URI): its management plugin may just be off
            local_servers.ensure_rabbitmq(amqp, management=True)
        except local_servers.NotAvailable as exc:
            problem = str(exc)
        else:
            problem = _management_problem(infra)
    if problem:
        return (f"RabbitMQ's management API did not answer at {infra.management_url} ({problem}).\n"
                "Enable it: rabbitmq-plugins enable rabbitmq_management\n\n" + HOW_TO_FIX)
    return infra


def _management_problem(infra: Infra) -> str | None:
    try:
        infra._management("GET", "/overview")
    except requests.RequestException as exc:
        return str(exc)
    return None
