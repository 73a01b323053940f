"""Votes: one member one vote across channels, windows, quorum and threshold edges,
secret-ballot unlinkability, reminders and closing."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.common.contracts import load
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.governance import councils, events, voting
from services.governance.contracts.schemas import VoteOpen
from services.governance.models import Ballot, Proposal, VoteReceipt
from tests.unit.governance.conftest import NOW, ctx, make_council, open_vote, proposal_in_deliberation, staff

GROUPS = {"u1": "courier", "u2": "courier", "u3": "resident", "u4": "property_manager"}


@pytest.fixture
def council_vote(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    council, seats = make_council(session, members=GROUPS.items())
    proposal = proposal_in_deliberation(session, council, "u1")
    return session, council, seats, proposal


def _cast(session, user, vote, choice="agree", at=NOW + timedelta(hours=1), tenant="xiangyang", reason=None):
    with session.begin():
        return voting.cast(session=session, ctx=ctx(tenant, user), vote_id=vote.id, choice=choice, reason=reason,
                           now=at)


def _close(session, vote, at=NOW + timedelta(hours=49), early=False):
    with session.begin():
        return voting.close(session=session, ctx=staff(), vote_id=vote.id, early=early, now=at)


def test_opening_a_vote_moves_the_proposal_to_voting_and_announces_the_roll(council_vote, announcements):
    session, _council, _seats, proposal = council_vote
    vote = open_vote(session, proposal)
    assert session.get(Proposal, proposal.id).status == "voting"
    [opened] = announcements.named(events.VOTE_OPENED)
    assert opened["vote_id"] == vote.id and opened["eligible"] == 4
    assert vote.remind_at == vote.closes_at - timedelta(hours=12)


def test_a_window_shorter_than_a_day_is_refused_so_shift_workers_can_vote(council_vote, announcements):
    session, _council, _seats, proposal = council_vote
    with pytest.raises(ValidationFailed) as caught:
        open_vote(session, proposal, closes_at=NOW + timedelta(hours=23, minutes=59))
    assert "closes_at" in caught.value.fields
    with pytest.raises(ValidationFailed):
        load(VoteOpen(), {"opens_at": "2026-12-01T08:00:00+00:00", "closes_at": "2026-12-01T20:00:00+00:00"})


def test_only_a_proposal_in_deliberation_can_be_put_to_the_vote_once(council_vote, announcements):
    session, _council, _seats, proposal = council_vote
    open_vote(session, proposal)
    with pytest.raises(Conflict) as caught:
        open_vote(session, proposal)
    assert caught.value.extra["state"] == "voting"


def test_a_second_ballot_in_the_same_channel_is_refused_naming_the_first(council_vote, announcements):
    session, _council, _seats, proposal = council_vote
    vote = open_vote(session, proposal)
    _cast(session, "u1", vote)
    with pytest.raises(Conflict) as caught:
        _cast(session, "u1", vote, "disagree")
    assert caught.value.extra["state"] == "voted" and caught.value.extra["channel"] == "online"
    assert "once" in caught.value.detail


def test_a_member_who_voted_online_cannot_vote_again_in_the_room_and_vice_versa(council_vote, announcements):
    session, _council, seats, proposal = council_vote
    vote = open_vote(session, proposal)
    _cast(session, "u1", vote)
    with pytest.raises(Conflict) as caught, session.begin():
        voting.cast(session=session, ctx=staff(), vote_id=vote.id, choice="disagree", reason=None,
                    channel="in_room", member_id=seats["u1"].id, now=NOW + timedelta(hours=2))
    assert caught.value.extra["channel"] == "online" and "across channels" in caught.value.detail
    with session.begin():
        voting.cast(session=session, ctx=staff(), vote_id=vote.id, choice="agree", reason=None, channel="in_room",
                    member_id=seats["u2"].id, now=NOW + timedelta(hours=2))
    with pytest.raises(Conflict) as caught:
        _cast(session, "u2", vote)
    assert caught.value.extra["channel"] == "in_room"
    with session.begin():
        assert voting.voted_count(session=session, vote=vote) == 2


def test_a_ballot_can_be_changed_until_close_and_only_the_last_choice_counts(council_vote, announcements):
    session, _council, _seats, proposal = council_vote
    vote = open_vote(session, proposal)
    _cast(session, "u1", vote, "disagree")
    with session.begin():
        changed = voting.change(session=session, ctx=ctx("xiangyang", "u1"), vote_id=vote.id, choice="agree",
                                reason="想通了 / changed my mind", now=NOW + timedelta(hours=3))
    assert changed["choice"] == "agree"
    closed = _close(session, vote)
    assert closed.result["totals"] == {"agree": 1, "abstain": 0, "disagree": 0, "block": 0}
    with pytest.raises(Conflict) as caught, session.begin():
        voting.change(session=session, ctx=ctx("xiangyang", "u1"), vote_id=vote.id, choice="block", reason=None,
                      now=NOW + timedelta(hours=50))
    assert caught.value.extra["state"] == "closed"


def test_voting_before_the_window_opens_or_after_it_closes_is_refused(council_vote, announcements):
    session, _council, _seats, proposal = council_vote
    vote = open_vote(session, proposal, opens_at=NOW + timedelta(hours=2),
                     closes_at=NOW + timedelta(hours=26))
    with pytest.raises(Conflict) as early:
        _cast(session, "u1", vote, at=NOW + timedelta(hours=1))
    assert early.value.extra["state"] == "scheduled"
    with pytest.raises(Conflict) as late:
        _cast(session, "u1", vote, at=NOW + timedelta(hours=26))
    assert late.value.extra["state"] == "closed"
    _cast(session, "u1", vote, at=NOW + timedelta(hours=25, minutes=59))


def test_a_non_member_and_a_member_seated_after_the_vote_opened_cannot_vote(council_vote, announcements):
    session, council, _seats, proposal = council_vote
    vote = open_vote(session, proposal)
    with pytest.raises(Forbidden) as stranger:
        _cast(session, "u-stranger", vote)
    assert "not a member" in stranger.value.detail
    with session.begin():
        [late] = councils.add_members(session=session, ctx=staff(), council_id=council.id, members=[
            {"user_id": "u-late", "display_name": "后来者", "stakeholder_group": "resident"}])
        late.joined_at = NOW + timedelta(minutes=5)
    with pytest.raises(Forbidden) as packed:
        _cast(session, "u-late", vote)
    assert "after the vote opened" in packed.value.detail


def test_another_communitys_vote_is_not_found(council_vote, announcements, gov_sessions):
    session, _council, _seats, proposal = council_vote
    vote = open_vote(session, proposal)
    other = gov_sessions("dongxin")
    with pytest.raises(NotFound), other.begin():
        voting.cast(session=other, ctx=ctx("dongxin", "u1"), vote_id=vote.id, choice="agree", reason=None, now=NOW)


@pytest.mark.parametrize("totals, eligible, quorum, threshold, block_limit, expected", [
    # quorum: voters × 100 ≥ quorum% × eligible — exactly half of 10 meets a 50 % quorum, 4 do not
    ({"agree": 5, "abstain": 0, "disagree": 0, "block": 0}, 10, 50, 50, None, ("adopted", True, True)),
    ({"agree": 4, "abstain": 0, "disagree": 0, "block": 0}, 10, 50, 50, None, ("rejected", False, True)),
    # abstentions count for quorum, not for the threshold
    ({"agree": 1, "abstain": 4, "disagree": 0, "block": 0}, 10, 50, 50, None, ("adopted", True, True)),
    # a tie is not a majority: agree must be MORE than the threshold share
    ({"agree": 3, "abstain": 0, "disagree": 3, "block": 0}, 6, 50, 50, None, ("rejected", True, False)),
    ({"agree": 4, "abstain": 0, "disagree": 3, "block": 0}, 7, 50, 50, None, ("adopted", True, True)),
    # two-thirds: 2 of 3 is 66.7 % > 66, but 66 of 100 is not
    ({"agree": 2, "abstain": 0, "disagree": 1, "block": 0}, 3, 50, 66, None, ("adopted", True, True)),
    ({"agree": 66, "abstain": 0, "disagree": 34, "block": 0}, 100, 50, 66, None, ("rejected", True, False)),
    # blocks count as disagree; at the block limit the proposal falls whatever the majority
    ({"agree": 8, "abstain": 0, "disagree": 0, "block": 2}, 10, 50, 50, 2, ("rejected", True, True)),
    ({"agree": 8, "abstain": 0, "disagree": 0, "block": 1}, 10, 50, 50, 2, ("adopted", True, True)),
    # nobody voted: no quorum, no decision
    ({"agree": 0, "abstain": 0, "disagree": 0, "block": 0}, 10, 0, 50, None, ("rejected", True, False)),
])
def test_quorum_and_threshold_edges(totals, eligible, quorum, threshold, block_limit, expected):
    result = voting.decide(totals=totals, eligible=eligible, quorum_percent=quorum, threshold_percent=threshold,
                           block_limit=block_limit)
    assert (result["outcome"], result["quorum_met"], result["threshold_met"]) == expected
    assert result["blocked"] is (block_limit is not None and totals["block"] >= block_limit)


def test_closing_before_the_window_ends_is_refused_until_every_eligible_member_has_voted(council_vote, announcements):
    session, _council, _seats, proposal = council_vote
    vote = open_vote(session, proposal)
    for user in ("u1", "u2", "u3"):
        _cast(session, user, vote)
    with pytest.raises(Conflict) as not_yet:
        _close(session, vote, at=NOW + timedelta(hours=5))
    assert not_yet.value.extra["state"] == "open"
    with pytest.raises(Conflict) as missing:
        _close(session, vote, at=NOW + timedelta(hours=5), early=True)
    assert missing.value.extra == {"state": "open", "voted": 3, "eligible": 4,
                                   "message_code": "governance.not_everyone_voted"}
    _cast(session, "u4", vote, "disagree")
    closed = _close(session, vote, at=NOW + timedelta(hours=5), early=True)
    assert closed.status == "closed" and closed.outcome == "adopted"
    with pytest.raises(Conflict) as again:
        _close(session, vote)
    assert again.value.extra["state"] == "closed"


def test_the_tally_breaks_down_by_stakeholder_group_and_channel_and_decides_the_proposal(council_vote, announcements):
    session, _council, seats, proposal = council_vote
    vote = open_vote(session, proposal, quorum_percent=75)
    _cast(session, "u1", vote, "agree", reason="有固定停车位就不乱停了")
    _cast(session, "u2", vote, "disagree")
    with session.begin():
        voting.cast(session=session, ctx=staff(), vote_id=vote.id, choice="block", reason="物业人手不够",
                    channel="in_room", member_id=seats["u4"].id, now=NOW + timedelta(hours=2))
    closed = _close(session, vote)
    result = closed.result
    assert result["eligible"] == 4 and result["voted"] == 3 and result["quorum_met"] is True
    assert result["by_group"]["courier"] == {"agree": 1, "abstain": 0, "disagree": 1, "block": 0}
    assert result["by_group"]["property_manager"]["block"] == 1
    assert result["by_channel"]["in_room"]["block"] == 1 and result["by_channel"]["online"]["agree"] == 1
    assert closed.outcome == "rejected" and session.get(Proposal, proposal.id).status == "rejected"
    [announced] = announcements.named(events.VOTE_CLOSED)
    assert announced["outcome"] == "rejected" and announced["totals"]["block"] == 1
    assert {r["reason"] for r in result["reasons"]} == {"有固定停车位就不乱停了", "物业人手不够"}


def test_a_secret_ballot_stores_nothing_that_links_it_to_its_voter(council_vote, announcements):
    session, _council, seats, proposal = council_vote
    vote = open_vote(session, proposal, secret=True)
    receipts = {u: _cast(session, u, vote, c) for u, c in (("u1", "agree"), ("u2", "disagree"), ("u3", "agree"))}
    with session.begin():  # what the service does right after each cast, in a transaction of its own
        voting.mix(session=session, vote_id=vote.id)
    assert all(r["choice"] is None and len(r["receipt_code"]) >= 20 for r in receipts.values())
    identifying = {s.id for s in seats.values()} | set(seats) | {r["receipt_code"] for r in receipts.values()}
    with session.begin():
        ballots = list(session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)))
        stored = list(session.scalars(select(VoteReceipt).where(VoteReceipt.vote_id == vote.id)))
    assert len(ballots) == 3 and len(stored) == 3
    for ballot in ballots:
        values = {getattr(ballot, c.key) for c in Ballot.__table__.columns}
        assert not values & identifying, "a ballot column names its voter or their receipt"
        assert ballot.member_id is None and ballot.cast_at is None and ballot.changed_at is None
    assert all(r.ballot_id is None for r in stored)
    # the voter, and only with their code, can still change it
    with session.begin():
        voting.change(session=session, ctx=ctx("xiangyang", "u2"), vote_id=vote.id, choice="agree", reason=None,
                      receipt_code=receipts["u2"]["receipt_code"], now=NOW + timedelta(hours=3))
    with pytest.raises(ValidationFailed) as wrong, session.begin():
        voting.change(session=session, ctx=ctx("xiangyang", "u1"), vote_id=vote.id, choice="block", reason=None,
                      receipt_code="not-my-code", now=NOW + timedelta(hours=3))
    assert "receipt_code" in wrong.value.fields
    closed = _close(session, vote)
    assert closed.result["totals"]["agree"] == 3 and closed.result["reasons"] == []


def test_the_sweep_reminds_only_members_who_have_not_voted_once_then_closes_at_the_end(council_vote, announcements):
    session, _council, _seats, proposal = council_vote
    vote = open_vote(session, proposal)
    _cast(session, "u1", vote)
    with session.begin():
        assert voting.sweep(session=session, now=NOW + timedelta(hours=35)) == {"reminded": 0,
                                                                                               "closed": 0, "mixed": 0}
    with session.begin():
        assert voting.sweep(session=session, now=NOW + timedelta(hours=37))["reminded"] == 1
    with session.begin():
        assert voting.sweep(session=session, now=NOW + timedelta(hours=38))["reminded"] == 0
    [reminder] = announcements.named(events.VOTE_CLOSING_SOON)
    assert reminder["not_voted_user_ids"] == ["u2", "u3", "u4"] and reminder["not_voted"] == 3
    with session.begin():
        assert voting.sweep(session=session, now=NOW + timedelta(hours=48))["closed"] == 1
    [closed] = announcements.named(events.VOTE_CLOSED)
    assert closed["voted"] == 1 and closed["quorum_met"] is False and closed["outcome"] == "rejected"
