"""Secret ballots: sealed at casting, mixed into the pool in a transaction of their own,
counted exactly once, changeable until close. (What PostgreSQL itself keeps — xmin,
ctid — is checked over HTTP in tests/e2e/governance/test_shared_councils_and_secret_ballots.py.)"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.governance import voting
from services.governance.models import Ballot, SecretBallotInbox, VoteReceipt
from tests.unit.governance.conftest import NOW, ctx, make_council, open_vote, proposal_in_deliberation, staff

AT = NOW + timedelta(hours=1)


@pytest.fixture
def secret_vote(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    members = [(f"u{i}", "courier" if i % 2 else "resident") for i in range(1, 9)]
    council, seats = make_council(session, members=members)
    proposal = proposal_in_deliberation(session, council, "u1")
    return session, seats, open_vote(session, proposal, secret=True)


def _cast(session, vote, user, choice):
    with session.begin():
        return voting.cast(session=session, ctx=ctx("xiangyang", user), vote_id=vote.id, choice=choice,
                           reason=None, now=AT)


def _mix(session, vote, **kw):
    with session.begin():
        return voting.mix(session=session, vote_id=vote.id, **kw)


def _pool(session, vote):
    with session.begin():
        return list(session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)))


def _inbox(session, vote):
    with session.begin():
        return session.scalar(select(func.count()).select_from(SecretBallotInbox)
                              .where(SecretBallotInbox.vote_id == vote.id))


def test_a_cast_secret_ballot_waits_sealed_in_the_inbox_and_the_pool_gets_it_only_from_the_mix(secret_vote):
    session, _seats, vote = secret_vote
    receipt = _cast(session, vote, "u1", "agree")
    assert receipt["secret"] and receipt["choice"] is None and receipt["receipt_code"]
    assert _inbox(session, vote) == 1 and _pool(session, vote) == []
    assert _mix(session, vote) == 1
    assert _inbox(session, vote) == 0
    [pooled] = _pool(session, vote)
    assert pooled.choice == "agree" and pooled.member_id is None and pooled.cast_at is None


def test_every_mix_rewrites_the_whole_pool_with_fresh_ids_and_keeps_every_choice(secret_vote):
    session, _seats, vote = secret_vote
    choices = {"u1": "agree", "u2": "disagree", "u3": "agree", "u4": "block", "u5": "abstain"}
    seen_ids: set[str] = set()
    for user, choice in choices.items():
        _cast(session, vote, user, choice)
        _mix(session, vote)
        pool = _pool(session, vote)
        ids = {b.id for b in pool}
        assert not ids & seen_ids, "a pooled ballot kept an id across mixes: it could be followed"
        seen_ids |= ids
    assert sorted(b.choice for b in _pool(session, vote)) == sorted(choices.values())


def test_a_large_pool_mixes_in_batches_and_the_sweep_mixes_the_remainder(secret_vote, monkeypatch):
    session, _seats, vote = secret_vote
    monkeypatch.setattr(voting, "MIX_RATIO", 2)
    for user in ("u1", "u2", "u3", "u4"):
        _cast(session, vote, user, "agree")
        _mix(session, vote)
    # pool of 2 after two rounds; with ratio 2 a single sealed ballot waits for a second one
    assert len(_pool(session, vote)) + _inbox(session, vote) == 4
    _cast(session, vote, "u5", "agree")
    assert _mix(session, vote) == 0 and _inbox(session, vote) >= 1
    with session.begin():
        done = voting.sweep(session=session, now=AT)
    assert done["mixed"] >= 1 and _inbox(session, vote) == 0 and len(_pool(session, vote)) == 5


def test_sealed_and_pooled_ballots_are_each_counted_exactly_once_at_close(secret_vote, announcements):
    session, _seats, vote = secret_vote
    for user, choice in (("u1", "agree"), ("u2", "agree"), ("u3", "disagree")):
        _cast(session, vote, user, choice)
    _mix(session, vote)
    _cast(session, vote, "u4", "agree")  # still sealed when the vote closes
    with session.begin():
        closed = voting.close(session=session, ctx=staff(), vote_id=vote.id,
                              now=NOW + timedelta(hours=49))
    assert closed.result["totals"] == {"agree": 3, "abstain": 0, "disagree": 1, "block": 0}
    assert closed.result["by_group"]["courier"]["agree"] + closed.result["by_group"]["resident"]["agree"] == 3
    assert _inbox(session, vote) == 0 and len(_pool(session, vote)) == 4


def test_a_secret_ballot_can_be_changed_with_its_code_whether_still_sealed_or_already_mixed(secret_vote, announcements):
    session, _seats, vote = secret_vote
    sealed = _cast(session, vote, "u1", "agree")
    with session.begin():
        voting.change(session=session, ctx=ctx("xiangyang", "u1"), vote_id=vote.id, choice="disagree", reason=None,
                      receipt_code=sealed["receipt_code"], now=AT)
    _mix(session, vote)
    with session.begin():
        voting.change(session=session, ctx=ctx("xiangyang", "u1"), vote_id=vote.id, choice="block", reason="危险",
                      receipt_code=sealed["receipt_code"], now=AT)
    _mix(session, vote, everything=True)  # the service re-mixes after a change
    [ballot] = _pool(session, vote)
    assert ballot.choice == "block" and ballot.changed_at is None
    with session.begin():
        assert session.scalar(select(func.count()).select_from(VoteReceipt)) == 1


def test_mixing_an_open_ballot_vote_does_nothing(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    council, _seats = make_council(session, members=[("u1", "courier")])
    proposal = proposal_in_deliberation(session, council, "u1")
    vote = open_vote(session, proposal, secret=False)
    _cast(session, vote, "u1", "agree")
    assert _mix(session, vote, everything=True) == 0
    [ballot] = _pool(session, vote)
    assert ballot.member_id is not None
