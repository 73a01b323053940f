"""Redemption at caring merchants over HTTP: hold → voucher (code + QR) → preview → confirm →
settle; cancel and timeout release the hold; concurrent redemptions never overdraw; points
cross tenants only under an agreement both sides keep."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.points.conftest import api, available, award, points_sql, user_id

pytestmark = pytest.mark.e2e


@pytest.fixture
def shop(platform, person):
    """A shaomai shop in xiangyang, run by its own merchant account, with one item."""
    operator = person("xiangyang", "merchant", name="烧卖店老板")
    staff, url = api(platform, "staff_a")
    merchant = staff.post(url("/merchants"), json={"name": f"老王烧卖 {uuid.uuid4().hex[:4]}", "category": "餐饮",
                                                   "address": "向阳路12号",
                                                   "operator_user_ids": [user_id(platform, operator)]})
    assert merchant.status_code == 201, merchant.text
    seller, _ = api(platform, operator)
    item = seller.post(url(f"/merchants/{merchant.json()['id']}/items"),
                       json={"name": "烧卖一笼 / Shaomai", "price_points": 20, "stock": 50, "limit_per_person": 30})
    assert item.status_code == 201, item.text
    return {"operator": operator, "merchant": merchant.json(), "item": item.json()}


def test_a_resident_redeems_and_the_merchant_previews_and_confirms_the_voucher(platform, person, shop):
    resident = person("xiangyang")
    award(platform, "staff_a", resident, 100)
    http, url = api(platform, resident)
    assert shop["item"]["id"] in [i["id"] for i in http.get(url("/catalogue")).json()["items"]]

    created = http.post(url("/redemptions"), json={"item_id": shop["item"]["id"], "quantity": 2})
    assert created.status_code == 201, created.text
    voucher = created.json()
    assert voucher["status"] == "pending" and voucher["points"] == 40
    assert voucher["qr_svg"].startswith("data:image/svg+xml")
    me = http.get(url("/me")).json()
    assert (me["available"], me["held"], me["total"]) == (60, 40, 100)

    seller, _ = api(platform, shop["operator"])
    preview = seller.get(url(f"/vouchers/{voucher['code'].lower()}"))
    assert preview.status_code == 200 and preview.json()["status"] == "pending" and "qr_svg" not in preview.json()
    confirmed = seller.post(url(f"/vouchers/{voucher['code']}/confirmation"))
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    twice = seller.post(url(f"/vouchers/{voucher['code']}/confirmation"))
    assert twice.status_code == 409 and twice.json()["state"] == "confirmed"

    me = http.get(url("/me")).json()
    assert (me["available"], me["held"]) == (60, 0)
    statement = seller.get(url(f"/merchants/{shop['merchant']['id']}/statement")).json()
    assert (statement["balance"], statement["total_points"], statement["settlements"]) == (40, 40, 1)
    assert statement["items"][0]["reference"] == voucher["id"]
    assert http.get(url(f"/merchants/{shop['merchant']['id']}/statement")).status_code == 404  # not theirs


def test_vouchers_are_seen_only_by_their_resident_and_their_merchant(platform, person, shop):
    resident, neighbour = person("xiangyang"), person("xiangyang")
    award(platform, "staff_a", resident, 40)
    http, url = api(platform, resident)
    voucher = http.post(url("/redemptions"), json={"item_id": shop["item"]["id"]}).json()
    other, _ = api(platform, neighbour)
    assert other.get(url(f"/redemptions/{voucher['id']}")).status_code == 404
    assert other.get(url("/redemptions")).json()["items"] == []
    assert other.get(url(f"/vouchers/{voucher['code']}")).status_code == 404  # a resident is no merchant
    assert other.post(url(f"/redemptions/{voucher['id']}/cancellation")).status_code == 404
    rival = person("xiangyang", "merchant")
    api(platform, "staff_a")[0].post(url("/merchants"), json={"name": "文具店", "category": "文具",
                                                               "operator_user_ids": [user_id(platform, rival)]})
    rival_http, _ = api(platform, rival)
    assert rival_http.post(url(f"/vouchers/{voucher['code']}/confirmation")).status_code == 404  # another shop's
    assert rival_http.get(url("/redemptions"), params={"merchant_id": shop["merchant"]["id"]}).status_code == 404
    foreign_merchant, _ = api(platform, "staff_b")
    assert foreign_merchant.get(url(f"/redemptions/{voucher['id']}")).status_code == 404
    seller, _ = api(platform, shop["operator"])
    listed = seller.get(url("/redemptions"), params={"merchant_id": shop["merchant"]["id"]}).json()["items"]
    assert voucher["id"] in [r["id"] for r in listed]
    assert http.get(url(f"/redemptions/{voucher['id']}")).json()["status"] == "pending"


def test_redeeming_more_than_the_balance_or_bad_input_is_refused_and_nothing_is_held(platform, person, shop):
    resident = person("xiangyang")
    award(platform, "staff_a", resident, 30)
    http, url = api(platform, resident)
    over = http.post(url("/redemptions"), json={"item_id": shop["item"]["id"], "quantity": 2})
    assert over.status_code == 409 and over.json()["state"] == "insufficient"
    assert (over.json()["available"], over.json()["required"]) == (30, 40)
    for body, field in (({"item_id": shop["item"]["id"], "quantity": 0}, "quantity"),
                        ({"item_id": shop["item"]["id"], "quantity": 1.5}, "quantity"),
                        ({"quantity": 1}, "item_id")):
        bad = http.post(url("/redemptions"), json=body)
        assert bad.status_code == 422 and field in bad.json()["errors"]
    assert http.post(url("/redemptions"), json={"item_id": str(uuid.uuid4())}).status_code == 404
    assert http.get(url("/me")).json()["held"] == 0 and available(platform, resident) == 30


def test_a_cancelled_or_timed_out_voucher_releases_the_hold_and_cannot_be_confirmed(platform, person, shop):
    resident = person("xiangyang")
    award(platform, "staff_a", resident, 60)
    http, url = api(platform, resident)
    item = shop["item"]["id"]
    cancelled = http.post(url("/redemptions"), json={"item_id": item}).json()
    assert http.post(url(f"/redemptions/{cancelled['id']}/cancellation")).json()["status"] == "cancelled"
    assert available(platform, resident) == 60

    late = http.post(url("/redemptions"), json={"item_id": item}).json()
    # the voucher's minutes pass
    points_sql(platform, "UPDATE redemptions SET expires_at = now() - interval '1 minute' WHERE id = :id",
               id=late["id"])
    seller, _ = api(platform, shop["operator"])
    refused = seller.post(url(f"/vouchers/{late['code']}/confirmation"))
    assert refused.status_code == 409 and refused.json()["state"] == "expired"
    assert available(platform, resident) == 40  # still held until housekeeping releases it
    # housekeeping releases it (the service's timer may get there first: the effect is the same)
    assert api(platform, "staff_a")[0].post(url("/housekeeping-runs")).status_code == 200
    assert http.get(url(f"/redemptions/{late['id']}")).json()["status"] == "expired"
    assert available(platform, resident) == 60
    again = seller.post(url(f"/vouchers/{cancelled['code']}/confirmation"))
    assert again.status_code == 409 and again.json()["state"] == "cancelled"


def test_concurrent_redemptions_from_one_account_never_overdraw_it(platform, person, shop):
    resident = person("xiangyang")
    award(platform, "staff_a", resident, 200)  # covers exactly 10 vouchers of 20
    http, url = api(platform, resident)
    token = http.headers["Authorization"]

    def redeem(_):
        import requests

        return requests.post(url("/redemptions"), json={"item_id": shop["item"]["id"]},
                             headers={"Authorization": token}, timeout=60).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(redeem, range(30)))
    assert statuses.count(201) == 10 and statuses.count(409) == 20, statuses
    me = http.get(url("/me")).json()
    assert (me["available"], me["held"]) == (0, 200)
    check = api(platform, "staff_a")[0].get(url("/ledger-check")).json()
    assert check["ok"], check["problems"]


def test_points_cross_tenants_only_under_an_agreement_and_balance_inside_each(platform, person, shop):
    staff_a, url = api(platform, "staff_a")
    staff_b, _ = api(platform, "staff_b")
    staff_a.put(url("/agreements/dongxin"), json={"active": False})
    staff_b.put(url("/agreements/xiangyang"), json={"active": False})
    merchant_id = shop["merchant"]["id"]
    refused = staff_a.patch(url(f"/merchants/{merchant_id}"), json={"accepts_tenants": ["dongxin"]})
    assert refused.status_code == 409 and refused.json()["state"] == "no_agreement"

    ours = staff_a.put(url("/agreements/dongxin"), json={"active": True, "note": "东新-向阳通兑"}).json()
    assert (ours["we_consent"], ours["partner_consents"], ours["in_force"]) == (True, False, False)
    assert staff_a.patch(url(f"/merchants/{merchant_id}"), json={"accepts_tenants": ["dongxin"]}).status_code == 409
    theirs = staff_b.put(url("/agreements/xiangyang"), json={"active": True}).json()
    assert theirs["in_force"] is True
    shared = staff_a.patch(url(f"/merchants/{merchant_id}"), json={"accepts_tenants": ["dongxin"]})
    assert shared.status_code == 200 and shared.json()["accepts_tenants"] == ["dongxin"]

    visitor = person("dongxin")
    award(platform, "staff_b", visitor, 100)
    http, _ = api(platform, visitor)
    assert shop["item"]["id"] in [i["id"] for i in http.get(url("/catalogue")).json()["items"]]
    voucher = http.post(url("/redemptions"), json={"item_id": shop["item"]["id"], "quantity": 2}).json()
    assert (voucher["tenant_id"], voucher["merchant_tenant_id"]) == ("dongxin", "xiangyang")
    seller, _ = api(platform, shop["operator"])
    assert seller.post(url(f"/vouchers/{voucher['code']}/confirmation")).json()["status"] == "confirmed"
    assert available(platform, visitor) == 60

    figures_b = staff_b.get(url("/figures")).json()
    figures_a = staff_a.get(url("/figures")).json()
    assert figures_b["clearing"]["xiangyang"] >= 40 and figures_a["clearing"]["dongxin"] <= -40
    for staff in (staff_a, staff_b):
        check = staff.get(url("/ledger-check")).json()
        assert check["ok"], check["problems"]

    # withdrawn by one side: no new cross-tenant redemption; huanqiu never had one
    staff_b.put(url("/agreements/xiangyang"), json={"active": False})
    stopped = http.post(url("/redemptions"), json={"item_id": shop["item"]["id"]})
    assert stopped.status_code == 409 and stopped.json()["state"] == "no_agreement"
    outsider = person("huanqiu")
    assert api(platform, outsider)[0].post(url("/redemptions"),
                                           json={"item_id": shop["item"]["id"]}).status_code == 404
