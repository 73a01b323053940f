"""Issue 18 over real RabbitMQ and PostgreSQL: `jobs.audience` answered to another service (the role
`service`, no user) for its tenant's own people only, and `jobs.run_reminders(now=)` announcing fair_due
once per community with registrants."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from gateway.rpc import RpcClient
from services.common.database import make_engine
from services.common.errors import Forbidden, NotFound, ValidationFailed
from tests.e2e.jobs_desk.conftest import iso

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rpc(platform):
    client = RpcClient(platform.infra.amqp_uri)
    yield lambda method, *args, **context: client.call("jobs", method, args, {}, context, timeout=20)
    client.close()


def _service(tenant_id):
    return {"tenant_id": tenant_id, "roles": "service"}


def _outbox(platform, event_type, subject):
    engine = make_engine(platform.infra.owner_url("jobs"), pool_size=1)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT tenant_id, envelope FROM outbox_events WHERE event_type = :t"),
                            {"t": event_type}).all()
    engine.dispose()
    return [(tenant, envelope["data"]) for tenant, envelope in rows if envelope["subject"] == subject]


def test_case_person_is_told_to_a_service_of_the_cases_tenant_only(platform, desk_people, rpc):
    opened = platform.session("courier_a").post(platform.url("/api/v1/jobs/rights-cases"), json={
        "category": "wage_arrears", "summary": "在物流园做了两周分拣，工资至今未结"})
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    found = rpc("audience", "case_person", case_id, **_service("xiangyang"))
    assert found == {"group": "case_person", "ref": case_id, "user_ids": [platform.people["courier_a"].user_id]}
    with pytest.raises(NotFound):
        rpc("audience", "case_person", case_id, **_service("dongxin"))
    staff_a = platform.people["staff_a"]
    with pytest.raises(NotFound):  # plain staff may not read a confidential case
        rpc("audience", "case_person", case_id, tenant_id="xiangyang", user_id=staff_a.user_id, roles="staff")
    courier = platform.people["courier_a"]
    with pytest.raises(Forbidden):
        rpc("audience", "case_person", case_id, tenant_id="xiangyang", user_id=courier.user_id, roles="resident")
    with pytest.raises(ValidationFailed) as caught:
        rpc("audience", "class_roster", case_id, **_service("xiangyang"))
    assert list(caught.value.fields) == ["group"]


def test_fair_registrants_per_tenant_and_fair_due_once_through_run_reminders(platform, desk_people, rpc):
    staff = platform.session("staff_a")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)  # the real timer leaves it alone
    created = staff.post(platform.url("/api/v1/jobs/fairs"), json={
        "title": "家门口的招聘会", "kind": "on_site", "venue": "康桥新居民党群服务中心",
        "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=4)), "audience_tenants": ["dongxin"]})
    assert created.status_code == 201, created.text
    fair_id = created.json()["id"]
    assert staff.post(platform.url(f"/api/v1/jobs/fairs/{fair_id}/publish")).status_code == 200
    for who in ("courier_a", "courier_b"):
        registered = platform.session(who).post(platform.url(f"/api/v1/jobs/fairs/{fair_id}/registration"))
        assert registered.status_code in (200, 201), registered.text
    people = platform.people
    both = sorted([people["courier_a"].user_id, people["courier_b"].user_id])
    # a service (notifications, for each community's copy of fair_due) hears of the tenant's own residents
    # only, also in the organiser's tenant; the organiser's staff see every registrant
    assert rpc("audience", "fair_registrants", fair_id, **_service("xiangyang"))["user_ids"] == [
        people["courier_a"].user_id]
    assert rpc("audience", "fair_registrants", fair_id, **_service("dongxin"))["user_ids"] == [
        people["courier_b"].user_id]
    staff_only = {"tenant_id": "xiangyang", "user_id": people["staff_a"].user_id, "roles": "staff"}
    assert rpc("audience", "fair_registrants", fair_id, **staff_only)["user_ids"] == both
    with pytest.raises(NotFound):  # not shared with huanqiu
        rpc("audience", "fair_registrants", fair_id, **_service("huanqiu"))

    admin = {"tenant_id": "xiangyang", "user_id": desk_people["admin_x"].user_id, "roles": "staff,tenant_admin"}
    courier = {"tenant_id": "xiangyang", "user_id": people["courier_a"].user_id, "roles": "resident"}
    with pytest.raises(Forbidden):
        rpc("run_reminders", iso(starts - timedelta(hours=12)), **courier)
    early = rpc("run_reminders", iso(starts - timedelta(days=2)), **admin)
    assert early["now"] == iso(starts - timedelta(days=2))
    assert _outbox(platform, "fair_due", fair_id) == []
    assert rpc("run_reminders", iso(starts - timedelta(hours=12)), **admin)["fairs_due"] >= 1
    assert rpc("run_reminders", iso(starts - timedelta(hours=11)), **staff_only)["fairs_due"] == 0
    # once in the organiser's tenant and once in dongxin, where a registrant lives
    data = {"fair_id": fair_id, "starts_at": iso(starts)}
    assert sorted(_outbox(platform, "fair_due", fair_id)) == [("dongxin", data), ("xiangyang", data)]
    assert rpc("run_reminders", **staff_only)["fairs_due"] == 0  # staff run it on the real clock


def test_a_hire_across_tenants_gets_one_wage_follow_up_due_in_the_workers_community(platform, desk_people, rpc):
    staff = platform.session("staff_a")  # xiangyang hires a resident of dongxin
    employer = staff.post(platform.url("/api/v1/jobs/employers"), json={"name": "康桥物流"})
    assert employer.status_code == 201, employer.text
    employer_id = employer.json()["id"]
    assert staff.post(platform.url(f"/api/v1/jobs/employers/{employer_id}/decision"),
                      json={"status": "verified"}).status_code == 200
    post = staff.post(platform.url("/api/v1/jobs/posts"), json={
        "employer_id": employer_id, "title": "快递分拣员", "job_type": "part_time", "pay_amount": 25,
        "pay_period": "hour", "headcount": 1, "wage_follow_up_days": 0,
        "visibility": {"scope": "all", "tenants": []}})
    assert post.status_code == 201, post.text
    post_id = post.json()["id"]
    assert staff.post(platform.url(f"/api/v1/jobs/posts/{post_id}/open")).status_code == 200
    worker = platform.session("crowd_5")
    profile = worker.post(platform.url("/api/v1/jobs/workers"), json={
        "display_name": "居民5", "phone": platform.people["crowd_5"].phone})
    assert profile.status_code in (201, 409), profile.text
    applied = worker.post(platform.url("/api/v1/jobs/applications"), json={"post_id": post_id})
    assert applied.status_code == 201, applied.text
    application_id = applied.json()["id"]
    assert rpc("audience", "post_applicants", post_id, **_service("xiangyang"))["user_ids"] == [
        platform.people["crowd_5"].user_id]
    assert rpc("audience", "post_applicants", post_id, **_service("huanqiu"))["user_ids"] == []
    for status in ("shortlisted", "offered", "hired"):
        moved = staff.post(platform.url(f"/api/v1/jobs/applications/{application_id}/transitions"),
                           json={"status": status})
        assert moved.status_code == 200, moved.text
    changed = [data for _tenant, data in _outbox(platform, "application_status_changed", application_id)]
    assert {d["applicant_user_id"] for d in changed} == {platform.people["crowd_5"].user_id}
    placement = [p for p in worker.get(platform.url("/api/v1/jobs/placements")).json()["items"]
                 if p["post_id"] == post_id][0]

    admin = {"tenant_id": "xiangyang", "user_id": desk_people["admin_x"].user_id, "roles": "staff,tenant_admin"}
    later = iso(datetime.now(UTC) + timedelta(minutes=1))
    rpc("run_reminders", later, **admin)  # the minute timer may have been first: either way, once
    rpc("run_reminders", later, **admin)
    due = _outbox(platform, "wage_follow_up_due", placement["id"])
    assert [(tenant, data["worker_user_id"], data["worker_tenant_id"]) for tenant, data in due] == [
        ("dongxin", platform.people["crowd_5"].user_id, "dongxin")]
