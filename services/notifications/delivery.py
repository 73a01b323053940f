"""Getting messages out: SMS, push and the team robot (the inbox needs no delivery: the message row is it).

`deliver_due(now=)` takes the deliveries whose time has come (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
two service processes never send one twice) and for each decides, in this order:

1. non-urgent SMS or push of a person who chose the digest: held to their digest hour (`send_digests`
   folds them into one message);
2. non-urgent SMS or push inside the person's quiet hours (their time zone): held to the end of them;
3. over the person's daily limit of the channel (urgent excepted): held to their next day;
4. over the SMS provider's limit per minute (`sms_budget`, counted across the platform by the caller):
   held a minute — never dropped;
5. sent; on failure retried with exponential back-off (NOTIFICATIONS_RETRY_SECONDS, doubling), dead after
   NOTIFICATIONS_MAX_ATTEMPTS or at once when the channel says the failure is permanent, with the reason
   kept for staff (and `message_dead_lettered` announced).

Pure rules over a session and a `channel(name)` factory; no broker, no nameko.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common import config
from services.common.database import announce
from services.common.errors import Conflict
from services.common.pagination import Key, Page, keyset_page
from services.notifications import preferences, render
from services.notifications.channels import DeliveryFailed, Outgoing
from services.notifications.contracts.messages import NOT_RETRYABLE
from services.notifications.events import MESSAGE_DEAD_LETTERED
from services.notifications.models import (
    DEAD,
    DUE_STATES,
    FAILED,
    HELD,
    QUEUED,
    SENT,
    Contact,
    Delivery,
    Message,
    PushSubscription,
    TeamRobot,
)
from services.notifications.models import Preference as PreferenceRow

BATCH = 200
DIGEST, QUIET, LIMIT, RATE = "digest", "quiet", "limit", "rate"
PER_DAY_SETTINGS = {"sms": "NOTIFICATIONS_SMS_PER_DAY", "push": "NOTIFICATIONS_PUSH_PER_DAY"}


@dataclass
class Limits:
    max_attempts: int
    retry_seconds: float
    per_day: dict[str, int]

    @classmethod
    def from_config(cls) -> Limits:
        return cls(max_attempts=config.get_int("NOTIFICATIONS_MAX_ATTEMPTS"),
                   retry_seconds=config.get_float("NOTIFICATIONS_RETRY_SECONDS"),
                   per_day={c: config.get_int(s) for c, s in PER_DAY_SETTINGS.items()})


ChannelFactory = Callable[[str], Any]  # name -> a Channel (services.notifications.channels)


def due(session: Session, now: datetime, limit: int = BATCH) -> list[Delivery]:
    query = (select(Delivery).where(Delivery.status.in_(DUE_STATES), Delivery.next_attempt_at <= now,
                                    (Delivery.hold_reason.is_(None)) | (Delivery.hold_reason != DIGEST))
             .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def backoff(attempts: int, retry_seconds: float) -> timedelta:
    """The wait after the `attempts`-th failure: retry_seconds, then doubling (capped at a day)."""
    return timedelta(seconds=min(retry_seconds * 2 ** max(attempts - 1, 0), 86_400))


def deliver_due(*, session: Session, now: datetime, channel: ChannelFactory, sms_budget: int | None = None,
                limits: Limits | None = None) -> dict[str, int]:
    """Send what is due in the session's tenant; returns counts of sent, held, failed and dead."""
    limits = limits or Limits.from_config()
    counts = {"sent": 0, "held": 0, "failed": 0, "dead": 0}
    prefs: dict[str, PreferenceRow] = {}
    for delivery in due(session, now):
        message = session.get(Message, delivery.message_id)
        if message is None:  # pragma: no cover - the foreign key forbids it
            continue
        personal = delivery.channel in ("sms", "push") and delivery.user_id is not None
        if personal and delivery.user_id not in prefs:
            prefs[delivery.user_id] = preferences.of(session, delivery.user_id)  # type: ignore[index]
        preference = prefs.get(delivery.user_id or "")
        held = _hold(session, delivery, preference, now, limits, sms_budget) if personal else None
        if held is not None:
            reason, until = held
            delivery.status, delivery.hold_reason, delivery.next_attempt_at = HELD, reason, until
            counts["held"] += 1
            continue
        outcome = _send(session, delivery, message, now, channel, limits)
        counts[outcome] += 1
        if outcome == "sent" and delivery.channel == "sms" and sms_budget is not None:
            sms_budget -= 1
    session.flush()
    return counts


def _hold(session: Session, delivery: Delivery, preference: PreferenceRow | None, now: datetime, limits: Limits,
          sms_budget: int | None) -> tuple[str, datetime] | None:
    if preference is not None and not delivery.urgent:
        if preference.digest_enabled and delivery.hold_reason != DIGEST:
            return DIGEST, preferences.next_digest(preference, now)
        quiet_end = preferences.quiet_until(preference, now)
        if quiet_end is not None:
            return QUIET, quiet_end
        per_day = limits.per_day.get(delivery.channel)
        if per_day is not None:
            start, end = preferences.day_bounds(preference, now)
            sent_today = session.scalar(select(func.count()).select_from(Delivery).where(
                Delivery.user_id == delivery.user_id, Delivery.channel == delivery.channel,
                Delivery.status == SENT, Delivery.urgent.is_(False), Delivery.sent_at >= start,
                Delivery.sent_at < end)) or 0
            if sent_today >= per_day:
                return LIMIT, end
    if delivery.channel == "sms" and sms_budget is not None and sms_budget <= 0:
        return RATE, now + timedelta(seconds=60)
    return None


def _addresses(session: Session, delivery: Delivery) -> list[str] | str:
    """Where a delivery goes, or the reason there is nowhere (a permanent failure)."""
    if delivery.channel == "sms":
        contact = session.get(Contact, (session.info["tenant_id"], delivery.user_id))
        return [contact.phone] if contact is not None and contact.phone else "no phone number"
    if delivery.channel == "push":
        subscriptions = session.scalars(select(PushSubscription).where(
            PushSubscription.user_id == delivery.user_id).order_by(PushSubscription.created_at)).all()
        return [json.dumps({"endpoint": s.endpoint, "keys": {"p256dh": s.p256dh, "auth": s.auth}})
                for s in subscriptions] or "no push subscription"
    if delivery.channel == "robot":
        robot = session.get(TeamRobot, session.info["tenant_id"])
        return [robot.url] if robot is not None and robot.url else "no team robot"
    return f"unknown channel {delivery.channel}"


def outgoing_text(message: Message, channel: str) -> tuple[str, str, str]:
    """(title, body, short link) as they leave the platform on `channel`: a broadcast's own words cut
    to one SMS; every other body already fits."""
    link = render.short_link(message.short_code)
    if message.kind == "broadcast":
        return message.title, render.fit_sms(message.body, link) if channel == "sms" else \
            f"{message.body} {link}", link
    return message.title, message.body, link


def _send(session: Session, delivery: Delivery, message: Message, now: datetime, channel: ChannelFactory,
          limits: Limits) -> str:
    delivery.attempts += 1
    delivery.hold_reason = None
    addresses = _addresses(session, delivery)
    if isinstance(addresses, str):
        return _fail(session, delivery, now, addresses, permanent=True, limits=limits)
    title, body, link = outgoing_text(message, delivery.channel)
    errors: list[DeliveryFailed] = []
    try:
        sender = channel(delivery.channel)
    except Exception as error:  # a channel that cannot be built (configuration): retried, then dead
        return _fail(session, delivery, now, f"channel {delivery.channel} unavailable: {error}"[:500],
                     permanent=False, limits=limits)
    for address in addresses:
        try:
            sender.send(Outgoing(message_id=message.id, channel=delivery.channel, address=address, title=title,
                                 body=body, link=link))
        except DeliveryFailed as failure:
            errors.append(failure)
            if failure.permanent and delivery.channel == "push":
                _forget_subscription(session, address)
        except Exception as error:  # a channel's bug or a network error: retried like a transient failure
            errors.append(DeliveryFailed(f"{type(error).__name__}: {error}"[:300]))
    if len(errors) < len(addresses):  # at least one device or number took it
        delivery.status, delivery.sent_at, delivery.last_error = SENT, now, None
        return "sent"
    return _fail(session, delivery, now, "; ".join(e.reason for e in errors)[:500],
                 permanent=all(e.permanent for e in errors), limits=limits)


def _forget_subscription(session: Session, address: str) -> None:
    """A push service answered that the subscription is gone (404/410): it will never work again."""
    endpoint = json.loads(address).get("endpoint")
    for row in session.scalars(select(PushSubscription).where(PushSubscription.endpoint == endpoint)):
        session.delete(row)


def _fail(session: Session, delivery: Delivery, now: datetime, reason: str, *, permanent: bool,
          limits: Limits) -> str:
    delivery.last_error = reason[:500]
    if permanent or delivery.attempts >= limits.max_attempts:
        delivery.status = DEAD
        announce(session, MESSAGE_DEAD_LETTERED, {
            "delivery_id": delivery.id, "message_id": delivery.message_id, "kind": delivery.kind,
            "channel": delivery.channel, "attempts": delivery.attempts, "reason": delivery.last_error,
            "at": now.isoformat()}, subject=delivery.id)
        return "dead"
    delivery.status = FAILED
    delivery.next_attempt_at = now + backoff(delivery.attempts, limits.retry_seconds)
    return "failed"


# --- the daily digest -----------------------------------------------------------------------------


def send_digests(*, session: Session, now: datetime, channel: ChannelFactory) -> dict[str, int]:
    """Fold each person's held non-urgent SMS and push whose digest hour has come into one message per
    channel; the folded deliveries count as sent. Returns how many digests went out and how many folded."""
    rows = list(session.scalars(select(Delivery).where(Delivery.status == HELD, Delivery.hold_reason == DIGEST,
                                                       Delivery.next_attempt_at <= now)
                                .order_by(Delivery.user_id, Delivery.channel, Delivery.created_at)))
    groups: dict[tuple[str, str], list[Delivery]] = {}
    for row in rows:
        groups.setdefault((row.user_id or "", row.channel), []).append(row)
    counts = {"digests": 0, "folded": 0}
    for (user_id, channel_name), folded in groups.items():
        latest = session.get(Message, folded[-1].message_id)
        if latest is None:  # pragma: no cover
            continue
        from services.common.members import find_member

        member = find_member(session=session, user_id=user_id, former=True)
        link = render.short_link(latest.short_code)
        title, body = render.render("digest", member.locale if member is not None else None,
                                    {"count": len(folded)}, link)
        digest = Delivery(message_id=latest.id, user_id=user_id, kind="digest", channel=channel_name)
        addresses = _addresses(session, digest)
        try:
            if isinstance(addresses, str):
                raise DeliveryFailed(addresses, permanent=True)
            try:
                sender = channel(channel_name)
            except Exception as error:
                raise DeliveryFailed(f"channel {channel_name} unavailable: {error}"[:300]) from error
            for address in addresses:
                sender.send(Outgoing(message_id=latest.id, channel=channel_name, address=address, title=title,
                                     body=body, link=link))
        except DeliveryFailed as failure:
            for row in folded:  # each goes its own way again: retried or dead like any delivery
                row.hold_reason = DIGEST + "-failed"
                row.attempts += 1
                _fail(session, row, now, failure.reason, permanent=failure.permanent, limits=Limits.from_config())
            continue
        for row in folded:
            row.status, row.sent_at, row.last_error, row.attempts = SENT, now, None, row.attempts + 1
        preference = session.get(PreferenceRow, (session.info["tenant_id"], user_id))
        if preference is not None:
            preference.last_digest_at = now
        counts["digests"] += 1
        counts["folded"] += len(folded)
    session.flush()
    return counts


# --- staff: the deliveries page and retrying a dead letter -------------------------------------------


def list_page(*, session: Session, status: str | None, channel: str | None, limit: int, after: str | None) -> Page[Any]:
    query = select(Delivery)
    if status:
        query = query.where(Delivery.status == status)
    if channel:
        query = query.where(Delivery.channel == channel)
    return keyset_page(session, query, keys=[Key(Delivery.created_at, descending=True),
                                             Key(Delivery.id, descending=True)], limit=limit, after=after)


def retry(*, session: Session, delivery: Delivery, now: datetime) -> Delivery:
    """A failed or dead delivery is tried again at the next run, with its attempts counted afresh."""
    if delivery.status not in (FAILED, DEAD):
        raise Conflict(NOT_RETRYABLE, {"status": delivery.status})
    delivery.status, delivery.attempts, delivery.next_attempt_at = QUEUED, 0, now
    delivery.hold_reason = None
    session.flush()
    return delivery
