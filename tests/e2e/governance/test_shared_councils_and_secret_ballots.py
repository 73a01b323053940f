"""A council across communities over HTTP, and secret ballots that PostgreSQL itself
cannot tie to their voters.

huanqiu owns a council on a shared theme and shares it with xiangyang and dongxin;
couriers from those two sit on it beside a huanqiu resident, check in to its session,
deliberate, vote (secretly) and hold the result to account. The hospital (a fourth
tenant) sees none of it. Then the ballots are examined as the database owner sees them,
system columns included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.e2e.governance.conftest import add, ok

pytestmark = pytest.mark.e2e


def iso(dt: datetime) -> str:
    return dt.isoformat()


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def shared(platform, gov):
    """huanqiu's council, shared with xiangyang and dongxin, with one seat from each."""
    add(platform, "hq_staff", "huanqiu", "staff", name="环球社区刘书记")
    add(platform, "hq_resident", "huanqiu", name="环球居民孙阿姨")
    add(platform, "xy_courier", "xiangyang", name="向阳快递员小周")
    add(platform, "dx_courier", "dongxin", name="东新外卖员小吴")
    add(platform, "hosp_user", "hospital", "partner", name="中医院联络员")
    staff = gov("hq_staff")
    bad = staff.post("/councils", {"name": "跨社区红茶议事会", "theme": "小哥友好社区", "shared_with": ["Not A Slug!"]})
    assert bad.status_code == 422 and "shared_with" in bad.json()["errors"]
    made = ok(staff.post("/councils", {"name": "跨社区红茶议事会", "theme": "小哥友好社区",
                                       "shared_with": ["xiangyang", "dongxin"]}), 201)
    assert made["tenant_id"] == "huanqiu" and made["shared_with"] == ["dongxin", "xiangyang"]
    person = platform.people
    not_shared = staff.post(f"/councils/{made['id']}/members", {"members": [
        {"user_id": person["hosp_user"].user_id, "display_name": "联络员", "stakeholder_group": "partner",
         "home_tenant_id": "hospital"}]})
    assert not_shared.status_code == 422 and "members" in not_shared.json()["errors"]
    seats = ok(staff.post(f"/councils/{made['id']}/members", {"members": [
        {"user_id": person["hq_resident"].user_id, "display_name": "孙阿姨", "stakeholder_group": "resident"},
        {"user_id": person["xy_courier"].user_id, "display_name": "小周", "stakeholder_group": "courier",
         "home_tenant_id": "xiangyang"},
        {"user_id": person["dx_courier"].user_id, "display_name": "小吴", "stakeholder_group": "courier",
         "home_tenant_id": "dongxin"},
    ]}), 201)["items"]
    return made, {s["display_name"]: s for s in seats}


def test_members_from_two_communities_take_part_in_a_third_communitys_council_and_a_fourth_sees_nothing(
        platform, gov, shared, outbox_rows):
    made, seats = shared
    council_id = made["id"]
    hq = gov("hq_staff")
    assert {s["home_tenant_id"] for s in seats.values()} == {"huanqiu", "xiangyang", "dongxin"}

    # guests see the council from their own community, with all its seats
    listed = ok(gov("xy_courier").get("/councils"))["items"]
    assert [c["member_count"] for c in listed if c["id"] == council_id] == [3]
    assert ok(gov("dx_courier").get(f"/councils/{council_id}"))["shared_with"] == ["dongxin", "xiangyang"]
    assert len(ok(gov("dx_courier").get(f"/councils/{council_id}/members"))["items"]) == 3

    # a session: a guest checks in with the room code
    start = now() - timedelta(minutes=5)
    meeting = ok(hq.post(f"/councils/{council_id}/sessions", {
        "title": "跨社区第1次议事", "agenda": ["驿站共建"], "starts_at": iso(start),
        "ends_at": iso(start + timedelta(hours=2)), "venue": "环球党群服务中心"}), 201)
    ok(hq.post(f"/sessions/{meeting['id']}/invitations", {}))
    ok(gov("dx_courier").post(f"/sessions/{meeting['id']}/check-ins",
                              {"registration_code": meeting["registration_code"]}))
    seen = ok(gov("dx_courier").get(f"/sessions/{meeting['id']}"))
    assert [a["display_name"] for a in seen["attendance"] if a["checked_in_at"]] == ["小吴"]

    # a guest proposes, another guest deliberates, the owner's staff runs the vote
    proposal = ok(gov("xy_courier").post(f"/councils/{council_id}/proposals",
                                         {"title": "三个社区共建暖蜂驿站", "body": "在三社区交界处设驿站"}), 201)
    assert proposal["status"] == "draft" and proposal["council_id"] == council_id
    ok(gov("xy_courier").post(f"/proposals/{proposal['id']}/transitions", {"action": "submit"}))
    staff_elsewhere = gov("staff_a").post(f"/proposals/{proposal['id']}/transitions", {"action": "deliberate"})
    assert staff_elsewhere.status_code == 403  # xiangyang's staff are not staff of huanqiu's council
    ok(hq.post(f"/proposals/{proposal['id']}/transitions", {"action": "deliberate"}))
    ok(gov("dx_courier").post(f"/proposals/{proposal['id']}/comments", {"body": "我们东新的骑手都经过那里"}), 201)
    assert len(ok(gov("hq_resident").get(f"/proposals/{proposal['id']}/comments"))["items"]) == 1
    vote = ok(hq.post(f"/proposals/{proposal['id']}/vote", {
        "closes_at": iso(now() + timedelta(days=2)), "quorum_percent": 60, "threshold_percent": 50}), 201)

    ok(gov("xy_courier").post(f"/votes/{vote['id']}/ballots", {"choice": "agree"}), 201)
    ok(gov("dx_courier").post(f"/votes/{vote['id']}/ballots", {"choice": "agree", "reason": "少跑冤枉路"}), 201)
    twice = gov("dx_courier").post(f"/votes/{vote['id']}/ballots", {"choice": "disagree"})
    assert twice.status_code == 409 and twice.json()["state"] == "voted"
    ok(gov("hq_resident").post(f"/votes/{vote['id']}/ballots", {"choice": "disagree"}), 201)
    assert ok(gov("xy_courier").get(f"/votes/{vote['id']}"))["my_receipt"]["choice"] == "agree"
    assert gov("staff_b").post(f"/votes/{vote['id']}/close", {"early": True}).status_code == 403
    closed = ok(hq.post(f"/votes/{vote['id']}/close", {"early": True}))
    assert closed["outcome"] == "adopted" and closed["result"]["eligible"] == 3
    assert closed["result"]["by_group"] == {
        "courier": {"agree": 2, "abstain": 0, "disagree": 0, "block": 0},
        "resident": {"agree": 0, "abstain": 0, "disagree": 1, "block": 0}}
    # one copy in the owning community and one in each community with eligible guests (each told its own)
    copies = outbox_rows("vote_closed", subject=vote["id"])
    assert sorted(e["tenantid"] for e in copies) == ["dongxin", "huanqiu", "xiangyang"]
    assert {e["data"]["voted"] for e in copies} == {3} and len({e["id"] for e in copies}) == 3

    # the guests' acts were written in the owning community
    with outbox_rows.engine.connect() as conn:
        receipts = conn.execute(sa.text("SELECT DISTINCT tenant_id FROM vote_receipts WHERE vote_id = :v"),
                                {"v": vote["id"]}).scalars().all()
    assert receipts == ["huanqiu"]

    # follow-through: a guest disputes a completion claim on huanqiu's action item
    resolution = ok(hq.post(f"/proposals/{proposal['id']}/resolution", {
        "text": "三社区共建暖蜂驿站", "effective_on": "2026-12-01",
        "action_items": [{"title": "驿站装饮水机", "assignee_kind": "community", "assignee_name": "环球社区",
                          "due_on": "2026-12-31", "dispute_threshold": 1}]}), 201)
    item = resolution["action_items"][0]
    ok(hq.post(f"/action-items/{item['id']}/updates", {"note": "已安装", "completed": True}), 201)
    disputed = ok(gov("xy_courier").post(f"/action-items/{item['id']}/feedback",
                                         {"verdict": "dispute", "comment": "还没有通水"}), 201)
    assert disputed["status"] == "reopened"
    listed = ok(gov("dx_courier").get("/resolutions", params={"council_id": council_id}))["items"]
    assert [r["id"] for r in listed] == [resolution["id"]]
    assert resolution["id"] not in {r["id"] for r in ok(gov("dx_courier").get("/resolutions"))["items"]}

    # the hospital (a fourth tenant) sees nothing and can do nothing
    outsider = gov("hosp_user")
    assert council_id not in {c["id"] for c in ok(outsider.get("/councils"))["items"]}
    for path in (f"/councils/{council_id}", f"/sessions/{meeting['id']}", f"/proposals/{proposal['id']}",
                 f"/votes/{vote['id']}", f"/resolutions/{resolution['id']}", f"/action-items/{item['id']}"):
        assert outsider.get(path).status_code == 404, path
    assert outsider.post(f"/proposals/{proposal['id']}/comments", {"body": "x"}).status_code == 404

    # a community with seated members cannot be dropped from the council; one without can
    kept = hq.put(f"/councils/{council_id}/sharing", {"shared_with": ["xiangyang"]})
    assert kept.status_code == 409 and kept.json()["communities"] == ["dongxin"]
    widened = ok(hq.put(f"/councils/{council_id}/sharing", {"shared_with": ["xiangyang", "dongxin", "hospital"]}))
    assert widened["shared_with"] == ["dongxin", "hospital", "xiangyang"]
    assert outsider.get(f"/votes/{vote['id']}").status_code == 200  # what hangs off the council follows it
    ok(hq.put(f"/councils/{council_id}/sharing", {"shared_with": ["xiangyang", "dongxin"]}))
    assert outsider.get(f"/action-items/{item['id']}").status_code == 404
    assert gov("staff_a").put(f"/councils/{council_id}/sharing", {"shared_with": []}).status_code == 403


def test_a_secret_ballot_leaves_no_xmin_order_id_or_time_that_ties_it_to_its_voter(platform, gov, outbox_rows):
    """Eight members of a xiangyang council shared with dongxin vote secretly, each with a
    reason only they wrote, so the test can tell the ballots apart."""
    add(platform, "sb_staff", "xiangyang", "staff", name="向阳选举干事")
    voters = [add(platform, f"sb_voter{i}", "dongxin" if i % 2 else "xiangyang", name=f"投票人{i}")
              for i in range(8)]
    staff = gov("sb_staff")
    council = ok(staff.post("/councils", {"name": "驿站管理员推选", "theme": "小哥友好社区",
                                          "shared_with": ["dongxin"]}), 201)
    seats = ok(staff.post(f"/councils/{council['id']}/members", {"members": [
        {"user_id": v.user_id, "display_name": v.key, "stakeholder_group": "courier", "home_tenant_id": v.tenant_id}
        for v in voters]}), 201)["items"]
    proposal = ok(staff.post(f"/councils/{council['id']}/proposals",
                             {"title": "推选驿站管理员", "body": "无记名"}), 201)
    ok(staff.post(f"/proposals/{proposal['id']}/transitions", {"action": "submit"}))
    ok(staff.post(f"/proposals/{proposal['id']}/transitions", {"action": "deliberate"}))
    vote = ok(staff.post(f"/proposals/{proposal['id']}/vote", {
        "closes_at": iso(now() + timedelta(days=2)), "secret": True}), 201)

    engine = outbox_rows.engine  # the owner: neither row-level security nor grants hide anything
    receipts = []
    for i, voter in enumerate(voters):
        receipt = ok(gov(voter.key).post(f"/votes/{vote['id']}/ballots",
                                         {"choice": "agree" if i % 3 else "disagree", "reason": f"理由-{i}"}), 201)
        assert receipt["secret"] and receipt["choice"] is None
        receipts.append(receipt)
        with engine.connect() as conn:  # mixed before the answer came back: nothing sealed is left
            assert conn.scalar(sa.text("SELECT count(*) FROM secret_ballot_inbox WHERE vote_id = :v"),
                               {"v": vote["id"]}) == 0
    ok(gov(voters[5].key).patch(f"/votes/{vote['id']}/ballots/mine",
                                {"choice": "block", "reason": "理由-5", "receipt_code": receipts[5]["receipt_code"]}))

    with engine.connect() as conn:
        ballots = [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT xmin::text AS xmin, ctid::text AS ctid, * FROM ballots WHERE vote_id = :v "
            "ORDER BY (ctid::text::point)[0], (ctid::text::point)[1]"), {"v": vote["id"]})]
        stored = [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT xmin::text AS xmin, * FROM vote_receipts WHERE vote_id = :v"), {"v": vote["id"]})]
    assert len(ballots) == 8 and len(stored) == 8
    # xmin: every ballot was (re)written by one mixing transaction that wrote no receipt
    assert len({b["xmin"] for b in ballots}) == 1
    assert not {b["xmin"] for b in ballots} & {r["xmin"] for r in stored}
    # physical order: not the order of casting (8! orders; a match by chance is 1 in 40,320)
    assert [b["reason"] for b in ballots] != [f"理由-{i}" for i in range(8)]
    # ids and times: nothing a receipt, a seat, a person or a code also carries; no time at all
    identifying = ({v.user_id for v in voters} | {s["id"] for s in seats} | {r["id"] for r in stored}
                   | {r["receipt_code"] for r in receipts})
    for ballot in ballots:
        assert not {str(v) for k, v in ballot.items() if k != "vote_id"} & identifying
        assert ballot["member_id"] is None and ballot["cast_at"] is None and ballot["changed_at"] is None
    assert all(r["ballot_id"] is None for r in stored)
    # …and every ballot is still there once, with the change applied
    assert sorted(b["choice"] for b in ballots) == sorted(
        ["disagree" if i % 3 == 0 else ("block" if i == 5 else "agree") for i in range(8)])
    closed = ok(staff.post(f"/votes/{vote['id']}/close", {"early": True}))
    assert closed["result"]["voted"] == 8 and sum(closed["result"]["totals"].values()) == 8
