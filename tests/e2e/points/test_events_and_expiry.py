"""Earning from other services' events (idempotent, capped, per tenant), the events the bank
publishes, and expiry with its notice, over the running platform."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.points.conftest import api, available, award, points_sql, send_event, user_id, wait_until

pytestmark = pytest.mark.e2e


def _rule(platform, staff, **body):
    http, url = api(platform, staff)
    response = http.post(url("/rules"), json={"name": "急救培训 / First aid", "category": "first_aid", **body})
    assert response.status_code == 201, response.text
    return response.json()


def _attended(platform, tenant_id, person_key, course_kind="first_aid", attendance_id=None, event_id=None):
    return send_event(platform, "training", "session_attended", tenant_id, {
        "attendance_id": attendance_id or str(uuid.uuid4()), "session_id": "s-1", "course_id": f"c-{course_kind}",
        "course_kind": course_kind, "user_id": user_id(platform, person_key),
        "attended_at": datetime.now(UTC).isoformat()}, event_id=event_id)


def test_attending_a_first_aid_session_earns_points_once_however_often_the_event_arrives(platform, person):
    course = f"first_aid_{uuid.uuid4().hex[:6]}"  # a course kind only this test's rule matches
    _rule(platform, "staff_a", event_type="training.session_attended", match={"course_kind": course}, points=20,
          daily_cap=30)
    resident = person("xiangyang")
    attendance = str(uuid.uuid4())
    event_id = _attended(platform, "xiangyang", resident, course, attendance_id=attendance)
    assert wait_until(lambda: available(platform, resident) == 20)
    _attended(platform, "xiangyang", resident, course, attendance_id=attendance, event_id=event_id)  # redelivered
    _attended(platform, "xiangyang", resident, course, attendance_id=attendance)  # re-sent with a new event id
    _attended(platform, "xiangyang", resident, course)  # a second session: capped at 30 a day → 10
    assert wait_until(lambda: available(platform, resident) == 30)
    _attended(platform, "xiangyang", resident, course)  # over the cap: nothing
    http, url = api(platform, resident)
    assert wait_until(lambda: len(http.get(url("/me/statement")).json()["items"]) == 2)
    statement = http.get(url("/me/statement")).json()["items"]
    assert sorted(e["amount"] for e in statement) == [10, 20] and {e["category"] for e in statement} == {"first_aid"}
    # the same event in another tenant follows that tenant's rules (none there)
    visitor = person("dongxin")
    _attended(platform, "dongxin", visitor, course)
    assert available(platform, resident) == 30
    assert available(platform, visitor) == 0


def test_duty_hours_earn_points_per_hour_in_the_tenant_where_the_duty_was_done(platform, person):
    project = f"p-{uuid.uuid4().hex[:6]}"
    _rule(platform, "staff_b", name="暖蜂驿站保洁 / Rest-stop cleaning", category="volunteer",
          event_type="governance.duty_completed", match={"project_id": project}, points_per_hour=10)
    resident = person("dongxin")
    send_event(platform, "governance", "duty_completed", "dongxin", {
        "duty_id": str(uuid.uuid4()), "project_id": project, "user_id": user_id(platform, resident), "hours": 2.5,
        "completed_at": datetime.now(UTC).isoformat()})
    assert wait_until(lambda: available(platform, resident) == 25)


def test_an_award_is_announced_through_the_outbox_without_personal_data(platform, person):
    resident = person("huanqiu")
    staff = person("huanqiu", "staff")
    posting = award(platform, staff, resident, 15)["posting"]
    [(envelope,)] = points_sql(platform, "SELECT envelope FROM outbox_events WHERE envelope->>'subject' = :id",
                               id=posting["id"])
    assert envelope["type"] == "cn.fengchao.points.points_awarded" and envelope["tenantid"] == "huanqiu"
    assert envelope["data"]["amount"] == 15 and envelope["data"]["user_id"] == user_id(platform, resident)
    assert platform.people[resident].phone not in str(envelope)
    # A relay of the points outbox alone publishes it (the suite's shared relay also serves services
    # this run may not have started).
    relay = platform.processes.start_relay("points")
    try:
        assert wait_until(lambda: points_sql(platform, "SELECT published_at FROM outbox_events "
                                                       "WHERE envelope->>'subject' = :id", id=posting["id"])[0][0])
    finally:
        platform.processes.stop(relay)


def test_points_expire_oldest_first_after_a_notice_and_a_pause_protects_them(platform, person):
    kept, lost = person("xiangyang"), person("xiangyang")
    for key in (kept, lost):
        award(platform, "staff_a", key, 40)
        award(platform, "staff_a", key, 25)
    staff, url = api(platform, "staff_a")
    paused = staff.post(url("/expiry-pauses"), json={
        "user_id": user_id(platform, kept), "starts_at": datetime.now(UTC).isoformat(),
        "ends_at": (datetime.now(UTC) + timedelta(days=300)).isoformat(), "reason": "产假 / Maternity"})
    assert paused.status_code == 201 and paused.json()["lots_extended"] == 2
    bad = staff.post(url("/expiry-pauses"), json={"user_id": user_id(platform, kept),
                                                  "starts_at": "2030-01-02T00:00:00Z",
                                                  "ends_at": "2030-01-01T00:00:00Z", "reason": "写错了"})
    assert bad.status_code == 422 and "ends_at" in bad.json()["errors"]

    # time passes: the first lot of each is a week from its date, then past it
    oldest = "SELECT l.id FROM lots l JOIN accounts a ON a.id = l.account_id WHERE a.owner_id = :u AND l.amount = 40"
    for key in (kept, lost):
        points_sql(platform, f"UPDATE lots SET expires_at = now() + interval '7 days' WHERE id IN ({oldest})",
                   u=user_id(platform, key))
    # (the service's own timer may run first; either way each step happens once)
    assert staff.post(url("/housekeeping-runs")).json()["people_expired"] == 0
    for key in (kept, lost):
        points_sql(platform, f"UPDATE lots SET expires_at = now() - interval '1 minute' WHERE id IN ({oldest})",
                   u=user_id(platform, key))
    assert staff.post(url("/housekeeping-runs")).status_code == 200
    assert available(platform, lost) == 25
    assert available(platform, kept) == 65  # paused: nothing of theirs expires meanwhile
    http, _ = api(platform, lost)
    assert http.get(url("/me/statement")).json()["items"][0]["kind"] == "expiry"
    [(expiring,)] = points_sql(platform, "SELECT count(*) FROM outbox_events WHERE event_type = 'points_expiring' "
                                         "AND envelope->'data'->>'user_id' = :u", u=user_id(platform, lost))
    assert expiring == 1
    figures = staff.get(url("/figures")).json()
    assert figures["expired"] >= 40
    assert staff.get(url("/ledger-check")).json()["ok"]
    assert api(platform, "staff_b")[0].get(url("/expiry-pauses"),
                                           params={"user_id": user_id(platform, kept)}).json()["items"] == []


def test_the_operator_sees_figures_of_every_tenant_and_no_one_else_does(platform, person):
    operator = person("xiangyang", "operator", name="街道管理员")
    award(platform, "staff_b", person("dongxin"), 5)
    http, url = api(platform, operator)
    found = http.get(url("/figures/all-tenants"))
    assert found.status_code == 200, found.text
    tenants = {row["tenant_id"]: row for row in found.json()["tenants"]}
    assert {"xiangyang", "dongxin"} <= set(tenants) and tenants["dongxin"]["issued"] >= 5
    assert api(platform, "staff_a")[0].get(url("/figures/all-tenants")).status_code == 403


def test_the_check_command_proves_the_whole_ledger_as_the_database_owner(platform):
    from services.points import check

    report = check.run(platform.infra.owner_url("points"))
    assert report["ok"], report["problems"]
    assert report["postings"] > 0
