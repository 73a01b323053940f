"""Governance's figures: how fast "Couriers have a say" (小哥有话讲) items get their first answer, per
community. The same API as every service's figures (`figures(session=, tenant_ids=, since=, until=)`);
`voice_stats` is the community staff's view of their own.

Pure rules over a session; no broker, no nameko.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.access import require_staff
from services.common.context import CallContext
from services.common.database import utcnow
from services.governance.contracts.messages import STAFF_FIGURES_ONLY
from services.governance.models import VoiceItem

AWAITING = ("submitted", "acknowledged")


def figures(*, session: Session, tenant_ids: Sequence[str] | None, since: datetime | None = None,
            until: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per tenant (each of `tenant_ids` present, or every tenant the session reads when None): the
    voice items raised in [since, until), how many await an answer, the median and 90th percentile
    hours to the first answer, and how long the oldest unanswered one has waited at `until` (now)."""
    until_ = until or utcnow()
    scope = []
    if tenant_ids is not None:
        scope.append(VoiceItem.tenant_id.in_(list(tenant_ids)))
    if since is not None:
        scope.append(VoiceItem.created_at >= since)
    if until is not None:
        scope.append(VoiceItem.created_at < until)
    by_status: dict[str, dict[str, int]] = {t: {} for t in tenant_ids or ()}
    for tenant_id, status, count in session.execute(
            select(VoiceItem.tenant_id, VoiceItem.status, func.count()).where(*scope)
            .group_by(VoiceItem.tenant_id, VoiceItem.status)).all():
        by_status.setdefault(tenant_id, {})[status] = count
    hours: dict[str, list[float]] = {}
    for tenant_id, created, answered in session.execute(
            select(VoiceItem.tenant_id, VoiceItem.created_at, VoiceItem.first_answered_at)
            .where(*scope, VoiceItem.first_answered_at.is_not(None))).all():
        hours.setdefault(tenant_id, []).append((answered - created).total_seconds() / 3600)
    oldest = dict(session.execute(
        select(VoiceItem.tenant_id, func.min(VoiceItem.created_at))
        .where(*scope, VoiceItem.first_answered_at.is_(None), VoiceItem.status.in_(AWAITING))
        .group_by(VoiceItem.tenant_id)).all())
    result = {}
    for tenant_id, statuses in by_status.items():
        answered = sorted(hours.get(tenant_id, []))
        waiting = oldest.get(tenant_id)
        result[tenant_id] = {
            "items": sum(statuses.values()),
            "awaiting_answer": sum(statuses.get(s, 0) for s in AWAITING),
            "answered": len(answered),
            "median_hours_to_first_answer": round(_percentile(answered, 50), 2) if answered else None,
            "p90_hours_to_first_answer": round(_percentile(answered, 90), 2) if answered else None,
            "oldest_waiting_hours": round((until_ - _aware(waiting)).total_seconds() / 3600, 2) if waiting else None,
            "by_status": statuses,
        }
    return result


def voice_stats(*, session: Session, ctx: CallContext, now: datetime | None = None) -> dict[str, Any]:
    """The community's own figures, for its staff (the `voice_stats` answer)."""
    require_staff(ctx, STAFF_FIGURES_ONLY)
    tenant_id = ctx.tenant
    return {"tenant_id": tenant_id, **figures(session=session, tenant_ids=[tenant_id], until=now)[tenant_id]}


def _percentile(ordered: list[float], p: float) -> float:
    """Linear interpolation between closest ranks."""
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _aware(value: datetime) -> datetime:
    # Aggregates bypass the column type, so SQLite hands back a naive (UTC) value.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
