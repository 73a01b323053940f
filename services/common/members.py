"""Who is a member of which tenant, as every service knows it: one mechanism, the same everywhere.

The gateway's identity is the one truth about people. Each change to a membership or an account
is written to the gateway's outbox in the same transaction as the change
(`gateway/identity_events.py`) and published by the relay as an event of the source "identity"
(exchange `identity.events`). Every service mixes in `MemberEntrypoints`, which keeps the
service's own `members` table from those events, and names a person in an operation only through
`require_member` — a made-up id, another community's resident, someone who left or whose
account was deactivated is refused with `NotAMember` (422, the field named).

Every identity event carries the person's whole membership state in the tenant at the time of the
change (roles, display name, locale, whether they are a member, whether the account is active)
and `version`, the gateway's per-person sequence. Applying an event is therefore "take this state
if it is newer than what I have": redelivery, duplicates and late older events change nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from marshmallow import Schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import contract_fields as fields
from services.common.database import read_in_tenant, utcnow
from services.common.errors import NotAMember, ValidationFailed
from services.common.logging import get_logger

log = get_logger(__name__)

# The source name of identity events: nameko handlers subscribe with event_handler("identity", …).
IDENTITY = "identity"

MEMBER_JOINED = "member_joined"
MEMBER_LEFT = "member_left"
MEMBER_ROLE_GRANTED = "member_role_granted"
MEMBER_ROLE_REMOVED = "member_role_removed"
MEMBER_PROFILE_CHANGED = "member_profile_changed"
ACCOUNT_DEACTIVATED = "account_deactivated"
ACCOUNT_REACTIVATED = "account_reactivated"

# Many people joining one tenant at once (a bulk import, the backfill): a list of member_joined states.
MEMBERS_JOINED = "members_joined"

# A person's phone number as a tenant may use it to reach them (text messages): the one identity event that
# carries a phone, consumed by the notifications service only (no MemberEntrypoints handler binds to it).
CONTACT_CHANGED = "contact_changed"

MEMBER_EVENTS = (MEMBER_JOINED, MEMBER_LEFT, MEMBER_ROLE_GRANTED, MEMBER_ROLE_REMOVED, MEMBER_PROFILE_CHANGED,
                 ACCOUNT_DEACTIVATED, ACCOUNT_REACTIVATED)


class MemberData(Schema):
    """A person's membership of the tenant in `tenantid` changed (joined, left, a role granted or
    removed, their name or language changed, the account deactivated or reactivated). The data is
    the whole state after the change, so a consumer overwrites what it holds when `version` is newer."""

    user_id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "the gateway's sequence of this person's identity events; higher is newer"})
    member = fields.Boolean(required=True, metadata={"description": "false once the membership ended"})
    account_active = fields.Boolean(required=True, metadata={
        "description": "false while the account is deactivated or after it was erased"})
    roles = fields.List(fields.String(), required=True, metadata={"description": "roles in the tenant"})
    display_name = fields.String(allow_none=True)
    locale = fields.String(allow_none=True)
    changed = fields.List(fields.String(), metadata={
        "description": "member_profile_changed: what changed (display_name, phone, locale); the phone "
                       "number itself never travels"})
    replay = fields.Boolean(metadata={"description": "true when re-published by the backfill"})


class MembersJoinedData(Schema):
    """Many people of one tenant joined at once (a bulk import), or the backfill announced every
    membership again: the state member_joined would carry, for each of up to 500 people."""

    tenant_id = fields.String(required=True)
    members = fields.List(fields.Nested(MemberData), required=True)


class ContactData(Schema):
    """A person's phone number, as the tenant in `tenantid` may use it to reach them, was set (the person
    joined the tenant, or the backfill announced it again), changed, or removed (`phone` null: the account was
    erased or the membership ended). The one identity event that carries a phone number: only the notifications
    service binds a queue to it (its `contacts` table, for text messages); no other service consumes it, and
    like every identity event it never leaves the platform (confidential). `version` is the same per-person
    sequence as the member events', so a consumer keeps the phone of the newest event it saw."""

    user_id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "the gateway's sequence of this person's identity events; higher is newer"})
    phone = fields.String(required=True, allow_none=True, metadata={
        "description": "the mobile number (11 digits); null once removed or erased"})
    replay = fields.Boolean(metadata={"description": "true when re-published by the backfill"})


CATALOGUE = {**{name: MemberData for name in MEMBER_EVENTS}, MEMBERS_JOINED: MembersJoinedData,
             CONTACT_CHANGED: ContactData}

# Example people of the event catalogue (docs/events.md): data, kept with the other examples.
_NAMES = json.loads((Path(__file__).parent / "data" / "examples.json").read_text(encoding="utf-8"))["names"]
_EXAMPLE = {"user_id": "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20", "tenant_id": "xiangyang", "version": 3,
            "member": True, "account_active": True, "roles": ["resident"], "display_name": _NAMES["member"],
            "locale": "zh-CN"}
EXAMPLES = {
    MEMBER_JOINED: _EXAMPLE,
    MEMBER_LEFT: {**_EXAMPLE, "member": False, "roles": []},
    MEMBER_ROLE_GRANTED: {**_EXAMPLE, "roles": ["resident", "staff"]},
    MEMBER_ROLE_REMOVED: _EXAMPLE,
    MEMBER_PROFILE_CHANGED: {**_EXAMPLE, "display_name": _NAMES["renamed"], "changed": ["display_name"]},
    MEMBERS_JOINED: {"tenant_id": "xiangyang", "members": [{**_EXAMPLE, "version": 1, "replay": True}]},
    ACCOUNT_DEACTIVATED: {**_EXAMPLE, "account_active": False},
    ACCOUNT_REACTIVATED: _EXAMPLE,
    CONTACT_CHANGED: {"user_id": _EXAMPLE["user_id"], "tenant_id": "xiangyang", "version": 4, "phone": "13900000101"},
}


def member_model(session: Session) -> Any:
    """The members model of the service whose session this is (for a join or a sub-query)."""
    return _model(session)


def _model(session: Session) -> Any:
    model = session.info.get("member_model")
    if model is None:
        raise RuntimeError("This session was not made by services.common.database.session_factory")
    return model


# --- keeping the table ----------------------------------------------------------------------


def apply_member_event(*, session: Session, data: dict[str, Any]) -> bool:
    """Take the state an identity event carries when it is newer than the row's; returns whether
    it changed anything. The caller has recorded the event id (`Transaction.first_delivery`)."""
    return apply_member_events(session=session, states=[data]) == 1


def apply_member_events(*, session: Session, states: list[dict[str, Any]]) -> int:
    """`apply_member_event` for many people of the session's tenant (members_joined), with one read of
    the rows they touch; returns how many changed."""
    model = _model(session)
    tenant_id = session.info["tenant_id"]
    if any(data.get("tenant_id") != tenant_id for data in states):
        raise ValidationFailed("An identity event must be applied in its own tenant")
    rows = {row.user_id: row for row in session.scalars(
        select(model).where(model.user_id.in_({data["user_id"] for data in states})).with_for_update())}
    changed = 0
    for data in states:
        version, row = int(data["version"]), rows.get(data["user_id"])
        if row is not None and row.version >= version:
            log.info("members.stale_event_ignored", user_id=data["user_id"], version=version, held=row.version)
            continue
        if row is None:
            row = rows[data["user_id"]] = model(user_id=data["user_id"])
            session.add(row)
        row.roles = sorted(data.get("roles") or [])
        row.display_name = data.get("display_name")
        row.locale = data.get("locale")
        row.active = bool(data.get("member")) and bool(data.get("account_active"))
        row.version = version
        row.updated_at = utcnow()
        changed += 1
    session.flush()
    return changed


# --- reading it -----------------------------------------------------------------------------


def find_member(*, session: Session, user_id: str, tenant_id: str | None = None, former: bool = False) -> Any:
    """The active member row of `user_id` in the session's tenant (or `tenant_id`), else None.
    `former`: a past member's row too (reading a record they left behind is still about a person)."""
    model = _model(session)
    home = session.info["tenant_id"]
    if tenant_id is not None and tenant_id != home:
        with read_in_tenant(session, tenant_id, reason="is this person a member of the audience"):
            return find_member(session=session, user_id=user_id, former=former)
    query = select(model).where(model.user_id == user_id)
    return session.scalar(query if former else query.where(model.active.is_(True)))


def require_member(session: Session, user_id: str | None, *, field: str = "user_id",
                   tenant_id: str | None = None, roles: Iterable[str] = ()) -> Any:
    """The one check every operation that names a person makes: `user_id` is an active member of
    the session's tenant (or of `tenant_id`, an audience the operation legitimately crosses into),
    with one of `roles` when given. Otherwise NotAMember naming `field` (422)."""
    if not user_id:
        raise NotAMember.for_field(field, "")
    member = find_member(session=session, user_id=user_id, tenant_id=tenant_id)
    if member is None or (roles and not set(roles) & set(member.roles)):
        raise NotAMember.for_field(field, user_id)
    return member


def missing_members(*, session: Session, user_ids: Iterable[str]) -> set[str]:
    """Which of `user_ids` are not active members of the session's tenant (one query)."""
    wanted = sorted({u for u in user_ids if u})
    model = _model(session)
    found = set(session.scalars(select(model.user_id).where(model.user_id.in_(wanted), model.active.is_(True)))) \
        if wanted else set()
    return set(wanted) - found | ({""} if any(not u for u in user_ids) else set())


def require_members(session: Session, user_ids: Iterable[str], *, field: str) -> None:
    """`require_member` for a list (one query): refused at the first id that is not a member, named by
    its place in the list (`operator_user_ids.1`)."""
    user_ids = list(user_ids)
    if missing := missing_members(session=session, user_ids=user_ids):
        index = next(i for i, user_id in enumerate(user_ids) if (user_id or "") in missing)
        raise NotAMember.for_field(f"{field}.{index}", user_ids[index])


def display_names(*, session: Session, user_ids: Iterable[str]) -> dict[str, str]:
    """user id → the display name identity last announced, for members of the session's tenant
    (past members too: a name on an old record is still theirs)."""
    wanted = sorted({u for u in user_ids if u})
    if not wanted:
        return {}
    model = _model(session)
    return {row.user_id: row.display_name for row in session.scalars(select(model).where(model.user_id.in_(wanted)))
            if row.display_name}
