"""The gateway's own database session: one per request, closed at teardown."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session, sessionmaker

from services.common.database import make_engine


class IdentityStore:
    def __init__(self, url: str):
        self.engine = make_engine(url, pool_size=8)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)


def session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["fengchao.identity"].factory()
    return g.db_session


def close_session(_exc=None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
