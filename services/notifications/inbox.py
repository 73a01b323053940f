"""A person's inbox: their messages, newest first; read and unread; the short link `/n/<code>` opened by
its own reader only (anyone else's code is not found, like a code that does not exist)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.common.errors import NotFound
from services.common.pagination import Key, Page, keyset_page
from services.notifications.contracts.messages import LINK_NOT_FOUND, MESSAGE_NOT_FOUND
from services.notifications.models import Message


def page(*, session: Session, user_id: str, limit: int, after: str | None, unread_only: bool = False) -> Page[Any]:
    query = select(Message).where(Message.user_id == user_id)
    if unread_only:
        query = query.where(Message.read_at.is_(None))
    return keyset_page(session, query, keys=[Key(Message.created_at, descending=True),
                                             Key(Message.id, descending=True)], limit=limit, after=after)


def unread_count(*, session: Session, user_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(Message).where(
        Message.user_id == user_id, Message.read_at.is_(None))) or 0)


def get_own(*, session: Session, user_id: str, message_id: str) -> Message:
    message = session.get(Message, message_id) if message_id else None
    if message is None or message.user_id != user_id:
        raise NotFound(MESSAGE_NOT_FOUND, {"id": message_id})
    return message


def mark_read(*, session: Session, user_id: str, message_id: str, now: datetime) -> Message:
    message = get_own(session=session, user_id=user_id, message_id=message_id)
    if message.read_at is None:
        message.read_at = now
        session.flush()
    return message


def mark_all_read(*, session: Session, user_id: str, now: datetime) -> int:
    result: Any = session.execute(update(Message).where(Message.user_id == user_id, Message.read_at.is_(None))
                                  .values(read_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def open_link(*, session: Session, user_id: str, code: str, now: datetime) -> Message:
    message = session.scalar(select(Message).where(Message.short_code == str(code)[:16])) if code else None
    if message is None or message.user_id != user_id:
        raise NotFound(LINK_NOT_FOUND, {"code": code})
    if message.read_at is None:
        message.read_at = now
        session.flush()
    return message
