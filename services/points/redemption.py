"""Caring merchants (爱心商户), their catalogue, and redemption: hold → voucher → confirm → settle.

A resident creates a redemption: the points move from their account to the tenant's holding
account (no longer spendable), stock is taken, and a voucher code with its QR is shown, valid for
the tenant's `voucher_minutes`. The merchant previews the voucher by scanning or typing the
code, then confirms it: the held points settle to the merchant's account. A cancelled or expired
voucher releases the hold (points go back into the same lots, with their own expiry dates) and
returns the stock.

Across tenants (a merchant accepting another community's points under an agreement) the
redemption lives in the resident's tenant and is shared with the merchant's; each tenant's half
is balanced in that tenant through its clearing account for the other.

Lock order, the same in every path so that two redemptions never deadlock: the redemption row,
then the member's account, then the catalogue item, then the merchant's account, then the
tenant's own accounts (holding, clearing).

Pure rules over a tenant-scoped session; no broker, no nameko.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import segno
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import Shareable, announce, utcnow, write_in_tenant
from services.common.errors import Conflict, Forbidden, NotFound
from services.common.pagination import Key, Page, keyset_page, page_of
from services.points import access, agreements, events, ledger
from services.points.contracts.messages import (
    CATALOGUE_MANAGERS,
    ITEM_NOT_FOUND,
    ITEM_UNAVAILABLE,
    MERCHANT_NOT_FOUND,
    NO_AGREEMENT_WITH,
    NOT_ENOUGH_POINTS,
    NOT_IN_THIS_STATE,
    OUT_OF_STOCK,
    OVER_LIMIT,
    REDEMPTION_NOT_FOUND,
    VOUCHER_CANCELLED,
    VOUCHER_EXPIRED,
    VOUCHER_NOT_FOUND,
    VOUCHER_USED,
)
from services.points.models import CatalogueItem, Entry, Merchant, Posting, Redemption

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: people type these codes
CODE_LENGTH = 10
OPEN = ("pending", "confirmed")


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def qr_svg(code: str) -> str:
    """The voucher as a QR code (SVG data URI) the merchant's phone scans. The mask is fixed:
    searching all eight for the best (segno's default) was most of the cost of drawing it, about
    a fifth of a redemption's CPU, and any mask is a standard QR code that phones scan."""
    return segno.make_qr(f"FENGCHAO-VOUCHER:{code}", error="m", mask=QR_MASK).svg_data_uri(scale=4, border=2)


QR_MASK = 2


def _announce(session: Session, event: str, redemption: Redemption, posting_id: str | None) -> None:
    """A redemption's event, in the caller's tenant (after any crossing), with the posting that moved."""
    announce(session, event, events.RedemptionData().dump({
        "redemption_id": redemption.id, "user_id": redemption.user_id, "merchant_id": redemption.merchant_id,
        "merchant_tenant_id": redemption.merchant_tenant_id, "item_id": redemption.item_id,
        "quantity": redemption.quantity, "points": redemption.points, "status": redemption.status,
        "expires_at": redemption.expires_at, "posting_id": posting_id,
        "at": redemption.closed_at or redemption.created_at,
    }), subject=redemption.id)


# --- merchants and catalogue ---------------------------------------------------------


def _audience(session: Session, ctx: CallContext, accepts_tenants: list[str]) -> str:
    partners = sorted(set(accepts_tenants) - {ctx.tenant})
    missing = [t for t in partners if not agreements.in_force(session=session, tenant_a=ctx.tenant, tenant_b=t)]
    if missing:
        raise Conflict(NO_AGREEMENT_WITH,
                       {"state": "no_agreement", "tenants": missing})
    return Shareable.audience_for(partners)


def create_merchant(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> Merchant:
    """Staff enrol a caring merchant, naming the accounts that operate it and the partner
    tenants (under an agreement in force) whose residents it accepts."""
    actor = access.require_staff(ctx)
    audience = _audience(session, ctx, data.pop("accepts_tenants", None) or [])
    merchant = Merchant(audience=audience, created_by=actor, **data)
    session.add(merchant)
    session.flush()
    ledger.merchant_account(session=session, merchant_id=merchant.id)
    return merchant


def _own_merchant(session: Session, merchant_id: str, ctx: CallContext) -> Merchant:
    merchant = session.get(Merchant, merchant_id)
    # A partner's merchant is readable, never writable: for changes it does not exist.
    if merchant is None or merchant.tenant_id != ctx.tenant:
        raise NotFound(MERCHANT_NOT_FOUND, {"merchant_id": merchant_id})
    return merchant


def update_merchant(*, session: Session, ctx: CallContext, merchant_id: str, changes: dict[str, Any]) -> Merchant:
    access.require_staff(ctx)
    merchant = _own_merchant(session, merchant_id, ctx)
    if "accepts_tenants" in changes:
        merchant.audience = _audience(session, ctx, changes.pop("accepts_tenants") or [])
        session.execute(update(CatalogueItem).where(CatalogueItem.merchant_id == merchant.id)
                        .values(audience=merchant.audience))
    for key, value in changes.items():
        setattr(merchant, key, value)
    session.flush()
    return merchant


def get_merchant(*, session: Session, ctx: CallContext, merchant_id: str) -> Merchant:
    ctx.require_user()
    merchant = session.get(Merchant, merchant_id)
    if merchant is None or not (merchant.active or access.may_manage(merchant, ctx)):
        raise NotFound(MERCHANT_NOT_FOUND, {"merchant_id": merchant_id})
    return merchant


MERCHANT_SCAN = 200  # rows read per round while filtering merchants by who may see them


def list_merchants(*, session: Session, ctx: CallContext, mine: bool = False, limit: int = 500,
                   after: str | None = None) -> Page[Merchant]:
    """Active merchants of our tenant and of partners that accept us; staff also see inactive
    ones of their own tenant; `mine` lists the merchants the caller operates. By name.

    Who may see a merchant is decided in Python (operators are a JSON list), so the page is filled
    by reading keyset pages of all merchants until `limit + 1` visible ones are found."""
    ctx.require_user()

    def visible(m: Merchant) -> bool:
        return access.is_operator(m, ctx) if mine else (m.active or access.may_manage(m, ctx))

    keys = [Key(Merchant.name), Key(Merchant.id)]
    found: list[Merchant] = []
    cursor = after
    while True:
        chunk = keyset_page(session, select(Merchant), keys=keys, limit=max(limit, MERCHANT_SCAN), after=cursor)
        found.extend(m for m in chunk.items if visible(m))
        if len(found) > limit or chunk.next_cursor is None:
            break
        cursor = chunk.next_cursor
    return page_of(found, limit=limit, key_of=lambda m: [m.name, m.id], more=len(found) > limit)


def create_item(*, session: Session, ctx: CallContext, merchant_id: str, data: dict[str, Any]) -> CatalogueItem:
    """Staff, or the merchant's own operators, add something to its catalogue."""
    ctx.require_user()
    merchant = _own_merchant(session, merchant_id, ctx)
    if not access.may_manage(merchant, ctx):
        raise Forbidden(CATALOGUE_MANAGERS)
    item = CatalogueItem(merchant_id=merchant.id, audience=merchant.audience, **data)
    session.add(item)
    session.flush()
    return item


def update_item(*, session: Session, ctx: CallContext, item_id: str, changes: dict[str, Any]) -> CatalogueItem:
    ctx.require_user()
    item = session.get(CatalogueItem, item_id)
    if item is None or item.tenant_id != ctx.tenant:
        raise NotFound(ITEM_NOT_FOUND, {"item_id": item_id})
    if not access.may_manage(session.get(Merchant, item.merchant_id), ctx):
        raise Forbidden(CATALOGUE_MANAGERS)
    for key, value in changes.items():
        setattr(item, key, value)
    session.flush()
    return item


def catalogue(*, session: Session, ctx: CallContext, merchant_id: str | None, limit: int = 500,
              after: str | None = None) -> Page[tuple[CatalogueItem, Merchant]]:
    """What the caller can redeem: active items of active merchants visible to their tenant, by
    merchant name, then price."""
    ctx.require_user()
    query = (select(CatalogueItem, Merchant).join(Merchant, Merchant.id == CatalogueItem.merchant_id)
             .where(CatalogueItem.active.is_(True), Merchant.active.is_(True)))
    if merchant_id:
        query = query.where(Merchant.id == merchant_id)
    keys = [Key(Merchant.name), Key(CatalogueItem.price_points), Key(CatalogueItem.id)]
    page = keyset_page(session, query, keys=keys, limit=limit, after=after, scalars=False,
                       key_of=lambda row: [row[1].name, row[0].price_points, row[0].id])
    return Page([tuple(row) for row in page.items], page.next_cursor)


# --- redemption ----------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create(*, session: Session, ctx: CallContext, item_id: str, quantity: int,
           now: datetime | None = None) -> Redemption:
    """A resident redeems points for an item: checks (active, agreement, limit per person,
    stock, balance) and hold happen in one transaction, so a refusal changes nothing and
    concurrent redemptions from one account can never overdraw it."""
    user_id = ctx.require_user()
    now = now or utcnow()
    item = session.get(CatalogueItem, item_id)
    merchant = session.get(Merchant, item.merchant_id) if item is not None else None
    if item is None or merchant is None:
        raise NotFound(ITEM_NOT_FOUND, {"item_id": item_id})
    if not (item.active and merchant.active):
        raise Conflict(ITEM_UNAVAILABLE, {"state": "inactive"})
    agreements.require_in_force(session=session, tenant_a=ctx.tenant, tenant_b=merchant.tenant_id)
    points = item.price_points * quantity

    member = ledger.member_account(session=session, user_id=user_id)
    ledger.lock(session=session, accounts=[member])  # serialises this person's redemptions
    if item.limit_per_person is not None:
        taken = session.scalar(select(func.coalesce(func.sum(Redemption.quantity), 0)).where(
            Redemption.user_id == user_id, Redemption.item_id == item.id, Redemption.status.in_(OPEN),
            Redemption.tenant_id == ctx.tenant))
        if taken + quantity > item.limit_per_person:
            raise Conflict(OVER_LIMIT,
                           {"state": "limit_reached", "limit_per_person": item.limit_per_person, "already": int(taken)})
    if member.balance < points:
        raise Conflict(NOT_ENOUGH_POINTS,
                       {"state": "insufficient", "available": member.balance, "required": points})
    if item.stock is not None:
        with write_in_tenant(session, merchant.tenant_id, reason="take stock for a redemption",
                             before_switch=ledger.apply_pending):
            taken_stock = session.execute(
                update(CatalogueItem).where(CatalogueItem.id == item.id, CatalogueItem.stock >= quantity)
                .values(stock=CatalogueItem.stock - quantity))
        if taken_stock.rowcount != 1:
            session.refresh(item)
            raise Conflict(OUT_OF_STOCK, {"state": "out_of_stock", "stock": item.stock})

    redemption = Redemption(
        code=_new_code(), user_id=user_id, merchant_id=merchant.id, merchant_tenant_id=merchant.tenant_id,
        item_id=item.id, item_name=item.name, quantity=quantity, points=points, status="pending",
        audience=Shareable.audience_for([merchant.tenant_id] if merchant.tenant_id != ctx.tenant else None),
        created_at=now, expires_at=now + timedelta(minutes=ledger.settings(session=session).voucher_minutes),
        hold_posting_id="")
    session.add(redemption)
    session.flush()
    hold, _created = ledger.post(
        session=session, kind="hold", source="redemption", key=f"hold:{redemption.id}",
        legs=[(member, -points), (ledger.holding(session=session), points)], amount=points, user_id=user_id,
        reference=redemption.id, memo=item.name, created_by=user_id, now=now)
    ledger.draw_lots(session=session, member=member, posting=hold, amount=points)
    redemption.hold_posting_id = hold.id
    session.flush()
    _announce(session, events.REDEMPTION_CREATED, redemption, redemption.hold_posting_id)
    return redemption


def get(*, session: Session, ctx: CallContext, redemption_id: str) -> Redemption:
    """The resident sees their own; the merchant (its operators, its tenant's staff) sees those
    made at it; the resident's staff see their tenant's. Anyone else: not found."""
    ctx.require_user()
    redemption = session.get(Redemption, redemption_id)
    if redemption is None or not access.may_see_redemption(session, redemption, ctx):
        raise NotFound(REDEMPTION_NOT_FOUND, {"redemption_id": redemption_id})
    return redemption


def list_page(*, session: Session, ctx: CallContext, merchant_id: str | None, status: str | None, limit: int,
              before: str | None, after: str | None = None) -> Page[Redemption]:
    """A resident's own redemptions; with `merchant_id`, those made at a merchant the caller
    operates (or, for staff, at one of their tenant's merchants). Newest first; `before` (or `after`, the
    same opaque cursor) is the previous page's `next_cursor`."""
    user_id = ctx.require_user()
    query = select(Redemption)
    if merchant_id:
        merchant = session.get(Merchant, merchant_id)
        if merchant is None or not access.may_manage(merchant, ctx):
            raise NotFound(MERCHANT_NOT_FOUND, {"merchant_id": merchant_id})
        query = query.where(Redemption.merchant_id == merchant_id)
    elif access.is_staff(ctx):
        query = query.where(Redemption.tenant_id == ctx.tenant)
    else:
        query = query.where(Redemption.user_id == user_id, Redemption.tenant_id == ctx.tenant)
    if status:
        query = query.where(Redemption.status == status)
    return keyset_page(session, query, keys=[Key(Redemption.created_at, descending=True),
                                             Key(Redemption.id, descending=True)],
                       limit=limit, after=before or after, field="before" if before else "after")


def _by_code(session: Session, ctx: CallContext, code: str) -> tuple[Redemption, Merchant]:
    """A voucher presented at a merchant the caller operates. A code of another merchant or
    tenant answers exactly like a wrong code."""
    ctx.require_user()
    redemption = session.scalar(select(Redemption).where(Redemption.code == normalise_code(code),
                                                         Redemption.merchant_tenant_id == ctx.tenant))
    merchant = session.get(Merchant, redemption.merchant_id) if redemption is not None else None
    if redemption is None or merchant is None or not access.is_operator(merchant, ctx):
        raise NotFound(VOUCHER_NOT_FOUND, {"code": normalise_code(code)})
    return redemption, merchant


def preview(*, session: Session, ctx: CallContext, code: str) -> Redemption:
    """What the merchant sees after scanning, before confirming (Cyclos' preview-then-redeem)."""
    redemption, _merchant = _by_code(session, ctx, code)
    return redemption


def _locked(session: Session, redemption: Redemption) -> Redemption:
    return session.scalar(select(Redemption).where(Redemption.id == redemption.id).with_for_update()
                          .execution_options(populate_existing=True))


def _refuse_unless_pending(redemption: Redemption, now: datetime) -> None:
    if redemption.status != "pending":
        raise Conflict(_STATE_MESSAGES.get(redemption.status, NOT_IN_THIS_STATE),
                       {"state": redemption.status})
    if redemption.expires_at <= now:
        raise Conflict(VOUCHER_EXPIRED, {"state": "expired", "expires_at": redemption.expires_at.isoformat()})


_STATE_MESSAGES = {
    "confirmed": VOUCHER_USED,
    "cancelled": VOUCHER_CANCELLED,
    "expired": VOUCHER_EXPIRED,
}


def confirm(*, session: Session, ctx: CallContext, code: str, now: datetime | None = None) -> Redemption:
    """The merchant confirms a voucher: the held points settle to its account. A used, cancelled
    or expired voucher is refused with its state and nothing moves."""
    now = now or utcnow()
    redemption, merchant = _by_code(session, ctx, code)
    cross = redemption.tenant_id != merchant.tenant_id
    if cross:
        agreements.require_in_force(session=session, tenant_a=redemption.tenant_id, tenant_b=merchant.tenant_id)
    merchant_account = ledger.merchant_account(session=session, merchant_id=merchant.id)
    with write_in_tenant(session, redemption.tenant_id, reason="settle a voucher",
                         before_switch=ledger.apply_pending):
        redemption = _locked(session, redemption)
        _refuse_unless_pending(redemption, now)
        destination = (ledger.clearing(session=session, partner_tenant_id=merchant.tenant_id) if cross
                       else merchant_account)
        settled, _created = ledger.post(
            session=session, kind="settlement", source="redemption", key=f"settle:{redemption.id}",
            legs=[(ledger.holding(session=session), -redemption.points), (destination, redemption.points)],
            amount=redemption.points, user_id=redemption.user_id, reference=redemption.id,
            memo=redemption.item_name, created_by=ctx.user_id, now=now)
        redemption.status, redemption.closed_at, redemption.closed_by = "confirmed", now, ctx.user_id
        redemption.closing_posting_id = settled.id
    if cross:
        # Our half: what the partner tenant owes us arrives at the merchant.
        ledger.post(session=session, kind="settlement", source="redemption", key=f"settle:{redemption.id}",
                    legs=[(ledger.clearing(session=session, partner_tenant_id=redemption.tenant_id),
                           -redemption.points), (merchant_account, redemption.points)],
                    amount=redemption.points, reference=redemption.id, memo=redemption.item_name,
                    created_by=ctx.user_id, now=now)
    _announce(session, events.REDEMPTION_CONFIRMED, redemption, redemption.closing_posting_id)
    return redemption


def _release(session: Session, redemption: Redemption, *, status: str, actor: str | None, now: datetime) -> None:
    """Give the hold back (in the redemption's tenant) and the stock (in the merchant's)."""
    member = ledger.member_account(session=session, user_id=redemption.user_id)
    ledger.lock(session=session, accounts=[member])
    with write_in_tenant(session, redemption.merchant_tenant_id, reason="return stock of a voucher",
                         before_switch=ledger.apply_pending):
        session.execute(update(CatalogueItem).where(CatalogueItem.id == redemption.item_id,
                                                    CatalogueItem.stock.is_not(None))
                        .values(stock=CatalogueItem.stock + redemption.quantity))
    released, _created = ledger.post(
        session=session, kind="release", source="redemption", key=f"release:{redemption.id}",
        legs=[(ledger.holding(session=session), -redemption.points), (member, redemption.points)],
        amount=redemption.points, user_id=redemption.user_id, reference=redemption.id,
        memo=redemption.item_name, created_by=actor, now=now)
    ledger.give_back_lots(session=session, drawn_by=redemption.hold_posting_id, posting=released)
    redemption.status, redemption.closed_at, redemption.closed_by = status, now, actor
    redemption.closing_posting_id = released.id


def cancel(*, session: Session, ctx: CallContext, redemption_id: str, now: datetime | None = None) -> Redemption:
    """The resident (or the merchant, or staff) cancels a pending voucher: the hold is released."""
    now = now or utcnow()
    redemption = get(session=session, ctx=ctx, redemption_id=redemption_id)
    with write_in_tenant(session, redemption.tenant_id, reason="cancel a voucher",
                         before_switch=ledger.apply_pending):
        redemption = _locked(session, redemption)
        if redemption.status != "pending":
            raise Conflict(_STATE_MESSAGES.get(redemption.status, NOT_IN_THIS_STATE),
                           {"state": redemption.status})
        _release(session, redemption, status="cancelled", actor=ctx.user_id, now=now)
    _announce(session, events.REDEMPTION_CANCELLED, redemption, redemption.closing_posting_id)
    return redemption


def expire_due(*, session: Session, now: datetime | None = None) -> list[Redemption]:
    """Vouchers past their time release their holds. Safe to run twice at once (row locks)."""
    now = now or utcnow()
    due = list(session.scalars(select(Redemption).where(Redemption.status == "pending",
                                                        Redemption.expires_at <= now,
                                                        Redemption.tenant_id == session.info["tenant_id"])
                               .order_by(Redemption.expires_at).limit(500)))
    expired = []
    for candidate in due:
        redemption = _locked(session, candidate)
        if redemption.status != "pending":
            continue
        _release(session, redemption, status="expired", actor=None, now=now)
        expired.append(redemption)
    for redemption in expired:
        _announce(session, events.REDEMPTION_EXPIRED, redemption, redemption.closing_posting_id)
    return expired


EXPIRY_REMINDER = timedelta(minutes=10)  # how long before a pending voucher expires its holder is reminded


def remind_expiring(*, session: Session, now: datetime | None = None) -> list[Redemption]:
    """Pending vouchers of the session's tenant that expire within `EXPIRY_REMINDER` (and not yet) are
    announced as `redemption_expiring`, once each: the reminder is claimed by a conditional UPDATE of
    `expiry_reminded_at`, so two housekeeping runs at once announce it once. A voucher made less than
    `EXPIRY_REMINDER` before it expires (a tenant's `voucher_minutes` of 10 or fewer) is not reminded: its
    holder has just been shown it. Returns the vouchers announced."""
    now = now or utcnow()
    due = list(session.scalars(select(Redemption).where(
        Redemption.tenant_id == session.info["tenant_id"], Redemption.status == "pending",
        Redemption.expiry_reminded_at.is_(None), Redemption.expires_at > now,
        Redemption.expires_at <= now + EXPIRY_REMINDER).order_by(Redemption.expires_at).limit(500)))
    reminded = []
    for redemption in due:
        if redemption.created_at >= redemption.expires_at - EXPIRY_REMINDER:
            continue
        claimed = session.execute(update(Redemption).where(
            Redemption.id == redemption.id, Redemption.status == "pending", Redemption.expiry_reminded_at.is_(None))
            .values(expiry_reminded_at=now))
        if claimed.rowcount != 1:
            continue  # another run claimed it, or it was confirmed or cancelled meanwhile
        reminded.append(redemption)
        announce(session, events.REDEMPTION_EXPIRING, events.RedemptionExpiringData().dump({
            "redemption_id": redemption.id, "user_id": redemption.user_id, "merchant_id": redemption.merchant_id,
            "merchant_tenant_id": redemption.merchant_tenant_id, "points": redemption.points,
            "expires_at": redemption.expires_at}), subject=redemption.id)
    return reminded


def voucher_holders(*, session: Session, merchant_id: str, now: datetime | None = None) -> list[str]:
    """The session tenant's residents holding a pending voucher at the merchant (the audience group
    `merchant_voucher_holders`); the merchant must be visible to the tenant (its own, or a partner's that
    accepts it), else NotFound."""
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound(MERCHANT_NOT_FOUND, {"merchant_id": merchant_id})
    return sorted(set(session.scalars(select(Redemption.user_id).where(
        Redemption.merchant_id == merchant.id, Redemption.status == "pending",
        Redemption.expires_at > (now or utcnow()), Redemption.tenant_id == session.info["tenant_id"]))))


def merchant_statement(*, session: Session, ctx: CallContext, merchant_id: str, since: datetime | None,
                       until: datetime | None, limit: int, after: str | None = None) -> dict[str, Any]:
    """What a merchant received, for its operators and its tenant's staff: totals over the period, and
    its entries newest first, a page at a time (`after`: the previous page's `next_cursor`)."""
    ctx.require_user()
    merchant = _own_merchant(session, merchant_id, ctx)
    if not access.may_manage(merchant, ctx):
        raise NotFound(MERCHANT_NOT_FOUND, {"merchant_id": merchant_id})
    account = ledger.merchant_account(session=session, merchant_id=merchant.id)
    where = [Entry.account_id == account.id]
    if since:
        where.append(Entry.created_at >= since)
    if until:
        where.append(Entry.created_at < until)
    page = keyset_page(session, select(Entry, Posting).join(Posting, Posting.id == Entry.posting_id).where(*where),
                       keys=[Key(Entry.seq, descending=True)], limit=limit, after=after, scalars=False,
                       key_of=lambda row: [row[0].seq])
    total, count = session.execute(select(func.coalesce(func.sum(Entry.amount), 0), func.count(Entry.seq))
                                   .where(*where)).one()
    return {
        "merchant_id": merchant.id, "balance": account.balance, "since": since, "until": until,
        "total_points": int(total), "settlements": int(count),
        "items": [{"seq": e.seq, "amount": e.amount, "balance_after": e.balance_after, "posting_id": p.id,
                   "trace_number": p.trace_number, "kind": p.kind, "reference": p.reference, "memo": p.memo,
                   "created_at": e.created_at} for e, p in page.items],
        "next_cursor": page.next_cursor,
    }


def view(redemption: Redemption, ctx: CallContext, *, with_qr: bool = False) -> dict[str, Any]:
    out = {name: getattr(redemption, name) for name in (
        "id", "code", "tenant_id", "user_id", "merchant_id", "merchant_tenant_id", "item_id", "item_name",
        "quantity", "points", "status", "created_at", "expires_at", "closed_at")}
    if with_qr and redemption.status == "pending" and redemption.user_id == ctx.user_id:
        out["qr_svg"] = qr_svg(redemption.code)
    return out

