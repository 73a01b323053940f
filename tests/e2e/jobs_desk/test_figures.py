"""Figures over HTTP: a community's staff see their tenant; the operator sees all tenants."""

import pytest

from tests.e2e.jobs_desk.conftest import happening_now

pytestmark = pytest.mark.e2e


def _figures(platform, who, path="/api/v1/jobs/figures", **params):
    response = platform.session(who).get(platform.url(path), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_each_community_counts_its_own_cases_and_fairs_and_only_staff_see_them(platform, desk_people):
    before_x = _figures(platform, "staff_a")["figures"]
    before_d = _figures(platform, "staff_b")["figures"]
    opened = platform.session("courier_b").post(platform.url("/api/v1/jobs/rights-cases"),
                                                json={"category": "work_injury", "summary": "送件途中摔伤"})
    assert opened.status_code == 201
    fair = platform.session("staff_a").post(platform.url("/api/v1/jobs/fairs"), json=happening_now())
    assert platform.session("staff_a").post(platform.url(f"/api/v1/jobs/fairs/{fair.json()['id']}/publish")).ok

    after_x = _figures(platform, "staff_a")["figures"]
    after_d = _figures(platform, "staff_b")
    assert after_d["figures"]["cases_opened"] == before_d["cases_opened"] + 1
    assert after_d["cases_by_category"]["work_injury"] >= 1
    assert after_x["cases_opened"] == before_x["cases_opened"]
    assert after_x["fairs_upcoming"] == before_x["fairs_upcoming"] + 1
    assert after_d["figures"]["fairs_upcoming"] == before_d["fairs_upcoming"]
    assert platform.session("courier_a").get(platform.url("/api/v1/jobs/figures")).status_code == 403


def test_the_operator_sees_every_tenant_and_totals_and_nobody_else_does(platform, desk_people):
    everything = _figures(platform, "operator", "/api/v1/jobs/figures/all-tenants")
    rows = {row["tenant_id"]: row["figures"] for row in everything["tenants"]}
    assert {"xiangyang", "dongxin"} <= set(rows)
    for name, total in everything["totals"].items():
        assert total <= sum(r[name] for r in rows.values()) or name.startswith(("fair_attendees",)), name
    assert everything["totals"]["cases_opened"] == sum(r["cases_opened"] for r in rows.values())
    assert rows["xiangyang"]["cases_opened"] == _figures(platform, "staff_a")["figures"]["cases_opened"]
    for who in ("staff_a", "admin_x", "courier_b"):
        assert platform.session(who).get(platform.url("/api/v1/jobs/figures/all-tenants")).status_code == 403


def test_a_period_must_run_forwards(platform, desk_people):
    period = {"since": "2026-12-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    response = platform.session("staff_a").get(platform.url("/api/v1/jobs/figures"), params=period)
    assert response.status_code == 422 and "until" in response.json()["errors"]
    future = _figures(platform, "staff_a", since="2099-01-01T00:00:00Z")
    assert future["figures"]["cases_opened"] == 0 and future["figures"]["workers_registered"] == 0
