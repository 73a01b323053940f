"""Voice items (anonymity, me too, triage, time to first answer), branches and grid
(who may see them), projects and duties (capacity, check-in), and the asset map."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.governance import assets, branches, councils, events, figures, projects, voice
from services.governance.models import DutySlot, Topic
from tests.unit.governance.conftest import NOW, ctx, make_council, staff

PARKING_ISSUE = {"text": "东门快递车没地方停，经常被贴条", "category": "parking", "location": "向阳新村东门",
                 "lat": 30.33, "lng": 120.15, "anonymous": True}


def _submit(session, user="courier", **changes):
    with session.begin():
        return voice.submit(session=session, ctx=ctx("xiangyang", user), data={**PARKING_ISSUE, **changes})


def _triage(session, voice_id, at, **data):
    with session.begin():
        return voice.triage(session=session, ctx=staff(), voice_id=voice_id, data=data, now=at)


# --- voice ---------------------------------------------------------------------------------------


def test_an_anonymous_item_never_shows_its_author_to_other_residents_or_in_its_event(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    item = _submit(session)
    with session.begin():
        neighbour = voice.view(session=session, ctx=ctx("xiangyang", "neighbour"), item=item)
        author = voice.view(session=session, ctx=ctx("xiangyang", "courier"), item=item)
        officer = voice.view(session=session, ctx=staff(), item=item)
        listed = voice.list_page(session=session, ctx=ctx("xiangyang", "neighbour"), limit=10, after=None).items
    assert neighbour["author_user_id"] is None and neighbour["mine"] is False
    assert "courier" not in repr(neighbour)
    assert author["author_user_id"] == "courier" and author["mine"] is True
    assert officer["author_user_id"] == "courier"
    assert [i.id for i in listed] == [item.id]
    [announced] = announcements.named(events.VOICE_SUBMITTED)
    assert announced["author_user_id"] is None and announced["anonymous"] is True


def test_the_voice_list_pages_newest_first_with_an_opaque_cursor(gov_sessions):
    session = gov_sessions("xiangyang")
    ids = [_submit(session).id for _ in range(5)]
    seen, after = [], None
    with session.begin():
        while True:
            page = voice.list_page(session=session, ctx=staff(), limit=2, after=after)
            seen += [i.id for i in page.items]
            if page.next_cursor is None:
                break
            assert page.next_cursor not in ids  # opaque, not an id
            after = page.next_cursor
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    with pytest.raises(ValidationFailed) as bad, session.begin():
        voice.list_page(session=session, ctx=staff(), limit=2, after=ids[0])
    assert "after" in bad.value.fields


def test_me_too_counts_each_person_once_and_not_the_author(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    item = _submit(session, anonymous=False)
    item_id = item.id
    for user in ("a", "b"):
        with session.begin():
            voice.me_too(session=session, ctx=ctx("xiangyang", user), voice_id=item_id)
    with pytest.raises(Conflict), session.begin():
        voice.me_too(session=session, ctx=ctx("xiangyang", "a"), voice_id=item_id)
    with pytest.raises(Conflict), session.begin():
        voice.me_too(session=session, ctx=ctx("xiangyang", "courier"), voice_id=item_id)
    with session.begin():
        assert voice.get(session=session, voice_id=item_id).me_too_count == 2


def test_triage_follows_the_lifecycle_and_promoting_opens_a_council_topic(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    council_id = make_council(session)[0].id
    item_id = _submit(session).id
    with pytest.raises(Forbidden), session.begin():
        voice.triage(session=session, ctx=ctx("xiangyang", "r"), voice_id=item_id,
                     data={"action": "acknowledge"})
    _triage(session, item_id, NOW, action="acknowledge")
    promoted = _triage(session, item_id, NOW + timedelta(hours=1), action="promote", council_id=council_id,
                       topic_title="东门快递车停放")
    assert promoted.status == "promoted" and promoted.topic_id
    with session.begin():
        topic = session.scalar(select(Topic).where(Topic.id == promoted.topic_id))
    assert topic.source_voice_id == item_id and topic.title == "东门快递车停放"
    assert announcements.named(events.TOPIC_OPENED)[0]["source_voice_id"] == item_id
    with pytest.raises(Conflict) as caught:
        _triage(session, item_id, NOW, action="decline", reason="x")
    assert caught.value.extra["state"] == "promoted"
    resolved = _triage(session, item_id, NOW + timedelta(days=20), action="resolve",
                       answer="专用停车区已启用")
    assert resolved.closed_at == NOW + timedelta(days=20)
    assert resolved.first_answered_at == NOW + timedelta(hours=1)  # the first answer stays the first


def test_time_to_first_answer_is_summarised_per_community_for_staff(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    ids = [_submit(session).id for _ in range(3)]
    with session.begin():
        created = voice.get(session=session, voice_id=ids[0]).created_at
    _triage(session, ids[0], created + timedelta(hours=2), action="answer", answer="已联系物业")
    _triage(session, ids[1], created + timedelta(hours=10), action="decline", reason="不属于本社区")
    other = gov_sessions("dongxin")
    with other.begin():
        voice.submit(session=other, ctx=ctx("dongxin", "x"), data=dict(PARKING_ISSUE))
    with pytest.raises(Forbidden), session.begin():
        figures.voice_stats(session=session, ctx=ctx("xiangyang", "r"))
    with session.begin():
        found = figures.voice_stats(session=session, ctx=staff(), now=created + timedelta(hours=24))
    assert found["tenant_id"] == "xiangyang"
    assert found["items"] == 3 and found["answered"] == 2 and found["awaiting_answer"] == 1
    assert found["median_hours_to_first_answer"] == pytest.approx(6.0, abs=0.01)
    assert found["oldest_waiting_hours"] == pytest.approx(24.0, abs=0.01)
    with gov_sessions.all() as everywhere:
        per_tenant = figures.figures(session=everywhere, tenant_ids=["xiangyang", "dongxin", "huanqiu"])
    assert {t: f["items"] for t, f in per_tenant.items()} == {"xiangyang": 3, "dongxin": 1, "huanqiu": 0}
    assert per_tenant["huanqiu"]["median_hours_to_first_answer"] is None
    assert [e["hours_to_first_answer"] for e in announcements.named(events.VOICE_ANSWERED)] == [2.0, 10.0]


# --- branches and grid ------------------------------------------------------------------------------


def test_branch_data_is_visible_only_to_staff_and_the_branchs_own_officers(gov_sessions):
    session = gov_sessions("xiangyang")
    with session.begin():
        courier = branches.create(session=session, ctx=staff(), data={"name": "快递小哥支部", "kind": "occupational"})
        home = branches.create(session=session, ctx=staff(), data={"name": "向阳新村支部", "kind": "residential"})
        branches.enrol(session=session, ctx=staff(), branch_id=courier.id,
                       data={"user_id": "sec", "display_name": "书记", "role": "secretary", "floating": True})
        courier_id, home_id = courier.id, home.id
    with session.begin():
        seen_by_officer = branches.list_visible(session=session, ctx=ctx("xiangyang", "sec"), limit=10, after=None)
        assert [b.id for b in seen_by_officer.items] == [courier_id]
        seen_by_staff = branches.list_visible(session=session, ctx=staff(), limit=1, after=None)
        rest = branches.list_visible(session=session, ctx=staff(), limit=1, after=seen_by_staff.next_cursor)
        assert {b.id for b in seen_by_staff.items + rest.items} == {courier_id, home_id} and rest.next_cursor is None
        with pytest.raises(NotFound):
            branches.get(session=session, ctx=ctx("xiangyang", "sec"), branch_id=home_id)
        with pytest.raises(Forbidden):
            branches.list_visible(session=session, ctx=ctx("xiangyang", "resident"), limit=10, after=None)
        with pytest.raises(NotFound):
            branches.get(session=session, ctx=ctx("xiangyang", "resident"), branch_id=courier_id)
        with pytest.raises(Forbidden):
            branches.list_grid(session=session, ctx=ctx("xiangyang", "sec"), limit=10, after=None)
        # the officer enrols into their own branch only
        branches.enrol(session=session, ctx=ctx("xiangyang", "sec"), branch_id=courier_id,
                       data={"user_id": "m1", "display_name": "小王", "role": "member", "floating": False})
        with pytest.raises(NotFound):
            branches.enrol(session=session, ctx=ctx("xiangyang", "sec"), branch_id=home_id,
                           data={"user_id": "m2", "display_name": "小李", "role": "member", "floating": False})


def test_a_floating_party_member_is_enrolled_in_a_residential_and_a_building_branch_and_no_more(gov_sessions):
    session = gov_sessions("xiangyang")
    with session.begin():
        made = {kind: branches.create(session=session, ctx=staff(), data={"name": name, "kind": kind}).id
                for name, kind in (("向阳新村支部", "residential"), ("楼宇联合支部", "building_group"),
                                   ("快递小哥支部", "occupational"))}
    floating = {"user_id": "f1", "display_name": "流动党员", "role": "member", "floating": True}
    settled = {"user_id": "s1", "display_name": "本地党员", "role": "member", "floating": False}
    with session.begin():
        branches.enrol(session=session, ctx=staff(), branch_id=made["residential"], data=dict(floating))
        branches.enrol(session=session, ctx=staff(), branch_id=made["building_group"], data=dict(floating))
        branches.enrol(session=session, ctx=staff(), branch_id=made["residential"], data=dict(settled))
    with pytest.raises(Conflict) as third, session.begin():
        branches.enrol(session=session, ctx=staff(), branch_id=made["occupational"], data=dict(floating))
    assert "at most two" in third.value.detail
    with pytest.raises(Conflict) as second, session.begin():
        branches.enrol(session=session, ctx=staff(), branch_id=made["occupational"], data=dict(settled))
    assert "One branch per person" in second.value.detail


# --- projects and duties -----------------------------------------------------------------------------


def _project_with_duty(session, needed=2):
    with session.begin():
        branch = branches.create(session=session, ctx=staff(), data={"name": "快递小哥支部", "kind": "occupational"})
        project = projects.adopt(session=session, ctx=staff(), data={
            "title": "暖蜂驿站守护", "description": "", "kind": "vanguard_project", "adopter_kind": "party_branch",
            "adopter_branch_id": branch.id, "adopter_name": None})
        duty = projects.add_duty(session=session, ctx=staff(), project_id=project.id, now=NOW, data={
            "title": "驿站每周清洁", "weekday": 6, "start_time": "09:00", "end_time": "10:30",
            "volunteers_needed": needed, "hours": None, "weeks_ahead": 3})
        slots = list(session.scalars(select(DutySlot).where(DutySlot.duty_id == duty.id)
                                     .order_by(DutySlot.starts_at)))
    return project, duty, slots


def test_adopting_a_project_is_announced_and_weekly_slots_are_made_in_community_time(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    project, duty, slots = _project_with_duty(session)
    assert announcements.named(events.PROJECT_ADOPTED)[0]["project_id"] == project.id
    assert project.adopter_name == "快递小哥支部" and duty.hours == 1.5
    # NOW is Saturday 10:00 Beijing: today's 09:00 has passed, so the first slot is next Saturday
    local = timezone(timedelta(hours=8))
    assert [s.starts_at.astimezone(local).strftime("%a %d %H:%M") for s in slots] == [
        "Sat 05 09:00", "Sat 12 09:00", "Sat 19 09:00"]
    with session.begin():
        assert projects.add_slots(session=session, duty=duty, weeks=3, now=NOW) == []  # already covered
        extended = projects.add_slots(session=session, duty=duty, weeks=5, now=NOW)
    assert len(extended) == 2 and extended[0].starts_at == slots[-1].starts_at + timedelta(weeks=1)


def test_sign_ups_stop_at_capacity_and_a_cancelled_place_is_free_again(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    _project, _duty, slots = _project_with_duty(session, needed=2)
    slot_id = slots[0].id
    signups = {}
    for user in ("v1", "v2"):
        with session.begin():
            signups[user] = projects.sign_up(session=session, ctx=ctx("xiangyang", user), slot_id=slot_id, now=NOW).id
    with pytest.raises(Conflict) as full, session.begin():
        projects.sign_up(session=session, ctx=ctx("xiangyang", "v3"), slot_id=slot_id, now=NOW)
    assert full.value.message_code == "governance.slot_full"
    assert full.value.extra == {"state": "full", "capacity": 2, "message_code": "governance.slot_full"}
    with pytest.raises(Conflict), session.begin():
        projects.sign_up(session=session, ctx=ctx("xiangyang", "v1"), slot_id=slot_id, now=NOW)
    with session.begin():
        projects.cancel(session=session, ctx=ctx("xiangyang", "v1"), signup_id=signups["v1"], now=NOW)
        projects.sign_up(session=session, ctx=ctx("xiangyang", "v3"), slot_id=slot_id, now=NOW)
        assert session.get(DutySlot, slot_id).taken == 2


def test_checking_in_on_completion_feeds_points_once_and_not_before_the_slot(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    project, _duty, slots = _project_with_duty(session)
    slot = slots[0]
    project_id, slot_id, starts_at, ends_at = project.id, slot.id, slot.starts_at, slot.ends_at
    with session.begin():
        signup_id = projects.sign_up(session=session, ctx=ctx("xiangyang", "v1"), slot_id=slot_id, now=NOW).id
    with pytest.raises(Conflict), session.begin():
        projects.check_in(session=session, ctx=ctx("xiangyang", "v1"), signup_id=signup_id,
                          photo_ref=None, now=starts_at - timedelta(minutes=1))
    with pytest.raises(NotFound), session.begin():
        projects.check_in(session=session, ctx=ctx("xiangyang", "v2"), signup_id=signup_id,
                          photo_ref=None, now=ends_at)
    with session.begin():
        done = projects.check_in(session=session, ctx=ctx("xiangyang", "v1"), signup_id=signup_id,
                                 photo_ref="photos/2026/12/05/station-1.jpg", now=ends_at)
    assert done.status == "completed" and done.hours == 1.5
    [completed] = announcements.named(events.DUTY_COMPLETED)
    assert completed == {"duty_id": signup_id, "project_id": project_id, "user_id": "v1", "hours": 1.5,
                         "completed_at": ends_at.isoformat(), "slot_id": slot_id, "has_photo": True}
    with pytest.raises(Conflict), session.begin():
        projects.check_in(session=session, ctx=ctx("xiangyang", "v1"), signup_id=signup_id,
                          photo_ref=None, now=ends_at)
    assert len(announcements.named(events.DUTY_COMPLETED)) == 1


# --- assets ------------------------------------------------------------------------------------------


def _asset(session, tenant="xiangyang", **data):
    base = {"kind": "rest_stop", "name": "暖蜂驿站1号", "address": "向阳路1号", "lat": 30.33, "lng": 120.15,
            "opening_hours": [{"weekday": d, "open": "08:00", "close": "20:00"} for d in range(1, 8)],
            "amenities": ["water", "microwave"], "project_id": None, "active": True, "share_with_all": False}
    with session.begin():
        return assets.create(session=session, ctx=staff(tenant), data={**base, **data})


def test_the_map_filters_by_amenity_and_open_now_in_community_time(gov_sessions):
    session = gov_sessions("xiangyang")
    _asset(session)
    _asset(session, name="24小时驿站", amenities=["water", "open_24h", "first_aid_kit"], opening_hours=[])
    _asset(session, kind="service_centre", name="党群服务中心", amenities=["toilet"])
    night = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 22:00 in the community
    with session.begin():
        names = lambda found: [a.name for a in found]  # noqa: E731
        assert names(assets.search(session=session, amenity=["water"], now=night)) == ["24小时驿站", "暖蜂驿站1号"]
        assert names(assets.search(session=session, amenity=["water"], open_now=True, now=night)) == ["24小时驿站"]
        assert names(assets.search(session=session, amenity=["water", "microwave"], open_now=True, now=NOW)) == [
            "暖蜂驿站1号"]
        assert names(assets.search(session=session, kind="service_centre")) == ["党群服务中心"]


def test_an_asset_shared_with_all_appears_on_every_communitys_map_but_only_its_owner_changes_it(gov_sessions):
    session = gov_sessions("xiangyang")
    shared = _asset(session, name="运河驿站", share_with_all=True)
    _asset(session, name="向阳内部驿站")
    other = gov_sessions("dongxin")
    with other.begin():
        assert [a.name for a in assets.search(session=other)] == ["运河驿站"]
        with pytest.raises(Forbidden):
            assets.update(session=other, ctx=staff("dongxin"), asset_id=shared.id, changes={"name": "改名"})


def test_distance_sorting_puts_the_nearest_rest_stop_first(gov_sessions):
    session = gov_sessions("xiangyang")
    _asset(session, name="远", lat=30.40, lng=120.20)
    _asset(session, name="近", lat=30.331, lng=120.151)
    with session.begin():
        assert [a.name for a in assets.search(session=session, near_lat=30.33, near_lng=120.15)] == ["近", "远"]
    assert assets.distance_km(30.0, 120.0, 30.0, 120.0) == 0


def test_councils_are_per_community(gov_sessions):
    council, _ = make_council(gov_sessions("xiangyang"))
    other = gov_sessions("dongxin")
    with pytest.raises(NotFound), other.begin():
        councils.get(session=other, council_id=council.id)
