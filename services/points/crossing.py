"""Writing in a partner tenant inside the caller's own transaction.

Points that cross between communities must move atomically on both sides: a voucher
confirmed at a merchant of one tenant settles a hold in the resident's tenant, and both
halves commit or neither does. So instead of a second transaction, the same session
switches its tenant for the partner's half (the tenant-scoping hooks read
`session.info["tenant_id"]` on every statement and flush; on PostgreSQL the row-level
security setting is switched with it) and switches back afterwards.

Only `redemption` calls this, and only after `agreements.require_active` confirmed that
both tenants consented; each crossing is logged with its reason.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.orm import Session

from services.common.database import acting_in_tenant
from services.points import ledger



@contextmanager
def in_partner_tenant(session: Session, tenant_id: str, *, reason: str) -> Iterator[None]:
    """Run the block as `tenant_id` in the same transaction (the common
    `acting_in_tenant`); the ledger's deferred balance increments are applied
    before each switch, in the tenant they were made in."""
    with acting_in_tenant(session, tenant_id, reason=reason, before_switch=ledger.apply_pending):
        yield
