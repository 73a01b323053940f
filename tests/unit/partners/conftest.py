"""Gateway tables on a SQLite file, with two tenants and a partner tenant."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker

from gateway import identity
from gateway.models import Base
from services.common.database import make_engine


@pytest.fixture
def gateway_session(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/gateway.sqlite3")
    Base.metadata.create_all(engine)
    session = sessionmaker(engine, expire_on_commit=False)()
    with session.begin():
        for tenant_id, kind in (("xiangyang", "community"), ("dongxin", "community"), ("hospital", "partner")):
            identity.create_tenant(session=session, tenant_id=tenant_id, name=tenant_id, kind=kind)
    yield session
    session.close()
    engine.dispose()
