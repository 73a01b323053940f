"""The gateway's own database session: one per request, closed at teardown."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from flask import current_app, g
from sqlalchemy.orm import Session, sessionmaker

from services.common.database import make_engine


class IdentityStore:
    def __init__(self, url: str):
        self.engine = make_engine(url, pool_size=8)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        # Same pool; each connection checked out through it runs in autocommit until it goes back.
        self.autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")


def session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["fengchao.identity"].factory()
    return cast(Session, g.db_session)


@contextmanager
def credential_check() -> Iterator[Session]:
    """A session for the credential check every request makes (one read statement): in autocommit, so
    the check costs that statement's round trip and no BEGIN and COMMIT around it. Never for writes."""
    with Session(bind=current_app.extensions["fengchao.identity"].autocommit_engine) as checking:
        yield checking


def close_session(_exc: BaseException | None = None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
