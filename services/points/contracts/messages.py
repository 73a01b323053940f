"""The points service's words, as codes: enumerated values shown to people and the messages of its
refusals. English here; the Chinese in services/points/translations (see services.common.messages)."""

from __future__ import annotations

from services.common.messages import choice, enumeration, message

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

# The groups of people `points.audience(group, ref)` answers (services.points.audiences), e.g. for a staff broadcast.
AUDIENCE_GROUPS = enumeration(
    "points.audience_group",
    choice("award_approvers", "Staff who may approve the award request"),
    choice("merchant_voucher_holders", "Residents holding a voucher of the merchant"),
)


# --- messages: why something was refused --------------------------------------------------

# the ledger
NOT_ENOUGH_POINTS = message("points.not_enough_points", "Not enough points")
KEY_REUSED = message("points.key_reused", "This idempotency key was used for another posting")
POSTING_NOT_FOUND = message("points.posting_not_found", "Posting not found")
ONLY_AWARDS_REVERSED = message("points.only_awards_reversed", "Only awards can be reversed")
ALREADY_REVERSED = message("points.already_reversed", "Already reversed")
MEMBER_NOT_FOUND = message("points.member_not_found", "No such member")
WHOLE_POINTS = message("points.whole_points", "Enter a whole number of points")

# earning rules and manual awards
RULE_NOT_FOUND = message("points.rule_not_found", "Rule not found")
RULE_MATCH_FIELDS = message("points.rule_match_fields", "Only fields this event has can be matched")
RULE_ONE_WAY = message("points.rule_one_way", "Set exactly one of points and points_per_hour")
RULE_NO_HOURS = message("points.rule_no_hours", "This event has no hours")
NOT_TO_YOURSELF = message("points.not_to_yourself", "You cannot award points to yourself")
REQUEST_NOT_FOUND = message("points.request_not_found", "Award request not found")
REQUEST_DECIDED = message("points.request_decided", "This request was already decided")
ANOTHER_APPROVER = message("points.another_approver", "Another staff member must approve this award")
NOT_APPROVE_OWN = message("points.not_approve_own", "You cannot approve an award to yourself")

# expiry
PAUSE_ENDS_BEFORE_START = message("points.pause_ends_before_start", "Must be after starts_at")
PAUSE_ENDS_IN_PAST = message("points.pause_ends_in_past", "Must be in the future")
PAUSE_TOO_LONG = message("points.pause_too_long", "A pause lasts at most 400 days")
EXPIRED_MEMO = message("points.expired_memo", "Points expired")  # the memo of an expiry posting

# agreements between communities
NO_AGREEMENT = message("points.no_agreement", "No agreement in force between these communities")
NO_AGREEMENT_WITH = message("points.no_agreement_with", "No agreement in force with these communities")
AGREEMENT_WITH_ITSELF = message("points.agreement_with_itself", "Not your own community")

# merchants, catalogue and vouchers
MERCHANT_NOT_FOUND = message("points.merchant_not_found", "Merchant not found")
CATALOGUE_MANAGERS = message("points.catalogue_managers", "Only the merchant or staff manage its catalogue")
ITEM_NOT_FOUND = message("points.item_not_found", "Item not found")
ITEM_UNAVAILABLE = message("points.item_unavailable", "This item is not available")
OVER_LIMIT = message("points.over_limit", "Over the limit per person")
OUT_OF_STOCK = message("points.out_of_stock", "Out of stock")
REDEMPTION_NOT_FOUND = message("points.redemption_not_found", "Redemption not found")
VOUCHER_NOT_FOUND = message("points.voucher_not_found", "Voucher not found")
VOUCHER_USED = message("points.voucher_used", "Voucher already used")
VOUCHER_CANCELLED = message("points.voucher_cancelled", "Voucher cancelled")
VOUCHER_EXPIRED = message("points.voucher_expired", "Voucher expired")
NOT_IN_THIS_STATE = message("points.not_in_this_state", "Not allowed in this state")

# audiences
UNKNOWN_AUDIENCE_GROUP = message("points.unknown_audience_group", "No such group of people in the moral bank")

# personal data: what an erased person's free text becomes
ERASED = message("points.erased", "(deleted with the account)")
