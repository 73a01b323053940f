"""Accounts the fair, desk and figures tests need besides the suite's residents and staff:
a tenant admin, a community lawyer, the sub-district operator (in an operator tenant)
and a crowd of residents for the capacity race. Phones start with 133."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

CROWD = 8


@pytest.fixture(scope="package")
def desk_people(platform):
    platform.infra.ensure_tenant("subdistrict", "康桥街道", "operator")
    add = platform.add_person
    add("admin_x", phone="13300000001", name="向阳管理员", tenant_id="xiangyang", roles=("staff", "tenant_admin"))
    add("lawyer_x", phone="13300000002", name="王律师", tenant_id="xiangyang", roles=("staff",))
    add("operator", phone="13300000003", name="街道运营", tenant_id="subdistrict", roles=("operator", "staff"))
    add("admin_d", phone="13300000004", name="东新管理员", tenant_id="dongxin", roles=("staff", "tenant_admin"))
    for i in range(CROWD):
        add(f"crowd_{i}", phone=f"133000001{i:02d}", name=f"居民{i}", tenant_id="dongxin" if i % 2 else "huanqiu",
            roles=("resident",))
    return platform.people


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def happening_now(**overrides) -> dict:
    """A fair whose doors are open: started half an hour ago, ends in three hours."""
    now = datetime.now(UTC)
    body = {"title": "家门口的招聘会", "kind": "on_site", "venue": "康桥新居民党群服务中心",
            "starts_at": iso(now - timedelta(minutes=30)), "ends_at": iso(now + timedelta(hours=3))}
    body.update(overrides)
    return body
