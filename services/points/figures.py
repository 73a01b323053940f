"""The bank's figures: per tenant issued, reversed, redeemed, expired, held and outstanding, and
the same for every tenant at once for the sub-district operator.

They are read from the ledger itself, so they always add up:
issued − reversed − redeemed − expired − held = outstanding (what residents can still spend).

Pure rules over a session; no broker, no nameko.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.points import ledger
from services.points.models import CLEARING, EXPIRY, HOLDING, ISSUANCE, MEMBER, MERCHANT, Account, Entry, Posting

FIGURES = ("issued", "reversed", "redeemed", "expired", "held", "outstanding", "received_by_merchants",
           "members", "acts")


def by_tenant(*, session: Session) -> dict[str, dict[str, Any]]:
    """Figures of every tenant the session can read (its own, or all for an operator's session)."""
    ledger.apply_pending(session)
    result: dict[str, dict[str, Any]] = defaultdict(lambda: {name: 0 for name in FIGURES} | {"clearing": {}})
    flows = session.execute(
        select(Entry.tenant_id, Account.kind, Posting.kind,
               func.coalesce(func.sum(case((Entry.amount > 0, Entry.amount), else_=0)), 0),
               func.coalesce(func.sum(case((Entry.amount < 0, -Entry.amount), else_=0)), 0))
        .join(Account, Account.id == Entry.account_id).join(Posting, Posting.id == Entry.posting_id)
        .where(Account.kind.in_((ISSUANCE, HOLDING)))
        .group_by(Entry.tenant_id, Account.kind, Posting.kind)
    ).all()
    for tenant_id, account_kind, posting_kind, credit, debit in flows:
        figures = result[tenant_id]
        if account_kind == ISSUANCE and posting_kind == "award":
            figures["issued"] += int(debit)
        elif account_kind == ISSUANCE and posting_kind == "reversal":
            figures["reversed"] += int(credit)
        elif account_kind == HOLDING and posting_kind == "settlement":
            figures["redeemed"] += int(debit)
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
            .where(Posting.kind.in_(("award", "reversal"))).group_by(Posting.tenant_id)).all():
        result[tenant_id]["acts"] = int(acts)
    return dict(result)


def for_tenant(*, session: Session, tenant_id: str) -> dict[str, Any]:
    figures = by_tenant(session=session).get(tenant_id) or ({name: 0 for name in FIGURES} | {"clearing": {}})
    return {"tenant_id": tenant_id, **figures}
