"""A PATCH validates a field exactly as the POST that creates the resource does (issue #16).

Generated from /openapi.json: every PATCH is paired with the POST of its resource family (the collection its
path names, e.g. `PATCH /points/items/{item_id}` with `POST /points/merchants/{merchant_id}/items`). For every
field the two share, invalid values are drawn from the POST's own schema (wrong type, null where not nullable,
out of range, too long, not in the enum, a fraction for an integer, a nested object missing its required
fields…) plus unknown references for id fields ("nope"). Each is sent to the POST, inside an otherwise valid
body, and to the PATCH of a real resource of that family; where the POST answers 422 naming the field, the
PATCH must too, and otherwise both must agree (a 2xx, or the same error status). Before the fix a PATCH answered
500 to `{"visibility": {"tenants": []}}` (posts) and to `{"category_id": "nope"}` (courses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.security import openapi_cases as oa
from tests.security.conftest import new_phone

pytestmark = pytest.mark.e2e

Body = Callable[[], dict[str, Any]]


def _created(http: requests.Session, url: str, body: dict) -> str:
    response = http.post(url, json=body, timeout=15)
    assert response.status_code == 201, f"{url}: {response.status_code} {response.text[:300]}"
    return response.json()["id"]


def _merchant() -> dict:
    return {"name": "爱心理发店", "category": "理发"}


def _post_body(employer_id: str) -> Body:
    return lambda: {"employer_id": employer_id, "title": "夜班分拣", "job_type": "gig", "pay_amount": 200,
                    "pay_period": "day"}


def _fair() -> dict:
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=30)
    return {"title": "家门口的招聘会", "kind": "on_site", "venue": "服务中心广场",
            "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=4)).isoformat()}


# PATCH label -> (the POST's path values, a valid POST body), made as staff of xiangyang; the parents a family
# needs (an employer for posts, a merchant for items) are made first.
def _families(http: requests.Session, base: str) -> dict[str, tuple[dict[str, str], Body]]:
    employer = _created(http, base + "/api/v1/jobs/employers", {"name": "蜂巢测试物流"})
    merchant = _created(http, base + "/api/v1/points/merchants", _merchant())
    return {
        "PATCH /api/v1/jobs/workers/{worker_id}": (
            {}, lambda: {"display_name": "测试师傅", "phone": new_phone(), "on_behalf_of_user_id": None}),
        "PATCH /api/v1/jobs/posts/{post_id}": ({}, _post_body(employer)),
        "PATCH /api/v1/jobs/fairs/{fair_id}": ({}, _fair),
        "PATCH /api/v1/training/courses/{course_id}": ({}, lambda: {"kind": "vocational", "title": "叉车操作"}),
        "PATCH /api/v1/governance/assets/{asset_id}": (
            {}, lambda: {"kind": "rest_stop", "name": "小哥驿站", "address": "向阳路1号", "lat": 30.2, "lng": 120.1}),
        "PATCH /api/v1/points/rules/{rule_id}": (
            {}, lambda: {"name": "夜校出勤", "event_type": "training.session_attended", "category": "training",
                         "points": 5}),
        "PATCH /api/v1/points/merchants/{merchant_id}": ({}, _merchant),
        "PATCH /api/v1/points/items/{item_id}": ({"merchant_id": merchant},
                                                 lambda: {"name": "毛巾", "price_points": 10}),
    }


# A ballot exists only inside an open vote of a council session; its two fields are checked by the schema at
# the gateway, before any lookup, so the pair is compared on an id that names nothing.
SCHEMA_ONLY = {"PATCH /api/v1/governance/votes/{vote_id}/ballots/mine"}
# Changes with no create: a tenant's settings and a person's preferences exist from the start.
NO_CREATE = {"PATCH /api/v1/points/settings", "PATCH /api/v1/points/me/preferences"}


def pairs(spec: dict) -> tuple[dict[oa.Operation, oa.Operation], set[str]]:
    """PATCH -> the POST of its family; and the PATCHes without one."""
    posts = {op.path: op for op in oa.with_body(spec) if op.method == "POST"}
    found, unpaired = {}, set()
    for patch in (op for op in oa.with_body(spec) if op.method == "PATCH"):
        collection = patch.path.rsplit("/", 1)[0]
        twin = posts.get(collection) or next(
            (op for path, op in sorted(posts.items()) if path.rsplit("/", 1)[-1] == collection.rsplit("/", 1)[-1]),
            None)
        if twin is None:
            unpaired.add(patch.label)
        else:
            found[patch] = twin
    return found, unpaired


def invalid_values(spec: dict, prop: dict) -> list[tuple[str, Any]]:
    """Values the property's own schema forbids."""
    prop = oa.resolve(spec, prop)
    kind = oa.kind(prop)
    found: list[tuple[str, Any]] = [] if prop.get("nullable") else [("null", None)]
    if kind == "string":
        found.append(("a number", 12345))
        if "enum" in prop:
            found.append(("not a choice", "not-a-choice"))
        if "maxLength" in prop:
            found.append(("too long", "长" * (prop["maxLength"] + 1)))
        if prop.get("minLength", 0) >= 1:
            found.append(("empty", ""))
        if "pattern" in prop:
            found.append(("against the pattern", " ?!"))
        if prop.get("format") in ("date-time", "date"):
            found.append(("not a date", "someday"))
        if prop.get("format") in ("url", "uri"):
            found.append(("not a url", "not a url"))
    elif kind in ("integer", "number"):
        found.append(("text", "many"))
        if kind == "integer":
            found.append(("a fraction", 1.5))
        if "minimum" in prop:
            found.append(("below the minimum", prop["minimum"] - 1))
        if "maximum" in prop:
            found.append(("above the maximum", prop["maximum"] + 1))
    elif kind == "boolean":
        found.append(("text", "maybe"))
    elif kind == "array":
        found.append(("not a list", "nope"))
        for why, value in invalid_values(spec, prop.get("items", {})):
            if value is not None:
                found.append((f"an item {why}", [value]))
    elif kind == "object":
        found.append(("not an object", "nope"))
        if prop.get("required"):
            found.append(("missing its required fields", {}))
        extra = prop.get("additionalProperties")
        if isinstance(extra, dict) and oa.kind(extra) == "string":
            found.append(("a value of the wrong type", {"key": 12345}))
    return found


def references(name: str, prop: dict) -> list[tuple[str, Any]]:
    """Unknown ids for fields that name another object: checked by the service, not the schema."""
    kind = oa.kind(prop)
    if kind == "string" and name.endswith("_id"):
        return [("an unknown reference", "nope")]
    if kind == "array" and (name.endswith("_ids") or name.endswith("tenants") or name.endswith("skills")):
        return [("an unknown reference", ["nope"])]
    return []


def _errors(response: requests.Response) -> dict:
    return oa.problem(response).get("errors", {}) if response.status_code >= 400 else {}


def _agree(post: requests.Response, patch: requests.Response, field: str) -> bool:
    if post.status_code == 422 and field in _errors(post):
        return patch.status_code == 422 and field in _errors(patch)
    if post.status_code < 300:
        return patch.status_code < 300
    return patch.status_code == post.status_code


@pytest.fixture(scope="module")
def staff(cast) -> requests.Session:
    return cast.actors()[("staff", "xiangyang")].session()  # its own credential, as in test_hostile_input


def test_every_patch_validates_each_field_as_its_post_does(platform, spec_document, staff):
    http = staff
    base = platform.base_url
    found, unpaired = pairs(spec_document)
    assert unpaired == NO_CREATE, "a PATCH without a POST twin: pair it, or list it in NO_CREATE with why"
    families = _families(http, base)
    assert set(families) | SCHEMA_ONLY == {patch.label for patch in found}, "every pair needs a family here"
    wrong, compared = [], 0
    for patch, post in sorted(found.items(), key=lambda pair: pair[0].label):
        values, body = families.get(patch.label, ({}, dict))
        target = oa.NOBODY
        if patch.label in families:
            target = _created(http, post.url(base, **values), body())
        parameter = patch.path.rsplit("{", 1)[-1].rstrip("}") if patch.path.endswith("}") else None
        patch_url = patch.url(base, **({parameter: target} if parameter else {}))
        shared = set(post.properties()) & set(patch.properties())
        assert shared, f"{patch.label} and {post.label} share no field"
        for name in sorted(shared):
            prop = post.properties()[name]
            for why, value in invalid_values(spec_document, prop) + references(name, prop):
                created = http.post(post.url(base, **values), json={**body(), name: value}, timeout=15)
                changed = http.patch(patch_url, json={name: value}, timeout=15)
                compared += 1
                for response in (created, changed):
                    if response.status_code >= 500:
                        wrong.append(f"{response.request.method} {name} {why}: {response.status_code}")
                if not _agree(created, changed, name):
                    wrong.append(f"{patch.label} {name}={value!r:.40} ({why}): POST {created.status_code} "
                                 f"{sorted(_errors(created))} but PATCH {changed.status_code} {changed.text[:160]}")
    print(f"{compared} invalid values compared over {len(found)} POST/PATCH pairs")
    assert compared > 100 and not wrong, "\n".join(wrong)


@pytest.fixture(scope="module")
def spec_document(platform) -> dict:
    return oa.document(platform.base_url)


def test_the_two_reported_patches_are_422_naming_the_field(platform, staff):
    http = staff
    base = platform.base_url
    employer = _created(http, base + "/api/v1/jobs/employers", {"name": "蜂巢测试快递"})
    post = _created(http, base + "/api/v1/jobs/posts", _post_body(employer)())
    answer = http.patch(f"{base}/api/v1/jobs/posts/{post}", json={"visibility": {"tenants": []}}, timeout=15)
    assert answer.status_code == 422 and "scope" in oa.problem(answer)["errors"]["visibility"], answer.text
    course = _created(http, base + "/api/v1/training/courses", {"kind": "vocational", "title": "电工"})
    answer = http.patch(f"{base}/api/v1/training/courses/{course}", json={"category_id": "nope"}, timeout=15)
    assert answer.status_code == 422 and "category_id" in oa.problem(answer)["errors"], answer.text
