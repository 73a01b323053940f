"""The labour-rights desk over HTTP: confidentiality across people, roles and tenants,
the access log the person reads, and the lifecycle with its events."""

import time

import pytest
import sqlalchemy as sa

from services.common.database import make_engine

pytestmark = pytest.mark.e2e

CASES = "/api/v1/jobs/rights-cases"


def _events(platform, event_type, case_id):
    engine = make_engine(platform.infra.owner_url("jobs"), pool_size=1)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT envelope FROM outbox_events WHERE event_type = :t"),
                            {"t": event_type}).scalars().all()
    engine.dispose()
    return [e for e in rows if e["subject"] == case_id]


@pytest.fixture(scope="module")
def desk(platform, desk_people):
    admin = platform.session("admin_x")
    added = admin.post(platform.url(f"{CASES}/desk-members"), json={
        "user_id": desk_people["lawyer_x"].user_id, "desk_role": "community_lawyer", "title": "王律师"})
    assert added.status_code == 200, added.text
    return desk_people


def _open(platform, who="courier_a", **overrides):
    body = {"category": "wage_arrears", "summary": "在物流园做了两周分拣，工资至今未结"}
    body.update(overrides)
    opened = platform.session(who).post(platform.url(CASES), json=body)
    assert opened.status_code == 201, opened.text
    return opened.json()


def test_only_the_person_the_assignee_and_admins_read_a_case_and_the_person_sees_every_read(platform, desk):
    case = _open(platform)
    url = platform.url(f"{CASES}/{case['id']}")
    assert case["tenant_id"] == "xiangyang" and case["suggested_desk_role"] == "labour_inspector"

    for outsider in ("staff_a", "courier_a2", "lawyer_x", "staff_b", "admin_d", "courier_b"):
        response = platform.session(outsider).get(url)
        assert response.status_code == 404, outsider
        assert response.json()["code"] == "not_found"
    assert case["id"] not in {c["id"] for c in platform.session("staff_a").get(platform.url(CASES)).json()["items"]}

    assigned = platform.session("admin_x").post(url + "/assignment",
                                                json={"assignee_user_id": desk["lawyer_x"].user_id})
    assert assigned.status_code == 200 and assigned.json()["status"] == "assigned"
    assert platform.session("lawyer_x").get(url).json()["summary"] == case["summary"]
    assert platform.session("courier_a").get(url).status_code == 200
    # still invisible to everybody else, other tenants' admins included
    assert platform.session("staff_a").get(url).status_code == 404
    assert platform.session("admin_d").get(url).status_code == 404

    def read_log() -> list[tuple[str, str, str]]:
        log = platform.session("courier_a").get(url + "/access-log")
        assert log.status_code == 200
        return [(e["actor_user_id"], e["capacity"], e["action"]) for e in log.json()["items"]]

    # The notifications service asks the desk who the case's person is, once for each event (opened,
    # assigned), to tell them there is a message: the person sees those look-ups too, made by the platform.
    deadline = time.monotonic() + 20
    while len([e for e in read_log() if e[1] == "service"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    logged = read_log()
    assert [e for e in logged if e[1] == "service"] == [("service", "service", "recipient_looked_up")] * 2
    entries = [e for e in logged if e[1] != "service"]
    people = desk
    assert entries == [
        (people["courier_a"].user_id, "person", "opened"),
        (people["admin_x"].user_id, "tenant_admin", "assigned"),
        (people["lawyer_x"].user_id, "assignee", "viewed"),
        (people["courier_a"].user_id, "person", "viewed"),
    ]
    assert platform.session("lawyer_x").get(url + "/access-log").status_code == 403
    assert platform.session("staff_a").get(url + "/access-log").status_code == 404


def test_a_case_runs_from_open_to_resolved_with_internal_notes_hidden_from_the_person(platform, desk):
    case = _open(platform, who="courier_a2", category="contract_dispute", summary="劳动合同被单方解除")
    url = platform.url(f"{CASES}/{case['id']}")
    lawyer, admin, person = (platform.session(k) for k in ("lawyer_x", "admin_x", "courier_a2"))
    early = lawyer.post(url + "/start")
    assert early.status_code == 404  # not theirs yet
    assert admin.post(url + "/assignment", json={"assignee_user_id": desk["lawyer_x"].user_id}).status_code == 200
    assert lawyer.post(url + "/start").json()["status"] == "in_progress"
    shared = lawyer.post(url + "/notes", json={"body": "已约企业周三调解"})
    internal = lawyer.post(url + "/notes", json={"body": "企业法务态度强硬", "visible_to_person": False})
    assert shared.status_code == internal.status_code == 201
    timeline = [e["body"] for e in person.get(url).json()["entries"]]
    assert "已约企业周三调解" in timeline and "企业法务态度强硬" not in timeline
    assert "企业法务态度强硬" in [e["body"] for e in admin.get(url).json()["entries"]]

    refused = person.post(url + "/conclusion", json={"outcome": "resolved", "note": "好了"})
    assert refused.status_code == 403
    referred = lawyer.post(url + "/conclusion", json={"outcome": "referred", "note": "调解未成，转仲裁",
                                                      "referred_to": "区劳动人事争议仲裁院"})
    assert referred.status_code == 200 and referred.json()["status"] == "referred"
    again = lawyer.post(url + "/conclusion", json={"outcome": "resolved", "note": "再结一次"})
    assert again.status_code == 409 and again.json()["state"] == "referred"

    opened, = _events(platform, "case_opened", case["id"])
    resolved, = _events(platform, "case_resolved", case["id"])
    assert opened["tenantid"] == resolved["tenantid"] == "xiangyang"
    assert resolved["data"]["outcome"] == "referred" and resolved["data"]["desk_role"] == "community_lawyer"
    # confidential: no person, no story in the events
    for envelope in (opened, resolved):
        assert desk["courier_a2"].user_id not in str(envelope) and "劳动合同" not in str(envelope)


def test_staff_record_a_hotline_call_for_an_anonymous_caller_that_only_admins_then_see(platform, desk):
    case = _open(platform, who="staff_b", category="psychological_support", source="hotline", person_user_id=None,
                 contact_phone="13300009999", summary="夜间来电，情绪低落")
    url = platform.url(f"{CASES}/{case['id']}")
    assert case["tenant_id"] == "dongxin" and case["suggested_desk_role"] == "social_worker"
    assert platform.session("staff_b").get(url).status_code == 404  # recorded it, may not read it back
    assert platform.session("admin_d").get(url).json()["contact_phone"] == "13300009999"
    assert platform.session("admin_x").get(url).status_code == 404


def test_residents_cannot_open_cases_for_others_and_bad_input_names_the_field(platform, desk):
    for_someone = platform.session("courier_b").post(platform.url(CASES), json={
        "category": "legal_aid", "summary": "帮邻居问", "source": "staff",
        "person_user_id": desk["courier_a"].user_id})
    assert for_someone.status_code == 403
    bad = platform.session("courier_b").post(platform.url(CASES), json={"category": "astrology", "summary": ""})
    assert bad.status_code == 422 and {"category", "summary"} <= set(bad.json()["errors"])
    not_on_desk = platform.session("admin_x").post(platform.url(f"{CASES}/{_open(platform)['id']}/assignment"),
                                                   json={"assignee_user_id": desk["staff_a"].user_id})
    assert not_on_desk.status_code == 422 and "assignee_user_id" in not_on_desk.json()["errors"]


def test_the_desk_roster_is_public_to_the_community_and_kept_by_admins(platform, desk):
    roster = platform.session("courier_a").get(platform.url(f"{CASES}/desk-members")).json()["items"]
    # (other tests may have put more people on xiangyang's desk: the shared platform)
    assert ("王律师", "community_lawyer") in [(m["title"], m["desk_role"]) for m in roster]
    theirs = platform.session("courier_b").get(platform.url(f"{CASES}/desk-members")).json()["items"]
    assert not {m["user_id"] for m in roster} & {m["user_id"] for m in theirs}
    assert platform.session("staff_a").post(platform.url(f"{CASES}/desk-members"), json={
        "user_id": desk["staff_a"].user_id, "desk_role": "talent_officer", "title": "张主任"}).status_code == 403
