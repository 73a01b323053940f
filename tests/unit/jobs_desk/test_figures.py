"""Figures: each tenant counts its own rows and those shared with it; the operator sees all."""

from datetime import timedelta

import pytest

from services.common.errors import Forbidden
from services.jobs import access, figures
from services.jobs.models import Application, FairRegistration, JobFair, Placement, RightsCase, WorkerProfile
from tests.unit.jobs_desk.conftest import NOW, alliance_post, ctx


@pytest.fixture
def market(db):
    """Three communities and an alliance partner, with a little of everything."""
    for tenant, people in (("xiangyang", 3), ("dongxin", 2), ("huanqiu", 1)):
        with db(tenant).begin() as tx:
            for i in range(people):
                tx.session.add(WorkerProfile(user_id=f"{tenant}-{i}", display_name="x", phone="13300000000",
                                             skills=[], availability=[], groups=[], commute_radius_km=5,
                                             consent_recommendations=True))
    employer, post = alliance_post(db)
    with db("alliance").begin() as tx:
        for user, tenant, status in (("xiangyang-0", "xiangyang", "hired"), ("xiangyang-1", "xiangyang", "applied"),
                                     ("dongxin-0", "dongxin", "hired")):
            application = Application(post_id=post.id, applicant_user_id=user, applicant_tenant_id=tenant,
                                      worker_id="w", status=status, audience=f",{tenant},")
            tx.session.add(application)
            tx.session.flush()
            if status == "hired":
                tx.session.add(Placement(application_id=application.id, post_id=post.id, employer_id=employer.id,
                                         worker_user_id=user, worker_tenant_id=tenant, started_at=NOW,
                                         follow_up_due_at=NOW + timedelta(days=1), audience=f",{tenant},",
                                         wages_paid=tenant != "dongxin", answered_at=NOW + timedelta(days=1)))
    with db("xiangyang").begin() as tx:
        fair = JobFair(title="招聘会", kind="on_site", venue="广场", starts_at=NOW, ends_at=NOW + timedelta(hours=3),
                       status="held", created_by="s", audience="*")
        tx.session.add(fair)
        tx.session.flush()
        for i, (tenant, status) in enumerate((("xiangyang", "checked_in"), ("dongxin", "checked_in"),
                                              ("huanqiu", "registered"))):
            tx.session.add(FairRegistration(fair_id=fair.id, user_id=f"u{i}", resident_tenant_id=tenant,
                                            source="pre_registered", status=status, code_ref=f"REF{i}",
                                            checked_in_at=NOW if status == "checked_in" else None,
                                            audience="" if tenant == "xiangyang" else f",{tenant},"))
        for person, status in (("xiangyang-0", "resolved"), ("xiangyang-0", "referred"), ("xiangyang-1", "open"),
                               (None, "resolved")):
            tx.session.add(RightsCase(person_user_id=person, category="wage_arrears", summary="s", source="self",
                                      status=status, suggested_desk_role="labour_inspector", opened_at=NOW,
                                      concluded_at=NOW + timedelta(days=2) if status != "open" else None))
    return fair


def _tenant(db, tenant, **period):
    session = db(tenant)
    with session.begin():
        return figures.figures(session=session, tenant_ids=[tenant], since=period.get("since"),
                               until=period.get("until"))[tenant]


def test_a_community_counts_its_workers_its_fairs_and_its_residents_wherever_they_went(db, market):
    x = _tenant(db, "xiangyang")["figures"]
    assert x["workers_registered"] == 3 and x["fairs_held"] == 1 and x["fair_attendees"] == 2
    assert x["residents_at_fairs"] == 1 and x["applications_by_residents"] == 2 and x["residents_placed"] == 1
    assert x["applications_received"] == 0 and x["posts_published"] == 0
    # two helped cases of one person count once; an anonymous caller counts as one more
    assert x["cases_opened"] == 4 and x["people_helped"] == 2 and x["cases_in_hand"] == 1
    d = _tenant(db, "dongxin")["figures"]
    assert d["residents_at_fairs"] == 1 and d["residents_placed"] == 1 and d["wages_unpaid_reports"] == 1
    assert d["fair_attendees"] == 0 and d["cases_opened"] == 0


def test_the_alliance_partner_counts_the_posts_applications_and_hires_it_received(db, market):
    a = _tenant(db, "alliance")["figures"]
    assert a["posts_published"] == 1 and a["posts_open"] == 1 and a["headcount_offered"] == 5
    assert a["applications_received"] == 3 and a["hires_made"] == 2 and a["residents_placed"] == 0


def test_case_categories_are_counted_and_nothing_else_about_cases_is_shown(db, market):
    result = _tenant(db, "xiangyang")
    assert result["cases_by_category"]["wage_arrears"] == 4 and result["cases_by_category"]["legal_aid"] == 0
    assert set(result) == {"figures", "cases_by_category"}


def test_every_tenant_asked_for_is_answered_even_with_nothing_to_count(db, market):
    session = db("xiangyang")
    with session.begin():
        found = figures.figures(session=session, tenant_ids=["xiangyang", "nowhere"])
    assert set(found) == {"xiangyang", "nowhere"}
    assert set(found["nowhere"]["figures"].values()) == {0}
    assert set(found["nowhere"]["cases_by_category"].values()) == {0}


def test_a_period_counts_only_what_happened_in_it(db, market):
    later = _tenant(db, "xiangyang", since=NOW + timedelta(days=1))["figures"]
    assert later["workers_registered"] == 0 and later["people_helped"] == 2 and later["cases_opened"] == 0
    assert later["posts_open"] == 0 and later["cases_in_hand"] == 1  # figures of "now" ignore the period


def test_residents_see_no_figures():
    assert not access.may_view_figures(ctx("xiangyang", "s", "resident"))
    assert access.may_view_figures(ctx("xiangyang", "s", "staff"))
    assert access.may_view_figures(ctx("subdistrict", "s", "operator"))


def test_the_operator_sees_every_tenant_side_by_side_and_totals_that_count_people_once(db, market):
    session = db.all()
    with session.begin():
        found = figures.figures(session=session, tenant_ids=None)
        totals = figures.total(session=session)["figures"]
    rows = {tenant: values["figures"] for tenant, values in found.items()}
    assert set(rows) == {"xiangyang", "dongxin", "huanqiu", "alliance"}
    assert rows["huanqiu"]["workers_registered"] == 1 and rows["alliance"]["hires_made"] == 2
    assert totals["workers_registered"] == 6 and totals["residents_placed"] == 2 and totals["people_helped"] == 2
    assert totals["fair_attendees"] == 2 and totals["applications_received"] == 3


def test_figures_across_tenants_need_the_operators_session(db, market):
    with pytest.raises(Forbidden):
        session = db("xiangyang")
        with session.begin():
            figures.figures(session=session, tenant_ids=None)
    with pytest.raises(Forbidden):
        session = db("xiangyang")
        with session.begin():
            figures.total(session=session)
