"""Inbound partner events: validation, one record per event id, the roster's service calls."""

import pytest

from gateway import identity
from gateway.identity import Principal
from gateway.webhooks import inbound
from services.common.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, ValidationFailed

ROSTER = "cn.fengchao.partner.first_aid_drill_roster"


def principal(tenant_id="xiangyang"):
    return Principal(subject="apikey:k1", tenant_id=tenant_id, roles=frozenset({"partner"}), kind="api_key")


def roster(event_id="ev-1", attendees=("u1",), **data):
    return {"specversion": "1.0", "id": event_id, "source": "/hospital/drills", "type": ROSTER,
            "data": {"drill_id": "d-1", "title": "急救演练", "held_at": "2026-11-28T09:30:00+08:00", "points": 10,
                     "attendees": [{"user_id": a} for a in attendees], **data}}


def member(session, tenant_id, phone):
    with session.begin():
        user = identity.create_user(session=session, phone=phone, display_name="王师傅", password="abc12345")
        identity.grant_membership(session=session, user_id=user.id, tenant_id=tenant_id, roles=["resident"])
    return user.id


def test_bad_data_is_refused_with_field_messages_under_data():
    with pytest.raises(ValidationFailed) as caught:
        inbound.validate_event(roster(points=0, attendees=()), tenant_id="xiangyang")
    assert set(caught.value.fields) == {"data.points", "data.attendees"}


def test_an_unknown_type_or_a_bad_envelope_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        inbound.validate_event({**roster(), "type": "cn.fengchao.partner.nope", "specversion": "0.3"},
                               tenant_id="xiangyang")
    assert set(caught.value.fields) == {"type", "specversion"}


def test_an_event_for_another_tenant_is_forbidden():
    with pytest.raises(Forbidden):
        inbound.validate_event({**roster(), "tenantid": "dongxin"}, tenant_id="xiangyang")


def test_the_roster_awards_each_member_once_and_skips_strangers(gateway_session):
    resident = member(gateway_session, "xiangyang", "13911110001")
    stranger = member(gateway_session, "dongxin", "13911110002")
    calls = []

    def call(service, method, args, ctx):
        calls.append((service, method, args[0], ctx))
        return {"outcome": "posted", "posting": {"id": "p-" + args[0]["user_id"]}, "request": None}

    with gateway_session.begin():
        record, fresh = inbound.receive(session=gateway_session, principal=principal(),
                                        payload=roster(attendees=(resident, stranger, resident)))
        assert fresh
        result = inbound.process(session=gateway_session, record=record, principal=principal(), call=call)
    assert [(c[0], c[1], c[2]["user_id"], c[2]["amount"], c[2]["category"]) for c in calls] == [
        ("points", "award", resident, 10, "first_aid")]
    ctx = calls[0][3]
    assert ctx.tenant_id == "xiangyang" and ctx.user_id == "k1" and "staff" in ctx.roles
    assert calls[0][2]["idempotency_key"] == f"partner:/hospital/drills:drill:d-1:{resident}"
    assert [o["outcome"] for o in result["outcomes"]] == ["posted", "skipped"]

    with gateway_session.begin():
        again, fresh = inbound.receive(session=gateway_session, principal=principal(),
                                       payload=roster(attendees=(resident, stranger, resident)))
    assert not fresh and again.result == result


def test_the_same_id_with_other_content_is_a_conflict(gateway_session):
    with gateway_session.begin():
        inbound.receive(session=gateway_session, principal=principal(), payload=roster())
    with pytest.raises(Conflict), gateway_session.begin():
        inbound.receive(session=gateway_session, principal=principal(), payload=roster(points=50))


def test_event_ids_are_per_tenant(gateway_session):
    with gateway_session.begin():
        inbound.receive(session=gateway_session, principal=principal("xiangyang"), payload=roster())
        _record, fresh = inbound.receive(session=gateway_session, principal=principal("dongxin"),
                                         payload=roster(points=50))
    assert fresh


def test_a_refused_award_is_reported_not_raised(gateway_session):
    resident = member(gateway_session, "xiangyang", "13911110003")

    def call(*_args):
        raise NotFound("no account")

    with gateway_session.begin():
        record, _ = inbound.receive(session=gateway_session, principal=principal(), payload=roster(
            attendees=(resident,)))
        result = inbound.process(session=gateway_session, record=record, principal=principal(), call=call)
    assert result["outcomes"] == [{"user_id": resident, "outcome": "refused", "reason": "no account"}]


def test_a_service_that_is_down_leaves_the_event_unprocessed_for_the_partners_retry(gateway_session):
    resident = member(gateway_session, "xiangyang", "13911110004")

    def down(*_args):
        raise ServiceUnavailable("points is not running")

    payload = roster(attendees=(resident,))
    with gateway_session.begin():
        record, _ = inbound.receive(session=gateway_session, principal=principal(), payload=payload)
    with pytest.raises(ServiceUnavailable), gateway_session.begin():
        inbound.process(session=gateway_session, record=gateway_session.merge(record), principal=principal(),
                        call=down)
    with gateway_session.begin():
        again, fresh = inbound.receive(session=gateway_session, principal=principal(), payload=payload)
        assert fresh and again.processed_at is None and again.result is None
