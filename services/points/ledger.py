"""The double-entry ledger of the moral bank: accounts, postings, lots, reversals and the proof
that balances equal entries.

Rules this module enforces, whoever calls it:
- a posting's entries sum to zero and are whole, non-zero points; it has at least two legs;
- a personal account (a member's, a merchant's) never goes below zero: it is locked
  (`SELECT … FOR UPDATE`) before it moves, so concurrent spends see each other;
- the tenant's own accounts (issuance, holding, expiry, clearing) take atomic increments
  after the personal accounts are locked, so that all locks are taken in one global order
  (personal by id, then the tenant's own by id) and two postings cannot deadlock;
- an idempotency key is unique per tenant and source: the same key returns the first posting;
- nothing is updated or deleted: a reversal is a new posting linked to the original.

Pure rules over a tenant-scoped session; no broker, no nameko.
"""

from __future__ import annotations

import calendar
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import announce, utcnow
from services.common.errors import Conflict, NotFound
from services.common.pagination import Key, Page, keyset_page
from services.points import access, events
from services.points.contracts.messages import (
    ALREADY_REVERSED,
    KEY_REUSED,
    NOT_ENOUGH_POINTS,
    ONLY_AWARDS_REVERSED,
    POSTING_NOT_FOUND,
)
from services.points.contracts.schemas import MAX_AMOUNT
from services.points.models import (
    CLEARING,
    EXPIRY,
    HOLDING,
    ISSUANCE,
    MEMBER,
    MERCHANT,
    PERSONAL_KINDS,
    Account,
    Entry,
    Lot,
    LotUse,
    PointsSettings,
    Posting,
)

_TRACE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U

Leg = tuple[Account, int]


class LedgerCorrupt(RuntimeError):
    """An invariant the ledger relies on does not hold; the transaction must not commit."""


# --- settings and accounts -----------------------------------------------------------


def get_or_create(session: Session, model: type, where: dict[str, Any], defaults: dict[str, Any] | None = None):
    """Concurrent first use of the same row: one insert wins, the other reads it."""
    found = session.scalar(select(model).filter_by(**where))
    if found is not None:
        return found
    try:
        with session.begin_nested():
            created = model(**where, **(defaults or {}))
            session.add(created)
        return created
    except IntegrityError:
        return session.scalar(select(model).filter_by(**where))


def settings(*, session: Session) -> PointsSettings:
    """The tenant's settings row (created with the defaults on first use); read once per transaction."""
    key = ("points.settings", session.info.get("tenant_id"))
    cached = session.info.get(key)
    if cached is None or cached not in session:
        cached = session.info[key] = get_or_create(session, PointsSettings, {})
    return cached


def account(*, session: Session, kind: str, owner_id: str = "") -> Account:
    if session.info.get(_PENDING):
        apply_pending(session)
    return get_or_create(session, Account, {"kind": kind, "owner_id": owner_id}, {"balance": 0})


def member_account(*, session: Session, user_id: str) -> Account:
    return account(session=session, kind=MEMBER, owner_id=user_id)


def member_accounts(*, session: Session, user_ids: Sequence[str]) -> dict[str, Account]:
    """`member_account` for many people: one read, and one insert for those who have none yet."""
    if session.info.get(_PENDING):
        apply_pending(session)
    wanted = sorted(set(user_ids))
    found = {held.owner_id: held for held in session.scalars(
        select(Account).where(Account.kind == MEMBER, Account.owner_id.in_(wanted)))}
    missing = [Account(kind=MEMBER, owner_id=user_id, balance=0) for user_id in wanted if user_id not in found]
    if missing:
        try:
            with session.begin_nested():
                session.add_all(missing)
            found.update((held.owner_id, held) for held in missing)
        except IntegrityError:  # someone's first points arrived meanwhile: one at a time, as `member_account` does
            found.update((user_id, member_account(session=session, user_id=user_id))
                         for user_id in wanted if user_id not in found)
    return found


def find_member_account(*, session: Session, user_id: str) -> Account | None:
    return session.scalar(select(Account).where(Account.kind == MEMBER, Account.owner_id == user_id))


def issuance(*, session: Session) -> Account:
    return account(session=session, kind=ISSUANCE)


def holding(*, session: Session) -> Account:
    return account(session=session, kind=HOLDING)


def expiry(*, session: Session) -> Account:
    return account(session=session, kind=EXPIRY)


def clearing(*, session: Session, partner_tenant_id: str) -> Account:
    return account(session=session, kind=CLEARING, owner_id=partner_tenant_id)


def merchant_account(*, session: Session, merchant_id: str) -> Account:
    return account(session=session, kind=MERCHANT, owner_id=merchant_id)


def lock(*, session: Session, accounts: Sequence[Account]) -> list[Account]:
    """Lock personal accounts in id order and refresh their balances from the database."""
    ids = sorted({a.id for a in accounts})
    if not ids:
        return []
    return list(session.scalars(
        select(Account).where(Account.id.in_(ids)).order_by(Account.id).with_for_update()
        .execution_options(populate_existing=True)
    ))


# --- postings ------------------------------------------------------------------------


def new_trace_number(now: datetime) -> str:
    """A payment's human-readable trace number (Cyclos): date + 8 random base32 characters."""
    return now.strftime("%y%m%d") + "".join(secrets.choice(_TRACE_ALPHABET) for _ in range(8))


def find_posting(*, session: Session, source: str, key: str) -> Posting | None:
    return session.scalar(select(Posting).where(Posting.source == source, Posting.idempotency_key == key))


def _check_legs(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise LedgerCorrupt("A posting needs at least two legs")
    for _account, amount in legs:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0 or abs(amount) > MAX_AMOUNT * 1000:
            raise LedgerCorrupt(f"A leg must move whole, non-zero points: {amount!r}")
    if sum(amount for _account, amount in legs) != 0:
        raise LedgerCorrupt("A posting's entries must sum to zero")


@dataclass(frozen=True)
class PostingSpec:
    """One balanced posting to write: its legs, and what it says about itself."""

    kind: str
    source: str
    key: str
    legs: Sequence[Leg]
    amount: int
    user_id: str | None = None
    category: str | None = None
    rule_id: str | None = None
    reference: str | None = None
    reverses_id: str | None = None
    memo: str | None = None
    created_by: str | None = None
    occurred_at: datetime | None = None


def post(*, session: Session, kind: str, source: str, key: str, legs: Sequence[Leg], amount: int,
         user_id: str | None = None, category: str | None = None, rule_id: str | None = None,
         reference: str | None = None, reverses_id: str | None = None, memo: str | None = None,
         created_by: str | None = None, occurred_at: datetime | None = None,
         now: datetime | None = None) -> tuple[Posting, bool]:
    """Write one balanced posting. Returns (posting, True), or (the first posting, False) when
    (source, key) was used before. Refuses (Conflict, nothing written) when a personal account
    would go below zero."""
    spec = PostingSpec(kind=kind, source=source, key=key, legs=legs, amount=amount, user_id=user_id,
                       category=category, rule_id=rule_id, reference=reference, reverses_id=reverses_id, memo=memo,
                       created_by=created_by, occurred_at=occurred_at)
    return post_many(session=session, specs=[spec], now=now)[0]


def find_postings(*, session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Posting]:
    """The postings already written under these (source, key) pairs, in one query per source."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, key in keys:
        by_source[source].append(key)
    found: dict[tuple[str, str], Posting] = {}
    for source, source_keys in by_source.items():
        for posting in session.scalars(select(Posting).where(Posting.source == source,
                                                             Posting.idempotency_key.in_(source_keys))):
            found[(posting.source, posting.idempotency_key)] = posting
    return found


def post_many(*, session: Session, specs: Sequence[PostingSpec],
              now: datetime | None = None) -> list[tuple[Posting, bool]]:
    """Write balanced postings in one go, under the same rules as one at a time, in order: each
    is checked against the balances the ones before it left. Returns, per spec, (posting, True)
    or (the first posting, False) when its (source, key) was used before, in the database or
    earlier in `specs`. Refuses all (Conflict, nothing written) when any personal account would
    go below zero at any step.

    The reads, the locks and the inserts are one statement per table for the whole call, not per
    posting: a day sheet of a thousand volunteer acts costs a handful of round trips."""
    for spec in specs:
        _check_legs(spec.legs)
    now = now or utcnow()
    first_of: dict[tuple[str, str], int] = {}
    for index, spec in enumerate(specs):
        first_of.setdefault((spec.source, spec.key), index)
    while True:
        existing = find_postings(session=session, keys=list(first_of))
        fresh = [index for pair, index in first_of.items() if pair not in existing]
        personal = {a.id: a for a in lock(session=session, accounts=[
            leg_account for index in fresh for leg_account, _amount in specs[index].legs
            if leg_account.kind in PERSONAL_KINDS])}
        running = {account_id: held.balance for account_id, held in personal.items()}
        for index in sorted(fresh):
            deltas: dict[str, int] = defaultdict(int)
            for leg_account, leg_amount in specs[index].legs:
                deltas[leg_account.id] += leg_amount
            for account_id, delta in deltas.items():
                if account_id in running:
                    if running[account_id] + delta < 0:
                        raise Conflict(NOT_ENOUGH_POINTS,
                                       {"state": "insufficient", "available": running[account_id],
                                        "required": -delta})
                    running[account_id] += delta
        postings = {index: Posting(
            trace_number=new_trace_number(now), kind=specs[index].kind, source=specs[index].source,
            idempotency_key=specs[index].key, amount=specs[index].amount, user_id=specs[index].user_id,
            category=specs[index].category, rule_id=specs[index].rule_id, reference=specs[index].reference,
            reverses_id=specs[index].reverses_id, memo=specs[index].memo, created_by=specs[index].created_by,
            occurred_at=specs[index].occurred_at or now, created_at=now) for index in sorted(fresh)}
        try:
            with session.begin_nested():
                session.add_all(postings.values())
        except IntegrityError:
            # A key committed meanwhile (a concurrent retry): read again, and answer those with the
            # first posting. Unless nothing new was found: then it was no key, and it stands.
            if not set(find_postings(session=session, keys=list(first_of))) - set(existing):
                raise
            continue
        written = postings
        break

    tenant_own_deltas: dict[str, int] = defaultdict(int)
    entries = []
    for index in sorted(written):
        for leg_account, leg_amount in specs[index].legs:
            balance_after = None
            if leg_account.id in personal:
                held = personal[leg_account.id]
                held.balance += leg_amount
                balance_after = held.balance
            else:
                tenant_own_deltas[leg_account.id] += leg_amount
            entries.append(Entry(posting_id=written[index].id, account_id=leg_account.id, amount=leg_amount,
                                 balance_after=balance_after, created_at=now))
    session.add_all(entries)
    session.flush()
    for account_id in sorted(tenant_own_deltas):
        _defer_increment(session, account_id, tenant_own_deltas[account_id])

    results = []
    for index, spec in enumerate(specs):
        first = first_of[(spec.source, spec.key)]
        if first == index and index in written:
            results.append((written[index], True))
        else:
            original = written.get(first) or existing[(spec.source, spec.key)]
            results.append((same_kind(original, spec.kind), False))
    return results


# The tenant's own accounts are touched by nearly every posting (every award moves the issuance
# account). Their increments are applied as the transaction's last statements, just before
# COMMIT, so each holds that hot row's lock for as short a time as possible; in account-id order,
# after every personal lock, so that no two transactions wait on each other in a circle.
_PENDING = "points.pending_increments"
_HOOKED = "points.increment_hooks"


def _defer_increment(session: Session, account_id: str, delta: int) -> None:
    if not session.info.get(_HOOKED):
        event.listen(session, "before_commit", apply_pending)
        event.listen(session, "after_rollback", lambda s: s.info.pop(_PENDING, None))
        session.info[_HOOKED] = True
    pending = session.info.setdefault(_PENDING, defaultdict(int))
    pending[account_id] += delta


def apply_pending(session: Session) -> None:
    """Apply deferred increments now (at commit, before reading the tenant's own balances in the
    same transaction, and before switching tenants)."""
    pending = session.info.pop(_PENDING, None)
    for account_id in sorted(pending or ()):
        if pending[account_id]:
            session.execute(update(Account).where(Account.id == account_id)
                            .values(balance=Account.balance + pending[account_id]))


def same_kind(existing: Posting, kind: str) -> Posting:
    if existing.kind != kind:
        raise Conflict(KEY_REUSED,
                       {"state": "key_reused", "posting_id": existing.id, "kind": existing.kind})
    return existing


def entries_of(*, session: Session, posting_id: str) -> list[tuple[Entry, Account]]:
    return list(session.execute(
        select(Entry, Account).join(Account, Account.id == Entry.account_id)
        .where(Entry.posting_id == posting_id).order_by(Entry.seq)
    ).tuples())


# --- lots: first in, first out -------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_lot(*, session: Session, member: Account, posting: Posting, amount: int, earned_at: datetime,
            expiry_months: int) -> Lot:
    lot = Lot(account_id=member.id, posting_id=posting.id, amount=amount, remaining=amount, earned_at=earned_at,
              expires_at=add_months(earned_at, expiry_months))
    session.add(lot)
    return lot


def draw_lots(*, session: Session, member: Account, posting: Posting, amount: int,
              first_lot_id: str | None = None, only: Sequence[Lot] | None = None) -> list[LotUse]:
    """Take `amount` from the member's lots, the one expiring first first (after `first_lot_id`,
    if given). Call with the member's account locked (after `post`)."""
    if only is not None:
        lots = list(only)
    else:
        lots = list(session.scalars(
            select(Lot).where(Lot.account_id == member.id, Lot.remaining > 0)
            .order_by(Lot.expires_at, Lot.earned_at, Lot.id).execution_options(populate_existing=True)
        ))
        if first_lot_id:
            lots.sort(key=lambda lot: lot.id != first_lot_id)
    uses, left = [], amount
    for lot in lots:
        if left == 0:
            break
        taken = min(lot.remaining, left)
        if taken <= 0:
            continue
        lot.remaining -= taken
        left -= taken
        use = LotUse(lot_id=lot.id, posting_id=posting.id, amount=taken)
        session.add(use)
        uses.append(use)
    if left:
        raise LedgerCorrupt(f"Lots of account {member.id} hold less than its balance")
    return uses


def give_back_lots(*, session: Session, drawn_by: str, posting: Posting) -> None:
    """Undo what posting `drawn_by` took from lots (a released hold): each lot gets its points
    back with its own expiry date, so a release never makes points younger."""
    uses = list(session.scalars(select(LotUse).where(LotUse.posting_id == drawn_by).order_by(LotUse.seq)))
    lots = {lot.id: lot for lot in session.scalars(select(Lot).where(Lot.id.in_([u.lot_id for u in uses]))
                                                   .execution_options(populate_existing=True))}
    for use in uses:
        lots[use.lot_id].remaining += use.amount
        session.add(LotUse(lot_id=use.lot_id, posting_id=posting.id, amount=-use.amount))


# --- awards and reversals ------------------------------------------------------------


@dataclass(frozen=True)
class NewAward:
    """Points to issue to a person for an act."""

    user_id: str
    amount: int
    category: str
    source: str
    key: str
    rule_id: str | None = None
    reference: str | None = None
    memo: str | None = None
    created_by: str | None = None
    occurred_at: datetime | None = None


def award(*, session: Session, user_id: str, amount: int, category: str, source: str, key: str,
          rule_id: str | None = None, reference: str | None = None, memo: str | None = None,
          created_by: str | None = None, occurred_at: datetime | None = None,
          now: datetime | None = None) -> tuple[Posting, bool]:
    """Issue points to a person: issuance → member, and a lot that expires after the tenant's
    `expiry_months`, counted from the act."""
    new = NewAward(user_id=user_id, amount=amount, category=category, source=source, key=key, rule_id=rule_id,
                   reference=reference, memo=memo, created_by=created_by, occurred_at=occurred_at)
    return award_many(session=session, awards=[new], now=now)[0]


def award_many(*, session: Session, awards: Sequence[NewAward],
               now: datetime | None = None) -> list[tuple[Posting, bool]]:
    """`award` for many acts at once (a day sheet, a seed): the same postings and lots, each
    (posting, created) in order, with one statement per table instead of one per act."""
    for new in awards:
        if not isinstance(new.amount, int) or new.amount <= 0 or new.amount > MAX_AMOUNT:
            raise LedgerCorrupt(f"An award must be a positive whole number of points: {new.amount!r}")
    if not awards:
        return []
    now = now or utcnow()
    members = member_accounts(session=session, user_ids=[new.user_id for new in awards])
    source_account = issuance(session=session)
    results = post_many(session=session, now=now, specs=[PostingSpec(
        kind="award", source=new.source, key=new.key,
        legs=[(source_account, -new.amount), (members[new.user_id], new.amount)], amount=new.amount,
        user_id=new.user_id, category=new.category, rule_id=new.rule_id, reference=new.reference, memo=new.memo,
        created_by=new.created_by, occurred_at=new.occurred_at or now) for new in awards])
    expiry_months = settings(session=session).expiry_months
    for new, (posting, created) in zip(awards, results, strict=False):
        if created:
            add_lot(session=session, member=members[new.user_id], posting=posting, amount=new.amount,
                    earned_at=new.occurred_at or now, expiry_months=expiry_months)
    return results


def reverse(*, session: Session, ctx: CallContext, posting_id: str, reason: str,
            now: datetime | None = None) -> Posting:
    """Staff correct a wrong award by a reversal posting linked to it: the same legs, negated.
    Refused when already reversed, when the posting is not an award, or when the person has
    already spent the points (the ledger never goes below zero)."""
    actor = access.require_staff(ctx)
    now = now or utcnow()
    original = session.get(Posting, posting_id)
    if original is None:
        raise NotFound(POSTING_NOT_FOUND, {"posting_id": posting_id})
    if original.kind != "award":
        raise Conflict(ONLY_AWARDS_REVERSED, {"state": original.kind})
    reversal = session.scalar(select(Posting).where(Posting.reverses_id == original.id))
    if reversal is not None:
        raise Conflict(ALREADY_REVERSED, {"state": "reversed", "reversed_by": reversal.id})
    legs = [(leg_account, -entry.amount) for entry, leg_account in entries_of(session=session, posting_id=original.id)]
    posting, _created = post(
        session=session, kind="reversal", source="reversal", key=original.id, legs=legs, amount=original.amount,
        user_id=original.user_id, category=original.category, rule_id=original.rule_id, reference=original.id,
        reverses_id=original.id, memo=reason, created_by=actor, occurred_at=original.occurred_at, now=now,
    )
    member = next(a for a, amount in legs if a.kind == MEMBER)
    first_lot = session.scalar(select(Lot.id).where(Lot.posting_id == original.id))
    draw_lots(session=session, member=member, posting=posting, amount=original.amount, first_lot_id=first_lot)
    announce(session, events.POINTS_REVERSED, events.PointsReversedData().dump({
        "posting_id": posting.id, "reverses_posting_id": posting.reverses_id,
        "trace_number": posting.trace_number, "user_id": posting.user_id, "amount": posting.amount,
        "reason": posting.memo, "reversed_by": posting.created_by,
    }), subject=posting.id)
    return posting


def get_posting(*, session: Session, ctx: CallContext, posting_id: str) -> Posting:
    """Staff see any posting of their tenant; a person sees postings about themselves."""
    posting = session.get(Posting, posting_id)
    if posting is None or not access.may_see_posting(posting, ctx):
        raise NotFound(POSTING_NOT_FOUND, {"posting_id": posting_id})
    return posting


def posting_view(*, session: Session, posting: Posting) -> dict[str, Any]:
    reversed_by = session.scalar(select(Posting.id).where(Posting.reverses_id == posting.id))
    entries = [{"account_id": a.id, "account_kind": a.kind, "owner_id": a.owner_id or None, "amount": e.amount}
               for e, a in entries_of(session=session, posting_id=posting.id)]
    return {**_posting_fields(posting), "entries": entries, "reversed_by": reversed_by}


def _posting_fields(posting: Posting) -> dict[str, Any]:
    return {name: getattr(posting, name) for name in (
        "id", "trace_number", "kind", "source", "amount", "user_id", "category", "rule_id", "reference",
        "reverses_id", "memo", "created_by", "occurred_at", "created_at")}


# --- reading -------------------------------------------------------------------------


def statement(*, session: Session, account_id: str, limit: int, after: str | None) -> Page[dict[str, Any]]:
    """An account's entries, newest first, with the posting each belongs to (keyset on entry seq)."""
    page = keyset_page(session, select(Entry, Posting).join(Posting, Posting.id == Entry.posting_id)
                       .where(Entry.account_id == account_id),
                       keys=[Key(Entry.seq, descending=True)], limit=limit, after=after, scalars=False,
                       key_of=lambda row: [row[0].seq])
    items = [{"seq": e.seq, "amount": e.amount, "balance_after": e.balance_after, "posting_id": p.id,
              "trace_number": p.trace_number, "kind": p.kind, "category": p.category, "memo": p.memo,
              "reference": p.reference, "occurred_at": p.occurred_at, "created_at": e.created_at}
             for e, p in page.items]
    return Page(items, page.next_cursor)


def check(*, session: Session) -> dict[str, Any]:
    """The proof the bank keeps: every account's balance equals the sum of its entries, every
    posting sums to zero, a member's balance equals what its lots still hold, and a personal
    account's last `balance_after` is its balance. Runs in the session's tenant (or, with an
    unscoped owner session, over every tenant)."""
    apply_pending(session)
    problems: list[dict[str, Any]] = []
    sums = dict(session.execute(select(Entry.account_id, func.sum(Entry.amount)).group_by(Entry.account_id)).all())
    lot_sums = dict(session.execute(select(Lot.account_id, func.sum(Lot.remaining)).group_by(Lot.account_id))
                    .all())
    last_seq = (select(Entry.account_id, func.max(Entry.seq).label("seq")).group_by(Entry.account_id).subquery())
    last_after = dict(session.execute(
        select(Entry.account_id, Entry.balance_after).join(last_seq, Entry.seq == last_seq.c.seq)).all())
    accounts = list(session.scalars(select(Account)))
    for acc in accounts:
        entry_sum = int(sums.get(acc.id) or 0)
        if acc.balance != entry_sum:
            problems.append({"problem": "balance_differs_from_entries", "account_id": acc.id, "tenant_id":
                             acc.tenant_id, "balance": acc.balance, "entries": entry_sum})
        if acc.kind == MEMBER and acc.balance != int(lot_sums.get(acc.id) or 0):
            problems.append({"problem": "lots_differ_from_balance", "account_id": acc.id, "tenant_id": acc.tenant_id,
                             "balance": acc.balance, "lots": int(lot_sums.get(acc.id) or 0)})
        if acc.kind in PERSONAL_KINDS and acc.id in last_after and last_after[acc.id] != acc.balance:
            problems.append({"problem": "running_balance_differs", "account_id": acc.id, "tenant_id": acc.tenant_id,
                             "balance": acc.balance, "balance_after": last_after[acc.id]})
        if acc.kind in PERSONAL_KINDS and acc.balance < 0:
            problems.append({"problem": "overdrawn", "account_id": acc.id, "tenant_id": acc.tenant_id,
                             "balance": acc.balance})
    postings = session.scalar(select(func.count()).select_from(Posting))
    unbalanced = session.execute(
        select(Posting.id, Posting.tenant_id, func.coalesce(func.sum(Entry.amount), 0), func.count(Entry.seq))
        .outerjoin(Entry, Entry.posting_id == Posting.id).group_by(Posting.id, Posting.tenant_id)
        .having((func.coalesce(func.sum(Entry.amount), 0) != 0) | (func.count(Entry.seq) < 2))
    ).all()
    for posting_id, tenant_id, total, legs in unbalanced:
        problems.append({"problem": "posting_unbalanced", "posting_id": posting_id, "tenant_id": tenant_id,
                         "sum": int(total), "legs": legs})
    return {"ok": not problems, "accounts": len(accounts), "postings": postings, "problems": problems}

