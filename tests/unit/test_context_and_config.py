import pytest

from services.common import config
from services.common.context import CallContext
from services.common.errors import Forbidden, TenantRequired


def test_context_survives_the_header_round_trip():
    ctx = CallContext(tenant_id="xiangyang", user_id="u1", roles=frozenset({"staff", "resident"}),
                      locale="en", request_id="r-123")
    assert CallContext.from_context_data(ctx.to_context_data()) == ctx


def test_work_without_a_tenant_is_refused():
    with pytest.raises(TenantRequired):
        _ = CallContext(user_id="u1").tenant


def test_role_check_names_the_roles_needed():
    ctx = CallContext(tenant_id="t1", user_id="u1", roles=frozenset({"resident"}))
    with pytest.raises(Forbidden, match="staff"):
        ctx.require_role("staff", "tenant_admin")


def test_each_service_gets_its_own_database_from_the_template(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@db:5432/fengchao_{service}")
    monkeypatch.delenv("JOBS_DATABASE_URL", raising=False)
    assert config.database_url("jobs") == "postgresql://postgres@db:5432/fengchao_jobs"
    # the running service connects as the non-owner role, so row-level security binds it
    assert config.app_database_url("jobs") == "postgresql://fengchao_app@db:5432/fengchao_jobs"


def test_a_template_without_the_service_placeholder_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@db:5432/shared")
    monkeypatch.delenv("POINTS_DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="service"):
        config.database_url("points")


def test_sqlite_urls_are_used_as_they_are(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/db/{service}.sqlite3")
    assert config.app_database_url("training") == "sqlite:///var/db/training.sqlite3"
