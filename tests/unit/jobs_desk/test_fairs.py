"""Doorstep job fairs (家门口的招聘会): organising, sharing, registration, check-in, outcome."""

from datetime import timedelta

import pytest

from services.common.contracts import load
from services.common.database import announced
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.jobs import fairs
from services.jobs.contracts.schemas import CheckIn, FairCreate
from services.jobs.models import Application
from tests.unit.jobs_desk.conftest import KEY, NOW, alliance_post, ctx, fair_payload

STAFF_X = ctx("xiangyang", "u-staff-x", "staff")
STAFF_D = ctx("dongxin", "u-staff-d", "staff")

def _members(error):
    """The problem members an error carries besides its message code and parameters."""
    return {k: v for k, v in error.extra.items() if k not in ("message_code", "message_params")}



def _create(db, organiser=STAFF_X, publish=True, **overrides):
    session = db(organiser.tenant_id)
    with session.begin():
        fair = fairs.create_fair(session=session, ctx=organiser, data=load(FairCreate(), {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fair_payload(**overrides).items()}))
        if publish:
            fairs.publish_fair(session=session, ctx=organiser, fair_id=fair.id, now=NOW - timedelta(days=30))
    return fair


def _register(db, resident, fair_id, now=NOW - timedelta(days=1)):
    with db(resident.tenant_id).begin() as tx:
        fair_tenant = fairs.registration_tenant(session=tx.session, ctx=resident, fair_id=fair_id, now=now)
    with db(fair_tenant).begin() as tx:
        registration = fairs.register(session=tx.session, ctx=resident, fair_id=fair_id,
                                      resident_tenant_id=resident.tenant_id, now=now)
    return registration, fairs.check_in_code(key=KEY, fair_id=fair_id, code_ref=registration.code_ref)


def _check_in(db, code, fair_id, staff=STAFF_X, now=NOW):
    session = db(staff.tenant_id)
    with session.begin():
        return fairs.check_in(session=session, ctx=staff, fair_id=fair_id, code=code, key=KEY, now=now)


def _visible(db, tenant, fair_id):
    session = db(tenant)
    with session.begin():
        try:
            return fairs.get_fair(session=session, ctx=ctx(tenant, "u"), fair_id=fair_id)
        except NotFound:
            return None


def test_a_draft_fair_is_seen_only_by_its_organiser_until_published(db):
    fair = _create(db, publish=False, audience_tenants=["dongxin"])
    assert fair.status == "draft" and fair.audience == ",dongxin,"
    assert _visible(db, "xiangyang", fair.id) and _visible(db, "dongxin", fair.id) is None
    session = db("xiangyang")
    with session.begin():
        fairs.publish_fair(session=session, ctx=STAFF_X, fair_id=fair.id, now=NOW - timedelta(days=1))
    assert _visible(db, "dongxin", fair.id).status == "published"


def test_a_special_fair_for_named_communities_is_invisible_to_the_others(db):
    fair = _create(db, audience_tenants=["dongxin"], target_groups=["floating_party_member"])
    assert _visible(db, "dongxin", fair.id) and _visible(db, "huanqiu", fair.id) is None
    everyone = _create(db, audience_everyone=True)
    assert _visible(db, "huanqiu", everyone.id).audience == "*"


def test_residents_cannot_organise_and_staff_of_a_sharing_community_cannot_manage(db):
    with pytest.raises(Forbidden):
        _create(db, organiser=ctx("xiangyang", "u-res"))
    fair = _create(db, audience_tenants=["dongxin"])
    session = db("dongxin")
    with pytest.raises(Forbidden), session.begin():
        fairs.cancel_fair(session=session, ctx=STAFF_D, fair_id=fair.id, reason="不是我的")


@pytest.mark.parametrize("overrides, field", [
    ({"kind": "on_site", "venue": None}, "venue"),
    ({"kind": "online", "venue": None, "online_url": None}, "online_url"),
    ({"ends_at": NOW - timedelta(hours=1)}, "ends_at"),
])
def test_a_fair_needs_a_venue_or_link_and_must_end_after_it_starts(db, overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        _create(db, **overrides)
    assert field in caught.value.fields


def test_a_resident_of_an_audience_community_registers_and_their_code_checks_them_in_once(db):
    fair = _create(db, audience_tenants=["dongxin"])
    resident = ctx("dongxin", "u-courier")
    registration, code = _register(db, resident, fair.id)
    assert registration.tenant_id == "xiangyang" and registration.resident_tenant_id == "dongxin"
    assert len(code) == 19 and code.count("-") == 3
    # the resident finds it from their own community
    home = db("dongxin")
    with home.begin():
        assert fairs.my_registration(session=home, ctx=resident, fair_id=fair.id).id == registration.id
    checked = _check_in(db, code, fair.id)
    assert checked.status == "checked_in" and checked.checked_in_by == STAFF_X.user_id
    with pytest.raises(Conflict) as again:
        _check_in(db, code, fair.id)
    assert again.value.extra["state"] == "checked_in"


def test_a_community_outside_the_audience_cannot_register_even_knowing_the_id(db):
    fair = _create(db, audience_tenants=["dongxin"])
    with pytest.raises(NotFound):
        _register(db, ctx("huanqiu", "u-mother"), fair.id)
    # and the rule holds in the fair's tenant too, should a caller skip the first check
    session = db("xiangyang")
    with pytest.raises(NotFound), session.begin():
        fairs.register(session=session, ctx=ctx("huanqiu", "u-mother"), fair_id=fair.id,
                       resident_tenant_id="huanqiu", now=NOW - timedelta(days=1))


def test_registering_over_capacity_is_refused_with_the_count_and_a_cancelled_place_is_freed(db):
    fair = _create(db, capacity=2, audience_everyone=True)
    first, _ = _register(db, ctx("xiangyang", "u1"), fair.id)
    _register(db, ctx("dongxin", "u2"), fair.id)
    with pytest.raises(Conflict) as full:
        _register(db, ctx("huanqiu", "u3"), fair.id)
    assert _members(full.value) == {"state": "published", "capacity": 2, "registered": 2}
    assert full.value.message_code == "jobs.fair_full"
    session = db("xiangyang")
    with session.begin():
        fairs.cancel_registration(session=session, ctx=ctx("xiangyang", "u1"), fair_id=fair.id, now=NOW)
    third, _ = _register(db, ctx("huanqiu", "u3"), fair.id)
    assert third.status == "registered"


def test_registering_twice_is_a_conflict_and_a_cancelled_registration_is_taken_up_again(db):
    fair = _create(db)
    resident = ctx("xiangyang", "u1")
    first, code = _register(db, resident, fair.id)
    with pytest.raises(Conflict) as twice:
        _register(db, resident, fair.id)
    assert twice.value.extra["registration_id"] == first.id
    session = db("xiangyang")
    with session.begin():
        fairs.cancel_registration(session=session, ctx=resident, fair_id=fair.id, now=NOW)
    with pytest.raises(Conflict) as cancelled:
        _check_in(db, code, fair.id)
    assert cancelled.value.extra["state"] == "cancelled"
    again, _ = _register(db, resident, fair.id)
    assert again.id == first.id and again.status == "registered"


def test_codes_from_another_fair_mistyped_or_forged_are_invalid(db):
    fair, other = _create(db), _create(db)
    _, code = _register(db, ctx("xiangyang", "u1"), fair.id)
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    for bad in (code.replace("-", "")[:12], forged, "hello world", "ZZZZ-ZZZZ-ZZZZ-ZZZZ"):
        with pytest.raises(ValidationFailed) as caught:
            _check_in(db, bad, fair.id)
        assert "code" in caught.value.fields
    with pytest.raises(ValidationFailed):
        _check_in(db, code, other.id)


def test_a_typed_code_may_use_lower_case_spaces_and_look_alike_digits():
    ref = fairs.new_code_ref()
    code = fairs.check_in_code(key=KEY, fair_id="f1", code_ref=ref)
    typed = code.lower().replace("-", " ").replace("o", "0").replace("i", "1").replace("b", "8")
    assert fairs.parse_check_in_code(key=KEY, fair_id="f1", code=typed) == ref


def test_check_in_opens_two_hours_before_the_start_and_closes_at_the_end(db):
    fair = _create(db)
    _, code = _register(db, ctx("xiangyang", "u1"), fair.id)
    with pytest.raises(Conflict) as early:
        _check_in(db, code, fair.id, now=NOW - timedelta(hours=3))
    assert "opens_at" in early.value.extra
    with pytest.raises(Conflict):
        _check_in(db, code, fair.id, now=fair.ends_at + timedelta(minutes=1))
    assert _check_in(db, code, fair.id, now=NOW - timedelta(hours=1)).status == "checked_in"


def test_a_booth_brings_open_posts_of_one_employer_that_the_organiser_can_see(db):
    fair = _create(db)
    employer, post = alliance_post(db, audience="*")
    _, closed = alliance_post(db, status="closed", employer_name="中通")
    _, hidden = alliance_post(db, audience=",huanqiu,", employer_name="圆通")
    session = db("xiangyang")
    with session.begin():
        booth = fairs.add_booth(session=session, ctx=STAFF_X, fair_id=fair.id, employer_id=employer.id,
                                post_ids=[post.id], booth="A-1")
    assert booth.employer_name == "顺丰速运" and booth.employer_tenant_id == "alliance"
    for bad_posts in ([closed.id], [hidden.id]):
        session = db("xiangyang")
        with pytest.raises(ValidationFailed) as caught, session.begin():
            fairs.add_booth(session=session, ctx=STAFF_X, fair_id=fair.id, employer_id=employer.id,
                            post_ids=bad_posts, booth=None)
        assert "post_ids" in caught.value.fields
    # an employer of another tenant without posts cannot simply be named
    session = db("xiangyang")
    with pytest.raises(ValidationFailed) as caught, session.begin():
        fairs.add_booth(session=session, ctx=STAFF_X, fair_id=fair.id, employer_id=employer.id, post_ids=[],
                        booth=None)
    assert "employer_id" in caught.value.fields


def test_residents_of_audience_communities_see_the_booths(db):
    fair = _create(db, audience_tenants=["dongxin"])
    employer, post = alliance_post(db)
    session = db("xiangyang")
    with session.begin():
        fairs.add_booth(session=session, ctx=STAFF_X, fair_id=fair.id, employer_id=employer.id,
                        post_ids=[post.id], booth="A-1")
    with db("dongxin").begin() as tx:
        assert [b.employer_name for b in fairs.booths_of(session=tx.session, fair_id=fair.id)] == ["顺丰速运"]
    with db("huanqiu").begin() as tx:
        assert fairs.booths_of(session=tx.session, fair_id=fair.id) == []


def _apply(db, post, user, tenant, fair_id, status="applied"):
    session = db(post.tenant_id)
    with session.begin():
        session.add(Application(post_id=post.id, applicant_user_id=user, applicant_tenant_id=tenant, worker_id="w",
                                status=status, fair_id=fair_id, audience=f",{tenant},"))


def test_the_outcome_counts_attendees_walk_ins_and_applications_and_hires_made_at_the_fair(db):
    fair = _create(db, audience_everyone=True)
    employer, post = alliance_post(db)
    session = db("xiangyang")
    with session.begin():
        fairs.add_booth(session=session, ctx=STAFF_X, fair_id=fair.id, employer_id=employer.id,
                        post_ids=[post.id], booth=None)
    _, code1 = _register(db, ctx("xiangyang", "u1"), fair.id)
    _, code2 = _register(db, ctx("dongxin", "u2"), fair.id)
    _register(db, ctx("huanqiu", "u3"), fair.id)  # a no-show
    _check_in(db, code1, fair.id)
    _check_in(db, code2, fair.id)
    session = db("xiangyang")
    with session.begin():
        fairs.record_walk_in(session=session, ctx=STAFF_X, fair_id=fair.id, resident_tenant_id=None, now=NOW)
    _apply(db, post, "u1", "xiangyang", fair.id, status="hired")
    _apply(db, post, "u2", "dongxin", fair.id)
    _apply(db, post, "u9", "dongxin", None)  # applied elsewhere, not at the fair

    tallies = []
    with db("xiangyang").begin() as tx:
        fair_row = fairs.get_fair(session=tx.session, ctx=STAFF_X, fair_id=fair.id)
        tenants = fairs.outcome_tenants(session=tx.session, fair=fair_row)
    assert tenants == {"xiangyang", "alliance", "dongxin", "huanqiu"}
    for tenant in tenants:  # as the service does, one session per tenant
        with db(tenant).begin() as tx:
            tallies.append(fairs.applications_at(session=tx.session, fair_id=fair.id))
    with db("xiangyang").begin() as tx:
        figures = fairs.outcome(session=tx.session, fair=fair_row, tallies=tallies)
    assert figures["attendees"] == 3 and figures["walk_ins"] == 1 and figures["registered"] == 3
    assert figures["no_shows"] == 1 and figures["attendees_by_community"] == {"xiangyang": 2, "dongxin": 1}
    assert figures["applications"] == 2 and figures["hires"] == 1
    assert figures["employers"] == 1 and figures["posts"] == 1


def test_a_fair_is_marked_held_only_once_it_started_and_then_takes_no_registrations(db):
    fair = _create(db)
    session = db("xiangyang")
    with pytest.raises(Conflict) as early, session.begin():
        fairs.mark_held(session=session, ctx=STAFF_X, fair_id=fair.id, figures={}, now=NOW - timedelta(hours=1))
    assert early.value.extra["state"] == "published"
    session = db("xiangyang")
    with session.begin():
        held = fairs.mark_held(session=session, ctx=STAFF_X, fair_id=fair.id, figures={"attendees": 0}, now=NOW)
    assert held.status == "held" and held.outcome == {"attendees": 0}
    event = announced(session, "fair_held")[-1]  # with the change, in the organiser's tenant
    assert (event["subject"], event["tenantid"], event["data"]["attendees"]) == (fair.id, "xiangyang", 0)
    with pytest.raises(Conflict) as closed:
        _register(db, ctx("xiangyang", "u1"), fair.id, now=NOW)
    assert closed.value.extra["state"] == "held"
    session = db("xiangyang")
    with pytest.raises(Conflict), session.begin():
        fairs.cancel_fair(session=session, ctx=STAFF_X, fair_id=fair.id, reason="太晚了")


def test_capacity_cannot_be_lowered_below_the_places_taken(db):
    fair = _create(db, capacity=5)
    _register(db, ctx("xiangyang", "u1"), fair.id)
    _register(db, ctx("xiangyang", "u2"), fair.id)
    session = db("xiangyang")
    with pytest.raises(Conflict) as caught, session.begin():
        fairs.update_fair(session=session, ctx=STAFF_X, fair_id=fair.id, changes={"capacity": 1})
    assert caught.value.extra["registered"] == 2


def test_upcoming_fairs_page_by_start_time_and_past_ones_newest_first(db):
    made = [_create(db, starts_at=NOW + timedelta(days=d), ends_at=NOW + timedelta(days=d, hours=3))
            for d in (3, 1, 2, -5, -9)]
    seen, after = [], None
    while True:
        session = db("xiangyang")
        with session.begin():
            page = fairs.list_fairs(session=session, ctx=STAFF_X, when="upcoming", status=None, limit=2,
                                    after=after, now=NOW)
            items, after = page.items, page.next_cursor
        seen += [f.id for f in items]
        if after is None:
            break
    assert seen == [made[1].id, made[2].id, made[0].id]
    session = db("xiangyang")
    with session.begin():
        past = fairs.list_fairs(session=session, ctx=STAFF_X, when="past", status=None, limit=10, after=None,
                                now=NOW).items
    assert [f.id for f in past] == [made[3].id, made[4].id]


def test_check_in_payload_is_either_a_code_or_a_walk_in():
    with pytest.raises(ValidationFailed):
        load(CheckIn(), {})
    with pytest.raises(ValidationFailed):
        load(CheckIn(), {"code": "ABCD", "walk_in": True})
    assert load(CheckIn(), {"walk_in": True})["walk_in"] is True
