"""From a posted form to the payload a service expects, and from a service's
refusal back to messages beside the fields.

The service validates every payload itself (it is the authority); these
functions only change HTML's strings into the JSON types the contract names,
so a wrong value reaches the service's own validation and comes back with its
field messages rather than being judged twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from gateway import words
from services.common.errors import FengchaoError, ValidationFailed

# The sub-district's clock: people type and read times in Beijing time; the API speaks UTC offsets.
LOCAL_TIME = ZoneInfo("Asia/Shanghai")

# A posted form (`request.form`) or anything read like one.
Form = Mapping[str, str]


def text(form: Form, name: str) -> str | None:
    """A trimmed text field; empty is absent (None)."""
    value = (form.get(name) or "").strip()
    return value or None


def integer(form: Form, name: str) -> Any:
    """An integer field; a non-number is passed on as typed, for the service to refuse by name."""
    value = text(form, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value


def local_datetime(form: Form, name: str) -> str | None:
    """A `datetime-local` field (Beijing time, no offset) as ISO 8601 with its offset;
    anything unreadable is passed on as typed, for the service to refuse by name."""
    value = text(form, name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TIME)
    return moment.isoformat()


def show_local(value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO 8601 time from a service, shown in Beijing time (template filter `localtime`)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime(fmt)
    return moment.astimezone(LOCAL_TIME).strftime(fmt)


def boolean(form: Form, name: str) -> bool:
    return form.get(name) in ("on", "true", "1", "yes")


def compact(payload: dict[str, Any]) -> dict[str, Any]:
    """Leaves out fields the person left empty, so that the contract's defaults apply."""
    return {key: value for key, value in payload.items() if value is not None}


def field_errors(error: FengchaoError, known: Iterable[str] = ()) -> tuple[dict[str, list[str]], str | None]:
    """(messages by field, message for the whole form). Field messages for fields
    the form does not show go to the whole form, so none is lost."""
    words.localize(error)  # the gateway's own refusals too (a service's were worded on arrival)
    if not isinstance(error, ValidationFailed):
        return {}, error.detail
    known = set(known)
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for name, messages in error.fields.items():
        flat = flatten(messages)
        if name in known:
            by_field[name] = flat
        else:
            general.extend(f"{name}: {m}" for m in flat)
    return by_field, "; ".join(general) or (None if by_field else error.detail)


def flatten(messages: Any) -> list[str]:
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        return [m for key, value in messages.items() for m in (f"{key}: {v}" for v in flatten(value))]
    if isinstance(messages, (list, tuple)):
        return [m for value in messages for m in flatten(value)]
    return [str(messages)]
