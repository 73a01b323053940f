"""The governance service's words, as codes (services.common.messages): what an error says and the
enumerated values a person reads. The Chinese comes from services/governance/translations."""

from __future__ import annotations

from services.common.messages import message

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
