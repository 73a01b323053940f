"""Pieces every nameko service class is built from."""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any

from nameko.exceptions import deserialize_to_instance
from sqlalchemy import func, select

from services.common.context import CallContext
from services.common.dependencies import ServiceMetrics
from services.common.entrypoints import event_handler, rpc
from services.common.errors import ALL_ERRORS, REMOTE_ERRORS
from services.common.members import (
    ACCOUNT_DEACTIVATED,
    ACCOUNT_REACTIVATED,
    IDENTITY,
    MEMBER_JOINED,
    MEMBER_LEFT,
    MEMBER_PROFILE_CHANGED,
    MEMBER_ROLE_GRANTED,
    MEMBER_ROLE_REMOVED,
    MEMBERS_JOINED,
    apply_member_events,
    member_model,
)
from services.common.personal_data import check_pseudonym, require_self_or_officer

# Errors raised on purpose are logged as warnings by nameko, not as crashes.
EXPECTED_ERRORS = ALL_ERRORS

# nameko rebuilds a registered error as its own class on the calling side (a service's RPC client,
# the test suite's proxies); the gateway does the same from ALL_ERRORS without nameko.
for _error in REMOTE_ERRORS:
    deserialize_to_instance(_error)


class HealthEntrypoints:
    """Mixed into every service: `ping` answers without a tenant and checks the
    service's database, so the gateway's /readyz means "can do work"."""

    name: str
    db: Any  # the service's Database dependency (a WorkerDatabase in a worker)
    metrics = ServiceMetrics()  # RPC, event and timer workers counted and timed; outbox backlog; /metrics

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def ping(self) -> dict[str, str]:
        self.db.check_connection()
        return {"service": self.name, "status": "ok"}


class PersonalDataEntrypoints:
    """Mixed into every service: one person's export and erasure (docs/privacy.md), for the person or staff
    of the tenant, through the gateway. `personal_data` is the service's own module listing the tables that
    hold something about a person (`export` and `erase` over them)."""

    personal_data: ModuleType
    db: Any  # the service's Database dependency (a WorkerDatabase in a worker)
    ctx: CallContext

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def export_person(self, user_id: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            found: dict[str, Any] = self.personal_data.export(
                session=tx.session, user_id=require_self_or_officer(self.ctx, user_id))
            return found

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def erase_person(self, user_id: str, pseudonym: str) -> dict[str, Any]:
        def elsewhere(tenant_id: str) -> AbstractContextManager[Any]:
            # shared rows about the person that another tenant owns
            crossing: AbstractContextManager[Any] = self.db.write_in_tenant(
                tenant_id, reason="erasure the person asked for in their community")
            return crossing

        with self.db.transaction() as tx:
            changed: dict[str, Any] = self.personal_data.erase(
                session=tx.session, user_id=require_self_or_officer(self.ctx, user_id),
                pseudonym=check_pseudonym(pseudonym), other_tenant=elsewhere)
            return changed


class MemberEntrypoints:
    """Mixed into every service: handlers of the identity events keeping the service's `members`
    table, and `knows_member` (the test suite and operators ask whether a change has arrived)."""

    name: str
    db: Any  # the service's Database dependency (a WorkerDatabase in a worker)

    def _apply_identity_event(self, envelope: dict[str, Any]) -> None:
        with self.db.transaction() as tx:  # in the event's tenant (its headers)
            if tx.first_delivery(envelope, consumer=f"{self.name}.members"):
                data = envelope["data"]
                apply_member_events(session=tx.session, states=data.get("members", [data]))

    @event_handler(IDENTITY, MEMBERS_JOINED, requeue_on_error=True)
    def on_members_joined(self, envelope: dict[str, Any]) -> None:
        self._apply_identity_event(envelope)

    @event_handler(IDENTITY, MEMBER_JOINED, requeue_on_error=True)
    def on_member_joined(self, envelope: dict[str, Any]) -> None:
        self._apply_identity_event(envelope)

    @event_handler(IDENTITY, MEMBER_LEFT, requeue_on_error=True)
    def on_member_left(self, envelope: dict[str, Any]) -> None:
        self._apply_identity_event(envelope)

    @event_handler(IDENTITY, MEMBER_ROLE_GRANTED, requeue_on_error=True)
    def on_member_role_granted(self, envelope: dict[str, Any]) -> None:
        self._apply_identity_event(envelope)

    @event_handler(IDENTITY, MEMBER_ROLE_REMOVED, requeue_on_error=True)
    def on_member_role_removed(self, envelope: dict[str, Any]) -> None:
        self._apply_identity_event(envelope)

    @event_handler(IDENTITY, MEMBER_PROFILE_CHANGED, requeue_on_error=True)
    def on_member_profile_changed(self, envelope: dict[str, Any]) -> None:
        self._apply_identity_event(envelope)

    @event_handler(IDENTITY, ACCOUNT_DEACTIVATED, requeue_on_error=True)
    def on_account_deactivated(self, envelope: dict[str, Any]) -> None:
        self._apply_identity_event(envelope)

    @event_handler(IDENTITY, ACCOUNT_REACTIVATED, requeue_on_error=True)
    def on_account_reactivated(self, envelope: dict[str, Any]) -> None:
        self._apply_identity_event(envelope)

    @rpc(expected_exceptions=ALL_ERRORS)
    def member_count(self) -> int:
        """How many active members of the caller's tenant this service knows (a bulk import waits on it)."""
        with self.db.transaction() as tx:
            model = member_model(tx.session)
            return int(tx.session.scalar(select(func.count()).select_from(model).where(model.active.is_(True))) or 0)

    @rpc(expected_exceptions=ALL_ERRORS)
    def knows_member(self, user_id: str, version: int | None = None) -> bool:
        """Whether this service holds `user_id` as an active member of the caller's tenant (and,
        with `version`, has applied that identity event or a newer one)."""
        with self.db.transaction() as tx:
            model = member_model(tx.session)
            row = tx.session.scalar(select(model).where(model.user_id == user_id))
            if row is None:
                return False
            return row.version >= version if version is not None else bool(row.active)
