"""`contact_changed`: the one identity event that carries a phone number (issue 18). The gateway writes it to
its identity outbox whenever a community learns, changes or must forget a person's phone — joining, a new
number, leaving, erasure, the backfill — once per community the person belongs to, and never for partners.
Two tenants throughout; no broker (the outbox rows are what the relay publishes)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from gateway import identity, identity_events
from gateway.models import Base as GatewayBase
from gateway.models import IdentityOutbox
from services.common import members, partners
from services.common.catalogue import entries
from services.common.database import make_engine
from services.common.errors import Conflict, ValidationFailed

PASSWORD = "Fengchao2026"


@pytest.fixture
def gateway():
    engine = make_engine("sqlite://")
    GatewayBase.metadata.create_all(engine)
    session = sessionmaker(engine, expire_on_commit=False)()
    with session.begin():
        for tenant_id in ("xiangyang", "dongxin", "partner-co"):
            identity.create_tenant(session=session, tenant_id=tenant_id, name=tenant_id,
                                   kind="partner" if tenant_id == "partner-co" else "community")
    yield session
    session.close()
    engine.dispose()


def outbox(session, after: int = 0) -> list[IdentityOutbox]:
    with session.begin():
        return list(session.scalars(select(IdentityOutbox).where(IdentityOutbox.seq > after)
                                    .order_by(IdentityOutbox.seq)))


def contacts(session, after: int = 0) -> list[IdentityOutbox]:
    return [r for r in outbox(session, after) if r.event_type == "contact_changed"]


def last_seq(session) -> int:
    return max([0, *(r.seq for r in outbox(session))])


def person(session, phone: str, *tenants: str):
    user = identity.create_user(session=session, phone=phone, display_name="王师傅", password=PASSWORD)
    for tenant_id in tenants:
        identity.grant_membership(session=session, user_id=user.id, tenant_id=tenant_id, roles=["resident"])
    return user


def test_joining_a_community_tells_it_the_phone_once_and_a_new_role_does_not(gateway):
    with gateway.begin():
        user = person(gateway, "13900000201", "xiangyang")
        identity.grant_membership(session=gateway, user_id=user.id, tenant_id="xiangyang", roles=["staff"])
    [row] = contacts(gateway)
    assert row.tenant_id == "xiangyang" and row.headers == {"tenant_id": "xiangyang"}
    assert row.envelope["type"] == "cn.fengchao.identity.contact_changed"
    assert row.envelope["subject"] == user.id
    assert row.envelope["data"] == {"user_id": user.id, "tenant_id": "xiangyang", "version": 2,
                                    "phone": "13900000201"}


def test_changing_a_phone_records_exactly_one_event_with_the_new_phone_for_each_community(gateway):
    with gateway.begin():
        user = person(gateway, "13900000202", "xiangyang", "dongxin")
        other = person(gateway, "13900000203", "dongxin")
    before = last_seq(gateway)
    with gateway.begin():
        user, changed = identity.change_phone(session=gateway, user_id=user.id, phone="13900000299")
    assert changed
    rows = contacts(gateway, after=before)
    assert sorted(r.tenant_id for r in rows) == ["dongxin", "xiangyang"]
    assert all(r.envelope["data"]["phone"] == "13900000299" and r.envelope["data"]["user_id"] == user.id
               for r in rows)
    # newer than anything the person's communities held
    earlier = [r.envelope["data"]["version"] for r in outbox(gateway) if r.seq <= before
               and r.envelope["data"].get("user_id") == user.id]
    assert min(r.envelope["data"]["version"] for r in rows) > max(earlier)
    # nothing about anyone else, nothing else written, and the same number again changes nothing
    assert [r.event_type for r in outbox(gateway, after=before)] == ["contact_changed", "contact_changed"]
    with gateway.begin():
        assert identity.change_phone(session=gateway, user_id=user.id, phone="13900000299")[1] is False
    assert len(contacts(gateway, after=before)) == 2
    assert other.id not in {r.envelope["data"]["user_id"] for r in contacts(gateway, after=before)}


def test_a_wrong_or_taken_number_is_refused_and_records_nothing(gateway):
    with gateway.begin():
        user = person(gateway, "13900000204", "xiangyang")
        person(gateway, "13900000205", "dongxin")
    before = last_seq(gateway)
    with pytest.raises(ValidationFailed), gateway.begin():
        identity.change_phone(session=gateway, user_id=user.id, phone="12345")
    with pytest.raises(Conflict), gateway.begin():
        identity.change_phone(session=gateway, user_id=user.id, phone="13900000205")
    assert contacts(gateway, after=before) == []


def test_leaving_and_erasure_tell_each_community_to_forget_the_phone(gateway):
    with gateway.begin():
        stays = person(gateway, "13900000206", "xiangyang", "dongxin")
        erased = person(gateway, "13900000207", "xiangyang", "dongxin")
    before = last_seq(gateway)
    with gateway.begin():
        identity.remove_membership(session=gateway, user_id=stays.id, tenant_id="dongxin")
        identity.erase_identity(session=gateway, user=erased)
    rows = [(r.envelope["data"]["user_id"], r.tenant_id, r.envelope["data"]["phone"])
            for r in contacts(gateway, after=before)]
    assert sorted(rows) == sorted([(stays.id, "dongxin", None), (erased.id, "dongxin", None),
                                   (erased.id, "xiangyang", None)])
    assert not [r for r in contacts(gateway) if "erased-" in str(r.envelope["data"]["phone"])]
    # the erased person's phone stays in no outbox row; the one who only left keeps theirs in xiangyang's
    assert {r.envelope["data"]["phone"] for r in contacts(gateway) if r.envelope["subject"] == erased.id} == {None}
    assert "13900000206" in {r.envelope["data"]["phone"] for r in contacts(gateway)
                             if r.envelope["subject"] == stays.id}


def test_the_backfill_sends_each_membership_its_phone_again_as_a_replay(gateway):
    with gateway.begin():
        user = person(gateway, "13900000208", "xiangyang", "dongxin")
    before = last_seq(gateway)
    with gateway.begin():
        assert identity_events.republish_memberships(gateway, tenant_id="dongxin") == 1
    [row] = contacts(gateway, after=before)
    assert row.tenant_id == "dongxin"
    assert row.envelope["data"] == {"user_id": user.id, "tenant_id": "dongxin", "phone": "13900000208",
                                    "replay": True, "version": row.envelope["data"]["version"]}
    joined = [r for r in outbox(gateway, after=before) if r.event_type == "members_joined"]
    assert row.envelope["data"]["version"] > joined[0].envelope["data"]["members"][0]["version"]


def test_a_partner_tenant_is_never_sent_a_phone(gateway):
    """Identity events never leave the platform; the catalogue says so and says who consumes it."""
    assert not partners.for_partners(members.IDENTITY, members.CONTACT_CHANGED)
    [entry] = [e for e in entries() if e["type"] == "cn.fengchao.identity.contact_changed"]
    assert entry["routing_key"] is None and "notifications service" in " ".join(entry["doc"].split())
    assert entry["example"]["phone"] and set(entry["schema"]["required"]) >= {"user_id", "tenant_id", "version",
                                                                               "phone"}
