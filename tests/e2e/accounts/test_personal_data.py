"""A person's data across the gateway and the four services: export, erasure by the person and by staff
of their tenant, and what staff of another tenant cannot do. Erasure keeps the points ledger balanced."""

from __future__ import annotations

import time
from datetime import datetime

import requests
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from gateway import identity
from gateway.rpc import RpcPool
from services.common.database import make_engine
from tests.conftest import PASSWORD
from tests.e2e.accounts.conftest import bearer, login


def _award(platform, staff: str, user_id: str, amount: int, reason: str = "清扫楼道") -> None:
    answer = platform.session(staff).post(platform.url("/api/v1/points/awards"), timeout=10, json={
        "user_id": user_id, "amount": amount, "category": "volunteer", "reason": reason})
    assert answer.status_code == 201, answer.text


def _grant(platform, user_id: str, tenant_id: str) -> None:
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    with sessionmaker(engine)() as session, session.begin():
        identity.grant_membership(session=session, user_id=user_id, tenant_id=tenant_id, roles=["resident"])
    engine.dispose()
    platform.processes.wait_for_members([(user_id, tenant_id)])  # the services hear of it as an identity event


def _points_db(platform, sql: str, **params):
    engine = make_engine(platform.infra.owner_url("points"), pool_size=1)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params).all()
    engine.dispose()
    return rows


def test_a_person_exports_and_erases_their_data_and_the_ledger_still_balances(platform, person):
    key = person("xiangyang", name="吴师傅")
    me = platform.people[key]
    http = platform.session(key)
    registered = http.post(platform.url("/api/v1/jobs/workers"), timeout=10,
                           json={"display_name": "吴师傅", "phone": me.phone, "skills": ["快递"]})
    assert registered.status_code == 201, registered.text
    _award(platform, "staff_a", me.user_id, 12)
    _award(platform, "staff_a", me.user_id, 8)

    export = http.get(platform.url("/api/v1/account/export"), timeout=30)
    assert export.status_code == 200, export.text
    body = export.json()
    assert body["identity"]["phone"] == me.phone and body["identity"]["display_name"] == "吴师傅"
    assert datetime.fromisoformat(body["identity"]["created_at"]).tzinfo is not None
    assert body["identity"]["memberships"] == [{"tenant_id": "xiangyang", "roles": ["resident"]}]
    assert "password_hash" not in str(body)
    xiangyang = body["tenants"]["xiangyang"]
    assert set(xiangyang) == {"jobs", "training", "governance", "points", "notifications"}
    assert xiangyang["jobs"]["worker_profiles"][0]["phone"] == me.phone
    assert sorted(p["amount"] for p in xiangyang["points"]["postings"]) == [8, 12]
    assert [a["balance"] for a in xiangyang["points"]["accounts"]] == [20]

    # Staff of another tenant can neither export nor erase this person; a neighbour neither.
    for outsider in ("staff_b", "courier_a"):
        assert platform.session(outsider).get(platform.url(f"/api/v1/people/{me.user_id}/export"),
                                              timeout=10).status_code in (403, 404)
        assert platform.session(outsider).post(platform.url(f"/api/v1/people/{me.user_id}/erasure"),
                                               timeout=10).status_code in (403, 404)
    assert platform.session("staff_b").get(platform.url(f"/api/v1/people/{me.user_id}/export"),
                                           timeout=10).status_code == 404
    desk = platform.session("staff_a").get(platform.url(f"/api/v1/people/{me.user_id}/export"), timeout=30)
    assert desk.status_code == 200 and desk.json()["tenants"]["xiangyang"]["jobs"]["worker_profiles"]

    wrong = http.post(platform.url("/api/v1/account/erasure"), json={"password": "Not-mine-1"}, timeout=10)
    assert wrong.status_code == 422 and "password" in wrong.json()["errors"]
    erased = http.post(platform.url("/api/v1/account/erasure"), json={"password": PASSWORD}, timeout=60)
    assert erased.status_code == 200, erased.text
    assert erased.json()["identity_erased"] is True
    assert erased.json()["tenants"]["xiangyang"]["points"] == {"accounts": 1, "postings": 2}
    assert erased.json()["tenants"]["xiangyang"]["jobs"] == {"worker_profiles": 1}

    # Signed out everywhere, and the phone number no longer signs in.
    assert http.get(platform.url("/api/v1/me"), timeout=10).status_code == 401
    assert login(platform.base_url, me.phone).status_code == 401
    # Staff find nothing under the person's id any more...
    assert platform.session("staff_a").get(platform.url(f"/api/v1/people/{me.user_id}/export"),
                                           timeout=10).status_code == 404
    account = platform.session("staff_a").get(platform.url(f"/api/v1/points/accounts/{me.user_id}"), timeout=10)
    assert account.status_code == 200 and account.json()["available"] == 0
    # ...and the ledger keeps the history, under a pseudonym, balanced.
    check = platform.session("staff_a").get(platform.url("/api/v1/points/ledger-check"), timeout=30)
    assert check.status_code == 200 and check.json()["ok"], check.text
    assert _points_db(platform, "SELECT count(*) FROM postings WHERE user_id = :u", u=me.user_id)[0][0] == 0
    (pseudonym, balance), = _points_db(
        platform, "SELECT a.owner_id, a.balance FROM accounts a JOIN postings p ON p.user_id = a.owner_id "
                  "WHERE a.tenant_id = 'xiangyang' AND p.id = :p",
        p=xiangyang["points"]["postings"][0]["id"])
    assert balance == 20 and pseudonym != me.user_id
    assert _points_db(platform, "SELECT coalesce(sum(e.amount), 0) FROM entries e JOIN accounts a "
                                "ON a.id = e.account_id WHERE a.owner_id = :o", o=pseudonym)[0][0] == 20
    # The erasure is in the audit log, naming ids only.
    trail = platform.session("staff_a").get(platform.url("/api/v1/audit-log"), params={"action": "account.erase"},
                                            timeout=10).json()["items"]
    assert any(e["target_id"] == me.user_id and e["actor"] == me.user_id for e in trail)
    assert me.phone not in str(trail)


def test_staff_erase_a_person_in_their_tenant_only_and_the_other_membership_stays(platform, person):
    key = person("xiangyang", name="郑女士")
    both = platform.people[key]
    _grant(platform, both.user_id, "dongxin")
    _award(platform, "staff_a", both.user_id, 7)
    _award(platform, "staff_b", both.user_id, 9)
    old_token = login(platform.base_url, both.phone, tenant_id="dongxin").json()["access_token"]

    # Staff of dongxin erase the person in dongxin; xiangyang's records are not theirs to touch.
    assert platform.session("staff_b").get(platform.url(f"/api/v1/people/{both.user_id}/export"),
                                           timeout=30).json()["tenants"].keys() == {"dongxin"}
    erased = platform.session("staff_b").post(platform.url(f"/api/v1/people/{both.user_id}/erasure"), timeout=60)
    assert erased.status_code == 200, erased.text
    assert erased.json()["identity_erased"] is False and set(erased.json()["tenants"]) == {"dongxin"}
    assert erased.json()["tenants"]["dongxin"]["points"] == {"accounts": 1, "postings": 1}
    # the services heard that the person left dongxin (member_left): dongxin can no longer name them
    pool, deadline = RpcPool(platform.infra.amqp_uri, size=1, timeout=5), time.monotonic() + 20
    while pool.call("points", "knows_member", both.user_id, context_data={"tenant_id": "dongxin"}):
        assert time.monotonic() < deadline, "points never heard that the person left dongxin"
        time.sleep(0.2)
    pool.close()
    refused = platform.session("staff_b").post(platform.url("/api/v1/points/awards"), timeout=10, json={
        "user_id": both.user_id, "amount": 1, "category": "volunteer", "reason": "清扫楼道"})
    assert refused.status_code == 422 and refused.json()["code"] == "not_a_member"

    # Tokens issued before are revoked; the person still signs in to xiangyang, not to dongxin.
    assert requests.get(platform.url("/api/v1/me"), headers=bearer(old_token), timeout=10).status_code == 401
    assert login(platform.base_url, both.phone, tenant_id="dongxin").status_code == 403
    fresh = login(platform.base_url, both.phone)
    assert fresh.status_code == 200 and fresh.json()["tenant_id"] == "xiangyang"
    mine = requests.get(platform.url("/api/v1/account/export"), headers=bearer(fresh.json()["access_token"]),
                        timeout=30).json()
    assert set(mine["tenants"]) == {"xiangyang"}
    assert [a["balance"] for a in mine["tenants"]["xiangyang"]["points"]["accounts"]] == [7]
    for staff in ("staff_a", "staff_b"):
        check = platform.session(staff).get(platform.url("/api/v1/points/ledger-check"), timeout=30)
        assert check.json()["ok"], check.text
    # Staff may not erase staff; a tenant admin may.
    colleague = platform.people[person("xiangyang", "staff")]
    assert platform.session("staff_a").post(platform.url(f"/api/v1/people/{colleague.user_id}/erasure"),
                                            timeout=10).status_code == 403
    audit = platform.session("staff_b").get(platform.url("/api/v1/audit-log"), params={"action": "person.erase"},
                                            timeout=10).json()["items"]
    assert any(e["target_id"] == both.user_id and e["actor"] == platform.people["staff_b"].user_id for e in audit)
