"""Revocation takes effect at once, through the real gateway and services: a tenant admin removes a role or
a membership, the sub-district operator deactivates an account (API and CLI), a logout ends the whole
session, and refresh-token reuse ends the access tokens of the family. Each is seen by the very next
request made with a token issued before."""

from __future__ import annotations

import json
import subprocess
import sys

import requests
from sqlalchemy.orm import sessionmaker

from gateway import identity
from gateway.models import Tenant
from services.common.database import make_engine
from tests.e2e.accounts.conftest import bearer, login

OPERATOR_TENANT = "revoke-ops"


def _tokens(platform, key: str) -> dict:
    answer = login(platform.base_url, platform.people[key].phone)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _award(platform, token: str, user_id: str) -> requests.Response:
    return requests.post(platform.url("/api/v1/points/awards"), headers=bearer(token), timeout=10,
                         json={"user_id": user_id, "amount": 5, "category": "volunteer", "reason": "清扫楼道"})


def _export(platform, token: str, user_id: str) -> requests.Response:
    return requests.get(platform.url(f"/api/v1/people/{user_id}/export"), headers=bearer(token), timeout=30)


def _refresh(platform, refresh_token: str) -> requests.Response:
    return requests.post(platform.url("/api/v1/auth/refresh"), json={"refresh_token": refresh_token}, timeout=10)


def _me(platform, token: str) -> requests.Response:
    return requests.get(platform.url("/api/v1/me"), headers=bearer(token), timeout=10)


def _audit_actions(platform, token: str, target_id: str) -> list[str]:
    answer = requests.get(platform.url("/api/v1/audit-log"), headers=bearer(token), timeout=10)
    assert answer.status_code == 200, answer.text
    return [e["action"] for e in answer.json()["items"] if e["target_id"] == target_id]


def _operator(platform, person) -> str:
    """A person with the operator role in a tenant of kind operator (the sub-district), as operators are."""
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    with sessionmaker(engine)() as session, session.begin():
        if session.get(Tenant, OPERATOR_TENANT) is None:
            identity.create_tenant(session=session, tenant_id=OPERATOR_TENANT, name="康桥街道", kind="operator")
    engine.dispose()
    return person(OPERATOR_TENANT, "operator", name="街道管理员")


def _cli(platform, *args) -> tuple[int, dict]:
    result = subprocess.run([sys.executable, "-m", "gateway", *args], capture_output=True, text=True, timeout=60,
                            env=platform.processes.env())
    return result.returncode, json.loads(result.stdout or result.stderr.strip().splitlines()[-1])


def test_a_removed_staff_role_stops_awards_and_exports_on_the_very_next_request(platform, person):
    staff, admin = person("xiangyang", "resident", "staff"), person("xiangyang", "tenant_admin")
    resident = platform.people[person("xiangyang")].user_id
    staff_id = platform.people[staff].user_id
    tokens, admin_token = _tokens(platform, staff), _tokens(platform, admin)["access_token"]
    assert _award(platform, tokens["access_token"], resident).status_code == 201
    assert _export(platform, tokens["access_token"], resident).status_code == 200

    url = platform.url(f"/api/v1/tenants/xiangyang/members/{staff_id}/roles/staff")
    assert requests.delete(url, headers=bearer(tokens["access_token"]), timeout=10).status_code == 403  # not admin
    removed = requests.delete(url, headers=bearer(admin_token), timeout=10)
    assert removed.status_code == 200, removed.text
    assert removed.json() == {"user_id": staff_id, "tenant_id": "xiangyang", "roles": ["resident"], "changed": True}

    refused = _award(platform, tokens["access_token"], resident)
    assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/problem+json"
    assert _export(platform, tokens["access_token"], resident).status_code == 403
    assert _me(platform, tokens["access_token"]).json()["roles"] == ["resident"]
    again = requests.delete(url, headers=bearer(admin_token), timeout=10)
    assert again.status_code == 200 and again.json()["changed"] is False  # idempotent
    assert _refresh(platform, tokens["refresh_token"]).json()["roles"] == ["resident"]
    assert _audit_actions(platform, admin_token, staff_id) == ["membership.role_remove"]

    only_role = platform.url(f"/api/v1/tenants/xiangyang/members/{staff_id}/roles/resident")
    assert requests.delete(only_role, headers=bearer(admin_token), timeout=10).status_code == 409
    other_tenant = platform.url(f"/api/v1/tenants/dongxin/members/{staff_id}/roles/staff")
    assert requests.delete(other_tenant, headers=bearer(admin_token), timeout=10).status_code == 403


def test_a_removed_membership_refuses_the_members_tokens_and_refresh_at_once(platform, person):
    staff, admin = person("xiangyang", "staff"), person("xiangyang", "tenant_admin")
    resident = platform.people[person("xiangyang")].user_id
    staff_id, admin_id = platform.people[staff].user_id, platform.people[admin].user_id
    tokens, admin_token = _tokens(platform, staff), _tokens(platform, admin)["access_token"]
    assert _award(platform, tokens["access_token"], resident).status_code == 201

    url = platform.url(f"/api/v1/tenants/xiangyang/members/{staff_id}")
    assert requests.delete(url, headers=bearer(admin_token), timeout=10).status_code == 204
    assert _award(platform, tokens["access_token"], resident).status_code == 401
    assert _export(platform, tokens["access_token"], resident).status_code == 401
    assert _refresh(platform, tokens["refresh_token"]).status_code == 401
    assert requests.delete(url, headers=bearer(admin_token), timeout=10).status_code == 204  # idempotent
    assert _audit_actions(platform, admin_token, staff_id) == ["membership.remove"]

    own = requests.delete(platform.url(f"/api/v1/tenants/xiangyang/members/{admin_id}"), headers=bearer(admin_token),
                          timeout=10)
    assert own.status_code == 409 and own.headers["Content-Type"] == "application/problem+json"


def test_the_operator_deactivates_an_account_and_reactivates_it(platform, person):
    staff, operator = person("xiangyang", "staff"), _operator(platform, person)
    admin = person("xiangyang", "tenant_admin")
    resident = platform.people[person("xiangyang")].user_id
    staff_id, phone = platform.people[staff].user_id, platform.people[staff].phone
    tokens = _tokens(platform, staff)
    operator_token, admin_token = _tokens(platform, operator)["access_token"], _tokens(platform, admin)["access_token"]

    deactivate = platform.url(f"/api/v1/accounts/{staff_id}/deactivate")
    assert requests.post(deactivate, headers=bearer(admin_token), timeout=10).status_code == 403  # a community's
    answer = requests.post(deactivate, headers=bearer(operator_token), timeout=10)
    assert answer.status_code == 200 and answer.json()["active"] is False and answer.json()["changed"] is True
    assert _award(platform, tokens["access_token"], resident).status_code == 401
    assert _export(platform, tokens["access_token"], resident).status_code == 401
    assert _refresh(platform, tokens["refresh_token"]).status_code == 401
    refused = login(platform.base_url, phone)
    assert refused.status_code == 403 and refused.json()["code"] == "account_deactivated"
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert login(platform.base_url, phone, password="Wrong-pass-2026").status_code == 401  # as for anyone
    assert requests.post(deactivate, headers=bearer(operator_token), timeout=10).json()["changed"] is False
    assert "account.deactivate" in _audit_actions(platform, admin_token, staff_id)  # the community sees why

    answer = requests.post(platform.url(f"/api/v1/accounts/{staff_id}/reactivate"), headers=bearer(operator_token),
                           timeout=10)
    assert answer.status_code == 200 and answer.json()["active"] is True and answer.json()["deactivated_at"] is None
    assert _me(platform, tokens["access_token"]).status_code == 401  # the old session stays ended
    fresh = _tokens(platform, staff)
    assert _award(platform, fresh["access_token"], resident).status_code == 201
    missing = platform.url("/api/v1/accounts/00000000-0000-4000-8000-00000000dead/deactivate")
    assert requests.post(missing, headers=bearer(operator_token), timeout=10).status_code == 404


def test_logout_without_a_refresh_token_ends_the_session_and_its_earlier_access_tokens(platform, person):
    key = person("xiangyang")
    first = _tokens(platform, key)
    rotated = _refresh(platform, first["refresh_token"]).json()  # the same session, a later pair
    out = requests.post(platform.url("/api/v1/auth/logout"), json={}, headers=bearer(rotated["access_token"]),
                        timeout=10)
    assert out.status_code == 204
    assert _refresh(platform, rotated["refresh_token"]).status_code == 401
    assert _me(platform, rotated["access_token"]).status_code == 401
    assert _me(platform, first["access_token"]).status_code == 401


def test_refresh_token_reuse_ends_the_access_tokens_of_the_family(platform, person):
    key = person("xiangyang")
    first = _tokens(platform, key)
    elsewhere = _tokens(platform, key)  # another device: its own session
    rotated = _refresh(platform, first["refresh_token"]).json()
    assert _refresh(platform, first["refresh_token"]).status_code == 401  # replayed
    assert _me(platform, first["access_token"]).status_code == 401
    assert _me(platform, rotated["access_token"]).status_code == 401
    assert _me(platform, elsewhere["access_token"]).status_code == 200


def test_the_cli_removes_roles_and_memberships_and_deactivates_accounts_with_immediate_effect(platform, person):
    staff, admin = person("xiangyang", "resident", "staff"), person("xiangyang", "tenant_admin")
    resident = platform.people[person("xiangyang")].user_id
    staff_id, phone = platform.people[staff].user_id, platform.people[staff].phone
    tokens, admin_token = _tokens(platform, staff), _tokens(platform, admin)["access_token"]

    code, out = _cli(platform, "remove-role", phone, "--tenant", "xiangyang", "--role", "staff")
    assert code == 0 and out["roles"] == ["resident"] and out["changed"] is True
    assert _award(platform, tokens["access_token"], resident).status_code == 403

    code, out = _cli(platform, "deactivate", phone)
    assert code == 0 and out["active"] is False
    assert login(platform.base_url, phone).status_code == 403
    code, out = _cli(platform, "reactivate", phone)
    assert code == 0 and out["active"] is True
    tokens = _tokens(platform, staff)

    code, out = _cli(platform, "remove-member", phone, "--tenant", "xiangyang")
    assert code == 0 and out["changed"] is True
    assert _me(platform, tokens["access_token"]).status_code == 401
    code, out = _cli(platform, "remove-member", phone, "--tenant", "xiangyang")
    assert code == 0 and out["changed"] is False
    code, error = _cli(platform, "remove-role", "13599999999", "--tenant", "xiangyang", "--role", "staff")
    assert code == 1 and error["error"] == "not_found"
    assert _audit_actions(platform, admin_token, staff_id) == [
        "membership.remove", "account.reactivate", "account.deactivate", "membership.role_remove"]
