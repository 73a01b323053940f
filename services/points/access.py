"""Who may do what in the moral bank: the points service's role and audience rules, built on
services.common.access (staff are the common STAFF_ROLES; a refusal is the common STAFF_ONLY).

- staff, or another platform service calling in (role `service`, never a person's: the notifications
  service asking `audience`), learn who is in one of the bank's groups of people;
- staff run the bank of their tenant: settings, rules, manual awards and approvals, reversals,
  pauses, merchants, agreements, figures, the ledger check;
- a person sees their own account, postings about them, their pauses and their redemptions;
- a caring merchant is managed by its operators (named accounts or till keys) and its tenant's staff;
  a redemption is seen by its resident, the resident's staff, and the merchant it was made at.

Pure rules over a CallContext (and a session where a row must be looked up); no broker, no nameko.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common import members
from services.common.access import is_staff, require_staff, require_staff_or_service
from services.common.context import CallContext
from services.common.errors import NotFound
from services.points.contracts.messages import MEMBER_NOT_FOUND
from services.points.models import Merchant, Posting, Redemption

__all__ = ["account_holder", "is_operator", "is_staff", "may_manage", "may_see_posting", "may_see_redemption",
           "pause_holder", "require_staff", "require_staff_or_service"]


def account_holder(session: Session, ctx: CallContext, user_id: str | None) -> str:
    """Whose account the caller reads: their own, or (staff only) a member's of the tenant. No synthetic
    zero account for a made-up id or another community's resident: those are not found."""
    me = ctx.require_user()
    if user_id and user_id != me:
        require_staff(ctx)
        if members.find_member(session=session, user_id=user_id, former=True) is None:
            raise NotFound(MEMBER_NOT_FOUND)
        return user_id
    return me


def pause_holder(ctx: CallContext, user_id: str | None) -> str | None:
    """Whose expiry pauses the caller lists: staff anyone's (None: everyone's), others their own."""
    return user_id if is_staff(ctx) else ctx.require_user()


def may_see_posting(posting: Posting, ctx: CallContext) -> bool:
    """Staff see any posting of their tenant; a person sees postings about themselves."""
    return is_staff(ctx) or bool(ctx.user_id and posting.user_id == ctx.user_id)


def is_operator(merchant: Merchant, ctx: CallContext) -> bool:
    """The caller is one of the merchant's operators, in the merchant's own tenant."""
    return bool(ctx.user_id) and ctx.user_id in (merchant.operator_user_ids or []) and merchant.tenant_id == ctx.tenant


def may_manage(merchant: Merchant, ctx: CallContext) -> bool:
    """The merchant's operators and its tenant's staff manage it (catalogue, statement, inactive view)."""
    return merchant.tenant_id == ctx.tenant and (is_staff(ctx) or is_operator(merchant, ctx))


def may_see_redemption(session: Session, redemption: Redemption, ctx: CallContext) -> bool:
    """The resident and their tenant's staff; at the merchant's side, its operators and its tenant's staff."""
    if redemption.tenant_id == ctx.tenant and (is_staff(ctx) or redemption.user_id == ctx.user_id):
        return True
    if redemption.merchant_tenant_id == ctx.tenant:
        merchant = session.get(Merchant, redemption.merchant_id)
        return merchant is not None and (is_operator(merchant, ctx) or is_staff(ctx))
    return False
