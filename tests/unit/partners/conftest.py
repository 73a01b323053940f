"""Gateway tables on a SQLite file, with two tenants and a partner tenant."""

from __future__ import annotations

import pytest

from tests.support.sessions import COMMUNITIES, gateway_database


@pytest.fixture
def gateway_session(tmp_path):
    with gateway_database(tmp_path, tenants=(*COMMUNITIES, ("hospital", "partner"))) as session:
        yield session
