"""The training service's database dependency: the common one, plus the two crossings its rules need.

1. **Hosted transaction.** A resident of a community enrols in a session a partner college shares with
   that community. Capacity, the waitlist and its order must be decided in ONE place under ONE lock, so
   every write on a session's roster happens in the tenant that hosts the session (`hosted_transaction`),
   whoever asks. The domain functions check, inside that transaction, that the caller's tenant is in the
   session's audience before they act; rows about the caller are shared back with the caller's tenant.
2. **Publishing for the learner's tenant.** Events about a person (attended, completed, certificate
   issued) must reach the consumers of that person's community (points, jobs act in the event's tenant),
   and still commit together with the change. `publish_for` writes that outbox row in the same database
   transaction, switching the tenant the session (and, on PostgreSQL, row-level security) enforces for
   that one insert, and switching back. Only outbox rows are written this way.

Both are logged with a reason (`tenant.cross_write`), so crossing stays explicit and audited. A shared
helper for this belongs in services.common (see docs/training.md, "Requested common changes").
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Iterator

from sqlalchemy import text
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


def _bind_tenant(session: Session, tenant_id: str) -> None:
    session.info["tenant_id"] = tenant_id
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT set_config('app.tenant_id', :tenant_id, true)"), {"tenant_id": tenant_id})


class HostedTransaction(Transaction):
    """A transaction in the host tenant; `guest_tenant` is the caller's own tenant."""

    def __init__(self, session: Session, base, ctx: CallContext, *, guest_tenant: str):
        super().__init__(session, base, ctx)
        self.guest_tenant = guest_tenant
        self.host_tenant = ctx.tenant

    def publish_for(self, tenant_id: str, event: str, data: dict[str, Any], *, subject: str | None = None) -> str:
        """Write `event` to the outbox as an event of `tenant_id`, in this same transaction."""
        if tenant_id == self.host_tenant:
            return self.publish(event, data, subject=subject)
        self.session.flush()  # the host's own changes are written under the host's tenant
        log.info("tenant.cross_write", acting_tenant=self.host_tenant, target_tenant=tenant_id,
                 reason=f"training event {event} for the learner's community")
        _bind_tenant(self.session, tenant_id)
        try:
            event_id = Transaction(self.session, self._base, replace(self._ctx, tenant_id=tenant_id)).publish(
                event, data, subject=subject)
            self.session.flush()
        finally:
            _bind_tenant(self.session, self.host_tenant)
        return event_id

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
            log.info("tenant.cross_write", acting_tenant=guest_tenant, target_tenant=host_tenant,
                     user_id=self._ctx.user_id, reason="roster of a session shared with the caller's tenant")
        with self._factory() as session:
            session.info["tenant_id"] = host_tenant
            with session.begin():
                yield HostedTransaction(session, self._base, replace(self._ctx, tenant_id=host_tenant),
                                        guest_tenant=guest_tenant)

    @contextmanager
    def public_read(self) -> Iterator[Session]:
        """A read-only session with no tenant, for the public certificate register only: every statement
        must carry `execution_options(fengchao_all_tenants=True)` and name a table that is not
        tenant-owned; on PostgreSQL row-level security still hides every tenant's rows from it."""
        with self._factory() as session:
            with session.begin():
                yield session
                if session.new or session.dirty or session.deleted:
                    raise RuntimeError("public_read cannot write")


class TrainingDatabase(Database):
    """`db = TrainingDatabase(Base)`: the common Database with hosted transactions and the public read."""

    def get_dependency(self, worker_ctx) -> TrainingWorkerDatabase:
        return TrainingWorkerDatabase(self.factory, self.base, CallContext.from_context_data(worker_ctx.context_data))
