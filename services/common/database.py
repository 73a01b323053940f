"""Storage every service shares: a typed declarative base, tenant scoping, the
transactional outbox and the idempotent-consumer record.

A service's unit of work is `self.db.transaction()`: one SQLAlchemy session,
scoped to the call's tenant, committed at the end of the block together with any
events published through it. No repository layer on top: the session is it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    create_engine,
    event,
    false,
    or_,
    text,
)
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.types import TypeDecorator

from services.common.context import CallContext
from services.common.envelope import make_envelope
from services.common.errors import Forbidden, TenantRequired
from services.common.logging import get_logger

log = get_logger(__name__)

# Runs that bypass tenant scoping must say so on the statement; grep for it.
ALL_TENANTS = "fengchao_all_tenants"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite returns naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use timezone-aware UTC")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# SQLite has no BIGINT autoincrement; the variant keeps one model for both.
AutoIncrementId = BigInteger().with_variant(Integer(), "sqlite")


class TenantOwned:
    """A row that belongs to one tenant: inserts are stamped with the session's
    tenant, and only that tenant may write it. Use one of the two kinds below."""

    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)


class TenantScoped(TenantOwned):
    """A private row: reads, updates and deletes through the session only ever
    see the current tenant's rows."""


class Shareable(TenantOwned):
    """A row its tenant may publish to named tenants or to all (an alliance job
    post shown in all 12 communities, a college course open to all). Others can
    read it; only the owner can change it.

    `audience` is "" (own tenant only), "*" (every tenant) or ",t1,t2," — a
    delimited string rather than a JSON list so that the same predicate works in
    the ORM on every backend and in PostgreSQL's row-level-security policy.
    """

    audience: Mapped[str] = mapped_column(String(2000), nullable=False, default="")

    @staticmethod
    def audience_for(tenants: list[str] | None, *, everyone: bool = False) -> str:
        if everyone:
            return "*"
        return "," + ",".join(sorted(set(tenants))) + "," if tenants else ""

    @staticmethod
    def audience_tenants(audience: str) -> list[str] | str:
        return "*" if audience == "*" else [t for t in audience.split(",") if t]


class OutboxColumns:
    """An event written in the same transaction as the change it announces."""

    seq: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ProcessedEventColumns:
    """Event ids a consumer has handled; the primary key makes a redelivery a no-op."""

    consumer: Mapped[str] = mapped_column(String(120), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class MemberColumns:
    """A member of a tenant as this service knows it from the gateway's identity events
    (services.common.members keeps it): the service's own copy of who may be named in an
    operation, so a check needs no call to the gateway. `version` is the gateway's per-person
    sequence of identity events: an older event arriving late never overwrites newer state."""

    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    display_name: Mapped[str | None] = mapped_column(String(50), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # a member now: still in the tenant and the account neither deactivated nor erased
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class TenantCrossingColumns:
    """One crossing of a tenant's wall (services.common.database: `read_in_tenant`, `write_in_tenant`):
    who, from which tenant into which (`tenant_id`, the row lives with the data it touched, so that
    tenant's administrator sees who came in), why, when, and how (read, write, or within one transaction)."""

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    acting_tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    mode: Mapped[str] = mapped_column(String(10), nullable=False)
    reason: Mapped[str] = mapped_column(String(300), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


def service_base(service: str) -> type[DeclarativeBase]:
    """A declarative base for one service's database, with its outbox, processed-event, members and
    tenant-crossing tables already mapped (`Base.Outbox`, `Base.ProcessedEvent`, `Base.Member`,
    `Base.TenantCrossing`)."""

    class Base(DeclarativeBase):
        pass

    class OutboxEvent(TenantScoped, OutboxColumns, Base):
        __tablename__ = "outbox_events"
        __table_args__ = (Index("ix_outbox_unpublished", "seq", sqlite_where=text("published_at IS NULL"),
                                postgresql_where=text("published_at IS NULL")),)

    class ProcessedEvent(TenantScoped, ProcessedEventColumns, Base):
        __tablename__ = "processed_events"

    class Member(TenantScoped, MemberColumns, Base):
        __tablename__ = "members"
        __table_args__ = (PrimaryKeyConstraint("tenant_id", "user_id", name="pk_members"),)

    class TenantCrossing(TenantScoped, TenantCrossingColumns, Base):
        __tablename__ = "tenant_crossings"

    models: Any = Base  # the shared tables ride on the base as attributes: see the docstring
    models.service_name = service
    models.TenantCrossing = TenantCrossing
    models.Outbox = OutboxEvent
    models.ProcessedEvent = ProcessedEvent
    models.Member = Member
    return Base


def session_factory(engine: Engine, base: type[DeclarativeBase]) -> sessionmaker[TenantSession]:
    """Tenant sessions over one service's database. Each session's `info["member_model"]` is
    the service's members table, so `services.common.members.require_member(session, …)` needs
    nothing but the session."""
    return sessionmaker(engine, class_=TenantSession, expire_on_commit=False,
                        info={"member_model": getattr(base, "Member", None), "base": base})


class TenantSession(Session):
    """A session that knows its tenant (`info["tenant_id"]`) and enforces it."""


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if state.execution_options.get(ALL_TENANTS):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria already travel with the parent query
    info = state.session.info
    if info.get("all_tenants") and state.is_select:
        return  # operator-wide read; writes stay refused in before_flush
    if info.get("public"):
        if not state.is_select:
            raise Forbidden("A public read cannot write")
        state.statement = state.statement.options(
            with_loader_criteria(TenantOwned, lambda cls: false(), include_aliases=True))
        return
    tenant_id = info.get("tenant_id")
    if tenant_id is None:
        raise TenantRequired("A database query was attempted without a tenant")
    options = [with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)]
    if state.is_select:
        member = f"%,{tenant_id},%"
        options.append(with_loader_criteria(
            Shareable,
            lambda cls: or_(cls.tenant_id == tenant_id, cls.audience == "*", cls.audience.like(member)),
            include_aliases=True,
        ))
    else:
        options.append(with_loader_criteria(Shareable, lambda cls: cls.tenant_id == tenant_id, include_aliases=True))
    state.statement = state.statement.options(*options)


@event.listens_for(TenantSession, "before_flush")
def _stamp_tenant(session: Session, _flush_context: Any, _instances: Any) -> None:
    tenant_id = session.info.get("tenant_id")
    if (session.info.get("all_tenants") or session.info.get("public")) and (
            session.new or session.dirty or session.deleted):
        raise Forbidden("A read across tenants cannot write")
    if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
        raise Forbidden("A read in another tenant cannot write")
    for obj in session.new:
        if not isinstance(obj, TenantOwned):
            continue
        if tenant_id is None:
            raise TenantRequired("An insert was attempted without a tenant")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise Forbidden("A row cannot be written into another tenant")
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, TenantOwned) and obj.tenant_id != tenant_id:
            # A shared row read from another tenant is visible, never writable.
            raise Forbidden("Only the owning tenant can change this")


@event.listens_for(TenantSession, "after_begin")
def _set_rls_tenant(session: Session, _transaction: Any, connection: Connection) -> None:
    # Second wall on PostgreSQL: row-level security policies read this setting.
    # `true` = local to the transaction, so a pooled connection never carries it on.
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT set_config('app.tenant_id', :tenant_id, true), set_config('app.all_tenants', :all, true)"),
            {"tenant_id": session.info.get("tenant_id") or "", "all": "on" if session.info.get("all_tenants") else ""},
        )


def driver_url(url: str) -> str:
    """SQLAlchemy 2.1 maps `postgresql://` to psycopg 3, which blocks eventlet's hub;
    we pin psycopg2 (made green by psycogreen) unless a URL names a driver itself."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, pool_size: int = 10, **kwargs: Any) -> Engine:
    url = driver_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800,
                         **kwargs)


def _bind_tenant(session: Session, tenant_id: str) -> None:
    session.info["tenant_id"] = tenant_id
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT set_config('app.tenant_id', :tenant_id, true)"), {"tenant_id": tenant_id})


def _record_crossing(session: Session, *, acting_tenant: str, mode: str, reason: str) -> None:
    """The audit row of a crossing, written in the tenant crossed into (the session is bound to it)."""
    base = session.info.get("base")
    log.debug("tenant.crossing", acting_tenant=acting_tenant, target_tenant=session.info["tenant_id"],
              user_id=session.info.get("user_id"), mode=mode, reason=reason)
    if base is None or not hasattr(base, "TenantCrossing"):
        return  # a bare session of a unit test
    read_only = session.info.pop("read_only", False)  # the record itself is written in a read, too
    try:
        session.add(base.TenantCrossing(acting_tenant=acting_tenant, user_id=session.info.get("user_id"),
                                        mode=mode, reason=reason[:300]))
        session.flush()
    finally:
        if read_only:
            session.info["read_only"] = True


@contextmanager
def write_in_tenant(session: Session, tenant_id: str, *, reason: str,
                    before_switch: Callable[[Session], None] | None = None) -> Iterator[None]:
    """Act as `tenant_id` for the block INSIDE the session's running transaction, then switch back:
    the write form of crossing for work that must commit atomically on both sides (a voucher confirmed
    at another community's merchant settles the resident's hold). `WorkerDatabase.write_in_tenant` is
    the same crossing as a unit of work of its own.

    The session's scoping and, on PostgreSQL, row-level security follow the switch; everything is
    flushed at each switch, so no row is written under the wrong tenant. `before_switch` runs before
    each switch (a service's own deferred writes). The caller has checked the rule that allows the
    crossing; each is recorded with its reason in `tenant_crossings` and the log."""
    home = session.info["tenant_id"]
    if tenant_id == home:
        yield
        return

    def switch(to: str) -> None:
        if before_switch is not None:
            before_switch(session)
        session.flush()
        _bind_tenant(session, to)

    switch(tenant_id)
    try:
        _record_crossing(session, acting_tenant=home, mode="atomic", reason=reason)
        yield
        if before_switch is not None:
            before_switch(session)
        session.flush()
    finally:
        switch(home)


@contextmanager
def read_in_tenant(session: Session, tenant_id: str, *, reason: str) -> Iterator[None]:
    """The read form of crossing INSIDE the session's running transaction: look at `tenant_id`'s rows
    for the block (is this person a member of the audience the operation names?), writes refused,
    then switch back. Recorded like every crossing. `WorkerDatabase.read_in_tenant` is the same as a
    unit of work of its own."""
    home = session.info["tenant_id"]
    if tenant_id == home:
        yield
        return
    was_read_only = session.info.get("read_only", False)
    session.flush()
    _bind_tenant(session, tenant_id)
    try:
        _record_crossing(session, acting_tenant=home, mode="read", reason=reason)
        session.info["read_only"] = True
        yield
        session.flush()  # refuses anything written in the block
    finally:
        session.info["read_only"] = was_read_only
        _bind_tenant(session, home)


def announce(session: Session, event: str, data: dict[str, Any], *, subject: str | None = None,
             tenant_id: str | None = None) -> str:
    """The one way to publish: a domain function announces the event its change causes, on the
    session of the unit of work; the event is written to the outbox in the same transaction, so it
    commits or rolls back with the change, and the relay publishes it afterwards. Returns the event id.

    The event belongs to the session's tenant, or to `tenant_id`: an event about a person is published
    in the person's community, whose consumers act on it (a crossing, recorded like any other). Unit
    tests read what a call announced with `announced(session)`."""
    home = session.info["tenant_id"]
    if tenant_id is not None and tenant_id != home:
        with write_in_tenant(session, tenant_id, reason=f"event {event} for the tenant it concerns"):
            return announce(session, event, data, subject=subject)
    base = session.info["base"]
    envelope = make_envelope(service=base.service_name, event=event, tenant_id=home, data=data, subject=subject)
    session.add(base.Outbox(
        tenant_id=home,
        event_id=envelope["id"],
        event_type=event,
        envelope=envelope,
        # Consumers act in the tenant of the headers: always the event's own.
        headers={**session.info.get("context_data", {}), "tenant_id": home},
    ))
    session.info.setdefault("announced", []).append(envelope)
    return str(envelope["id"])


def announced(session: Session, event: str | None = None) -> list[dict[str, Any]]:
    """The envelopes announced on this session so far (all, or of one event type)."""
    return [e for e in session.info.get("announced", []) if event is None or e["type"].endswith("." + event)]


class Transaction:
    """What a worker holds inside `db.transaction()`."""

    def __init__(self, session: Session, base: type[DeclarativeBase], ctx: CallContext):
        self.session = session
        self._base: Any = base  # a service_base(): its shared tables are attributes
        self._ctx = ctx

    @property
    def tenant_id(self) -> str:
        """The tenant this transaction writes in (the caller's, or the one `write_in_tenant` named)."""
        return str(self.session.info["tenant_id"])

    def first_delivery(self, envelope: dict[str, Any], consumer: str) -> bool:
        """Record that `consumer` handled this event. False when it already had:
        the caller then does nothing, which makes the consumer idempotent.
        The record commits with the consumer's own changes, so a crash between
        the two cannot happen."""
        if envelope.get("tenantid") != self.tenant_id:
            raise Forbidden("Event tenant does not match the context tenant")
        key = (consumer, envelope["id"])
        if self.session.get(self._base.ProcessedEvent, key) is not None:
            return False
        self.session.add(self._base.ProcessedEvent(consumer=consumer, event_id=envelope["id"]))
        # Flush now: a concurrent duplicate fails on the primary key here and the
        # whole handler rolls back; the broker redelivers and the check above wins.
        self.session.flush()
        return True


class WorkerDatabase:
    def __init__(self, factory: sessionmaker[TenantSession], base: type[DeclarativeBase], ctx: CallContext):
        self._factory = factory
        self._base: Any = base  # a service_base(): its shared tables are attributes
        self._ctx = ctx

    def check_connection(self) -> None:
        """Needs no tenant: used by health checks only."""
        with self._factory.kw["bind"].connect() as connection:
            connection.execute(text("SELECT 1"))

    @contextmanager
    def _unit_of_work(self, tenant_id: str, ctx: CallContext) -> Iterator[Transaction]:
        with self._factory() as session:
            session.info["tenant_id"] = tenant_id
            session.info["base"] = self._base
            session.info["user_id"] = ctx.user_id
            session.info["context_data"] = ctx.to_context_data()
            with session.begin():
                yield Transaction(session, self._base, ctx)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One tenant-scoped unit of work; commits on success, rolls back on error."""
        tenant_id = self._ctx.tenant  # fail closed before touching the database
        with self._unit_of_work(tenant_id, self._ctx) as tx:
            yield tx

    @contextmanager
    def write_in_tenant(self, tenant_id: str, *, reason: str) -> Iterator[Transaction]:
        """The write form of crossing: a unit of work in `tenant_id`, which may be ANOTHER tenant, for
        the few cross-tenant writes a rule allows (a resident of one community applies to an alliance
        post owned by a partner tenant; a member of a shared council votes in the owning community).
        The caller has checked the rule; rows written belong to `tenant_id`. In the caller's own tenant
        it is simply `transaction()`; a crossing is recorded with its reason in `tenant_crossings` and
        the log. For a crossing inside a running transaction: `write_in_tenant(tx.session, ...)`."""
        acting_tenant = self._ctx.tenant
        with self._unit_of_work(tenant_id, self._ctx) as tx:
            if tenant_id != acting_tenant:
                _record_crossing(tx.session, acting_tenant=acting_tenant, mode="write", reason=reason)
            yield tx

    @contextmanager
    def read_in_tenant(self, tenant_id: str, *, reason: str) -> Iterator[Transaction]:
        """The read form of crossing: a read-only unit of work in `tenant_id` (the seats of a council
        shared with the caller's community, counted where they live). Any write in it is refused;
        a crossing is recorded like `write_in_tenant`'s."""
        acting_tenant = self._ctx.tenant
        with self._unit_of_work(tenant_id, self._ctx) as tx:
            if tenant_id != acting_tenant:
                _record_crossing(tx.session, acting_tenant=acting_tenant, mode="read", reason=reason)
            tx.session.info["read_only"] = True
            yield tx

    @contextmanager
    def public_read(self) -> Iterator[Session]:
        """A read-only session with no tenant, for tables that are public by design
        (the certificate register behind the no-login verification page). Every
        tenant-owned row is invisible to it (the session hides them all, and on
        PostgreSQL row-level security too); any write is refused."""
        with self._factory() as session:
            session.info["tenant_id"] = None
            session.info["public"] = True
            with session.begin():
                yield session

    @contextmanager
    def system_in_tenant(self, tenant_id: str, *, reason: str) -> Iterator[Transaction]:
        """For timers and other work no person asked for (expiring posts): a unit
        of work in `tenant_id`. Only for entrypoints that carry no caller: a call
        that has a tenant must use `transaction()` or `in_tenant()`."""
        if self._ctx.tenant_id or self._ctx.user_id:
            raise Forbidden("System work cannot run on behalf of a caller")
        log.info("tenant.system_write", target_tenant=tenant_id, reason=reason)
        with self._unit_of_work(tenant_id, CallContext(tenant_id=tenant_id)) as tx:
            yield tx

    @contextmanager
    def system_read_all_tenants(self, *, reason: str) -> Iterator[Session]:
        """Read-only, every tenant, for timers (finding what to expire). Same
        guard as `system_in_tenant`; writes in it are refused."""
        if self._ctx.tenant_id or self._ctx.user_id:
            raise Forbidden("System work cannot run on behalf of a caller")
        log.debug("tenant.system_read", reason=reason)
        with self._factory() as session:
            session.info["tenant_id"] = None
            session.info["all_tenants"] = True
            with session.begin():
                yield session

    @contextmanager
    def read_all_tenants(self) -> Iterator[Session]:
        """Read-only session across every tenant, for the sub-district operator's
        figures. Refused to anyone without the `operator` role; any write in it is
        refused; on PostgreSQL the RLS read policies admit it via `app.all_tenants`."""
        _ = self._ctx.tenant  # still needs a caller with a tenant (raises TenantRequired)
        self._ctx.require_role("operator")
        with self._factory() as session:
            session.info["tenant_id"] = self._ctx.tenant
            session.info["all_tenants"] = True
            with session.begin():
                yield session
