"""The training service's database dependency: the common one, plus the two crossings its rules need.

1. **Hosted transaction.** A resident of a community enrols in a session a partner college shares with
   that community. Capacity, the waitlist and its order must be decided in ONE place under ONE lock, so
   every write on a session's roster happens in the tenant that hosts the session (`hosted_transaction`),
   whoever asks. The domain functions check, inside that transaction, that the caller's tenant is in the
   session's audience before they act; rows about the caller are shared back with the caller's tenant.
2. **Publishing for the learner's tenant.** Events about a person (attended, completed, certificate
   issued) must reach the consumers of that person's community (points, jobs act in the event's tenant),
   and still commit together with the change: `publish_for` is the common `tx.publish(..., tenant_id=)`,
   which writes that outbox row in the same database transaction (services.common.database.acting_in_tenant).

Both are logged with a reason (`tenant.cross_write`, at debug level), so crossing stays explicit and audited. The public
certificate register is read through the common `db.public_read()`.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Iterator

from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import Database, Transaction, WorkerDatabase
from services.common.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Announcement:
    """An event a domain rule decided to publish, and the tenant whose consumers must see it."""

    tenant_id: str
    event: str
    data: dict[str, Any]
    subject: str | None = None


@dataclass
class Outbox:
    """What domain functions append their announcements to; the service publishes them in the same
    transaction (unit tests read them instead)."""

    announcements: list[Announcement] = field(default_factory=list)

    def add(self, tenant_id: str, event: str, data: dict[str, Any], *, subject: str | None = None) -> None:
        self.announcements.append(Announcement(tenant_id, event, data, subject))

    def events(self, event: str | None = None) -> list[Announcement]:
        return [a for a in self.announcements if event is None or a.event == event]


class HostedTransaction(Transaction):
    """A transaction in the host tenant; `guest_tenant` is the caller's own tenant."""

    def __init__(self, session: Session, base, ctx: CallContext, *, guest_tenant: str):
        super().__init__(session, base, ctx)
        self.guest_tenant = guest_tenant
        self.host_tenant = ctx.tenant

    def publish_for(self, tenant_id: str, event: str, data: dict[str, Any], *, subject: str | None = None) -> str:
        """Write `event` to the outbox as an event of `tenant_id`, in this same transaction."""
        return self.publish(event, data, subject=subject, tenant_id=tenant_id)

    def publish_all(self, outbox: Outbox) -> None:
        for announcement in outbox.announcements:
            self.publish_for(announcement.tenant_id, announcement.event, announcement.data,
                             subject=announcement.subject)


class TrainingWorkerDatabase(WorkerDatabase):
    @contextmanager
    def hosted_transaction(self, host_tenant: str) -> Iterator[HostedTransaction]:
        """One unit of work in the tenant hosting a session, on behalf of the caller (possibly of another
        tenant in the session's audience, which the domain rule checks). Writes belong to the host."""
        guest_tenant = self._ctx.tenant  # fail closed before touching the database
        if host_tenant != guest_tenant:
            log.debug("tenant.cross_write", acting_tenant=guest_tenant, target_tenant=host_tenant,
                     user_id=self._ctx.user_id, reason="roster of a session shared with the caller's tenant")
        with self._factory() as session:
            session.info["tenant_id"] = host_tenant
            with session.begin():
                yield HostedTransaction(session, self._base, replace(self._ctx, tenant_id=host_tenant),
                                        guest_tenant=guest_tenant)


class TrainingDatabase(Database):
    """`db = TrainingDatabase(Base)`: the common Database with hosted transactions and the public read."""

    def get_dependency(self, worker_ctx) -> TrainingWorkerDatabase:
        return TrainingWorkerDatabase(self.factory, self.base, CallContext.from_context_data(worker_ctx.context_data))
