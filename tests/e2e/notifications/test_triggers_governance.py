"""The governance service's triggers end to end, over real RabbitMQ and PostgreSQL with every service running:
the real operation (the gateway's HTTP API, or `governance.run_sweep(now=)` as staff would call it) commits
its event, the relay publishes it, notifications asks `governance.audience` and fans it out. Each: the right
people, in their own language, once even when the event arrives twice, and nobody in the other community.

trigger → event → message:
- staff open a vote → `governance.vote_opened` → `vote_opened` (the vote's eligible members)
- the sweep, a day before close → `governance.vote_closing_soon` → `vote_closing` (those who have not voted)
- staff close the vote → `governance.vote_closed` → `vote_result` (the eligible members)
- staff send a session's invitations → `governance.council_session_scheduled` → `council_session_invited`
- the sweep, a day before the session → `governance.council_session_due` → `council_session_reminder`
- staff answer a voice item → `governance.voice_answered` → `voice_answered` (its author, even anonymous)
- the sweep, a day before a duty slot → `governance.duty_slot_due` → `duty_tomorrow` (its volunteers)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from gateway.rpc import RpcPool
from services.common.database import make_engine
from tests.e2e.notifications.conftest import context, inbox, publish, wait_until

pytestmark = pytest.mark.e2e

API = "/api/v1/governance"
LOCAL = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def governance(platform):
    """`governance(key, method, *args)`: a governance RPC as the gateway calls it for `key`."""
    pool = RpcPool(platform.infra.amqp_uri, size=1, timeout=30)
    yield lambda key, method, *args: pool.call("governance", method, *args, context_data=context(platform, key))
    pool.close()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def of_kind(platform, key: str, kind: str, tenant_id: str | None = None) -> list[dict]:
    return [m for m in inbox(platform, key, tenant_id=tenant_id) if m["kind"] == kind]


def outbox(platform, event_type: str, subject: str) -> list[dict]:
    """The envelopes the governance service committed for `subject` (read as the database's owner)."""
    engine = make_engine(platform.infra.owner_url("governance"), pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT envelope FROM outbox_events WHERE event_type = :t ORDER BY seq"),
                                {"t": event_type}).scalars().all()
    finally:
        engine.dispose()
    return [e for e in rows if e["subject"] == subject]


class Gov:
    """`/api/v1/governance` as `key` signed in."""

    def __init__(self, platform, key: str):
        self.platform, self.http = platform, platform.session(key)

    def __call__(self, method: str, path: str, json: dict | None = None, status: int = 200) -> dict:
        response = self.http.request(method, self.platform.url(API + path), json=json, timeout=30)
        assert response.status_code == status, f"{method} {path} → {response.status_code}: {response.text}"
        return response.json()


def council_of(platform, staff: str, *keys: str) -> dict:
    """A council of `staff`'s community with `keys` on it (and a seat without an account)."""
    gov = Gov(platform, staff)
    council = gov("POST", "/councils", {"name": "红茶议事会", "theme": "小哥友好社区"}, 201)
    gov("POST", f"/councils/{council['id']}/members", {"members": [
        *({"user_id": platform.people[k].user_id, "display_name": f"成员{i}", "stakeholder_group": "courier"}
          for i, k in enumerate(keys)),
        {"user_id": None, "display_name": "张大爷（无账号）", "stakeholder_group": "resident"}]}, 201)
    return council


def open_vote(platform, staff: str, author: str, council_id: str, title: str, closes_at: datetime) -> dict:
    proposal = Gov(platform, author)("POST", f"/councils/{council_id}/proposals",
                                     {"title": title, "body": "早7-9点快递车可进小区"}, 201)
    Gov(platform, author)("POST", f"/proposals/{proposal['id']}/transitions", {"action": "submit"})
    Gov(platform, staff)("POST", f"/proposals/{proposal['id']}/transitions", {"action": "deliberate"})
    return Gov(platform, staff)("POST", f"/proposals/{proposal['id']}/vote", {"closes_at": iso(closes_at)}, 201)


def test_a_votes_members_hear_it_open_are_reminded_if_they_have_not_voted_and_hear_the_result(
        platform, person, governance):
    amy, wang, li = person("xiangyang", locale="en"), person("xiangyang"), person("xiangyang")
    stranger = person("xiangyang")  # not on the council
    zhao = person("dongxin")
    council = council_of(platform, "staff_a", amy, wang, li)
    theirs = council_of(platform, "staff_b", zhao)
    closes = now() + timedelta(days=3)  # the reminder is due a day before: the real sweep leaves it alone
    vote = open_vote(platform, "staff_a", wang, council["id"], "快递车分时段进出", closes)
    their_vote = open_vote(platform, "staff_b", zhao, theirs["id"], "驿站开放时间", closes)

    members = (amy, wang, li)
    assert wait_until(lambda: all(of_kind(platform, k, "vote_opened") for k in (*members, zhao)))
    (english,) = of_kind(platform, amy, "vote_opened")
    assert english["title"] == "A vote has opened" and english["link"] == f"/web/votes/{vote['id']}"
    assert english["body"].startswith("A community vote is open: http")
    for key in (wang, li):
        (chinese,) = of_kind(platform, key, "vote_opened")
        assert chinese["title"] == "投票已开始" and chinese["body"].startswith("社区投票已开始：")
    (other,) = of_kind(platform, zhao, "vote_opened")
    assert other["link"] == f"/web/votes/{their_vote['id']}"

    # a day before close the sweep reminds those who have not voted, once
    Gov(platform, amy)("POST", f"/votes/{vote['id']}/ballots", {"choice": "agree"}, 201)
    at = iso(closes - timedelta(hours=12))
    assert governance("staff_a", "run_sweep", at)["reminded"] >= 1
    assert governance("staff_a", "run_sweep", at)["reminded"] == 0
    (reminder,) = outbox(platform, "vote_closing_soon", vote["id"])
    assert set(reminder["data"]["not_voted_user_ids"]) == {platform.people[k].user_id for k in (wang, li)}
    assert wait_until(lambda: of_kind(platform, wang, "vote_closing") and of_kind(platform, li, "vote_closing"))
    assert of_kind(platform, wang, "vote_closing")[0]["title"] == "投票即将截止"
    assert of_kind(platform, amy, "vote_closing") == []  # voted already
    assert of_kind(platform, zhao, "vote_closing") == []  # dongxin's sweep was not run

    # every member voted (the seat without an account in the room): staff close early, all hear the result
    for key in (wang, li):
        Gov(platform, key)("POST", f"/votes/{vote['id']}/ballots", {"choice": "agree"}, 201)
    seat = next(m for m in Gov(platform, "staff_a")("GET", f"/councils/{council['id']}/members")["items"]
                if m["user_id"] is None)
    Gov(platform, "staff_a")("POST", f"/votes/{vote['id']}/in-room-ballots", {"member_id": seat["id"],
                                                                             "choice": "agree"}, 201)
    closed = Gov(platform, "staff_a")("POST", f"/votes/{vote['id']}/close", {"early": True})
    assert closed["status"] == "closed"
    assert wait_until(lambda: all(of_kind(platform, k, "vote_result") for k in members))
    (result,) = of_kind(platform, amy, "vote_result")
    assert result["title"] == "A vote has closed" and result["link"] == f"/web/votes/{vote['id']}"
    assert of_kind(platform, li, "vote_result")[0]["body"].startswith("投票已结束，查看结果：")

    # nobody off the council, and nobody of the other community, heard of xiangyang's vote
    assert inbox(platform, stranger) == [] and not of_kind(platform, "staff_a", "vote_opened")
    assert [m["kind"] for m in inbox(platform, zhao)] == ["vote_opened"]
    for key in members:
        assert inbox(platform, key, tenant_id="dongxin") == []

    # the opening delivered twice more adds nothing; the next vote's opening shows the repeats were handled
    (opened,) = outbox(platform, "vote_opened", vote["id"])
    for _ in range(2):
        publish(platform, opened, service="governance", event="vote_opened", tenant_id="xiangyang")
    second = open_vote(platform, "staff_a", wang, council["id"], "夜间驿站照明", now() + timedelta(days=5))
    assert wait_until(lambda: all(len(of_kind(platform, k, "vote_opened")) == 2 for k in members))
    for key in members:
        assert sorted(m["link"] for m in of_kind(platform, key, "vote_opened")) == sorted(
            [f"/web/votes/{vote['id']}", f"/web/votes/{second['id']}"])


def test_invitees_hear_of_a_council_session_and_are_reminded_the_day_before_once(platform, person, governance):
    amy, wang = person("xiangyang", locale="en"), person("xiangyang")
    stranger = person("xiangyang")
    zhao = person("dongxin")
    council = council_of(platform, "staff_a", amy, wang)
    theirs = council_of(platform, "staff_b", zhao)
    starts = now() + timedelta(days=3)  # the real sweep reminds a day before: it leaves this one alone
    staff = Gov(platform, "staff_a")
    meeting = staff("POST", f"/councils/{council['id']}/sessions", {
        "title": "第1次议事", "agenda": ["通行公约"], "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "venue": "向阳党群服务中心"}, 201)
    their_meeting = Gov(platform, "staff_b")("POST", f"/councils/{theirs['id']}/sessions", {
        "title": "议事", "agenda": ["驿站"], "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=2)),
        "venue": "东新服务中心"}, 201)
    staff("POST", f"/sessions/{meeting['id']}/invitations", {})
    Gov(platform, "staff_b")("POST", f"/sessions/{their_meeting['id']}/invitations", {})

    assert wait_until(lambda: all(of_kind(platform, k, "council_session_invited") for k in (amy, wang, zhao)))
    (english,) = of_kind(platform, amy, "council_session_invited")
    assert english["title"] == "Council meeting" and english["link"] == f"/web/council-sessions/{meeting['id']}"
    assert english["body"].startswith("You are invited to a meeting: http")
    assert of_kind(platform, wang, "council_session_invited")[0]["title"] == "议事会会议"
    assert of_kind(platform, zhao, "council_session_invited")[0]["link"] == \
        f"/web/council-sessions/{their_meeting['id']}"

    # a second round of invitations invites nobody new: nobody is told again
    staff("POST", f"/sessions/{meeting['id']}/invitations", {})

    at = iso(starts - timedelta(hours=12))
    governance("staff_a", "run_sweep", iso(starts - timedelta(days=2)))
    assert outbox(platform, "council_session_due", meeting["id"]) == []
    governance("staff_a", "run_sweep", at)
    governance("staff_a", "run_sweep", at)
    (due,) = outbox(platform, "council_session_due", meeting["id"])
    assert wait_until(lambda: of_kind(platform, amy, "council_session_reminder")
                      and of_kind(platform, wang, "council_session_reminder"))
    (reminder,) = of_kind(platform, amy, "council_session_reminder")
    assert reminder["title"] == "Meeting tomorrow" and reminder["link"] == f"/web/council-sessions/{meeting['id']}"
    assert of_kind(platform, wang, "council_session_reminder")[0]["body"].startswith("议事会会议明天召开：")

    # the reminder delivered again adds nothing; dongxin's own reminder, later, shows the repeat was handled
    publish(platform, due, service="governance", event="council_session_due", tenant_id="xiangyang")
    governance("staff_b", "run_sweep", at)
    assert wait_until(lambda: of_kind(platform, zhao, "council_session_reminder"))
    for key in (amy, wang):
        assert len(of_kind(platform, key, "council_session_invited")) == 1
        assert len(of_kind(platform, key, "council_session_reminder")) == 1
        assert inbox(platform, key, tenant_id="dongxin") == []
    assert inbox(platform, stranger) == [] and not of_kind(platform, "staff_a", "council_session_invited")
    assert sorted(m["kind"] for m in inbox(platform, zhao)) == ["council_session_invited",
                                                                 "council_session_reminder"]


def test_the_author_of_a_voice_item_hears_it_was_answered_even_when_anonymous(platform, person):
    amy = person("xiangyang", locale="en")
    wang = person("xiangyang")  # says "me too": not the author
    zhao = person("dongxin")
    item = Gov(platform, amy)("POST", "/voice", {"text": "东门快递车没地方停", "category": "parking",
                                                 "location": "向阳新村东门", "anonymous": True}, 201)
    theirs = Gov(platform, zhao)("POST", "/voice", {"text": "驿站没有热水", "category": "other"}, 201)
    Gov(platform, wang)("POST", f"/voice/{item['id']}/me-too", {})
    Gov(platform, "staff_a")("POST", f"/voice/{item['id']}/triage", {"action": "answer",
                                                                     "answer": "已与物业协商划线"})
    Gov(platform, "staff_b")("POST", f"/voice/{theirs['id']}/triage", {"action": "acknowledge"})  # not an answer
    Gov(platform, "staff_b")("POST", f"/voice/{theirs['id']}/triage", {"action": "answer", "answer": "已安装热水器"})

    assert wait_until(lambda: of_kind(platform, amy, "voice_answered") and of_kind(platform, zhao, "voice_answered"))
    (english,) = of_kind(platform, amy, "voice_answered")
    assert english["title"] == "Your voice was answered" and english["link"] == f"/web/voice/{item['id']}"
    assert "物业" not in english["body"] and english["body"].startswith("Your voice got a reply: http")
    (chinese,) = of_kind(platform, zhao, "voice_answered")
    assert chinese["title"] == "您的心声有回复了" and chinese["link"] == f"/web/voice/{theirs['id']}"

    # the answer delivered again adds nothing; resolving it later is a new answer, told once (and shows
    # the repeat, ahead of it on the same queue, was handled)
    (answered,) = outbox(platform, "voice_answered", item["id"])
    publish(platform, answered, service="governance", event="voice_answered", tenant_id="xiangyang")
    Gov(platform, "staff_a")("POST", f"/voice/{item['id']}/triage", {"action": "resolve"})
    assert wait_until(lambda: len(of_kind(platform, amy, "voice_answered")) == 2)
    assert len(outbox(platform, "voice_answered", item["id"])) == 2
    assert of_kind(platform, wang, "voice_answered") == [] and inbox(platform, amy, tenant_id="dongxin") == []
    assert [m["kind"] for m in inbox(platform, zhao)] == ["voice_answered"]


def test_volunteers_signed_up_for_a_duty_slot_hear_the_day_before(platform, person, governance):
    amy, wang = person("xiangyang", locale="en"), person("xiangyang")
    quitter, stranger = person("xiangyang"), person("xiangyang")
    zhao = person("dongxin")
    day = (datetime.now(LOCAL) + timedelta(days=3)).date()  # the real sweep reminds a day before
    timing = {"weekday": day.isoweekday(), "start_time": "10:00", "end_time": "11:00"}

    def slot_of(staff: str, title: str) -> dict:
        gov = Gov(platform, staff)
        project = gov("POST", "/projects", {"title": title, "adopter_kind": "partner_unit",
                                            "adopter_name": "顺丰速运"}, 201)
        project = gov("POST", f"/projects/{project['id']}/duties", {"title": "驿站清洁", "volunteers_needed": 5,
                                                                    "weeks_ahead": 1, **timing}, 201)
        (slot,) = [s for s in project["duties"][0]["slots"]
                   if datetime.fromisoformat(s["starts_at"]).astimezone(LOCAL).date() == day]
        return slot

    slot, their_slot = slot_of("staff_a", "暖蜂驿站守护"), slot_of("staff_b", "东新驿站守护")
    signups = {key: Gov(platform, key)("POST", f"/slots/{slot['id']}/signups", {}, 201)
               for key in (amy, wang, quitter)}
    Gov(platform, quitter)("POST", f"/signups/{signups[quitter]['id']}/cancellation", {})
    Gov(platform, zhao)("POST", f"/slots/{their_slot['id']}/signups", {}, 201)

    starts = datetime.fromisoformat(slot["starts_at"])
    governance("staff_a", "run_sweep", iso(starts - timedelta(days=2)))
    assert outbox(platform, "duty_slot_due", slot["id"]) == []
    at = iso(starts - timedelta(hours=12))
    governance("staff_a", "run_sweep", at)
    governance("staff_a", "run_sweep", at)
    (due,) = outbox(platform, "duty_slot_due", slot["id"])
    assert wait_until(lambda: of_kind(platform, amy, "duty_tomorrow") and of_kind(platform, wang, "duty_tomorrow"))
    (english,) = of_kind(platform, amy, "duty_tomorrow")
    assert english["title"] == "Duty tomorrow" and english["link"] == "/web/duties"
    assert english["body"].startswith("You are on duty tomorrow: http")
    assert of_kind(platform, wang, "duty_tomorrow")[0]["title"] == "明天值班"

    # delivered again it adds nothing; dongxin's reminder, later, shows the repeat was handled
    publish(platform, due, service="governance", event="duty_slot_due", tenant_id="xiangyang")
    governance("staff_b", "run_sweep", at)
    assert wait_until(lambda: of_kind(platform, zhao, "duty_tomorrow"))
    assert len(of_kind(platform, amy, "duty_tomorrow")) == 1 and len(of_kind(platform, wang, "duty_tomorrow")) == 1
    assert inbox(platform, quitter) == [] and inbox(platform, stranger) == []
    assert inbox(platform, amy, tenant_id="dongxin") == [] and inbox(platform, zhao, tenant_id="xiangyang") == []
    assert [m["kind"] for m in inbox(platform, zhao)] == ["duty_tomorrow"]


def test_a_guest_on_a_shared_council_hears_of_its_session_and_vote_in_their_own_community(platform, person):
    hq_staff, hq_resident = person("huanqiu", "staff"), person("huanqiu")
    guest = person("xiangyang", locale="en")
    gov = Gov(platform, hq_staff)
    council = gov("POST", "/councils", {"name": "跨社区红茶议事会", "theme": "小哥友好社区",
                                        "shared_with": ["xiangyang"]}, 201)
    gov("POST", f"/councils/{council['id']}/members", {"members": [
        {"user_id": platform.people[hq_resident].user_id, "display_name": "孙阿姨", "stakeholder_group": "resident"},
        {"user_id": platform.people[guest].user_id, "display_name": "小周", "stakeholder_group": "courier",
         "home_tenant_id": "xiangyang"}]}, 201)
    starts = now() + timedelta(days=3)
    meeting = gov("POST", f"/councils/{council['id']}/sessions", {
        "title": "跨社区议事", "agenda": ["驿站共建"], "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "venue": "环球党群服务中心"}, 201)
    gov("POST", f"/sessions/{meeting['id']}/invitations", {})
    vote = open_vote(platform, hq_staff, hq_resident, council["id"], "驿站共建", now() + timedelta(days=3))

    assert wait_until(lambda: of_kind(platform, hq_resident, "council_session_invited")
                      and of_kind(platform, hq_resident, "vote_opened"))
    stranded = inbox(platform, guest, tenant_id="huanqiu")  # not in the owner's inbox
    told = wait_until(lambda: of_kind(platform, guest, "council_session_invited") and of_kind(
        platform, guest, "vote_opened"), timeout=10)
    assert told, (inbox(platform, guest), stranded)
    assert of_kind(platform, guest, "vote_opened")[0]["link"] == f"/web/votes/{vote['id']}"
    assert stranded == []
