"""Council sessions: agenda, time and place, invitations, check-in, in-room
show-of-hands tallies (entered by the chair, signed off by a second member who was
there) and minutes with decisions and linked proposals.

Lifecycle: scheduled → held (minutes recorded) | cancelled.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.common.access import get_or_404, is_staff, require_staff
from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.pagination import Key, Page, keyset_page
from services.common.shared_messages import SOME_FIELDS_INVALID
from services.governance import councils, events, sharing
from services.governance.access import council_member
from services.governance.contracts.messages import (
    ALREADY_SIGNED_OFF,
    CHAIR_ONLY,
    CHECK_IN_CLOSED,
    CHECK_IN_MEMBERS_ONLY,
    COUNCIL_ARCHIVED,
    MEMBER_NOT_FOUND,
    MORE_HANDS_THAN_PRESENT,
    NOT_IN_COUNCIL,
    SECOND_MEMBER_SIGNS_OFF,
    SESSION_CANCELLED,
    SESSION_HELD,
    SESSION_NOT_FOUND,
    SESSION_NOT_STARTED,
    SIGN_OFF_MEMBERS_ONLY,
    SIGN_OFF_PRESENT_ONLY,
    TALLY_AWAITS_SIGN_OFF,
    TALLY_NOT_FOUND,
    WRONG_CHECK_IN_CODE,
)
from services.governance.models import CouncilMember, CouncilSession, HandTally, Proposal, SessionInvitation, Topic

# Self check-in with the room's code is accepted from an hour before the start to an hour after the end.
CHECK_IN_MARGIN = timedelta(hours=1)
# Unambiguous characters only: the code is read aloud or off a screen in the room.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def schedule(*, session: Session, ctx: CallContext, council_id: str, data: dict[str, Any]) -> CouncilSession:
    actor = require_staff(ctx)
    council = councils.get(session=session, council_id=council_id)
    if council.status != "active":
        raise Conflict(COUNCIL_ARCHIVED, {"state": council.status})
    _check_ids(session, Topic, data.get("topic_ids") or [], council_id, "topic_ids")
    if data.get("chair_member_id"):
        _seat(session, council_id, data["chair_member_id"], "chair_member_id")
    meeting = CouncilSession(council_id=council_id, registration_code=_new_code(), created_by=actor,
                             audience=sharing.audience_of(session, council_id), **data)
    session.add(meeting)
    session.flush()
    return meeting


def get(*, session: Session, session_id: str) -> CouncilSession:
    return get_or_404(session, CouncilSession, session_id, SESSION_NOT_FOUND)


def list_for_council(*, session: Session, council_id: str, limit: int, after: str | None) -> Page[CouncilSession]:
    """Earliest first."""
    councils.get(session=session, council_id=council_id)
    return keyset_page(session, select(CouncilSession).where(CouncilSession.council_id == council_id),
                       keys=[Key(CouncilSession.starts_at), Key(CouncilSession.id)], limit=limit, after=after)


def invite(*, session: Session, ctx: CallContext, session_id: str, member_ids: list[str] | None) -> int:
    """Invites the listed members, or every active member; inviting again is a no-op.
    Returns how many invitations the session has. When it invited anyone new it announces
    `council_session_scheduled` (the session is scheduled and people are invited)."""
    require_staff(ctx)
    meeting = _open(session, session_id)
    if member_ids is None:
        member_ids = list(session.scalars(select(CouncilMember.id).where(
            CouncilMember.council_id == meeting.council_id, CouncilMember.active.is_(True))))
    else:
        for member_id in member_ids:
            _seat(session, meeting.council_id, member_id, "member_ids")
    already = set(session.scalars(select(SessionInvitation.member_id).where(
        SessionInvitation.session_id == session_id)))
    new = [m for m in dict.fromkeys(member_ids) if m not in already]
    session.add_all(SessionInvitation(session_id=session_id, member_id=m) for m in new)
    session.flush()
    invited = session.scalar(select(func.count()).select_from(SessionInvitation).where(
        SessionInvitation.session_id == session_id))
    if new:
        # One copy in the owner's community and one in each community with newly invited guests,
        # each naming only its own community's accounts (sharing.announce_in_communities).
        sharing.announce_in_communities(
            session, events.COUNCIL_SESSION_SCHEDULED, events.CouncilSessionScheduledData().dump({
                "session_id": meeting.id, "council_id": meeting.council_id, "starts_at": meeting.starts_at,
                "ends_at": meeting.ends_at, "invited": invited, "newly_invited": len(new),
                "newly_invited_user_ids": []}), subject=meeting.id, owner=meeting.tenant_id,
            homes=sharing.accounts_by_home(session, CouncilMember.id.in_(new)), split="newly_invited_user_ids")
    return invited


def check_in(*, session: Session, ctx: CallContext, session_id: str, registration_code: str | None,
             member_id: str | None, now: datetime | None = None) -> SessionInvitation:
    """A member checks in with the code shown in the room (Decidim's registration
    code), or staff check a member in. A member who was not invited may still
    attend; checking in twice keeps the first time."""
    now = now or utcnow()
    meeting = _open(session, session_id)
    if member_id:
        require_staff(ctx)
        seat = _seat(session, meeting.council_id, member_id, "member_id")
        method = "staff"
    else:
        seat = council_member(session, council_id=meeting.council_id, user_id=ctx.require_user())
        if seat is None:
            raise Forbidden(CHECK_IN_MEMBERS_ONLY)
        if not registration_code or not secrets.compare_digest(registration_code.strip().upper(),
                                                               meeting.registration_code):
            raise ValidationFailed.from_messages({"registration_code": [WRONG_CHECK_IN_CODE]})
        if not (meeting.starts_at - CHECK_IN_MARGIN <= now <= meeting.ends_at + CHECK_IN_MARGIN):
            raise Conflict(CHECK_IN_CLOSED,
                           {"state": meeting.status, "starts_at": meeting.starts_at.isoformat(),
                            "ends_at": meeting.ends_at.isoformat()})
        method = "code"
    invitation = session.scalar(select(SessionInvitation).where(
        SessionInvitation.session_id == session_id, SessionInvitation.member_id == seat.id))
    if invitation is None:
        invitation = SessionInvitation(session_id=session_id, member_id=seat.id)
        session.add(invitation)
    if invitation.checked_in_at is None:
        invitation.checked_in_at, invitation.check_in_method = now, method
    session.flush()
    return invitation


def enter_tally(*, session: Session, ctx: CallContext, session_id: str, data: dict[str, Any]) -> HandTally:
    """The chair enters a show of hands; no count may exceed who checked in."""
    meeting = _not_cancelled(session, session_id)
    chair = _chair(session, ctx, meeting)
    attended = _attended(session, session_id)
    total = data["in_favour"] + data["against"] + data["abstained"]
    if total > attended:
        raise ValidationFailed(SOME_FIELDS_INVALID, {"fields": {"in_favour": [MORE_HANDS_THAN_PRESENT.text]},
                                                     "hands": total, "checked_in": attended})
    if data.get("proposal_id"):
        _check_ids(session, Proposal, [data["proposal_id"]], meeting.council_id, "proposal_id")
    tally = HandTally(session_id=session_id, entered_by_member_id=chair.id, **data)
    session.add(tally)
    session.flush()
    return tally


def sign_off_tally(*, session: Session, ctx: CallContext, session_id: str, tally_id: str) -> HandTally:
    """A second member, present in the room and not the one who entered it, confirms the count."""
    meeting = _not_cancelled(session, session_id)
    tally = get_or_404(session, HandTally, tally_id, TALLY_NOT_FOUND, lambda t: t.session_id == session_id)
    if tally.signed_off_at is not None:
        raise Conflict(ALREADY_SIGNED_OFF, {"state": "signed_off"})
    seat = council_member(session, council_id=meeting.council_id, user_id=ctx.require_user())
    if seat is None:
        raise Forbidden(SIGN_OFF_MEMBERS_ONLY)
    if seat.id == tally.entered_by_member_id:
        raise Conflict(SECOND_MEMBER_SIGNS_OFF,
                       {"state": "entered"})
    present = session.scalar(select(SessionInvitation.checked_in_at).where(
        SessionInvitation.session_id == session_id, SessionInvitation.member_id == seat.id))
    if present is None:
        raise Forbidden(SIGN_OFF_PRESENT_ONLY)
    tally.signed_off_by_member_id, tally.signed_off_at = seat.id, utcnow()
    session.flush()
    return tally


def hold(*, session: Session, ctx: CallContext, session_id: str, data: dict[str, Any],
         now: datetime | None = None) -> CouncilSession:
    """Records the minutes: the session is then held. Not before it started, and not
    while a show of hands still awaits its second signature."""
    require_staff(ctx)
    now = now or utcnow()
    meeting = _open(session, session_id)
    if now < meeting.starts_at:
        raise Conflict(SESSION_NOT_STARTED,
                       {"state": meeting.status, "starts_at": meeting.starts_at.isoformat()})
    pending = list(session.scalars(select(HandTally.id).where(HandTally.session_id == session_id,
                                                              HandTally.signed_off_at.is_(None))))
    if pending:
        raise Conflict(TALLY_AWAITS_SIGN_OFF,
                       {"state": meeting.status, "pending_tally_ids": pending})
    _check_ids(session, Proposal, data.get("linked_proposal_ids") or [], meeting.council_id, "linked_proposal_ids")
    meeting.minutes = data["minutes"]
    meeting.decisions = list(data.get("decisions") or [])
    meeting.linked_proposal_ids = list(dict.fromkeys(data.get("linked_proposal_ids") or []))
    meeting.status, meeting.held_at = "held", now
    session.flush()
    invited = session.scalar(select(func.count()).select_from(SessionInvitation).where(
        SessionInvitation.session_id == session_id))
    announce(session, events.SESSION_HELD, events.SessionHeldData().dump({
        "session_id": meeting.id, "council_id": meeting.council_id, "invited": invited,
        "attended": _attended(session, session_id), "decisions": len(meeting.decisions),
        "linked_proposal_ids": meeting.linked_proposal_ids, "held_at": now}), subject=meeting.id)
    return meeting


def cancel(*, session: Session, ctx: CallContext, session_id: str) -> CouncilSession:
    require_staff(ctx)
    meeting = _open(session, session_id)
    meeting.status = "cancelled"
    session.flush()
    return meeting


# `council_session_due` is announced this long before a session starts.
REMIND_BEFORE = timedelta(hours=24)


def _due_sessions(now: datetime):
    """Scheduled sessions with invitations, starting within REMIND_BEFORE, not yet reminded."""
    invited = select(SessionInvitation.session_id).where(SessionInvitation.session_id == CouncilSession.id)
    return (CouncilSession.status == "scheduled", CouncilSession.reminded_at.is_(None),
            CouncilSession.starts_at > now, CouncilSession.starts_at <= now + REMIND_BEFORE, invited.exists())


def remind_due(*, session: Session, now: datetime | None = None) -> int:
    """Timer: announces `council_session_due` once for each of this community's own scheduled
    sessions that starts within 24 hours and has invitations (a session shared with the community is
    its owner's to remind). Claimed by a conditional UPDATE, so several sweepers announce it once; a
    session that has started is not reminded any more. Returns how many were announced."""
    now = now or utcnow()
    due = list(session.scalars(select(CouncilSession).where(
        CouncilSession.tenant_id == session.info["tenant_id"], *_due_sessions(now)).order_by(CouncilSession.starts_at)))
    announced = 0
    for meeting in due:
        claimed = session.execute(update(CouncilSession).where(
            CouncilSession.id == meeting.id, CouncilSession.reminded_at.is_(None)).values(reminded_at=now))
        if claimed.rowcount != 1:
            continue
        invited = session.scalar(select(func.count()).select_from(SessionInvitation).where(
            SessionInvitation.session_id == meeting.id))
        sharing.announce_in_communities(session, events.COUNCIL_SESSION_DUE, events.CouncilSessionDueData().dump({
            "session_id": meeting.id, "council_id": meeting.council_id, "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at, "invited": invited}), subject=meeting.id, owner=meeting.tenant_id,
            homes=invitees_by_home(session=session, session_id=meeting.id))
        announced += 1
    session.flush()
    return announced


def tenants_with_due_reminders(*, session: Session, now: datetime) -> set[str]:
    """Communities owning a session due its reminder (read across tenants by the sweep timer)."""
    return set(session.scalars(select(CouncilSession.tenant_id).where(*_due_sessions(now)).distinct()))


def invitee_user_ids(*, session: Session, session_id: str, home_tenant_id: str) -> list[str]:
    """The accounts invited to a session whose home community is `home_tenant_id` (audience
    `session_invitees`); 404 for a session the caller cannot see."""
    meeting = get(session=session, session_id=session_id)
    return sorted(session.scalars(
        select(CouncilMember.user_id).join(SessionInvitation, SessionInvitation.member_id == CouncilMember.id)
        .where(SessionInvitation.session_id == meeting.id, CouncilMember.user_id.is_not(None),
               CouncilMember.home_tenant_id == home_tenant_id).distinct()))


def invitees_by_home(*, session: Session, session_id: str) -> dict[str, list[str]]:
    """The invited accounts by home community: where council_session_due is announced."""
    invited = select(SessionInvitation.member_id).where(SessionInvitation.session_id == session_id)
    return sharing.accounts_by_home(session, CouncilMember.id.in_(invited))


def view(*, session: Session, ctx: CallContext, meeting: CouncilSession) -> dict[str, Any]:
    """The session as a reader sees it; the check-in code only for staff and the chair."""
    rows = session.execute(
        select(SessionInvitation, CouncilMember).join(CouncilMember, CouncilMember.id == SessionInvitation.member_id)
        .where(SessionInvitation.session_id == meeting.id).order_by(CouncilMember.display_name)).all()
    seat = council_member(session, council_id=meeting.council_id, user_id=ctx.user_id)
    may_see_code = is_staff(ctx) or (seat is not None and seat.id == meeting.chair_member_id)
    tallies = session.scalars(select(HandTally).where(HandTally.session_id == meeting.id)
                              .order_by(HandTally.created_at))
    return {
        **{c: getattr(meeting, c) for c in (
            "id", "council_id", "title", "agenda", "topic_ids", "starts_at", "ends_at", "venue", "online_url",
            "chair_member_id", "status", "minutes", "decisions", "linked_proposal_ids", "held_at")},
        "registration_code": meeting.registration_code if may_see_code else None,
        "attendance": [{"member_id": m.id, "display_name": m.display_name, "stakeholder_group": m.stakeholder_group,
                        "invited_at": i.invited_at, "checked_in_at": i.checked_in_at,
                        "check_in_method": i.check_in_method} for i, m in rows],
        "hand_tallies": [tally_view(t) for t in tallies],
    }


def tally_view(tally: HandTally) -> dict[str, Any]:
    return {**{c: getattr(tally, c) for c in (
        "id", "session_id", "motion", "proposal_id", "in_favour", "against", "abstained", "entered_by_member_id",
        "signed_off_by_member_id", "signed_off_at")},
        "status": "signed_off" if tally.signed_off_at else "entered"}


# --- internals ---------------------------------------------------------------------------------


def _open(session: Session, session_id: str) -> CouncilSession:
    meeting = get(session=session, session_id=session_id)
    if meeting.status != "scheduled":
        raise Conflict(SESSION_HELD if meeting.status == "held" else SESSION_CANCELLED, {"state": meeting.status})
    return meeting


def _not_cancelled(session: Session, session_id: str) -> CouncilSession:
    meeting = get(session=session, session_id=session_id)
    if meeting.status == "cancelled":
        raise Conflict(SESSION_CANCELLED, {"state": meeting.status})
    return meeting


def _chair(session: Session, ctx: CallContext, meeting: CouncilSession) -> CouncilMember:
    seat = council_member(session, council_id=meeting.council_id, user_id=ctx.require_user())
    if meeting.chair_member_id is None or seat is None or seat.id != meeting.chair_member_id:
        raise Forbidden(CHAIR_ONLY)
    return seat


def _attended(session: Session, session_id: str) -> int:
    return session.scalar(select(func.count()).select_from(SessionInvitation).where(
        SessionInvitation.session_id == session_id, SessionInvitation.checked_in_at.is_not(None)))


def _seat(session: Session, council_id: str, member_id: str, field: str) -> CouncilMember:
    seat = session.get(CouncilMember, member_id)
    if seat is None or seat.council_id != council_id or not seat.active:
        raise NotFound(MEMBER_NOT_FOUND, {"field": field, "id": member_id})
    return seat


def _check_ids(session: Session, model, ids: list[str], council_id: str, field: str) -> None:
    if not ids:
        return
    found = set(session.scalars(select(model.id).where(model.id.in_(ids), model.council_id == council_id)))
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(SOME_FIELDS_INVALID, {"fields": {field: [NOT_IN_COUNCIL.text]},
                                                     "not_in_council": missing})
