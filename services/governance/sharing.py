"""Councils across communities for a shared theme.

A council belongs to one community (its owner; the sub-district operator's own tenant
may own one too) and may be shared with named other communities: its `audience`.
The council and what hangs off it (sessions, proposals, votes, resolutions, action
items) carry the same audience, so people in those communities READ them through the
ordinary tenant-scoped session. The owner's staff seat people from those communities
(`home_tenant_id` on the seat).

Writes stay in the owning community. When a person of another community acts on a
shared council (checks in, comments, votes, confirms or disputes an action item), the
service crosses into the owner's tenant (`db.write_in_tenant(owner, reason=...)`, or
`db.read_in_tenant` for a read; service.py `_write_in_council_owner`/`_read_in_council_owner`) with a
*visiting* context: the same person and home community, but none of their home roles,
so staff of one community are never staff of another's council.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.access import get_or_404, require_staff
from services.common.context import CallContext
from services.common.database import Shareable, announce
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.governance.contracts.messages import (
    COMMUNITIES_STILL_SEATED,
    COUNCIL_NOT_FOUND,
    NOT_SHARED_WITH_COMMUNITY,
    OWNER_SHARES_ONLY,
)
from services.governance.models import (
    ActionItem,
    Council,
    CouncilMember,
    CouncilSession,
    Proposal,
    Resolution,
    Vote,
)

# What inherits the council's audience (and is re-shared with it).
BY_COUNCIL = (CouncilSession, Proposal, Vote, Resolution)


def owner_of(session: Session, model: type, object_id: str | None) -> str | None:
    """The community that owns a row the caller can see (its own, or one shared
    with it); None when it cannot see it (the domain call then answers 404)."""
    row = session.get(model, object_id) if object_id else None
    return row.tenant_id if row is not None else None


def accounts_by_home(session: Session, *criteria: Any) -> dict[str, list[str]]:
    """The accounts of the seats matching `criteria` (seats without an account left out), by home
    community: `{tenant: [user ids, sorted, each once]}`."""
    homes: dict[str, set[str]] = {}
    for home, user_id in session.execute(select(CouncilMember.home_tenant_id, CouncilMember.user_id).where(
            CouncilMember.user_id.is_not(None), *criteria)):
        homes.setdefault(home, set()).add(user_id)
    return {home: sorted(users) for home, users in homes.items()}


def announce_in_communities(session: Session, event: str, data: dict[str, Any], *, subject: str, owner: str,
                            homes: dict[str, list[str]], split: str | None = None) -> list[str]:
    """Announce an event of a council once in its owner's community and once more in each other
    community with people in `homes` (the seats it concerns, `accounts_by_home`), like training's
    class events: the consumers of each copy (notifications) act in that community and ask
    `governance.audience` there, which answers only its own people, so a guest seated from another
    community is told in their own community, once. `split` names a field of `data` listing
    accounts: each copy then carries only its own community's (the owner's copy may be empty).
    Returns the event ids."""
    tenants = [owner, *sorted(t for t, users in homes.items() if users and t != owner)]
    return [announce(session, event, {**data, split: list(homes.get(tenant, []))} if split else data,
                     subject=subject, tenant_id=tenant) for tenant in tenants]


def visiting(ctx: CallContext) -> CallContext:
    """The caller as a guest in another community: same person, no roles there."""
    return dataclasses.replace(ctx, roles=frozenset())


def audience_of(session: Session, council_id: str) -> str:
    """The audience a new session, proposal, vote or resolution of this council gets."""
    council = session.get(Council, council_id)
    return council.audience if council is not None else ""


def share(*, session: Session, ctx: CallContext, council_id: str, communities: list[str]) -> Council:
    """The owner's staff name the communities a council is shared with (replacing the
    list). Everything already hanging off the council follows. A community that still
    has seated members cannot be removed: unseat them first."""
    require_staff(ctx)
    council = get_or_404(session, Council, council_id, COUNCIL_NOT_FOUND)
    owner = session.info["tenant_id"]
    if council.tenant_id != owner:
        # Visible because it is shared with us, but it is not ours to share.
        raise Forbidden(OWNER_SHARES_ONLY,
                        {"owner": council.tenant_id})
    wanted = sorted({c for c in communities if c != owner})
    seated_elsewhere = set(session.scalars(select(CouncilMember.home_tenant_id).where(
        CouncilMember.council_id == council.id, CouncilMember.active.is_(True),
        CouncilMember.home_tenant_id != owner).distinct()))
    dropped = sorted(seated_elsewhere - set(wanted))
    if dropped:
        raise Conflict(COMMUNITIES_STILL_SEATED,
                       {"state": "members_seated", "communities": dropped})
    audience = Shareable.audience_for(wanted)
    council.audience = audience
    for model in BY_COUNCIL:
        session.execute(update(model).where(model.council_id == council.id).values(audience=audience)
                        .execution_options(synchronize_session=False))
    resolution_ids = select(Resolution.id).where(Resolution.council_id == council.id)
    session.execute(update(ActionItem).where(ActionItem.resolution_id.in_(resolution_ids))
                    .values(audience=audience).execution_options(synchronize_session=False))
    session.flush()
    return council


def shared_with(council: Council) -> list[str]:
    tenants = Shareable.audience_tenants(council.audience)
    return [] if tenants == "*" else list(tenants)


def check_homes(*, council: Council, members: list[dict[str, Any]], owner: str) -> None:
    """A seat's community must be the owner or one the council is shared with."""
    allowed = {owner, *shared_with(council)}
    bad = {str(i): [NOT_SHARED_WITH_COMMUNITY]
           for i, m in enumerate(members) if m.get("home_tenant_id") and m["home_tenant_id"] not in allowed}
    if bad:
        raise ValidationFailed.from_messages({"members": bad})
