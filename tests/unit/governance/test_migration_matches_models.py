"""The hand-written migration and models.py describe the same tables, and every
domain table is under row-level security."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.common.migrate import upgrade
from services.governance.models import Base


def test_migrating_an_empty_database_gives_exactly_the_tables_of_the_models(tmp_path):
    url = f"sqlite:///{tmp_path}/governance.sqlite3"
    upgrade("governance", url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_every_domain_table_is_tenant_owned_and_listed_for_row_level_security():
    import importlib

    migration = importlib.import_module("services.governance.migrations.versions.0002_governance")
    # every service's own tables
    domain = set(Base.metadata.tables) - {"outbox_events", "processed_events", "members", "tenant_crossings"}
    assert set(migration.TABLES) | {"secret_ballot_inbox"} == domain
    assert all("tenant_id" in Base.metadata.tables[t].c for t in domain)
    for table in domain:
        indexed = [i for i in Base.metadata.tables[table].indexes if len(i.columns) > 1]
        assert all(list(i.columns)[0].name == "tenant_id" for i in indexed), table


def test_the_tables_shared_with_a_councils_audience_are_exactly_the_shareable_models_and_get_shareable_policies():
    import importlib

    from services.common.database import Shareable

    migration = importlib.import_module(
        "services.governance.migrations.versions.0003_shared_councils_and_ballot_mixing")
    shareable = {m.class_.__tablename__ for m in Base.registry.mappers if issubclass(m.class_, Shareable)}
    assert set(migration.SHARED_TABLES) | {"assets"} == shareable
