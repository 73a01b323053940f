"""The staff team's daily summary: "3 new voice items today" (今天有 3 条新的民情诉求).

Each `governance.voice_submitted` is kept as one `voice_items` row (its voice id and when it was
submitted; never who wrote it: an anonymous item names nobody, and the summary needs nobody's name). A
redelivered event adds nothing (the row's key is the voice id).

Once a day, at the summary hour (default 18:00 in Asia/Shanghai), `send(now=)` counts the items of the
day that just ended — the 24 hours up to that hour — and, when there are any, writes ONE `voice_items_today`
message to each of the tenant's staff (members table) and one robot delivery to the team's robot if one is
set. The message's event id is `voice_items_today:<date>`: the messages' unique constraint makes the summary
once per (tenant, day) however often the timer runs. Pure rules over a session: no broker, no nameko."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.notifications import fanout
from services.notifications.models import VoiceItem

KIND = "voice_items_today"
LINK = "/web/staff/voice"
SUMMARY_HOUR = 18  # the default hour of the day, in TIME_ZONE
TIME_ZONE = "Asia/Shanghai"


def record_voice(*, session: Session, data: Mapping[str, Any], received_at: datetime) -> bool:
    """Count one submitted voice item (once: a second delivery of it adds nothing). True when new."""
    voice_id = str(data.get("voice_id") or "")
    if not voice_id or session.get(VoiceItem, (session.info["tenant_id"], voice_id)) is not None:
        return False
    submitted = data.get("submitted_at")
    if isinstance(submitted, str):
        try:
            submitted = datetime.fromisoformat(submitted.replace("Z", "+00:00"))
        except ValueError:
            submitted = None
    if not isinstance(submitted, datetime):
        submitted = received_at
    if submitted.tzinfo is None:
        submitted = submitted.replace(tzinfo=UTC)
    session.add(VoiceItem(voice_id=voice_id, submitted_at=submitted.astimezone(UTC)))
    session.flush()
    return True


def last_summary(now: datetime, hour: int = SUMMARY_HOUR, zone: str = TIME_ZONE) -> tuple[str, datetime, datetime]:
    """(the day, the start, the end) of the latest summary due at `now`: the day ends at `hour` o'clock
    local time; it covers the 24 hours before."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    end = datetime.combine(local.date(), time(hour), tzinfo=tz)
    if end > local:
        end -= timedelta(days=1)
    end = datetime.combine(end.date(), time(hour), tzinfo=tz)  # the wall clock hour, across a DST change
    start = datetime.combine(end.date() - timedelta(days=1), time(hour), tzinfo=tz)
    return end.date().isoformat(), start.astimezone(UTC), end.astimezone(UTC)


def count(session: Session, start: datetime, end: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(VoiceItem).where(
        VoiceItem.submitted_at >= start, VoiceItem.submitted_at < end)) or 0)


def send(*, session: Session, now: datetime, hour: int = SUMMARY_HOUR) -> int:
    """The summary of the day that ended at the latest summary hour before `now`, in the session's tenant:
    the number of staff messages written (the team robot's is besides), 0 when there was nothing new or it
    was already sent."""
    day, start, end = last_summary(now, hour)
    items = count(session, start, end)
    if items == 0:
        return 0
    the_plan = fanout.Plan(KIND, LINK, staff=True, params={"count": items})
    staff = fanout.recipients(session, the_plan, None)
    made = fanout.create_messages(session=session, event_id=f"{KIND}:{day}", the_plan=the_plan, user_ids=staff,
                                  now=now)
    return len(made)


def tenants_due(session: Session, now: datetime, hour: int = SUMMARY_HOUR) -> list[str]:
    """The tenants (all the session sees) with items in the day of the latest summary due at `now`."""
    _, start, end = last_summary(now, hour)
    return sorted(set(session.scalars(select(VoiceItem.tenant_id).where(
        VoiceItem.submitted_at >= start, VoiceItem.submitted_at < end).distinct())))
