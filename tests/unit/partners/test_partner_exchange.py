"""The partner exchange's routing keys and the partner broker user's permissions."""

import re

import pytest

from services.common import catalogue, partners
from services.common.envelope import make_envelope


def test_routing_keys_lead_with_the_tenant():
    envelope = make_envelope(service="training", event="certificate_issued", tenant_id="xiangyang", data={})
    assert partners.routing_key_of(envelope) == "xiangyang.training.certificate_issued"


def test_a_partner_user_may_bind_only_its_own_tenants_keys():
    topic = partners.permissions_for("xiangyang")["topic"]
    read = re.compile(topic["read"])
    assert topic["exchange"] == partners.PARTNER_EXCHANGE
    assert read.match("xiangyang.jobs.worker_registered") and read.match("xiangyang.#")
    for refused in ("dongxin.jobs.worker_registered", "#", "*.jobs.worker_registered", "xiangyangx.jobs.job_posted",
                    "xiangyang"):
        assert not read.match(refused), refused
    assert not re.compile(topic["write"]).match("xiangyang.jobs.worker_registered")


def test_a_partner_user_may_only_touch_its_own_queues():
    grants = partners.permissions_for("xiangyang")["permissions"]
    assert re.match(grants["configure"], "partner-xiangyang.events")
    assert not re.match(grants["configure"], "partner-dongxin.events")
    assert not re.match(grants["configure"], "jobs.events")
    assert re.match(grants["read"], partners.PARTNER_EXCHANGE)
    assert not re.match(grants["read"], "jobs.events") and not re.match(grants["read"], "partner-dongxin.q")


def test_a_bad_tenant_id_gets_no_permissions():
    with pytest.raises(ValueError):
        partners.permissions_for(".*")


def test_confidential_events_never_reach_partners():
    types = catalogue.partner_types()
    assert "cn.fengchao.jobs.case_opened" not in types and "cn.fengchao.jobs.case_resolved" not in types
    assert "cn.fengchao.training.certificate_issued" in types
    entry = next(e for e in catalogue.entries() if e["type"] == "cn.fengchao.jobs.case_opened")
    assert entry["routing_key"] is None


def test_the_served_catalogue_has_schemas_examples_and_inbound_events():
    served = catalogue.as_json()
    assert served["exchange"] == "fengchao.partners"
    issued = next(e for e in served["published"] if e["type"] == "cn.fengchao.training.certificate_issued")
    assert issued["schema"]["type"] == "object" and issued["example"] and issued["version"] == "1"
    assert issued["routing_key"] == "<tenant>.training.certificate_issued"
    roster = served["inbound"][0]
    assert roster["type"] == "cn.fengchao.partner.first_aid_drill_roster"
    assert set(roster["schema"]["required"]) >= {"drill_id", "attendees", "points"}


def test_a_partner_broker_user_is_named_after_the_deployment_so_two_on_one_broker_cannot_collide(monkeypatch):
    monkeypatch.delenv("FENGCHAO_DEPLOYMENT", raising=False)
    assert partners.broker_username("xiangyang") == "fengchao-partner-xiangyang"
    monkeypatch.setenv("FENGCHAO_DEPLOYMENT", "gongshu-staging")
    assert partners.broker_username("xiangyang") == "gongshu-staging-partner-xiangyang"
    assert partners.broker_username("xiangyang", deployment="fct-1a2b") == "fct-1a2b-partner-xiangyang"


@pytest.mark.parametrize("deployment", ["", "Fengchao", "a b", "-x", "x" * 41])
def test_a_bad_deployment_name_makes_no_broker_user_name(monkeypatch, deployment):
    monkeypatch.setenv("FENGCHAO_DEPLOYMENT", deployment)
    with pytest.raises(ValueError):
        partners.broker_username("xiangyang", deployment=deployment or None)
