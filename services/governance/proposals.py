"""Proposals: draft → submitted → in_deliberation (threaded comments) → voting →
adopted | rejected, or withdrawn before the vote. Voting and its outcome live in
voting.py; this module owns the steps people take by hand.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.access import get_or_404, is_staff
from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.governance import councils, events, sharing
from services.governance.access import proposal_visible, require_member_or_staff, visible_proposals
from services.governance.contracts.messages import (
    AUTHOR_SUBMITS_ONLY,
    COMMENTS_IN_DELIBERATION_ONLY,
    COUNCIL_ARCHIVED,
    DELIBERATION_STAFF_ONLY,
    NOT_A_COMMENT_ON_PROPOSAL,
    NOT_A_TOPIC_OF_COUNCIL,
    PROPOSAL_IN_STATE,
    PROPOSAL_NOT_FOUND,
    WITHDRAW_AUTHOR_OR_STAFF,
    WITHDRAW_REASON_REQUIRED,
)
from services.governance.models import Proposal, ProposalComment, Resolution, Topic, Vote

WITHDRAWABLE = ("draft", "submitted", "in_deliberation")


def get(*, session: Session, ctx: CallContext, proposal_id: str) -> Proposal:
    return get_or_404(session, Proposal, proposal_id, PROPOSAL_NOT_FOUND, proposal_visible(ctx))


def create(*, session: Session, ctx: CallContext, council_id: str, data: dict[str, Any]) -> Proposal:
    """Members of the council and staff write proposals; they start as drafts."""
    council = councils.get(session=session, council_id=council_id)
    require_member_or_staff(session, ctx, council_id=council_id)
    if council.status != "active":
        raise Conflict(COUNCIL_ARCHIVED, {"state": council.status})
    if data.get("topic_id"):
        topic = session.get(Topic, data["topic_id"])
        if topic is None or topic.council_id != council_id:
            raise ValidationFailed.from_messages({"topic_id": [NOT_A_TOPIC_OF_COUNCIL]})
    proposal = Proposal(council_id=council_id, author_user_id=ctx.require_user(),
                        audience=sharing.audience_of(session, council_id), **data)
    session.add(proposal)
    session.flush()
    return proposal


def transition(*, session: Session, ctx: CallContext, proposal_id: str, action: str,
               reason: str | None) -> Proposal:
    """submit: the author sends a draft in. deliberate: staff open it for discussion.
    withdraw: the author or staff take it back (a reason is kept), only before voting."""
    proposal = get(session=session, ctx=ctx, proposal_id=proposal_id)
    author = proposal.author_user_id == ctx.user_id
    if action == "submit":
        if not author:
            raise Forbidden(AUTHOR_SUBMITS_ONLY)
        _expect(proposal, "draft")
        proposal.status, proposal.submitted_at = "submitted", utcnow()
        session.flush()
        announce(session, events.PROPOSAL_SUBMITTED, events.ProposalSubmittedData().dump({
            "proposal_id": proposal.id, "council_id": proposal.council_id, "topic_id": proposal.topic_id,
            "author_user_id": proposal.author_user_id, "submitted_at": proposal.submitted_at}),
            subject=proposal.id)
    elif action == "deliberate":
        if not is_staff(ctx):
            raise Forbidden(DELIBERATION_STAFF_ONLY)
        _expect(proposal, "submitted")
        proposal.status = "in_deliberation"
    elif action == "withdraw":
        if not (author or is_staff(ctx)):
            raise Forbidden(WITHDRAW_AUTHOR_OR_STAFF)
        _expect(proposal, *WITHDRAWABLE)
        if not reason:
            raise ValidationFailed.from_messages({"reason": [WITHDRAW_REASON_REQUIRED]})
        proposal.status, proposal.withdrawn_reason, proposal.decided_at = "withdrawn", reason, utcnow()
    session.flush()
    return proposal


def comment(*, session: Session, ctx: CallContext, proposal_id: str, body: str,
            parent_id: str | None) -> ProposalComment:
    """Deliberation is threaded: a reply names a comment of the same proposal."""
    proposal = get(session=session, ctx=ctx, proposal_id=proposal_id)
    require_member_or_staff(session, ctx, council_id=proposal.council_id)
    if proposal.status != "in_deliberation":
        raise Conflict(COMMENTS_IN_DELIBERATION_ONLY,
                       {"state": proposal.status})
    if parent_id:
        parent = session.get(ProposalComment, parent_id)
        if parent is None or parent.proposal_id != proposal_id:
            raise ValidationFailed.from_messages({"parent_id": [NOT_A_COMMENT_ON_PROPOSAL]})
    note = ProposalComment(proposal_id=proposal_id, parent_id=parent_id, author_user_id=ctx.require_user(), body=body)
    session.add(note)
    session.flush()
    return note


def thread(*, session: Session, ctx: CallContext, proposal_id: str) -> list[dict[str, Any]]:
    """Comments as a tree, oldest first at every level."""
    get(session=session, ctx=ctx, proposal_id=proposal_id)
    rows = list(session.scalars(select(ProposalComment).where(ProposalComment.proposal_id == proposal_id)
                                .order_by(ProposalComment.created_at, ProposalComment.id)))
    nodes = {c.id: {"id": c.id, "parent_id": c.parent_id, "author_user_id": c.author_user_id, "body": c.body,
                    "created_at": c.created_at, "replies": []} for c in rows}
    roots = []
    for c in rows:
        (nodes[c.parent_id]["replies"] if c.parent_id in nodes else roots).append(nodes[c.id])
    return roots


def list_for_council(*, session: Session, ctx: CallContext, council_id: str, limit: int, after: str | None,
                     status: str | None = None) -> Page[Proposal]:
    councils.get(session=session, council_id=council_id)
    query = select(Proposal).where(Proposal.council_id == council_id, visible_proposals(ctx))
    if status:
        query = query.where(Proposal.status == status)
    return keyset_page(session, query, keys=[Key(Proposal.created_at), Key(Proposal.id)], limit=limit, after=after)


def view(*, session: Session, proposal: Proposal) -> dict[str, Any]:
    vote_id = session.scalar(select(Vote.id).where(Vote.proposal_id == proposal.id))
    resolution_id = session.scalar(select(Resolution.id).where(Resolution.proposal_id == proposal.id))
    return {**{c.key: getattr(proposal, c.key) for c in Proposal.__table__.columns},
            "vote_id": vote_id, "resolution_id": resolution_id}


def _expect(proposal: Proposal, *states: str) -> None:
    if proposal.status not in states:
        raise Conflict(PROPOSAL_IN_STATE, {"state": proposal.status, "allowed_from": list(states)},
                       status=proposal.status)
