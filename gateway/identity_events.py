"""Identity changes as events: written to the gateway's outbox in the same transaction as the change.

`record(session, name, data, tenant_id)` is the one function every identity change calls after it
has changed the rows (create_user, grant_membership, erase_identity here; remove_role,
remove_membership, deactivate_user, reactivate_user too). The relay (services.common.relay, component
"gateway") publishes the rows to the `identity.events` exchange as CloudEvents of source "identity";
every service keeps its `members` table from them (services.common.members).

Each event carries the person's whole state in the tenant after the change, read here from the
rows, and the next number of the person's sequence (`version`). The user's row is locked while the
number is taken, so a person's events are numbered in commit order even across gateway processes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import IdentityOutbox, Membership, User
from services.common.envelope import make_envelope
from services.common.members import IDENTITY, MEMBER_EVENTS, MemberData


def member_state(*, session: Session, user: User, tenant_id: str) -> dict[str, Any]:
    """What services need to know of `user` in `tenant_id`, as the rows say now."""
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                         Membership.tenant_id == tenant_id))
    erased = user.erased_at is not None
    # `deactivated_at` arrives with account deactivation (another change); until then no account is.
    deactivated = getattr(user, "deactivated_at", None) is not None
    return {
        "user_id": user.id,
        "tenant_id": tenant_id,
        "member": membership is not None and not erased,
        "account_active": not (erased or deactivated),
        "roles": sorted(membership.roles) if membership is not None and not erased else [],
        "display_name": user.display_name,
        "locale": getattr(user, "locale", None),
    }


def record(session: Session, name: str, data: dict[str, Any], tenant_id: str) -> str:
    """Write identity event `name` about `data["user_id"]` in `tenant_id` to the outbox; returns its
    id. `data` may add to or override the state read from the rows (e.g. `changed` on
    member_profile_changed); call it after the change is made, inside the same transaction."""
    if name not in MEMBER_EVENTS:
        raise ValueError(f"unknown identity event {name!r}")
    session.flush()  # the state below is read after the change
    user = session.get(User, data["user_id"], with_for_update=True, populate_existing=True)
    if user is None:
        raise ValueError(f"no user {data['user_id']!r}")
    version = (session.scalar(select(func.max(IdentityOutbox.version))
                              .where(IdentityOutbox.user_id == user.id)) or 0) + 1
    payload = MemberData().dump({**member_state(session=session, user=user, tenant_id=tenant_id), **data,
                                 "tenant_id": tenant_id, "version": version})
    envelope = make_envelope(service=IDENTITY, event=name, tenant_id=tenant_id, data=payload, subject=user.id)
    session.add(IdentityOutbox(event_id=envelope["id"], event_type=name, envelope=envelope,
                               # consumers act in the tenant of the headers: the event's own
                               headers={"tenant_id": tenant_id}, tenant_id=tenant_id, user_id=user.id,
                               version=version))
    session.flush()
    return envelope["id"]


def record_joined(session: Session, memberships: list[Membership]) -> int:
    """member_joined for many new memberships at once (a bulk import such as the demo residents), with
    one query per table instead of three per person. The same rows `record` would write; the caller
    holds the only transaction creating these people, so their versions cannot race."""
    session.flush()
    user_ids = sorted({m.user_id for m in memberships})
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    versions = dict(session.execute(select(IdentityOutbox.user_id, func.max(IdentityOutbox.version))
                                    .where(IdentityOutbox.user_id.in_(user_ids))
                                    .group_by(IdentityOutbox.user_id)).all())
    rows = []
    for membership in memberships:
        user = users[membership.user_id]
        version = versions.get(user.id, 0) + 1
        versions[user.id] = version
        payload = MemberData().dump({
            "user_id": user.id, "tenant_id": membership.tenant_id, "version": version,
            "member": user.erased_at is None, "account_active": user.erased_at is None,
            "roles": sorted(membership.roles), "display_name": user.display_name,
            "locale": getattr(user, "locale", None)})
        envelope = make_envelope(service=IDENTITY, event="member_joined", tenant_id=membership.tenant_id,
                                 data=payload, subject=user.id)
        rows.append(IdentityOutbox(event_id=envelope["id"], event_type="member_joined", envelope=envelope,
                                   headers={"tenant_id": membership.tenant_id}, tenant_id=membership.tenant_id,
                                   user_id=user.id, version=version))
    session.add_all(rows)
    session.flush()
    return len(rows)


def record_everywhere(session: Session, name: str, data: dict[str, Any]) -> list[str]:
    """`record` in every tenant the person belongs to: for changes to the account itself (deactivated,
    reactivated, erased, a new display name), which every community they belong to must hear."""
    tenants = session.scalars(select(Membership.tenant_id).where(Membership.user_id == data["user_id"])
                              .order_by(Membership.tenant_id)).all()
    return [record(session, name, data, tenant_id) for tenant_id in tenants]


def republish_memberships(session: Session, *, tenant_id: str | None = None) -> int:
    """The backfill: member_joined again for every current membership (of one tenant, or all), marked
    `replay`. Safe to run any number of times: each carries the current state under a newer version,
    which a service applies over whatever it holds (the same state again, or the state it missed)."""
    query = select(Membership.user_id, Membership.tenant_id).order_by(Membership.tenant_id, Membership.user_id)
    if tenant_id is not None:
        query = query.where(Membership.tenant_id == tenant_id)
    count = 0
    for user_id, member_tenant in session.execute(query).all():
        record(session, "member_joined", {"user_id": user_id, "replay": True}, member_tenant)
        count += 1
    return count
