"""Inbound partner events over HTTP: the hospital's first-aid drill roster awards points once, only to
members of the key's tenant, and bad rosters are 422 with field messages."""

import uuid

import pytest

from tests.e2e.partners.conftest import issue_key, key_session, new_phone, wait_until

pytestmark = pytest.mark.e2e

ROSTER = "cn.fengchao.partner.first_aid_drill_roster"


def roster(event_id, drill_id, attendees, points=10):
    return {"specversion": "1.0", "id": event_id, "source": "/hospital/first-aid", "type": ROSTER,
            "data": {"drill_id": drill_id, "title": "社区急救演练 / First-aid drill",
                     "held_at": "2026-11-28T09:30:00+08:00",
                     "points": points, "attendees": [{"user_id": a} for a in attendees]}}


def balance(platform, person_key):
    response = platform.session(person_key).get(platform.url("/api/v1/points/me"))
    assert response.status_code == 200, response.text
    return response.json()["available"]


def test_a_roster_sent_twice_awards_points_once_and_only_to_the_keys_tenant(platform):
    hospital = key_session(issue_key(platform, "xiangyang", "区中医院 急救演练名单 / hospital drill roster"))
    resident = platform.add_person("drill-x", phone=new_phone(), name="演练居民", tenant_id="xiangyang",
                                   roles=("resident",))
    outsider = platform.add_person("drill-d", phone=new_phone(), name="外社区居民", tenant_id="dongxin",
                                   roles=("resident",))
    drill, event_id = f"drill-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    body = roster(event_id, drill, [resident.user_id, outsider.user_id])

    first = hospital.post(platform.url("/api/v1/partners/inbound"), json=body)
    assert first.status_code == 200, first.text
    outcomes = {o["user_id"]: o["outcome"] for o in first.json()["result"]["outcomes"]}
    assert outcomes == {resident.user_id: "posted", outsider.user_id: "skipped"} and not first.json()["duplicate"]
    again = hospital.post(platform.url("/api/v1/partners/inbound"), json=body, headers={
        "Content-Type": "application/cloudevents+json"})
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["result"] == first.json()["result"]
    # a re-export of the same drill under a new event id pays nobody twice
    reexport = hospital.post(platform.url("/api/v1/partners/inbound"), json=roster(str(uuid.uuid4()), drill,
                                                                                    [resident.user_id]))
    assert reexport.status_code == 200 and not reexport.json()["duplicate"]
    assert balance(platform, "drill-x") == 10 and balance(platform, "drill-d") == 0
    statement = platform.session("staff_a").get(platform.url(f"/api/v1/points/accounts/{resident.user_id}/statement"))
    assert [(e["amount"], e["category"]) for e in statement.json()["items"]] == [(10, "first_aid")]

    # the same event id from another tenant's key is that tenant's own event
    other = key_session(issue_key(platform, "dongxin")).post(platform.url("/api/v1/partners/inbound"),
                                                             json=roster(event_id, drill, [outsider.user_id], 5))
    assert other.status_code == 200 and not other.json()["duplicate"]
    assert wait_until(lambda: balance(platform, "drill-d") == 5)


def test_bad_inbound_events_are_refused_with_reasons(platform):
    hospital = key_session(issue_key(platform, "xiangyang"))
    url = platform.url("/api/v1/partners/inbound")
    bad = hospital.post(url, json=roster(str(uuid.uuid4()), "d", [], points=0))
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"data.points", "data.attendees"}
    unknown = hospital.post(url, json={**roster(str(uuid.uuid4()), "d", ["u"]), "type": "cn.fengchao.partner.x"})
    assert unknown.status_code == 422 and "type" in unknown.json()["errors"]
    assert hospital.post(url, data=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
    foreign = hospital.post(url, json={**roster(str(uuid.uuid4()), "d", ["u"]), "tenantid": "dongxin"})
    assert foreign.status_code == 403
    # a signed-in person is not a partner system, even staff
    assert platform.session("staff_a").post(url, json=roster(str(uuid.uuid4()), "d", ["u"])).status_code == 403
    event_id = str(uuid.uuid4())
    assert hospital.post(url, json=roster(event_id, "d2", ["u"])).status_code == 200
    reused = hospital.post(url, json=roster(event_id, "d2", ["u"], points=99))
    assert reused.status_code == 409
