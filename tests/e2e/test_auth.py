"""Identity over HTTP: sign-in, tenant choice, and JWT misuse refused."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
import requests

from tests.conftest import PASSWORD, TWO_TENANT_PHONE
from tests.support.processes import JWT_SECRET

pytestmark = pytest.mark.e2e


def _get_me(platform, token):
    return requests.get(platform.url("/api/v1/me"), headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_login_gives_tokens_for_the_members_tenant(platform):
    tokens = platform.login("courier_b")
    assert tokens["tenant_id"] == "dongxin" and tokens["roles"] == ["resident"]
    me = _get_me(platform, tokens["access_token"]).json()
    assert me["tenant_id"] == "dongxin" and me["display_name"] == "赵师傅"


def test_a_member_of_two_tenants_must_choose_and_gets_a_token_for_that_one(platform):
    url = platform.url("/api/v1/auth/login")
    unchosen = requests.post(url, json={"phone": TWO_TENANT_PHONE, "password": PASSWORD}, timeout=10)
    assert unchosen.status_code == 422 and "tenant_id" in unchosen.json()["errors"]
    chosen = requests.post(url, json={"phone": TWO_TENANT_PHONE, "password": PASSWORD, "tenant_id": "dongxin"},
                           timeout=10)
    assert chosen.status_code == 200 and chosen.json()["tenant_id"] == "dongxin"
    elsewhere = requests.post(url, json={"phone": TWO_TENANT_PHONE, "password": PASSWORD, "tenant_id": "huanqiu"},
                              timeout=10)
    assert elsewhere.status_code == 403


def test_wrong_password_is_401(platform):
    response = requests.post(platform.url("/api/v1/auth/login"),
                             json={"phone": platform.people["courier_a"].phone, "password": "wrong-pass1"}, timeout=10)
    assert response.status_code == 401


def _claims(platform, key="courier_a"):
    return jwt.decode(platform.login(key)["access_token"], options={"verify_signature": False})


def test_alg_none_is_refused(platform):
    forged = jwt.encode({**_claims(platform), "roles": ["operator"]}, key=None, algorithm="none")
    assert _get_me(platform, forged).status_code == 401


def test_a_bad_signature_is_refused(platform):
    forged = jwt.encode({**_claims(platform), "roles": ["operator"]}, "not-the-key-" + "x" * 30, algorithm="HS256")
    assert _get_me(platform, forged).status_code == 401


def test_an_expired_token_is_refused(platform):
    claims = {**_claims(platform), "exp": datetime.now(UTC) - timedelta(seconds=1)}
    expired = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    response = _get_me(platform, expired)
    assert response.status_code == 401 and response.json()["message_code"] == "gateway.token_expired"


def test_a_tenant_a_token_cannot_act_in_tenant_b(platform):
    token = platform.login("staff_a")["access_token"]
    headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": "dongxin"}
    assert requests.get(platform.url("/api/v1/jobs/workers"), headers=headers, timeout=10).status_code == 403
    assert requests.get(platform.url("/api/v1/tenants/dongxin"), headers={"Authorization": f"Bearer {token}"},
                        timeout=10).status_code == 403


def test_refresh_rotates_and_a_revoked_refresh_token_is_refused(platform):
    tokens = platform.login("mother_c")
    url = platform.url("/api/v1/auth/refresh")
    rotated = requests.post(url, json={"refresh_token": tokens["refresh_token"]}, timeout=10)
    assert rotated.status_code == 200 and _get_me(platform, rotated.json()["access_token"]).status_code == 200
    replayed = requests.post(url, json={"refresh_token": tokens["refresh_token"]}, timeout=10)
    assert replayed.status_code == 401
    # the replay revoked the whole family, including the rotated token
    assert requests.post(url, json={"refresh_token": rotated.json()["refresh_token"]}, timeout=10).status_code == 401


def test_logout_revokes_access_and_refresh_tokens(platform):
    tokens = platform.login("staff_b")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    out = requests.post(platform.url("/api/v1/auth/logout"), json={"refresh_token": tokens["refresh_token"]},
                        headers=headers, timeout=10)
    assert out.status_code == 204
    assert _get_me(platform, tokens["access_token"]).status_code == 401
    assert requests.post(platform.url("/api/v1/auth/refresh"), json={"refresh_token": tokens["refresh_token"]},
                         timeout=10).status_code == 401


def test_a_partner_api_key_acts_in_its_own_tenant_only(platform):
    from sqlalchemy.orm import sessionmaker

    from gateway import identity
    from services.common.database import make_engine

    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    with sessionmaker(engine)() as session, session.begin():
        _key, secret = identity.issue_api_key(session=session, tenant_id="hospital", name="roster sync")
    engine.dispose()
    me = requests.get(platform.url("/api/v1/me"), headers={"X-API-Key": secret}, timeout=10)
    assert me.status_code == 200 and me.json()["tenant_id"] == "hospital" and me.json()["roles"] == ["partner"]
    assert requests.get(platform.url("/api/v1/tenants/xiangyang"), headers={"X-API-Key": secret},
                        timeout=10).status_code == 403
    assert requests.get(platform.url("/api/v1/me"), headers={"X-API-Key": "fck_guess"}, timeout=10).status_code == 401
