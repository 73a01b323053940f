from nameko.exceptions import deserialize, serialize

from gateway.problems import STATUS_BY_ERROR
from services.common import errors


def test_every_service_error_has_an_http_status_in_the_gateway_table():
    assert set(errors.ALL_ERRORS) == set(STATUS_BY_ERROR)
    for cls, status in STATUS_BY_ERROR.items():
        assert status == cls.status, cls


def test_typed_errors_cross_rpc_serialisation_with_their_details():
    original = errors.ValidationFailed.from_messages({"phone": ["an 11-digit mobile number"]})
    rebuilt = deserialize(serialize(original))
    assert type(rebuilt) is errors.ValidationFailed
    assert rebuilt.fields == {"phone": ["an 11-digit mobile number"]}

    conflict = deserialize(serialize(errors.Conflict("already applied", {"state": "withdrawn", "version": 3,
                                                                         "open": False, "by": None})))
    assert type(conflict) is errors.Conflict
    assert conflict.detail == "already applied"
    assert conflict.extra == {"state": "withdrawn", "version": 3, "open": False, "by": None}


def test_an_unregistered_exception_arrives_as_a_remote_error_not_as_ours():
    from nameko.exceptions import RemoteError

    rebuilt = deserialize(serialize(KeyError("boom")))
    assert isinstance(rebuilt, RemoteError)
