"""Issue 17: every list endpoint pages the same way. A GET whose answer is a list (`items` array, or a bare
array) takes the query parameters `limit` and `after` (an opaque cursor) and answers `next_cursor`, null on
the last page (services.common.pagination, services.common.contracts.PageQuery / page_schema).

The exceptions are listed below, each with why it does not page. An entry that starts to page, or whose
endpoint is gone, fails the test too, so the list cannot outlive its reasons."""

from __future__ import annotations

from typing import Any

import pytest

NOT_PAGED = {
    # ranked top-N answers: the best `limit` matches; a "next page" of a ranking is not a stable list
    "/api/v1/jobs/recommendations": "ranked top-N (recommendations for me)",
    "/api/v1/jobs/posts/{post_id}/candidates": "ranked top-N (candidates for a post)",
    # a fixed taxonomy shipped with the code, not data that grows
    "/api/v1/jobs/skills": "the skills taxonomy",
    # a tree: replies hang under their comment, a page boundary would cut threads apart
    "/api/v1/governance/proposals/{proposal_id}/comments": "a tree (a proposal's comments and replies)",
    # sorted by distance from a point, not by a key a cursor can resume from
    "/api/v1/governance/assets": "distance-sorted map assets",
    "/api/v1/governance/public/communities/{community}/assets": "distance-sorted map assets (public)",
    # a bare array: wrapping it in {items, next_cursor} would change the shape clients read
    "/api/v1/governance/signups/mine": "bare-array answer whose shape cannot change",
    # small per-tenant sets bounded by nature
    "/api/v1/points/agreements": "at most one agreement per partner tenant",
    "/api/v1/api-keys": "a tenant's API keys: a handful, issued by hand",
    "/api/v1/partners/webhooks": "a tenant's webhook subscriptions: a handful, set up by hand",
    "/api/v1/jobs/rights-cases/desk-members": "the members of a tenant's rights desk",
    "/api/v1/training/mentors/me/ratings": "a mentor's own ratings summary",
    "/api/v1/jobs/workers/{worker_id}/certificates": "one worker's own certificates: a handful per person",
}


@pytest.fixture(scope="module")
def app() -> Any:
    mp = pytest.MonkeyPatch()
    mp.setenv("JWT_SECRET", "a-test-secret-of-at-least-32-characters!")
    try:
        import gateway.app

        return gateway.app.create_app()
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def spec(app) -> dict[str, Any]:
    answer: dict[str, Any] = app.test_client().get("/openapi.json").get_json()
    return answer


def _lists(spec: dict[str, Any]) -> dict[str, tuple[set[str], dict[str, Any], dict[str, Any]]]:
    """Every GET whose 200 answer is a list: its query parameter names, its answer schema and the operation."""
    schemas = spec["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = schemas[schema["$ref"].split("/")[-1]]
        return schema

    found = {}
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        answer = (operation or {}).get("responses", {}).get("200", {}).get("content", {}) \
            .get("application/json", {}).get("schema")
        if not answer:
            continue
        schema = resolve(answer)
        items = schema.get("properties", {}).get("items", {})
        if schema.get("type") == "array" or items.get("type") == "array":
            params = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            found[path] = (params, schema, operation)
    return found


def _pages(params: set[str], schema: dict[str, Any]) -> bool:
    return {"limit", "after"} <= params and "next_cursor" in schema.get("properties", {})


def test_the_document_has_list_endpoints_to_check(spec):
    assert len(_lists(spec)) > 40


def test_every_list_endpoint_takes_limit_and_after_and_answers_next_cursor(spec):
    wrong = sorted(path for path, (params, schema, _op) in _lists(spec).items()
                   if path not in NOT_PAGED and not _pages(params, schema))
    assert not wrong, f"lists without the limit/after/next_cursor contract (issue 17): {wrong}"


def test_the_exceptions_are_still_exceptions(spec):
    lists = _lists(spec)
    gone = sorted(path for path in NOT_PAGED if path not in lists)
    assert not gone, f"no longer list endpoints, remove them from NOT_PAGED: {gone}"
    paged = sorted(path for path in NOT_PAGED if _pages(*lists[path][:2]))
    assert not paged, f"these page now, remove them from NOT_PAGED: {paged}"


def test_the_audit_log_keeps_cursor_as_a_deprecated_alias_of_after(spec):
    params, _schema, _op = _lists(spec)["/api/v1/audit-log"]
    assert {"limit", "after", "cursor"} <= params


NEXT_PAGE = '{% from "web/macros.html" import next_page with context %}{{ next_page(page) }}'


def test_a_web_page_links_its_next_page_keeping_its_query_and_setting_after(app):
    from flask import render_template_string

    with app.test_request_context("/web/staff/posts/p-1/applications?status=open&after=old",
                                  headers={"Accept-Language": "en"}):
        html = render_template_string(NEXT_PAGE, page={"items": [], "next_cursor": "c-2"})
        assert 'href="/web/staff/posts/p-1/applications?' in html and "Next page" in html
        assert "status=open" in html and "after=c-2" in html and "after=old" not in html
        assert render_template_string(NEXT_PAGE, page={"items": [], "next_cursor": None}).strip() == ""
    with app.test_request_context("/web/desk", headers={"Accept-Language": "zh-CN"}):
        assert "下一页" in render_template_string(NEXT_PAGE, page={"items": [], "next_cursor": "c"})
