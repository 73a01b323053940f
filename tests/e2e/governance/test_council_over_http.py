"""The Red Tea Council end to end over HTTP: topic → session (check-in, show of
hands, minutes) → proposal → deliberation → vote (online and in the room) →
resolution → action item that residents dispute back open. Two communities throughout."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
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
def council(platform, gov):
    """A xiangyang council with a chair, two couriers, a property manager and an owners' committee member."""
    add(platform, "gov_chair", "xiangyang", name="李主任")
    add(platform, "gov_pm", "xiangyang", name="物业王经理")
    add(platform, "gov_owner", "xiangyang", name="业委会周阿姨")
    staff = gov("staff_a")
    made = ok(staff.post("/councils", {"name": "红茶议事会", "theme": "小哥友好社区"}), 201)
    seats = ok(staff.post(f"/councils/{made['id']}/members", {"members": [
        {"user_id": platform.people["gov_chair"].user_id, "display_name": "李主任",
         "stakeholder_group": "estate_officer"},
        {"user_id": platform.people["courier_a"].user_id, "display_name": "王师傅", "stakeholder_group": "courier"},
        {"user_id": platform.people["courier_a2"].user_id, "display_name": "李师傅", "stakeholder_group": "courier"},
        {"user_id": platform.people["gov_pm"].user_id, "display_name": "王经理",
         "stakeholder_group": "property_manager"},
        {"user_id": platform.people["gov_owner"].user_id, "display_name": "周阿姨",
         "stakeholder_group": "owners_committee"},
        {"user_id": None, "display_name": "张大爷（无账号）", "stakeholder_group": "resident"},
    ]}), 201)["items"]
    return made, {s["display_name"]: s for s in seats}


def _proposal_in_deliberation(gov, council_id, author="courier_a", title="快递车分时段进出"):
    proposal = ok(gov(author).post(f"/councils/{council_id}/proposals",
                                   {"title": title, "body": "早7-9点、晚5-8点快递车可进小区"}), 201)
    ok(gov(author).post(f"/proposals/{proposal['id']}/transitions", {"action": "submit"}))
    ok(gov("staff_a").post(f"/proposals/{proposal['id']}/transitions", {"action": "deliberate"}))
    return proposal


def test_a_session_runs_from_invitation_through_check_in_and_a_signed_off_show_of_hands_to_minutes(
        platform, gov, council, outbox_rows):
    made, seats = council
    staff = gov("staff_a")
    topic = ok(staff.post(f"/councils/{made['id']}/topics", {"title": "快递车进出小区难"}), 201)
    start = now() - timedelta(minutes=10)
    meeting = ok(staff.post(f"/councils/{made['id']}/sessions", {
        "title": "第1次议事", "agenda": ["通行公约", "分时段进出"], "topic_ids": [topic["id"]],
        "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=2)), "venue": "向阳党群服务中心",
        "chair_member_id": seats["李主任"]["id"]}), 201)
    code = meeting["registration_code"]
    assert code and len(code) == 6
    invited = ok(staff.post(f"/sessions/{meeting['id']}/invitations", {}))
    assert len(invited["attendance"]) == 6
    assert gov("courier_a").get(f"/sessions/{meeting['id']}").json()["registration_code"] is None

    wrong = gov("courier_a").post(f"/sessions/{meeting['id']}/check-ins", {"registration_code": "XXXXXX"})
    assert wrong.status_code == 422 and "registration_code" in wrong.json()["errors"]
    for key in ("gov_chair", "courier_a", "gov_pm"):
        ok(gov(key).post(f"/sessions/{meeting['id']}/check-ins", {"registration_code": code}))
    ok(staff.post(f"/sessions/{meeting['id']}/check-ins", {"member_id": seats["张大爷（无账号）"]["id"]}))

    hands = {"motion": "同意在东门外设快递车专用停车区", "in_favour": 3, "against": 0, "abstained": 1}
    assert gov("courier_a").post(f"/sessions/{meeting['id']}/tallies", hands).status_code == 403
    too_many = gov("gov_chair").post(f"/sessions/{meeting['id']}/tallies", {**hands, "in_favour": 9})
    assert too_many.status_code == 422 and "in_favour" in too_many.json()["errors"]
    tally = ok(gov("gov_chair").post(f"/sessions/{meeting['id']}/tallies", hands), 201)
    blocked = staff.post(f"/sessions/{meeting['id']}/minutes", {"minutes": "..."})
    assert blocked.status_code == 409 and blocked.json()["pending_tally_ids"] == [tally["id"]]
    own = gov("gov_chair").post(f"/sessions/{meeting['id']}/tallies/{tally['id']}/sign-off")
    assert own.status_code == 409
    signed = ok(gov("gov_pm").post(f"/sessions/{meeting['id']}/tallies/{tally['id']}/sign-off"))
    assert signed["status"] == "signed_off" and signed["signed_off_by_member_id"] == seats["王经理"]["id"]

    held = ok(staff.post(f"/sessions/{meeting['id']}/minutes", {
        "minutes": "与会成员讨论了快递车进出问题，举手表决同意设专用停车区。", "decisions": ["设专用停车区"]}))
    assert held["status"] == "held" and held["decisions"] == ["设专用停车区"]
    attended = {a["display_name"] for a in held["attendance"] if a["checked_in_at"]}
    assert attended == {"李主任", "王师傅", "王经理", "张大爷（无账号）"}
    [event] = outbox_rows("session_held", subject=meeting["id"])
    assert event["data"]["attended"] == 4 and event["data"]["invited"] == 6 and event["tenantid"] == "xiangyang"

    # another community sees none of it
    staff_b = gov("staff_b")
    for path in (f"/councils/{made['id']}", f"/sessions/{meeting['id']}", f"/councils/{made['id']}/members"):
        assert staff_b.get(path).status_code == 404, path
    assert staff_b.post(f"/sessions/{meeting['id']}/check-ins", {"member_id": seats["王师傅"]["id"]}).status_code == 404


def test_a_proposal_is_deliberated_voted_online_and_in_the_room_adopted_and_followed_through(
        platform, gov, council, outbox_rows):
    made, seats = council
    staff = gov("staff_a")
    proposal = _proposal_in_deliberation(gov, made["id"])
    root = ok(gov("gov_pm").post(f"/proposals/{proposal['id']}/comments", {"body": "早高峰物业人手不够"}), 201)
    ok(gov("courier_a").post(f"/proposals/{proposal['id']}/comments",
                             {"body": "我们可以自己登记", "parent_id": root["id"]}), 201)
    thread = ok(gov("gov_owner").get(f"/proposals/{proposal['id']}/comments"))["items"]
    assert thread[0]["replies"][0]["body"] == "我们可以自己登记"
    assert gov("courier_b").post(f"/proposals/{proposal['id']}/comments", {"body": "x"}).status_code == 404

    short = staff.post(f"/proposals/{proposal['id']}/vote", {"closes_at": iso(now() + timedelta(hours=8))})
    assert short.status_code == 422 and "closes_at" in short.json()["errors"]
    vote = ok(staff.post(f"/proposals/{proposal['id']}/vote", {
        "closes_at": iso(now() + timedelta(days=3)), "quorum_percent": 60, "threshold_percent": 50}), 201)
    assert vote["status"] == "open" and vote["result"] is None

    ok(gov("courier_a").post(f"/votes/{vote['id']}/ballots", {"choice": "agree", "reason": "不再被贴条"}), 201)
    twice = gov("courier_a").post(f"/votes/{vote['id']}/ballots", {"choice": "agree"})
    assert twice.status_code == 409 and twice.json()["state"] == "voted" and twice.json()["channel"] == "online"
    in_room_again = staff.post(f"/votes/{vote['id']}/in-room-ballots",
                               {"member_id": seats["王师傅"]["id"], "choice": "disagree"})
    assert in_room_again.status_code == 409
    assert in_room_again.json()["message_code"] == "governance.already_voted_elsewhere"
    ok(gov("courier_a2").post(f"/votes/{vote['id']}/ballots", {"choice": "disagree"}), 201)
    changed = ok(gov("courier_a2").patch(f"/votes/{vote['id']}/ballots/mine", {"choice": "agree"}))
    assert changed["choice"] == "agree"
    ok(gov("gov_pm").post(f"/votes/{vote['id']}/ballots", {"choice": "abstain"}), 201)
    ok(gov("gov_owner").post(f"/votes/{vote['id']}/ballots", {"choice": "agree"}), 201)
    ok(gov("gov_chair").post(f"/votes/{vote['id']}/ballots", {"choice": "agree"}), 201)
    outsider = gov("mother_c").post(f"/votes/{vote['id']}/ballots", {"choice": "agree"})
    assert outsider.status_code == 404  # another community's vote does not exist for them
    add(platform, "gov_not_member", "xiangyang")
    stranger = gov("gov_not_member").post(f"/votes/{vote['id']}/ballots", {"choice": "agree"})
    assert stranger.status_code == 403 and stranger.json()["message_code"] == "governance.you_are_not_on_council"

    early = staff.post(f"/votes/{vote['id']}/close", {"early": True})
    assert early.status_code == 409 and early.json()["voted"] == 5 and early.json()["eligible"] == 6
    ok(staff.post(f"/votes/{vote['id']}/in-room-ballots",
                  {"member_id": seats["张大爷（无账号）"]["id"], "choice": "agree"}), 201)
    mine = ok(gov("courier_a2").get(f"/votes/{vote['id']}"))
    assert mine["voted"] == 6 and mine["my_receipt"]["choice"] == "agree" and mine["result"] is None

    closed = ok(staff.post(f"/votes/{vote['id']}/close", {"early": True}))
    result = closed["result"]
    assert closed["status"] == "closed" and closed["outcome"] == "adopted"
    assert result["totals"] == {"agree": 5, "abstain": 1, "disagree": 0, "block": 0}
    assert result["by_group"]["courier"]["agree"] == 2 and result["by_group"]["property_manager"]["abstain"] == 1
    assert result["by_channel"]["in_room"]["agree"] == 1 and result["by_channel"]["online"]["agree"] == 4
    late = gov("courier_a").patch(f"/votes/{vote['id']}/ballots/mine", {"choice": "block"})
    assert late.status_code == 409 and late.json()["state"] == "closed"
    [event] = outbox_rows("vote_closed", subject=vote["id"])
    assert event["data"]["outcome"] == "adopted" and event["data"]["voted"] == 6
    assert ok(staff.get(f"/proposals/{proposal['id']}"))["status"] == "adopted"

    # the resolution, and residents holding the property manager to it
    resolution = ok(staff.post(f"/proposals/{proposal['id']}/resolution", {
        "text": "出入通行公约：快递车早7-9点、晚5-8点可进入小区。", "effective_on": "2026-12-01",
        "action_items": [{"title": "东门外划设快递车专用停车区", "assignee_kind": "property_manager",
                          "assignee_name": "向阳物业", "assignee_user_id": platform.people["gov_pm"].user_id,
                          "due_on": "2026-12-31", "dispute_threshold": 2}]}), 201)
    assert staff.post(f"/proposals/{proposal['id']}/resolution",
                      {"text": "again", "effective_on": "2026-12-01"}).status_code == 409
    item = resolution["action_items"][0]
    ok(gov("gov_pm").post(f"/action-items/{item['id']}/updates", {"note": "已划线", "completed": True}), 201)
    ok(gov("courier_a").post(f"/action-items/{item['id']}/feedback",
                             {"verdict": "dispute", "comment": "车位被私家车占满"}), 201)
    no_reason = gov("courier_a2").post(f"/action-items/{item['id']}/feedback", {"verdict": "dispute"})
    assert no_reason.status_code == 422 and "comment" in no_reason.json()["errors"]
    reopened = ok(gov("courier_a2").post(f"/action-items/{item['id']}/feedback",
                                         {"verdict": "dispute", "comment": "晚上没有位置"}), 201)
    assert reopened["status"] == "reopened" and reopened["disputes"] == 2 and reopened["reopened_count"] == 1
    assert len(outbox_rows("action_item_disputed", subject=item["id"])) == 2
    assert len(outbox_rows("action_item_reopened", subject=item["id"])) == 1
    assert gov("courier_b").get(f"/action-items/{item['id']}").status_code == 404
    assert gov("staff_b").get(f"/resolutions/{resolution['id']}").status_code == 404


def test_a_secret_ballot_cannot_be_traced_to_its_voter_in_the_database(platform, gov, council, outbox_rows):
    made, seats = council
    proposal = _proposal_in_deliberation(gov, made["id"], title="选举驿站管理员")
    vote = ok(gov("staff_a").post(f"/proposals/{proposal['id']}/vote", {
        "closes_at": iso(now() + timedelta(days=2)), "secret": True}), 201)
    receipts = {key: ok(gov(key).post(f"/votes/{vote['id']}/ballots", {"choice": choice}), 201)
                for key, choice in (("courier_a", "agree"), ("gov_pm", "disagree"))}
    assert all(r["choice"] is None and r["receipt_code"] for r in receipts.values())
    assert ok(gov("courier_a").get(f"/votes/{vote['id']}"))["my_receipt"]["choice"] is None
    no_code = gov("gov_pm").patch(f"/votes/{vote['id']}/ballots/mine", {"choice": "agree"})
    assert no_code.status_code == 422 and "receipt_code" in no_code.json()["errors"]
    ok(gov("gov_pm").patch(f"/votes/{vote['id']}/ballots/mine",
                           {"choice": "agree", "receipt_code": receipts["gov_pm"]["receipt_code"]}))

    identifying = {platform.people[k].user_id for k in receipts} | {seats["王师傅"]["id"], seats["王经理"]["id"]} | {
        r["receipt_code"] for r in receipts.values()}
    with outbox_rows.engine.connect() as conn:  # the owner: row-level security does not hide anything from it
        ballots = [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM ballots WHERE vote_id = :v"),
                                                          {"v": vote["id"]})]
        stored = [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM vote_receipts WHERE vote_id = :v"),
                                                         {"v": vote["id"]})]
    assert len(ballots) == 2 and len(stored) == 2
    for ballot in ballots:
        assert not {str(v) for v in ballot.values()} & identifying
        assert ballot["member_id"] is None and ballot["cast_at"] is None and ballot["changed_at"] is None
    assert all(r["ballot_id"] is None for r in stored)
    assert {b["choice"] for b in ballots} == {"agree"}


def test_concurrent_ballots_count_each_member_exactly_once(platform, gov, council):
    made, seats = council
    proposal = _proposal_in_deliberation(gov, made["id"], title="驿站开放时间延长")
    vote = ok(gov("staff_a").post(f"/proposals/{proposal['id']}/vote",
                                  {"closes_at": iso(now() + timedelta(days=2))}), 201)
    http = gov("courier_a")

    def cast(i):
        return http.post(f"/votes/{vote['id']}/ballots", {"choice": "agree" if i % 2 else "disagree"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(cast, range(16)))
    assert statuses.count(201) == 1 and statuses.count(409) == 15
    assert ok(gov("staff_a").get(f"/votes/{vote['id']}"))["voted"] == 1


def test_members_who_have_not_voted_are_reminded_before_close_by_the_service_itself(
        platform, gov, council, outbox_rows):
    made, _ = council
    proposal = _proposal_in_deliberation(gov, made["id"], title="夜间驿站照明")
    vote = ok(gov("staff_a").post(f"/proposals/{proposal['id']}/vote", {
        "closes_at": iso(now() + timedelta(hours=25)), "remind_before_hours": 25}), 201)
    ok(gov("courier_a").post(f"/votes/{vote['id']}/ballots", {"choice": "agree"}), 201)
    [reminder] = outbox_rows("vote_closing_soon", subject=vote["id"], wait=40)
    expected = {platform.people[k].user_id for k in ("courier_a2", "gov_pm", "gov_owner", "gov_chair")}
    assert set(reminder["data"]["not_voted_user_ids"]) == expected and reminder["tenantid"] == "xiangyang"


def test_bad_input_and_impossible_transitions_name_the_field_or_the_state(platform, gov, council):
    made, _ = council
    staff = gov("staff_a")
    bad = staff.post(f"/councils/{made['id']}/sessions", {"title": "", "starts_at": "tomorrow"})
    assert bad.status_code == 422 and {"title", "starts_at", "ends_at"} <= set(bad.json()["errors"])
    bad_members = staff.post(f"/councils/{made['id']}/members", {"members": [
        {"display_name": "x", "stakeholder_group": "astronaut"}]})
    assert bad_members.status_code == 422
    proposal = ok(gov("courier_a").post(f"/councils/{made['id']}/proposals", {"title": "草稿", "body": "..."}), 201)
    premature = staff.post(f"/proposals/{proposal['id']}/vote", {"closes_at": iso(now() + timedelta(days=2))})
    assert premature.status_code == 409 and premature.json()["state"] == "draft"
    assert staff.post(f"/proposals/{proposal['id']}/resolution",
                      {"text": "x", "effective_on": "2026-12-01"}).json()["state"] == "draft"
    assert gov("courier_a").post("/councils", {"name": "x", "theme": "y"}).status_code == 403
    key = str(uuid.uuid4())
    first = staff.post("/councils", {"name": "楼道议事会", "theme": "楼道堆物"}, headers={"Idempotency-Key": key})
    again = staff.post("/councils", {"name": "楼道议事会", "theme": "楼道堆物"}, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
