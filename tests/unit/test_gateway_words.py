"""The gateway's own refusals carry a message code and read in the caller's language, as the services'
errors do (issue 17): Chinese by default, English when the client asks for it."""

from __future__ import annotations

from typing import Any

import pytest

from gateway import messages


@pytest.fixture(scope="module")
def app() -> Any:
    mp = pytest.MonkeyPatch()
    mp.setenv("JWT_SECRET", "a-test-secret-of-at-least-32-characters!")
    try:
        from gateway.app import create_app

        return create_app()
    finally:
        mp.undo()


@pytest.mark.parametrize("headers, words", [
    ({}, "请先登录，或提供合作伙伴 API 密钥"),
    ({"Accept-Language": "en"}, "Sign in, or send a partner API key"),
    ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}, "请先登录，或提供合作伙伴 API 密钥"),
])
def test_an_unauthenticated_call_is_refused_in_the_callers_language(app, headers, words):
    answer = app.test_client().get("/api/v1/me", headers=headers)
    body = answer.get_json()
    assert answer.status_code == 401 and answer.content_type == "application/problem+json"
    assert body["code"] == "unauthenticated" and body["message_code"] == messages.SIGN_IN_OR_API_KEY.code
    assert body["detail"] == words


@pytest.mark.parametrize("language, words", [("zh-CN", "社区 %s 不存在"), ("en", "No tenant %s")])
def test_a_problem_worded_from_a_message_fills_its_parameters(app, language, words):
    from gateway.problems import problem

    with app.test_request_context(headers={"Accept-Language": language}):
        answer = problem(404, code="not_found", detail=messages.NO_TENANT, params={"tenant_id": "dongxin"})
    body = answer.get_json()
    assert body["detail"] == words % "dongxin" and body["message_code"] == "gateway.no_tenant"
    assert body["code"] == "not_found" and answer.status_code == 404


def test_a_field_message_of_the_gateway_reads_in_the_callers_language(app):
    from gateway.problems import from_service_error
    from services.common.errors import ValidationFailed

    for language, words in (("zh-CN", "请从以下选择：staff, resident"), ("en", "choose from staff, resident")):
        with app.test_request_context(headers={"Accept-Language": language}):
            refused = ValidationFailed.from_messages({"roles": [messages.CHOOSE_FROM(choices="staff, resident")]})
            body = from_service_error(refused).get_json()
        assert body["errors"] == {"roles": [words]}, body


def test_a_web_form_reads_the_gateways_own_field_message_in_the_pages_language(app):
    from gateway.web import forms
    from services.common.errors import ValidationFailed

    for language, words in (("zh-CN", "请输入合作社区的编号"), ("en", "Enter the partner community's id")):
        with app.test_request_context(headers={"Accept-Language": language}):
            refused = ValidationFailed.from_messages({"partner_tenant_id": [messages.PARTNER_TENANT_ID]})
            errors, _general = forms.field_errors(refused, ("partner_tenant_id",))
        assert errors == {"partner_tenant_id": [words]}
