"""The rules behind "no 500, whatever the input", without a server: the integer field, partial loads for PATCH,
the depth scan and the unstorable-text scan (the gateway applies them: tests/security/test_hostile_input.py)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys

import marshmallow
import pytest
from marshmallow import Schema

import gateway
import services
from gateway.input_checks import MAX_JSON_DEPTH, json_depth, unstorable_fields
from services.common import contract_fields as fields
from services.common.contracts import load, partial_schema
from services.common.errors import ValidationFailed
from services.jobs.contracts.schemas import JobPostUpdate

# Owned by the identity work, which changes them at the same time; they load only `limit` from a query string.
NOT_YET_CONVERTED: set[str] = set()
SKIPPED_MODULES = ("__main__", "wsgi", "runner")


def _every_schema() -> list[type[Schema]]:
    for package in (gateway, services):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            # skip what runs on import: command lines, the WSGI entry point (needs the environment), migrations,
            # and the service runner, which monkey-patches eventlet into whatever imports it (imported here, it
            # turned the rest of the suite's threads green and hung the session's teardown)
            if ".migrations" not in module.name and module.name.rsplit(".", 1)[-1] not in SKIPPED_MODULES:
                importlib.import_module(module.name)
    assert "services.common.runner" not in sys.modules
    found, pending = [], list(Schema.__subclasses__())
    while pending:
        schema = pending.pop()
        pending.extend(schema.__subclasses__())
        if schema.__module__.startswith(("gateway.", "services.")):
            found.append(schema)
    return found


def _inner_fields(field: marshmallow.fields.Field):
    yield field
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None),
                  getattr(field, "key_field", None)):
        if inner is not None:
            yield from _inner_fields(inner)


def test_no_contract_declares_marshmallows_truncating_integer():
    plain = [f"{schema.__module__}.{schema.__name__}.{name}"
             for schema in _every_schema() if schema.__module__ not in NOT_YET_CONVERTED
             for name, declared in schema._declared_fields.items()
             for field in _inner_fields(declared) if type(field) is marshmallow.fields.Integer]
    assert not plain, "use services.common.contract_fields (1.5 must be refused, not loaded as 1): " + ", ".join(plain)


class _Count(Schema):
    n = fields.Integer()


@pytest.mark.parametrize("value", [1.5, 2.0, "1.5", "", "1e3", True, "abc", 2**63, -(2**63) - 1, "9" * 4000])
def test_an_integer_that_is_not_whole_is_refused(value):
    with pytest.raises(ValidationFailed) as refused:
        load(_Count(), {"n": value})
    assert "n" in refused.value.fields


@pytest.mark.parametrize(("value", "loaded"), [(7, 7), ("7", 7), (" -3 ", -3), (0, 0)])
def test_whole_numbers_and_query_string_digits_load(value, loaded):
    assert load(_Count(), {"n": value}) == {"n": loaded}


def test_a_patch_may_leave_fields_out_but_a_nested_object_sent_must_be_whole():
    assert load(JobPostUpdate(), {"title": "夜班分拣"}, partial=True) == {"title": "夜班分拣"}
    with pytest.raises(ValidationFailed) as refused:
        load(JobPostUpdate(), {"visibility": {"tenants": []}}, partial=True)
    assert "scope" in refused.value.fields["visibility"]
    gateway_schema = partial_schema(JobPostUpdate)
    assert gateway_schema.validate({}) == {}
    assert "scope" in gateway_schema.validate({"visibility": {"tenants": []}})["visibility"]


def test_depth_is_counted_without_recursion_and_ignores_brackets_in_strings():
    assert json_depth("1") == 0
    assert json_depth('{"a": [1, {"b": []}]}') == 4
    assert json_depth('{"a": "[[[[[[[[ {{{{ \\" [[["}') == 1
    assert json_depth("[" * 100_000 + "]" * 100_000) == 100_000  # no RecursionError
    assert json_depth(json.dumps(json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH))) == MAX_JSON_DEPTH


def test_unstorable_text_is_found_in_keys_values_and_lists_at_any_depth():
    found = unstorable_fields({"ok": "好", "a": {"b": ["x", "y\x00"], "c\ud800": 1}, "d": "\udfff"})
    assert set(found) == {"a.b.1", "a.c\\ud800", "d"}
    assert unstorable_fields({"emoji": "\U0001f4a1", "cjk": "路灯"}) == {}
    deep: object = "\x00"
    for _ in range(10_000):
        deep = [deep]
    assert len(unstorable_fields(deep)) == 1  # iterative: no RecursionError
