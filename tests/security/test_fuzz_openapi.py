"""Hostile input: schemathesis over every operation of the gateway, as every role in two tenants."""

from __future__ import annotations

import os

import pytest

from tests.security.fuzzing import run

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "9"))  # one request per role per operation at least


@pytest.mark.timeout(int(os.environ.get("FUZZ_TIMEOUT_S", "600")))
def test_every_operation_answers_without_5xx_and_as_documented(platform, actors):
    report = run(platform.base_url, actors, examples=EXAMPLES)
    print(report.summary())
    assert not report.failures, report.summary()
    assert report.requests > 0
