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
