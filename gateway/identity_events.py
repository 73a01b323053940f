"""Identity changes as events: written to the gateway's outbox in the same transaction as the change.

`record(session, name, data, tenant_id)` is the one function every identity change calls after it
has changed the rows (grant_membership, erase_identity here; remove_role,
remove_membership, deactivate_user, reactivate_user too). The relay (services.common.relay, component
"gateway") publishes the rows to the `identity.events` exchange as CloudEvents of source "identity";
every service keeps its `members` table from them (services.common.members).

One identity event carries a phone number: `contact_changed` (`record_contact`), written when a tenant
learns a person's phone (joining it, the backfill), when the phone changes, and with `phone` null when the
tenant must forget it (the membership ended, the account erased). Only the notifications service consumes it.

Each event carries the person's whole state in the tenant after the change, read here from the
rows, and the next number of the person's sequence (`version`). The user's row is locked while the
number is taken, so a person's events are numbered in commit order even across gateway processes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import IdentityOutbox, IdentityVersion, Membership, User
from services.common.envelope import make_envelope
from services.common.members import (
    CONTACT_CHANGED,
    IDENTITY,
    MEMBER_EVENTS,
    MEMBERS_JOINED,
    ContactData,
    MemberData,
    MembersJoinedData,
)

# People per members_joined event of a bulk import
BATCH = 500


def member_state(*, session: Session, user: User, tenant_id: str) -> dict[str, Any]:
    """What services need to know of `user` in `tenant_id`, as the rows say now."""
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                         Membership.tenant_id == tenant_id))
    return _state(user, membership, tenant_id)


def _state(user: User, membership: Membership | None, tenant_id: str) -> dict[str, Any]:
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


def _next_versions(session: Session, user_ids: list[str]) -> dict[str, int]:
    """The next number of each person's sequence, counted up and kept. The users' rows are locked first
    (in id order), so concurrent changes about one person take their numbers one after the other."""
    user_ids = sorted(set(user_ids))
    session.execute(select(User.id).where(User.id.in_(user_ids)).order_by(User.id).with_for_update())
    held = {row.user_id: row for row in session.scalars(select(IdentityVersion)
                                                        .where(IdentityVersion.user_id.in_(user_ids)))}
    for user_id in user_ids:
        if user_id not in held:
            held[user_id] = IdentityVersion(user_id=user_id, version=0)
            session.add(held[user_id])
        held[user_id].version += 1
    return {user_id: row.version for user_id, row in held.items()}


def _add(session: Session, name: str, tenant_id: str, data: dict[str, Any], subject: str | None) -> str:
    envelope = make_envelope(service=IDENTITY, event=name, tenant_id=tenant_id, data=data, subject=subject)
    # consumers act in the tenant of the headers: the event's own
    session.add(IdentityOutbox(event_id=envelope["id"], event_type=name, envelope=envelope,
                               headers={"tenant_id": tenant_id}, tenant_id=tenant_id))
    return str(envelope["id"])


def record(session: Session, name: str, data: dict[str, Any], tenant_id: str) -> str:
    """Write identity event `name` about `data["user_id"]` in `tenant_id` to the outbox; returns its
    id. `data` may add to or override the state read from the rows (e.g. `changed` on
    member_profile_changed); call it after the change is made, inside the same transaction."""
    if name not in MEMBER_EVENTS:
        raise ValueError(f"unknown identity event {name!r}")
    session.flush()  # the state below is read after the change
    user = session.get(User, data["user_id"])
    if user is None:
        raise ValueError(f"no user {data['user_id']!r}")
    version = _next_versions(session, [user.id])[user.id]
    payload = MemberData().dump({**member_state(session=session, user=user, tenant_id=tenant_id), **data,
                                 "tenant_id": tenant_id, "version": version})
    event_id = _add(session, name, tenant_id, payload, user.id)
    session.flush()
    return event_id


def phone_of(user: User) -> str | None:
    """The phone a tenant may reach the person on: none once the account is erased."""
    return None if user.erased_at is not None else user.phone


def record_contact(session: Session, user_id: str, tenant_id: str, *, remove: bool = False,
                   replay: bool = False) -> str:
    """Write `contact_changed` for `user_id` in `tenant_id`: the account's phone as the rows say now, or null
    when `remove` (the tenant must forget it: the membership ended, the account erased). Call it after the
    change, inside the same transaction; returns the event's id."""
    session.flush()
    user = session.get(User, user_id)
    if user is None:
        raise ValueError(f"no user {user_id!r}")
    version = _next_versions(session, [user.id])[user.id]
    data = {"user_id": user.id, "tenant_id": tenant_id, "version": version,
            "phone": None if remove else phone_of(user), **({"replay": True} if replay else {})}
    event_id = _add(session, CONTACT_CHANGED, tenant_id, ContactData().dump(data), user.id)
    session.flush()
    return event_id


def record_contact_everywhere(session: Session, user_id: str) -> list[str]:
    """`record_contact` in every tenant the person belongs to (their phone changed)."""
    tenants = session.scalars(select(Membership.tenant_id).where(Membership.user_id == user_id)
                              .order_by(Membership.tenant_id)).all()
    return [record_contact(session, user_id, tenant_id) for tenant_id in tenants]


def forget_phone(session: Session, user_id: str) -> int:
    """Erasure: blank the phone in every `contact_changed` row the outbox still holds about the person (published
    or not: the null that erasure sends follows them anyway). Returns how many rows were blanked."""
    session.flush()
    rows = session.scalars(select(IdentityOutbox).where(IdentityOutbox.event_type == CONTACT_CHANGED,
                                                         IdentityOutbox.envelope["subject"].as_string() == user_id))
    blanked = 0
    for row in rows:
        if row.envelope.get("data", {}).get("phone") is not None:
            row.envelope = {**row.envelope, "data": {**row.envelope["data"], "phone": None}}  # a new dict: tracked
            blanked += 1
    session.flush()
    return blanked


def record_joined(session: Session, memberships: list[Membership], *, replay: bool = False) -> int:
    """A bulk import's new memberships (the demo's 44,200 residents) as `members_joined` events of up to
    BATCH people of one tenant each: the same state and versions `record` would give each, in events a
    service applies in one transaction per BATCH people instead of one per person. Each person's phone then
    follows as one `contact_changed` per membership (the notifications service's contacts). Returns how many
    `members_joined` events."""
    session.flush()
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({m.user_id for m in memberships})))}
    versions = _next_versions(session, list(users))
    by_tenant: dict[str, list[dict[str, Any]]] = {}
    for membership in memberships:
        user = users[membership.user_id]
        state = {**_state(user, membership, membership.tenant_id), "version": versions[user.id]}
        by_tenant.setdefault(membership.tenant_id, []).append({**state, "replay": True} if replay else state)
    count = 0
    for tenant_id, states in sorted(by_tenant.items()):
        for start in range(0, len(states), BATCH):
            _add(session, MEMBERS_JOINED, tenant_id, MembersJoinedData().dump(
                {"tenant_id": tenant_id, "members": states[start:start + BATCH]}), None)
            count += 1
    contact_versions = _next_versions(session, list(users))  # after the member states: newer
    for membership in sorted(memberships, key=lambda m: (m.tenant_id, m.user_id)):
        user = users[membership.user_id]
        data = {"user_id": user.id, "tenant_id": membership.tenant_id, "version": contact_versions[user.id],
                "phone": phone_of(user), **({"replay": True} if replay else {})}
        _add(session, CONTACT_CHANGED, membership.tenant_id, ContactData().dump(data), user.id)
    session.flush()
    return count


def record_everywhere(session: Session, name: str, data: dict[str, Any]) -> list[str]:
    """`record` in every tenant the person belongs to: for changes to the account itself (deactivated,
    reactivated, erased, a new display name), which every community they belong to must hear."""
    tenants = session.scalars(select(Membership.tenant_id).where(Membership.user_id == data["user_id"])
                              .order_by(Membership.tenant_id)).all()
    return [record(session, name, data, tenant_id) for tenant_id in tenants]


def republish_memberships(session: Session, *, tenant_id: str | None = None) -> int:
    """The backfill: every current membership (of one tenant, or all) announced again, as `members_joined`
    events marked `replay`, each person's phone after them as `contact_changed` (also marked `replay`). Safe
    to run any number of times: each person's state goes out under a newer version, which a service applies
    over whatever it holds (the same state again, or the state it missed).
    Returns how many memberships were announced."""
    query = select(Membership).order_by(Membership.tenant_id, Membership.user_id)
    if tenant_id is not None:
        query = query.where(Membership.tenant_id == tenant_id)
    memberships = list(session.scalars(query))
    for start in range(0, len(memberships), 10 * BATCH):
        record_joined(session, memberships[start:start + 10 * BATCH], replay=True)
    return len(memberships)
