"""Proposals: draft → submitted → in_deliberation (threaded comments) → voting →
adopted | rejected, or withdrawn before the vote. Voting and its outcome live in
voting.py; this module owns the steps people take by hand.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.governance import councils, events, sharing
from services.common.access import get_or_404, is_staff
from services.governance.access import proposal_visible, require_member_or_staff
from services.governance.contracts.messages import PROPOSAL_NOT_FOUND
from services.governance.models import Proposal, ProposalComment, Resolution, Topic, Vote

WITHDRAWABLE = ("draft", "submitted", "in_deliberation")


def get(*, session: Session, ctx: CallContext, proposal_id: str) -> Proposal:
    return get_or_404(session, Proposal, proposal_id, PROPOSAL_NOT_FOUND, proposal_visible(ctx))


def create(*, session: Session, ctx: CallContext, council_id: str, data: dict[str, Any]) -> Proposal:
    """Members of the council and staff write proposals; they start as drafts."""
    council = councils.get(session=session, council_id=council_id)
    require_member_or_staff(session, ctx, council_id=council_id)
    if council.status != "active":
        raise Conflict("议事会已归档 / The council is archived", {"state": council.status})
    if data.get("topic_id"):
        topic = session.get(Topic, data["topic_id"])
        if topic is None or topic.council_id != council_id:
            raise ValidationFailed.from_messages({"topic_id": ["不属于本议事会 / Not a topic of this council"]})
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
            raise Forbidden("仅作者可提交 / Only the author can submit")
        _expect(proposal, "draft")
        proposal.status, proposal.submitted_at = "submitted", utcnow()
        session.flush()
        announce(session, events.PROPOSAL_SUBMITTED, events.ProposalSubmittedData().dump({
            "proposal_id": proposal.id, "council_id": proposal.council_id, "topic_id": proposal.topic_id,
            "author_user_id": proposal.author_user_id, "submitted_at": proposal.submitted_at}),
            subject=proposal.id)
    elif action == "deliberate":
        if not is_staff(ctx):
            raise Forbidden("仅限社区工作人员 / Only community staff can open deliberation")
        _expect(proposal, "submitted")
        proposal.status = "in_deliberation"
    elif action == "withdraw":
        if not (author or is_staff(ctx)):
            raise Forbidden("仅作者或工作人员可撤回 / Only the author or staff can withdraw")
        _expect(proposal, *WITHDRAWABLE)
        if not reason:
            raise ValidationFailed.from_messages({"reason": ["请说明撤回理由 / Give a reason for withdrawing"]})
        proposal.status, proposal.withdrawn_reason, proposal.decided_at = "withdrawn", reason, utcnow()
    session.flush()
    return proposal


def comment(*, session: Session, ctx: CallContext, proposal_id: str, body: str,
            parent_id: str | None) -> ProposalComment:
    """Deliberation is threaded: a reply names a comment of the same proposal."""
    proposal = get(session=session, ctx=ctx, proposal_id=proposal_id)
    require_member_or_staff(session, ctx, council_id=proposal.council_id)
    if proposal.status != "in_deliberation":
        raise Conflict("仅在审议阶段可评论 / Comments are open while the proposal is in deliberation",
                       {"state": proposal.status})
    if parent_id:
        parent = session.get(ProposalComment, parent_id)
        if parent is None or parent.proposal_id != proposal_id:
            raise ValidationFailed.from_messages({"parent_id": ["不是本提案的评论 / Not a comment on this proposal"]})
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


def list_for_council(*, session: Session, ctx: CallContext, council_id: str, status: str | None = None
                     ) -> list[Proposal]:
    councils.get(session=session, council_id=council_id)
    query = select(Proposal).where(Proposal.council_id == council_id).order_by(Proposal.created_at)
    if status:
        query = query.where(Proposal.status == status)
    return [p for p in session.scalars(query) if proposal_visible(ctx)(p)]


def view(*, session: Session, proposal: Proposal) -> dict[str, Any]:
    vote_id = session.scalar(select(Vote.id).where(Vote.proposal_id == proposal.id))
    resolution_id = session.scalar(select(Resolution.id).where(Resolution.proposal_id == proposal.id))
    return {**{c.key: getattr(proposal, c.key) for c in Proposal.__table__.columns},
            "vote_id": vote_id, "resolution_id": resolution_id}


def _expect(proposal: Proposal, *states: str) -> None:
    if proposal.status not in states:
        raise Conflict(f"提案当前状态为 {proposal.status} / The proposal is {proposal.status}",
                       {"state": proposal.status, "allowed_from": list(states)})
