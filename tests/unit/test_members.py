"""Who is a member: the gateway writes identity events with each change (its outbox), and every
service keeps its members table from them, in order, once, and refuses people it does not know.
Two tenants throughout; no broker (the events are applied as the handler applies them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from gateway import identity, identity_events
from gateway.models import Base as GatewayBase
from gateway.models import IdentityOutbox
from services.common import members
from services.common.contracts import load
from services.common.database import make_engine
from services.common.errors import NotAMember, ValidationFailed
from services.points import awards, expiry
from services.points.contracts.schemas import ManualAwardIn
from services.points.models import Base as PointsBase
from tests.support.sessions import TenantSessions, ctx

PASSWORD = "Fengchao2026"


@pytest.fixture
def gateway():
    engine = make_engine("sqlite://")
    GatewayBase.metadata.create_all(engine)
    session = sessionmaker(engine, expire_on_commit=False)()
    with session.begin():
        for tenant_id in ("xiangyang", "dongxin"):
            identity.create_tenant(session=session, tenant_id=tenant_id, name=tenant_id, kind="community")
    yield session
    session.close()
    engine.dispose()


@pytest.fixture
def points():
    sessions = TenantSessions(PointsBase)
    yield sessions
    sessions.close()


def outbox(session) -> list[IdentityOutbox]:
    """The member events (the phone's own event, contact_changed, is for the notifications service only:
    tests/unit/test_contact_changed.py)."""
    return list(session.scalars(select(IdentityOutbox).where(IdentityOutbox.event_type != members.CONTACT_CHANGED)
                                .order_by(IdentityOutbox.seq)))


def deliver(points, rows: list[IdentityOutbox]) -> None:
    """What the relay and MemberEntrypoints do with the gateway's rows, in the order given."""
    for row in rows:
        with points(row.envelope["tenantid"]) as session, session.begin():
            members.apply_member_event(session=session, data=row.envelope["data"])


# --- the gateway side: each change writes its event, numbered per person ---------------------------


def test_joining_and_a_new_role_are_written_as_events_with_the_whole_state_and_rising_versions(gateway):
    with gateway.begin():
        user = identity.create_user(session=gateway, phone="13900000101", display_name="王师傅", password=PASSWORD)
        identity.grant_membership(session=gateway, user_id=user.id, tenant_id="xiangyang", roles=["resident"])
        identity.grant_membership(session=gateway, user_id=user.id, tenant_id="xiangyang", roles=["staff"])
        identity.grant_membership(session=gateway, user_id=user.id, tenant_id="xiangyang", roles=["staff"])  # no change
        identity.grant_membership(session=gateway, user_id=user.id, tenant_id="dongxin", roles=["resident"])
    rows = outbox(gateway)
    assert [(r.event_type, r.tenant_id, r.envelope["data"]["version"]) for r in rows] == [
        ("member_joined", "xiangyang", 1), ("member_role_granted", "xiangyang", 3), ("member_joined", "dongxin", 4)]
    # (2 and 5: the phone told to each community on joining, contact_changed)
    data = rows[1].envelope["data"]
    assert data == {"user_id": user.id, "tenant_id": "xiangyang", "version": 3, "member": True,
                    "account_active": True, "roles": ["resident", "staff"], "display_name": "王师傅", "locale": None}
    assert rows[1].envelope["type"] == "cn.fengchao.identity.member_role_granted"
    assert rows[1].envelope["tenantid"] == "xiangyang" and rows[1].headers == {"tenant_id": "xiangyang"}
    assert all(r.published_at is None for r in rows)


def test_erasure_tells_every_community_the_person_left_and_forgets_the_name(gateway):
    with gateway.begin():
        user = identity.create_user(session=gateway, phone="13900000102", display_name="李师傅", password=PASSWORD)
        for tenant_id in ("xiangyang", "dongxin"):
            identity.grant_membership(session=gateway, user_id=user.id, tenant_id=tenant_id, roles=["resident"])
        identity.erase_identity(session=gateway, user=user)
    left = [r for r in outbox(gateway) if r.event_type == "member_left"]
    assert sorted(r.tenant_id for r in left) == ["dongxin", "xiangyang"]
    assert all(not r.envelope["data"]["member"] and r.envelope["data"]["display_name"] is None
               and r.envelope["data"]["roles"] == [] for r in left)


def test_the_backfill_publishes_every_membership_again_under_newer_versions(gateway):
    with gateway.begin():
        user = identity.create_user(session=gateway, phone="13900000103", display_name="赵师傅", password=PASSWORD)
        identity.grant_membership(session=gateway, user_id=user.id, tenant_id="dongxin", roles=["resident"])
        assert identity_events.republish_memberships(gateway) == 1
        assert identity_events.republish_memberships(gateway, tenant_id="xiangyang") == 0
    replayed = outbox(gateway)[-1]
    assert (replayed.event_type, replayed.tenant_id) == ("members_joined", "dongxin")
    [state] = replayed.envelope["data"]["members"]
    assert (state["user_id"], state["version"], state["replay"], state["roles"]) == (user.id, 3, True, ["resident"])


def test_a_bulk_import_is_announced_in_batches_that_a_service_applies_like_single_events(gateway, points):
    from gateway.models import Membership, User

    with gateway.begin():
        users = [User(phone=f"1390000{n:04d}", display_name=f"居民{n}", password_hash="!") for n in range(1201)]
        gateway.add_all(users)
        gateway.flush()
        joined = [Membership(user_id=u.id, tenant_id="xiangyang" if n % 3 else "dongxin", roles=["resident"])
                  for n, u in enumerate(users)]
        gateway.add_all(joined)
        assert identity_events.record_joined(gateway, joined) == 3  # 800 in xiangyang (2 events), 401 in dongxin
        identity.grant_membership(session=gateway, user_id=users[1].id, tenant_id="xiangyang", roles=["staff"])
    rows = outbox(gateway)
    for row in rows:
        with points(row.tenant_id) as session, session.begin():
            data = row.envelope["data"]
            members.apply_member_events(session=session, states=data.get("members", [data]))
    with points("xiangyang") as session, session.begin():
        assert members.require_member(session, users[1].id, roles=("staff",)).display_name == "居民1"
        assert members.missing_members(session=session, user_ids=[u.id for n, u in enumerate(users) if n % 3]) == set()
        with pytest.raises(NotAMember):
            members.require_member(session, users[0].id)  # dongxin's
    # delivered again, and the older batch after the newer role: nothing changes
    with points("xiangyang") as session, session.begin():
        first = next(row for row in rows if row.tenant_id == "xiangyang")
        assert members.apply_member_events(session=session, states=first.envelope["data"]["members"]) == 0
        assert members.require_member(session, users[1].id, roles=("staff",))


# --- the service side: the members table ----------------------------------------------------------


def _event(name_state: dict, **changes) -> dict:
    return {"tenant_id": "xiangyang", "member": True, "account_active": True, "roles": ["resident"],
            "display_name": "王师傅", "locale": "zh-CN", **name_state, **changes}


def test_a_late_older_event_never_overwrites_newer_state_and_a_repeat_changes_nothing(points):
    session = points("xiangyang")
    with session.begin():
        assert members.apply_member_event(session=session, data=_event({"user_id": "u-1", "version": 1}))
        assert members.apply_member_event(session=session, data=_event({"user_id": "u-1", "version": 3},
                                                                       member=False, roles=[]))
        # version 2 (a role granted) was delayed: it arrives after the person left
        assert not members.apply_member_event(session=session, data=_event({"user_id": "u-1", "version": 2},
                                                                           roles=["resident", "staff"]))
        assert not members.apply_member_event(session=session, data=_event({"user_id": "u-1", "version": 3}))
        assert members.find_member(session=session, user_id="u-1") is None
        assert members.find_member(session=session, user_id="u-1", former=True).roles == []


def test_deactivation_and_reactivation_follow_the_account(points):
    session = points("xiangyang")
    with session.begin():
        members.apply_member_event(session=session, data=_event({"user_id": "u-2", "version": 1}))
        members.apply_member_event(session=session, data=_event({"user_id": "u-2", "version": 2},
                                                                account_active=False))
        with pytest.raises(NotAMember):
            members.require_member(session, "u-2")
        members.apply_member_event(session=session, data=_event({"user_id": "u-2", "version": 3}, roles=["staff"]))
        assert members.require_member(session, "u-2", roles=("staff",)).display_name == "王师傅"


def test_an_event_is_applied_only_in_its_own_tenant(points):
    session = points("dongxin")
    with session.begin(), pytest.raises(ValidationFailed):
        members.apply_member_event(session=session, data=_event({"user_id": "u-3", "version": 1}))


def test_require_member_refuses_made_up_ids_and_other_communities_people_naming_the_field(points):
    with points("dongxin") as other, other.begin():
        members.apply_member_event(session=other, data=_event({"user_id": "u-dongxin", "version": 1},
                                                              tenant_id="dongxin"))
    session = points("xiangyang")
    with session.begin():
        members.apply_member_event(session=session, data=_event({"user_id": "u-4", "version": 1}))
        for outsider in ("not-a-user", "u-dongxin", "13900000001", ""):
            with pytest.raises(NotAMember) as refused:
                members.require_member(session, outsider, field="person_user_id")
            assert refused.value.status == 422 and refused.value.code == "not_a_member"
            assert list(refused.value.fields) == ["person_user_id"]
        # an operation that crosses into dongxin on purpose asks about dongxin's members
        assert members.require_member(session, "u-dongxin", tenant_id="dongxin").user_id == "u-dongxin"
        assert session.info["tenant_id"] == "xiangyang"
        with pytest.raises(NotAMember):
            members.require_members(session, ["u-4", "u-dongxin"], field="operator_user_ids")
        members.require_members(session, ["u-4"], field="operator_user_ids")


# --- the moral bank names only members ---------------------------------------------------------------


def test_points_go_only_to_members_and_pauses_only_for_members(points):
    staff = ctx("xiangyang", "u-staff", "staff")
    session = points("xiangyang")
    with session.begin():
        for user_id in ("u-staff", "u-wang"):
            members.apply_member_event(session=session, data=_event({"user_id": user_id, "version": 1}))
    payload = {"amount": 5, "category": "volunteer", "reason": "志愿服务"}
    for outsider in ("not-a-user", "13800000001"):
        with session.begin(), pytest.raises(NotAMember) as refused:
            awards.manual_award(session=session, ctx=staff,
                                data=load(ManualAwardIn(), {**payload, "user_id": outsider}))
        assert refused.value.fields == {"user_id": [NotAMember.MESSAGE.text]}
    with session.begin(), pytest.raises(NotAMember) as refused:
        awards.manual_awards(session=session, ctx=staff, items=[
            load(ManualAwardIn(), {**payload, "user_id": "u-wang"}),
            load(ManualAwardIn(), {**payload, "user_id": "nobody"})])
    assert refused.value.fields == {"awards": {"1": {"user_id": [NotAMember.MESSAGE.text]}}}
    with session.begin():
        outcome, _posting, _ = awards.manual_award(session=session, ctx=staff,
                                                   data=load(ManualAwardIn(), {**payload, "user_id": "u-wang"}))
        assert outcome == "posted"
    now = datetime.now(UTC)
    with session.begin(), pytest.raises(NotAMember):
        expiry.create_pause(session=session, ctx=staff, user_id="not-a-user", starts_at=now,
                            ends_at=now + timedelta(days=30), reason="住院 / In hospital")


def test_a_seat_on_a_shared_council_goes_to_a_member_of_the_seat_holders_own_community():
    from services.governance import councils, sharing
    from services.governance.models import Base as GovernanceBase

    sessions = TenantSessions(GovernanceBase, members={"xiangyang": ("u-xy",), "dongxin": ("u-dx",)})
    staff = ctx("xiangyang", "u-staff", "staff")
    session = sessions("xiangyang")
    try:
        with session.begin():
            council = councils.create(session=session, ctx=staff, data={"name": "跨社区议事会", "theme": "停车",
                                                                        "description": ""})
            sharing.share(session=session, ctx=staff, council_id=council.id, communities=["dongxin"])
        seat = {"display_name": "东新赵师傅", "stakeholder_group": "courier"}
        with session.begin(), pytest.raises(NotAMember) as refused:  # dongxin's resident, seated as xiangyang's
            councils.add_members(session=session, ctx=staff, council_id=council.id,
                                 members=[{**seat, "user_id": "u-dx"}])
        assert refused.value.fields == {"members": {"0": {"user_id": [NotAMember.MESSAGE.text]}}}
        with session.begin():  # the same person, named with the community the council crosses into
            [held] = councils.add_members(session=session, ctx=staff, council_id=council.id,
                                          members=[{**seat, "user_id": "u-dx", "home_tenant_id": "dongxin"}])
            assert held.home_tenant_id == "dongxin" and session.info["tenant_id"] == "xiangyang"
        with session.begin(), pytest.raises(NotAMember):  # xiangyang's resident is not dongxin's
            councils.add_members(session=session, ctx=staff, council_id=council.id,
                                 members=[{**seat, "user_id": "u-xy", "home_tenant_id": "dongxin"}])
    finally:
        sessions.close()


def test_jobs_training_and_governance_name_only_members(points):
    from services.governance import branches
    from services.governance.models import Base as GovernanceBase
    from services.jobs import rights_desk, workers
    from services.jobs.models import Base as JobsBase
    from services.training import mentors
    from services.training.models import Base as TrainingBase

    staff = ctx("xiangyang", "u-staff", "staff", "tenant_admin")
    for base, act in (
        (JobsBase, lambda s, who: workers.register(session=s, ctx=staff, data={
            "on_behalf_of_user_id": who, "display_name": "王阿姨", "phone": "13900000111"})),
        (JobsBase, lambda s, who: rights_desk.open_case(session=s, ctx=staff, person_user_id=who,
                                                        category="wage_arrears", summary="欠薪", source="staff")),
        (JobsBase, lambda s, who: rights_desk.set_desk_member(session=s, ctx=staff, user_id=who,
                                                              desk_role="social_worker", title="社工")),
        (TrainingBase, lambda s, who: mentors.create_mentor(session=s, ctx=staff, data={
            "user_id": who, "display_name": "陈师傅"})),
        (GovernanceBase, lambda s, who: branches.add_grid_member(session=s, ctx=staff, data={
            "user_id": who, "display_name": "网格员", "grid": "第3网格"})),
    ):
        sessions = TenantSessions(base, members={"xiangyang": ("u-xy",), "dongxin": ("u-dx",)})
        session = sessions("xiangyang")
        try:
            for outsider in ("u-dx", "not-a-user"):
                with session.begin(), pytest.raises(NotAMember):
                    act(session, outsider)
            with session.begin():
                act(session, "u-xy")
        finally:
            sessions.close()


def test_roles_removed_memberships_ended_and_accounts_suspended_reach_the_services_in_order(gateway, points):
    with gateway.begin():
        user = identity.create_user(session=gateway, phone="13900000104", display_name="钱阿姨", password=PASSWORD)
        identity.grant_membership(session=gateway, user_id=user.id, tenant_id="xiangyang", roles=["resident", "staff"])
        identity.grant_membership(session=gateway, user_id=user.id, tenant_id="dongxin", roles=["resident"])
        identity.remove_role(session=gateway, user_id=user.id, tenant_id="xiangyang", role="staff")
        identity.deactivate_user(session=gateway, user_id=user.id)
        deliver(points, outbox(gateway))
    with points("xiangyang") as session, session.begin(), pytest.raises(NotAMember):  # deactivated: named nowhere
        members.require_member(session, user.id)
    with gateway.begin():
        identity.reactivate_user(session=gateway, user_id=user.id)
        identity.remove_membership(session=gateway, user_id=user.id, tenant_id="dongxin")
        rows = outbox(gateway)
    assert [(r.event_type, r.tenant_id) for r in rows] == [
        ("member_joined", "xiangyang"), ("member_joined", "dongxin"), ("member_role_removed", "xiangyang"),
        ("account_deactivated", "dongxin"), ("account_deactivated", "xiangyang"),
        ("account_reactivated", "dongxin"), ("account_reactivated", "xiangyang"), ("member_left", "dongxin")]
    versions = [r.envelope["data"]["version"] for r in rows]  # rising (contact_changed takes numbers too)
    assert versions == sorted(set(versions)) and len(versions) == 8
    # delivered out of order: the newest state wins in each tenant
    deliver(points, list(reversed(rows)))
    with points("xiangyang") as session, session.begin():
        assert members.require_member(session, user.id).roles == ["resident"]
        with pytest.raises(NotAMember):
            members.require_member(session, user.id, roles=("staff",))
    with points("dongxin") as session, session.begin():
        with pytest.raises(NotAMember):
            members.require_member(session, user.id)
        assert members.find_member(session=session, user_id=user.id, former=True).display_name is None
