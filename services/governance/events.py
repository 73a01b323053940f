"""Events the governance service publishes (through the outbox) and the schema of their `data`.

Data carries ids and counts, never names, phone numbers or the text residents wrote;
an anonymous voice item's event does not carry its author, and nothing about a
secret ballot names a voter.
"""

from marshmallow import Schema

from services.common import contract_fields as fields

VOICE_SUBMITTED = "voice_submitted"
VOICE_ANSWERED = "voice_answered"
TOPIC_OPENED = "topic_opened"
SESSION_HELD = "session_held"
PROPOSAL_SUBMITTED = "proposal_submitted"
VOTE_OPENED = "vote_opened"
VOTE_CLOSING_SOON = "vote_closing_soon"
VOTE_CLOSED = "vote_closed"
RESOLUTION_ADOPTED = "resolution_adopted"
ACTION_ITEM_COMPLETED = "action_item_completed"
ACTION_ITEM_DISPUTED = "action_item_disputed"
ACTION_ITEM_REOPENED = "action_item_reopened"
PROJECT_ADOPTED = "project_adopted"
DUTY_COMPLETED = "duty_completed"
COUNCIL_SESSION_SCHEDULED = "council_session_scheduled"
COUNCIL_SESSION_DUE = "council_session_due"
DUTY_SLOT_DUE = "duty_slot_due"


class VoiceSubmittedData(Schema):
    """Someone raised a problem or idea in "Couriers have a say" (小哥有话讲).
    `author_user_id` is null when they asked to stay anonymous."""

    voice_id = fields.String(required=True)
    category = fields.String()
    anonymous = fields.Boolean()
    author_user_id = fields.String(allow_none=True)
    has_location = fields.Boolean()
    submitted_at = fields.DateTime()


class VoiceAnsweredData(Schema):
    """Staff gave a voice item its first substantive answer (answered, promoted,
    resolved or declined); `hours_to_first_answer` feeds the tenant's response-time figures."""

    voice_id = fields.String(required=True)
    status = fields.String()
    topic_id = fields.String(allow_none=True)
    hours_to_first_answer = fields.Float()
    answered_at = fields.DateTime()


class TopicOpenedData(Schema):
    """A matter was put before a council (议题), by staff or promoted from a voice item."""

    topic_id = fields.String(required=True)
    council_id = fields.String()
    source_voice_id = fields.String(allow_none=True)
    opened_at = fields.DateTime()


class SessionHeldData(Schema):
    """A council session took place and its minutes were recorded."""

    session_id = fields.String(required=True)
    council_id = fields.String()
    invited = fields.Integer()
    attended = fields.Integer()
    decisions = fields.Integer()
    linked_proposal_ids = fields.List(fields.String())
    held_at = fields.DateTime()


class ProposalSubmittedData(Schema):
    proposal_id = fields.String(required=True)
    council_id = fields.String()
    topic_id = fields.String(allow_none=True)
    author_user_id = fields.String()
    submitted_at = fields.DateTime()


class VoteOpenedData(Schema):
    """A vote opened. Announced in the council's community and once more in each other community
    with eligible members seated from it (a shared council); each community's consumers ask
    `governance.audience("vote_eligible", vote_id)` there and hear of their own people only."""

    vote_id = fields.String(required=True)
    proposal_id = fields.String()
    council_id = fields.String()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    quorum_percent = fields.Integer()
    threshold_percent = fields.Integer()
    secret = fields.Boolean()
    eligible = fields.Integer()


class VoteClosingSoonData(Schema):
    """Sent once, `remind_before_hours` before close, naming the members' accounts
    that have not voted yet so a notifier can remind exactly them. Announced in the council's
    community and once more in each other community with such members (a shared council); each
    copy's `not_voted_user_ids` names only its own community's accounts (the owner's copy may be
    empty), while `not_voted` counts them all."""

    vote_id = fields.String(required=True)
    proposal_id = fields.String()
    closes_at = fields.DateTime()
    not_voted_user_ids = fields.List(fields.String())
    not_voted = fields.Integer()


class VoteClosedData(Schema):
    """A vote closed with its tallies: totals, by stakeholder group and by channel. Announced in
    the council's community and once more in each other community with eligible members seated
    from it; recipients: `governance.audience("vote_eligible", vote_id)` in each."""

    vote_id = fields.String(required=True)
    proposal_id = fields.String()
    outcome = fields.String()
    eligible = fields.Integer()
    voted = fields.Integer()
    quorum_met = fields.Boolean()
    threshold_met = fields.Boolean()
    blocked = fields.Boolean()
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_group = fields.Dict(keys=fields.String(), values=fields.Dict())
    by_channel = fields.Dict(keys=fields.String(), values=fields.Dict())
    closed_at = fields.DateTime()


class ResolutionAdoptedData(Schema):
    resolution_id = fields.String(required=True)
    proposal_id = fields.String()
    council_id = fields.String()
    effective_on = fields.Date()
    action_item_ids = fields.List(fields.String())
    adopted_at = fields.DateTime()


class ActionItemCompletedData(Schema):
    """The responsible party says an item is done; residents may now confirm or dispute."""

    action_item_id = fields.String(required=True)
    resolution_id = fields.String()
    assignee_kind = fields.String()
    completion_round = fields.Integer()
    completed_at = fields.DateTime()


class ActionItemDisputedData(Schema):
    """A resident says a completed item is not really done."""

    action_item_id = fields.String(required=True)
    resolution_id = fields.String()
    completion_round = fields.Integer()
    disputes = fields.Integer()
    confirmations = fields.Integer()
    dispute_threshold = fields.Integer()
    disputed_at = fields.DateTime()


class ActionItemReopenedData(Schema):
    """Enough residents disputed the completion: the item is open again."""

    action_item_id = fields.String(required=True)
    resolution_id = fields.String()
    completion_round = fields.Integer()
    disputes = fields.Integer()
    confirmations = fields.Integer()
    reopened_at = fields.DateTime()


class ProjectAdoptedData(Schema):
    """A party branch or partner unit adopted a vanguard-led project or key small matter."""

    project_id = fields.String(required=True)
    kind = fields.String()
    adopter_kind = fields.String()
    adopter_branch_id = fields.String(allow_none=True)
    adopted_at = fields.DateTime()


class DutyCompletedData(Schema):
    """A volunteer checked in on completing a duty slot; the points service credits it.
    `duty_id` is the completed check-in (sign-up) id, unique per completion."""

    duty_id = fields.String(required=True)
    project_id = fields.String(required=True)
    user_id = fields.String(required=True)
    hours = fields.Float(required=True)
    completed_at = fields.DateTime(required=True)
    slot_id = fields.String()
    has_photo = fields.Boolean()


class CouncilSessionScheduledData(Schema):
    """A council session was scheduled and people were invited to it: announced each time an
    invitation adds people (`newly_invited` of `invited` in all). Who is invited is asked for at
    fan-out time: `governance.audience("session_invitees", session_id)`; `newly_invited_user_ids`
    names the accounts this round invited (a later round need not invite the first one again).
    Announced in the council's community and once more in each other community with newly invited
    guests; each copy's `newly_invited_user_ids` names only its own community's accounts (the
    owner's copy may be empty), while `invited` and `newly_invited` count them all."""

    session_id = fields.String(required=True)
    council_id = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime()
    invited = fields.Integer(required=True)
    newly_invited = fields.Integer()
    newly_invited_user_ids = fields.List(fields.String())


class CouncilSessionDueData(Schema):
    """Timer: a scheduled council session starts in 24 hours (sent once per session, by the
    governance sweep; a session scheduled later than that is reminded at the next sweep, before it
    starts). Announced in the council's community and once more in each other community with
    invited guests; recipients: `governance.audience("session_invitees", session_id)` in each."""

    session_id = fields.String(required=True)
    council_id = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime()
    invited = fields.Integer()


class DutySlotDueData(Schema):
    """Timer: a vanguard duty slot with volunteers signed up starts within a day (sent once per
    slot, by the governance sweep, 24 hours before the start). Recipients:
    `governance.audience("duty_slot_signups", slot_id)`."""

    slot_id = fields.String(required=True)
    project_id = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime()
    duty_id = fields.String()
    signed_up = fields.Integer()


# event name → schema of the CloudEvent's `data`; the event catalogue is built from this.
CATALOGUE = {
    VOICE_SUBMITTED: VoiceSubmittedData,
    VOICE_ANSWERED: VoiceAnsweredData,
    TOPIC_OPENED: TopicOpenedData,
    SESSION_HELD: SessionHeldData,
    PROPOSAL_SUBMITTED: ProposalSubmittedData,
    VOTE_OPENED: VoteOpenedData,
    VOTE_CLOSING_SOON: VoteClosingSoonData,
    VOTE_CLOSED: VoteClosedData,
    RESOLUTION_ADOPTED: ResolutionAdoptedData,
    ACTION_ITEM_COMPLETED: ActionItemCompletedData,
    ACTION_ITEM_DISPUTED: ActionItemDisputedData,
    ACTION_ITEM_REOPENED: ActionItemReopenedData,
    PROJECT_ADOPTED: ProjectAdoptedData,
    DUTY_COMPLETED: DutyCompletedData,
    COUNCIL_SESSION_SCHEDULED: CouncilSessionScheduledData,
    COUNCIL_SESSION_DUE: CouncilSessionDueData,
    DUTY_SLOT_DUE: DutySlotDueData,
}

_ID = "3b0e7a52-91c4-4d8e-a2f1-6c7d8e9f0a1b"
_ID2 = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
_USER = "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20"
_AT = "2026-11-28T09:30:00+00:00"
_COUNTS = {"agree": 98, "abstain": 12, "disagree": 21, "block": 0}

EXAMPLES = {
    VOICE_SUBMITTED: {"voice_id": _ID, "category": "parking", "anonymous": True, "author_user_id": None,
                      "has_location": True, "submitted_at": _AT},
    VOICE_ANSWERED: {"voice_id": _ID, "status": "promoted", "topic_id": _ID2, "hours_to_first_answer": 20.5,
                     "answered_at": _AT},
    TOPIC_OPENED: {"topic_id": _ID2, "council_id": _ID, "source_voice_id": _ID, "opened_at": _AT},
    SESSION_HELD: {"session_id": _ID, "council_id": _ID2, "invited": 154, "attended": 131, "decisions": 3,
                   "linked_proposal_ids": [_ID2], "held_at": _AT},
    PROPOSAL_SUBMITTED: {"proposal_id": _ID, "council_id": _ID2, "topic_id": None, "author_user_id": _USER,
                         "submitted_at": _AT},
    VOTE_OPENED: {"vote_id": _ID, "proposal_id": _ID2, "council_id": _ID2, "opens_at": _AT,
                  "closes_at": "2026-11-30T09:30:00+00:00", "quorum_percent": 50, "threshold_percent": 50,
                  "secret": False, "eligible": 154},
    VOTE_CLOSING_SOON: {"vote_id": _ID, "proposal_id": _ID2, "closes_at": "2026-11-30T09:30:00+00:00",
                        "not_voted_user_ids": [_USER], "not_voted": 23},
    VOTE_CLOSED: {"vote_id": _ID, "proposal_id": _ID2, "outcome": "adopted", "eligible": 154, "voted": 131,
                  "quorum_met": True, "threshold_met": True, "blocked": False, "totals": _COUNTS,
                  "by_group": {"courier": {"agree": 40, "abstain": 2, "disagree": 3, "block": 0}},
                  "by_channel": {"online": {"agree": 60, "abstain": 5, "disagree": 11, "block": 0},
                                 "in_room": {"agree": 38, "abstain": 7, "disagree": 10, "block": 0}},
                  "closed_at": _AT},
    RESOLUTION_ADOPTED: {"resolution_id": _ID, "proposal_id": _ID2, "council_id": _ID2,
                         "effective_on": "2026-12-01", "action_item_ids": [_ID2], "adopted_at": _AT},
    ACTION_ITEM_COMPLETED: {"action_item_id": _ID, "resolution_id": _ID2, "assignee_kind": "property_manager",
                            "completion_round": 1, "completed_at": _AT},
    ACTION_ITEM_DISPUTED: {"action_item_id": _ID, "resolution_id": _ID2, "completion_round": 1, "disputes": 2,
                           "confirmations": 1, "dispute_threshold": 3, "disputed_at": _AT},
    ACTION_ITEM_REOPENED: {"action_item_id": _ID, "resolution_id": _ID2, "completion_round": 1, "disputes": 3,
                           "confirmations": 1, "reopened_at": _AT},
    PROJECT_ADOPTED: {"project_id": _ID, "kind": "vanguard_project", "adopter_kind": "party_branch",
                      "adopter_branch_id": _ID2, "adopted_at": _AT},
    DUTY_COMPLETED: {"duty_id": _ID, "project_id": _ID2, "user_id": _USER, "hours": 1.0, "completed_at": _AT,
                     "slot_id": _ID2, "has_photo": True},
    COUNCIL_SESSION_SCHEDULED: {"session_id": _ID, "council_id": _ID2, "starts_at": "2026-12-01T11:00:00+00:00",
                                "ends_at": "2026-12-01T13:00:00+00:00", "invited": 15, "newly_invited": 15,
                                "newly_invited_user_ids": [_USER]},
    COUNCIL_SESSION_DUE: {"session_id": _ID, "council_id": _ID2, "starts_at": "2026-12-01T11:00:00+00:00",
                          "ends_at": "2026-12-01T13:00:00+00:00", "invited": 15},
    DUTY_SLOT_DUE: {"slot_id": _ID, "project_id": _ID2, "starts_at": "2026-11-28T01:00:00+00:00",
                    "ends_at": "2026-11-28T02:00:00+00:00", "duty_id": _ID2, "signed_up": 3},
}
