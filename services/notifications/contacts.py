"""People's phone numbers, from identity's confidential `contact_changed` event: the one place a phone
number reaches a service. Only SMS deliveries read it; it is never exported to partners or logged."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.common.database import utcnow
from services.common.errors import ValidationFailed
from services.notifications.models import Contact


def apply(*, session: Session, data: dict[str, Any]) -> bool:
    """Take the phone of a `contact_changed` when it is newer than the row's (`version`); None removes it.
    Returns whether it changed anything."""
    tenant_id = session.info["tenant_id"]
    if data.get("tenant_id") not in (None, tenant_id):
        raise ValidationFailed("A contact event must be applied in its own tenant")
    user_id, version = str(data["user_id"]), int(data.get("version") or 0)
    row = session.get(Contact, (tenant_id, user_id))
    if row is not None and row.version >= version:
        return False
    if row is None:
        row = Contact(user_id=user_id)
        session.add(row)
    row.phone = data.get("phone") or None
    row.version = version
    row.updated_at = utcnow()
    session.flush()
    return True
