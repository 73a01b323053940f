"""Health, readiness, the OpenAPI document and the docs page, request ids."""

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_healthz_and_readyz_answer_when_everything_runs(platform):
    assert requests.get(platform.url("/healthz"), timeout=5).status_code == 200
    ready = requests.get(platform.url("/readyz"), timeout=20)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"jobs": "ok", "training": "ok", "governance": "ok", "points": "ok",
                                      "notifications": "ok"}


def test_the_openapi_document_is_generated_from_the_schemas(platform):
    spec = requests.get(platform.url("/openapi.json"), timeout=5).json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/jobs/workers", "/api/v1/jobs/workers/{worker_id}", "/api/v1/auth/login"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert "WorkerProfileCreate" in schemas and "phone" in schemas["WorkerProfileCreate"]["required"]
    assert "bearer" in spec["components"]["securitySchemes"]


def test_the_docs_page_lists_the_operations(platform):
    page = requests.get(platform.url("/docs"), timeout=5)
    assert page.status_code == 200 and "/api/v1/jobs/workers" in page.text


def test_a_request_id_is_echoed_or_made_up(platform):
    given = requests.get(platform.url("/healthz"), headers={"X-Request-ID": "trace-abc-12345"}, timeout=5)
    assert given.headers["X-Request-ID"] == "trace-abc-12345"
    assert len(requests.get(platform.url("/healthz"), timeout=5).headers["X-Request-ID"]) == 32


def test_an_unknown_path_is_a_problem_document(platform):
    response = requests.get(platform.url("/api/v1/nothing-here"), timeout=5)
    assert response.status_code == 404 and response.headers["Content-Type"] == "application/problem+json"


def test_an_oversized_body_is_413_not_500(platform):
    http = platform.session("courier_a")
    response = http.post(platform.url("/api/v1/jobs/workers"), data=b"x" * (2 << 20),
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 413
