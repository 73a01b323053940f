"""What the notifications service holds about a person, for export and erasure (see docs/privacy.md):
their messages, the deliveries of them, their preferences, their push subscriptions and their phone
number (contacts).

Erasure pseudonymises the messages and deliveries (the figures still add up) and blanks their words;
push subscriptions are deleted (a browser's endpoint is the person's device), the phone number removed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from services.common import personal_data
from services.common.personal_data import ERASED_NAME, PersonTable
from services.notifications.models import Contact, Delivery, Message, Preference, PushSubscription

TABLES = [
    PersonTable(Message, "user_id", blank={"title": ERASED_NAME, "body": ERASED_NAME}),
    PersonTable(Delivery, "user_id", blank={"last_error": None}),
    PersonTable(Preference, "user_id"),
    PersonTable(PushSubscription, "user_id", omit=("auth",)),
    PersonTable(Contact, "user_id", blank={"phone": None}),
]


def export(*, session: Session, user_id: str) -> dict[str, Any]:
    found = personal_data.export(session=session, tables=TABLES, user_id=user_id)
    return {k: v for k, v in found.items() if v}


def erase(*, session: Session, user_id: str, pseudonym: str, other_tenant: Any = None) -> dict[str, int]:
    result: Any = session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id)
                                  .execution_options(synchronize_session=False))
    changed = personal_data.erase(session=session, tables=[t for t in TABLES if t.model is not PushSubscription],
                                  user_id=user_id, pseudonym=pseudonym, other_tenant=other_tenant)
    if result.rowcount:
        changed["push_subscriptions"] = int(result.rowcount)
    return changed
