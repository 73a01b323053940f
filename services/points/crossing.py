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

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.common.logging import get_logger
from services.points import ledger

log = get_logger(__name__)


def _switch(session: Session, tenant_id: str) -> None:
    # Deferred balance increments belong to the tenant they were made in: apply them first.
    ledger.apply_pending(session)
    session.flush()
    session.info["tenant_id"] = tenant_id
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT set_config('app.tenant_id', :tenant_id, true)"), {"tenant_id": tenant_id})


@contextmanager
def in_partner_tenant(session: Session, tenant_id: str, *, reason: str) -> Iterator[None]:
    """Run the block as `tenant_id` in the same transaction. Objects of the home tenant must not
    be changed inside the block, nor the partner's after it: everything is flushed on each switch."""
    home = session.info["tenant_id"]
    if tenant_id == home:
        yield
        return
    session.flush()
    log.info("points.cross_tenant_write", acting_tenant=home, target_tenant=tenant_id, reason=reason)
    _switch(session, tenant_id)
    try:
        yield
        session.flush()
    finally:
        _switch(session, home)
