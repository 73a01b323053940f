"""Votes on proposals: one member, one vote, across online and in-room channels.

- A vote has a window (at least 24 h, so shift workers can take part), a quorum
  (share of eligible members who vote) and a threshold (agree must be MORE than
  `threshold_percent` of agree + disagree + block; abstentions count for quorum
  only). `block_limit` blocks reject whatever the majority (Loomio's block).
- Eligible: members seated on the council when the vote opened (the roll closes at
  opening, so a council cannot be packed mid-vote).
- A member votes once, in one channel; they may change their choice until close
  in the channel they used. The receipt table's unique key enforces this, also
  against concurrent requests.
- Secret ballot: the ballot stores no member, no time, and only the hash of a
  receipt code handed to the voter once; the receipt row stores that the member
  voted and nothing about the ballot. Casting writes the receipt and the ballot
  into a sealed inbox in ONE transaction (so a ballot is never lost or counted
  twice); right after, `mix` moves the inbox into the pool by rewriting the vote's
  whole secret pool in shuffled order with fresh ids, in a transaction of its own.
  After that no live row of `ballots` shares a transaction id (`xmin`), an
  insertion order, an id or a time with any receipt: every pooled ballot carries
  the mixer's `xmin` and a random place. See docs/governance.md for the limits.
- Casting holds the vote's lock shared and closing holds it exclusive, so a ballot
  is either counted by the close or refused, never stored uncounted.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.access import get_or_404, require_staff
from services.common.context import CallContext
from services.common.database import new_id, utcnow
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.governance import events, sharing
from services.governance.access import council_member
from services.governance.contracts.messages import (
    ALREADY_VOTED_ELSEWHERE,
    ALREADY_VOTED_HERE,
    ALREADY_VOTED_MEANWHILE,
    BALLOT_CHOICES,
    CHANGE_IN_SAME_CHANNEL,
    CHANNELS,
    JOINED_AFTER_OPENING,
    NOT_EVERYONE_VOTED,
    NOT_VOTED_YET,
    OPENS_IN_PAST,
    PERSON_NOT_ON_COUNCIL,
    PROPOSAL_NOT_FOUND,
    RECEIPT_CODE_REQUIRED,
    VOTE_ALREADY_CLOSED,
    VOTE_EXISTS,
    VOTE_NEEDS_DELIBERATION,
    VOTE_NOT_FOUND,
    VOTE_STILL_OPEN,
    VOTE_WINDOW_TOO_LONG,
    VOTE_WINDOW_TOO_SHORT,
    VOTING_CLOSED,
    VOTING_NOT_OPEN,
    WRONG_RECEIPT_CODE,
    YOU_ARE_NOT_ON_COUNCIL,
)
from services.governance.contracts.schemas import MAX_VOTE_WINDOW, MIN_VOTE_WINDOW
from services.governance.models import Ballot, CouncilMember, Proposal, SecretBallotInbox, Vote, VoteReceipt

# A large secret poll is mixed once the inbox holds 1/MIX_RATIO of the pool (the sweep
# and the close mix whatever remains), so rewriting the pool costs O(MIX_RATIO) per
# ballot; a council-sized vote (pool < MIX_RATIO) is mixed after every ballot.
MIX_RATIO = 50

_shuffler = secrets.SystemRandom()


def _token_hash(vote_id: str, code: str) -> str:
    return hashlib.sha256(f"{vote_id}:{code}".encode()).hexdigest()


# --- opening -----------------------------------------------------------------------------------


def open_vote(*, session: Session, ctx: CallContext, proposal_id: str, data: dict[str, Any],
              now: datetime | None = None) -> Vote:
    """Staff put a proposal in deliberation to the vote."""
    actor = require_staff(ctx)
    now = now or utcnow()
    proposal = get_or_404(session, Proposal, proposal_id, PROPOSAL_NOT_FOUND)
    if proposal.status != "in_deliberation":
        raise Conflict(VOTE_NEEDS_DELIBERATION, {"state": proposal.status}, status=proposal.status)
    opens_at = data.get("opens_at") or now
    closes_at = data["closes_at"]
    if opens_at < now - timedelta(minutes=5):
        raise ValidationFailed.from_messages({"opens_at": [OPENS_IN_PAST]})
    if closes_at - opens_at < MIN_VOTE_WINDOW:
        raise ValidationFailed.from_messages({"closes_at": [
            VOTE_WINDOW_TOO_SHORT]})
    if closes_at - opens_at > MAX_VOTE_WINDOW:
        raise ValidationFailed.from_messages({"closes_at": [VOTE_WINDOW_TOO_LONG]})
    vote = Vote(
        proposal_id=proposal.id, council_id=proposal.council_id, opens_at=opens_at, closes_at=closes_at,
        remind_at=max(opens_at, closes_at - timedelta(hours=data.get("remind_before_hours", 24))),
        quorum_percent=data.get("quorum_percent", 50), threshold_percent=data.get("threshold_percent", 50),
        block_limit=data.get("block_limit"), secret=data.get("secret", False), opened_by=actor,
        audience=sharing.audience_of(session, proposal.council_id),
    )
    session.add(vote)
    proposal.status = "voting"
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(VOTE_EXISTS, {"state": "voting"}) from None
    sharing.announce_in_communities(session, events.VOTE_OPENED, events.VoteOpenedData().dump({
        "vote_id": vote.id, "proposal_id": proposal.id, "council_id": vote.council_id, "opens_at": opens_at,
        "closes_at": closes_at, "quorum_percent": vote.quorum_percent, "threshold_percent": vote.threshold_percent,
        "secret": vote.secret, "eligible": eligible_count(session=session, vote=vote)}), subject=vote.id,
        owner=vote.tenant_id, homes=eligible_by_home(session=session, vote=vote))
    return vote


def get(*, session: Session, vote_id: str) -> Vote:
    return get_or_404(session, Vote, vote_id, VOTE_NOT_FOUND)


# --- casting and changing ------------------------------------------------------------------------


def cast(*, session: Session, ctx: CallContext, vote_id: str, choice: str, reason: str | None,
         channel: str = "online", member_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Casts a member's ballot. Online: the caller's own seat. In the room: staff
    record the ballot of the member standing before them."""
    assert channel in CHANNELS and choice in BALLOT_CHOICES
    now = now or utcnow()
    vote = _locked(session, vote_id, exclusive=False)
    seat = _voter(session, ctx, vote, channel, member_id)
    _require_window(vote, now)
    existing = session.scalar(select(VoteReceipt).where(VoteReceipt.vote_id == vote.id,
                                                        VoteReceipt.member_id == seat.id))
    if existing is not None:
        raise _already_voted(existing, channel)
    ballot_id = new_id()
    receipt = VoteReceipt(vote_id=vote.id, member_id=seat.id, channel=channel, cast_at=now,
                          ballot_id=None if vote.secret else ballot_id)
    try:
        session.add(receipt)
        session.flush()
    except IntegrityError:
        # A concurrent request for the same member won the unique key.
        raise Conflict(ALREADY_VOTED_MEANWHILE, {"state": "voted"}) from None
    code = None
    if vote.secret:
        # Sealed until `mix` moves it into the pool (in its own transaction).
        code = secrets.token_urlsafe(16)
        session.add(SecretBallotInbox(vote_id=vote.id, choice=choice, reason=reason, channel=channel,
                                      stakeholder_group=seat.stakeholder_group,
                                      token_hash=_token_hash(vote.id, code)))
    else:
        session.add(Ballot(id=ballot_id, vote_id=vote.id, choice=choice, reason=reason, channel=channel,
                           stakeholder_group=seat.stakeholder_group, member_id=seat.id, cast_at=now))
    session.flush()
    return receipt_view(receipt=receipt, choice=None if vote.secret else choice, receipt_code=code,
                        secret=vote.secret)


def change(*, session: Session, ctx: CallContext, vote_id: str, choice: str, reason: str | None,
           receipt_code: str | None = None, member_id: str | None = None, now: datetime | None = None
           ) -> dict[str, Any]:
    """Changes a ballot before close, in the channel it was cast in. A secret ballot
    is found only through the receipt code its voter holds."""
    now = now or utcnow()
    vote = _locked(session, vote_id, exclusive=False)
    channel = "in_room" if member_id else "online"
    seat = _voter(session, ctx, vote, channel, member_id)
    _require_window(vote, now)
    receipt = session.scalar(select(VoteReceipt).where(VoteReceipt.vote_id == vote.id,
                                                       VoteReceipt.member_id == seat.id))
    if receipt is None:
        raise Conflict(NOT_VOTED_YET, {"state": "not_voted"})
    if receipt.channel != channel:
        raise Conflict(CHANGE_IN_SAME_CHANNEL, {"state": "voted", "channel": receipt.channel},
                       channel=receipt.channel)
    if vote.secret:
        if not receipt_code:
            raise ValidationFailed.from_messages({"receipt_code": [RECEIPT_CODE_REQUIRED]})
        token_hash = _token_hash(vote.id, receipt_code)
        ballot = session.scalar(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.token_hash == token_hash)
                                ) or session.scalar(select(SecretBallotInbox).where(
                                    SecretBallotInbox.vote_id == vote.id, SecretBallotInbox.token_hash == token_hash))
        if ballot is None:
            raise ValidationFailed.from_messages({"receipt_code": [WRONG_RECEIPT_CODE]})
    else:
        ballot = session.get(Ballot, receipt.ballot_id)
        ballot.changed_at = now
    ballot.choice, ballot.reason = choice, reason
    session.flush()
    return receipt_view(receipt=receipt, choice=None if vote.secret else choice, secret=vote.secret)


def receipt_view(*, receipt: VoteReceipt, choice: str | None, receipt_code: str | None = None,
                 secret: bool = False) -> dict[str, Any]:
    return {"vote_id": receipt.vote_id, "member_id": receipt.member_id, "channel": receipt.channel,
            "choice": choice, "receipt_code": receipt_code, "cast_at": receipt.cast_at, "secret": secret}


# --- mixing secret ballots ----------------------------------------------------------------------


def mix(*, session: Session, vote_id: str, everything: bool = False) -> int:
    """Moves sealed secret ballots into the pool, in a transaction of its own (never
    the caster's). Returns how many moved. `everything` mixes even a small
    remainder and rewrites the pool when nothing waits (after a change)."""
    if not everything:
        # Cheap look before taking the vote's lock exclusive (which holds off casting).
        waiting = session.scalar(select(func.count()).select_from(SecretBallotInbox)
                                 .where(SecretBallotInbox.vote_id == vote_id))
        if not waiting or waiting < session.scalar(select(func.count()).select_from(Ballot)
                                                   .where(Ballot.vote_id == vote_id)) // MIX_RATIO:
            return 0
    vote = _locked(session, vote_id, exclusive=True)
    if not vote.secret:
        return 0
    return _mix_locked(session, vote, everything=everything)


def _mix_locked(session: Session, vote: Vote, *, everything: bool) -> int:
    """Deletes the vote's pooled and sealed secret ballots and inserts them all again
    in one statement, in shuffled order, with fresh random ids. Afterwards every
    pooled ballot has the same `xmin` (this transaction's), its heap position is
    random, and its id is new: a receipt's `xmin`, `ctid` or time matches none of
    them. The vote's lock is held exclusive, so no ballot is cast, changed or
    counted meanwhile; moving is one transaction, so each ballot is counted once."""
    pending = list(session.scalars(select(SecretBallotInbox).where(SecretBallotInbox.vote_id == vote.id)))
    pooled = list(session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)))
    if not everything and len(pending) < max(1, len(pooled) // MIX_RATIO):
        return 0
    if not pending and not (everything and pooled):
        return 0
    rows = [{"vote_id": vote.id, "choice": b.choice, "stakeholder_group": b.stakeholder_group,
             "channel": b.channel, "reason": b.reason, "token_hash": b.token_hash} for b in (*pooled, *pending)]
    session.execute(delete(SecretBallotInbox).where(SecretBallotInbox.vote_id == vote.id)
                    .execution_options(synchronize_session=False))
    session.execute(delete(Ballot).where(Ballot.vote_id == vote.id).execution_options(synchronize_session=False))
    for obj in (*pooled, *pending):
        session.expunge(obj)
    _shuffler.shuffle(rows)
    tenant_id = session.info["tenant_id"]
    session.execute(insert(Ballot), [{"id": new_id(), "tenant_id": tenant_id, **row} for row in rows])
    return len(pending)


def votes_to_mix(*, session: Session) -> list[str]:
    """Votes of this community with sealed ballots waiting (for the sweep)."""
    return list(session.scalars(select(SecretBallotInbox.vote_id).where(
        SecretBallotInbox.tenant_id == session.info["tenant_id"]).distinct()))


# --- closing, tallies and reminders -------------------------------------------------------------------


def close(*, session: Session, ctx: CallContext | None, vote_id: str, early: bool = False,
          now: datetime | None = None) -> Vote:
    """Closes a vote and decides its proposal. Before the window ends only with
    `early` and only when every eligible member has voted: nobody loses their say.
    `ctx=None` is the service's own sweep at the end of the window."""
    if ctx is not None:
        require_staff(ctx)
    now = now or utcnow()
    vote = _locked(session, vote_id, exclusive=True)
    if vote.status == "closed":
        raise Conflict(VOTE_ALREADY_CLOSED, {"state": "closed", "outcome": vote.outcome})
    if now < vote.closes_at:
        voted, eligible = voted_count(session=session, vote=vote), eligible_count(session=session, vote=vote)
        if not early:
            raise Conflict(VOTE_STILL_OPEN,
                           {"state": "open", "closes_at": vote.closes_at.isoformat()})
        if voted < eligible:
            raise Conflict(NOT_EVERYONE_VOTED, {"state": "open", "voted": voted, "eligible": eligible})
    if vote.secret:
        _mix_locked(session, vote, everything=True)  # nothing stays sealed (or linkable) past the close
    result = tally(session=session, vote=vote)
    vote.status, vote.closed_at, vote.outcome, vote.result = "closed", now, result["outcome"], result
    proposal = session.get(Proposal, vote.proposal_id)
    proposal.status, proposal.decided_at = result["outcome"], now
    session.flush()
    sharing.announce_in_communities(session, events.VOTE_CLOSED, events.VoteClosedData().dump({
        "vote_id": vote.id, "proposal_id": vote.proposal_id, "closed_at": now,
        **{k: result[k] for k in ("outcome", "eligible", "voted", "quorum_met", "threshold_met", "blocked",
                                  "totals", "by_group", "by_channel")}}), subject=vote.id,
        owner=vote.tenant_id, homes=eligible_by_home(session=session, vote=vote))
    return vote


def tally(*, session: Session, vote: Vote) -> dict[str, Any]:
    """Counts every ballot once, by choice, stakeholder group and channel, in one query."""
    rows = session.execute(
        select(Ballot.choice, Ballot.stakeholder_group, Ballot.channel, func.count())
        .where(Ballot.vote_id == vote.id).group_by(Ballot.choice, Ballot.stakeholder_group, Ballot.channel)).all()
    totals = _zero()
    by_group: dict[str, dict[str, int]] = {}
    by_channel: dict[str, dict[str, int]] = {}
    for choice, group, channel, count in rows:
        totals[choice] += count
        by_group.setdefault(group, _zero())[choice] += count
        by_channel.setdefault(channel, _zero())[choice] += count
    reasons_query = select(Ballot.member_id, Ballot.choice, Ballot.reason).where(
        Ballot.vote_id == vote.id, Ballot.reason.is_not(None)).limit(500)
    reasons = [{"member_id": m, "choice": c, "reason": r} for m, c, r in session.execute(reasons_query)]
    return decide(totals=totals, eligible=eligible_count(session=session, vote=vote),
                  quorum_percent=vote.quorum_percent, threshold_percent=vote.threshold_percent,
                  block_limit=vote.block_limit) | {"by_group": by_group, "by_channel": by_channel,
                                                   "reasons": reasons}


def decide(*, totals: dict[str, int], eligible: int, quorum_percent: int, threshold_percent: int,
           block_limit: int | None) -> dict[str, Any]:
    """The rule, in integers so that edges are exact: quorum when voters ×100 ≥
    quorum% × eligible; adopted when agree ×100 > threshold% × (agree + disagree +
    block), the quorum is met and blocks stay under the limit."""
    voted = sum(totals.values())
    decisive = totals["agree"] + totals["disagree"] + totals["block"]
    quorum_met = voted * 100 >= quorum_percent * eligible
    threshold_met = decisive > 0 and totals["agree"] * 100 > threshold_percent * decisive
    blocked = block_limit is not None and totals["block"] >= block_limit
    return {
        "eligible": eligible, "voted": voted,
        "turnout_percent": round(voted * 100 / eligible, 2) if eligible else 0.0,
        "quorum_met": quorum_met,
        "agree_percent": round(totals["agree"] * 100 / decisive, 2) if decisive else 0.0,
        "threshold_met": threshold_met, "blocked": blocked,
        "outcome": "adopted" if quorum_met and threshold_met and not blocked else "rejected",
        "totals": dict(totals),
    }


def sweep(*, session: Session, now: datetime | None = None, closes_until: datetime | None = None
          ) -> dict[str, int]:
    """The service's periodic duty in one tenant: remind members who have not voted
    (once, `remind_before_hours` before close) and close votes whose window ended.
    Safe with several service instances: a reminder is claimed by a conditional
    UPDATE, and a vote someone else closed meanwhile is skipped. `closes_until` caps
    the clock closes run at (a sweep run with a test clock ahead of the real one
    reminds by that clock but never closes a vote before its window really ended)."""
    now = now or utcnow()
    close_by = now if closes_until is None else min(now, closes_until)
    reminded = closed = 0
    due = list(session.scalars(select(Vote).where(
        # Only this community's own votes: a vote shared with it is its owner's to close.
        Vote.tenant_id == session.info["tenant_id"], Vote.status == "open",
        or_(Vote.closes_at <= close_by, Vote.reminder_sent_at.is_(None) & (Vote.remind_at <= now))
    ).order_by(Vote.closes_at)))
    for vote in due:
        if vote.closes_at <= close_by:
            try:
                close(session=session, ctx=None, vote_id=vote.id, now=close_by)
                closed += 1
            except Conflict:
                pass  # closed meanwhile by staff or another sweeper
        elif vote.opens_at <= now:
            claimed = session.execute(update(Vote).where(Vote.id == vote.id, Vote.reminder_sent_at.is_(None))
                                      .values(reminder_sent_at=now))
            if claimed.rowcount != 1:
                continue
            pending = not_voted_by_home(session=session, vote=vote)
            sharing.announce_in_communities(session, events.VOTE_CLOSING_SOON, events.VoteClosingSoonData().dump({
                "vote_id": vote.id, "proposal_id": vote.proposal_id, "closes_at": vote.closes_at,
                "not_voted_user_ids": [], "not_voted": sum(len(users) for users in pending.values())}),
                subject=vote.id, owner=vote.tenant_id, homes=pending, split="not_voted_user_ids")
            reminded += 1
    mixed = 0
    for vote_id in votes_to_mix(session=session):
        mixed += mix(session=session, vote_id=vote_id, everything=True)
    session.flush()
    return {"reminded": reminded, "closed": closed, "mixed": mixed}


def eligible_count(*, session: Session, vote: Vote) -> int:
    """Members seated when the vote opened and still seated, plus anyone who voted
    and has since left (their ballot still counts)."""
    voted = select(VoteReceipt.member_id).where(VoteReceipt.vote_id == vote.id)
    return session.scalar(select(func.count()).select_from(CouncilMember).where(
        CouncilMember.council_id == vote.council_id, CouncilMember.joined_at <= vote.opens_at,
        or_(CouncilMember.active.is_(True), CouncilMember.id.in_(voted))))


def _eligible(vote: Vote) -> tuple[Any, ...]:
    """The seats eligible for a vote, as `eligible_count` counts them."""
    voted = select(VoteReceipt.member_id).where(VoteReceipt.vote_id == vote.id)
    return (CouncilMember.council_id == vote.council_id, CouncilMember.joined_at <= vote.opens_at,
            or_(CouncilMember.active.is_(True), CouncilMember.id.in_(voted)))


def eligible_user_ids(*, session: Session, vote_id: str, home_tenant_id: str) -> list[str]:
    """The accounts eligible for a vote (as `eligible_count` counts them) whose home community is
    `home_tenant_id` (audience `vote_eligible`); 404 for a vote the caller cannot see."""
    vote = get(session=session, vote_id=vote_id)
    return sorted(session.scalars(select(CouncilMember.user_id).where(
        *_eligible(vote), CouncilMember.user_id.is_not(None),
        CouncilMember.home_tenant_id == home_tenant_id).distinct()))


def eligible_by_home(*, session: Session, vote: Vote) -> dict[str, list[str]]:
    """The eligible accounts by home community: where vote_opened and vote_closed are announced."""
    return sharing.accounts_by_home(session, *_eligible(vote))


def not_voted_by_home(*, session: Session, vote: Vote) -> dict[str, list[str]]:
    """The seated accounts that have not voted yet, by home community (vote_closing_soon's copies)."""
    voted = select(VoteReceipt.member_id).where(VoteReceipt.vote_id == vote.id)
    return sharing.accounts_by_home(session, CouncilMember.council_id == vote.council_id,
                                    CouncilMember.joined_at <= vote.opens_at, CouncilMember.active.is_(True),
                                    CouncilMember.id.not_in(voted))


def voted_count(*, session: Session, vote: Vote) -> int:
    return session.scalar(select(func.count()).select_from(VoteReceipt).where(VoteReceipt.vote_id == vote.id))


def view(*, session: Session, ctx: CallContext, vote: Vote, now: datetime | None = None) -> dict[str, Any]:
    """A vote as members see it. No running totals before close (they would sway
    late voters); the caller's own receipt, with their choice unless secret."""
    now = now or utcnow()
    status = vote.status if vote.status == "closed" else ("scheduled" if now < vote.opens_at else "open")
    mine = None
    seat = council_member(session, council_id=vote.council_id, user_id=ctx.user_id)
    if seat is not None:
        receipt = session.scalar(select(VoteReceipt).where(VoteReceipt.vote_id == vote.id,
                                                           VoteReceipt.member_id == seat.id))
        if receipt is not None:
            choice = None if vote.secret else session.scalar(select(Ballot.choice).where(
                Ballot.id == receipt.ballot_id))
            mine = receipt_view(receipt=receipt, choice=choice, secret=vote.secret)
    return {**{c.key: getattr(vote, c.key) for c in Vote.__table__.columns if c.key != "status"},
            "status": status, "voted": voted_count(session=session, vote=vote), "my_receipt": mine}


# --- internals ------------------------------------------------------------------------------------------


def _zero() -> dict[str, int]:
    return {choice: 0 for choice in BALLOT_CHOICES}


def _locked(session: Session, vote_id: str, *, exclusive: bool) -> Vote:
    """Casting takes the vote's lock shared, closing takes it exclusive: a close waits
    for ballots in flight and ballots after it see it closed. On PostgreSQL this is a
    transaction-scoped advisory lock: a shared row lock (FOR SHARE) would write a
    multixact into the vote row on every ballot and serialise 10,000 voters on it."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"vote:{vote_id}".encode()).digest()[:8], "big", signed=True)
        lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        session.execute(text(f"SELECT {lock}(:key)"), {"key": key})
    query = select(Vote).where(Vote.id == vote_id).execution_options(populate_existing=True)
    vote = session.scalar(query.with_for_update() if exclusive else query)
    if vote is None:
        raise NotFound(VOTE_NOT_FOUND, {"id": vote_id})
    return vote


def _voter(session: Session, ctx: CallContext, vote: Vote, channel: str, member_id: str | None) -> CouncilMember:
    if channel == "in_room":
        require_staff(ctx)
        seat = session.get(CouncilMember, member_id)
        if seat is None or seat.council_id != vote.council_id or not seat.active:
            raise Forbidden(PERSON_NOT_ON_COUNCIL, {"member_id": member_id})
    else:
        seat = council_member(session, council_id=vote.council_id, user_id=ctx.require_user())
        if seat is None:
            raise Forbidden(YOU_ARE_NOT_ON_COUNCIL)
    if seat.joined_at > vote.opens_at:
        raise Forbidden(JOINED_AFTER_OPENING,
                        {"joined_at": seat.joined_at.isoformat(), "opens_at": vote.opens_at.isoformat()})
    return seat


def _require_window(vote: Vote, now: datetime) -> None:
    if vote.status == "closed" or now >= vote.closes_at:
        raise Conflict(VOTING_CLOSED, {"state": "closed", "closes_at": vote.closes_at.isoformat()})
    if now < vote.opens_at:
        raise Conflict(VOTING_NOT_OPEN,
                       {"state": "scheduled", "opens_at": vote.opens_at.isoformat()})


def _already_voted(receipt: VoteReceipt, channel: str) -> Conflict:
    refusal = ALREADY_VOTED_HERE if receipt.channel == channel else ALREADY_VOTED_ELSEWHERE
    return Conflict(refusal, {"state": "voted", "channel": receipt.channel, "cast_at": receipt.cast_at.isoformat()},
                    channel=receipt.channel)


def tenants_with_due_votes(*, session: Session, now: datetime) -> list[str]:
    """Communities with an open vote due a reminder or past its close, or with sealed
    secret ballots left to mix (read across tenants by the sweep timer)."""
    due = set(session.scalars(select(Vote.tenant_id).where(
        Vote.status == "open",
        or_(Vote.closes_at <= now, Vote.reminder_sent_at.is_(None) & (Vote.remind_at <= now)),
    ).distinct()))
    due.update(session.scalars(select(SecretBallotInbox.tenant_id).distinct()))
    return sorted(due)
