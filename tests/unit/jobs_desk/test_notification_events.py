"""Issue 18, the desk's side of notifications: case_assigned and case_answered are announced (with no
person and no text), fair_due is announced once the day before with the settable clock, and
`audience` answers case_person and fair_registrants for the caller's tenant only."""

from datetime import timedelta

import pytest

from services.common.context import CallContext
from services.common.database import announced
from services.common.errors import Forbidden, NotFound, ValidationFailed
from services.jobs import access, audience, fairs, rights_desk
from services.jobs.models import CaseAccess, JobFair
from tests.unit.jobs_desk.conftest import NOW, ctx
from tests.unit.jobs_desk.test_fairs import _create, _register

PERSON = ctx("xiangyang", "u-courier")
ADMIN = ctx("xiangyang", "u-admin", "tenant_admin")
LAWYER = ctx("xiangyang", "u-lawyer", "staff")
STAFF = ctx("xiangyang", "u-staff", "staff")
NEIGHBOUR = ctx("xiangyang", "u-neighbour")
STAFF_D = ctx("dongxin", "u-staff-d", "staff")
SERVICE = CallContext(tenant_id="xiangyang", roles=frozenset({"service"}))
SERVICE_D = CallContext(tenant_id="dongxin", roles=frozenset({"service"}))


def _run(db, context, fn, **kwargs):
    session = db(context.tenant_id)
    with session.begin():
        return fn(session=session, ctx=context, **kwargs)


def _announced(db, event):
    return [e for session in db._opened for e in announced(session, event)]


@pytest.fixture
def case(db):
    _run(db, ADMIN, rights_desk.set_desk_member, user_id=LAWYER.user_id, desk_role="community_lawyer",
         title="王律师")
    _run(db, ADMIN, rights_desk.set_desk_member, user_id="u-inspector", desk_role="labour_inspector",
         title="李监察")
    return _run(db, PERSON, rights_desk.open_case, person_user_id=PERSON.user_id, category="wage_arrears",
                summary="在物流园做了两周分拣，工资没结", source="self")


# --- case_assigned / case_answered ------------------------------------------------------------


def test_assigning_and_reassigning_a_case_announce_the_desk_role_never_who(db, case):
    _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id=LAWYER.user_id, now=NOW)
    _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id="u-inspector",
         now=NOW + timedelta(hours=1))
    assigned = _announced(db, "case_assigned")
    assert [(e["subject"], e["tenantid"], e["data"]) for e in assigned] == [
        (case.id, "xiangyang", {"case_id": case.id, "desk_role": "community_lawyer",
                                "assigned_at": NOW.isoformat()}),
        (case.id, "xiangyang", {"case_id": case.id, "desk_role": "labour_inspector",
                                "assigned_at": (NOW + timedelta(hours=1)).isoformat()}),
    ]
    assert "u-courier" not in str(assigned) and "u-lawyer" not in str(assigned)


def test_a_reply_the_person_sees_is_announced_without_its_text_internal_notes_and_the_persons_own_are_not(db, case):
    _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id=LAWYER.user_id, now=NOW)
    _run(db, LAWYER, rights_desk.add_note, case_id=case.id, body="内部：已联系用人单位", visible_to_person=False)
    _run(db, PERSON, rights_desk.add_note, case_id=case.id, body="补充：老板电话打不通", visible_to_person=False)
    assert _announced(db, "case_answered") == []
    entry = _run(db, LAWYER, rights_desk.add_note, case_id=case.id, body="您好，我们已受理，明天联系您",
                 visible_to_person=True)
    answered = _announced(db, "case_answered")
    assert [(e["subject"], e["data"]) for e in answered] == [
        (case.id, {"case_id": case.id, "answered_at": entry.at.isoformat()})]
    assert "明天" not in str(answered)
    _run(db, ADMIN, rights_desk.add_note, case_id=case.id, body="管理员：已督办", visible_to_person=True)
    assert len(_announced(db, "case_answered")) == 2  # an admin's reply to the person counts too


# --- fair_due, with the settable clock ---------------------------------------------------------


def test_fair_due_is_announced_once_the_day_before_and_not_before(db):
    fair = _create(db)  # published, starts at NOW
    session = db("xiangyang")
    with session.begin():
        assert fairs.announce_fairs_due(session=session, now=NOW - timedelta(days=1, minutes=1)) == []
    with session.begin():
        assert fairs.announce_fairs_due(session=session, now=NOW - timedelta(hours=23)) == [fair.id]
    with session.begin():
        assert fairs.announce_fairs_due(session=session, now=NOW - timedelta(hours=22)) == []
    due = _announced(db, "fair_due")
    assert [(e["subject"], e["tenantid"], e["data"]) for e in due] == [
        (fair.id, "xiangyang", {"fair_id": fair.id, "starts_at": NOW.isoformat()})]


def test_fair_due_is_announced_also_in_each_community_with_registrants_once(db):
    fair = _create(db, audience_tenants=["dongxin", "huanqiu"])
    _register(db, PERSON, fair.id)
    _register(db, ctx("dongxin", "u-d1"), fair.id)
    _register(db, ctx("dongxin", "u-d2"), fair.id)
    _register(db, ctx("huanqiu", "u-h1"), fair.id)
    session = db("xiangyang")  # a registration lives in the fair's tenant
    with session.begin():
        fairs.cancel_registration(session=session, ctx=ctx("huanqiu", "u-h1"), fair_id=fair.id,
                                  now=NOW - timedelta(days=2))
    with session.begin():
        assert fairs.announce_fairs_due(session=session, now=NOW - timedelta(hours=23)) == [fair.id]
    with session.begin():
        assert fairs.announce_fairs_due(session=session, now=NOW - timedelta(hours=22)) == []
    due = _announced(db, "fair_due")
    data = {"fair_id": fair.id, "starts_at": NOW.isoformat()}
    # the organiser's copy, then one for dongxin (two registrants, one copy); huanqiu's only one cancelled
    assert [(e["subject"], e["tenantid"], e["data"]) for e in due] == [
        (fair.id, "xiangyang", data), (fair.id, "dongxin", data)]
    assert len({e["id"] for e in due}) == 2


def test_drafts_cancelled_fairs_and_fairs_already_started_are_not_announced_and_other_tenants_are_left_alone(db):
    _create(db, publish=False)
    cancelled = _create(db)
    _run(db, ctx("xiangyang", "u-staff-x", "staff"), fairs.cancel_fair, fair_id=cancelled.id, reason="暴雨")
    theirs = _create(db, organiser=STAFF_D)
    session = db("xiangyang")
    with session.begin():
        assert fairs.announce_fairs_due(session=session, now=NOW - timedelta(hours=1)) == []
        assert fairs.announce_fairs_due(session=session, now=NOW + timedelta(minutes=1)) == []
    with db.all() as everyone:
        assert fairs.tenants_with_fairs_due(session=everyone, now=NOW - timedelta(hours=1)) == {"dongxin"}
    with db("dongxin").begin() as tx:
        assert fairs.announce_fairs_due(session=tx.session, now=NOW - timedelta(hours=1)) == [theirs.id]


def test_a_fair_moved_after_its_reminder_is_announced_again_before_its_new_start(db):
    fair = _create(db)
    with db("xiangyang").begin() as tx:
        fairs.announce_fairs_due(session=tx.session, now=NOW - timedelta(hours=2))
    later = NOW + timedelta(days=3)
    _run(db, ctx("xiangyang", "u-staff-x", "staff"), fairs.update_fair, fair_id=fair.id,
         changes={"starts_at": later, "ends_at": later + timedelta(hours=4)})
    with db("xiangyang").begin() as tx:
        assert tx.session.get(JobFair, fair.id).reminder_sent_at is None
        assert fairs.announce_fairs_due(session=tx.session, now=NOW) == []
        assert fairs.announce_fairs_due(session=tx.session, now=later - timedelta(hours=5)) == [fair.id]


# --- audience ----------------------------------------------------------------------------------


def test_only_staff_tenant_admins_and_services_may_ask_for_an_audience():
    assert access.require_staff_or_service(SERVICE) is None
    assert access.require_staff_or_service(STAFF) == "u-staff"
    assert access.require_staff_or_service(ADMIN) == "u-admin"
    for refused in (PERSON, ctx("xiangyang", "u-hr", "employer"), CallContext(tenant_id="xiangyang")):
        with pytest.raises(Forbidden):
            access.require_staff_or_service(refused)


def test_an_unknown_group_is_refused_on_the_group_field_with_a_message_code(db):
    with pytest.raises(ValidationFailed) as caught:
        _run(db, SERVICE, audience.members, group="class_roster", ref="x")
    assert list(caught.value.fields) == ["group"]
    assert caught.value.extra["field_codes"]["group"][0]["code"] == "jobs.unknown_audience_group"


def test_case_person_is_the_person_only_for_services_and_admins_and_each_answer_is_logged(db, case):
    _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id=LAWYER.user_id, now=NOW)
    found = _run(db, SERVICE, audience.members, group="case_person", ref=case.id)
    assert found == {"group": "case_person", "ref": case.id, "user_ids": ["u-courier"]}  # not the handler
    assert _run(db, ADMIN, audience.members, group="case_person", ref=case.id)["user_ids"] == ["u-courier"]
    for refused in (STAFF, LAWYER, NEIGHBOUR):  # plain staff may not read a case: it does not exist for them
        with pytest.raises(NotFound):
            _run(db, refused, audience.members, group="case_person", ref=case.id)
    with pytest.raises(NotFound):  # another tenant's service
        _run(db, SERVICE_D, audience.members, group="case_person", ref=case.id)
    with pytest.raises(NotFound):
        _run(db, SERVICE, audience.members, group="case_person", ref="no-such-case")
    with db("xiangyang").begin() as tx:
        logged = [(a.actor_user_id, a.capacity, a.action) for a in tx.session.query(CaseAccess)
                  .filter(CaseAccess.action == "recipient_looked_up").order_by(CaseAccess.seq)]
    assert logged == [("service", "service", "recipient_looked_up"),
                      ("u-admin", "tenant_admin", "recipient_looked_up")]


def test_an_anonymous_hotline_case_has_nobody_to_tell(db, case):
    hotline = _run(db, LAWYER, rights_desk.open_case, person_user_id=None, category="legal_aid",
                   summary="匿名来电咨询", source="hotline", contact_phone="13900000009")
    assert _run(db, SERVICE, audience.members, group="case_person", ref=hotline.id)["user_ids"] == []


def test_fair_registrants_are_the_pre_registered_people_and_a_sharing_tenant_hears_of_its_own_only(db):
    fair = _create(db, audience_tenants=["dongxin"])
    _register(db, PERSON, fair.id)
    _register(db, ctx("xiangyang", "u-neighbour"), fair.id)
    _register(db, ctx("dongxin", "u-d1"), fair.id)
    _register(db, ctx("dongxin", "u-d2"), fair.id)
    _run(db, ctx("xiangyang", "u-neighbour"), fairs.cancel_registration, fair_id=fair.id, now=NOW - timedelta(hours=5))
    _run(db, ctx("xiangyang", "u-staff-x", "staff"), fairs.record_walk_in, fair_id=fair.id,
         resident_tenant_id="xiangyang", now=NOW)
    # a service (notifications, for each tenant's copy of fair_due) hears of the tenant's own residents only
    assert _run(db, SERVICE, audience.members, group="fair_registrants", ref=fair.id) == {
        "group": "fair_registrants", "ref": fair.id, "user_ids": ["u-courier"]}
    assert _run(db, SERVICE_D, audience.members, group="fair_registrants", ref=fair.id)["user_ids"] == [
        "u-d1", "u-d2"]
    # the organiser's staff see every registrant; a sharing tenant's staff, their own
    assert _run(db, STAFF, audience.members, group="fair_registrants", ref=fair.id)["user_ids"] == [
        "u-courier", "u-d1", "u-d2"]
    assert _run(db, STAFF_D, audience.members, group="fair_registrants", ref=fair.id)["user_ids"] == ["u-d1", "u-d2"]
    not_shared = _create(db, organiser=STAFF_D)
    with pytest.raises(NotFound):
        _run(db, SERVICE, audience.members, group="fair_registrants", ref=not_shared.id)
    draft = _create(db, publish=False, audience_tenants=["dongxin"])
    with pytest.raises(NotFound):
        _run(db, SERVICE_D, audience.members, group="fair_registrants", ref=draft.id)
