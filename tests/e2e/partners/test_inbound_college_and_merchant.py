"""Inbound partner events beyond the hospital's roster: a college's exam results land on its learners'
enrolments, and a caring merchant's till uploads the vouchers it accepted offline; each is turned into the
same service calls staff and merchants make, once, and only in the key's own tenant."""

import uuid

import pytest
from sqlalchemy.orm import sessionmaker

from gateway import identity
from services.common.database import make_engine
from tests.e2e.partners.conftest import issue_key, key_session, new_phone
from tests.e2e.points.conftest import api, available, award, person, user_id  # noqa: F401 (fixture)
from tests.e2e.training.conftest import COLLEGE, Api, training  # noqa: F401 (the college fixture)

pytestmark = pytest.mark.e2e

INBOUND = "/api/v1/partners/inbound"
EXAM_RESULTS = "cn.fengchao.partner.exam_results"
VOUCHER_BATCH = "cn.fengchao.partner.merchant_voucher_batch"


def event(kind, data, event_id=None, source="/partner/system"):
    return {"specversion": "1.0", "id": event_id or str(uuid.uuid4()), "source": source, "type": kind, "data": data}


def test_a_colleges_exam_results_land_on_the_enrolments_once_and_only_in_its_own_sessions(training):  # noqa: F811
    platform, college = training, Api(training)
    learners = [platform.add_person(f"exam-{uuid.uuid4().hex[:6]}", phone=new_phone(), name=name,
                                    tenant_id=tenant, roles=("resident",))
                for name, tenant in (("王师傅", "xiangyang"), ("李阿姨", "dongxin"))]
    stranger = platform.add_person(f"exam-{uuid.uuid4().hex[:6]}", phone=new_phone(), name="赵师傅",
                                   tenant_id="xiangyang", roles=("resident",))
    course = college.course(audience={"tenants": ["xiangyang", "dongxin"]}, kind="certificate",
                            title="电工上岗证 / Electrician certificate", category_id="elder_care", pass_mark=60,
                            certificate_name="电工证 / Electrician certificate", skill="电工",
                            certificate_valid_months=36, min_attendance_share=0.5)
    session = college.session(course, capacity=5)
    enrolments = {p.user_id: college.enrol(p.key, session) for p in learners}
    results = {"session_id": session["id"], "exam_id": "2026-EL-01", "results": [
        {"user_id": learners[0].user_id, "score": 88}, {"user_id": learners[1].user_id, "score": 54},
        {"user_id": stranger.user_id, "score": 99}]}
    college_key = key_session(issue_key(platform, COLLEGE, "学院教务系统 / college registry"))

    first = college_key.post(platform.url(INBOUND), json=event(EXAM_RESULTS, results))
    assert first.status_code == 200, first.text
    outcomes = {o["user_id"]: o for o in first.json()["result"]["outcomes"]}
    assert {u: o["outcome"] for u, o in outcomes.items()} == {
        learners[0].user_id: "scored", learners[1].user_id: "scored", stranger.user_id: "skipped"}
    for learner, score in zip(learners, (88, 54), strict=False):
        seen = college.call("college_staff", "GET", f"/enrolments/{enrolments[learner.user_id]['id']}", 200)
        assert seen["exam_score"] == score
    # re-sent under a new id with one score corrected: the correction lands, nothing else changes
    corrected = {**results, "results": [{"user_id": learners[1].user_id, "score": 61}]}
    again = college_key.post(platform.url(INBOUND), json=event(EXAM_RESULTS, corrected))
    assert again.status_code == 200 and again.json()["result"]["outcomes"][0]["score"] == 61
    assert college.call("college_staff", "GET", f"/enrolments/{enrolments[learners[0].user_id]['id']}",
                        200)["exam_score"] == 88
    # a community's key cannot score the college's session: the community sees the session, not its roster
    foreign = key_session(issue_key(platform, "xiangyang")).post(platform.url(INBOUND), json=event(EXAM_RESULTS, {
        **results, "results": [{"user_id": learners[0].user_id, "score": 10}]}))
    assert foreign.status_code == 403, foreign.text
    assert college.call("college_staff", "GET", f"/enrolments/{enrolments[learners[0].user_id]['id']}",
                        200)["exam_score"] == 88
    bad = college_key.post(platform.url(INBOUND), json=event(EXAM_RESULTS, {**results, "results": [
        {"user_id": learners[0].user_id, "score": 101}]}))
    assert bad.status_code == 422 and "data.results" in bad.json()["errors"]


def _till_key(platform, tenant_id):
    """An API key for a merchant's till; its id is what the merchant lists among its operators."""
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    with sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
        key, secret = identity.issue_api_key(session=session, tenant_id=tenant_id, name="爱心商户收银台 / till",
                                             roles=["partner"])
    engine.dispose()
    return key.id, key_session(secret)


def test_a_merchants_offline_vouchers_settle_once_and_only_at_that_merchant(platform, person):  # noqa: F811
    till_id, till = _till_key(platform, "xiangyang")
    staff, url = api(platform, "staff_a")
    merchant = staff.post(url("/merchants"), json={"name": f"爱心理发 {uuid.uuid4().hex[:4]}", "category": "理发",
                                                   "operator_user_ids": [till_id]})
    assert merchant.status_code == 201, merchant.text
    owner = person("xiangyang", "merchant", name="理发店老板")
    item = staff.patch(url(f"/merchants/{merchant.json()['id']}"), json={
        "operator_user_ids": [till_id, user_id(platform, owner)]})
    assert item.status_code == 200, item.text
    seller, _ = api(platform, owner)
    haircut = seller.post(url(f"/merchants/{merchant.json()['id']}/items"),
                          json={"name": "理发一次 / A haircut", "price_points": 30, "stock": 20})
    assert haircut.status_code == 201, haircut.text
    residents = [person("xiangyang"), person("xiangyang")]
    vouchers = []
    for resident in residents:
        award(platform, "staff_a", resident, 50)
        http, _ = api(platform, resident)
        created = http.post(url("/redemptions"), json={"item_id": haircut.json()["id"]})
        assert created.status_code == 201, created.text
        vouchers.append(created.json())
    cancelled = api(platform, residents[1])[0].post(url(f"/redemptions/{vouchers[1]['id']}/cancellation"))
    assert cancelled.status_code == 200, cancelled.text

    batch = {"batch_id": "till-1", "vouchers": [
        {"code": vouchers[0]["code"], "accepted_at": "2026-11-28T12:05:00+08:00"},
        {"code": vouchers[1]["code"], "accepted_at": "2026-11-28T12:09:00+08:00"},
        {"code": "ZZZZ-ZZZZ", "accepted_at": "2026-11-28T12:10:00+08:00"}]}
    first = till.post(platform.url(INBOUND), json=event(VOUCHER_BATCH, batch))
    assert first.status_code == 200, first.text
    assert [o["outcome"] for o in first.json()["result"]["outcomes"]] == ["confirmed", "refused", "refused"]
    # the till re-uploads the same batch under a new id: nothing settles twice
    again = till.post(platform.url(INBOUND), json=event(VOUCHER_BATCH, batch))
    assert [o["outcome"] for o in again.json()["result"]["outcomes"]] == ["already_confirmed", "refused", "refused"]
    assert available(platform, residents[0]) == 20 and available(platform, residents[1]) == 50
    statement = seller.get(url(f"/merchants/{merchant.json()['id']}/statement"))
    assert statement.status_code == 200, statement.text
    assert statement.json()["balance"] == 30
    # another community's till key is not an operator of this merchant: the voucher does not exist for it
    _other_id, other_till = _till_key(platform, "dongxin")
    foreign = other_till.post(platform.url(INBOUND), json=event(VOUCHER_BATCH, batch))
    assert [o["outcome"] for o in foreign.json()["result"]["outcomes"]] == ["refused"] * 3
