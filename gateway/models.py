"""Identity tables, owned by the gateway (its own database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.database import AutoIncrementId, OutboxColumns, UtcDateTime, new_id, utcnow

TENANT_KINDS = ("community", "partner", "operator")


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    """A community (社区), an alliance partner, or the sub-district operator."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a slug, e.g. "xiangyang"
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Raised on a password change or erasure: access tokens carry the version they were issued
    # under ("ver") and an older one is refused, so every token issued before stops working.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Set by the operator (not erasure: reactivating clears it). While set, sign-in, refresh and every
    # token of the account are refused.
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The language the person chose with the pages' language switch ("zh-CN" or "en"); none until they choose.
    # Every community they belong to hears it (member_profile_changed), so messages reach them in it.
    locale: Mapped[str | None] = mapped_column(String(10), nullable=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", lazy="selectin")


class Membership(Base):
    """A user's roles in one tenant; a person may belong to several tenants."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "tenant_id", name="uq_memberships_user_tenant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)

    user: Mapped[User] = relationship(back_populates="memberships")


class RefreshToken(Base):
    """Issued refresh tokens. Rotation links them in a family: reusing a rotated
    token revokes the whole family (it was stolen or replayed)."""

    __tablename__ = "refresh_tokens"
    # An access token is honoured only while its family ("fam") still has an unspent refresh token: the
    # credential check asks that on every request, so this index holds just the live ones (one per family).
    __table_args__ = (Index("ix_refresh_tokens_live_family", "family_id", postgresql_where=text("revoked_at IS NULL"),
                            sqlite_where=text("revoked_at IS NULL")),)

    jti: Mapped[str] = mapped_column(String(36), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class RevokedAccessToken(Base):
    """Access tokens revoked before they expire (logout); kept until expiry."""

    __tablename__ = "revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(36), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ApiKey(Base):
    """A partner's key, bound to one tenant. Only a SHA-256 of the secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Rotation: the old key keeps working until `expires_at` (the grace period), then is refused.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    replaced_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class LoginThrottle(Base):
    """Failed sign-ins counted per account (a hash of the phone) and per client address, in the
    database so that every gunicorn worker and gateway process shares them. A lock-out doubles
    with each one (`lockouts`) up to a ceiling; a good sign-in clears the account's row."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # "account:<sha256>" | "address:<ip>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class AuditEntry(Base):
    """A privileged action: who, what, when, in which tenant, on what. Append-only: no route
    changes it, and on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE to every role."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant_at", "tenant_id", "at"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    tenant_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(80))  # a user id, "apikey:<id>" or "cli"
    actor_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    target_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class IdempotencyRecord(Base):
    """The first answer to a write sent with an Idempotency-Key, replayed on retry."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("tenant_id", "principal", "key", name="uq_idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    principal: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # NULL while in flight
    body: Mapped[Any] = mapped_column(JSON, nullable=True)
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- partner integration (issue 7): webhooks, the partner event log, inbound events -----------------


class WebhookSubscription(Base):
    """A partner's webhook: the URL, the event types it wants from its tenant, and the signing secret.
    The secret is kept (not hashed) because every delivery is signed with it."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))
    # after a rotation the old secret still signs (beside the new one) until `previous_secret_until`,
    # so the partner can switch its receiver over without refusing a delivery
    previous_secret: Mapped[str | None] = mapped_column(String(100), nullable=True)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    description: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PartnerEvent(Base):
    """Every event the partner exchange carried, once (by event id): what webhooks deliver and replay."""

    __tablename__ = "partner_events"
    __table_args__ = (Index("ix_partner_events_tenant_time", "tenant_id", "time"),)

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(150))
    time: Mapped[datetime] = mapped_column(UtcDateTime)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event to one subscription: pending (with its next attempt), delivered, or dead (the dead-letter
    list, after the attempt limit)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(ForeignKey("partner_events.event_id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    replay: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class InboundEvent(Base):
    """An event a partner sent in; the key (tenant, event id) makes a re-sent event a no-op."""

    __tablename__ = "inbound_events"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(150))
    source: Mapped[str] = mapped_column(String(200))
    api_key_id: Mapped[str] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


# --- identity events (issue 16): the gateway's outbox ------------------------------------------------


class IdentityOutbox(OutboxColumns, Base):
    """An identity event (member_joined, member_left, …) written in the same transaction as the change it
    announces; the relay publishes it to the `identity.events` exchange (gateway/identity_events.py)."""

    __tablename__ = "identity_outbox"
    __table_args__ = (Index("ix_identity_outbox_unpublished", "seq", sqlite_where=text("published_at IS NULL"),
                            postgresql_where=text("published_at IS NULL")),)

    tenant_id: Mapped[str] = mapped_column(String(64))


class IdentityVersion(Base):
    """How many identity events a person has had: each event carries the next number (`version`), taken
    while the user's row is locked, so the numbers follow commit order. A service keeping its members
    table applies an event only when it is newer than what it holds."""

    __tablename__ = "identity_versions"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
