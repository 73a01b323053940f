"""The backup and restore recipe (deploy/backup.py, pg_dump/pg_restore) on a small data set in two
tenants: every component database comes back with its rows, its migration revision and its
row-level-security policies, and a service runs on the restored database."""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.rpc import RpcPool
from services.common import config
from services.common.context import CallContext
from services.common.database import driver_url
from services.common.errors import NotFound
from tests.integration.operations.conftest import ping_until_up

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def load_backup_module():
    spec = importlib.util.spec_from_file_location("fengchao_backup", ROOT / "deploy" / "backup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def query(url: str, sql: str, **params):
    engine = sa.create_engine(driver_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()


def in_tenant(app_url: str, tenant: str, sql: str):
    """As the services' app role, in one tenant: what row-level security lets through."""
    engine = sa.create_engine(driver_url(app_url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant})
            return conn.execute(sa.text(sql)).all()
    finally:
        engine.dispose()


def test_every_component_database_is_backed_up_and_restored_with_rows_revision_and_row_level_security(
        platform, infra, processes, own_vhost, tmp_path):
    backup = load_backup_module()
    created = {}
    for staff, tenant in (("staff_a", "xiangyang"), ("staff_b", "dongxin")):
        response = platform.session(staff).post(platform.url("/api/v1/jobs/workers"), json={
            "display_name": "备份师傅", "phone": "136" + str(uuid.uuid4().int)[:8], "on_behalf_of_user_id": None})
        assert response.status_code == 201, response.text
        created[tenant] = response.json()["id"]

    tag = uuid.uuid4().hex[:6]
    restored_template = infra.database_template.replace("{service}", f"restored_{tag}_{{service}}")
    restored = {}
    for component in (*infra.services, "gateway"):  # every database this run made
        source = infra.owner_url(component)
        dump = backup.backup(component, tmp_path, url=source)
        assert dump.stat().st_size > 0
        target = config.database_url(component, restored_template)
        backup.restore(component, dump, url=target)
        restored[component] = target

        tables = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        assert query(target, tables) == query(source, tables)
        revision = "SELECT version_num FROM alembic_version"
        assert query(target, revision) == query(source, revision)
        policies = "SELECT tablename, policyname, qual, with_check FROM pg_policies ORDER BY 1, 2"
        assert query(target, policies) == query(source, policies)
        rls = "SELECT relname FROM pg_class WHERE relrowsecurity ORDER BY 1"
        assert query(target, rls) == query(source, rls)
        # Restoring over a database that has tables is refused: no silent merge of two states.
        with pytest.raises(SystemExit):
            backup.restore(component, dump, url=target)

    # The rows are there, and the app role still sees only its tenant's.
    jobs_target = restored["jobs"]
    profiles = "SELECT id, tenant_id, display_name FROM worker_profiles WHERE id IN :ids"
    ids = tuple(created.values())
    assert sorted(query(jobs_target, profiles.replace(":ids", str(ids)))) == sorted(
        query(infra.owner_url("jobs"), profiles.replace(":ids", str(ids))))
    app_url = config.app_database_url("jobs", restored_template)
    seen = {row[0] for row in in_tenant(app_url, "xiangyang", "SELECT id FROM worker_profiles")}
    assert created["xiangyang"] in seen and created["dongxin"] not in seen

    # A jobs service pointed at the restored database answers for each tenant, and only for it.
    jobs = processes.start_service("jobs", wait=False, AMQP_URI=own_vhost, JOBS_DATABASE_URL=jobs_target,
                                   METRICS_PORT="0")
    pool = RpcPool(own_vhost, size=1, timeout=10)
    try:
        ping_until_up(own_vhost, "jobs", jobs, processes)
        for tenant, worker_id in created.items():
            ctx = CallContext(tenant_id=tenant, user_id="ops", roles=frozenset({"staff"})).to_context_data()
            assert pool.call("jobs", "get_worker", worker_id, context_data=ctx)["id"] == worker_id
        other = CallContext(tenant_id="dongxin", user_id="ops", roles=frozenset({"staff"})).to_context_data()
        with pytest.raises(NotFound):
            pool.call("jobs", "get_worker", created["xiangyang"], context_data=other)
    finally:
        pool.close()
        processes.stop(jobs)
