"""The channels a message leaves the platform by: `sms` (apprise, one provider URL for the deployment),
`push` (Web Push with VAPID, pywebpush) and `robot` (a tenant's staff-team WeCom / DingTalk / Feishu group
robot, apprise). The inbox is no channel: it is the messages row itself.

One interface (docs/notifications.md): the delivery code builds an `Outgoing` (text already rendered in the
person's language, the absolute short link, and the address: a phone number, a push subscription as JSON,
or an apprise robot URL), asks `channel_for(name)` for the channel and calls `send`. `send` returns when the
provider took the message and raises `DeliveryFailed` otherwise, with a reason staff can read and whether
trying again can help (`permanent`). A push failure is permanent only when the push service says the
subscription is gone (404/410, reason `SUBSCRIPTION_GONE`): the caller then forgets that subscription.

What leaves the platform is only the rendered text, the link and the address. Nothing here imports
nameko: the channels are plain functions over HTTP, usable from a script or a test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

CHANNEL_NAMES = ("sms", "push", "robot")
SUBSCRIPTION_GONE = "subscription gone"


@dataclass(frozen=True)
class Outgoing:
    message_id: str
    channel: str  # "sms" | "push" | "robot"
    address: str  # phone number | the push subscription as JSON | an apprise robot URL
    title: str
    body: str  # already rendered in the person's locale; SMS: <= 70 characters incl. the link
    link: str  # absolute short link, e.g. http://127.0.0.1:8000/n/Ab3dE9


class DeliveryFailed(Exception):
    """The provider did not take the message. `reason` is shown to staff (no address, no body);
    `permanent`: trying again cannot help (no retry)."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent

    def __repr__(self) -> str:
        return f"DeliveryFailed({self.reason!r}, permanent={self.permanent})"


class Channel(Protocol):
    name: str

    def send(self, outgoing: Outgoing) -> None: ...


Settings = Mapping[str, Any] | Callable[[str], Any] | Any


def setting(settings: Settings, name: str, default: str = "") -> str:
    """One NOTIFICATIONS_* value from `settings`: a mapping, a `get(name)` function or object (such as
    services.common.config), or None for the process's configuration (environment, else the documented
    default)."""
    if settings is None:
        from services.common import config

        settings = config
    try:
        if isinstance(settings, Mapping):
            value = settings.get(name, default)
        elif callable(settings):
            value = settings(name)
        else:
            value = settings.get(name)
    except KeyError:  # a setting this build of services.common.config does not know yet
        value = os.environ.get(name, default)
    return default if value is None else str(value)


def channel_for(name: str, settings: Settings = None) -> Channel:
    """The channel called `name`, configured from `settings` (see `setting`). Unknown names are a bug
    in the caller: ValueError."""
    if name == "sms":
        from services.notifications.channels.sms import SmsChannel

        return SmsChannel(setting(settings, "NOTIFICATIONS_SMS_URL"))
    if name == "push":
        from services.notifications.channels.webpush import PushChannel

        return PushChannel(private_key=setting(settings, "NOTIFICATIONS_VAPID_PRIVATE_KEY"),
                           subject=setting(settings, "NOTIFICATIONS_VAPID_SUBJECT"))
    if name == "robot":
        from services.notifications.channels.robot import RobotChannel

        return RobotChannel()
    raise ValueError(f"no channel called {name!r} (one of {', '.join(CHANNEL_NAMES)})")


__all__ = ["CHANNEL_NAMES", "SUBSCRIPTION_GONE", "Channel", "DeliveryFailed", "Outgoing", "channel_for", "setting"]
