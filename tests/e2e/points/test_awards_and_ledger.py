"""The moral bank over HTTP: awards, maker-checker approval, reversals, idempotency, the honour
board and the ledger check, always with a second tenant looking on."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.points.conftest import api, available, award, user_id

pytestmark = pytest.mark.e2e


def test_staff_award_points_the_resident_sees_them_and_another_tenant_sees_nothing(platform, person):
    resident = person("xiangyang")
    result = award(platform, "staff_a", resident, 50, category="anti_fraud", reason="防诈骗宣传 / Anti-fraud talk")
    posting = result["posting"]
    assert result["outcome"] == "posted" and posting["amount"] == 50 and len(posting["trace_number"]) == 14
    assert sorted(e["amount"] for e in posting["entries"]) == [-50, 50]

    http, url = api(platform, resident)
    me = http.get(url("/me")).json()
    assert (me["available"], me["held"], me["tenant_id"]) == (50, 0, "xiangyang")
    assert me["upcoming_expiry"][0]["amount"] == 50
    statement = http.get(url("/me/statement")).json()
    assert [(e["amount"], e["balance_after"], e["kind"]) for e in statement["items"]] == [(50, 50, "award")]
    assert http.get(url(f"/postings/{posting['id']}")).status_code == 200  # it is about them

    staff_b, url_b = api(platform, "staff_b")
    assert staff_b.get(url_b(f"/postings/{posting['id']}")).status_code == 404
    assert staff_b.get(url_b(f"/accounts/{user_id(platform, resident)}")).status_code == 404  # not theirs
    assert staff_b.post(url_b(f"/postings/{posting['id']}/reversal"), json={"reason": "不是我们的"}).status_code == 404
    # a resident reads only their own account
    other, other_url = api(platform, person("xiangyang"))
    assert other.get(other_url(f"/accounts/{user_id(platform, resident)}")).status_code == 403
    assert other.get(other_url(f"/postings/{posting['id']}")).status_code == 404


@pytest.mark.parametrize("change, field", [
    ({"amount": -5}, "amount"), ({"amount": 0}, "amount"), ({"amount": 1.5}, "amount"), ({"amount": "10"}, "amount"),
    ({"reason": ""}, "reason"), ({"category": "gambling"}, "category"), ({"user_id": ""}, "user_id"),
])
def test_bad_awards_are_422_naming_the_field_and_change_nothing(platform, person, change, field):
    resident = person("xiangyang")
    http, url = api(platform, "staff_a")
    body = {"user_id": user_id(platform, resident), "amount": 10, "category": "volunteer", "reason": "ok ok", **change}
    response = http.post(url("/awards"), json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert available(platform, resident) == 0


def test_residents_cannot_award_and_staff_cannot_award_themselves(platform, person):
    resident = person("xiangyang")
    http, url = api(platform, resident)
    response = http.post(url("/awards"), json={"user_id": user_id(platform, resident), "amount": 10,
                                               "category": "volunteer", "reason": "我自己"})
    assert response.status_code == 403
    staff, staff_url = api(platform, "staff_a")
    response = staff.post(staff_url("/awards"), json={"user_id": user_id(platform, "staff_a"), "amount": 10,
                                                      "category": "volunteer", "reason": "自己发"})
    assert response.status_code == 403
    assert available(platform, resident) == 0


def test_an_award_above_the_threshold_waits_for_a_second_staff_member(platform, person, checker_a):
    resident = person("xiangyang")
    pending = award(platform, "staff_a", resident, 500, reason="抗洪抢险 / Flood relief")
    assert pending["outcome"] == "pending" and pending["request"]["status"] == "pending"
    request_id = pending["request"]["id"]
    assert available(platform, resident) == 0

    maker, url = api(platform, "staff_a")
    assert maker.post(url(f"/award-requests/{request_id}/approval"), json={}).status_code == 403
    assert api(platform, "staff_b")[0].post(url(f"/award-requests/{request_id}/approval"), json={}).status_code == 404
    waiting = api(platform, checker_a)[0].get(url("/award-requests"), params={"status": "pending"}).json()["items"]
    assert request_id in [r["id"] for r in waiting]

    checker, _ = api(platform, checker_a)
    with ThreadPoolExecutor(4) as pool:  # two checkers' clicks at once: one approval, one posting
        answers = list(pool.map(lambda _: checker.post(url(f"/award-requests/{request_id}/approval"),
                                                       json={"note": "核实"}), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    conflict = next(a for a in answers if a.status_code == 409).json()
    assert conflict["state"] == "approved"
    assert available(platform, resident) == 500


def test_a_reversal_restores_the_ledger_once_and_refuses_spent_points(platform, person):
    resident = person("xiangyang")
    posting = award(platform, "staff_a", resident, 30)["posting"]
    http, url = api(platform, "staff_a")
    reversal = http.post(url(f"/postings/{posting['id']}/reversal"), json={"reason": "重复登记 / Recorded twice"})
    assert reversal.status_code == 201, reversal.text
    assert reversal.json()["reverses_id"] == posting["id"] and reversal.json()["kind"] == "reversal"
    assert available(platform, resident) == 0
    again = http.post(url(f"/postings/{posting['id']}/reversal"), json={"reason": "再来一次"})
    assert again.status_code == 409 and again.json()["state"] == "reversed"
    assert http.get(url(f"/postings/{posting['id']}")).json()["reversed_by"] == reversal.json()["id"]
    assert http.post(url(f"/postings/{uuid.uuid4()}/reversal"), json={"reason": "不存在"}).status_code == 404
    assert http.post(url(f"/postings/{posting['id']}/reversal"), json={}).status_code == 422


def test_a_retried_award_gives_points_once_by_header_or_by_body_key(platform, person):
    resident = person("xiangyang")
    http, url = api(platform, "staff_a")
    body = {"user_id": user_id(platform, resident), "amount": 12, "category": "first_aid", "reason": "急救演练"}
    key = str(uuid.uuid4())
    first = http.post(url("/awards"), json=body, headers={"Idempotency-Key": key})
    second = http.post(url("/awards"), json=body, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    ledger_key = {**body, "idempotency_key": f"drill-{uuid.uuid4()}"}
    third = http.post(url("/awards"), json=ledger_key)
    fourth = http.post(url("/awards"), json=ledger_key)
    assert third.json()["posting"]["id"] == fourth.json()["posting"]["id"]
    assert available(platform, resident) == 24


def test_the_honour_board_ranks_this_tenants_people_and_leaves_out_who_opted_out(platform, person):
    hero, shy = person("xiangyang", name="王建国"), person("xiangyang", name="害羞的李")
    award(platform, "staff_a", hero, 180, category="first_aid")
    award(platform, "staff_a", shy, 190, category="first_aid")
    foreign = person("dongxin", name="东新赵")
    award(platform, "staff_b", foreign, 199, category="first_aid")
    http, url = api(platform, hero)
    assert http.patch(url("/me/preferences"), json={"board_name": "热心王师傅"}).status_code == 200
    shy_http, _ = api(platform, shy)
    assert shy_http.patch(url("/me/preferences"), json={"show_on_board": False}).json()["show_on_board"] is False
    board = http.get(url("/honour-board"), params={"period": "week", "category": "first_aid"}).json()
    names = [e["display_name"] for e in board["entries"]]  # names, never account ids
    assert "热心王师傅" in names and "害羞的李" not in names and "东新赵" not in names
    assert user_id(platform, hero) not in str(board)
    mine = next(e for e in board["entries"] if e["display_name"] == "热心王师傅")
    assert mine["board_name"] == "热心王师傅" and mine["points"] == 180
    assert http.get(url("/honour-board"), params={"period": "decade"}).status_code == 422


def test_settings_are_the_tenants_own_and_only_staff_change_them(platform, person):
    staff_b, url = api(platform, "staff_b")
    changed = staff_b.patch(url("/settings"), json={"voucher_minutes": 45})
    assert changed.status_code == 200 and changed.json()["voucher_minutes"] == 45
    assert api(platform, "staff_a")[0].get(url("/settings")).json()["voucher_minutes"] == 30
    assert api(platform, person("dongxin"))[0].patch(url("/settings"), json={"voucher_minutes": 1}).status_code == 403
    assert staff_b.patch(url("/settings"), json={"expiry_months": 0}).status_code == 422


def test_the_ledger_check_holds_in_every_tenant_and_figures_add_up(platform):
    for staff in ("staff_a", "staff_b"):
        http, url = api(platform, staff)
        check = http.get(url("/ledger-check")).json()
        assert check["ok"], check["problems"]
        figures = http.get(url("/figures")).json()
        assert (figures["issued"] - figures["reversed"] - figures["redeemed"] - figures["expired"] - figures["held"]
                == figures["outstanding"])
    assert api(platform, "courier_a")[0].get(url("/ledger-check")).status_code == 403
