"""The points service's words, as codes: enumerated values shown to people and the messages of its
refusals. English here; the Chinese in services/points/translations (see services.common.messages)."""

from __future__ import annotations

from services.common.messages import choice, enumeration

# --- enumerations ----------------------------------------------------------------------

# What an act was for: the category of an award, a rule, the honour board.
CATEGORIES = enumeration(
    "points.category",
    choice("volunteer", "Volunteering"),
    choice("first_aid", "First aid"),
    choice("anti_fraud", "Fighting fraud"),
    choice("training", "Learning"),
    choice("governance", "Community affairs"),
    choice("neighbourly", "Helping neighbours"),
    choice("other", "Other"),
)

# The other services' events an earning rule can read (services.points.awards.EVENT_SOURCES reads them).
EVENT_TYPES = enumeration(
    "points.event_type",
    choice("training.session_attended", "A class attended"),
    choice("training.certificate_issued", "A certificate earned"),
    choice("governance.duty_completed", "A volunteer duty done"),
)

# The honour board's periods.
PERIODS = enumeration(
    "points.period",
    choice("week", "This week"),
    choice("month", "This month"),
    choice("year", "This year"),
    choice("all", "All time"),
)

# A voucher's state.
REDEMPTION_STATUSES = enumeration(
    "points.redemption_status",
    choice("pending", "Ready to use"),
    choice("confirmed", "Used"),
    choice("cancelled", "Cancelled"),
    choice("expired", "Expired"),
)

# A large manual award's request for a second staff member's approval.
REQUEST_STATUSES = enumeration(
    "points.request_status",
    choice("pending", "Waiting for approval"),
    choice("approved", "Approved"),
    choice("rejected", "Rejected"),
)
