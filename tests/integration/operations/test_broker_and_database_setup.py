"""What compose and Kubernetes load at start, exercised against the real servers: the RabbitMQ
definitions (user hash, exchanges, quorum policy) and the PostgreSQL initialisation script (roles,
databases, row-level security binding the app role after migrations)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from amqp.exceptions import AccessRefused
from kombu import Connection
from sqlalchemy.engine import make_url

from services.common.database import driver_url

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_definitions_user_logs_in_with_its_password_and_the_broker_accepts_the_definitions(infra, own_vhost):
    definitions = load(ROOT / "deploy" / "rabbitmq" / "definitions.py", "fengchao_definitions")
    vhost = urlsplit(own_vhost).path.lstrip("/")
    user, password = f"fct-ops-{uuid.uuid4().hex[:8]}", "s3cret-" + uuid.uuid4().hex[:8]
    built = definitions.build(password)
    (entry,) = built["users"]
    infra._management("PUT", f"/users/{user}", json={
        "password_hash": entry["password_hash"], "hashing_algorithm": entry["hashing_algorithm"], "tags": ""})
    try:
        infra._management("PUT", f"/permissions/{vhost}/{user}", json={"configure": ".*", "write": ".*",
                                                                        "read": ".*"})
        parts = urlsplit(own_vhost)
        host = f"{parts.hostname}:{parts.port or 5672}"

        def uri(secret: str) -> str:
            return urlunsplit((parts.scheme, f"{user}:{quote(secret)}@{host}", parts.path, "", ""))

        with Connection(uri(password), connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
        with pytest.raises(AccessRefused), Connection(uri("wrong"), connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)

        # The vhost's objects, imported into this test's vhost: the broker accepts them …
        scoped = {key: [{k: v for k, v in item.items() if k != "vhost"} for item in built[key]]
                  for key in ("exchanges", "queues", "bindings", "policies")}
        infra._management("POST", f"/definitions/{quote(vhost, safe='')}", data=json.dumps(scoped),
                          headers={"content-type": "application/json"})
        names = {e["name"] for e in infra._management("GET", f"/exchanges/{quote(vhost, safe='')}").json()}
        assert {e["name"] for e in built["exchanges"]} <= names
        # … and the code's own declarations of the same exchanges agree with them (no PRECONDITION_FAILED).
        from nameko.rpc import get_rpc_exchange

        from services.common import config
        from services.common.relay import event_exchange

        with Connection(uri(password), connect_timeout=5) as conn:
            channel = conn.channel()
            for exchange in (get_rpc_exchange({}), *(event_exchange(s) for s in config.SERVICE_NAMES)):
                exchange(channel).declare()
    finally:
        infra._management("DELETE", f"/users/{user}")


def test_the_postgres_init_script_makes_roles_and_databases_that_migrations_and_row_level_security_build_on(
        infra, tmp_path):
    server = make_url(infra.database_server_url)
    tag = uuid.uuid4().hex[:8]
    owner, app, prefix = f"fct_own_{tag}", f"fct_app_{tag}", f"fct_init_{tag}_"
    env = {**os.environ, "PGHOST": server.host or "127.0.0.1", "PGPORT": str(server.port or 5432),
           "PGUSER": server.username or "postgres", "FENGCHAO_OWNER": owner, "FENGCHAO_OWNER_PASSWORD": "own-pw",
           "DATABASE_APP_USER": app, "DATABASE_APP_PASSWORD": "app-pw", "FENGCHAO_DB_PREFIX": prefix,
           "FENGCHAO_COMPONENTS": "jobs gateway"}
    if server.password:
        env["PGPASSWORD"] = str(server.password)
    script = ROOT / "deploy" / "postgres" / "10-fengchao.sh"
    admin = sa.create_engine(driver_url(infra.database_server_url), isolation_level="AUTOCOMMIT")
    try:
        for _ in range(2):  # idempotent: a second run changes nothing
            subprocess.run(["bash", str(script)], env=env, check=True, capture_output=True, timeout=60)
        with admin.connect() as conn:
            owners = dict(conn.execute(sa.text("SELECT datname, pg_get_userbyid(datdba) FROM pg_database "
                                               "WHERE datname LIKE :p"), {"p": prefix + "%"}).all())
            assert owners == {f"{prefix}jobs": owner, f"{prefix}gateway": owner}
            flags = conn.execute(sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"),
                                 {"r": app}).one()
            assert tuple(flags) == (False, False)

        owner_url = server.set(username=owner, password="own-pw", database=f"{prefix}jobs")
        migrate_env = {**env, "JOBS_DATABASE_URL": owner_url.render_as_string(hide_password=False),
                       "PYTHONWARNINGS": "ignore"}
        subprocess.run([sys.executable, "-m", "services.common.migrate", "jobs"], env=migrate_env, check=True,
                       cwd=ROOT, capture_output=True, timeout=120)

        app_engine = sa.create_engine(driver_url(server.set(username=app, password="app-pw",
                                                            database=f"{prefix}jobs").render_as_string(
            hide_password=False)))
        insert = sa.text("INSERT INTO outbox_events (tenant_id, event_id, event_type, envelope, headers, created_at) "
                         "VALUES (:t, :e, 'probe', '{}', '{}', now())")
        try:
            for tenant in ("xiangyang", "dongxin"):
                with app_engine.begin() as conn:
                    conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant})
                    conn.execute(insert, {"t": tenant, "e": str(uuid.uuid4())})
            with app_engine.begin() as conn:
                conn.execute(sa.text("SELECT set_config('app.tenant_id', 'xiangyang', true)"))
                assert conn.scalars(sa.text("SELECT DISTINCT tenant_id FROM outbox_events")).all() == ["xiangyang"]
            # writing into another tenant: refused by the policy
            with pytest.raises(sa.exc.DBAPIError), app_engine.begin() as conn:
                conn.execute(sa.text("SELECT set_config('app.tenant_id', 'xiangyang', true)"))
                conn.execute(insert, {"t": "dongxin", "e": str(uuid.uuid4())})
            # the app role owns nothing and creates nothing
            with pytest.raises(sa.exc.DBAPIError), app_engine.begin() as conn:
                conn.execute(sa.text("CREATE TABLE sneaky (id int)"))
        finally:
            app_engine.dispose()
    finally:
        with admin.connect() as conn:
            for component in ("jobs", "gateway"):
                conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                             {"n": f"{prefix}{component}"})
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{prefix}{component}"'))
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{app}"'))
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()
