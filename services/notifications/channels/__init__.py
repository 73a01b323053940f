"""PLACEHOLDER until the channels helper's package lands (the merge takes theirs): the interface of the
brief (Outgoing, DeliveryFailed, Channel, channel_for) with a recording implementation that sends
nothing. Every channel appends what it was given to `SENT`; `FAIL` makes the next sends on a channel
fail (tests)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Outgoing:
    message_id: str
    channel: str  # "sms" | "push" | "robot"
    address: str  # phone number | the push subscription as JSON | an apprise robot URL
    title: str
    body: str  # already rendered in the person's locale; SMS: <= 70 characters incl. the link
    link: str  # absolute short link


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Channel(Protocol):
    name: str

    def send(self, outgoing: Outgoing) -> None: ...


SENT: list[Outgoing] = []
FAIL: dict[str, DeliveryFailed] = {}


class RecordingChannel:
    def __init__(self, name: str):
        self.name = name

    def send(self, outgoing: Outgoing) -> None:
        failure = FAIL.get(self.name)
        if failure is not None:
            raise failure
        SENT.append(outgoing)


def channel_for(name: str, settings: Mapping[str, Any] | Any = None) -> Channel:
    return RecordingChannel(name)
