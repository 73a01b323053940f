"""Governance over HTTP with the platform running: people for the council, and a
look into the service's outbox (as its owner) to see which events a change wrote."""

from __future__ import annotations

import itertools
import random
import time

import pytest
import sqlalchemy as sa

from services.common.database import driver_url

API = "/api/v1/governance"
_RUN = random.randrange(10_000, 99_999)
_SEQ = itertools.count(1)


def new_phone() -> str:
    """11 digits starting with 132, unique in this run."""
    return f"132{_RUN:05d}{next(_SEQ):03d}"


def add(platform, key, tenant_id, *roles, name=None):
    if key not in platform.people:
        platform.add_person(key, phone=new_phone(), name=name or key, tenant_id=tenant_id,
                            roles=tuple(roles or ("resident",)))
    return platform.people[key]


class Gov:
    """A signed-in caller of /api/v1/governance."""

    def __init__(self, platform, key):
        self.platform = platform
        self.http = platform.session(key)
        self.user_id = platform.people[key].user_id

    def url(self, path):
        return self.platform.url(API + path)

    def get(self, path, **kw):
        return self.http.get(self.url(path), timeout=30, **kw)

    def post(self, path, json=None, **kw):
        return self.http.post(self.url(path), json=json if json is not None else {}, timeout=30, **kw)

    def patch(self, path, json, **kw):
        return self.http.patch(self.url(path), json=json, timeout=30, **kw)

    def put(self, path, json, **kw):
        return self.http.put(self.url(path), json=json, timeout=30, **kw)

    def delete(self, path, **kw):
        return self.http.delete(self.url(path), timeout=30, **kw)


def ok(response, status=200):
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


@pytest.fixture(scope="session")
def gov(platform):
    return lambda key: Gov(platform, key)


@pytest.fixture(scope="session")
def outbox_rows(platform):
    """`outbox_rows(event_type, subject=None)` → envelopes the governance service wrote (read as the owner)."""
    engine = sa.create_engine(driver_url(platform.infra.owner_url("governance")))

    def rows(event_type, subject=None, wait=0.0):
        deadline = time.monotonic() + wait
        while True:
            with engine.connect() as conn:
                found = [r[0] for r in conn.execute(sa.text(
                    "SELECT envelope FROM outbox_events WHERE event_type = :t ORDER BY seq"), {"t": event_type})]
            if subject is not None:
                found = [e for e in found if e.get("subject") == subject]
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(0.5)

    rows.engine = engine
    yield rows
    engine.dispose()
