"""Webhook rules: subscriptions, recording each partner event once, fanning it out to the tenant's
subscriptions, claiming due deliveries, back-off, the dead-letter list and replay.

Plain functions over the gateway's SQLAlchemy session, keyword-only; the worker (`worker.py`) and the
API (`gateway/routes/partners.py`) only call these.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway import messages
from gateway.models import PartnerEvent, WebhookDelivery, WebhookSubscription
from gateway.webhooks import signing
from services.common.database import utcnow
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.messages import Filled, Message
from services.common.pagination import Key, Page, keyset_page

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
ALL_EVENTS = "*"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_SUBSCRIPTIONS_PER_TENANT = 20
REPLAY_LIMIT = 10_000


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: the n-th failed attempt waits base × 2^(n-1) seconds (at most `cap`), ±20 %
    jitter so that many failing deliveries do not retry in lockstep; after `max_attempts` the delivery is
    dead (the dead-letter list). Defaults: 10 s, 20 s, 40 s … about 2.8 hours over 10 attempts."""

    base_seconds: float = 10.0
    cap_seconds: float = 3600.0
    max_attempts: int = 10
    jitter: float = 0.2

    def delay(self, attempts: int, rand: random.Random | None = None) -> float:
        raw: float = min(self.cap_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        if not self.jitter:
            return raw
        spread = (rand or random).uniform(-self.jitter, self.jitter)
        return raw * (1 + spread)


# --- subscriptions ---------------------------------------------------------------------------


def check_url(url: str) -> list[Message | Filled]:
    """https, or http to this machine only (development and the example receiver)."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return [messages.URL_INVALID]
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return [messages.URL_NOT_HTTPS]
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        return [messages.URL_HTTPS_UNLESS_LOCAL]
    if len(url) > 500:
        return [messages.URL_TOO_LONG]
    return []


def check_event_types(event_types: list[str], known: Iterable[str]) -> list[Message | Filled]:
    known = set(known)
    if not event_types:
        return [messages.EVENT_TYPES_EMPTY]
    unknown = [t for t in event_types if t != ALL_EVENTS and t not in known]
    if unknown:
        return [messages.EVENT_TYPES_UNKNOWN(types=", ".join(unknown))]
    return []


def create_subscription(*, session: Session, tenant_id: str, url: str, event_types: list[str],
                        known_types: Iterable[str], created_by: str, description: str | None = None
                        ) -> WebhookSubscription:
    """A tenant's partner registers a URL for some of its tenant's events; the secret is made here."""
    errors: dict[str, list[Message | Filled]] = {}
    if problems := check_url(url):
        errors["url"] = problems
    if problems := check_event_types(event_types, known_types):
        errors["event_types"] = problems
    if errors:
        raise ValidationFailed.from_messages(errors)
    active = session.scalar(select(func.count()).select_from(WebhookSubscription).where(
        WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.disabled_at.is_(None))) or 0
    if active >= MAX_SUBSCRIPTIONS_PER_TENANT:
        raise Conflict(messages.TOO_MANY_SUBSCRIPTIONS, limit=MAX_SUBSCRIPTIONS_PER_TENANT)
    subscription = WebhookSubscription(tenant_id=tenant_id, url=url, event_types=sorted(set(event_types)),
                                       secret=signing.new_secret(), created_by=created_by, description=description)
    session.add(subscription)
    session.flush()
    return subscription


def get_subscription(*, session: Session, tenant_id: str, subscription_id: str,
                     owner: str | None = None) -> WebhookSubscription:
    """Another tenant's subscription is simply not found; with `owner`, so is another partner's in the same
    tenant (a partner key manages only the webhooks it registered; a tenant admin passes no owner)."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if (subscription is None or subscription.tenant_id != tenant_id
            or (owner is not None and subscription.created_by != owner)):
        raise NotFound(messages.SUBSCRIPTION_NOT_FOUND, {"subscription_id": subscription_id})
    return subscription


def list_subscriptions(*, session: Session, tenant_id: str, owner: str | None = None) -> list[WebhookSubscription]:
    query = select(WebhookSubscription).where(WebhookSubscription.tenant_id == tenant_id)
    if owner is not None:
        query = query.where(WebhookSubscription.created_by == owner)
    return list(session.scalars(query.order_by(WebhookSubscription.created_at, WebhookSubscription.id)))


def disable_subscription(*, session: Session, tenant_id: str, subscription_id: str,
                         owner: str | None = None) -> WebhookSubscription:
    subscription = get_subscription(session=session, tenant_id=tenant_id, subscription_id=subscription_id,
                                    owner=owner)
    if subscription.disabled_at is None:
        subscription.disabled_at = utcnow()
        session.flush()
    return subscription


MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600


def rotate_secret(*, session: Session, tenant_id: str, subscription_id: str, grace_seconds: int,
                  owner: str | None = None, now: datetime | None = None) -> tuple[WebhookSubscription, str]:
    """A new signing secret, returned once. For `grace_seconds` every delivery carries a signature by the
    old secret too (`v1=<new>,v1=<old>`), so a receiver still holding the old one keeps accepting while
    the partner deploys the new one; 0 retires the old secret at once (e.g. it leaked)."""
    now = now or utcnow()
    if not 0 <= grace_seconds <= MAX_ROTATION_GRACE_SECONDS:
        raise ValidationFailed.from_messages({"grace_seconds": [
            messages.GRACE_SECONDS_RANGE(highest=MAX_ROTATION_GRACE_SECONDS)]})
    subscription = get_subscription(session=session, tenant_id=tenant_id, subscription_id=subscription_id,
                                    owner=owner)
    subscription = session.get_one(WebhookSubscription, subscription.id, with_for_update=True,
                               populate_existing=True)
    new = signing.new_secret()
    subscription.previous_secret = subscription.secret if grace_seconds else None
    subscription.previous_secret_until = now + timedelta(seconds=grace_seconds) if grace_seconds else None
    subscription.secret = new
    session.flush()
    return subscription, new


def signing_secrets(secret: str, previous: str | None, previous_until: datetime | None,
                    now: datetime | None = None) -> tuple[str, ...]:
    """The secrets a delivery is signed with now: the current one, and the previous one in its grace."""
    now = now or utcnow()
    if previous and previous_until is not None and previous_until > now:
        return (secret, previous)
    return (secret,)


def wants(subscription: WebhookSubscription, event_type: str) -> bool:
    return ALL_EVENTS in subscription.event_types or event_type in subscription.event_types


# --- recording events and fanning out ----------------------------------------------------------


def record_event(*, session: Session, envelope: dict[str, Any]) -> int:
    """Keep the event (once: a redelivered or re-published event is a no-op) and add a pending delivery
    for each active subscription of its tenant that wants it. Returns how many deliveries were added."""
    tenant_id, event_id = envelope.get("tenantid"), envelope.get("id")
    if not tenant_id or not event_id or not envelope.get("type"):
        return 0
    when = envelope.get("time")
    event_time = datetime.fromisoformat(when) if isinstance(when, str) else utcnow()
    values = {"event_id": event_id, "tenant_id": tenant_id, "type": envelope["type"], "time": event_time,
              "envelope": envelope, "received_at": utcnow()}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = session.execute(insert(PartnerEvent).values(**values).on_conflict_do_nothing(
        index_elements=["event_id"]).returning(PartnerEvent.event_id)).first()
    if inserted is None:
        return 0  # seen before: its deliveries exist already
    return len(_fan_out(session=session, tenant_id=tenant_id, event_ids_types=[(event_id, envelope["type"])],
                        event_time=event_time))


def _fan_out(*, session: Session, tenant_id: str, event_ids_types: list[tuple[str, str]],
             only: WebhookSubscription | None = None, replay: bool = False,
             event_time: datetime | None = None) -> list[WebhookDelivery]:
    if only is not None:
        subscriptions = [only]
    else:
        # A webhook gets the events that happened once it existed; older ones only by replay.
        subscriptions = list(session.scalars(select(WebhookSubscription).where(
            WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.disabled_at.is_(None),
            WebhookSubscription.created_at <= event_time)))
    now = utcnow()
    added = []
    for subscription in subscriptions:
        for event_id, event_type in event_ids_types:
            if wants(subscription, event_type):
                added.append(WebhookDelivery(subscription_id=subscription.id, tenant_id=tenant_id, event_id=event_id,
                                             status=PENDING, attempts=0, next_attempt_at=now, replay=replay,
                                             created_at=now))
    session.add_all(added)
    session.flush()
    return added


def replay(*, session: Session, tenant_id: str, subscription_id: str, since: datetime,
           until: datetime | None = None, owner: str | None = None) -> int:
    """Deliver again every event of the tenant the subscription wants, from `since` (event time) to
    `until`: after a partner's outage, or to empty the dead-letter list. Returns how many were queued."""
    subscription = get_subscription(session=session, tenant_id=tenant_id, subscription_id=subscription_id,
                                    owner=owner)
    if subscription.disabled_at is not None:
        raise Conflict(messages.SUBSCRIPTION_DISABLED)
    until = until or utcnow()
    if since > until:
        raise ValidationFailed.from_messages({"since": [messages.SINCE_BEFORE_UNTIL]})
    query = (select(PartnerEvent.event_id, PartnerEvent.type)
             .where(PartnerEvent.tenant_id == tenant_id, PartnerEvent.time >= since, PartnerEvent.time <= until)
             .order_by(PartnerEvent.time, PartnerEvent.event_id).limit(REPLAY_LIMIT + 1))
    if ALL_EVENTS not in subscription.event_types:
        query = query.where(PartnerEvent.type.in_(subscription.event_types))
    rows = [(r.event_id, r.type) for r in session.execute(query)]
    if len(rows) > REPLAY_LIMIT:
        raise ValidationFailed.from_messages({"since": [messages.REPLAY_TOO_MANY(limit=REPLAY_LIMIT)]})
    return len(_fan_out(session=session, tenant_id=tenant_id, event_ids_types=rows, only=subscription, replay=True))


def list_deliveries(*, session: Session, tenant_id: str, subscription_id: str, status: str | None = None,
                    limit: int = 100, after: str | None = None, owner: str | None = None) -> Page[WebhookDelivery]:
    """The subscription's deliveries, newest first; `status="dead"` is the dead-letter list."""
    get_subscription(session=session, tenant_id=tenant_id, subscription_id=subscription_id, owner=owner)
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return keyset_page(session, query, keys=[Key(WebhookDelivery.created_at, descending=True), Key(WebhookDelivery.id)],
                       limit=limit, after=after)


# --- sending -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One claimed delivery, with what sending it needs."""

    delivery_id: str
    event_id: str
    url: str
    secrets: tuple[str, ...]  # the current secret first; the previous one too while in its grace period
    envelope: dict[str, Any]
    attempts: int


def claim_due(*, session: Session, limit: int, lease_seconds: float, now: datetime | None = None) -> list[Job]:
    """Take up to `limit` due pending deliveries and lease them: their next attempt moves `lease_seconds`
    ahead, so a worker that dies mid-send leaves them to be retried, and other workers skip them now."""
    now = now or utcnow()
    query = (select(WebhookDelivery.id)
             .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
             .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now,
                    WebhookSubscription.disabled_at.is_(None))
             .order_by(WebhookDelivery.next_attempt_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
    ids = list(session.scalars(query))
    if not ids:
        return []
    session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids))
                    .values(next_attempt_at=now + timedelta(seconds=lease_seconds)))
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.event_id, WebhookDelivery.attempts, WebhookSubscription.url,
               WebhookSubscription.secret, WebhookSubscription.previous_secret,
               WebhookSubscription.previous_secret_until, PartnerEvent.envelope)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(PartnerEvent, PartnerEvent.event_id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(ids)))
    return [Job(r.id, r.event_id, r.url, signing_secrets(r.secret, r.previous_secret, r.previous_secret_until, now),
                r.envelope, r.attempts) for r in rows]


def record_outcome(*, session: Session, delivery_id: str, ok: bool, status_code: int | None, error: str | None,
                   policy: RetryPolicy, now: datetime | None = None) -> str:
    """After one attempt: delivered; or pending again after the back-off; or dead at the limit."""
    now = now or utcnow()
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != PENDING:
        return delivery.status if delivery else DEAD
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = (error or None) and error[:1000]
    if ok:
        delivery.status, delivery.delivered_at = DELIVERED, now
    elif delivery.attempts >= policy.max_attempts:
        delivery.status = DEAD
    else:
        delivery.next_attempt_at = now + timedelta(seconds=policy.delay(delivery.attempts))
    session.flush()
    return delivery.status


def subscription_counts(*, session: Session, subscription_id: str) -> dict[str, int]:
    """How many of a subscription's deliveries are pending, delivered and dead."""
    found = dict(session.execute(select(WebhookDelivery.status, func.count())
                                 .where(WebhookDelivery.subscription_id == subscription_id)
                                 .group_by(WebhookDelivery.status)).all())
    return {status: int(found.get(status, 0)) for status in (PENDING, DELIVERED, DEAD)}

