"""Every reference to a person is checked — generated from the API's own document.

The gateway's /openapi.json marks each field and path parameter that names a person (`x-person-id: true`,
services.common.contracts.PersonId). For every operation taking one, a RECIPE below builds a request that
is valid in every other respect; the test then names, in each person field in turn, another community's
member and a made-up id, and expects 422 `not_a_member` naming the field (404 for a read by path). An
operation the document marks and this file has no recipe for fails the test: new ones cannot slip past.
Staff of xiangyang act throughout; dongxin's residents are the other tenant's members."""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import requests

from services.common.contracts import PERSON_ID

pytestmark = pytest.mark.e2e

_phones = itertools.count(1)
_run = uuid.uuid4().int % 10**4


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _now() -> datetime:
    return datetime.now(UTC)


# --- reading the document ----------------------------------------------------------------------------


def _document(platform) -> dict:
    return requests.get(platform.url("/openapi.json"), timeout=10).json()


def _person_fields(document: dict, schema: dict, prefix: tuple = ()) -> list[tuple]:
    """Paths to the person-id fields of a request body schema; list items as index 0."""
    if "$ref" in schema:
        return _person_fields(document, document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], prefix)
    if schema.get(PERSON_ID):
        return [prefix]
    found = []
    if schema.get("type") == "array" and "items" in schema:
        found += _person_fields(document, schema["items"], prefix + (0,))
    for name, sub in (schema.get("properties") or {}).items():
        found += _person_fields(document, sub, prefix + (name,))
    for sub in schema.get("allOf", []):
        found += _person_fields(document, sub, prefix)
    return found


def person_operations(document: dict) -> list[tuple[str, str, tuple | str]]:
    """(METHOD, path, field path or path-parameter name) for every person reference in the document."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                if parameter.get(PERSON_ID) and parameter["in"] == "path":
                    found.append((method.upper(), path, parameter["name"]))
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
            for field in _person_fields(document, body.get("schema") or {}):
                found.append((method.upper(), path, field))
    return sorted(set(found), key=str)


# --- what each operation needs -------------------------------------------------------------------------
# A recipe gets (platform, member) — a fresh xiangyang member — and returns (actor key, concrete path,
# a body valid in every respect with `member` in each person field).


def _ok(response: requests.Response, status: int = 201) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def _person(platform, tenant_id: str = "xiangyang", *roles: str, name: str = "测试居民") -> str:
    key = f"pid-{uuid.uuid4().hex[:8]}"
    platform.add_person(key, phone=f"135{_run:04d}{next(_phones):04d}", name=name, tenant_id=tenant_id,
                        roles=roles or ("resident",))
    return key


def _admin(platform) -> str:
    if "pid-admin" not in platform.people:
        platform.add_person("pid-admin", phone=f"135{_run:04d}0000", name="向阳管理员", tenant_id="xiangyang",
                            roles=("staff", "tenant_admin"))
    return "pid-admin"


def _post(platform, who: str, path: str, body: dict, status: int = 201) -> dict:
    return _ok(platform.session(who).post(platform.url(path), json=body, timeout=30), status)


def _meeting(platform, member):
    course = _post(platform, "staff_a", "/api/v1/training/courses", {
        "kind": "first_aid", "title": "急救培训 / First aid", "category_id": None, "format": "in_person"})
    _ok(platform.session("staff_a").post(platform.url(f"/api/v1/training/courses/{course['id']}/publish"), json={}),
        200)
    start = _now()
    session = _post(platform, "staff_a", f"/api/v1/training/courses/{course['id']}/sessions", {
        "label": "社区急救班", "venue": "向阳党群服务中心", "capacity": 5,
        "enrol_opens_at": _iso(start - timedelta(hours=1)), "enrol_closes_at": _iso(start + timedelta(days=1)),
        "meetings": [{"starts_at": _iso(start - timedelta(minutes=10)), "ends_at": _iso(start + timedelta(minutes=50)),
                      "topic": "心肺复苏"}]})
    return ("staff_a", f"/api/v1/training/meetings/{session['meetings'][0]['id']}/attendance",
            {"walk_ins": [{"name": "路过的居民", "user_id": member}]})


def _council(platform) -> dict:
    return _post(platform, "staff_a", "/api/v1/governance/councils", {"name": "红茶议事会", "theme": "楼道堆物"})


def _adopted_proposal(platform) -> dict:
    """A council of one seated member, whose proposal is voted through."""
    seated = _person(platform, name="议事会成员")
    council = _council(platform)
    _post(platform, "staff_a", f"/api/v1/governance/councils/{council['id']}/members", {"members": [
        {"user_id": platform.people[seated].user_id, "display_name": "成员", "stakeholder_group": "resident"}]})
    proposal = _post(platform, seated, f"/api/v1/governance/councils/{council['id']}/proposals",
                     {"title": "楼道堆物清理", "body": "每月第一个周六清理"})
    _post(platform, seated, f"/api/v1/governance/proposals/{proposal['id']}/transitions", {"action": "submit"}, 200)
    _post(platform, "staff_a", f"/api/v1/governance/proposals/{proposal['id']}/transitions",
          {"action": "deliberate"}, 200)
    vote = _post(platform, "staff_a", f"/api/v1/governance/proposals/{proposal['id']}/vote",
                 {"closes_at": _iso(_now() + timedelta(days=2))})
    _post(platform, seated, f"/api/v1/governance/votes/{vote['id']}/ballots", {"choice": "agree"})
    _post(platform, "staff_a", f"/api/v1/governance/votes/{vote['id']}/close", {"early": True}, 200)
    return proposal


def _action_item(member: str) -> dict:
    return {"title": "清理楼道", "assignee_kind": "property_manager", "assignee_name": "向阳物业",
            "assignee_user_id": member, "due_on": (_now() + timedelta(days=30)).date().isoformat()}


def _resolution_body(member: str) -> dict:
    return {"text": "楼道每月清理一次", "effective_on": _now().date().isoformat(),
            "action_items": [_action_item(member)]}


def _case(platform, member):
    admin = _admin(platform)
    case = _post(platform, "courier_a", "/api/v1/jobs/rights-cases", {"category": "wage_arrears",
                                                                      "summary": "工资拖欠两周"})
    _post(platform, admin, "/api/v1/jobs/rights-cases/desk-members",
          {"user_id": member, "desk_role": "community_lawyer", "title": "王律师"}, 200)
    return admin, f"/api/v1/jobs/rights-cases/{case['id']}/assignment", {"assignee_user_id": member}


def _status_of(platform, who: str, method: str, path: str, body: dict) -> int:
    return platform.session(who).request(method, platform.url(path), json=body, timeout=30).status_code


RECIPES: dict[tuple[str, str], Callable] = {
    ("POST", "/api/v1/points/awards"): lambda platform, member: (
        "staff_a", "/api/v1/points/awards", {"user_id": member, "amount": 5, "category": "volunteer",
                                             "reason": "志愿服务 / Volunteering"}),
    ("POST", "/api/v1/points/expiry-pauses"): lambda platform, member: (
        "staff_a", "/api/v1/points/expiry-pauses", {"user_id": member, "starts_at": _iso(_now()),
                                                    "ends_at": _iso(_now() + timedelta(days=30)),
                                                    "reason": "住院治疗"}),
    ("POST", "/api/v1/jobs/workers"): lambda platform, member: (
        "staff_a", "/api/v1/jobs/workers", {"on_behalf_of_user_id": member, "display_name": "代登记的王阿姨",
                                            "phone": f"137{_run:04d}{next(_phones):04d}", "skills": ["家政"]}),
    ("POST", "/api/v1/jobs/employers"): lambda platform, member: (
        "staff_a", "/api/v1/jobs/employers", {"name": f"向阳家政{uuid.uuid4().hex[:4]}", "member_user_ids": [member]}),
    ("POST", "/api/v1/jobs/rights-cases"): lambda platform, member: (
        "staff_a", "/api/v1/jobs/rights-cases", {"category": "wage_arrears", "summary": "工资拖欠",
                                                 "source": "staff", "person_user_id": member}),
    ("POST", "/api/v1/jobs/rights-cases/desk-members"): lambda platform, member: (
        _admin(platform), "/api/v1/jobs/rights-cases/desk-members",
        {"user_id": member, "desk_role": "social_worker", "title": "社工小李"}),
    ("POST", "/api/v1/jobs/rights-cases/{case_id}/assignment"): _case,
    ("POST", "/api/v1/training/mentors"): lambda platform, member: (
        "staff_a", "/api/v1/training/mentors", {"user_id": member, "display_name": "陈师傅"}),
    ("POST", "/api/v1/training/meetings/{meeting_id}/attendance"): _meeting,
    ("POST", "/api/v1/governance/councils/{council_id}/members"): lambda platform, member: (
        "staff_a", f"/api/v1/governance/councils/{_council(platform)['id']}/members",
        {"members": [{"user_id": member, "display_name": "新成员", "stakeholder_group": "resident"}]}),
    ("POST", "/api/v1/governance/proposals/{proposal_id}/resolution"): lambda platform, member: (
        "staff_a", f"/api/v1/governance/proposals/{_adopted_proposal(platform)['id']}/resolution",
        _resolution_body(member)),
    ("POST", "/api/v1/governance/resolutions/{resolution_id}/action-items"): lambda platform, member: (
        "staff_a", "/api/v1/governance/resolutions/{}/action-items".format(_post(
            platform, "staff_a", f"/api/v1/governance/proposals/{_adopted_proposal(platform)['id']}/resolution",
            {"text": "楼道每月清理一次", "effective_on": _now().date().isoformat()})["id"]),
        _action_item(member)),
    ("POST", "/api/v1/governance/branches/{branch_id}/members"): lambda platform, member: (
        "staff_a", "/api/v1/governance/branches/{}/members".format(_post(
            platform, "staff_a", "/api/v1/governance/branches",
            {"name": f"快递小哥支部{uuid.uuid4().hex[:4]}", "kind": "occupational"})["id"]),
        {"user_id": member, "display_name": "党员小王"}),
    ("POST", "/api/v1/governance/grid-members"): lambda platform, member: (
        "staff_a", "/api/v1/governance/grid-members", {"user_id": member, "display_name": "网格员小李",
                                                       "grid": "向阳新村第3网格"}),
    # reads: a person's account by id
    ("GET", "/api/v1/points/accounts/{user_id}"): lambda platform, member: (
        "staff_a", "/api/v1/points/accounts/{user_id}", None),
    ("GET", "/api/v1/points/accounts/{user_id}/statement"): lambda platform, member: (
        "staff_a", "/api/v1/points/accounts/{user_id}/statement", None),
}


def _set(body: dict, field: tuple, value: str) -> dict:
    changed = copy.deepcopy(body)
    node = changed
    for step in field[:-1]:
        node = node[step]
    node[field[-1]] = value
    return changed


def _label(case) -> str:
    method, path, field = case
    return f"{method} {path} {'.'.join(map(str, field)) if isinstance(field, tuple) else '{' + field + '}'}"


def _cases() -> list[tuple[str, str, tuple | str]]:
    """The operations, read from the gateway's document without starting anything (collection time)."""
    from gateway.app import create_app
    from gateway.identity import TokenSettings
    from gateway.settings import GatewaySettings

    settings = GatewaySettings(amqp_uri="amqp://unused", database_url="sqlite://",
                               tokens=TokenSettings(secret="collection-only-" + "k" * 40))
    with create_app(settings).test_client() as client:
        return person_operations(client.get("/openapi.json").get_json())


CASES = _cases()


def test_the_document_marks_person_ids_and_every_marked_operation_has_a_recipe(platform):
    served = person_operations(_document(platform))
    assert served == CASES and len(served) >= 16
    missing = sorted({(m, p) for m, p, _f in served} - set(RECIPES))
    assert not missing, f"operations naming a person with no recipe here: {missing}"


@pytest.mark.parametrize("case", CASES, ids=_label)
def test_another_tenants_member_and_a_made_up_id_are_refused(platform, case):
    method, path, field = case
    member = platform.people[_person(platform)].user_id
    actor, concrete, body = RECIPES[(method, path)](platform, member)
    strangers = {"another tenant's member": platform.people["courier_b"].user_id,
                 "a made-up id": f"nobody-{uuid.uuid4().hex[:12]}"}
    for who, stranger in strangers.items():
        if isinstance(field, str):  # a read naming the person in its path: no such account here
            status = _status_of(platform, actor, method, concrete.replace("{" + field + "}", stranger), body)
            assert status == 404, f"{who}: {status}"
            continue
        response = platform.session(actor).request(method, platform.url(concrete), json=_set(body, field, stranger),
                                                   timeout=30)
        assert response.status_code == 422, f"{who}: {response.status_code} {response.text}"
        problem = response.json()
        assert problem["code"] == "not_a_member", problem
        named = problem["errors"]
        for step in field:  # the message sits under the field, as any field message does
            named = named[str(step)]
        assert named, problem
    # the same request naming a member of the community goes through
    if isinstance(field, str):
        status = _status_of(platform, actor, method, concrete.replace("{" + field + "}", member), body)
    else:
        status = _status_of(platform, actor, method, concrete, body)
    assert status in (200, 201), status
