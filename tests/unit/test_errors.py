"""Typed errors cross RPC as themselves, with their details and message codes: rebuilt by nameko on a
service's side and by the gateway's own `rebuild_error` (the gateway imports no nameko)."""

import pytest
from nameko.exceptions import deserialize, serialize

import services.common.service  # noqa: F401 - registers the errors with nameko, as every service does
from gateway.problems import STATUS_BY_ERROR
from gateway.rpc import RemoteError, rebuild_error
from services.common import errors
from services.common.shared_messages import NOT_FOUND


def test_every_service_error_has_an_http_status_in_the_gateway_table():
    assert set(errors.ALL_ERRORS) == set(STATUS_BY_ERROR)
    for cls, status in STATUS_BY_ERROR.items():
        assert status == cls.status, cls


@pytest.mark.parametrize("rebuild", [deserialize, rebuild_error], ids=["nameko", "gateway"])
def test_typed_errors_cross_rpc_serialisation_with_their_details(rebuild):
    original = errors.ValidationFailed.from_messages({"phone": ["an 11-digit mobile number"]})
    rebuilt = rebuild(serialize(original))
    assert type(rebuilt) is errors.ValidationFailed
    assert rebuilt.fields == {"phone": ["an 11-digit mobile number"]}

    conflict = rebuild(serialize(errors.Conflict("already applied", {"state": "withdrawn", "version": 3,
                                                                     "open": False, "by": None})))
    assert type(conflict) is errors.Conflict
    assert conflict.detail == "already applied"
    assert conflict.extra == {"state": "withdrawn", "version": 3, "open": False, "by": None}

    coded = rebuild(serialize(errors.NotFound(NOT_FOUND, {"id": "c-1"})))
    assert type(coded) is errors.NotFound
    assert coded.message_code == "common.not_found" and coded.extra["id"] == "c-1"

    member = rebuild(serialize(errors.NotAMember.for_field("user_id", "u-9")))
    assert type(member) is errors.NotAMember


def test_an_unregistered_exception_arrives_as_a_remote_error_not_as_ours():
    from nameko.exceptions import RemoteError as NamekoRemoteError

    assert isinstance(deserialize(serialize(KeyError("boom"))), NamekoRemoteError)
    rebuilt = rebuild_error(serialize(KeyError("boom")))
    assert isinstance(rebuilt, RemoteError) and rebuilt.exc_type == "KeyError"


def test_parameters_need_a_message():
    with pytest.raises(TypeError):
        errors.Conflict("plain words", capacity=3)


def test_a_field_message_with_parameters_is_worded_in_the_callers_language():
    from flask import Flask
    from flask_babel import Babel

    from gateway.web import i18n
    from services.training.contracts.messages import CHILD_AGE_OUTSIDE

    sent = serialize(errors.ValidationFailed.from_messages(
        {"child": {"age": [CHILD_AGE_OUTSIDE(lowest=6, highest=12)]}, "name": ["Not a member of this community"],
         "code": [NOT_FOUND]}))  # a field may be called `code`
    assert rebuild_error(sent).fields["child"] == {"age": ["This camp takes children aged 6–12"]}  # no request
    app = Flask(__name__)
    Babel(app, locale_selector=i18n.select_locale)
    for language, expected in (("zh-CN", {"child": {"age": ["本营招收 6–12 岁的孩子"]}, "name": ["不是本社区成员"],
                                          "code": ["未找到"]}),
                               ("en", {"child": {"age": ["This camp takes children aged 6–12"]},
                                       "name": ["Not a member of this community"], "code": ["Not found"]})):
        with app.test_request_context(headers={"Accept-Language": language}):
            worded = rebuild_error(sent)
            assert worded.fields == expected, language
            assert "field_codes" not in worded.extra
