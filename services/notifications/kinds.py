"""The message kinds: which are urgent (they pass quiet hours, the digest and a person's daily limits),
which are for the community's staff, and which channels each uses until a person chooses otherwise.

Defaults (docs/notifications.md): the inbox always; urgent kinds SMS and push; the rest push only;
staff kinds the inbox and the team's robot; a staff broadcast SMS and push, but only over the channels the
staff member chose for it (a water cut-off sent by SMS reaches everyone who has not switched it off)."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.contracts.messages import TEMPLATES

PERSON_CHANNELS = ("sms", "push")  # what a person switches per kind; the inbox is always on
SENT_CHANNELS = ("sms", "push", "robot")  # channels that leave the platform (a `deliveries` row each)


@dataclass(frozen=True)
class Kind:
    code: str
    urgent: bool = False
    staff: bool = False
    sms_unless_refused: bool = False  # SMS on by default although not urgent (the sender chose the channel)

    @property
    def default_channels(self) -> dict[str, bool]:
        """The person's channels before they chose: inbox always, SMS for urgent kinds and broadcasts."""
        if self.staff:
            return {"inbox": True, "sms": False, "push": False}
        return {"inbox": True, "sms": self.urgent or self.sms_unless_refused, "push": True}


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("vote_opened"),
    Kind("vote_closing"),
    Kind("vote_result"),
    Kind("council_session_invited"),
    Kind("council_session_reminder"),
    Kind("voice_answered"),
    Kind("duty_tomorrow"),
    Kind("waitlist_promoted", urgent=True),
    Kind("class_tomorrow"),
    Kind("class_moved"),
    Kind("class_cancelled"),
    Kind("certificate_issued"),
    Kind("application_progressed"),
    Kind("wage_follow_up"),
    Kind("case_update", urgent=True),
    Kind("fair_tomorrow"),
    Kind("points_awarded"),
    Kind("points_expiring"),
    Kind("voucher_expiring", urgent=True),
    Kind("award_awaiting_approval", staff=True),
    Kind("voice_items_today", staff=True),
    Kind("broadcast", sms_unless_refused=True),
)}

# Every kind has its words; `digest` is the fold of several messages, not a kind a person switches.
assert set(KINDS) <= set(TEMPLATES), set(KINDS) - set(TEMPLATES)


def kind(code: str) -> Kind:
    return KINDS[code]
