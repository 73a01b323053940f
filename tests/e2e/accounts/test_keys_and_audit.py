"""Partner API key rotation (API and CLI) and the audit log: staff read their tenant's privileged actions,
nobody can change them, not even the app's own database role."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
import requests
import sqlalchemy as sa


def _key_get(base_url: str, secret: str) -> int:
    return requests.get(base_url + "/api/v1/me", headers={"X-API-Key": secret}, timeout=10).status_code


def _cli(platform, *args):
    result = subprocess.run([sys.executable, "-m", "gateway", *args], capture_output=True, text=True, timeout=60,
                            env=platform.processes.env())
    return result.returncode, json.loads(result.stdout or result.stderr.strip().splitlines()[-1])


def _audit(platform, key: str, **params) -> list[dict]:
    answer = platform.session(key).get(platform.url("/api/v1/audit-log"), params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_a_tenant_admin_rotates_a_partner_key_and_the_old_one_stops_after_the_grace_period(
        platform, person, strict_gateway):
    admin_key = person("hospital", "tenant_admin")
    admin = platform.session(admin_key)
    issued = admin.post(strict_gateway + "/api/v1/api-keys", json={"name": "排班同步"}, timeout=10)
    assert issued.status_code == 201, issued.text
    old = issued.json()
    assert old["api_key"].startswith("fck_") and old["roles"] == ["partner"] and old["state"] == "active"
    assert _key_get(strict_gateway, old["api_key"]) == 200

    rotated = admin.post(strict_gateway + f"/api/v1/api-keys/{old['key_id']}/rotation", timeout=10)
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()["new"]
    assert rotated.json()["old"]["state"] == "grace" and rotated.json()["old"]["replaced_by"] == new["key_id"]
    assert _key_get(strict_gateway, old["api_key"]) == 200  # both work during the grace period (2 s here)
    assert _key_get(strict_gateway, new["api_key"]) == 200
    again = admin.post(strict_gateway + f"/api/v1/api-keys/{old['key_id']}/rotation", timeout=10)
    assert again.status_code == 409
    time.sleep(2.2)
    assert _key_get(strict_gateway, old["api_key"]) == 401
    assert _key_get(platform.base_url, old["api_key"]) == 401  # refused by every gateway
    assert _key_get(strict_gateway, new["api_key"]) == 200

    # The partner may rotate the key it calls with (and only that one).
    own = requests.post(platform.url(f"/api/v1/api-keys/{new['key_id']}/rotation"),
                        headers={"X-API-Key": new["api_key"]}, timeout=10)
    assert own.status_code == 201
    listing = requests.get(platform.url("/api/v1/api-keys"), headers={"X-API-Key": new["api_key"]}, timeout=10)
    assert listing.status_code == 403
    # Another tenant's admin cannot see or touch this tenant's keys.
    stranger = platform.session(person("xiangyang", "tenant_admin"))
    assert stranger.post(platform.url(f"/api/v1/api-keys/{new['key_id']}/rotation"), timeout=10).status_code == 404
    assert stranger.post(platform.url(f"/api/v1/api-keys/{new['key_id']}/revocation"), timeout=10).status_code == 404
    assert all(k["tenant_id"] == "xiangyang" for k in stranger.get(platform.url("/api/v1/api-keys"),
                                                                  timeout=10).json()["items"])
    # A resident cannot issue keys.
    assert platform.session("courier_a").post(platform.url("/api/v1/api-keys"), json={"name": "x"},
                                              timeout=10).status_code == 403

    newest = own.json()["new"]
    revoked = admin.post(platform.url(f"/api/v1/api-keys/{newest['key_id']}/revocation"), timeout=10)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert _key_get(platform.base_url, newest["api_key"]) == 401

    actions = [(e["action"], e["target_id"]) for e in _audit(platform, admin_key)]
    assert ("api_key.issue", old["key_id"]) in actions and ("api_key.rotate", old["key_id"]) in actions
    assert ("api_key.rotate", new["key_id"]) in actions and ("api_key.revoke", newest["key_id"]) in actions


def test_the_cli_rotates_and_revokes_keys_and_writes_the_audit_log(platform):
    code, issued = _cli(platform, "issue-api-key", "--tenant", "hospital", "急救名单同步")
    assert code == 0
    code, rotated = _cli(platform, "rotate-api-key", issued["key_id"], "--grace-seconds", "4")
    assert code == 0 and rotated["old_key_id"] == issued["key_id"]
    assert _key_get(platform.base_url, issued["api_key"]) == 200
    ends = datetime.fromisoformat(rotated["old_key_expires_at"])
    time.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()) + 0.3)
    assert _key_get(platform.base_url, issued["api_key"]) == 401
    assert _key_get(platform.base_url, rotated["api_key"]) == 200
    code, _ = _cli(platform, "revoke-api-key", rotated["key_id"])
    assert code == 0 and _key_get(platform.base_url, rotated["api_key"]) == 401
    code, missing = _cli(platform, "rotate-api-key", "no-such-key")
    assert code == 1 and missing["error"] == "not_found"
    code, trail = _cli(platform, "audit-log", "--tenant", "hospital", "--limit", "10")
    mine = [(e["action"], e["actor"]) for e in trail["items"]
            if e["target_id"] in (issued["key_id"], rotated["key_id"])]
    assert ("api_key.issue", "cli") in mine and ("api_key.rotate", "cli") in mine and ("api_key.revoke", "cli") in mine


def test_staff_read_their_tenants_privileged_actions_and_nobody_else_does(platform, person):
    resident = platform.people[person("xiangyang")]
    staff = platform.session("staff_a")
    award = staff.post(platform.url("/api/v1/points/awards"), timeout=10,
                       json={"user_id": resident.user_id, "amount": 12, "category": "volunteer", "reason": "清扫楼道"})
    assert award.status_code in (200, 201), award.text
    refused = platform.session("staff_b").post(platform.url("/api/v1/points/awards"), timeout=10, json={
        "user_id": resident.user_id, "amount": 5, "category": "volunteer", "reason": "x" * 600})
    assert refused.status_code == 422  # refused calls are not privileged actions that happened

    entries = _audit(platform, "staff_a", action="points.award")
    mine = [e for e in entries if e["detail"].get("user_id") == resident.user_id]
    assert len(mine) == 1
    entry = mine[0]
    assert entry["actor"] == platform.people["staff_a"].user_id and entry["tenant_id"] == "xiangyang"
    assert entry["actor_roles"] == ["staff"] and entry["at"] and entry["detail"]["amount"] == 12
    # Tenant B's staff see only tenant B; residents see nothing; B cannot ask for A's log.
    assert all(e["tenant_id"] == "dongxin" for e in _audit(platform, "staff_b"))
    assert not any(e["id"] == entry["id"] for e in _audit(platform, "staff_b"))
    assert platform.session("staff_b").get(platform.url("/api/v1/audit-log"), params={"tenant": "xiangyang"},
                                           timeout=10).status_code == 403
    assert platform.session("courier_a").get(platform.url("/api/v1/audit-log"), timeout=10).status_code == 403
    assert requests.get(platform.url("/api/v1/audit-log"), timeout=10).status_code == 401
    # The operator reads across tenants.
    operator = person("hospital", "operator")
    assert any(e["id"] == entry["id"] for e in _audit(platform, operator, action="points.award"))
    # No route changes an entry.
    for method in ("put", "patch", "delete"):
        assert getattr(staff, method)(platform.url("/api/v1/audit-log"), timeout=10).status_code == 405


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET action = 'nothing.happened' WHERE id = :id",
    "DELETE FROM audit_log WHERE id = :id",
])
def test_the_audit_log_cannot_be_edited_even_with_sql_as_the_app_role_or_the_owner(platform, gateway_db, statement):
    owner, app = gateway_db
    with owner.connect() as conn:
        entry_id = conn.scalar(sa.text("SELECT max(id) FROM audit_log"))
        action = conn.scalar(sa.text("SELECT action FROM audit_log WHERE id = :id"), {"id": entry_id})
    assert entry_id is not None
    for engine in (app, owner):
        with pytest.raises(sa.exc.DBAPIError) as refused, engine.begin() as conn:
            conn.execute(sa.text(statement), {"id": entry_id})
        assert "append-only" in str(refused.value)
    with pytest.raises(sa.exc.DBAPIError), app.begin() as conn:
        conn.execute(sa.text("TRUNCATE audit_log"))
    with app.connect() as conn:  # the app role still reads and appends
        assert conn.scalar(sa.text("SELECT action FROM audit_log WHERE id = :id"), {"id": entry_id}) == action
        assert conn.scalar(sa.text("SELECT current_user")) == platform.infra.app_url("gateway").split("//")[1].split(
            "@")[0].split(":")[0]
