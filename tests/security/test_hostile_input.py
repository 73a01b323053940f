"""No 500, whatever the input: refusals the gateway owes every operation of /openapi.json, checked against the
running platform (four services, relay, gateway) for every operation the document lists, so that a new
operation is covered the day it is added.

- a body nested deeper than MAX_JSON_DEPTH, or malformed: 400 (before: RecursionError, 500)
- NUL or a lone surrogate in any text: 422 naming the field (before: 500 from PostgreSQL in the services)
- a body that is not JSON: 415 (before: 415, 422 "Missing data" or even 200, by operation)
- a non-whole number for an integer field: 422 naming it (before: truncated, 1.5 stored as 1)
- a method the path does not serve: 405 with `Allow` (before: no Allow header)
"""

from __future__ import annotations

import json

import pytest
import requests

from gateway.input_checks import MAX_JSON_DEPTH
from tests.security import openapi_cases as oa

pytestmark = pytest.mark.e2e

DEEP = '{"a":' * 5000 + "1" + "}" * 5000  # about 35 KB


@pytest.fixture(scope="module")
def spec(platform) -> dict:
    return oa.document(platform.base_url)


@pytest.fixture(scope="module")
def staff(cast) -> requests.Session:
    """A credential of this module's own: some operations sent a body here (a sign-out, a password change) would
    end the session the other suites share, were they accepted."""
    return cast.actors()[("staff", "xiangyang")].session()


def _send(http: requests.Session, op: oa.Operation, base_url: str, data: str | bytes, content_type: str):
    return http.request(op.method, op.url(base_url), data=data, headers={"Content-Type": content_type}, timeout=15)


def test_a_too_deep_or_malformed_json_body_is_400_on_every_operation_with_a_body(platform, spec, staff):
    wrong = []
    operations = oa.with_body(spec)
    assert any(op.path == "/api/v1/partners/inbound" for op in operations)
    for op in operations:
        content_type = op.body_types[0]
        for label, data in (("deep", DEEP), ("malformed", '{"a": ')):
            response = _send(staff, op, platform.base_url, data, content_type)
            if response.status_code != 400 or oa.problem(response)["code"] != "bad_request":
                wrong.append(f"{op.label} {label} -> {response.status_code} {response.text[:120]}")
    assert not wrong, "\n".join(wrong)


def test_the_depth_limit_is_the_documented_one(platform, staff):
    voice = oa.Operation("POST", "/api/v1/governance/voice", {}, ("application/json",))
    nested = lambda depth: "[" * depth + "]" * depth  # noqa: E731
    at_limit = _send(staff, voice, platform.base_url, nested(MAX_JSON_DEPTH), "application/json")
    assert at_limit.status_code == 422, at_limit.text  # parsed, then refused by the schema: not an object
    over = _send(staff, voice, platform.base_url, nested(MAX_JSON_DEPTH + 1), "application/json")
    assert over.status_code == 400 and str(MAX_JSON_DEPTH) in oa.problem(over)["detail"]


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "nul\u0000"], ids=["high-surrogate", "low-surrogate", "nul"])
def test_text_that_cannot_be_stored_is_422_naming_every_string_field_of_every_operation(platform, spec, staff, bad):
    wrong = []
    checked = 0
    for op in oa.with_body(spec):
        names = oa.string_fields(op)
        if not names or op.path == "/api/v1/partners/inbound":
            continue
        body = json.dumps({name: bad for name in names})  # json.dumps escapes: "\ud800" on the wire
        response = _send(staff, op, platform.base_url, body, op.body_types[0])
        checked += 1
        named = set(oa.problem(response).get("errors", {})) if response.status_code == 422 else set()
        if response.status_code != 422 or named != set(names):
            wrong.append(f"{op.label} -> {response.status_code} named {sorted(named)}, sent {sorted(names)}")
    assert checked > 50 and not wrong, "\n".join(wrong)


def test_unstorable_text_is_refused_in_keys_nested_values_and_query_strings(platform, staff):
    voice = platform.url("/api/v1/governance/voice")
    answer = staff.post(voice, json={"text": "\ud800", "category": "safety"})
    assert answer.status_code == 422 and "text" in oa.problem(answer)["errors"]
    nested = staff.post(platform.url("/api/v1/jobs/workers"), json={
        "display_name": "王师傅", "phone": "13800000001", "skills": ["快递", "\udc00"],
        "availability": [{"weekday": 1, "start": "09:00", "end": "12:00", "\ud83dnote": 1}]})
    assert nested.status_code == 422
    assert set(oa.problem(nested)["errors"]) == {"skills.1", "availability.0.\\ud83dnote"}
    query = staff.get(platform.url("/api/v1/jobs/posts"), params={"status": "open\u0000"})
    assert query.status_code == 422 and "status" in oa.problem(query)["errors"]
    # a pair is one character, stored as such: not refused by this check
    paired = staff.post(voice, json={"text": "路灯坏了 \ud83d\udca1", "category": "safety"})
    assert paired.status_code < 500 and "text" not in (paired.json().get("errors") or {})


def test_a_body_that_is_not_json_is_415_on_every_operation_with_a_body(platform, spec, staff):
    wrong = []
    for op in oa.with_body(spec):
        for content_type, data in (("text/plain", "hello"), ("application/x-www-form-urlencoded", "a=1"),
                                   ("application/xml", "<a/>")):
            response = _send(staff, op, platform.base_url, data, content_type)
            if response.status_code != 415 or oa.problem(response)["code"] != "unsupported_media_type":
                wrong.append(f"{op.label} {content_type} -> {response.status_code} {response.text[:100]}")
        no_type = staff.request(op.method, op.url(platform.base_url), data=b"{}", timeout=15,
                                headers={"Content-Type": ""})
        if no_type.status_code != 415:
            wrong.append(f"{op.label} body without a content type -> {no_type.status_code}")
    assert not wrong, "\n".join(wrong)


def test_an_integer_field_given_a_fraction_is_422_naming_it_on_every_operation(platform, spec, staff):
    wrong = []
    checked = 0
    for op in oa.with_body(spec):
        names = oa.integer_fields(op)
        if not names:
            continue
        for bad in (1.5, 2.0, "3.5"):
            response = _send(staff, op, platform.base_url, json.dumps({name: bad for name in names}),
                             op.body_types[0])
            checked += 1
            named = set(oa.problem(response).get("errors", {})) if response.status_code == 422 else set()
            if response.status_code != 422 or not set(names) <= named:
                wrong.append(f"{op.label} {bad!r} -> {response.status_code} named {sorted(named)}, "
                             f"sent {sorted(names)}")
    assert checked > 10 and not wrong, "\n".join(wrong)
    fraction = staff.get(platform.url("/api/v1/jobs/workers"), params={"limit": "1.5"})
    assert fraction.status_code == 422 and "limit" in oa.problem(fraction)["errors"]
    assert staff.get(platform.url("/api/v1/jobs/workers"), params={"limit": "5"}).status_code == 200


def test_a_method_a_path_does_not_serve_is_405_with_allow_on_every_path(platform, spec, staff):
    wrong = []
    for path, item in sorted(spec["paths"].items()):
        served = {m.upper() for m in oa.METHODS if m in item}
        missing = [m.upper() for m in oa.METHODS if m.upper() not in served]
        if not missing:
            continue
        op = oa.Operation(missing[0], path, None, ())
        response = staff.request(op.method, op.url(platform.base_url), timeout=15)
        allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
        if response.status_code != 405 or not served <= allowed or op.method in allowed:
            wrong.append(f"{op.label} -> {response.status_code} Allow: {sorted(allowed)}, serves {sorted(served)}")
        else:
            oa.problem(response)
    assert not wrong, "\n".join(wrong)
