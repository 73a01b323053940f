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
