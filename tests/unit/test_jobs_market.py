"""The gig market's rules: employers, posts and their visibility, applications and
their pipeline, hires against headcount, and the wage follow-up."""

from datetime import timedelta

import pytest

from services.common.contracts import load
from services.common.database import announced, utcnow
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.jobs import applications, employers, placements, posts, workers
from services.jobs.contracts.schemas import EmployerCreate, JobPostCreate, WorkerProfileCreate
from tests.unit.conftest import ctx

ALLIANCE = "alliance"
STAFF = ctx(ALLIANCE, "u-staff", "staff")
HR = ctx(ALLIANCE, "u-hr", "employer")

def _members(error):
    """The problem members an error carries besides its message code and parameters."""
    return {k: v for k, v in error.extra.items() if k not in ("message_code", "message_params")}



def _employer(session, *, verified=True):
    with session.begin():
        employer = employers.register(session=session, ctx=STAFF, data=load(EmployerCreate(), {
            "name": "顺丰速运拱墅分部", "industrial_park": "康桥工业园", "member_user_ids": ["u-hr"]}))
        if verified:
            employers.decide(session=session, ctx=STAFF, employer_id=employer.id, status="verified")
    return employer


def _post(session, employer, *, visibility=None, headcount=2, open_it=True, **extra):
    payload = {"employer_id": employer.id, "title": "快递分拣员", "job_type": "part_time", "pay_amount": 25,
               "pay_period": "hour", "headcount": headcount, "required_skills": ["仓储分拣"],
               "visibility": visibility or {"scope": "all"}, "wage_follow_up_days": 0, **extra}
    with session.begin():
        post = posts.create(session=session, ctx=HR, data=load(JobPostCreate(), payload))
        if open_it:
            posts.open_post(session=session, ctx=HR, post_id=post.id)
    return post


def _worker(session, tenant, user):
    with session.begin():
        return workers.register(session=session, ctx=ctx(tenant, user), data=load(WorkerProfileCreate(), {
            "display_name": "王师傅", "phone": "13900000001", "skills": ["仓储分拣"]}))


def _apply(jobs_sessions, tenant, user, post):
    mine = jobs_sessions(tenant)
    with mine.begin():
        draft = applications.prepare(session=mine, ctx=ctx(tenant, user), post_id=post.id, fair_id=None)
    theirs = jobs_sessions(draft.post_tenant_id)
    with theirs.begin():
        return applications.submit(session=theirs, draft=draft)


def test_registering_opening_and_applying_announce_their_events(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session))
    assert announced(session, "job_posted")[-1]["data"]["post_id"] == post.id
    home = jobs_sessions("xiangyang")
    profile = _worker(home, "xiangyang", "u-a")
    assert announced(home, "worker_registered")[-1]["subject"] == profile.id
    application = _apply(jobs_sessions, "xiangyang", "u-a", post)
    submitted = [e for s in jobs_sessions._opened for e in announced(s, "application_submitted")]
    assert [(e["tenantid"], e["data"]["application_id"]) for e in submitted] == [(ALLIANCE, application.id)]


def test_skills_are_stored_as_codes_whatever_name_people_type(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session), required_skills=["仓储分拣", "Forklift operation", "packing"])
    assert post.required_skills == ["warehouse_sorting", "forklift", "packing"]
    with pytest.raises(ValidationFailed) as caught:
        _post(session, _employer(session), required_skills=["魔法"])
    assert "required_skills" in caught.value.fields


def test_only_a_verified_employers_post_can_open(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session, verified=False), open_it=False)
    with pytest.raises(Conflict) as caught, session.begin():
        posts.open_post(session=session, ctx=HR, post_id=post.id)
    assert _members(caught.value) == {"employer_status": "pending"}
    assert caught.value.message_code == "jobs.employer_not_verified"


def test_a_post_is_seen_by_the_tenants_it_names_and_changed_only_by_its_owner(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session), visibility={"scope": "tenants", "tenants": ["xiangyang", "dongxin"]})
    for tenant, visible in (("xiangyang", True), ("dongxin", True), ("huanqiu", False)):
        other = jobs_sessions(tenant)
        with other.begin():
            if visible:
                assert posts.get(session=other, ctx=ctx(tenant, "u1"), post_id=post.id).title == "快递分拣员"
                with pytest.raises(Forbidden):
                    posts.close(session=other, ctx=ctx(tenant, "s", "staff"), post_id=post.id, reason="x")
            else:
                with pytest.raises(NotFound):
                    posts.get(session=other, ctx=ctx(tenant, "u1"), post_id=post.id)


def test_drafts_are_invisible_to_everyone_but_the_employer_side(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session), open_it=False)
    resident = jobs_sessions("xiangyang")
    with resident.begin(), pytest.raises(NotFound):
        posts.get(session=resident, ctx=ctx("xiangyang", "u1"), post_id=post.id)


def test_a_resident_applies_across_tenants_once_and_sees_the_application_from_home(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session))
    _worker(jobs_sessions("xiangyang"), "xiangyang", "u-courier")
    application = _apply(jobs_sessions, "xiangyang", "u-courier", post)
    assert application.tenant_id == ALLIANCE and application.applicant_tenant_id == "xiangyang"
    with pytest.raises(Conflict) as caught:
        _apply(jobs_sessions, "xiangyang", "u-courier", post)
    assert caught.value.extra["application_id"] == application.id
    home = jobs_sessions("xiangyang")
    with home.begin():
        mine = applications.listing(session=home, ctx=ctx("xiangyang", "u-courier"), post_id=None, status=None,
                                    limit=10).items
        assert [a.id for a in mine] == [application.id]
        assert applications.listing(session=home, ctx=ctx("xiangyang", "u-other"), post_id=None, status=None,
                                    limit=10).items == []


def test_applying_needs_a_profile_and_an_open_post(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session))
    with pytest.raises(Conflict):
        _apply(jobs_sessions, "dongxin", "u-no-profile", post)
    _worker(jobs_sessions("dongxin"), "dongxin", "u-late")
    with session.begin():
        posts.close(session=session, ctx=HR, post_id=post.id, reason="enough people")
    with pytest.raises(Conflict) as caught:
        _apply(jobs_sessions, "dongxin", "u-late", post)
    assert _members(caught.value) == {"post_status": "closed"}


def _move(session, who, application, status, reason=None):
    with session.begin():
        return applications.transition(session=session, ctx=who, application_id=application.id, to_status=status,
                                       reason=reason)


def test_the_pipeline_records_who_moved_it_and_refuses_impossible_steps(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session))
    _worker(jobs_sessions("xiangyang"), "xiangyang", "u-a")
    application = _apply(jobs_sessions, "xiangyang", "u-a", post)
    for status in ("shortlisted", "interview", "offered"):
        _move(session, HR, application, status)
    with pytest.raises(Conflict) as caught:
        _move(session, HR, application, "shortlisted")
    assert caught.value.extra["current_status"] == "offered"
    with pytest.raises(Forbidden):  # only the applicant withdraws
        _move(session, HR, application, "withdrawn")
    with pytest.raises(ValidationFailed):  # a rejection says why
        _move(session, HR, application, "rejected")
    with session.begin():
        out = applications.out(session=session, ctx=HR, application=session.get(type(application), application.id))
    assert [h["to_status"] for h in out["history"]] == ["applied", "shortlisted", "interview", "offered"]
    assert out["applicant"]["phone"] == "13900000001"  # shown from the interview on


def test_the_phone_number_is_masked_for_the_employer_before_the_interview(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session))
    _worker(jobs_sessions("xiangyang"), "xiangyang", "u-a")
    application = _apply(jobs_sessions, "xiangyang", "u-a", post)
    with session.begin():
        assert applications.out(session=session, ctx=HR, application=application)["applicant"]["phone"] == "139****0001"


def test_an_employer_sees_only_applicants_to_its_own_posts(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session))
    with session.begin():
        other_employer = employers.register(session=session, ctx=STAFF, data=load(EmployerCreate(), {
            "name": "某物流", "member_user_ids": ["u-hr2"]}))
    _worker(jobs_sessions("xiangyang"), "xiangyang", "u-a")
    application = _apply(jobs_sessions, "xiangyang", "u-a", post)
    other_hr = ctx(ALLIANCE, "u-hr2", "employer")
    with session.begin():
        assert applications.listing(session=session, ctx=other_hr, post_id=None, status=None, limit=10).items == []
        with pytest.raises(NotFound):
            applications.get(session=session, ctx=other_hr, application_id=application.id)
    assert other_employer.id


def test_hires_count_against_headcount_and_the_last_place_fills_the_post(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session), headcount=1)
    apps = []
    for tenant, user in (("xiangyang", "u-a"), ("dongxin", "u-b")):
        _worker(jobs_sessions(tenant), tenant, user)
        apps.append(_apply(jobs_sessions, tenant, user, post))
    for application in apps:
        for status in ("shortlisted", "offered"):
            _move(session, HR, application, status)
    _app, placement, _ = _move(session, HR, apps[0], "hired")
    with session.begin():
        refreshed = session.get(type(post), post.id)
        assert (refreshed.hired_count, refreshed.status) == (1, "filled")
    assert placement.worker_tenant_id == "xiangyang"
    # The hire announces itself in the post's tenant, in this order, with the change in one transaction.
    last = [e["type"].rsplit(".", 1)[-1] for e in announced(session)][-3:]
    assert last == ["application_status_changed", "worker_hired", "job_closed"]
    assert announced(session, "job_closed")[-1]["data"] == {"post_id": post.id, "status": "filled",
                                                            "reason": "headcount reached", "hired_count": 1}
    with pytest.raises(Conflict) as caught:
        _move(session, HR, apps[1], "hired")
    assert caught.value.extra["post_status"] == "filled"


def test_wage_answers_wait_for_the_due_date_count_once_and_feed_the_employers_record(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    employer = _employer(session)
    post = _post(session, employer, headcount=1)
    _worker(jobs_sessions("xiangyang"), "xiangyang", "u-a")
    application = _apply(jobs_sessions, "xiangyang", "u-a", post)
    for status in ("shortlisted", "offered"):
        _move(session, HR, application, status)
    _app, placement, _ = _move(session, HR, application, "hired")
    worker = ctx("xiangyang", "u-a")
    with session.begin(), pytest.raises(Conflict):
        placements.answer_wages(session=session, ctx=worker, placement_id=placement.id, wages_paid=False,
                                now=placement.follow_up_due_at - timedelta(hours=1))
    with session.begin():
        _p, recorded = placements.answer_wages(session=session, ctx=worker, placement_id=placement.id,
                                               wages_paid=False, now=utcnow())
    with session.begin():
        _p, again = placements.answer_wages(session=session, ctx=worker, placement_id=placement.id,
                                            wages_paid=False, now=utcnow())
    assert recorded and not again
    with session.begin():
        assert employers.get(session=session, employer_id=employer.id).wages_unpaid_reports == 1
        with pytest.raises(Conflict):
            placements.answer_wages(session=session, ctx=worker, placement_id=placement.id, wages_paid=True)


def test_an_applicant_withdraws_and_a_rejection_keeps_its_reason(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session))
    for tenant, user in (("xiangyang", "u-a"), ("dongxin", "u-b")):
        _worker(jobs_sessions(tenant), tenant, user)
    first = _apply(jobs_sessions, "xiangyang", "u-a", post)
    second = _apply(jobs_sessions, "dongxin", "u-b", post)
    # the applicant acts from home; the write lands in the post's tenant
    withdrawn, _, before = _move(jobs_sessions(ALLIANCE), ctx("xiangyang", "u-a"), first, "withdrawn")
    assert (before, withdrawn.status) == ("applied", "withdrawn")
    rejected, _, _ = _move(session, HR, second, "rejected", reason="需要夜班 / night shifts needed")
    assert rejected.rejection_reason == "需要夜班 / night shifts needed"
    with pytest.raises(Conflict):
        _move(session, HR, second, "shortlisted")


def test_open_posts_past_their_expiry_are_found_and_expired_once(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session), expires_at=(utcnow() + timedelta(hours=1)).isoformat())
    later = utcnow() + timedelta(hours=2)
    with session.begin():
        assert posts.due_to_expire(session=session, now=utcnow()) == []
        assert posts.due_to_expire(session=session, now=later) == [(ALLIANCE, post.id)]
        assert posts.expire(session=session, post_id=post.id, now=later).status == "expired"
        assert posts.expire(session=session, post_id=post.id, now=later) is None


def test_a_suspended_employers_drafts_cannot_open(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    employer = _employer(session)
    with session.begin():
        employers.decide(session=session, ctx=STAFF, employer_id=employer.id, status="suspended")
    post = _post(session, employer, open_it=False)
    with pytest.raises(Conflict), session.begin():
        posts.open_post(session=session, ctx=HR, post_id=post.id)
    with pytest.raises(Forbidden), session.begin():  # residents do not verify employers
        employers.decide(session=session, ctx=ctx(ALLIANCE, "u-x"), employer_id=employer.id, status="verified")


def test_an_open_post_changes_only_what_applicants_can_live_with(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session))
    with session.begin():
        assert posts.update(session=session, ctx=HR, post_id=post.id, changes={"headcount": 5}).headcount == 5
    with pytest.raises(Conflict) as caught, session.begin():
        posts.update(session=session, ctx=HR, post_id=post.id, changes={"pay_amount": 10})
    assert caught.value.extra["fields"] == ["pay_amount"]
