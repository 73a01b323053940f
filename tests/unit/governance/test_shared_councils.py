"""Councils across communities: huanqiu's council on a shared theme seats couriers of
xiangyang and dongxin; they read it from home and act in huanqiu as visitors; the
hospital (not in the audience) sees nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.common.database import announced
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.governance import council_sessions, councils, proposals, resolutions, sharing, voting
from services.governance.models import ActionItem, Council, CouncilSession, Proposal, Resolution, Vote
from tests.unit.governance.conftest import NOW, ctx, open_vote, proposal_in_deliberation, staff

OWNER = "huanqiu"
SEATS = [("hq-resident", "resident", None), ("xy-courier", "courier", "xiangyang"),
         ("dx-courier", "courier", "dongxin")]


@pytest.fixture
def shared(gov_sessions):
    home = gov_sessions(OWNER)
    with home.begin():
        council = councils.create(session=home, ctx=staff(OWNER), data={
            "name": "跨社区红茶议事会", "theme": "小哥友好社区", "description": "",
            "shared_with": ["xiangyang", "dongxin"]})
        seats = councils.add_members(session=home, ctx=staff(OWNER), council_id=council.id, members=[
            {"user_id": u, "display_name": u, "stakeholder_group": g, "home_tenant_id": t} for u, g, t in SEATS])
        for seat in seats:
            seat.joined_at = NOW - timedelta(days=30)
    return home, council, {s.user_id: s for s in seats}


def test_a_shared_council_is_read_from_the_communities_it_names_and_not_from_a_fourth(shared, gov_sessions):
    _owner_session, council, seats = shared
    assert council.audience == ",dongxin,xiangyang," and sharing.shared_with(council) == ["dongxin", "xiangyang"]
    assert seats["xy-courier"].home_tenant_id == "xiangyang" and seats["hq-resident"].home_tenant_id == OWNER
    for community in ("xiangyang", "dongxin"):
        guest = gov_sessions(community)
        with guest.begin():
            assert councils.get(session=guest, council_id=council.id).tenant_id == OWNER
            assert sharing.owner_of(guest, Council, council.id) == OWNER
    outsider = gov_sessions("hospital")
    with pytest.raises(NotFound), outsider.begin():
        councils.get(session=outsider, council_id=council.id)
    with outsider.begin():
        assert sharing.owner_of(outsider, Council, council.id) is None


def test_what_hangs_off_the_council_inherits_its_audience_and_follows_a_change(shared, gov_sessions, announcements):
    home, council, _seats = shared
    proposal = proposal_in_deliberation(home, council, "xy-courier", tenant_id=OWNER)
    vote = open_vote(home, proposal, tenant_id=OWNER)
    with home.begin():
        meeting = council_sessions.schedule(session=home, ctx=staff(OWNER), council_id=council.id, data={
            "title": "议事", "agenda": [], "topic_ids": [], "starts_at": NOW, "ends_at": NOW + timedelta(hours=1),
            "venue": "环球党群服务中心", "online_url": None, "chair_member_id": None})
    rows = (Proposal, proposal.id), (Vote, vote.id), (CouncilSession, meeting.id)
    with home.begin():
        assert {home.get(m, i).audience for m, i in rows} == {",dongxin,xiangyang,"}
        sharing.share(session=home, ctx=staff(OWNER), council_id=council.id,
                      communities=["xiangyang", "dongxin", "hospital"])
    outsider = gov_sessions("hospital")
    with outsider.begin():
        assert all(outsider.get(m, i) is not None for m, i in rows)


def test_only_the_owner_shares_and_seats_and_seats_come_from_the_owner_or_a_named_community(shared, gov_sessions):
    home, council, _seats = shared
    guest = gov_sessions("xiangyang")
    with pytest.raises(Forbidden), guest.begin():
        sharing.share(session=guest, ctx=staff("xiangyang"), council_id=council.id, communities=[])
    with pytest.raises(Forbidden), guest.begin():
        councils.add_members(session=guest, ctx=staff("xiangyang"), council_id=council.id, members=[
            {"user_id": "x", "display_name": "x", "stakeholder_group": "courier"}])
    with pytest.raises(ValidationFailed) as caught, home.begin():
        councils.add_members(session=home, ctx=staff(OWNER), council_id=council.id, members=[
            {"user_id": "h", "display_name": "h", "stakeholder_group": "partner", "home_tenant_id": "hospital"}])
    assert "members" in caught.value.fields


def test_a_community_with_seated_members_stays_in_the_audience_until_they_are_unseated(shared):
    home, council, seats = shared
    with pytest.raises(Conflict) as caught, home.begin():
        sharing.share(session=home, ctx=staff(OWNER), council_id=council.id, communities=["xiangyang"])
    assert caught.value.extra == {"state": "members_seated", "communities": ["dongxin"],
                                  "message_code": "governance.communities_still_seated"}
    with home.begin():
        councils.remove_member(session=home, ctx=staff(OWNER), council_id=council.id,
                               member_id=seats["dx-courier"].id)
        assert sharing.share(session=home, ctx=staff(OWNER), council_id=council.id,
                             communities=["xiangyang"]).audience == ",xiangyang,"


def test_visitors_vote_in_the_owning_community_with_their_seat_and_no_home_roles(shared, announcements):
    home, council, _seats = shared
    proposal = proposal_in_deliberation(home, council, "hq-resident", tenant_id=OWNER)
    vote = open_vote(home, proposal, tenant_id=OWNER)
    at = NOW + timedelta(hours=1)
    for user, community, choice in (("xy-courier", "xiangyang", "agree"), ("dx-courier", "dongxin", "agree"),
                                    ("hq-resident", OWNER, "disagree")):
        caller = ctx(community, user)
        with home.begin():
            voting.cast(session=home, ctx=sharing.visiting(caller) if community != OWNER else caller,
                        vote_id=vote.id, choice=choice, reason=None, now=at)
    visiting_staff = sharing.visiting(staff("xiangyang"))
    assert visiting_staff.roles == frozenset() and visiting_staff.tenant_id == "xiangyang"
    with pytest.raises(Forbidden), home.begin():
        voting.close(session=home, ctx=visiting_staff, vote_id=vote.id, early=True, now=at)
    with home.begin():
        closed = voting.close(session=home, ctx=staff(OWNER), vote_id=vote.id, early=True, now=at)
    assert closed.result["eligible"] == 3 and closed.result["totals"]["agree"] == 2
    assert closed.result["by_group"]["courier"]["agree"] == 2 and closed.result["by_group"]["resident"][
        "disagree"] == 1


def test_a_visitor_comments_and_disputes_an_action_item_in_the_owning_community(shared, announcements):
    home, council, _seats = shared
    proposal = proposal_in_deliberation(home, council, "hq-resident", tenant_id=OWNER)
    with home.begin():
        note = proposals.comment(session=home, ctx=sharing.visiting(ctx("dongxin", "dx-courier")),
                                 proposal_id=proposal.id, body="东新骑手也经过", parent_id=None)
    assert note.tenant_id == OWNER
    with home.begin():
        home.get(Proposal, proposal.id).status = "adopted"
        resolution = resolutions.adopt(session=home, ctx=staff(OWNER), proposal_id=proposal.id,
                                       data={"text": "共建驿站", "effective_on": NOW.date(), "review_on": None,
                                             "title": None, "action_items": [{
                                                 "title": "装饮水机", "description": "", "assignee_kind": "community",
                                                 "assignee_name": "环球社区", "assignee_user_id": None,
                                                 "due_on": NOW.date(), "dispute_threshold": 1}]})
        [item] = list(home.scalars(select(ActionItem).where(ActionItem.resolution_id == resolution.id)))
        assert resolution.audience == item.audience == ",dongxin,xiangyang,"
        resolutions.report(session=home, ctx=staff(OWNER), item_id=item.id, note="装好了",
                           progress_percent=None, completed=True)
    with home.begin():
        item = resolutions.give_feedback(session=home, ctx=sharing.visiting(ctx("xiangyang", "xy-courier")),
                                         item_id=item.id, verdict="dispute", comment="没通水")
    assert item.status == "reopened" and home.get(Resolution, resolution.id) is not None


def test_a_communitys_sweep_leaves_a_vote_shared_with_it_to_the_owner(shared, gov_sessions, announcements):
    home, council, _seats = shared
    proposal = proposal_in_deliberation(home, council, "hq-resident", tenant_id=OWNER)
    vote = open_vote(home, proposal, tenant_id=OWNER)
    guest = gov_sessions("xiangyang")
    with guest.begin():
        done = voting.sweep(session=guest, now=NOW + timedelta(days=3))
    assert done["closed"] == 0
    with home.begin():
        assert voting.sweep(session=home, now=NOW + timedelta(days=3))["closed"] == 1
        assert home.get(Vote, vote.id).status == "closed"


def _copies(gov_sessions, event):
    """(tenant, data) of each copy of `event` announced on the test's sessions, in order."""
    return [(e["tenantid"], e["data"]) for session in gov_sessions._opened for e in announced(session, event)]


def test_a_shared_councils_votes_and_sessions_are_announced_in_each_community_with_its_own_people(
        shared, gov_sessions):
    home, council, seats = shared
    with home.begin():  # a seat without an account: nobody to tell in its community
        councils.add_members(session=home, ctx=staff(OWNER), council_id=council.id, members=[
            {"user_id": None, "display_name": "张大爷", "stakeholder_group": "resident",
             "home_tenant_id": OWNER}])
    proposal = proposal_in_deliberation(home, council, "hq-resident", tenant_id=OWNER)
    vote = open_vote(home, proposal, tenant_id=OWNER)  # eligible: the three seated a month ago
    everywhere = [OWNER, "dongxin", "xiangyang"]  # the owner first, then the others, each once
    opened = _copies(gov_sessions, "vote_opened")
    assert [t for t, _d in opened] == everywhere
    assert all(d == opened[0][1] and d["vote_id"] == vote.id for _t, d in opened)

    with home.begin():  # the courier of dongxin votes; a day before close the others are reminded
        voting.cast(session=home, ctx=sharing.visiting(ctx("dongxin", "dx-courier")), vote_id=vote.id,
                    choice="agree", reason=None, now=NOW + timedelta(hours=1))
    with home.begin():
        assert voting.sweep(session=home, now=NOW + timedelta(hours=37))["reminded"] == 1
    with home.begin():
        assert voting.sweep(session=home, now=NOW + timedelta(hours=38))["reminded"] == 0
    reminded = _copies(gov_sessions, "vote_closing_soon")
    assert [(t, d["not_voted_user_ids"], d["not_voted"]) for t, d in reminded] == [
        (OWNER, ["hq-resident"], 2), ("xiangyang", ["xy-courier"], 2)]  # dongxin's has voted: no copy there

    with home.begin():
        meeting = council_sessions.schedule(session=home, ctx=staff(OWNER), council_id=council.id, data={
            "title": "跨社区议事", "agenda": [], "topic_ids": [], "starts_at": NOW + timedelta(days=3),
            "ends_at": NOW + timedelta(days=3, hours=2), "venue": "环球党群服务中心", "online_url": None,
            "chair_member_id": None})
    with home.begin():
        council_sessions.invite(session=home, ctx=staff(OWNER), session_id=meeting.id,
                                member_ids=[seats["xy-courier"].id])
    with home.begin():
        council_sessions.invite(session=home, ctx=staff(OWNER), session_id=meeting.id, member_ids=None)
    invited = _copies(gov_sessions, "council_session_scheduled")
    assert [(t, d["newly_invited_user_ids"], d["invited"], d["newly_invited"]) for t, d in invited] == [
        (OWNER, [], 1, 1), ("xiangyang", ["xy-courier"], 1, 1),  # a guest alone: the owner's copy names nobody
        (OWNER, ["hq-resident"], 4, 3), ("dongxin", ["dx-courier"], 4, 3)]
    with home.begin():
        assert council_sessions.remind_due(session=home, now=NOW + timedelta(days=2, hours=1)) == 1
    assert [t for t, _d in _copies(gov_sessions, "council_session_due")] == everywhere

    with home.begin():
        voting.close(session=home, ctx=staff(OWNER), vote_id=vote.id, early=False, now=NOW + timedelta(hours=48))
    closed = _copies(gov_sessions, "vote_closed")
    assert [t for t, _d in closed] == everywhere and closed[0][1]["eligible"] == 3
    ids = [e["id"] for session in gov_sessions._opened for e in announced(session)]
    assert len(ids) == len(set(ids))  # each copy an event of its own


def test_a_council_of_one_community_announces_once_there(gov_sessions):
    home = gov_sessions("xiangyang")
    with home.begin():
        council = councils.create(session=home, ctx=staff(), data={"name": "红茶议事会", "theme": "",
                                                                    "description": "", "shared_with": []})
        for seat in councils.add_members(session=home, ctx=staff(), council_id=council.id, members=[
                {"user_id": "c1", "display_name": "c1", "stakeholder_group": "courier"}]):
            seat.joined_at = NOW - timedelta(days=1)
    vote = open_vote(home, proposal_in_deliberation(home, council, "c1"))
    with home.begin():
        voting.sweep(session=home, now=NOW + timedelta(hours=37))
    assert [(t, d["vote_id"]) for t, d in _copies(gov_sessions, "vote_opened")] == [("xiangyang", vote.id)]
    assert [(t, d["not_voted_user_ids"]) for t, d in _copies(gov_sessions, "vote_closing_soon")] == [
        ("xiangyang", ["c1"])]
