"""Staff broadcasts: a notice to a group — the whole community, or a group an owning service defines
(`training.class_roster`, `governance.council_members`, `jobs.fair_registrants`, ...) asked for through
its `audience` RPC, the same mechanism as event fan-out. A preview counts who would be reached on which
channel; sending is idempotent per idempotency key, and one message per (broadcast, person)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.pagination import Key, Page, keyset_page
from services.notifications import fanout, preferences
from services.notifications.fanout import Ask, Plan
from services.notifications.models import Broadcast, Contact, PushSubscription

KIND = "broadcast"


def recipients(*, session: Session, group: str, ref: str | None, ask: Ask | None) -> list[str]:
    if group == "community":
        return fanout.community(session)
    service, name = group.split(".", 1)
    the_plan = Plan(KIND, "/web/inbox", groups=((service, name, ref or ""),))
    return fanout.recipients(session, the_plan, ask)


def preview(*, session: Session, data: dict[str, Any], ask: Ask | None) -> dict[str, Any]:
    people = recipients(session=session, group=data["group"], ref=data.get("ref"), ask=ask)
    chosen = preferences.for_people(session, people)
    phones = set(session.scalars(select(Contact.user_id).where(Contact.user_id.in_(people),
                                                               Contact.phone.is_not(None)))) if people else set()
    pushable = set(session.scalars(select(PushSubscription.user_id).where(
        PushSubscription.user_id.in_(people)))) if people else set()
    channels = set(data.get("channels") or ())
    counts = {"inbox": len(people), "sms": 0, "push": 0}
    for user_id in people:
        wanted = preferences.channels(chosen.get(user_id), KIND)
        counts["sms"] += int("sms" in channels and wanted["sms"] and user_id in phones)
        counts["push"] += int("push" in channels and wanted["push"] and user_id in pushable)
    return {"recipients": len(people), "channels": counts}


def send(*, session: Session, data: dict[str, Any], actor: str, ask: Ask | None, now: datetime) -> Broadcast:
    existing = session.scalar(select(Broadcast).where(Broadcast.idempotency_key == data["idempotency_key"]))
    if existing is not None:
        return existing
    people = recipients(session=session, group=data["group"], ref=data.get("ref"), ask=ask)
    broadcast = Broadcast(idempotency_key=data["idempotency_key"], group=data["group"], ref=data.get("ref"),
                          title=data["title"], body=data["body"], channels=list(data.get("channels") or []),
                          recipients=len(people), created_by=actor, created_at=now)
    session.add(broadcast)
    session.flush()
    # A broadcast is chosen for SMS on purpose: it goes to everyone reachable who did not switch it off.
    fanout.create_messages(session=session, event_id=f"broadcast:{broadcast.id}", the_plan=Plan(KIND, "/web/inbox"),
                           user_ids=people, now=now, title=data["title"], body=data["body"],
                           broadcast_id=broadcast.id, channels=broadcast.channels)
    return broadcast


def list_page(*, session: Session, limit: int, after: str | None) -> Page[Any]:
    return keyset_page(session, select(Broadcast), keys=[Key(Broadcast.created_at, descending=True),
                                                         Key(Broadcast.id, descending=True)], limit=limit, after=after)
