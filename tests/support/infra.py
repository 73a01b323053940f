"""Real RabbitMQ and PostgreSQL for the suite, each run in its own vhost and databases.

Where they come from, in order:
1. `AMQP_URI` and `DATABASE_URL` from the environment (DATABASE_URL names a
   PostgreSQL server; any database on it — the suite creates its own beside it);
2. otherwise, if a Docker engine answers, testcontainers starts both;
3. otherwise the run stops with a message saying how to fix it.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from services.common import config
from services.common.database import driver_url, make_engine
from services.common.migrate import COMPONENTS, rls_statements, upgrade

HOW_TO_FIX = """\
The integration and end-to-end tests need a real RabbitMQ (with the management
plugin) and a real PostgreSQL. Either
  - export AMQP_URI=amqp://guest:guest@127.0.0.1:5672/ DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres
    (on a machine running both; `bash .ci/run` starts them where they are installed), or
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
        try:
            self._management("DELETE", f"/vhosts/{quote(self.vhost, safe='')}")
        except requests.RequestException:
            pass
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


def discover() -> Infra | str:
    """An Infra, or the message to stop with."""
    amqp, database = os.environ.get("AMQP_URI"), os.environ.get("DATABASE_URL")
    if amqp and database:
        if not database.startswith("postgresql"):
            return f"DATABASE_URL must name a PostgreSQL server for the tests (got {database!r}).\n\n{HOW_TO_FIX}"
        host = urlsplit(amqp).hostname or "127.0.0.1"
        management = os.environ.get("RABBITMQ_MANAGEMENT_URL", f"http://guest:guest@{host}:15672")
        infra = Infra(amqp_server_uri=amqp, database_server_url=database.replace("{service}", "postgres"),
                      management_url=management)
        try:
            infra._management("GET", "/overview")
        except requests.RequestException as exc:
            return (f"RabbitMQ's management API did not answer at {management} ({exc}).\n"
                    "Enable it: rabbitmq-plugins enable rabbitmq_management\n\n" + HOW_TO_FIX)
        return infra
    if _docker_answers():
        from testcontainers.postgres import PostgresContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        rabbit = RabbitMqContainer("rabbitmq:3.13-management").with_exposed_ports(5672, 15672).start()
        postgres = PostgresContainer("postgres:16", driver="psycopg2").start()
        host = rabbit.get_container_host_ip()
        infra = Infra(
            amqp_server_uri=f"amqp://guest:guest@{host}:{rabbit.get_exposed_port(5672)}/",
            database_server_url=postgres.get_connection_url(),
            management_url=f"http://guest:guest@{host}:{rabbit.get_exposed_port(15672)}",
        )
        infra._containers = [rabbit, postgres]
        return infra
    return "AMQP_URI and DATABASE_URL are not set and no Docker engine answers.\n\n" + HOW_TO_FIX
