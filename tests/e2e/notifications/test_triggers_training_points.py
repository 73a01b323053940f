"""What training and the moral bank do that people are told about, end to end: each trigger is the owning
service's real operation (over the gateway's API where it has a route, else its RPC as the gateway would call
it), its event goes through the outbox relay and RabbitMQ, and the notifications service writes the message
into the right people's inboxes, in their language (one reads English), once, and in their own community
only. Two communities throughout; nobody else is told."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.common.database import make_engine
from services.notifications.render import render
from tests.e2e.notifications.conftest import _POOL, call, context, inbox, publish, wait_until
from tests.e2e.training.conftest import iso

pytestmark = pytest.mark.e2e

COURIER_CERTIFICATE = {
    "kind": "certificate", "title": "快递员职业技能培训 / Courier skills training", "category_id": "logistics",
    "target_groups": ["courier"], "pass_mark": 60, "certificate_name": "快递员证 / Courier certificate",
    "skill": "快递", "certificate_valid_months": 36, "min_attendance_share": 0.5,
}


# --- helpers --------------------------------------------------------------------------------------------------


def rpc(platform, key: str, service: str, method: str, *args, **kwargs):
    """`<service>.<method>(*args)` as `key` would call it through the gateway (its own RPC pool)."""
    call(platform, key, "ping")  # makes the suite's pool for this broker
    return _POOL[platform.infra.amqp_uri].call(service, method, *args, context_data=context(platform, key),
                                               **kwargs)


def kinds(platform, key: str, kind: str, tenant_id: str | None = None) -> list[dict]:
    return [m for m in inbox(platform, key, tenant_id=tenant_id) if m["kind"] == kind]


def told(platform, key: str, kind: str, count: int = 1, tenant_id: str | None = None) -> list[dict]:
    """Waits until `key` has `count` messages of `kind`; returns them."""
    return wait_until(lambda: (found := kinds(platform, key, kind, tenant_id)) and len(found) >= count and found) \
        or kinds(platform, key, kind, tenant_id)


def link_of(message: dict) -> str:
    code = message["short_code"]
    assert f"/n/{code}" in message["body"]
    return message["body"][message["body"].index("http"):]


def outbox(platform, service: str, event: str) -> list[dict]:
    engine = make_engine(platform.infra.owner_url(service), pool_size=1)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text("SELECT envelope FROM outbox_events WHERE event_type = :t ORDER BY seq"),
                                     {"t": event}).scalars())
    finally:
        engine.dispose()


def republish(platform, service: str, envelope: dict) -> None:
    """The same envelope delivered again (a relay that died between publishing and marking it)."""
    publish(platform, envelope, service=service, event=envelope["type"].split(".")[-1],
            tenant_id=envelope["tenantid"])


def nothing_for(platform, *keys: str, kind: str) -> None:
    """None of `keys` has a message of `kind`, in their own community or any other."""
    for key in keys:
        for tenant_id in ("xiangyang", "dongxin"):
            assert kinds(platform, key, kind, tenant_id=tenant_id) == [], (key, tenant_id, kind)


def future_session(api, course: dict, starts_in: timedelta, capacity: int = 5) -> dict:
    start = datetime.now(UTC) + starts_in
    return api.session(course, capacity=capacity, meetings=[
        {"starts_at": iso(start), "ends_at": iso(start + timedelta(hours=1)), "topic": "第一课"}])


# --- training -------------------------------------------------------------------------------------------------


def test_promoted_off_a_waiting_list_the_person_is_told_at_once_in_their_language(platform, api, person):
    first = person("xiangyang")
    amy = person("xiangyang", locale="en")
    zhao = person("dongxin")
    session = api.session(api.course(audience={"everyone": True}), capacity=1)
    mine = api.enrol(first, session)
    assert api.enrol(amy, session)["status"] == "waitlisted"
    assert api.enrol(zhao, session)["status"] == "waitlisted"

    api.call(first, "POST", f"/enrolments/{mine['id']}/cancel", 200, json={"reason": "要加班"})
    (message,) = told(platform, amy, "waitlist_promoted")
    assert message["urgent"] is True and message["title"] == "You have a place"
    assert message["body"] == f"A place opened, you are in: {link_of(message)}"
    assert message["link"] == f"/web/courses/{session['course_id']}"
    # the next in line (another community) is still waiting: nobody else is told
    nothing_for(platform, first, zhao, kind="waitlist_promoted")
    assert kinds(platform, amy, "waitlist_promoted", tenant_id="dongxin") == []


def test_a_childs_place_off_the_waiting_list_is_told_to_the_guardian(platform, api, person):
    first, guardian, zhao = person("xiangyang"), person("xiangyang", locale="en"), person("dongxin")
    camp = api.course("staff_a", kind="children_camp", title="杭小蜂夏令营 / Little Bee summer camp",
                      category_id=None, min_age=6, max_age=12, target_groups=["courier"])
    session = api.session(camp, who="staff_a", capacity=1)
    places = [api.call(key, "POST", f"/sessions/{session['id']}/enrolments", 201,
                       json={"groups": ["courier"], "child": {"name": name, "age": 8}})
              for key, name in ((first, "王小蜂"), (guardian, "Little Bee"))]
    assert [p["status"] for p in places] == ["enrolled", "waitlisted"] and places[1]["user_id"] is None

    api.call(first, "POST", f"/enrolments/{places[0]['id']}/cancel", 200, json={"reason": "生病"})
    (message,) = told(platform, guardian, "waitlist_promoted")  # the child has no account: the guardian is told
    assert message["urgent"] is True and message["body"] == f"A place opened, you are in: {link_of(message)}"
    assert message["link"] == f"/web/courses/{camp['id']}"
    nothing_for(platform, first, zhao, kind="waitlist_promoted")


def test_class_tomorrow_reaches_the_roster_of_each_community_once(platform, api, person):
    amy, wang = person("xiangyang", locale="en"), person("xiangyang")
    zhao, waiting, outsider = person("dongxin"), person("dongxin"), person("xiangyang")
    course = api.course(audience={"everyone": True})
    session = future_session(api, course, timedelta(hours=30), capacity=3)
    later = future_session(api, course, timedelta(hours=36))  # amy's second class, reminded later
    for key in (amy, wang, zhao):
        assert api.enrol(key, session)["status"] == "enrolled"
    assert api.enrol(waiting, session)["status"] == "waitlisted"
    api.enrol(amy, later)
    starts = datetime.fromisoformat(session["meetings"][0]["starts_at"])

    reminded = rpc(platform, "college_staff", "training", "remind_classes", iso(starts - timedelta(hours=20)))
    assert reminded["reminded"] >= 1
    (english,) = told(platform, amy, "class_tomorrow")
    assert (english["title"], english["body"]) == ("Class tomorrow", f"Your class is tomorrow: {link_of(english)}")
    assert english["link"] == f"/web/courses/{session['course_id']}"
    (theirs,) = told(platform, zhao, "class_tomorrow")  # dongxin's copy of the event, dongxin's roster
    (chinese_one,) = told(platform, wang, "class_tomorrow")
    assert (chinese_one["title"], chinese_one["body"]) == render("class_tomorrow", "zh-CN", {}, link_of(chinese_one))
    assert theirs["body"] == render("class_tomorrow", "zh-CN", {}, link_of(theirs))[1]

    # the same events delivered again tell nobody twice; amy's later class, reminded after them, once
    envelopes = [e for e in outbox(platform, "training", "class_due") if e["data"]["session_id"] == session["id"]]
    assert {"dongxin", "xiangyang"} <= {e["tenantid"] for e in envelopes}  # one copy per roster's community
    for envelope in envelopes:
        republish(platform, "training", envelope)
    assert rpc(platform, "college_staff", "training", "remind_classes",
               iso(starts - timedelta(hours=12)))["reminded"] >= 1
    told(platform, amy, "class_tomorrow", count=2)
    assert len(kinds(platform, amy, "class_tomorrow")) == 2
    assert len(kinds(platform, wang, "class_tomorrow")) == 1
    assert len(kinds(platform, zhao, "class_tomorrow")) == 1
    nothing_for(platform, waiting, outsider, kind="class_tomorrow")
    assert kinds(platform, amy, "class_tomorrow", tenant_id="dongxin") == []
    assert kinds(platform, zhao, "class_tomorrow", tenant_id="xiangyang") == []


def test_a_class_moved_and_then_cancelled_tells_its_roster_each_time(platform, api, person):
    amy, zhao = person("xiangyang", locale="en"), person("dongxin")
    other_class, outsider = person("xiangyang"), person("dongxin")
    course = api.course(audience={"everyone": True})
    session = future_session(api, course, timedelta(days=3))
    elsewhere = future_session(api, course, timedelta(days=4))
    for key in (amy, zhao):
        api.enrol(key, session)
    api.enrol(other_class, elsewhere)
    meeting = session["meetings"][0]
    later = datetime.fromisoformat(meeting["starts_at"]) + timedelta(days=1)

    moved = rpc(platform, "college_staff", "training", "reschedule_meeting", meeting["id"],
                {"starts_at": iso(later), "venue": "康桥街道党群服务中心 5楼"})
    assert datetime.fromisoformat(moved["starts_at"]) == later
    (english,) = told(platform, amy, "class_moved")
    assert (english["title"], english["body"]) == ("Class moved", f"Your class has moved: {link_of(english)}")
    (theirs,) = told(platform, zhao, "class_moved")
    assert (theirs["title"], theirs["body"]) == render("class_moved", "zh-CN", {}, link_of(theirs))

    rpc(platform, "college_staff", "training", "cancel_meeting", meeting["id"], {"reason": "weather"})
    (cancelled,) = told(platform, amy, "class_cancelled")
    assert (cancelled["title"], cancelled["body"]) == ("Class cancelled",
                                                       f"Your class is cancelled: {link_of(cancelled)}")
    assert cancelled["link"] == f"/web/courses/{course['id']}"
    (theirs,) = told(platform, zhao, "class_cancelled")
    assert (theirs["title"], theirs["body"]) == render("class_cancelled", "zh-CN", {}, link_of(theirs))
    for kind in ("class_moved", "class_cancelled"):
        nothing_for(platform, other_class, outsider, kind=kind)
        assert len(kinds(platform, amy, kind)) == 1 and kinds(platform, amy, kind, tenant_id="dongxin") == []


def test_a_certificate_issued_tells_its_holder_only(platform, api, person):
    amy, failed, zhao = person("xiangyang", locale="en"), person("xiangyang"), person("dongxin")
    course = api.course(audience={"tenants": ["xiangyang", "dongxin"]}, **COURIER_CERTIFICATE)
    session = api.session(course, capacity=5)
    first_meeting = session["meetings"][0]
    enrolled = {key: api.enrol(key, session, groups=["courier"]) for key in (amy, failed, zhao)}
    api.call("college_staff", "POST", f"/meetings/{first_meeting['id']}/attendance", 201,
             json={"present": [e["id"] for e in enrolled.values()]})
    for key, score in ((amy, 90), (failed, 30), (zhao, 75)):
        api.call("college_staff", "PUT", f"/enrolments/{enrolled[key]['id']}/exam-score", 200, json={"score": score})
    closed = api.call("college_staff", "POST", f"/sessions/{session['id']}/close", 200)
    assert closed["certificates_issued"] == 2

    [certificate] = api.call(amy, "GET", "/certificates", 200)["items"]
    (english,) = told(platform, amy, "certificate_issued")
    assert (english["title"], english["body"]) == ("Certificate issued",
                                                   f"Your certificate is ready: {link_of(english)}")
    assert english["link"] == f"/web/certificates/{certificate['id']}"
    (theirs,) = told(platform, zhao, "certificate_issued")
    [zhao_certificate] = api.call(zhao, "GET", "/certificates", 200)["items"]
    assert theirs["link"] == f"/web/certificates/{zhao_certificate['id']}"
    assert theirs["body"] == render("certificate_issued", "zh-CN", {}, link_of(theirs))[1]
    nothing_for(platform, failed, kind="certificate_issued")
    assert kinds(platform, amy, "certificate_issued", tenant_id="dongxin") == []
    assert kinds(platform, zhao, "certificate_issued", tenant_id="xiangyang") == []


# --- points ---------------------------------------------------------------------------------------------------


def points_api(platform, key: str):
    return platform.session(key), (lambda path: platform.url("/api/v1/points" + path))


def award(platform, staff_key: str, to_key: str, amount: int, expect: int = 201) -> dict:
    http, url = points_api(platform, staff_key)
    response = http.post(url("/awards"), json={"user_id": platform.people[to_key].user_id, "amount": amount,
                                               "category": "volunteer", "reason": "志愿服务 / Volunteering"},
                         timeout=30)
    assert response.status_code == expect, response.text
    return response.json()


def points_sql(platform, statement: str, **params):
    engine = make_engine(platform.infra.owner_url("points"), pool_size=1)
    try:
        with engine.begin() as connection:
            result = connection.execute(sa.text(statement), params)
            return result.all() if result.returns_rows else result.rowcount
    finally:
        engine.dispose()


def test_points_awarded_tells_the_person_in_their_language_once(platform, person):
    amy, wang, zhao = person("xiangyang", locale="en"), person("xiangyang"), person("dongxin")
    award(platform, "staff_a", amy, 12)
    award(platform, "staff_b", zhao, 8)
    (english,) = told(platform, amy, "points_awarded")
    assert (english["title"], english["body"]) == ("Points received", f"You received 12 points: {link_of(english)}")
    (theirs,) = told(platform, zhao, "points_awarded")
    assert (theirs["title"], theirs["body"]) == render("points_awarded", "zh-CN", {"amount": 8}, link_of(theirs))

    [envelope] = [e for e in outbox(platform, "points", "points_awarded")
                  if e["data"]["user_id"] == platform.people[amy].user_id]
    republish(platform, "points", envelope)
    award(platform, "staff_a", amy, 3)  # a later event: once it is in, the duplicate was handled before it
    told(platform, amy, "points_awarded", count=2)
    assert sorted(m["body"].split(":")[0] for m in kinds(platform, amy, "points_awarded")) == [
        "You received 12 points", "You received 3 points"]
    nothing_for(platform, wang, kind="points_awarded")
    assert kinds(platform, amy, "points_awarded", tenant_id="dongxin") == []


def test_points_expiring_in_30_days_are_announced_to_their_holder(platform, person):
    amy, wang, zhao = person("xiangyang", locale="en"), person("xiangyang"), person("dongxin")
    for key, staff in ((amy, "staff_a"), (wang, "staff_a"), (zhao, "staff_b")):
        award(platform, staff, key, 30)
    told(platform, amy, "points_awarded")
    # amy's and zhao's points were earned long ago: they expire 31 days from now (wang's in two years)
    for key in (amy, zhao):
        assert points_sql(platform, "UPDATE lots SET expires_at = now() + interval '31 days' WHERE account_id IN "
                                    "(SELECT id FROM accounts WHERE owner_id = :u)",
                          u=platform.people[key].user_id) == 1
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    ran = rpc(platform, "staff_a", "points", "run_housekeeping", tomorrow)
    assert ran["notices_sent"] >= 1, ran
    (english,) = told(platform, amy, "points_expiring")
    assert (english["title"], english["body"]) == ("Points expiring", f"30 points expire soon: {link_of(english)}")
    assert english["link"] == "/web/points"
    nothing_for(platform, wang, zhao, kind="points_expiring")  # dongxin's housekeeping has not run

    rpc(platform, "staff_b", "points", "run_housekeeping", tomorrow)
    (theirs,) = told(platform, zhao, "points_expiring")
    assert (theirs["title"], theirs["body"]) == render("points_expiring", "zh-CN", {"amount": 30}, link_of(theirs))
    # each lot is told once: a second run adds nothing
    rpc(platform, "staff_a", "points", "run_housekeeping", tomorrow)
    award(platform, "staff_a", amy, 1)
    told(platform, amy, "points_awarded", count=2)
    assert len(kinds(platform, amy, "points_expiring")) == 1
    assert kinds(platform, amy, "points_expiring", tenant_id="dongxin") == []


@pytest.fixture
def shop(platform, person):
    """A shaomai shop in xiangyang with one item, run by its own merchant account."""
    operator = person("xiangyang", "merchant")
    staff, url = points_api(platform, "staff_a")
    merchant = staff.post(url("/merchants"), json={"name": f"老王烧卖 {uuid.uuid4().hex[:4]}", "category": "餐饮",
                                                   "address": "向阳路12号",
                                                   "operator_user_ids": [platform.people[operator].user_id]})
    assert merchant.status_code == 201, merchant.text
    seller, _ = points_api(platform, operator)
    item = seller.post(url(f"/merchants/{merchant.json()['id']}/items"),
                       json={"name": "烧卖一笼 / Shaomai", "price_points": 20, "stock": 50, "limit_per_person": 30})
    assert item.status_code == 201, item.text
    return item.json()


def test_a_voucher_expiring_in_10_minutes_is_an_urgent_reminder_to_its_holder(platform, person, shop):
    amy, wang, zhao = person("xiangyang", locale="en"), person("xiangyang"), person("dongxin")
    for key in (amy, wang):
        award(platform, "staff_a", key, 100)
    award(platform, "staff_b", zhao, 100)
    http, url = points_api(platform, amy)
    created = http.post(url("/redemptions"), json={"item_id": shop["id"], "quantity": 1})
    assert created.status_code == 201, created.text
    voucher = created.json()
    expires = datetime.fromisoformat(voucher["expires_at"])

    early = rpc(platform, "staff_a", "points", "run_housekeeping", (expires - timedelta(minutes=15)).isoformat())
    assert early["vouchers_reminded"] == 0, early
    ran = rpc(platform, "staff_a", "points", "run_housekeeping", (expires - timedelta(minutes=9)).isoformat())
    assert ran["vouchers_reminded"] == 1, ran
    (english,) = told(platform, amy, "voucher_expiring")
    assert english["urgent"] is True
    assert (english["title"], english["body"]) == ("Voucher expiring", f"Your voucher expires soon: {link_of(english)}")
    assert english["link"] == f"/web/vouchers/{voucher['id']}"
    # claimed once: another run at the same moment reminds nobody again
    again = rpc(platform, "staff_a", "points", "run_housekeeping", (expires - timedelta(minutes=8)).isoformat())
    assert again["vouchers_reminded"] == 0
    award(platform, "staff_a", amy, 1)
    told(platform, amy, "points_awarded", count=2)
    assert len(kinds(platform, amy, "voucher_expiring")) == 1
    nothing_for(platform, wang, zhao, kind="voucher_expiring")


def test_an_award_waiting_for_approval_tells_the_other_staff_and_the_team_robot(platform, person):
    """The team robot's URL can only name a vendor's fixed host (wecombot://, dingtalk://, feishu://), so it
    cannot point at a local receiver here: the test asserts the robot's delivery row, one per event."""
    admin = person("xiangyang", "staff", "tenant_admin")
    checker = person("xiangyang", "staff", locale="en")
    resident, other_staff = person("xiangyang"), person("dongxin", "staff")
    robot_url = f"wecombot://{uuid.uuid4().hex}"
    robots = platform.session(admin)
    set_robot = robots.put(platform.url("/api/v1/notifications/team-robot"), json={"url": robot_url}, timeout=30)
    assert set_robot.status_code == 200, set_robot.text
    assert set_robot.json()["configured"] is True and robot_url not in set_robot.text

    def robot_rows(staff_key: str) -> list[dict]:
        return [d for d in call(platform, staff_key, "deliveries", {"channel": "robot", "limit": 100})["items"]
                if d["kind"] == "award_awaiting_approval"]

    try:
        requested = award(platform, "staff_a", resident, 350, expect=202)
        assert requested["outcome"] != "posted" and requested["request"]["id"]
        # the team's robot: one delivery for the event (no person's inbox), seen by staff without its address
        (robot,) = wait_until(lambda: robot_rows("staff_a"))
        assert "address" not in robot
    finally:  # no test posts to the vendor's real host for longer than it must
        robots.put(platform.url("/api/v1/notifications/team-robot"), json={"url": ""}, timeout=30)
    (english,) = told(platform, checker, "award_awaiting_approval")
    assert (english["title"], english["body"]) == ("An award waits for approval",
                                                   f"An award waits for approval: {link_of(english)}")
    assert english["link"] == "/web/staff/awards"
    (chinese_one,) = told(platform, admin, "award_awaiting_approval")
    assert (chinese_one["title"], chinese_one["body"]) == render("award_awaiting_approval", "zh-CN",
                                                                 {"amount": 350}, link_of(chinese_one))

    # the same event again adds no message and no second robot post
    [envelope] = [e for e in outbox(platform, "points", "award_requested")
                  if e["data"]["request_id"] == requested["request"]["id"]]
    republish(platform, "points", envelope)
    award(platform, "staff_a", resident, 400, expect=202)  # a later request: once in, the duplicate was handled
    told(platform, checker, "award_awaiting_approval", count=2)
    assert len(kinds(platform, checker, "award_awaiting_approval")) == 2  # one per request, not per delivery
    assert [d["id"] for d in robot_rows("staff_a")] == [robot["id"]]  # the robot was removed before the second
    # the staff member who asked is not asked to approve their own award; residents and dongxin hear nothing
    nothing_for(platform, "staff_a", resident, other_staff, "staff_b", kind="award_awaiting_approval")
    assert robot_rows("staff_b") == []
