"""Who a message goes to: the groups of people the moral bank knows, answered to the notifications service
(event fan-out) and to staff (a broadcast to "everyone holding a voucher at this shop").

`points.audience(group, ref)` answers `{"group", "ref", "user_ids"}` for the caller's tenant only:

- `award_approvers` (ref: an award request id): the tenant's active members with a staff role
  (services.common.access.STAFF_ROLES, from the members table identity keeps) who may approve it, i.e. less the
  one who asked and the one it would credit; empty once the request is decided;
- `merchant_voucher_holders` (ref: a merchant id, its own or a partner's that accepts the tenant): the
  tenant's residents holding a pending, unexpired voucher at that merchant.

Staff, or another platform service (role `service`, services.common.access.require_staff_or_service) may ask.
An unknown group is refused on `group`; a ref that is not the tenant's (or does not exist) is not found.

Pure rules over a tenant-scoped session; no broker, no nameko.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.errors import ValidationFailed
from services.points import access, awards, redemption
from services.points.contracts.messages import AUDIENCE_GROUPS, UNKNOWN_AUDIENCE_GROUP

GROUPS: dict[str, Callable[[Session, str, datetime | None], list[str]]] = {
    "award_approvers": lambda session, ref, _now: awards.approvers(session=session, request_id=ref),
    "merchant_voucher_holders": lambda session, ref, now: redemption.voucher_holders(
        session=session, merchant_id=ref, now=now),
}
if set(GROUPS) != set(AUDIENCE_GROUPS.values):  # the contract's groups are exactly those answered here
    raise RuntimeError("services.points.audiences.GROUPS and contracts.messages.AUDIENCE_GROUPS differ")


def audience(*, session: Session, ctx: CallContext, group: str, ref: str,
             now: datetime | None = None) -> dict[str, Any]:
    """The user ids of `group` for `ref` in the caller's tenant (sorted, each once)."""
    access.require_staff_or_service(ctx)
    members_of = GROUPS.get(group)
    if members_of is None:
        failed = ValidationFailed.from_messages({"group": [UNKNOWN_AUDIENCE_GROUP]})
        raise ValidationFailed(failed.detail, {**failed.extra, "groups": sorted(GROUPS)})
    return {"group": group, "ref": ref, "user_ids": sorted(set(members_of(session, ref, now)))}
