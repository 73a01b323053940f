"""The jobs service's triggers end to end, over real RabbitMQ and PostgreSQL with every service running:
the real operation (the gateway's HTTP API, or `jobs.run_reminders(now=)` as staff would call it) commits
its event, the relay publishes it, notifications fans it out. Each: the right people, in their own language
and community, once even when the event arrives twice, and nobody in the other community.

trigger → event → message:
- an employer moves an application → `jobs.application_status_changed` → `application_progressed`
- a placement's follow-up falls due (run_reminders) → `jobs.wage_follow_up_due` → `wage_follow_up`
- the rights desk opens / assigns / answers / concludes a case → `jobs.case_*` → `case_update` (no detail)
- a fair starts within a day (run_reminders) → `jobs.fair_due` → `fair_tomorrow`
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from gateway.rpc import RpcPool
from services.common.database import make_engine
from tests.e2e.notifications.conftest import context, inbox, publish, wait_until

pytestmark = pytest.mark.e2e

API = "/api/v1/jobs"


@pytest.fixture(scope="module")
def jobs(platform):
    """`jobs(key, method, *args)`: a jobs RPC as the gateway calls it for `key`."""
    pool = RpcPool(platform.infra.amqp_uri, size=1, timeout=30)
    yield lambda key, method, *args: pool.call("jobs", method, *args, context_data=context(platform, key))
    pool.close()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def of_kind(platform, key: str, kind: str, tenant_id: str | None = None) -> list[dict]:
    return [m for m in inbox(platform, key, tenant_id=tenant_id) if m["kind"] == kind]


def outbox(platform, event_type: str, subject: str) -> list[dict]:
    """The envelopes the jobs service committed for `subject` (read as the database's owner)."""
    engine = make_engine(platform.infra.owner_url("jobs"), pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT envelope FROM outbox_events WHERE event_type = :t ORDER BY seq"),
                                {"t": event_type}).scalars().all()
    finally:
        engine.dispose()
    return [e for e in rows if e["subject"] == subject]


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def open_post(platform, staff: str, **overrides) -> str:
    http = platform.session(staff)
    employer = ok(http.post(platform.url(f"{API}/employers"), json={"name": f"康桥物流{uuid.uuid4().hex[:4]}"}), 201)
    ok(http.post(platform.url(f"{API}/employers/{employer['id']}/decision"), json={"status": "verified"}))
    body = {"employer_id": employer["id"], "title": "快递分拣员", "job_type": "part_time", "pay_amount": 25,
            "pay_period": "hour", "headcount": 3, "visibility": {"scope": "all", "tenants": []}, **overrides}
    post = ok(http.post(platform.url(f"{API}/posts"), json=body), 201)
    ok(http.post(platform.url(f"{API}/posts/{post['id']}/open")))
    return post["id"]


def apply(platform, key: str, post_id: str) -> str:
    http = platform.session(key)
    ok(http.post(platform.url(f"{API}/workers"), json={"display_name": "测试", "phone": platform.people[key].phone}),
       201)
    return ok(http.post(platform.url(f"{API}/applications"), json={"post_id": post_id}), 201)["id"]


def move(platform, staff: str, application_id: str, *statuses: str) -> None:
    for status in statuses:
        body = {"status": status, **({"reason": "岗位已招满"} if status == "rejected" else {})}
        ok(platform.session(staff).post(platform.url(f"{API}/applications/{application_id}/transitions"), json=body))


def test_an_applicant_hears_of_each_step_once_in_their_language_and_their_own_community(platform, person):
    amy = person("xiangyang", locale="en")  # hired
    wang = person("xiangyang")  # rejected
    zhao = person("dongxin")  # a resident of dongxin applying to xiangyang's post
    bystander = person("dongxin")
    post_id = open_post(platform, "staff_a")
    applied = {key: apply(platform, key, post_id) for key in (amy, wang, zhao)}
    move(platform, "staff_a", applied[amy], "shortlisted", "interview", "offered", "hired")
    move(platform, "staff_a", applied[wang], "shortlisted", "rejected")
    move(platform, "staff_a", applied[zhao], "shortlisted")

    told = wait_until(lambda: len(of_kind(platform, amy, "application_progressed")) == 4
                      and len(of_kind(platform, wang, "application_progressed")) == 2
                      and of_kind(platform, zhao, "application_progressed"))
    assert told, (inbox(platform, amy), inbox(platform, wang), inbox(platform, zhao))
    for message in of_kind(platform, amy, "application_progressed"):
        assert message["title"] == "Job application update" and message["link"] == "/web/applications"
        assert message["body"].startswith("Your job application moved on: http")
        assert message["body"].endswith(f"/n/{message['short_code']}") and message["urgent"] is False
    assert {m["title"] for m in of_kind(platform, wang, "application_progressed")} == {"求职进展"}
    (theirs,) = of_kind(platform, zhao, "application_progressed")  # told in dongxin, where zhao reads
    assert theirs["title"] == "求职进展" and theirs["body"].startswith("您的求职申请有新进展：")
    assert inbox(platform, zhao, tenant_id="xiangyang") == []
    # merely applying tells nobody; the employer's staff and a bystander hear nothing
    assert inbox(platform, bystander) == [] and not of_kind(platform, "staff_a", "application_progressed")
    assert inbox(platform, amy, tenant_id="dongxin") == []

    # the hire delivered a second time (a relay that died before marking it sent) adds nothing
    hired = [e for e in outbox(platform, "application_status_changed", applied[amy])
             if e["data"]["to_status"] == "hired"]
    assert len(hired) == 1
    publish(platform, hired[0], service="jobs", event="application_status_changed", tenant_id="xiangyang")
    publish(platform, hired[0], service="jobs", event="application_status_changed", tenant_id="xiangyang")
    move(platform, "staff_a", applied[zhao], "interview")  # a later event: once it is in, the repeats were handled
    assert wait_until(lambda: len(of_kind(platform, zhao, "application_progressed")) == 2)
    assert len(of_kind(platform, amy, "application_progressed")) == 4


def test_a_wage_follow_up_falls_due_by_the_settable_clock_and_tells_each_worker_once_where_they_live(
        platform, person, jobs):
    amy = person("dongxin", locale="en")  # hired by xiangyang from dongxin
    wang = person("xiangyang")
    late = person("xiangyang")  # hired after the others
    bystander = person("xiangyang")  # applied, never hired
    post_id = open_post(platform, "staff_a", wage_follow_up_days=7)  # the real timer leaves it for a week
    applied = {key: apply(platform, key, post_id) for key in (amy, wang, late, bystander)}
    for key in (amy, wang):
        move(platform, "staff_a", applied[key], "shortlisted", "offered", "hired")
    placements = {p["application_id"]: p["id"] for p in ok(platform.session("staff_a").get(
        platform.url(f"{API}/placements"), params={"limit": 100}))["items"]}
    jobs("staff_a", "run_reminders")  # on the real clock nothing of ours is due
    assert outbox(platform, "wage_follow_up_due", placements[applied[amy]]) == []

    later = iso(datetime.now(UTC) + timedelta(days=8))
    assert jobs("staff_a", "run_reminders", later)["wage_follow_ups_due"] >= 2
    assert jobs("staff_a", "run_reminders", later)["wage_follow_ups_due"] == 0  # once per placement
    jobs("staff_b", "run_reminders", later)  # dongxin's own timer owns none of xiangyang's placements

    assert wait_until(lambda: of_kind(platform, amy, "wage_follow_up") and of_kind(platform, wang, "wage_follow_up"))
    (english,) = of_kind(platform, amy, "wage_follow_up")  # in dongxin, where amy lives
    assert english["title"] == "Were you paid?" and english["link"] == "/web/profile"
    assert english["body"] == f"Tell us if you were paid: {english['body'].split(': ', 1)[1]}"
    (chinese,) = of_kind(platform, wang, "wage_follow_up")
    assert chinese["title"] == "工资到账了吗？" and chinese["body"].startswith("请告诉我们工资是否到账：")
    assert inbox(platform, amy, tenant_id="xiangyang") == [] and inbox(platform, wang, tenant_id="dongxin") == []
    assert not of_kind(platform, bystander, "wage_follow_up") and not of_kind(platform, late, "wage_follow_up")
    assert not of_kind(platform, "staff_a", "wage_follow_up")

    # delivered again, it adds nothing; a later follow-up (the same queue) shows the repeat was handled
    (due,) = outbox(platform, "wage_follow_up_due", placements[applied[amy]])
    assert due["tenantid"] == "dongxin" and due["data"]["worker_user_id"] == platform.people[amy].user_id
    publish(platform, due, service="jobs", event="wage_follow_up_due", tenant_id="dongxin")
    move(platform, "staff_a", applied[late], "shortlisted", "offered", "hired")
    assert jobs("staff_a", "run_reminders", later)["wage_follow_ups_due"] >= 1
    assert wait_until(lambda: of_kind(platform, late, "wage_follow_up"))
    assert len(of_kind(platform, amy, "wage_follow_up")) == 1 and len(of_kind(platform, wang, "wage_follow_up")) == 1


CASES = f"{API}/rights-cases"


def test_every_step_of_a_rights_case_tells_only_its_person_that_there_is_a_message(platform, person):
    amy = person("xiangyang", locale="en")
    admin = person("xiangyang", "staff", "tenant_admin")
    lawyer = person("xiangyang", "staff")
    zhao = person("dongxin")  # a case of the other community
    admin_b = person("dongxin", "staff", "tenant_admin")
    ok(platform.session(admin).post(platform.url(f"{CASES}/desk-members"), json={
        "user_id": platform.people[lawyer].user_id, "desk_role": "community_lawyer", "title": "王律师"}))
    summary = "在物流园做了两周分拣工资至今未结"
    case = ok(platform.session(amy).post(platform.url(CASES), json={"category": "wage_arrears", "summary": summary}),
              201)
    url = platform.url(f"{CASES}/{case['id']}")
    assert wait_until(lambda: of_kind(platform, amy, "case_update"))  # opened
    ok(platform.session(admin).post(url + "/assignment", json={"assignee_user_id": platform.people[lawyer].user_id}))
    assert wait_until(lambda: len(of_kind(platform, amy, "case_update")) == 2)  # assigned
    ok(platform.session(lawyer).post(url + "/start"))
    ok(platform.session(lawyer).post(url + "/notes", json={"body": "企业法务态度强硬", "visible_to_person": False}),
       201)  # internal: not an answer
    ok(platform.session(lawyer).post(url + "/notes", json={"body": "已约企业周三调解"}), 201)
    assert wait_until(lambda: len(of_kind(platform, amy, "case_update")) == 3)  # answered
    ok(platform.session(lawyer).post(url + "/conclusion", json={"outcome": "resolved", "note": "工资已结清"}))
    assert wait_until(lambda: len(of_kind(platform, amy, "case_update")) == 4)  # concluded

    other = ok(platform.session(zhao).post(platform.url(CASES), json={"category": "legal_aid",
                                                                      "summary": "合同纠纷想咨询"}), 201)
    assert wait_until(lambda: of_kind(platform, zhao, "case_update"))
    ok(platform.session(admin_b).post(platform.url(f"{CASES}/{other['id']}/conclusion"), json={
        "outcome": "closed", "note": "重复登记"}))  # closed, not helped: no case_resolved, nothing more to tell

    messages = of_kind(platform, amy, "case_update")
    assert len(messages) == 4 and [m["kind"] for m in inbox(platform, amy)] == ["case_update"] * 4
    for message in messages:
        assert message["title"] == "You have a new message" and message["urgent"] is True
        assert message["body"] == f"You have a new message: {message['body'].split(': ', 1)[1]}"
        assert message["link"] == f"/web/rights/{case['id']}"
        for secret in (summary, "wage", "工资", "调解", "律师", "lawyer", "法务"):
            assert secret not in message["title"] + message["body"], secret
    (theirs,) = of_kind(platform, zhao, "case_update")
    assert theirs["title"] == "您有一条新消息" and theirs["link"] == f"/web/rights/{other['id']}"
    # the desk, the admins and the other community are never told about someone's case
    for key in (admin, lawyer, admin_b):
        assert not of_kind(platform, key, "case_update"), key
    assert inbox(platform, amy, tenant_id="dongxin") == [] and inbox(platform, zhao, tenant_id="xiangyang") == []
    assert outbox(platform, "case_resolved", other["id"]) == []  # closed, not helped: no event, no message
    assert len(outbox(platform, "case_resolved", case["id"])) == 1

    # the opening delivered again adds nothing; a later case opened shows the repeat was handled
    (opened,) = outbox(platform, "case_opened", case["id"])
    publish(platform, opened, service="jobs", event="case_opened", tenant_id="xiangyang")
    later = person("xiangyang")
    ok(platform.session(later).post(platform.url(CASES), json={"category": "legal_aid", "summary": "想咨询"}), 201)
    assert wait_until(lambda: of_kind(platform, later, "case_update"))
    assert len(of_kind(platform, amy, "case_update")) == 4


def new_fair(platform, staff: str, starts: datetime, **overrides) -> dict:
    http = platform.session(staff)
    fair = ok(http.post(platform.url(f"{API}/fairs"), json={
        "title": "家门口的招聘会", "kind": "on_site", "venue": "康桥新居民党群服务中心", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), **overrides}), 201)
    ok(http.post(platform.url(f"{API}/fairs/{fair['id']}/publish")))
    return fair


def register(platform, key: str, fair: dict) -> None:
    ok(platform.session(key).post(platform.url(f"{API}/fairs/{fair['id']}/registration")), 201)


def test_a_fairs_registrants_hear_the_day_before_once_and_nobody_else(platform, person, jobs):
    amy = person("xiangyang", locale="en")
    wang = person("xiangyang")
    quitter = person("xiangyang")  # registers, then cancels
    stranger = person("xiangyang")  # not registered
    zhao = person("dongxin")  # registered for dongxin's own fair
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)  # the real timer leaves it alone
    fair, theirs = new_fair(platform, "staff_a", starts), new_fair(platform, "staff_b", starts)
    for key in (amy, wang, quitter):
        register(platform, key, fair)
    ok(platform.session(quitter).delete(platform.url(f"{API}/fairs/{fair['id']}/registration")))
    register(platform, zhao, theirs)

    jobs("staff_a", "run_reminders", iso(starts - timedelta(days=2)))
    assert outbox(platform, "fair_due", fair["id"]) == []  # not yet: more than a day before
    jobs("staff_a", "run_reminders", iso(starts - timedelta(hours=12)))
    jobs("staff_a", "run_reminders", iso(starts - timedelta(hours=11)))
    (due,) = outbox(platform, "fair_due", fair["id"])  # once
    assert wait_until(lambda: of_kind(platform, amy, "fair_tomorrow") and of_kind(platform, wang, "fair_tomorrow"))
    (english,) = of_kind(platform, amy, "fair_tomorrow")
    assert english["title"] == "Job fair tomorrow" and english["link"] == f"/web/fairs/{fair['id']}"
    assert english["body"].startswith("The job fair is tomorrow: http")
    (chinese,) = of_kind(platform, wang, "fair_tomorrow")
    assert chinese["title"] == "明天招聘会" and chinese["body"].startswith("招聘会明天举行：")
    for key in (quitter, stranger):
        assert inbox(platform, key) == [], key
    assert outbox(platform, "fair_due", theirs["id"]) == []  # xiangyang's run is xiangyang's fairs only

    # delivered again it adds nothing; dongxin's reminder, later on the same queue, shows the repeat was handled
    publish(platform, due, service="jobs", event="fair_due", tenant_id="xiangyang")
    jobs("staff_b", "run_reminders", iso(starts - timedelta(hours=10)))
    assert wait_until(lambda: of_kind(platform, zhao, "fair_tomorrow"))
    assert of_kind(platform, zhao, "fair_tomorrow")[0]["link"] == f"/web/fairs/{theirs['id']}"
    assert len(of_kind(platform, amy, "fair_tomorrow")) == 1 and len(of_kind(platform, wang, "fair_tomorrow")) == 1
    assert inbox(platform, amy, tenant_id="dongxin") == [] and inbox(platform, zhao, tenant_id="xiangyang") == []


def test_a_resident_of_a_community_a_fair_is_shared_with_hears_in_their_own_community(platform, person, jobs):
    amy = person("xiangyang", locale="en")
    zhao = person("dongxin")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    fair = new_fair(platform, "staff_a", starts, audience_tenants=["dongxin"])
    for key in (amy, zhao):
        register(platform, key, fair)
    jobs("staff_a", "run_reminders", iso(starts - timedelta(hours=12)))
    assert wait_until(lambda: of_kind(platform, amy, "fair_tomorrow"))
    stranded = of_kind(platform, zhao, "fair_tomorrow", tenant_id="xiangyang")  # not in the organiser's inbox
    assert wait_until(lambda: of_kind(platform, zhao, "fair_tomorrow"), timeout=10), stranded
    assert stranded == []
