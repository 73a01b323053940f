"""The authorisation matrix of docs/security.md, checked cell by cell against the running gateway, in two
tenants; and the document cannot drift from /openapi.json."""

from __future__ import annotations

import re

import pytest
import requests

from tests.conftest import PASSWORD, PEOPLE
from tests.security import matrix
from tests.security.conftest import TENANT_A, TENANT_B

pytestmark = pytest.mark.e2e


def _operations(base_url: str) -> set[str]:
    document = requests.get(base_url + "/openapi.json", timeout=10).json()
    return {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")}


def test_the_table_parses_and_names_every_role():
    rows = matrix.parse_doc()
    assert len(rows) > 150
    assert all(tuple(cells) == matrix.ROLE_COLUMNS for cells in rows.values())
    with pytest.raises(AssertionError, match="cells must be one of"):
        matrix.parse_doc("## Authorisation matrix\n| operation | " + " | ".join(matrix.ROLE_COLUMNS) + " |\n"
                         "|---|\n| `GET /x` | maybe" + " | no" * 8 + " |\n")


def test_every_operation_has_exactly_one_row(platform):
    documented = set(matrix.parse_doc())
    served = _operations(platform.base_url)
    assert sorted(served - documented) == [], "operations without a row in docs/security.md"
    assert sorted(documented - served) == [], "rows for operations the gateway does not serve"


@pytest.fixture(scope="module")
def own_actors(cast):
    """Credentials of the matrix's own: its probe signs each of them out at the end."""
    return cast.actors()


@pytest.mark.timeout(240)
def test_every_cell_holds_in_both_tenants(platform, own_actors):
    rows = matrix.parse_doc()
    statuses = matrix.probe(platform.base_url, own_actors, parallel=6,
                            login={"phone": PEOPLE["courier_a"][0], "password": PASSWORD})
    wrong = [f"{label} as {role} of {community}: table says {rows[label][role]}, gateway answered {status}"
             for (label, role, community), status in sorted(statuses.items())
             if label in rows and not matrix.holds(rows[label][role], status)]
    assert {community for _l, _r, community in statuses} == {TENANT_A, TENANT_B}
    assert len(statuses) == len(rows) * len(matrix.ROLE_COLUMNS) * 2
    assert wrong == []


def test_a_credential_for_one_tenant_cannot_name_another(platform, actors):
    """Any operation, tenant B's staff naming tenant A in X-Tenant-ID: 403 before anything else happens."""
    staff_b = actors[("staff", TENANT_B)]
    http = staff_b.session()
    answers = {}
    for label in sorted(matrix.parse_doc()):
        method, path = label.split(" ", 1)
        url = platform.base_url + re.sub(r"{(\w+)}", lambda m: TENANT_B if m.group(1) == "tenant_id"
                                         else matrix.NOTHING, path)
        answers[label] = http.request(method, url, headers={"X-Tenant-ID": TENANT_A}, json={}, timeout=20).status_code
    assert {label: status for label, status in answers.items() if status != 403} == {}


def test_another_tenants_object_answers_404_like_nothing(platform, actors):
    """A resident's 民情 post in tenant A: visible to A's staff, 404 to tenant B's staff and residents."""
    created = actors[("resident", TENANT_A)].session().post(
        platform.url("/api/v1/governance/voice"), timeout=20,
        json={"text": "楼道灯坏了，请修理 / The stairwell light is broken", "category": "safety"})
    assert created.status_code == 201, created.text
    voice = platform.url(f"/api/v1/governance/voice/{created.json()['id']}")
    assert actors[("staff", TENANT_A)].session().get(voice, timeout=20).status_code == 200
    for role in ("staff", "resident", "tenant_admin"):
        answer = actors[(role, TENANT_B)].session().get(voice, timeout=20)
        assert answer.status_code == 404, (role, answer.text)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
