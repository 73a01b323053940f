"""On PostgreSQL, row-level security is the second wall: raw SQL through a
service's own connection cannot see another tenant's rows."""

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from services.common.database import TenantSession, make_engine
from services.jobs.models import WorkerProfile

pytestmark = pytest.mark.integration


@pytest.fixture
def app_sessions(infra):
    """Sessions exactly as the jobs service opens them: app role, tenant per transaction."""
    engine = make_engine(infra.app_url("jobs"), pool_size=2)
    factory = sessionmaker(engine, class_=TenantSession, expire_on_commit=False)

    def open_session(tenant_id):
        session = factory()
        session.info["tenant_id"] = tenant_id
        return session

    yield open_session
    engine.dispose()


def _profile(user_id):
    return WorkerProfile(user_id=user_id, display_name="测试", phone="13900000000", skills=[], availability=[],
                         groups=[], commute_radius_km=5.0, consent_recommendations=False)


def test_raw_select_in_tenant_a_transaction_returns_none_of_tenant_b_rows(app_sessions):
    with app_sessions("xiangyang") as a, a.begin():
        a.add(_profile("rls-a"))
    with app_sessions("dongxin") as b, b.begin():
        b.add(_profile("rls-b1"))
        b.add(_profile("rls-b2"))

    with app_sessions("xiangyang") as a, a.begin():
        tenants = a.execute(text("SELECT DISTINCT tenant_id FROM worker_profiles")).scalars().all()
        users = a.execute(text("SELECT user_id FROM worker_profiles WHERE user_id LIKE 'rls-%'")).scalars().all()
    assert tenants == ["xiangyang"]
    assert users == ["rls-a"]


def test_the_app_role_cannot_insert_into_another_tenant_even_with_raw_sql(app_sessions):
    from sqlalchemy.exc import ProgrammingError

    with pytest.raises(ProgrammingError, match="row-level security"), app_sessions("xiangyang") as a, a.begin():
        a.execute(text(
            "INSERT INTO worker_profiles (id, tenant_id, display_name, phone, skills, availability, groups, "
            "commute_radius_km, consent_recommendations, version, created_at, updated_at) VALUES "
            "('rls-forged', 'dongxin', 'x', '1', '[]', '[]', '[]', 5, false, 1, now(), now())"))


def test_a_connection_with_no_tenant_set_sees_no_rows(infra, app_sessions):
    with app_sessions("xiangyang") as a, a.begin():
        a.add(_profile("rls-c"))
    engine = make_engine(infra.app_url("jobs"), pool_size=1)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM worker_profiles")).scalar() == 0
    engine.dispose()


def test_the_service_connects_as_a_role_that_does_not_own_the_tables(infra):
    engine = make_engine(infra.app_url("jobs"), pool_size=1)
    with engine.connect() as conn:
        me = conn.execute(text("SELECT current_user")).scalar()
        owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'worker_profiles'")).scalar()
        bypass = conn.execute(text("SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user")
                              ).scalar()
    engine.dispose()
    assert me == "fengchao_app" and owner != me and bypass is False


def test_row_level_security_admits_shared_rows_for_reading_only(infra, jobs_and_witness):
    from tests.support.witness import Notice

    engine = make_engine(infra.app_url("witness"), pool_size=2)
    factory = sessionmaker(engine, class_=TenantSession, expire_on_commit=False)

    def session_for(tenant_id):
        session = factory()
        session.info["tenant_id"] = tenant_id
        return session

    with session_for("hospital") as s, s.begin():
        s.add(Notice(title="first-aid drill", audience=Notice.audience_for(["dongxin"])))
        s.add(Notice(title="open to all", audience="*"))
        s.add(Notice(title="internal", audience=""))

    def raw_titles(tenant_id):
        with session_for(tenant_id) as s, s.begin():
            return sorted(s.execute(text("SELECT title FROM notices")).scalars())

    assert raw_titles("dongxin") == ["first-aid drill", "open to all"]
    assert raw_titles("huanqiu") == ["open to all"]
    assert raw_titles("hospital") == ["first-aid drill", "internal", "open to all"]
    with session_for("dongxin") as s, s.begin():
        changed = s.execute(text("UPDATE notices SET title = 'defaced'")).rowcount
    assert changed == 0 and "defaced" not in raw_titles("hospital")
    engine.dispose()
