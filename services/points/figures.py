"""The bank's figures: per tenant issued, reversed, redeemed, expired, held and outstanding, and
the same for every tenant at once for the sub-district operator.

They are read from the ledger itself, so they always add up:
issued − reversed − redeemed − expired − held = outstanding (what residents can still spend).

Pure rules over a session; no broker, no nameko.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.points import ledger
from services.points.models import CLEARING, EXPIRY, HOLDING, ISSUANCE, MEMBER, MERCHANT, Account, Entry, Posting

FIGURES = ("issued", "reversed", "redeemed", "expired", "held", "outstanding", "received_by_merchants",
           "members", "acts")


def figures(*, session: Session, tenant_ids: Sequence[str] | None, since: datetime | None = None,
            until: datetime | None = None) -> dict[str, dict[str, Any]]:
    """The figures of each tenant in `tenant_ids` (every one present, zeros where nothing happened), or of
    every tenant the session can read when None (its own, or all for an operator's session).

    `since`/`until` bound the flows (issued, reversed, redeemed, acts) by when they were posted; balances
    (expired, held, outstanding, received_by_merchants, members, clearing) are as they stand now."""
    ledger.apply_pending(session)
    result: dict[str, dict[str, Any]] = defaultdict(_zeros)
    when = []
    if since is not None:
        when.append(Posting.created_at >= since)
    if until is not None:
        when.append(Posting.created_at < until)
    flows = session.execute(
        select(Entry.tenant_id, Account.kind, Posting.kind,
               func.coalesce(func.sum(case((Entry.amount > 0, Entry.amount), else_=0)), 0),
               func.coalesce(func.sum(case((Entry.amount < 0, -Entry.amount), else_=0)), 0))
        .join(Account, Account.id == Entry.account_id).join(Posting, Posting.id == Entry.posting_id)
        .where(Account.kind.in_((ISSUANCE, HOLDING)), *when)
        .group_by(Entry.tenant_id, Account.kind, Posting.kind)
    ).all()
    for tenant_id, account_kind, posting_kind, credit, debit in flows:
        found = result[tenant_id]
        if account_kind == ISSUANCE and posting_kind == "award":
            found["issued"] += int(debit)
        elif account_kind == ISSUANCE and posting_kind == "reversal":
            found["reversed"] += int(credit)
        elif account_kind == HOLDING and posting_kind == "settlement":
            found["redeemed"] += int(debit)
    balances = session.execute(
        select(Account.tenant_id, Account.kind, Account.owner_id, Account.balance)
        .where(Account.kind.in_((EXPIRY, HOLDING, CLEARING)))
    ).all()
    for tenant_id, kind, owner_id, balance in balances:
        if kind == EXPIRY:
            result[tenant_id]["expired"] = int(balance)
        elif kind == HOLDING:
            result[tenant_id]["held"] = int(balance)
        else:
            result[tenant_id]["clearing"][owner_id] = int(balance)
    for tenant_id, kind, total, count in session.execute(
            select(Account.tenant_id, Account.kind, func.coalesce(func.sum(Account.balance), 0), func.count())
            .where(Account.kind.in_((MEMBER, MERCHANT))).group_by(Account.tenant_id, Account.kind)).all():
        if kind == MEMBER:
            result[tenant_id]["outstanding"] = int(total)
            result[tenant_id]["members"] = int(count)
        else:
            result[tenant_id]["received_by_merchants"] = int(total)
    for tenant_id, acts in session.execute(
            select(Posting.tenant_id, func.sum(case((Posting.kind == "award", 1), else_=-1)))
            .where(Posting.kind.in_(("award", "reversal")), *when).group_by(Posting.tenant_id)).all():
        result[tenant_id]["acts"] = int(acts)
    if tenant_ids is None:
        return dict(result)
    return {tenant_id: result[tenant_id] for tenant_id in tenant_ids}


def _zeros() -> dict[str, Any]:
    return {name: 0 for name in FIGURES} | {"clearing": {}}
