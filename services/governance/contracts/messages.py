"""The governance service's words, as codes (services.common.messages): what an error says and the
enumerated values a person reads. The Chinese comes from services/governance/translations."""

from __future__ import annotations

from services.common.messages import choice, enumeration, message

# --- lookups that answer 404 -------------------------------------------------------------------
ACTION_ITEM_NOT_FOUND = message("governance.action_item_not_found", "Action item not found")
ASSET_NOT_FOUND = message("governance.asset_not_found", "Asset not found")
BRANCH_NOT_FOUND = message("governance.branch_not_found", "Branch not found")
COUNCIL_NOT_FOUND = message("governance.council_not_found", "Council not found")
MEMBER_NOT_FOUND = message("governance.member_not_found", "Member not found")
PROJECT_NOT_FOUND = message("governance.project_not_found", "Project not found")
PROPOSAL_NOT_FOUND = message("governance.proposal_not_found", "Proposal not found")
RESOLUTION_NOT_FOUND = message("governance.resolution_not_found", "Resolution not found")
SESSION_NOT_FOUND = message("governance.session_not_found", "Session not found")
SIGNUP_NOT_FOUND = message("governance.signup_not_found", "Sign-up not found")
SLOT_NOT_FOUND = message("governance.slot_not_found", "Slot not found")
TALLY_NOT_FOUND = message("governance.tally_not_found", "Tally not found")
VOICE_NOT_FOUND = message("governance.voice_not_found", "Voice item not found")
VOTE_NOT_FOUND = message("governance.vote_not_found", "Vote not found")

# --- who may do what -----------------------------------------------------------------------------
MEMBERS_ONLY = message("governance.members_only", "Only members of this council can do this")
STAFF_FIGURES_ONLY = message("governance.staff_figures_only", "Only community staff see these figures")

# --- schemas ----------------------------------------------------------------------------------------
NOT_ONE_OF = message("governance.not_one_of", "Must be one of the listed values")

# --- enumerations: values a person reads ------------------------------------------------------------
STAKEHOLDER_GROUPS = enumeration(
    "governance.stakeholder_group",
    choice("resident", "Resident"),
    choice("courier", "Courier"),
    choice("property_manager", "Property manager"),
    choice("owners_committee", "Owners' committee"),
    choice("estate_officer", "Estate officer"),
    choice("community_staff", "Community staff"),
    choice("partner", "Partner unit"),
)
BALLOT_CHOICES = enumeration(
    "governance.ballot_choice",
    choice("agree", "Agree"),
    choice("abstain", "Abstain"),
    choice("disagree", "Disagree"),
    choice("block", "Block"),
)
CHANNELS = enumeration(
    "governance.channel",
    choice("online", "Online"),
    choice("in_room", "In the room"),
)
PROPOSAL_STATES = enumeration(
    "governance.proposal_status",
    choice("draft", "Draft"),
    choice("submitted", "Submitted"),
    choice("in_deliberation", "In deliberation"),
    choice("voting", "Being voted on"),
    choice("adopted", "Adopted"),
    choice("rejected", "Rejected"),
    choice("withdrawn", "Withdrawn"),
)
SESSION_STATES = enumeration(
    "governance.session_status",
    choice("scheduled", "Scheduled"),
    choice("held", "Held"),
    choice("cancelled", "Cancelled"),
)
ACTION_ITEM_STATES = enumeration(
    "governance.action_item_status",
    choice("open", "Not started"),
    choice("in_progress", "Under way"),
    choice("done", "Reported done"),
    choice("reopened", "Reopened"),
)
VOICE_CATEGORIES = enumeration(
    "governance.voice_category",
    choice("access", "Getting into estates"),
    choice("parking", "Parking"),
    choice("charging", "Battery charging"),
    choice("rest_stop", "Rest stops"),
    choice("safety", "Safety"),
    choice("traffic", "Traffic"),
    choice("sanitation", "Cleanliness"),
    choice("rights", "Pay and rights"),
    choice("services", "Community services"),
    choice("idea", "An idea"),
    choice("other", "Other"),
)
VOICE_STATES = enumeration(
    "governance.voice_status",
    choice("submitted", "Submitted"),
    choice("acknowledged", "Acknowledged"),
    choice("answered", "Answered"),
    choice("promoted", "Taken to the council"),
    choice("resolved", "Resolved"),
    choice("declined", "Declined"),
)
ASSIGNEE_KINDS = enumeration(
    "governance.assignee_kind",
    choice("property_manager", "Property manager"),
    choice("community", "Community"),
    choice("partner_unit", "Partner unit"),
    choice("owners_committee", "Owners' committee"),
    choice("estate_officer", "Estate officer"),
)
BRANCH_KINDS = enumeration(
    "governance.branch_kind",
    choice("residential", "Residential branch"),
    choice("building_group", "Building group"),
    choice("occupational", "Occupational branch"),
)
BRANCH_ROLES = enumeration(
    "governance.branch_role",
    choice("member", "Branch member"),
    choice("officer", "Branch officer"),
    choice("secretary", "Branch secretary"),
)
PROJECT_KINDS = enumeration(
    "governance.project_kind",
    choice("vanguard_project", "Vanguard-led project"),
    choice("key_small_matter", "Key small matter"),
)
ADOPTER_KINDS = enumeration(
    "governance.adopter_kind",
    choice("party_branch", "Party branch"),
    choice("partner_unit", "Partner unit"),
)
ASSET_KINDS = enumeration(
    "governance.asset_kind",
    choice("service_centre", "Party-mass service centre"),
    choice("service_station", "Service station"),
    choice("rest_stop", "Warm-bee rest stop"),
)
AMENITIES = enumeration(
    "governance.amenity",
    choice("water", "Drinking water"),
    choice("microwave", "Microwave"),
    choice("first_aid_kit", "First-aid kit"),
    choice("toilet", "Toilet"),
    choice("open_24h", "Open 24 hours"),
    choice("charging", "Phone and battery charging"),
    choice("wifi", "Wi-Fi"),
    choice("seating", "Seats"),
    choice("umbrella", "Umbrellas to borrow"),
    choice("air_conditioning", "Air conditioning"),
)
