"""What the notifications service hears from the moral bank and asks it (issue 18): `award_requested` when a
large award waits for a second staff member, `redemption_expiring` ten minutes before a voucher runs out
(once, by the housekeeping timer on its settable clock), the 30-day `points_expiring` notice, and the
`audience(group, ref)` groups, in two communities."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.common.context import CallContext
from services.common.contracts import load
from services.common.database import TenantSession, WorkerDatabase, announced, utcnow
from services.common.errors import Forbidden, NotFound, ValidationFailed
from services.common.members import apply_member_event
from services.points import agreements, audiences, awards, events, expiry, ledger, redemption
from services.points.contracts.schemas import CatalogueItemIn, ManualAwardIn, MerchantIn
from services.points.models import Base, Redemption
from services.points.service import PointsService
from tests.unit.points.conftest import NOW, ctx

STAFF = ctx("xiangyang", "u-staff", "staff")
CHECKER = ctx("xiangyang", "u-checker", "staff")
STAFF_A = ctx("xiangyang", "u-staff-a", "staff")
SHOP = ctx("xiangyang", "u-shaomai", "merchant")
WANG = ctx("xiangyang", "u-wang")
LI = ctx("xiangyang", "u-li")
STAFF_B = ctx("dongxin", "u-staff-b", "staff")
ZHAO = ctx("dongxin", "u-zhao")


def service(tenant_id):
    """The notifications service calling in: the event's tenant, role `service`, nobody signed in."""
    return CallContext(tenant_id=tenant_id, roles=frozenset({"service"}))


def _roles(session, user_id, *roles):
    """Identity says `user_id` now holds `roles` in the session's community (a newer member event)."""
    with session.begin():
        apply_member_event(session=session, data={
            "user_id": user_id, "tenant_id": session.info["tenant_id"], "version": 2, "member": True,
            "account_active": True, "roles": list(roles), "display_name": None, "locale": None})


@pytest.fixture
def staffed(bank):
    """Both communities with their staff as identity announced them."""
    home, other = bank("xiangyang"), bank("dongxin")
    for user_id in ("u-staff", "u-checker", "u-staff-a"):
        _roles(home, user_id, "resident", "staff")
    _roles(home, "u-qian", "tenant_admin")
    _roles(other, "u-staff-b", "staff")
    _roles(other, "u-b-staff", "staff")
    return home, other


def _award(session, actor=STAFF, amount=500, key="big-1", user_id="u-wang"):
    with session.begin():
        return awards.manual_award(session=session, ctx=actor, now=NOW, data=load(ManualAwardIn(), {
            "user_id": user_id, "amount": amount, "category": "anti_fraud", "reason": "Stopped a phone scam",
            "idempotency_key": key}))


# --- award_requested -------------------------------------------------------------------------


def test_a_large_award_announces_award_requested_for_staff_once_and_names_no_beneficiary(staffed):
    session, _other = staffed
    assert _award(session, amount=200, key="small")[0] == "posted"  # at the threshold: posted, nothing to ask
    assert announced(session, events.AWARD_REQUESTED) == []
    outcome, request, created = _award(session)
    assert (outcome, created) == ("pending", True)
    [event] = announced(session, events.AWARD_REQUESTED)
    assert event["subject"] == request.id
    assert event["data"] == {"request_id": request.id, "amount": 500, "category": "anti_fraud",
                             "requested_by": "u-staff", "requested_at": NOW.isoformat()}
    assert "user_id" not in event["data"]  # staff are its readers: the beneficiary is on the request itself
    assert _award(session)[2] is False  # the same key again: the first request, not announced again
    assert len(announced(session, events.AWARD_REQUESTED)) == 1


def test_a_batch_announces_each_new_request_once(staffed):
    session, _other = staffed
    with session.begin():
        outcomes = awards.manual_awards(session=session, ctx=STAFF, now=NOW, items=[
            load(ManualAwardIn(), {"user_id": user, "amount": amount, "category": "volunteer", "reason": "Flood duty",
                                   "idempotency_key": key})
            for user, amount, key in (("u-wang", 300, "a"), ("u-li", 50, "b"), ("u-zhao", 400, "c"),
                                      ("u-wang", 300, "a"))])
    assert [o[0] for o in outcomes] == ["pending", "posted", "pending", "pending"]
    assert sorted(e["data"]["request_id"] for e in announced(session, events.AWARD_REQUESTED)) == sorted(
        [outcomes[0][1].id, outcomes[2][1].id])


# --- redemption_expiring -------------------------------------------------------------------------


def _shop(session, accepts=None):
    with session.begin():
        merchant = redemption.create_merchant(session=session, ctx=STAFF_A, data=load(MerchantIn(), {
            "name": "Lao Wang's dumplings", "category": "food", "operator_user_ids": ["u-shaomai"],
            **({"accepts_tenants": accepts} if accepts else {})}))
    with session.begin():
        item = redemption.create_item(session=session, ctx=SHOP, merchant_id=merchant.id,
                                      data=load(CatalogueItemIn(), {"name": "A basket of shaomai", "price_points": 20}))
    return merchant, item


def _give(session, user_id="u-wang", amount=100, at=NOW):
    with session.begin():
        ledger.award(session=session, user_id=user_id, amount=amount, category="volunteer", source="manual",
                     key=f"give-{user_id}", occurred_at=at, now=at)


def _redeem(session, item_id, actor=WANG, now=NOW):
    with session.begin():
        return redemption.create(session=session, ctx=actor, item_id=item_id, quantity=1, now=now)


def _remind(session, now):
    with session.begin():
        return [r.id for r in redemption.remind_expiring(session=session, now=now)]


def test_a_voucher_is_reminded_once_ten_minutes_before_it_expires_and_not_earlier(bank):
    session = bank("xiangyang")
    _merchant, item = _shop(session)
    _give(session)
    voucher = _redeem(session, item.id)  # valid 30 minutes: expires at NOW + 30 min
    assert voucher.expires_at == NOW + timedelta(minutes=30)
    assert _remind(session, NOW + timedelta(minutes=19, seconds=59)) == []  # 10 min 1 s before: not yet
    assert announced(session, events.REDEMPTION_EXPIRING) == []
    assert _remind(session, NOW + timedelta(minutes=20)) == [voucher.id]  # exactly ten minutes before
    [event] = announced(session, events.REDEMPTION_EXPIRING)
    assert event["subject"] == voucher.id
    assert event["data"] == {"redemption_id": voucher.id, "user_id": "u-wang", "merchant_id": voucher.merchant_id,
                             "merchant_tenant_id": "xiangyang", "points": 20,
                             "expires_at": (NOW + timedelta(minutes=30)).isoformat()}
    assert _remind(session, NOW + timedelta(minutes=21)) == []  # once
    assert _remind(session, NOW + timedelta(minutes=29)) == []
    with session.begin():
        assert session.get(Redemption, voucher.id).expiry_reminded_at == NOW + timedelta(minutes=20)
    assert len(announced(session, events.REDEMPTION_EXPIRING)) == 1


def test_used_cancelled_expired_and_just_made_vouchers_are_not_reminded(bank):
    session = bank("xiangyang")
    _merchant, item = _shop(session)
    _give(session, amount=200)
    used, cancelled, late = (_redeem(session, item.id) for _ in range(3))
    with session.begin():
        redemption.confirm(session=session, ctx=SHOP, code=used.code, now=NOW + timedelta(minutes=1))
        redemption.cancel(session=session, ctx=WANG, redemption_id=cancelled.id, now=NOW + timedelta(minutes=1))
    assert _remind(session, NOW + timedelta(minutes=30)) == []  # `late` expires now: too late to remind
    with session.begin():
        ledger.settings(session=session).voucher_minutes = 10
    short = _redeem(session, item.id, now=NOW + timedelta(minutes=40))  # valid 10 minutes: its holder just saw it
    assert _remind(session, NOW + timedelta(minutes=41)) == []
    assert announced(session, events.REDEMPTION_EXPIRING) == []
    with session.begin():
        assert [session.get(Redemption, r.id).expiry_reminded_at for r in (used, cancelled, late, short)] == [None] * 4


def test_each_community_reminds_its_own_residents_even_at_a_partners_merchant(bank):
    for session, actor, partner in ((bank("xiangyang"), STAFF_A, "dongxin"), (bank("dongxin"), STAFF_B, "xiangyang")):
        with session.begin():
            agreements.set_side(session=session, ctx=actor, partner_tenant_id=partner, active=True)
    home, visitor = bank("xiangyang"), bank("dongxin")
    _merchant, item = _shop(home, accepts=["dongxin"])
    _give(home)
    _give(visitor, user_id="u-zhao")
    mine, theirs = _redeem(home, item.id), _redeem(visitor, item.id, actor=ZHAO)
    at = NOW + timedelta(minutes=25)
    assert _remind(home, at) == [mine.id]
    assert _remind(visitor, at) == [theirs.id]
    [event] = announced(visitor, events.REDEMPTION_EXPIRING)
    assert (event["data"]["user_id"], event["data"]["merchant_tenant_id"]) == ("u-zhao", "xiangyang")
    assert _remind(home, at) == [] and _remind(visitor, at) == []


def test_the_housekeeping_timer_reminds_on_its_settable_clock_but_never_expires_ahead_of_the_real_one(bank):
    session = bank("xiangyang")
    _merchant, item = _shop(session)
    real = utcnow()
    _give(session, at=real)
    voucher = _redeem(session, item.id, now=real)  # expires 30 minutes from the real now
    factory = sessionmaker(session.get_bind(), class_=TenantSession, expire_on_commit=False)
    database = WorkerDatabase(factory, Base, CallContext(tenant_id="xiangyang"))

    def run(at):
        return PointsService._housekeep(database.transaction, now=at)

    assert run(real + timedelta(minutes=15))["vouchers_reminded"] == 0  # not due yet
    done = run(real + timedelta(minutes=21))
    assert (done["vouchers_reminded"], done["vouchers_expired"]) == (1, 0)
    assert run(real + timedelta(minutes=22))["vouchers_reminded"] == 0  # once
    # a clock set past the voucher's end still does not release it: only the real clock expires things
    assert run(real + timedelta(minutes=45))["vouchers_expired"] == 0
    with session.begin():
        assert session.get(Redemption, voucher.id).status == "pending"
        sent = [row.event_type for row in session.scalars(select(Base.Outbox))
                if row.event_type == events.REDEMPTION_EXPIRING]
    assert sent == [events.REDEMPTION_EXPIRING]


# --- points_expiring: 30 days' notice by default ---------------------------------------------------


def test_points_are_announced_as_expiring_30_days_before_by_default_and_a_community_may_choose(bank):
    home, other = bank("xiangyang"), bank("dongxin")
    with home.begin():
        assert ledger.settings(session=home).expiry_notice_days == 30
    with other.begin():
        ledger.settings(session=other).expiry_notice_days = 45
    for session in (home, other):
        _give(session, user_id="u-zhao", amount=30, at=NOW)  # expires after 24 months
    expires = ledger.add_months(NOW, 24)
    for session in (home, other):
        with session.begin():
            assert expiry.send_notices(session=session, now=expires - timedelta(days=46)) == []
    with other.begin():
        assert len(expiry.send_notices(session=other, now=expires - timedelta(days=45))) == 1
    with home.begin():
        assert expiry.send_notices(session=home, now=expires - timedelta(days=30, seconds=1)) == []
        [notice] = expiry.send_notices(session=home, now=expires - timedelta(days=30))
    assert (notice["user_id"], notice["amount"], notice["expires_at"]) == ("u-zhao", 30, expires)
    assert [e["data"]["user_id"] for e in announced(home, events.POINTS_EXPIRING)] == ["u-zhao"]


# --- audience(group, ref) ------------------------------------------------------------------------


def _audience(session, caller, group, ref):
    with session.begin():
        return audiences.audience(session=session, ctx=caller, group=group, ref=ref, now=NOW)


def test_award_approvers_are_the_communitys_staff_but_the_requester_and_the_beneficiary(staffed):
    home, other = staffed
    _outcome, request, _created = _award(home)
    expected = {"group": "award_approvers", "ref": request.id, "user_ids": ["u-checker", "u-qian", "u-staff-a"]}
    assert _audience(home, service("xiangyang"), "award_approvers", request.id) == expected
    assert _audience(home, CHECKER, "award_approvers", request.id) == expected  # staff may ask too
    # an award to a staff member: they may not approve it either
    _outcome, to_staff, _created = _award(home, key="big-2", user_id="u-checker")
    assert _audience(home, service("xiangyang"), "award_approvers", to_staff.id)["user_ids"] == ["u-qian",
                                                                                                  "u-staff-a"]
    # the other community's staff are not its approvers, and cannot see its request
    with pytest.raises(NotFound) as caught:
        _audience(other, service("dongxin"), "award_approvers", request.id)
    assert caught.value.extra["message_code"] == "points.request_not_found"
    with pytest.raises(NotFound):
        _audience(home, service("xiangyang"), "award_approvers", "no-such-request")
    # once decided, nobody is waited for
    with home.begin():
        awards.approve(session=home, ctx=CHECKER, request_id=request.id, now=NOW)
    assert _audience(home, service("xiangyang"), "award_approvers", request.id)["user_ids"] == []
    # dongxin's own request has dongxin's approvers
    _roles(other, "u-b", "resident")
    with other.begin():
        _o, theirs, _c = awards.manual_award(session=other, ctx=STAFF_B, now=NOW, data=load(ManualAwardIn(), {
            "user_id": "u-b", "amount": 900, "category": "volunteer", "reason": "Night patrol",
            "idempotency_key": "x"}))
    assert _audience(other, service("dongxin"), "award_approvers", theirs.id)["user_ids"] == ["u-b-staff"]


def test_merchant_voucher_holders_are_the_communitys_residents_with_a_pending_voucher_there(bank):
    for session, actor, partner in ((bank("xiangyang"), STAFF_A, "dongxin"), (bank("dongxin"), STAFF_B, "xiangyang")):
        with session.begin():
            agreements.set_side(session=session, ctx=actor, partner_tenant_id=partner, active=True)
    home, visitor = bank("xiangyang"), bank("dongxin")
    merchant, item = _shop(home, accepts=["dongxin"])
    lonely, _lonely_item = _shop(home)  # accepts only its own community's residents
    for user_id in ("u-wang", "u-li"):
        _give(home, user_id=user_id)
    _give(visitor, user_id="u-zhao")
    _redeem(home, item.id)
    _redeem(home, item.id)  # two vouchers, one person
    used = _redeem(home, item.id, actor=LI)
    with home.begin():
        redemption.confirm(session=home, ctx=SHOP, code=used.code, now=NOW + timedelta(minutes=1))
    _redeem(visitor, item.id, actor=ZHAO)
    assert _audience(home, service("xiangyang"), "merchant_voucher_holders", merchant.id) == {
        "group": "merchant_voucher_holders", "ref": merchant.id, "user_ids": ["u-wang"]}
    # a partner's merchant that accepts dongxin: dongxin's own holders only
    assert _audience(visitor, STAFF_B, "merchant_voucher_holders", merchant.id)["user_ids"] == ["u-zhao"]
    # a merchant dongxin cannot see, or none at all: not found
    with pytest.raises(NotFound) as caught:
        _audience(visitor, service("dongxin"), "merchant_voucher_holders", lonely.id)
    assert caught.value.extra["message_code"] == "points.merchant_not_found"
    with pytest.raises(NotFound):
        _audience(home, service("xiangyang"), "merchant_voucher_holders", "no-such-merchant")
    # vouchers past their time (not yet swept) hold nothing
    with home.begin():
        assert audiences.audience(session=home, ctx=STAFF_A, group="merchant_voucher_holders", ref=merchant.id,
                                  now=NOW + timedelta(hours=1))["user_ids"] == []


def test_an_unknown_group_is_refused_on_group_and_only_staff_or_a_service_may_ask(staffed):
    home, _other = staffed
    request_id = _award(home)[1].id  # (read now: a refusal below rolls back and expires the object)
    with pytest.raises(ValidationFailed) as caught:
        _audience(home, service("xiangyang"), "council_members", request_id)
    assert caught.value.extra["fields"] == {"group": ["No such group of people in the moral bank"]}
    assert caught.value.extra["field_codes"]["group"][0]["code"] == "points.unknown_audience_group"
    assert caught.value.extra["groups"] == ["award_approvers", "merchant_voucher_holders"]
    for caller in (WANG, ctx("xiangyang", "u-shaomai", "merchant"), CallContext(tenant_id="xiangyang")):
        with pytest.raises(Forbidden):
            _audience(home, caller, "award_approvers", request_id)
