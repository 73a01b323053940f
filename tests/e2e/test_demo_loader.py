"""`make demo` against the running platform: the loader seeds the tiny demo through the
services' interfaces, the figures a sub-district operator and a community's staff see over
HTTP grow by exactly the seeded counts, and a second run adds nothing."""

from __future__ import annotations

import io

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from deploy.demo import data
from deploy.demo.__main__ import load
from gateway.models import Membership, User
from gateway.rpc import RpcPool
from services.common import config
from services.common.database import make_engine

pytestmark = pytest.mark.e2e

SIZE = data.SIZES["tiny"]
OPERATOR_PHONE = "13800005000"
STAFF_PHONE = "13800000002"  # 张主任, xiangyang


@pytest.fixture(scope="module")
def demo_env(platform, monkeypatch_module):
    if set(platform.infra.services) != set(config.SERVICE_NAMES):
        pytest.skip("the demo needs all four services (TEST_SERVICES limits them)")
    monkeypatch_module.setenv("DATABASE_URL", platform.infra.database_template)
    monkeypatch_module.setenv("AMQP_URI", platform.infra.amqp_uri)
    return platform


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def login(platform, phone: str, tenant_id: str | None = None) -> requests.Session:
    body = {"phone": phone, "password": data.DEMO_PASSWORD, **({"tenant_id": tenant_id} if tenant_id else {})}
    response = requests.post(platform.url("/api/v1/auth/login"), json=body, timeout=10)
    assert response.status_code == 200, response.text
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return http


OPERATOR = {"tenant_id": data.OPERATOR[0], "user_id": "figures-reader", "roles": "operator,staff"}


def figures(platform) -> dict:
    """The operator's figures (every tenant) and counts the loader's rows show up in, read by RPC
    so that they can be taken before the demo's accounts exist."""
    pool = RpcPool(platform.infra.amqp_uri, size=1, timeout=30)
    try:
        jobs = pool.call("jobs", "all_tenant_figures", {}, context_data=OPERATOR)
        training = pool.call("training", "all_tenant_figures", context_data=OPERATOR)
        points = pool.call("points", "figures_all_tenants", context_data=OPERATOR)
        staff = {"tenant_id": "xiangyang", "user_id": "figures-reader", "roles": "staff"}
        councils = pool.call("governance", "list_councils", {"limit": 200}, context_data=staff)
        places = pool.call("governance", "list_assets", context_data=staff)
    finally:
        pool.close()
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    with sessionmaker(engine)() as session:
        memberships = session.scalar(select(func.count()).select_from(Membership)
                                     .where(Membership.tenant_id.in_([c[0] for c in data.communities(SIZE)])))
        users = session.scalar(select(func.count()).select_from(User))
    engine.dispose()
    return {
        "jobs": jobs["totals"],
        "training": {k: v for k, v in training["total"].items() if isinstance(v, (int, float))},
        "acts": sum(row["acts"] for row in points["tenants"]),
        "redeemed": sum(row["redeemed"] for row in points["tenants"]),
        "councils": sorted((c["name"], c["member_count"]) for c in councils["items"]),
        "places": sorted(a["name"] for a in places["items"]),
        "memberships": memberships,
        "users": users,
    }


def test_the_demo_loads_once_and_the_figures_show_it(demo_env):
    platform = demo_env
    before = figures(platform)

    summary = load("tiny", threads=2, stream=io.StringIO())
    first = figures(platform)

    assert summary["residents"] == SIZE.residents and summary["posts"] == SIZE.posts
    jobs, was = first["jobs"], before["jobs"]
    assert jobs["posts_published"] - was["posts_published"] == SIZE.posts
    assert jobs["residents_placed"] - was["residents_placed"] == SIZE.placements
    assert jobs["people_helped"] - was["people_helped"] == SIZE.rights_cases
    assert jobs["fairs_held"] - was["fairs_held"] == SIZE.held_fairs
    assert jobs["fairs_upcoming"] - was["fairs_upcoming"] == SIZE.fairs - SIZE.held_fairs
    assert jobs["workers_registered"] - was["workers_registered"] == SIZE.workers
    training = first["training"]
    assert training["sessions_held"] - before["training"]["sessions_held"] == (
        SIZE.vocational_sessions + SIZE.cultural_classes)
    assert training["certificates_issued"] > before["training"]["certificates_issued"]
    assert first["acts"] - before["acts"] == SIZE.acts
    assert first["redeemed"] > before["redeemed"]
    assert ("红茶议事会", SIZE.council_members) in first["councils"]
    assert "暖蜂驿站1号" in first["places"]  # places are shared with every community's map
    assert first["memberships"] - before["memberships"] >= SIZE.residents

    # What the operator's figures page shows over HTTP is what was counted.
    operator = login(platform, OPERATOR_PHONE)
    page = operator.get(platform.url("/api/v1/jobs/figures/all-tenants"), timeout=30)
    assert page.status_code == 200, page.text
    assert page.json()["totals"]["posts_published"] == jobs["posts_published"]
    staff = login(platform, STAFF_PHONE, "xiangyang")
    mine = staff.get(platform.url("/api/v1/points/figures"), timeout=30)
    assert mine.status_code == 200 and mine.json()["acts"] > 0, mine.text

    # A demo resident has no password: the account exists but cannot log in.
    resident = data.residents(SIZE)[0]
    refused = requests.post(platform.url("/api/v1/auth/login"),
                            json={"phone": resident.phone, "password": data.DEMO_PASSWORD}, timeout=10)
    assert refused.status_code == 401, refused.text

    again = load("tiny", threads=2, stream=io.StringIO())
    assert figures(platform) == first
    assert again["rpc_calls"] > 0  # it looked, through the same interfaces, and found everything there
