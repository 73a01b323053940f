"""Issue 18, the market's side of notifications: application_status_changed names the applicant,
wage_follow_up_due is announced once per placement (settable clock, in the worker's community), and
`audience("post_applicants")` answers the people still in the running, per tenant."""

from datetime import timedelta

import pytest

from services.common.context import CallContext
from services.common.database import announced
from services.common.errors import NotFound
from services.jobs import audience, placements
from services.jobs.models import Placement
from tests.unit.conftest import ctx
from tests.unit.test_jobs_market import ALLIANCE, HR, _apply, _employer, _move, _post, _worker

SERVICE_A = CallContext(tenant_id=ALLIANCE, roles=frozenset({"service"}))
SERVICE_X = CallContext(tenant_id="xiangyang", roles=frozenset({"service"}))
SERVICE_D = CallContext(tenant_id="dongxin", roles=frozenset({"service"}))


def _all(jobs_sessions, event):
    return [e for s in jobs_sessions._opened for e in announced(s, event)]


def _hired(jobs_sessions, headcount=1):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session), headcount=headcount)
    _worker(jobs_sessions("xiangyang"), "xiangyang", "u-a")
    application = _apply(jobs_sessions, "xiangyang", "u-a", post)
    for status in ("shortlisted", "offered"):
        _move(session, HR, application, status)
    _app, placement, _ = _move(session, HR, application, "hired")
    return session, post, placement


def test_every_status_change_names_the_applicant(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session))
    _worker(jobs_sessions("xiangyang"), "xiangyang", "u-a")
    application = _apply(jobs_sessions, "xiangyang", "u-a", post)
    _move(session, HR, application, "shortlisted")
    _move(session, HR, application, "rejected", reason="岗位已满")
    changed = _all(jobs_sessions, "application_status_changed")
    assert [(e["data"]["to_status"], e["data"]["applicant_user_id"], e["data"]["applicant_tenant_id"])
            for e in changed] == [("shortlisted", "u-a", "xiangyang"), ("rejected", "u-a", "xiangyang")]
    _worker(jobs_sessions("dongxin"), "dongxin", "u-b")
    mine = _apply(jobs_sessions, "dongxin", "u-b", post)
    with jobs_sessions(ALLIANCE).begin() as tx:
        from services.jobs import applications

        applications.transition(session=tx.session, ctx=ctx("dongxin", "u-b"), application_id=mine.id,
                                to_status="withdrawn", reason=None)
    withdrawn = _all(jobs_sessions, "application_status_changed")[-1]["data"]
    assert (withdrawn["to_status"], withdrawn["applicant_user_id"], withdrawn["actor_user_id"]) == (
        "withdrawn", "u-b", "u-b")


def test_wage_follow_up_due_is_announced_once_when_due_in_the_workers_community_not_before(jobs_sessions):
    session, _post_, placement = _hired(jobs_sessions)
    due = placement.follow_up_due_at
    with session.begin():
        assert placements.announce_follow_ups_due(session=session, now=due - timedelta(minutes=1)) == []
    with session.begin():
        assert placements.announce_follow_ups_due(session=session, now=due + timedelta(minutes=1)) == [placement.id]
    with session.begin():
        assert placements.announce_follow_ups_due(session=session, now=due + timedelta(days=3)) == []
    events = _all(jobs_sessions, "wage_follow_up_due")
    assert [(e["subject"], e["tenantid"], e["data"]) for e in events] == [
        (placement.id, "xiangyang", {"placement_id": placement.id, "worker_user_id": "u-a",
                                     "worker_tenant_id": "xiangyang", "due_at": due.isoformat()})]
    with session.begin():
        assert session.get(Placement, placement.id).follow_up_reminded_at == due + timedelta(minutes=1)


def test_a_follow_up_already_answered_is_not_announced_and_the_timer_finds_the_posts_tenant(jobs_sessions):
    session, _post_, placement = _hired(jobs_sessions)
    due = placement.follow_up_due_at
    with jobs_sessions.all() as everyone:
        assert placements.tenants_with_follow_ups_due(session=everyone, now=due + timedelta(minutes=1)) == {ALLIANCE}
        assert placements.tenants_with_follow_ups_due(session=everyone, now=due - timedelta(minutes=1)) == set()
    with session.begin():
        placements.answer_wages(session=session, ctx=ctx("xiangyang", "u-a"), placement_id=placement.id,
                                wages_paid=True, now=due + timedelta(minutes=1))
    with session.begin():
        assert placements.announce_follow_ups_due(session=session, now=due + timedelta(days=1)) == []
    home = jobs_sessions("xiangyang")  # the worker's community owns no placement: nothing to announce there
    with home.begin():
        assert placements.announce_follow_ups_due(session=home, now=due + timedelta(days=1)) == []
    assert _all(jobs_sessions, "wage_follow_up_due") == []


def test_post_applicants_are_those_still_in_the_running_and_a_sharing_tenant_hears_of_its_own_only(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session), headcount=3)
    apps = {}
    for tenant, user in (("xiangyang", "u-a"), ("xiangyang", "u-c"), ("dongxin", "u-b"), ("dongxin", "u-e")):
        _worker(jobs_sessions(tenant), tenant, user)
        apps[user] = _apply(jobs_sessions, tenant, user, post)
    _move(session, HR, apps["u-c"], "rejected", reason="不合适")
    assert audience_of(jobs_sessions, SERVICE_A, post.id) == ["u-a", "u-b", "u-e"]
    assert audience_of(jobs_sessions, SERVICE_X, post.id) == ["u-a"]
    assert audience_of(jobs_sessions, SERVICE_D, post.id) == ["u-b", "u-e"]
    assert audience_of(jobs_sessions, ctx("dongxin", "u-staff-d", "staff"), post.id) == ["u-b", "u-e"]
    with pytest.raises(NotFound):
        audience_of(jobs_sessions, SERVICE_A, "no-such-post")


def test_a_post_not_shared_with_the_tenant_is_not_found(jobs_sessions):
    session = jobs_sessions(ALLIANCE)
    post = _post(session, _employer(session), visibility={"scope": "own"})
    assert audience_of(jobs_sessions, SERVICE_A, post.id) == []
    with pytest.raises(NotFound):
        audience_of(jobs_sessions, SERVICE_X, post.id)


def audience_of(jobs_sessions, context, post_id):
    session = jobs_sessions(context.tenant_id)
    with session.begin():
        found = audience.members(session=session, ctx=context, group="post_applicants", ref=post_id)
    assert (found["group"], found["ref"]) == ("post_applicants", post_id)
    return found["user_ids"]
