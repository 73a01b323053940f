"""Audiences: the people a group of governance names, asked for by the notifications service at
fan-out time (`governance.audience(group, ref)`) and by staff for a broadcast.

Each group is answered in the caller's community: for a council shared across communities (a
vote, a council, a session) only the people whose home is the caller's community, so every
community hears about its own people (the service reads the owner's rows through a recorded
crossing). Staff, the tenant's administrator or a service-internal call only (role `service`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.access import require_staff_or_service
from services.common.context import CallContext
from services.common.errors import ValidationFailed
from services.governance import council_sessions, councils, projects, voice, voting
from services.governance.contracts.messages import UNKNOWN_AUDIENCE_GROUP
from services.governance.models import Council, CouncilSession, Vote

# group → the shared (council-owned) model its ref names, read in its owner's community; None: the
# caller's own community only.
GROUPS: dict[str, type | None] = {
    "vote_eligible": Vote,
    "council_members": Council,
    "session_invitees": CouncilSession,
    "voice_author": None,
    "duty_slot_signups": None,
}


def check(ctx: CallContext, group: str) -> type | None:
    """Who may ask (staff or a service) and whether the group exists (ValidationFailed on `group`);
    answers the shared model the ref names, if any."""
    require_staff_or_service(ctx)
    if group not in GROUPS:
        raise ValidationFailed.from_messages({"group": [UNKNOWN_AUDIENCE_GROUP]})
    return GROUPS[group]


def user_ids(*, session: Session, group: str, ref: str, home_tenant_id: str) -> list[str]:
    """The accounts of a group (sorted, distinct); NotFound for a ref the session cannot see."""
    if group == "vote_eligible":
        return voting.eligible_user_ids(session=session, vote_id=ref, home_tenant_id=home_tenant_id)
    if group == "council_members":
        return councils.member_user_ids(session=session, council_id=ref, home_tenant_id=home_tenant_id)
    if group == "session_invitees":
        return council_sessions.invitee_user_ids(session=session, session_id=ref, home_tenant_id=home_tenant_id)
    if group == "voice_author":
        return voice.author_user_ids(session=session, voice_id=ref)
    if group == "duty_slot_signups":
        return projects.signup_user_ids(session=session, slot_id=ref)
    raise ValidationFailed.from_messages({"group": [UNKNOWN_AUDIENCE_GROUP]})


def answer(*, group: str, ref: str, found: list[str]) -> dict[str, object]:
    return {"group": group, "ref": ref, "user_ids": found}
