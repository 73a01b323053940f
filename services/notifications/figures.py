"""The figures of the staff deliveries page: per tenant, messages by kind, deliveries by channel and
status, and how many messages are unread. Every asked tenant present (zeros where nothing happened).

Pure rules over a session; no broker, no nameko."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.notifications.fanout import TEAM
from services.notifications.models import Delivery, Message


def figures(*, session: Session, tenant_ids: Sequence[str] | None, since: datetime | None = None,
            until: datetime | None = None) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {t: _zeros() for t in tenant_ids or ()}
    when_m, when_d = [], []
    if since is not None:
        when_m.append(Message.created_at >= since)
        when_d.append(Delivery.created_at >= since)
    if until is not None:
        when_m.append(Message.created_at < until)
        when_d.append(Delivery.created_at < until)
    for tenant_id, kind, count in session.execute(
            select(Message.tenant_id, Message.kind, func.count()).where(Message.user_id != TEAM, *when_m)
            .group_by(Message.tenant_id, Message.kind)).all():
        result.setdefault(tenant_id, _zeros())["messages"][kind] = int(count)
    for tenant_id, count in session.execute(
            select(Message.tenant_id, func.count()).where(Message.user_id != TEAM, Message.read_at.is_(None),
                                                          *when_m).group_by(Message.tenant_id)).all():
        result.setdefault(tenant_id, _zeros())["unread"] = int(count)
    for tenant_id, channel, status, count in session.execute(
            select(Delivery.tenant_id, Delivery.channel, Delivery.status, func.count()).where(*when_d)
            .group_by(Delivery.tenant_id, Delivery.channel, Delivery.status)).all():
        result.setdefault(tenant_id, _zeros())["deliveries"].setdefault(channel, {})[status] = int(count)
    if tenant_ids is not None:
        result = {t: result[t] for t in tenant_ids}
    return result


def _zeros() -> dict[str, Any]:
    return {"messages": {}, "deliveries": {}, "unread": 0}
