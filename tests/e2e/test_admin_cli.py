"""The admin command line creates tenants, users with memberships, and partner keys."""

import json
import subprocess
import sys

import pytest
import requests

pytestmark = pytest.mark.e2e


def admin(platform, *args):
    result = subprocess.run([sys.executable, "-m", "gateway", *args], capture_output=True, text=True, timeout=60,
                            env=platform.processes.env())
    return result.returncode, json.loads(result.stdout or result.stderr.strip().splitlines()[-1])


def test_an_operator_sets_up_a_community_and_its_first_staff_member_from_the_command_line(platform):
    code, tenant = admin(platform, "create-tenant", "gongchen", "拱宸社区", "--kind", "community")
    assert code == 0 and tenant["tenant_id"] == "gongchen"
    code, user = admin(platform, "create-user", "13700000077", "孙主任", "--password", "Gongchen2026",
                       "--tenant", "gongchen", "--roles", "staff,tenant_admin")
    assert code == 0
    login = requests.post(platform.url("/api/v1/auth/login"),
                          json={"phone": "13700000077", "password": "Gongchen2026"}, timeout=10)
    assert login.status_code == 200 and login.json()["roles"] == ["staff", "tenant_admin"]

    code, key = admin(platform, "issue-api-key", "gongchen merchants", "--tenant", "gongchen")
    assert code == 0 and key["api_key"].startswith("fck_")
    me = requests.get(platform.url("/api/v1/me"), headers={"X-API-Key": key["api_key"]}, timeout=10)
    assert me.json()["tenant_id"] == "gongchen"


def test_bad_admin_input_is_reported_not_crashed(platform):
    code, error = admin(platform, "create-tenant", "Bad Slug!", "x")
    assert code == 1 and error["error"] == "validation_failed" and "tenant_id" in error["fields"]


def test_publish_members_lets_a_service_that_lost_its_members_table_know_them_again(platform):
    """The backfill: member_joined again for every membership of a tenant; running it twice is harmless."""
    import time

    import sqlalchemy as sa

    from gateway.rpc import RpcPool
    from services.common.database import make_engine

    mother, neighbour = platform.people["mother_c"], platform.people["courier_a"]
    engine = make_engine(platform.infra.owner_url("points"), pool_size=1)
    with engine.begin() as conn:  # as if points were restored from a backup taken before they joined
        conn.execute(sa.text("DELETE FROM members WHERE tenant_id = 'huanqiu'"))
    engine.dispose()
    staff = platform.add_person("cli-huanqiu-staff", phone="13700000078", name="环球干事", tenant_id="huanqiu",
                                roles=("staff",))
    award = {"user_id": mother.user_id, "amount": 3, "category": "volunteer", "reason": "清扫楼道"}
    refused = platform.session(staff.key).post(platform.url("/api/v1/points/awards"), json=award, timeout=10)
    assert refused.status_code == 422 and refused.json()["code"] == "not_a_member"

    pool = RpcPool(platform.infra.amqp_uri, size=1, timeout=5)
    try:
        for _ in range(2):
            code, done = admin(platform, "publish-members", "--tenant", "huanqiu")
            assert code == 0 and done["published"] >= 2 and done["tenant_id"] == "huanqiu"
            deadline = time.monotonic() + 30
            while not pool.call("points", "knows_member", mother.user_id, context_data={"tenant_id": "huanqiu"}):
                assert time.monotonic() < deadline, "points did not hear the re-published membership"
                time.sleep(0.2)
        # another community's members were not touched, and are not huanqiu's
        assert not pool.call("points", "knows_member", neighbour.user_id, context_data={"tenant_id": "huanqiu"})
    finally:
        pool.close()
    granted = platform.session(staff.key).post(platform.url("/api/v1/points/awards"), json=award, timeout=10)
    assert granted.status_code == 201, granted.text
