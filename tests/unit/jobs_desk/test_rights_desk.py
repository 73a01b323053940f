"""The labour-rights desk: confidential cases, their lifecycle and the access log."""

from datetime import timedelta

import pytest

from services.common.database import announced
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.jobs import rights_desk
from services.jobs.models import CaseAccess
from tests.unit.jobs_desk.conftest import NOW, ctx

PERSON = ctx("xiangyang", "u-courier")
ADMIN = ctx("xiangyang", "u-admin", "tenant_admin")
LAWYER = ctx("xiangyang", "u-lawyer", "staff")
OTHER_STAFF = ctx("xiangyang", "u-staff", "staff")
NEIGHBOUR = ctx("xiangyang", "u-neighbour")
OTHER_TENANT_ADMIN = ctx("dongxin", "u-admin-d", "tenant_admin")

def _members(error):
    """The problem members an error carries besides its message code and parameters."""
    return {k: v for k, v in error.extra.items() if k not in ("message_code", "message_params")}



def _run(db, context, fn, **kwargs):
    session = db(context.tenant_id)
    with session.begin():
        return fn(session=session, ctx=context, **kwargs)


@pytest.fixture
def desk(db):
    _run(db, ADMIN, rights_desk.set_desk_member, user_id=LAWYER.user_id, desk_role="community_lawyer",
         title="王律师")
    _run(db, ADMIN, rights_desk.set_desk_member, user_id="u-inspector", desk_role="labour_inspector",
         title="李监察")


def _open(db, person=PERSON, **overrides):
    fields = {"person_user_id": person.user_id, "category": "wage_arrears",
              "summary": "在物流园做了两周分拣，工资没结", "source": "self"}
    fields.update(overrides)
    return _run(db, person, rights_desk.open_case, **fields)


def _announced(db, event):
    return [e for session in db._opened for e in announced(session, event)]


def test_a_case_announces_what_help_is_needed_and_when_it_was_given_never_who(db, desk):
    case = _open(db)
    opened = _announced(db, "case_opened")
    assert [(e["subject"], e["data"]["category"], e["data"]["source"]) for e in opened] == [
        (case.id, "wage_arrears", "self")]
    assert "person_user_id" not in opened[0]["data"] and "summary" not in opened[0]["data"]
    _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id=LAWYER.user_id, now=NOW)
    _run(db, LAWYER, rights_desk.conclude_case, case_id=case.id, outcome="resolved", note="paid", referred_to=None,
         now=NOW + timedelta(days=1))
    resolved = _announced(db, "case_resolved")
    assert [(e["subject"], e["data"]["outcome"], e["data"]["desk_role"]) for e in resolved] == [
        (case.id, "resolved", "community_lawyer")]


def _readable(db, context, case_id):
    try:
        _run(db, context, rights_desk.read_case, case_id=case_id)
        return True
    except NotFound:
        return False


def test_a_wage_arrears_case_is_suggested_to_a_labour_inspector(db):
    case = _open(db)
    assert case.status == "open" and case.suggested_desk_role == "labour_inspector"
    assert case.tenant_id == "xiangyang" and case.opened_by == PERSON.user_id


def test_only_the_person_the_assignee_and_tenant_admins_can_read_a_case(db, desk):
    case = _open(db)
    assert _readable(db, PERSON, case.id) and _readable(db, ADMIN, case.id)
    assert not _readable(db, LAWYER, case.id)  # on the desk, but not (yet) the assignee
    assert not _readable(db, OTHER_STAFF, case.id) and not _readable(db, NEIGHBOUR, case.id)
    assert not _readable(db, OTHER_TENANT_ADMIN, case.id)
    _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id=LAWYER.user_id, now=NOW)
    assert _readable(db, LAWYER, case.id)


def test_every_read_is_in_the_access_log_the_person_can_list(db, desk):
    case = _open(db)
    _run(db, ADMIN, rights_desk.read_case, case_id=case.id)
    _run(db, ADMIN, rights_desk.list_cases, status=None, category=None, limit=10, after=None)
    _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id=LAWYER.user_id, now=NOW)
    _run(db, LAWYER, rights_desk.read_case, case_id=case.id)
    with pytest.raises(NotFound):
        _run(db, OTHER_STAFF, rights_desk.read_case, case_id=case.id)
    log = _run(db, PERSON, rights_desk.access_log, case_id=case.id).items
    assert [(e.actor_user_id, e.capacity, e.action) for e in log] == [
        (PERSON.user_id, "person", "opened"),
        (ADMIN.user_id, "tenant_admin", "viewed"),
        (ADMIN.user_id, "tenant_admin", "listed"),
        (ADMIN.user_id, "tenant_admin", "assigned"),
        (LAWYER.user_id, "assignee", "viewed"),
    ]
    # a refused attempt reads nothing, so it is not a read; reading the log is not one either
    assert len(_run(db, PERSON, rights_desk.access_log, case_id=case.id).items) == 5
    first = _run(db, PERSON, rights_desk.access_log, case_id=case.id, limit=2)
    rest = _run(db, PERSON, rights_desk.access_log, case_id=case.id, limit=10, after=first.next_cursor)
    assert [e.action for e in first.items + rest.items] == [e.action for e in log] and rest.next_cursor is None
    with pytest.raises(Forbidden):
        _run(db, LAWYER, rights_desk.access_log, case_id=case.id)


def test_the_full_lifecycle_from_open_to_resolved_with_a_timeline(db, desk):
    case = _open(db)
    _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id="u-inspector", now=NOW)
    inspector = ctx("xiangyang", "u-inspector", "staff")
    assert _run(db, inspector, rights_desk.start_case, case_id=case.id).status == "in_progress"
    _run(db, inspector, rights_desk.add_note, case_id=case.id, body="已联系企业人事", visible_to_person=True)
    _run(db, inspector, rights_desk.add_note, case_id=case.id, body="企业此前有欠薪记录", visible_to_person=False)
    _run(db, PERSON, rights_desk.add_note, case_id=case.id, body="补充：有考勤截图", visible_to_person=False)
    done = _run(db, inspector, rights_desk.conclude_case, case_id=case.id, outcome="resolved",
                note="企业已结清工资", referred_to=None, now=NOW + timedelta(days=7))
    assert done.status == "resolved" and done.concluded_at == NOW + timedelta(days=7)
    _, person_view = _run(db, PERSON, rights_desk.read_case, case_id=case.id)
    _, admin_view = _run(db, ADMIN, rights_desk.read_case, case_id=case.id)
    assert "企业此前有欠薪记录" not in [e.body for e in person_view]  # internal note
    assert "补充：有考勤截图" in [e.body for e in person_view]  # the person's own note is always theirs
    assert [e.kind for e in admin_view] == ["status", "assignment", "status", "note", "note", "note", "status"]
    with pytest.raises(Conflict) as after:
        _run(db, inspector, rights_desk.add_note, case_id=case.id, body="再补一句", visible_to_person=True)
    assert _members(after.value) == {"state": "resolved"}
    assert after.value.message_code == "jobs.case_concluded" and after.value.message_params == {"state": "resolved"}


def test_impossible_transitions_answer_with_the_current_state(db, desk):
    case = _open(db)
    with pytest.raises(Conflict) as not_assigned:
        _run(db, ADMIN, rights_desk.conclude_case, case_id=case.id, outcome="resolved", note="x", referred_to=None,
             now=NOW)
    assert _members(not_assigned.value) == {"state": "open"}
    with pytest.raises(Conflict) as not_started:
        _run(db, ADMIN, rights_desk.start_case, case_id=case.id)
    assert _members(not_started.value) == {"state": "open"}
    _run(db, PERSON, rights_desk.conclude_case, case_id=case.id, outcome="closed", note="已自行解决", referred_to=None,
         now=NOW)
    with pytest.raises(Conflict) as closed:
        _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id=LAWYER.user_id, now=NOW)
    assert _members(closed.value) == {"state": "closed"}


def test_only_admins_assign_and_only_to_someone_on_the_desk(db, desk):
    case = _open(db)
    with pytest.raises(Forbidden):
        _run(db, PERSON, rights_desk.assign_case, case_id=case.id, assignee_user_id=LAWYER.user_id, now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id=OTHER_STAFF.user_id, now=NOW)
    assert "assignee_user_id" in caught.value.fields
    _run(db, ADMIN, rights_desk.set_desk_member, user_id=LAWYER.user_id, desk_role="community_lawyer",
         title="王律师", active=False)
    with pytest.raises(ValidationFailed):
        _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id=LAWYER.user_id, now=NOW)


def test_the_person_may_withdraw_but_not_resolve_and_a_referral_says_where(db, desk):
    case = _open(db, category="contract_dispute")
    assert case.suggested_desk_role == "community_lawyer"
    _run(db, ADMIN, rights_desk.assign_case, case_id=case.id, assignee_user_id=LAWYER.user_id, now=NOW)
    with pytest.raises(Forbidden):
        _run(db, PERSON, rights_desk.conclude_case, case_id=case.id, outcome="resolved", note="好了",
             referred_to=None, now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        _run(db, LAWYER, rights_desk.conclude_case, case_id=case.id, outcome="referred", note="需仲裁",
             referred_to=None, now=NOW)
    assert "referred_to" in caught.value.fields
    referred = _run(db, LAWYER, rights_desk.conclude_case, case_id=case.id, outcome="referred", note="需仲裁",
                    referred_to="区劳动人事争议仲裁院", now=NOW)
    assert referred.status == "referred" and referred.referred_to == "区劳动人事争议仲裁院"


def test_residents_open_cases_only_for_themselves_and_staff_for_others_or_anonymous_callers(db, desk):
    with pytest.raises(Forbidden):
        _open(db, person=NEIGHBOUR, person_user_id=PERSON.user_id)
    with pytest.raises(Forbidden):
        _open(db, person=NEIGHBOUR, person_user_id=PERSON.user_id, source="staff")
    on_behalf = _open(db, person=OTHER_STAFF, person_user_id=PERSON.user_id, source="staff",
                      category="psychological_support")
    assert on_behalf.suggested_desk_role == "social_worker" and on_behalf.opened_by == OTHER_STAFF.user_id
    assert not _readable(db, OTHER_STAFF, on_behalf.id)  # opening it gives no right to read it later
    assert _readable(db, PERSON, on_behalf.id)
    hotline = _open(db, person=LAWYER, person_user_id=None, source="hotline", category="legal_aid",
                    contact_phone="13300001111")
    assert hotline.person_user_id is None and _readable(db, ADMIN, hotline.id)


def test_a_placement_follow_up_opens_a_case_for_the_worker(db):
    case = _run(db, PERSON, rights_desk.open_case, person_user_id=PERSON.user_id, category="wage_arrears",
                summary="工资未按时发放", source="placement_follow_up", source_ref="placement-1")
    assert case.source_ref == "placement-1" and case.status == "open"


def test_bad_categories_and_sources_name_the_field(db):
    with pytest.raises(ValidationFailed) as caught:
        _open(db, category="astrology", source="pigeon")
    assert {"category", "source"} <= set(caught.value.fields)


def test_people_list_only_their_own_cases_and_each_listing_is_logged(db, desk):
    mine = _open(db)
    theirs = _open(db, person=NEIGHBOUR)
    listed = _run(db, PERSON, rights_desk.list_cases, status=None, category=None, limit=10, after=None).items
    assert [c.id for c in listed] == [mine.id]
    assert _run(db, OTHER_STAFF, rights_desk.list_cases, status=None, category=None, limit=10, after=None).items == []
    everything = _run(db, ADMIN, rights_desk.list_cases, status=None, category=None, limit=10, after=None).items
    assert {c.id for c in everything} == {mine.id, theirs.id}
    with db("xiangyang").begin() as tx:
        listed_rows = tx.session.query(CaseAccess).filter_by(action="listed").count()
    assert listed_rows == 3


def test_listing_pages_through_cases_without_repeats(db, desk):
    ids = {_open(db).id for _ in range(5)}
    seen, after = [], None
    while True:
        page = _run(db, ADMIN, rights_desk.list_cases, status=None, category=None, limit=2, after=after)
        seen += [c.id for c in page.items]
        after = page.next_cursor
        if after is None:
            break
    assert sorted(seen) == sorted(ids)


def _listed(answer):
    page, waiting = answer
    return page.items, waiting


def test_a_residents_case_notifies_the_staff_side_once_and_without_personal_details(db, desk):
    followed_up = _open(db, source="placement_follow_up", source_ref="placement-1")
    by_staff = _open(db, person=OTHER_STAFF, person_user_id=PERSON.user_id, source="staff")
    page, waiting = _run(db, OTHER_STAFF, rights_desk.list_notices)
    notices = page.items
    assert [n.case_id for n in notices] == [followed_up.id] and waiting == 1  # staff's own cases need no notice
    assert (notices[0].category, notices[0].source) == ("wage_arrears", "placement_follow_up")
    assert not hasattr(notices[0], "summary") and by_staff.id not in {n.case_id for n in notices}
    # the desk sees it too; residents and other communities do not
    assert [n.id for n in _run(db, LAWYER, rights_desk.list_notices)[0].items] == [notices[0].id]
    with pytest.raises(Forbidden):
        _run(db, NEIGHBOUR, rights_desk.list_notices)
    assert _listed(_run(db, OTHER_TENANT_ADMIN, rights_desk.list_notices)) == ([], 0)

    first = _run(db, ADMIN, rights_desk.acknowledge_notice, notice_id=notices[0].id)
    again = _run(db, OTHER_STAFF, rights_desk.acknowledge_notice, notice_id=notices[0].id)
    assert again.acknowledged_by == ADMIN.user_id and again.acknowledged_at == first.acknowledged_at
    assert _listed(_run(db, OTHER_STAFF, rights_desk.list_notices)) == ([], 0)
    assert len(_run(db, OTHER_STAFF, rights_desk.list_notices, unacknowledged_only=False)[0].items) == 1
    with pytest.raises(NotFound):
        _run(db, OTHER_TENANT_ADMIN, rights_desk.acknowledge_notice, notice_id=notices[0].id)
