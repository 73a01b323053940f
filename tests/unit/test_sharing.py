"""Sharing across tenants is explicit: a Shareable row is read by the tenants in its
audience and changed only by its owner; operators read across tenants but never write."""

import pytest
from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from services.common.context import CallContext
from services.common.database import (
    Shareable,
    TenantSession,
    WorkerDatabase,
    announce,
    announced,
    make_engine,
    new_id,
    read_in_tenant,
    service_base,
    write_in_tenant,
)
from services.common.errors import Forbidden

Base = service_base("sharing_unit")


class Post(Shareable, Base):
    __tablename__ = "posts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(50))


class PublicNotice(Base):
    """Public by design: no tenant."""

    __tablename__ = "public_notices"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(50))


@pytest.fixture
def factory():
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, class_=TenantSession, expire_on_commit=False)
    engine.dispose()


def _session(factory, tenant_id):
    session = factory()
    session.info["tenant_id"] = tenant_id
    return session


def _titles(factory, tenant_id):
    with _session(factory, tenant_id) as s, s.begin():
        return sorted(s.scalars(select(Post.title)))


@pytest.fixture
def posts(factory):
    with _session(factory, "alliance") as s, s.begin():
        s.add(Post(title="all", audience=Shareable.audience_for(None, everyone=True)))
        s.add(Post(title="two", audience=Shareable.audience_for(["xiangyang", "dongxin"])))
        s.add(Post(title="own", audience=""))


def test_each_tenant_sees_what_was_shared_with_it(factory, posts):
    assert _titles(factory, "alliance") == ["all", "own", "two"]
    assert _titles(factory, "xiangyang") == ["all", "two"]
    assert _titles(factory, "huanqiu") == ["all"]


def test_a_tenant_it_was_shared_with_cannot_change_it(factory, posts):
    with _session(factory, "xiangyang") as s, pytest.raises(Forbidden), s.begin():
        post = s.scalars(select(Post).where(Post.title == "two")).one()
        post.title = "changed"
    with _session(factory, "xiangyang") as s, s.begin():
        assert s.execute(update(Post).values(title="bulk")).rowcount == 0
    assert _titles(factory, "alliance") == ["all", "own", "two"]


def test_audience_round_trips():
    assert Shareable.audience_tenants(Shareable.audience_for(["b", "a", "b"])) == ["a", "b"]
    assert Shareable.audience_tenants("*") == "*"
    assert Shareable.audience_for([]) == ""


def test_only_an_operator_reads_across_tenants_and_cannot_write_there(factory, posts):
    with _session(factory, "xiangyang") as s, s.begin():
        s.add(Post(title="xy-private"))
    staff = WorkerDatabase(factory, Base, CallContext(tenant_id="xiangyang", user_id="s", roles=frozenset({"staff"})))
    with pytest.raises(Forbidden), staff.read_all_tenants():
        pass
    operator = WorkerDatabase(factory, Base, CallContext(tenant_id="subdistrict", user_id="o",
                                                         roles=frozenset({"operator"})))
    with operator.read_all_tenants() as session:
        assert sorted(session.scalars(select(Post.title))) == ["all", "own", "two", "xy-private"]
    with pytest.raises(Forbidden), operator.read_all_tenants() as session:
        session.add(Post(title="sneaky", tenant_id="subdistrict"))


def _crossings(factory, tenant: str) -> list[tuple[str, str | None, str, str]]:
    with _session(factory, tenant) as s, s.begin():
        return [(c.acting_tenant, c.user_id, c.mode, c.reason)
                for c in s.scalars(select(Base.TenantCrossing).order_by(Base.TenantCrossing.id))]


def test_a_cross_tenant_write_lands_in_the_named_tenant_and_is_recorded_there(factory):
    resident = WorkerDatabase(factory, Base, CallContext(tenant_id="xiangyang", user_id="u1"))
    with resident.write_in_tenant("alliance", reason="apply to a shared post") as tx:
        tx.session.add(Post(title="application"))
        event_id = announce(tx.session, "applied", {"post": "p"})
    with _session(factory, "alliance") as s, s.begin():
        assert s.scalars(select(Post.title)).all() == ["application"]
        outbox = s.scalars(select(Base.Outbox)).one()
        assert outbox.tenant_id == "alliance" and outbox.event_id == event_id
        assert outbox.envelope["tenantid"] == "alliance"
    assert _titles(factory, "xiangyang") == []
    # who came in, from where, why: recorded where the data lives
    assert _crossings(factory, "alliance") == [("xiangyang", "u1", "write", "apply to a shared post")]
    assert _crossings(factory, "xiangyang") == []


def test_in_ones_own_tenant_the_write_form_is_the_plain_unit_of_work_and_records_nothing(factory):
    resident = WorkerDatabase(factory, Base, CallContext(tenant_id="xiangyang", user_id="u1"))
    with resident.write_in_tenant("xiangyang", reason="no crossing") as tx:
        tx.session.add(Post(title="at home"))
    assert _titles(factory, "xiangyang") == ["at home"]
    assert _crossings(factory, "xiangyang") == []


def test_the_read_form_sees_the_other_tenant_refuses_writes_and_is_recorded(factory, posts):
    resident = WorkerDatabase(factory, Base, CallContext(tenant_id="xiangyang", user_id="u1"))
    with resident.read_in_tenant("alliance", reason="count the seats where they live") as tx:
        assert "own" in tx.session.scalars(select(Post.title)).all()
    with pytest.raises(Forbidden), resident.read_in_tenant("alliance", reason="a read that tries to write") as tx:
        tx.session.add(Post(title="sneaky"))
    assert "sneaky" not in _titles(factory, "alliance")
    assert ("xiangyang", "u1", "read", "count the seats where they live") in _crossings(factory, "alliance")


def test_the_read_form_inside_a_transaction_switches_back_and_refuses_writes_only_in_its_block(factory, posts):
    resident = WorkerDatabase(factory, Base, CallContext(tenant_id="xiangyang", user_id="u1"))
    with resident.transaction() as tx:
        with read_in_tenant(tx.session, "alliance", reason="is this person in the audience"):
            assert "own" in tx.session.scalars(select(Post.title)).all()
        tx.session.add(Post(title="home, after the look"))
    assert "home, after the look" in _titles(factory, "xiangyang")
    with (pytest.raises(Forbidden), resident.transaction() as tx,
          read_in_tenant(tx.session, "alliance", reason="test")):
        tx.session.add(Post(title="sneaky"))
    assert ("xiangyang", "u1", "read", "is this person in the audience") in _crossings(factory, "alliance")


def test_system_work_is_refused_to_anyone_with_a_caller():
    caller = WorkerDatabase(None, Base, CallContext(tenant_id="xiangyang", user_id="u1"))
    with pytest.raises(Forbidden), caller.system_in_tenant("xiangyang", reason="sneaky"):
        pass
    with pytest.raises(Forbidden), caller.system_read_all_tenants(reason="sneaky"):
        pass


def test_system_work_without_a_caller_reads_everywhere_and_writes_where_it_says(factory, posts):
    system = WorkerDatabase(factory, Base, CallContext())
    with system.system_read_all_tenants(reason="test") as session:
        assert sorted(session.scalars(select(Post.title))) == ["all", "own", "two"]
    with system.system_in_tenant("alliance", reason="test") as tx:
        tx.session.scalars(select(Post).where(Post.title == "own")).one().title = "own-updated"
    assert "own-updated" in _titles(factory, "alliance")


def test_writing_in_another_tenant_within_one_transaction_commits_both_halves_or_neither(factory):
    resident = WorkerDatabase(factory, Base, CallContext(tenant_id="xiangyang", user_id="u1"))
    with pytest.raises(RuntimeError), resident.transaction() as tx:
        tx.session.add(Post(title="home half"))
        with write_in_tenant(tx.session, "merchants", reason="test"):
            tx.session.add(Post(title="partner half"))
        raise RuntimeError("something failed after both halves")
    assert _titles(factory, "xiangyang") == [] and _titles(factory, "merchants") == []
    with resident.transaction() as tx:
        tx.session.add(Post(title="home half"))
        with write_in_tenant(tx.session, "merchants", reason="test"):
            tx.session.add(Post(title="partner half"))
        tx.session.add(Post(title="home again"))
    assert _titles(factory, "xiangyang") == ["home again", "home half"]
    assert _titles(factory, "merchants") == ["partner half"]
    assert _crossings(factory, "merchants") == [("xiangyang", "u1", "atomic", "test")]  # the one that committed


def test_an_event_about_a_person_can_be_published_to_their_community_in_the_same_transaction(factory):
    college = WorkerDatabase(factory, Base, CallContext(tenant_id="college", user_id="mentor"))
    with college.transaction() as tx:
        tx.session.add(Post(title="attendance"))
        announce(tx.session, "session_attended", {"user_id": "u1"}, tenant_id="xiangyang")
        announce(tx.session, "roster_changed", {})
        assert [e["tenantid"] for e in announced(tx.session)] == ["xiangyang", "college"]
    with _session(factory, "xiangyang") as s, s.begin():
        outbox = s.scalars(select(Base.Outbox)).all()
        assert [(e.envelope["tenantid"], e.headers["tenant_id"]) for e in outbox] == [("xiangyang", "xiangyang")]
    with _session(factory, "college") as s, s.begin():
        assert [e.event_type for e in s.scalars(select(Base.Outbox))] == ["roster_changed"]
        assert s.scalars(select(Post.title)).all() == ["attendance"]


def test_a_public_read_sees_public_tables_only_and_cannot_write(factory, posts):
    with _session(factory, "college") as s, s.begin():
        s.add(PublicNotice(title="certificate FC-1"))
    anonymous = WorkerDatabase(factory, Base, CallContext())
    with anonymous.public_read() as session:
        assert session.scalars(select(PublicNotice.title)).all() == ["certificate FC-1"]
        assert session.scalars(select(Post)).all() == []
    with pytest.raises(Forbidden), anonymous.public_read() as session:
        session.add(PublicNotice(title="forged"))
