"""A person's choices: per kind, SMS and push on or off (the inbox is always on); quiet hours and the
time zone they are read in; the daily digest. Without a row every default holds (kinds.Kind): urgent
kinds SMS and push, the rest push only, staff kinds the inbox (the team has its robot); quiet hours
23:00-07:00 Asia/Shanghai; no digest. A courier who sleeps by day sets quiet hours such as 09:00-17:00.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import ValidationFailed
from services.notifications.contracts.messages import BAD_TIME_ZONE
from services.notifications.kinds import KINDS, PERSON_CHANNELS
from services.notifications.models import Preference

DEFAULTS = {"quiet_start": "23:00", "quiet_end": "07:00", "time_zone": "Asia/Shanghai", "digest_enabled": False,
            "digest_hour": 19}


def defaults(user_id: str) -> Preference:
    """A person's preferences before they chose anything (not added to the session)."""
    return Preference(user_id=user_id, channels={}, **DEFAULTS)


def of(session: Session, user_id: str) -> Preference:
    return session.get(Preference, (session.info["tenant_id"], user_id)) or defaults(user_id)


def for_people(session: Session, user_ids: Iterable[str]) -> dict[str, Preference]:
    ids = list(user_ids)
    return {p.user_id: p for p in session.scalars(select(Preference).where(Preference.user_id.in_(ids)))} if ids \
        else {}


def channels(preference: Preference | None, kind: str) -> dict[str, bool]:
    """The channels of `kind` for a person: their choice where they made one, the kind's default elsewhere."""
    found = dict(KINDS[kind].default_channels)
    chosen = ((preference.channels or {}) if preference is not None else {}).get(kind) or {}
    for channel in PERSON_CHANNELS:
        if isinstance(chosen.get(channel), bool):
            found[channel] = chosen[channel]
    found["inbox"] = True
    return found


def view(preference: Preference) -> dict[str, Any]:
    return {
        "quiet_hours": {"start": preference.quiet_start, "end": preference.quiet_end},
        "time_zone": preference.time_zone,
        "digest": {"enabled": preference.digest_enabled, "hour": preference.digest_hour},
        "kinds": [{"kind": code, "urgent": spec.urgent, "staff": spec.staff, "channels": channels(preference, code)}
                  for code, spec in KINDS.items()],
    }


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULTS["time_zone"])


def update(*, session: Session, user_id: str, changes: dict[str, Any]) -> Preference:
    """Apply a partial change (the shape of `view`); the row is made on the first change."""
    if "time_zone" in changes:
        try:
            ZoneInfo(changes["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed.from_messages({"time_zone": [BAD_TIME_ZONE]}) from None
    row = session.get(Preference, (session.info["tenant_id"], user_id))
    if row is None:
        row = defaults(user_id)
        session.add(row)
    if "quiet_hours" in changes:
        row.quiet_start, row.quiet_end = changes["quiet_hours"]["start"], changes["quiet_hours"]["end"]
    if "time_zone" in changes:
        row.time_zone = changes["time_zone"]
    if "digest" in changes:
        row.digest_enabled, row.digest_hour = changes["digest"]["enabled"], changes["digest"]["hour"]
    if "kinds" in changes:
        chosen = dict(row.channels or {})
        for item in changes["kinds"]:
            current = dict(chosen.get(item["kind"]) or {})
            current.update({c: bool(v) for c, v in (item.get("channels") or {}).items() if c in PERSON_CHANNELS})
            chosen[item["kind"]] = current
        row.channels = chosen  # a new dict: the JSON column sees the change
    session.flush()
    return row


# --- quiet hours and the digest, in the person's time zone -----------------------------------------


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def quiet_until(preference: Preference, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if `now` is inside them; None otherwise. Overnight hours
    (23:00-07:00) and daytime ones (a courier asleep 09:00-17:00) alike; equal start and end: none."""
    local = now.astimezone(zone(preference.time_zone))
    start, end = _minutes(preference.quiet_start), _minutes(preference.quiet_end)
    if start == end:
        return None
    at = local.hour * 60 + local.minute
    inside = (start <= at < end) if start < end else (at >= start or at < end)
    if not inside:
        return None
    ends = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(now.tzinfo)


def next_digest(preference: Preference, now: datetime) -> datetime:
    """The next time the person's digest goes out (their digest hour, today or tomorrow)."""
    local = now.astimezone(zone(preference.time_zone))
    at = local.replace(hour=preference.digest_hour, minute=0, second=0, microsecond=0)
    if at <= local:
        at += timedelta(days=1)
    return at.astimezone(now.tzinfo)


def day_bounds(preference: Preference, now: datetime) -> tuple[datetime, datetime]:
    """The person's local day around `now`, in `now`'s zone (for the per-day limits)."""
    local = now.astimezone(zone(preference.time_zone))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(now.tzinfo), (start + timedelta(days=1)).astimezone(now.tzinfo)
