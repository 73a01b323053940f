"""Caring merchants and redemption: hold → voucher → confirm → settle; cancel and expiry release
the hold; cross-tenant acceptance only under an agreement, balanced inside each tenant."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.common.contracts import load
from services.common.database import announced
from services.common.errors import Conflict, Forbidden, NotFound
from services.points import agreements, figures, ledger, redemption
from services.points.contracts.schemas import CatalogueItemIn, MerchantIn
from services.points.models import CLEARING, Account, CatalogueItem, Lot, Posting, Redemption
from tests.unit.points.conftest import NOW, ctx

STAFF_A = ctx("xiangyang", "u-staff-a", "staff")
SHOP = ctx("xiangyang", "u-shaomai", "merchant")
WANG = ctx("xiangyang", "u-wang")


def _merchant(session, actor=STAFF_A, operator="u-shaomai", **fields):
    with session.begin():
        return redemption.create_merchant(session=session, ctx=actor, data=load(MerchantIn(), {
            "name": "老王烧卖", "category": "餐饮", "operator_user_ids": [operator], **fields}))


def _item(session, merchant_id, actor=SHOP, **fields):
    with session.begin():
        return redemption.create_item(session=session, ctx=actor, merchant_id=merchant_id,
                                      data=load(CatalogueItemIn(), {"name": "烧卖一笼", "price_points": 20, **fields}))


def _give(session, user_id="u-wang", amount=100, key="g", at=NOW):
    with session.begin():
        ledger.award(session=session, user_id=user_id, amount=amount, category="volunteer", source="manual", key=key,
                     occurred_at=at, now=at)


def _redeem(session, item_id, actor=WANG, quantity=1, now=NOW):
    with session.begin():
        return redemption.create(session=session, ctx=actor, item_id=item_id, quantity=quantity, now=now)


def _balances(session, user_id="u-wang"):
    with session.begin():
        member = ledger.find_member_account(session=session, user_id=user_id)
        return member.balance, ledger.holding(session=session).balance


@pytest.fixture
def shop(bank):
    session = bank("xiangyang")
    merchant = _merchant(session)
    item = _item(session, merchant.id, stock=10)
    _give(session)
    return session, merchant, item


def test_redeeming_holds_the_points_and_confirming_settles_them_to_the_merchant(shop):
    session, merchant, item = shop
    voucher = _redeem(session, item.id, quantity=2)
    assert voucher.status == "pending" and voucher.points == 40 and len(voucher.code) == 10
    assert voucher.expires_at == NOW + timedelta(minutes=30)
    assert _balances(session) == (60, 40)  # held: no longer spendable
    with session.begin():
        seen = redemption.preview(session=session, ctx=SHOP, code=voucher.code.lower())
        assert (seen.id, seen.status) == (voucher.id, "pending")  # preview changes nothing
    with session.begin():
        done = redemption.confirm(session=session, ctx=SHOP, code=voucher.code, now=NOW + timedelta(minutes=5))
    assert done.status == "confirmed"
    assert _balances(session) == (60, 0)
    assert [(e["type"].rsplit(".", 1)[-1], e["data"]["status"]) for e in announced(session)] == [
        ("redemption_created", "pending"), ("redemption_confirmed", "confirmed")]
    with session.begin():
        assert ledger.merchant_account(session=session, merchant_id=merchant.id).balance == 40
        assert session.get(CatalogueItem, item.id).stock == 8
        statement = redemption.merchant_statement(session=session, ctx=SHOP, merchant_id=merchant.id, since=None,
                                                  until=None, limit=10)
        assert (statement["total_points"], statement["settlements"]) == (40, 1)
        assert statement["items"][0]["reference"] == voucher.id and statement["next_cursor"] is None
        assert ledger.check(session=session)["ok"]


def test_redeeming_more_than_the_available_balance_is_refused_and_the_ledger_is_unchanged(shop):
    session, _shop_merchant, item = shop
    with session.begin():
        postings_before = session.scalar(select(func.count()).select_from(Posting))
    with pytest.raises(Conflict) as caught:
        _redeem(session, item.id, quantity=6)  # 120 > 100
    assert caught.value.extra == {"state": "insufficient", "available": 100, "required": 120,
                                  "message_code": "points.not_enough_points"}
    assert _balances(session) == (100, 0)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Posting)) == postings_before
        assert session.scalar(select(func.count()).select_from(Redemption)) == 0
        assert session.get(CatalogueItem, item.id).stock == 10


def test_a_cancelled_voucher_releases_the_hold_into_the_same_lots_and_returns_the_stock(bank):
    session = bank("xiangyang")
    merchant = _merchant(session)
    item = _item(session, merchant.id, stock=3)
    _give(session, amount=15, key="old", at=NOW - timedelta(days=300))
    _give(session, amount=50, key="new")
    voucher = _redeem(session, item.id)
    with session.begin():
        lots = {lot.amount: lot.remaining for lot in session.scalars(select(Lot))}
    assert lots == {15: 0, 50: 45}  # the oldest points went first
    with session.begin():
        redemption.cancel(session=session, ctx=WANG, redemption_id=voucher.id, now=NOW)
    with session.begin():
        assert {lot.amount: lot.remaining for lot in session.scalars(select(Lot))} == {15: 15, 50: 50}
        assert session.get(CatalogueItem, item.id).stock == 3
        assert session.get(Redemption, voucher.id).status == "cancelled"
    assert _balances(session) == (65, 0)
    with pytest.raises(Conflict) as caught, session.begin():
        redemption.confirm(session=session, ctx=SHOP, code=voucher.code, now=NOW)
    assert caught.value.extra == {"state": "cancelled", "message_code": "points.voucher_cancelled"}


def test_an_expired_voucher_cannot_be_confirmed_and_housekeeping_releases_its_hold(shop):
    session, _shop_merchant, item = shop
    voucher = _redeem(session, item.id)
    code, later = voucher.code, NOW + timedelta(minutes=31)
    with pytest.raises(Conflict) as caught, session.begin():
        redemption.confirm(session=session, ctx=SHOP, code=code, now=later)
    assert caught.value.extra["state"] == "expired"
    assert _balances(session) == (80, 20)
    with session.begin():
        assert [r.code for r in redemption.expire_due(session=session, now=later)] == [code]
    assert _balances(session) == (100, 0)
    with session.begin():
        assert redemption.expire_due(session=session, now=later) == []  # nothing twice
        assert session.get(CatalogueItem, item.id).stock == 10
        assert ledger.check(session=session)["ok"]


def test_confirming_twice_is_a_conflict_naming_the_state_and_settles_once(shop):
    session, merchant, item = shop
    code = _redeem(session, item.id).code
    with session.begin():
        redemption.confirm(session=session, ctx=SHOP, code=code, now=NOW)
    with pytest.raises(Conflict) as caught, session.begin():
        redemption.confirm(session=session, ctx=SHOP, code=code, now=NOW)
    assert caught.value.extra == {"state": "confirmed", "message_code": "points.voucher_used"}
    with session.begin():
        assert ledger.merchant_account(session=session, merchant_id=merchant.id).balance == 20


def test_a_voucher_of_another_merchant_or_a_wrong_code_is_not_found_alike(shop):
    session, _shop_merchant, item = shop
    code = _redeem(session, item.id).code
    other_id = _merchant(session, operator="u-stationery", name="文具店").id
    stationery = ctx("xiangyang", "u-stationery", "merchant")
    for who, what in ((stationery, code), (SHOP, "ZZZZZZZZZZ"), (WANG, code)):
        with pytest.raises(NotFound), session.begin():
            redemption.confirm(session=session, ctx=who, code=what, now=NOW)
    assert other_id and _balances(session) == (80, 20)


def test_the_limit_per_person_and_the_stock_are_enforced(bank):
    session = bank("xiangyang")
    merchant = _merchant(session)
    item_id = _item(session, merchant.id, stock=3, limit_per_person=2).id
    _give(session, amount=500)
    _give(session, user_id="u-li", amount=500, key="li")
    _redeem(session, item_id, quantity=2)
    with pytest.raises(Conflict) as caught:
        _redeem(session, item_id)
    assert caught.value.extra == {"state": "limit_reached", "limit_per_person": 2, "already": 2,
                                  "message_code": "points.over_limit"}
    li = ctx("xiangyang", "u-li")
    with pytest.raises(Conflict) as caught:
        _redeem(session, item_id, actor=li, quantity=2)
    assert caught.value.extra == {"state": "out_of_stock", "stock": 1, "message_code": "points.out_of_stock"}
    assert _redeem(session, item_id, actor=li).points == 20
    assert _balances(session, "u-li") == (480, 60)


def test_an_inactive_item_cannot_be_redeemed_and_only_the_merchant_or_staff_manage_it(shop):
    session, _shop_merchant, item = shop
    with pytest.raises(Forbidden), session.begin():
        redemption.update_item(session=session, ctx=WANG, item_id=item.id, changes={"price_points": 1})
    with session.begin():
        redemption.update_item(session=session, ctx=SHOP, item_id=item.id, changes={"active": False})
    with pytest.raises(Conflict) as caught:
        _redeem(session, item.id)
    assert caught.value.extra == {"state": "inactive", "message_code": "points.item_unavailable"}


def test_a_resident_sees_only_their_own_redemptions_and_a_merchant_only_its_own(shop):
    session, merchant, item = shop
    _give(session, user_id="u-li", key="li")
    mine = _redeem(session, item.id)
    theirs = _redeem(session, item.id, actor=ctx("xiangyang", "u-li"))
    with session.begin():
        assert [r.id for r in redemption.list_page(session=session, ctx=WANG, merchant_id=None, status=None,
                                                   limit=10, before=None).items] == [mine.id]
        with pytest.raises(NotFound):
            redemption.get(session=session, ctx=WANG, redemption_id=theirs.id)
        at_shop = redemption.list_page(session=session, ctx=SHOP, merchant_id=merchant.id, status="pending",
                                       limit=10, before=None).items
        assert {r.id for r in at_shop} == {mine.id, theirs.id}
        first = redemption.list_page(session=session, ctx=SHOP, merchant_id=merchant.id, status=None, limit=1,
                                     before=None)
        rest = redemption.list_page(session=session, ctx=SHOP, merchant_id=merchant.id, status=None, limit=1,
                                    before=first.next_cursor)
        # made at the same moment: the id breaks the tie, and the cursor carries both
        assert [r.id for r in first.items + rest.items] == sorted([mine.id, theirs.id], reverse=True)
        assert rest.next_cursor is None
        with pytest.raises(NotFound):  # a resident cannot list a merchant's redemptions
            redemption.list_page(session=session, ctx=WANG, merchant_id=merchant.id, status=None, limit=10,
                                 before=None)


# --- across tenants --------------------------------------------------------------------


STAFF_B = ctx("dongxin", "u-staff-b", "staff")
ZHAO = ctx("dongxin", "u-zhao")


def _agree(bank, a_active=True, b_active=True):
    for session, actor, partner, active in ((bank("xiangyang"), STAFF_A, "dongxin", a_active),
                                            (bank("dongxin"), STAFF_B, "xiangyang", b_active)):
        with session.begin():
            agreements.set_side(session=session, ctx=actor, partner_tenant_id=partner, active=active)


def test_without_an_agreement_in_force_on_both_sides_a_merchant_cannot_accept_another_tenants_points(bank):
    session = bank("xiangyang")
    with pytest.raises(Conflict) as caught:
        _merchant(session, accepts_tenants=["dongxin"])
    assert caught.value.extra == {"state": "no_agreement", "tenants": ["dongxin"],
                                  "message_code": "points.no_agreement_with"}
    _agree(bank, b_active=False)  # only one side consents
    with pytest.raises(Conflict):
        _merchant(session, accepts_tenants=["dongxin"])
    with session.begin():
        [side] = agreements.sides(session=session, ctx=STAFF_A)
    assert (side["we_consent"], side["partner_consents"], side["in_force"]) == (True, False, False)


def test_a_cross_tenant_redemption_is_balanced_inside_each_tenant(bank):
    _agree(bank)
    home = bank("xiangyang")
    merchant = _merchant(home, accepts_tenants=["dongxin"])
    item = _item(home, merchant.id, stock=5)
    visitor = bank("dongxin")
    _give(visitor, user_id="u-zhao", amount=100)
    with visitor.begin():  # dongxin's residents see the shared catalogue
        assert [i.id for i, _m in redemption.catalogue(session=visitor, ctx=ZHAO, merchant_id=None).items] == [item.id]
    voucher = _redeem(visitor, item.id, actor=ZHAO, quantity=2)
    assert (voucher.tenant_id, voucher.merchant_tenant_id) == ("dongxin", "xiangyang")
    with home.begin():
        assert home.scalar(select(CatalogueItem.stock).where(CatalogueItem.id == item.id)) == 3
        done = redemption.confirm(session=home, ctx=SHOP, code=voucher.code, now=NOW)
    assert done.status == "confirmed"
    with visitor.begin():
        assert ledger.find_member_account(session=visitor, user_id="u-zhao").balance == 60
        assert ledger.holding(session=visitor).balance == 0
        assert visitor.scalar(select(Account.balance).where(Account.kind == CLEARING)) == 40  # owed to xiangyang
        assert ledger.check(session=visitor)["ok"]
        assert figures.figures(session=visitor, tenant_ids=["dongxin"])["dongxin"]["redeemed"] == 40
    with home.begin():
        assert ledger.merchant_account(session=home, merchant_id=merchant.id).balance == 40
        assert home.scalar(select(Account.balance).where(Account.kind == CLEARING)) == -40  # owed by dongxin
        assert ledger.check(session=home)["ok"]
        assert home.scalar(select(func.count()).select_from(Redemption)) == 1  # shared with the merchant's tenant


def test_a_withdrawn_agreement_stops_new_cross_tenant_redemptions_and_confirmations(bank):
    _agree(bank)
    home = bank("xiangyang")
    item = _item(home, _merchant(home, accepts_tenants=["dongxin"]).id)
    visitor = bank("dongxin")
    _give(visitor, user_id="u-zhao")
    code = _redeem(visitor, item.id, actor=ZHAO).code
    _agree(bank, b_active=False)
    with pytest.raises(Conflict) as caught:
        _redeem(visitor, item.id, actor=ZHAO)
    assert caught.value.extra["state"] == "no_agreement"
    with pytest.raises(Conflict), home.begin():
        redemption.confirm(session=home, ctx=SHOP, code=code, now=NOW)
    with visitor.begin():
        voucher = visitor.scalar(select(Redemption))
        redemption.cancel(session=visitor, ctx=ZHAO, redemption_id=voucher.id, now=NOW)  # a refund always works
    assert _balances(visitor, "u-zhao") == (100, 0)


def test_a_merchant_not_shared_with_a_tenant_is_invisible_to_it(bank):
    home = bank("xiangyang")
    item = _item(home, _merchant(home).id)
    visitor = bank("dongxin")
    _give(visitor, user_id="u-zhao")
    with pytest.raises(NotFound):
        _redeem(visitor, item.id, actor=ZHAO)
    with visitor.begin():
        assert redemption.catalogue(session=visitor, ctx=ZHAO, merchant_id=None).items == []


def test_figures_add_up_issued_less_reversed_redeemed_expired_held_is_outstanding(shop):
    session, _shop_merchant, item = shop
    _give(session, user_id="u-li", amount=40, key="li")
    with session.begin():
        posting = ledger.find_posting(session=session, source="manual", key="li")
        ledger.reverse(session=session, ctx=STAFF_A, posting_id=posting.id, reason="错发", now=NOW)
    code = _redeem(session, item.id, quantity=2).code
    _redeem(session, item.id)
    with session.begin():
        redemption.confirm(session=session, ctx=SHOP, code=code, now=NOW)
        found = figures.figures(session=session, tenant_ids=["xiangyang"])["xiangyang"]
    assert {k: found[k] for k in ("issued", "reversed", "redeemed", "held", "outstanding", "expired")} == {
        "issued": 140, "reversed": 40, "redeemed": 40, "held": 20, "outstanding": 40, "expired": 0}
    assert found["issued"] - found["reversed"] - found["redeemed"] - found["expired"] - found["held"] \
        == found["outstanding"]


def test_merchants_and_the_catalogue_page_by_cursor_and_only_over_what_the_caller_may_see(bank, monkeypatch):
    monkeypatch.setattr(redemption, "MERCHANT_SCAN", 1)  # the filtered merchant list reads in several rounds
    session = bank("xiangyang")
    shops = [_merchant(session, name=f"店{i}", operator="u-shaomai" if i % 2 else "u-other") for i in range(7)]
    for shop in shops:
        _item(session, shop.id, actor=STAFF_A, price_points=10)
    with session.begin():  # an inactive merchant: staff see it, residents do not
        shops[0].active = False

    def walk(call, limit, **params):
        seen, after = [], None
        while True:
            page = call(session=session, limit=limit, after=after, **params)
            seen += page.items
            if page.next_cursor is None:
                return seen
            after = page.next_cursor

    with session.begin():
        everything = redemption.list_merchants(session=session, ctx=STAFF_A).items
        assert [m.id for m in walk(redemption.list_merchants, 2, ctx=STAFF_A)] == [m.id for m in everything]
        assert len(everything) == 7
        assert len(walk(redemption.list_merchants, 2, ctx=WANG)) == 6
        mine = walk(redemption.list_merchants, 1, ctx=SHOP, mine=True)
        assert sorted(m.name for m in mine) == ["店1", "店3", "店5"]
        items = walk(redemption.catalogue, 4, ctx=WANG, merchant_id=None)
        assert [m.name for _i, m in items] == [f"店{i}" for i in range(1, 7)]
