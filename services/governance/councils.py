"""Red Tea Council (红茶议事会): councils, their members by stakeholder group, and topics (议题).

Councils, members and topics are public inside the community (the council works in
the open); creating them is staff work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import members as community
from services.common.access import get_or_404, require_staff
from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, Forbidden
from services.common.pagination import Key, Page, keyset_page
from services.governance import events, sharing
from services.governance.contracts.messages import (
    ALREADY_ON_COUNCIL,
    ALREADY_ON_COUNCIL_MEANWHILE,
    COUNCIL_ARCHIVED,
    COUNCIL_NOT_FOUND,
    DUPLICATE_ACCOUNT,
    MEMBER_NOT_FOUND,
    OWNER_SEATS_ONLY,
)
from services.governance.models import Council, CouncilMember, Topic


def create(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> Council:
    """A council of the caller's community; `shared_with` names other communities
    whose people it may seat and who then see it (a shared theme across communities)."""
    actor = require_staff(ctx)
    data = dict(data)
    communities = data.pop("shared_with", None) or []
    council = Council(created_by=actor, **data)
    session.add(council)
    session.flush()
    if communities:
        sharing.share(session=session, ctx=ctx, council_id=council.id, communities=communities)
    return council


def get(*, session: Session, council_id: str) -> Council:
    return get_or_404(session, Council, council_id, COUNCIL_NOT_FOUND)


def member_counts(*, session: Session, council_ids: list[str]) -> dict[str, int]:
    if not council_ids:
        return {}
    rows = session.execute(
        select(CouncilMember.council_id, func.count()).where(
            CouncilMember.council_id.in_(council_ids), CouncilMember.active.is_(True)
        ).group_by(CouncilMember.council_id))
    return dict(rows.all())


def list_page(*, session: Session, limit: int, after: str | None) -> Page[Council]:
    """The community's own councils and those shared with it, in id order."""
    return keyset_page(session, select(Council), keys=[Key(Council.id)], limit=limit, after=after)


def add_members(*, session: Session, ctx: CallContext, council_id: str,
                members: list[dict[str, Any]]) -> list[CouncilMember]:
    """Seats people on a council. An account holds one seat per council: adding it
    again is a Conflict naming the existing seat (a re-activated seat is reused)."""
    require_staff(ctx)
    council = get(session=session, council_id=council_id)
    owner = session.info["tenant_id"]
    if council.tenant_id != owner:
        raise Forbidden(OWNER_SEATS_ONLY,
                        {"owner": council.tenant_id})
    sharing.check_homes(council=council, members=members, owner=owner)
    members = [{**m, "home_tenant_id": m.get("home_tenant_id") or owner} for m in members]
    for index, spec in enumerate(members):  # an account seated is a member of its community (checked above)
        if spec.get("user_id"):
            community.require_member(session, spec["user_id"], field=f"members.{index}.user_id",
                                     tenant_id=spec["home_tenant_id"])
    user_ids = [m["user_id"] for m in members if m.get("user_id")]
    if len(user_ids) != len(set(user_ids)):
        raise Conflict(DUPLICATE_ACCOUNT, {"user_ids": sorted(
            {u for u in user_ids if user_ids.count(u) > 1})})
    existing = {m.user_id: m for m in session.scalars(select(CouncilMember).where(
        CouncilMember.council_id == council_id, CouncilMember.user_id.in_(user_ids)))} if user_ids else {}
    taken = [m.id for m in existing.values() if m.active]
    if taken:
        raise Conflict(ALREADY_ON_COUNCIL, {"member_ids": taken})
    added = []
    for spec in members:
        seat = existing.get(spec.get("user_id")) if spec.get("user_id") else None
        if seat is not None:
            seat.active, seat.display_name, seat.stakeholder_group = True, spec["display_name"], spec[
                "stakeholder_group"]
            seat.home_tenant_id = spec["home_tenant_id"]
            seat.joined_at = utcnow()
        else:
            seat = CouncilMember(council_id=council_id, **spec)
            session.add(seat)
        added.append(seat)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(ALREADY_ON_COUNCIL_MEANWHILE) from None
    return added


def remove_member(*, session: Session, ctx: CallContext, council_id: str, member_id: str) -> CouncilMember:
    """A seat is deactivated, never deleted: past ballots and attendance keep their meaning."""
    require_staff(ctx)
    seat = get_or_404(session, CouncilMember, member_id, MEMBER_NOT_FOUND, lambda m: m.council_id == council_id)
    seat.active = False
    session.flush()
    return seat


def list_members(*, session: Session, council_id: str, limit: int, after: str | None) -> Page[CouncilMember]:
    get(session=session, council_id=council_id)
    query = select(CouncilMember).where(CouncilMember.council_id == council_id, CouncilMember.active.is_(True))
    return keyset_page(session, query, keys=[Key(CouncilMember.id)], limit=limit, after=after)


def open_topic(*, session: Session, ctx: CallContext, council_id: str, title: str,
               description: str = "", source_voice_id: str | None = None) -> Topic:
    """A topic is opened by staff, directly or by promoting a voice item."""
    actor = require_staff(ctx)
    council = get(session=session, council_id=council_id)
    if council.status != "active":
        raise Conflict(COUNCIL_ARCHIVED, {"state": council.status})
    topic = Topic(council_id=council_id, title=title, description=description, source_voice_id=source_voice_id,
                  opened_by=actor)
    session.add(topic)
    session.flush()
    announce(session, events.TOPIC_OPENED, events.TopicOpenedData().dump({
        "topic_id": topic.id, "council_id": council_id, "source_voice_id": source_voice_id,
        "opened_at": topic.created_at}), subject=topic.id)
    return topic


def list_topics(*, session: Session, council_id: str, limit: int, after: str | None) -> Page[Topic]:
    get(session=session, council_id=council_id)
    return keyset_page(session, select(Topic).where(Topic.council_id == council_id),
                       keys=[Key(Topic.created_at), Key(Topic.id)], limit=limit, after=after)


def member_user_ids(*, session: Session, council_id: str, home_tenant_id: str) -> list[str]:
    """The accounts seated on a council whose home community is `home_tenant_id` (audience
    `council_members`); 404 for a council the caller cannot see."""
    council = get(session=session, council_id=council_id)
    return sorted(session.scalars(select(CouncilMember.user_id).where(
        CouncilMember.council_id == council.id, CouncilMember.active.is_(True), CouncilMember.user_id.is_not(None),
        CouncilMember.home_tenant_id == home_tenant_id).distinct()))
