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
UNKNOWN_AUDIENCE_GROUP = message("governance.unknown_audience_group",
                                 "Unknown group: one of vote_eligible, council_members, session_invitees, "
                                 "voice_author, duty_slot_signups")
STAFF_FIGURES_ONLY = message("governance.staff_figures_only", "Only community staff see these figures")

# --- what an act was refused for ---------------------------------------------------------------
OWNER_CHANGES_ONLY = message("governance.owner_changes_only", "Only the owning community can change this")
NOTHING_TO_CHANGE = message("governance.nothing_to_change", "Nothing to change")
NO_SUCH_PROJECT = message("governance.no_such_project", "No such project")
BRANCH_NAME_TAKEN = message("governance.branch_name_taken", "A branch with this name exists")
ENROL_OFFICERS_ONLY = message("governance.enrol_officers_only",
                              "Only staff and this branch's officers can enrol members")
ALREADY_IN_BRANCH = message("governance.already_in_branch", "Already a member of this branch")
ALREADY_IN_GRID = message("governance.already_in_grid", "Already in the grid force")
BRANCH_DATA_OFFICERS_ONLY = message("governance.branch_data_officers_only",
                                    "Branch data is for staff and the branch's officers")
ONE_BRANCH_PER_PERSON = message("governance.one_branch_per_person",
                                "One branch per person; only a floating party member is enrolled in two")
AT_MOST_TWO_BRANCHES = message("governance.at_most_two_branches",
                               "A floating party member is enrolled in at most two branches")
DUAL_ENROLMENT_KINDS = message("governance.dual_enrolment_kinds",
                               "Dual enrolment is one residential branch and one building-group or occupational branch")
NOT_A_COMMUNITY = message("governance.not_a_community", "Not a community id")
END_AFTER_START = message("governance.end_after_start", "Must end after it starts")
VENUE_OR_LINK = message("governance.venue_or_link", "Give a venue or an online link")
REVIEW_AFTER_EFFECTIVE = message("governance.review_after_effective", "Review must come after the effective date")
SAY_WHAT_IS_NOT_DONE = message("governance.say_what_is_not_done", "Say what is not done")
ANSWER_REQUIRED = message("governance.answer_required", "An answer is required")
DECLINE_REASON_REQUIRED = message("governance.decline_reason_required", "Give the reason for declining")
COUNCIL_REQUIRED = message("governance.council_required", "Choose the council")
BRANCH_REQUIRED = message("governance.branch_required", "Choose the branch")
PARTNER_UNIT_REQUIRED = message("governance.partner_unit_required", "Name the partner unit")
END_TIME_AFTER_START_TIME = message("governance.end_time_after_start_time", "end_time must be after start_time")
CLOSE_AFTER_OPEN = message("governance.close_after_open", "close must be after open (split overnight hours at 24:00)")
VOTE_WINDOW_TOO_SHORT = message("governance.vote_window_too_short",
                                "The window must be at least 24 hours so shift workers can vote")
VOTE_WINDOW_TOO_LONG = message("governance.vote_window_too_long", "The window can be at most 30 days")
COUNCIL_ARCHIVED = message("governance.council_archived", "The council is archived")
ALREADY_SIGNED_OFF = message("governance.already_signed_off", "Already signed off")
SIGN_OFF_MEMBERS_ONLY = message("governance.sign_off_members_only", "Only a member of this council can sign off")
SECOND_MEMBER_SIGNS_OFF = message("governance.second_member_signs_off",
                                  "A second member must sign off, not the one who entered it")
SIGN_OFF_PRESENT_ONLY = message("governance.sign_off_present_only", "Only a member who checked in can sign off")
SESSION_NOT_STARTED = message("governance.session_not_started", "The session has not started yet")
TALLY_AWAITS_SIGN_OFF = message("governance.tally_awaits_sign_off", "A show of hands awaits sign-off")
SESSION_CANCELLED = message("governance.session_cancelled", "The session is cancelled")
CHAIR_ONLY = message("governance.chair_only", "Only the chair of this session can enter a show of hands")
CHECK_IN_MEMBERS_ONLY = message("governance.check_in_members_only", "Only members of this council can check in")
CHECK_IN_CLOSED = message("governance.check_in_closed",
                          "Check-in is open from an hour before the session to an hour after")
WRONG_CHECK_IN_CODE = message("governance.wrong_check_in_code", "Wrong check-in code")
OWNER_SEATS_ONLY = message("governance.owner_seats_only", "Only the owning community seats members")
DUPLICATE_ACCOUNT = message("governance.duplicate_account", "The same account appears twice")
ALREADY_ON_COUNCIL = message("governance.already_on_council", "Already a member of this council")
ALREADY_ON_COUNCIL_MEANWHILE = message("governance.already_on_council_meanwhile",
                                       "Already a member of this council (added meanwhile)")
ADOPTING_OFFICERS_ONLY = message("governance.adopting_officers_only", "Only staff or the adopting branch's officers")
SLOT_STARTED = message("governance.slot_started", "This slot has already started")
ALREADY_SIGNED_UP = message("governance.already_signed_up", "You are already signed up")
SLOT_FULL = message("governance.slot_full", "Slot full")
SLOT_STARTED_NO_CANCEL = message("governance.slot_started_no_cancel", "The slot has started; it cannot be cancelled")
SLOT_NOT_STARTED = message("governance.slot_not_started", "The slot has not started yet")
DUTY_CHECK_IN_CLOSED = message("governance.duty_check_in_closed", "Check-in closed three days after the slot")
BRANCH_ADOPTION_OFFICERS_ONLY = message("governance.branch_adoption_officers_only",
                                        "Only staff or the branch's officers can adopt for it")
PARTNER_ADOPTION_STAFF_ONLY = message("governance.partner_adoption_staff_only",
                                      "Only community staff record a partner unit's adoption")
NO_SUCH_BRANCH = message("governance.no_such_branch", "No such branch")
COMMENTS_IN_DELIBERATION_ONLY = message("governance.comments_in_deliberation_only",
                                        "Comments are open while the proposal is in deliberation")
AUTHOR_SUBMITS_ONLY = message("governance.author_submits_only", "Only the author can submit")
DELIBERATION_STAFF_ONLY = message("governance.deliberation_staff_only", "Only community staff can open deliberation")
NOT_A_TOPIC_OF_COUNCIL = message("governance.not_a_topic_of_council", "Not a topic of this council")
WITHDRAW_AUTHOR_OR_STAFF = message("governance.withdraw_author_or_staff", "Only the author or staff can withdraw")
NOT_A_COMMENT_ON_PROPOSAL = message("governance.not_a_comment_on_proposal", "Not a comment on this proposal")
WITHDRAW_REASON_REQUIRED = message("governance.withdraw_reason_required", "Give a reason for withdrawing")
RESOLUTION_NEEDS_ADOPTION = message("governance.resolution_needs_adoption",
                                    "Only an adopted proposal becomes a resolution")
RESOLUTION_EXISTS = message("governance.resolution_exists", "This proposal already has a resolution")
PROGRESS_ASSIGNEE_OR_STAFF = message("governance.progress_assignee_or_staff",
                                     "Only the responsible party or staff can report progress")
ITEM_BEING_CONFIRMED = message("governance.item_being_confirmed",
                               "The item is marked done; residents are confirming it")
ITEM_NOT_DONE = message("governance.item_not_done", "Only a completed item can be confirmed or disputed")
ASSIGNEE_CANNOT_JUDGE = message("governance.assignee_cannot_judge", "The responsible party cannot judge its own work")
VERDICT_GIVEN = message("governance.verdict_given", "You already gave your verdict on this completion")
OWNER_SHARES_ONLY = message("governance.owner_shares_only", "Only the owning community shares its council")
COMMUNITIES_STILL_SEATED = message("governance.communities_still_seated",
                                   "These communities still have seated members")
NOT_SHARED_WITH_COMMUNITY = message("governance.not_shared_with_community",
                                    "The council is not shared with this community")
OWN_VOICE_ITEM = message("governance.own_voice_item", "You raised this yourself")
VOICE_ITEM_CLOSED = message("governance.voice_item_closed", "This item is closed")
ALREADY_ME_TOO = message("governance.already_me_too", "You already said me too")
NOT_VOTED_YET = message("governance.not_voted_yet", "You have not voted yet")
VOTE_ALREADY_CLOSED = message("governance.vote_already_closed", "The vote is already closed")
JOINED_AFTER_OPENING = message("governance.joined_after_opening",
                               "Members who joined after the vote opened cannot vote")
VOTING_CLOSED = message("governance.voting_closed", "Voting has closed")
VOTING_NOT_OPEN = message("governance.voting_not_open", "Voting has not opened yet")
VOTE_EXISTS = message("governance.vote_exists", "This proposal already has a vote")
ALREADY_VOTED_MEANWHILE = message("governance.already_voted_meanwhile",
                                  "Already voted (a simultaneous ballot was counted)")
VOTE_STILL_OPEN = message("governance.vote_still_open", "The vote is open until it closes")
NOT_EVERYONE_VOTED = message("governance.not_everyone_voted",
                             "Not every eligible member has voted; it closes at the end of its window")
PERSON_NOT_ON_COUNCIL = message("governance.person_not_on_council",
                                "This person is not a member of the council and cannot vote")
YOU_ARE_NOT_ON_COUNCIL = message("governance.you_are_not_on_council",
                                 "You are not a member of this council and cannot vote")
OPENS_IN_PAST = message("governance.opens_in_past", "Cannot open in the past")
RECEIPT_CODE_REQUIRED = message("governance.receipt_code_required",
                                "A secret ballot is changed with its receipt code")
WRONG_RECEIPT_CODE = message("governance.wrong_receipt_code", "Wrong receipt code")
SESSION_HELD = message("governance.session_held", "The session has been held")
MORE_HANDS_THAN_PRESENT = message("governance.more_hands_than_present", "More hands than members who checked in")
NOT_IN_COUNCIL = message("governance.not_in_council", "Not in this council")
SIGNUP_IN_STATE = message("governance.signup_in_state", "The sign-up is %(status)s")
PROPOSAL_IN_STATE = message("governance.proposal_in_state", "The proposal is %(status)s")
VOICE_ITEM_IN_STATE = message("governance.voice_item_in_state", "The item is %(status)s")
VOTE_NEEDS_DELIBERATION = message("governance.vote_needs_deliberation",
                                  "Only a proposal in deliberation can be put to the vote (it is %(status)s)")
CHANGE_IN_SAME_CHANNEL = message("governance.change_in_same_channel",
                                 "The ballot was cast %(channel)s; change it there")
ALREADY_VOTED_HERE = message("governance.already_voted_here",
                             "Already voted %(channel)s: a member votes once (change the ballot instead before close)")
ALREADY_VOTED_ELSEWHERE = message("governance.already_voted_elsewhere",
                                  "Already voted %(channel)s: one member, one vote across channels")

# --- words written into the record (rendered in the community's language when written) -------------
REOPENED_NOTE = message("governance.reopened_note", "%(disputes)s residents say it is not done")
ERASED_CONTENT = message("governance.erased_content", "(removed when the account was closed)")

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
