"""Tables of the notifications service (its own database): what each person was told, how it left
the platform, and what they chose.

- `messages`: one row per (event, person, kind) — the unique constraint makes a redelivered event add
  nothing — or per (broadcast, person). The row is the inbox; `short_code` is its unguessable link.
- `deliveries`: one row per message and channel that leaves the platform (sms, push, robot), with its
  state, attempts, next attempt and last error; `dead` rows are the dead letters staff retry.
- `preferences`, `push_subscriptions`, `contacts` (the phone from identity's confidential
  `contact_changed`), `broadcasts`, `team_robots` (one robot URL per tenant), `voice_items` (counted for
  the staff's daily summary).

Every table here is created by migrations/versions/0004_notifications.py (and 0005_voice_items.py); keep the
two identical.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.common.database import TenantScoped, UtcDateTime, new_id, service_base, utcnow

Base = service_base("notifications")

# delivery states
QUEUED, HELD, SENT, FAILED, DEAD = "queued", "held", "sent", "failed", "dead"
DUE_STATES = (QUEUED, HELD, FAILED)


class Message(TenantScoped, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "user_id", "kind", name="uq_messages_event_user_kind"),
        UniqueConstraint("short_code", name="uq_messages_short_code"),
        Index("ix_messages_tenant_user_created", "tenant_id", "user_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    # the source event's id, or `broadcast:<id>` for a staff broadcast
    event_id: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(1000))
    link: Mapped[str] = mapped_column(String(300))  # the page where the person acts (a path of the web)
    short_code: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    broadcast_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Delivery(TenantScoped, Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "message_id", "channel", name="uq_deliveries_message_channel"),
        Index("ix_deliveries_tenant_status_next", "tenant_id", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    message_id: Mapped[str] = mapped_column(String(36), ForeignKey("messages.id"))
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # None: the team robot
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    hold_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)  # quiet | digest | limit
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Preference(TenantScoped, Base):
    """A person's choices; no row: every default (kinds.Kind.default_channels, 23:00-07:00, Asia/Shanghai)."""

    __tablename__ = "preferences"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "user_id", name="pk_preferences"),)

    user_id: Mapped[str] = mapped_column(String(36))
    quiet_start: Mapped[str] = mapped_column(String(5), default="23:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="07:00")
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_hour: Mapped[int] = mapped_column(Integer, default=19)
    # kind -> {"sms": bool, "push": bool}: only what the person changed
    channels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_digest_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class PushSubscription(TenantScoped, Base):
    __tablename__ = "push_subscriptions"
    __table_args__ = (UniqueConstraint("tenant_id", "endpoint", name="uq_push_subscriptions_endpoint"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Contact(TenantScoped, Base):
    """A person's phone number, from identity's confidential `contact_changed` (nothing else carries it)."""

    __tablename__ = "contacts"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "user_id", name="pk_contacts"),)

    user_id: Mapped[str] = mapped_column(String(36))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Broadcast(TenantScoped, Base):
    __tablename__ = "broadcasts"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key", name="uq_broadcasts_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(80))
    ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(500))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TeamRobot(TenantScoped, Base):
    """The staff team's chat robot of a tenant (WeCom, DingTalk, Feishu): an apprise URL with its secret."""

    __tablename__ = "team_robots"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", name="pk_team_robots"),)

    url: Mapped[str] = mapped_column(String(1000))
    updated_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class VoiceItem(TenantScoped, Base):
    """A voice item submitted in the tenant (governance.voice_submitted), kept only to count them for the
    staff's daily summary: its id and time, never its author (services/notifications/staff_summary.py).
    Created by migrations/versions/0005_voice_items.py."""

    __tablename__ = "voice_items"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "voice_id", name="pk_voice_items"),
                      Index("ix_voice_items_submitted", "submitted_at"))

    voice_id: Mapped[str] = mapped_column(String(36))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
