"""End-to-end fixtures for training: a partner college as a tenant of its own, its staff and mentor, an
operator of the sub-district, and a few helpers that speak HTTP like a client would."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

COLLEGE = "hzvtc"
NAMES = {"courier_a": "王师傅", "courier_a2": "李师傅", "courier_b": "赵师傅", "mother_c": "刘女士",
         "two_tenants": "周师傅", "staff_a": "张主任"}
OPERATOR_TENANT = "kangqiao"
_phones = itertools.count(random.Random().randrange(0, 5000) * 1000)


def new_phone() -> str:
    """11 digits starting with 136, unique within a run."""
    return f"136{next(_phones) % 10**8:08d}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="session")
def training(platform):
    """The platform with a college (partner tenant), its staff and a mentor, and an operator."""
    platform.infra.ensure_tenant(COLLEGE, "杭州职业技术学院", "partner")
    platform.infra.ensure_tenant(OPERATOR_TENANT, "康桥街道", "operator")
    platform.add_person("college_staff", phone=new_phone(), name="周老师", tenant_id=COLLEGE, roles=("staff",))
    platform.add_person("mentor", phone=new_phone(), name="陈大师", tenant_id=COLLEGE, roles=("mentor",))
    platform.add_person("operator", phone=new_phone(), name="街道办", tenant_id=OPERATOR_TENANT,
                        roles=("operator", "staff"))
    return platform


class Api:
    """Small client helpers: each returns the decoded JSON after asserting the status."""

    def __init__(self, platform):
        self.platform = platform

    def url(self, path: str) -> str:
        return self.platform.url("/api/v1/training" + path)

    def call(self, who: str, method: str, path: str, expect: int, **kwargs):
        response = self.platform.session(who).request(method, self.url(path), timeout=30, **kwargs)
        assert response.status_code == expect, f"{method} {path} as {who}: {response.status_code} {response.text}"
        return response.json() if response.content and "json" in response.headers.get("Content-Type", "") else response

    def every(self, who: str, path: str, **params) -> list:
        """Every item of a list, page by page: a list answers `items` and an opaque `next_cursor`."""
        items, after = [], None
        while True:
            page = self.call(who, "GET", path, 200, params={**params, **({"after": after} if after else {})})
            items += page["items"]
            after = page["next_cursor"]
            if after is None:
                return items

    def course(self, who: str = "college_staff", *, audience: dict | None = None, **fields) -> dict:
        body = {"kind": "vocational", "title": "网店运营 / Online-shop operation", "category_id": "online_shop",
                "format": "night_school", "min_attendance_share": 0.5, **fields}
        course = self.call(who, "POST", "/courses", 201, json=body)
        return self.call(who, "POST", f"/courses/{course['id']}/publish", 200, json=audience or {})

    def session(self, course: dict, who: str = "college_staff", **fields) -> dict:
        start = now()
        body = {"label": "2026 冬季夜校班", "venue": "康桥街道党群服务中心 3楼", "capacity": 2,
                "enrol_opens_at": iso(start - timedelta(hours=1)), "enrol_closes_at": iso(start + timedelta(days=1)),
                "meetings": [
                    {"starts_at": iso(start - timedelta(hours=3)), "ends_at": iso(start - timedelta(hours=2)),
                     "topic": "第一课"},
                    {"starts_at": iso(start - timedelta(minutes=10)), "ends_at": iso(start + timedelta(minutes=50)),
                     "topic": "第二课"},
                ], **fields}
        return self.call(who, "POST", f"/courses/{course['id']}/sessions", 201, json=body)

    def enrol(self, who: str, session: dict, expect: int = 201, **body) -> dict:
        return self.call(who, "POST", f"/sessions/{session['id']}/enrolments", expect,
                         json={"participant_name": NAMES.get(who, who), **body})


@pytest.fixture
def api(training):
    return Api(training)
