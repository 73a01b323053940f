"""Contracts of the governance service: RPC payloads and results, and the gateway's OpenAPI. Plain
marshmallow: no domain module, ORM code or nameko."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from marshmallow import Schema, ValidationError, validate, validates_schema

from services.common import contract_fields as fields
from services.common import contracts
from services.common.contracts import PersonId
from services.governance.contracts.messages import (
    ADOPTER_KINDS,
    AMENITIES,
    ANSWER_REQUIRED,
    ASSET_KINDS,
    ASSIGNEE_KINDS,
    BALLOT_CHOICES,
    BRANCH_KINDS,
    BRANCH_REQUIRED,
    BRANCH_ROLES,
    CLOSE_AFTER_OPEN,
    COUNCIL_REQUIRED,
    DECLINE_REASON_REQUIRED,
    END_AFTER_START,
    END_TIME_AFTER_START_TIME,
    NOT_A_COMMUNITY,
    NOT_ONE_OF,
    PARTNER_UNIT_REQUIRED,
    PROJECT_KINDS,
    PROPOSAL_STATES,
    REVIEW_AFTER_EFFECTIVE,
    SAY_WHAT_IS_NOT_DONE,
    STAKEHOLDER_GROUPS,
    VENUE_OR_LINK,
    VOICE_CATEGORIES,
    VOICE_STATES,
    VOTE_WINDOW_TOO_LONG,
    VOTE_WINDOW_TOO_SHORT,
)

# Shift workers (couriers on late rounds, night-shift staff) must be able to vote: never less than a day.
MIN_VOTE_WINDOW = timedelta(hours=24)
MAX_VOTE_WINDOW = timedelta(days=30)

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
TEXT = validate.Length(1, 2000)


def _one_of(values: Iterable[str]) -> validate.OneOf:
    return validate.OneOf(tuple(values), error=NOT_ONE_OF.text)


class PageQuery(contracts.PageQuery):
    """The query of a governance list: `limit` (50 by default, up to 200: a council's roll on one page)
    and `after`, the opaque cursor (services.common.pagination)."""

    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class ListQuery(PageQuery):
    """The query of a list a community keeps short (topics, sessions, proposals, resolutions, branches,
    the grid, projects): the whole list, up to 200, on the first page."""

    limit = fields.Integer(load_default=200, validate=validate.Range(1, 200))


class ResolutionQuery(ListQuery):
    council_id = fields.String(load_default=None, allow_none=True,
                               metadata={"description": "one council's resolutions (also a shared council's)"})


# --- councils --------------------------------------------------------------------------


_COMMUNITY = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,63}$", error=NOT_A_COMMUNITY.text)


def _communities(**kw: Any) -> fields.List[Any]:
    return fields.List(fields.String(validate=_COMMUNITY), validate=validate.Length(max=50), **kw)


class CouncilCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100), metadata={"example": "Red Tea Council"})
    theme = fields.String(required=True, validate=validate.Length(1, 200),
                          metadata={"example": "Courier-friendly communities"})
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    shared_with = _communities(load_default=list, metadata={
        "example": ["dongxin", "huanqiu"],
        "description": "Other communities on a shared theme: the council may seat their people, who then see "
                       "its sessions, proposals, votes and resolutions and act in them"})


class CouncilShare(Schema):
    shared_with = _communities(required=True, metadata={
        "description": "Replaces the list; a community with seated members cannot be removed"})


class CouncilOut(Schema):
    id = fields.String()
    tenant_id = fields.String()
    name = fields.String()
    theme = fields.String()
    description = fields.String()
    status = fields.String()
    shared_with = fields.List(fields.String(), metadata={"description": "Communities the council is shared with"})
    member_count = fields.Integer()
    created_at = fields.DateTime()


CouncilPage = contracts.page_schema(CouncilOut, "CouncilPage")


class MemberCreate(Schema):
    user_id = PersonId(load_default=None, allow_none=True,
                       metadata={"description": "The member's account; null for someone who takes part "
                                                "only in the room"})
    display_name = fields.String(required=True, validate=validate.Length(1, 50))
    stakeholder_group = fields.String(required=True, validate=_one_of(STAKEHOLDER_GROUPS))
    home_tenant_id = fields.String(load_default=None, allow_none=True, validate=_COMMUNITY, metadata={
        "description": "The person's community when it is not the council's (one the council is shared with)"})


class MembersCreate(Schema):
    members = fields.List(fields.Nested(MemberCreate), required=True, validate=validate.Length(1, 10000))


class MemberOut(Schema):
    id = fields.String()
    council_id = fields.String()
    user_id = fields.String(allow_none=True)
    home_tenant_id = fields.String()
    display_name = fields.String()
    stakeholder_group = fields.String()
    active = fields.Boolean()
    joined_at = fields.DateTime()


MemberList = contracts.page_schema(MemberOut, "MemberList")


class TopicCreate(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=4000))


class TopicOut(Schema):
    id = fields.String()
    council_id = fields.String()
    title = fields.String()
    description = fields.String()
    status = fields.String()
    source_voice_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


TopicList = contracts.page_schema(TopicOut, "TopicList")


# --- sessions ----------------------------------------------------------------------------


class SessionCreate(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    agenda = fields.List(fields.String(validate=validate.Length(1, 300)), load_default=list,
                         validate=validate.Length(max=30))
    topic_ids = fields.List(fields.String(), load_default=list, validate=validate.Length(max=30))
    starts_at = fields.AwareDateTime(required=True, default_timezone=None)
    ends_at = fields.AwareDateTime(required=True, default_timezone=None)
    venue = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    online_url = fields.Url(load_default=None, allow_none=True, schemes={"https", "http"})
    chair_member_id = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _where_and_when(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors = {}
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            errors["ends_at"] = [END_AFTER_START.text]
        if not data.get("venue") and not data.get("online_url"):
            errors["venue"] = [VENUE_OR_LINK.text]
        if errors:
            raise ValidationError(errors)


class InvitationsCreate(Schema):
    member_ids = fields.List(fields.String(), load_default=None, allow_none=True,
                             metadata={"description": "Omit to invite every active member of the council"})


class CheckIn(Schema):
    registration_code = fields.String(load_default=None, allow_none=True,
                                      metadata={"description": "Self check-in: the code shown in the room"})
    member_id = fields.String(load_default=None, allow_none=True,
                              metadata={"description": "Staff check-in of a member (no code needed)"})


class AttendanceOut(Schema):
    member_id = fields.String()
    display_name = fields.String()
    stakeholder_group = fields.String()
    invited_at = fields.DateTime()
    checked_in_at = fields.DateTime(allow_none=True)
    check_in_method = fields.String(allow_none=True)


class HandTallyCreate(Schema):
    motion = fields.String(required=True, validate=validate.Length(1, 300))
    proposal_id = fields.String(load_default=None, allow_none=True)
    in_favour = fields.Integer(required=True, validate=validate.Range(0, 100000))
    against = fields.Integer(required=True, validate=validate.Range(0, 100000))
    abstained = fields.Integer(required=True, validate=validate.Range(0, 100000))


class HandTallyOut(Schema):
    id = fields.String()
    session_id = fields.String()
    motion = fields.String()
    proposal_id = fields.String(allow_none=True)
    in_favour = fields.Integer()
    against = fields.Integer()
    abstained = fields.Integer()
    entered_by_member_id = fields.String()
    signed_off_by_member_id = fields.String(allow_none=True)
    signed_off_at = fields.DateTime(allow_none=True)
    status = fields.String(metadata={"description": "entered | signed_off"})


class MinutesCreate(Schema):
    minutes = fields.String(required=True, validate=validate.Length(1, 20000))
    decisions = fields.List(fields.String(validate=validate.Length(1, 500)), load_default=list,
                            validate=validate.Length(max=50))
    linked_proposal_ids = fields.List(fields.String(), load_default=list, validate=validate.Length(max=50))


class SessionOut(Schema):
    id = fields.String()
    council_id = fields.String()
    title = fields.String()
    agenda = fields.List(fields.String())
    topic_ids = fields.List(fields.String())
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    venue = fields.String(allow_none=True)
    online_url = fields.String(allow_none=True)
    chair_member_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "scheduled | held | cancelled"})
    registration_code = fields.String(allow_none=True,
                                      metadata={"description": "Shown to staff and the chair only"})
    minutes = fields.String(allow_none=True)
    decisions = fields.List(fields.String())
    linked_proposal_ids = fields.List(fields.String())
    held_at = fields.DateTime(allow_none=True)
    attendance = fields.List(fields.Nested(AttendanceOut))
    hand_tallies = fields.List(fields.Nested(HandTallyOut))


SessionList = contracts.page_schema(SessionOut, "SessionList")


# --- proposals ---------------------------------------------------------------------------


class ProposalCreate(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    body = fields.String(required=True, validate=validate.Length(1, 20000))
    topic_id = fields.String(load_default=None, allow_none=True)


class ProposalTransition(Schema):
    action = fields.String(required=True, validate=_one_of(("submit", "deliberate", "withdraw")),
                           metadata={"description": "submit (author: draft → submitted), deliberate (staff: "
                                                    "submitted → in_deliberation), withdraw (author or staff)"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 500))


class CommentCreate(Schema):
    body = fields.String(required=True, validate=validate.Length(1, 4000))
    parent_id = fields.String(load_default=None, allow_none=True)


class CommentOut(Schema):
    id = fields.String()
    parent_id = fields.String(allow_none=True)
    author_user_id = fields.String()
    body = fields.String()
    created_at = fields.DateTime()
    replies = fields.List(fields.Nested(lambda: CommentOut()))


class CommentThread(Schema):
    items = fields.List(fields.Nested(CommentOut))


class ProposalOut(Schema):
    id = fields.String()
    council_id = fields.String()
    topic_id = fields.String(allow_none=True)
    title = fields.String()
    body = fields.String()
    status = fields.String(metadata={"description": " → ".join(PROPOSAL_STATES)})
    author_user_id = fields.String()
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    withdrawn_reason = fields.String(allow_none=True)
    vote_id = fields.String(allow_none=True)
    resolution_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    version = fields.Integer()


ProposalList = contracts.page_schema(ProposalOut, "ProposalList")


# --- votes -------------------------------------------------------------------------------


class VoteOpen(Schema):
    opens_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                    metadata={"description": "Default: now"})
    closes_at = fields.AwareDateTime(required=True,
                                     metadata={"description": "At least 24 h after opening, so shift workers "
                                                              "can vote; at most 30 days"})
    quorum_percent = fields.Integer(load_default=50, validate=validate.Range(0, 100),
                                    metadata={"description": "Share of eligible members who must vote "
                                                             "(any choice)"})
    threshold_percent = fields.Integer(load_default=50, validate=validate.Range(50, 99),
                                       metadata={"description": "Adopted when agree is MORE than this share of "
                                                                "agree + disagree + block (abstentions count "
                                                                "for quorum only)"})
    block_limit = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 10000),
                                 metadata={"description": "This many blocks reject the proposal whatever the "
                                                          "majority; null: a block counts as disagree"})
    secret = fields.Boolean(load_default=False)
    remind_before_hours = fields.Integer(load_default=24, validate=validate.Range(1, 24 * 30))

    @validates_schema
    def _window(self, data: dict[str, Any], **_kwargs: Any) -> None:
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens is not None and closes is not None:
            if closes - opens < MIN_VOTE_WINDOW:
                raise ValidationError(VOTE_WINDOW_TOO_SHORT.text, field_name="closes_at")
            if closes - opens > MAX_VOTE_WINDOW:
                raise ValidationError(VOTE_WINDOW_TOO_LONG.text, field_name="closes_at")


class BallotCast(Schema):
    choice = fields.String(required=True, validate=_one_of(BALLOT_CHOICES))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 1000))


class InRoomBallotCast(BallotCast):
    member_id = fields.String(required=True)


class BallotChange(BallotCast):
    receipt_code = fields.String(load_default=None, allow_none=True,
                                 metadata={"description": "Secret ballots: the code you were given when "
                                                          "casting (the only link to your ballot)"})
    member_id = fields.String(load_default=None, allow_none=True,
                              metadata={"description": "Staff correcting an in-room ballot"})


class BallotReceiptOut(Schema):
    vote_id = fields.String()
    member_id = fields.String()
    channel = fields.String()
    secret = fields.Boolean()
    choice = fields.String(allow_none=True, metadata={"description": "Null for a secret ballot"})
    receipt_code = fields.String(allow_none=True,
                                 metadata={"description": "Secret ballots only, returned once: keep it to "
                                                          "change your vote before close"})
    cast_at = fields.DateTime()


class ChoiceCounts(Schema):
    agree = fields.Integer()
    abstain = fields.Integer()
    disagree = fields.Integer()
    block = fields.Integer()


class VoteResult(Schema):
    eligible = fields.Integer()
    voted = fields.Integer()
    turnout_percent = fields.Float()
    quorum_met = fields.Boolean()
    agree_percent = fields.Float(metadata={"description": "agree ÷ (agree + disagree + block)"})
    threshold_met = fields.Boolean()
    blocked = fields.Boolean()
    outcome = fields.String(metadata={"description": "adopted | rejected"})
    totals = fields.Nested(ChoiceCounts)
    by_group = fields.Dict(keys=fields.String(), values=fields.Nested(ChoiceCounts))
    by_channel = fields.Dict(keys=fields.String(), values=fields.Nested(ChoiceCounts))
    reasons = fields.List(fields.Dict(), metadata={"description": "Open ballots: member, choice and reason"})


class VoteOut(Schema):
    id = fields.String()
    proposal_id = fields.String()
    council_id = fields.String()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    remind_at = fields.DateTime()
    quorum_percent = fields.Integer()
    threshold_percent = fields.Integer()
    block_limit = fields.Integer(allow_none=True)
    secret = fields.Boolean()
    status = fields.String(metadata={"description": "scheduled | open | closed (computed from the window)"})
    voted = fields.Integer()
    my_receipt = fields.Nested(BallotReceiptOut, allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    result = fields.Nested(VoteResult, allow_none=True)


class VoteClose(Schema):
    early = fields.Boolean(load_default=False,
                           metadata={"description": "Close before the window ends: allowed only once every "
                                                    "eligible member has voted"})


# --- resolutions and action items --------------------------------------------------------


class ActionItemCreate(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    assignee_kind = fields.String(required=True, validate=_one_of(ASSIGNEE_KINDS))
    assignee_name = fields.String(required=True, validate=validate.Length(1, 100))
    assignee_user_id = PersonId(load_default=None, allow_none=True,
                                metadata={"description": "The account that reports progress for the party"})
    due_on = fields.Date(required=True)
    dispute_threshold = fields.Integer(load_default=3, validate=validate.Range(1, 1000),
                                       metadata={"description": "Disputes (more than confirmations) that "
                                                                "reopen a completed item"})


class ResolutionCreate(Schema):
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    text = fields.String(required=True, validate=validate.Length(1, 50000))
    effective_on = fields.Date(required=True)
    review_on = fields.Date(load_default=None, allow_none=True)
    action_items = fields.List(fields.Nested(ActionItemCreate), load_default=list, validate=validate.Length(max=50))

    @validates_schema
    def _review_after_effect(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("review_on") and data.get("effective_on") and data["review_on"] <= data["effective_on"]:
            raise ValidationError(REVIEW_AFTER_EFFECTIVE.text,
                                  field_name="review_on")


class ActionItemUpdateCreate(Schema):
    note = fields.String(required=True, validate=validate.Length(1, 2000))
    progress_percent = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 100))
    completed = fields.Boolean(load_default=False,
                               metadata={"description": "Claim the item is done; residents then confirm or "
                                                        "dispute it"})


class FeedbackCreate(Schema):
    verdict = fields.String(required=True, validate=_one_of(("confirm", "dispute")))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 500))

    @validates_schema
    def _dispute_needs_reason(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("verdict") == "dispute" and not data.get("comment"):
            raise ValidationError(SAY_WHAT_IS_NOT_DONE.text, field_name="comment")


class ActionItemHistoryOut(Schema):
    kind = fields.String()
    note = fields.String()
    progress_percent = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ActionItemOut(Schema):
    id = fields.String()
    resolution_id = fields.String()
    title = fields.String()
    description = fields.String()
    assignee_kind = fields.String()
    assignee_name = fields.String()
    due_on = fields.Date()
    overdue = fields.Boolean()
    status = fields.String(metadata={"description": "open | in_progress | done | reopened"})
    progress_percent = fields.Integer()
    dispute_threshold = fields.Integer()
    completion_round = fields.Integer()
    completed_at = fields.DateTime(allow_none=True)
    reopened_count = fields.Integer()
    confirmations = fields.Integer(metadata={"description": "on the current completion claim"})
    disputes = fields.Integer(metadata={"description": "on the current completion claim"})
    my_verdict = fields.String(allow_none=True)
    history = fields.List(fields.Nested(ActionItemHistoryOut))


class ResolutionOut(Schema):
    id = fields.String()
    proposal_id = fields.String()
    council_id = fields.String()
    title = fields.String()
    text = fields.String()
    effective_on = fields.Date()
    review_on = fields.Date(allow_none=True)
    adopted_at = fields.DateTime()
    progress_percent = fields.Integer(metadata={"description": "mean progress of its action items"})
    action_items = fields.List(fields.Nested(ActionItemOut))


ResolutionList = contracts.page_schema(ResolutionOut, "ResolutionList")


# --- voice ------------------------------------------------------------------------------


class VoiceCreate(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 2000))
    category = fields.String(required=True, validate=_one_of(VOICE_CATEGORIES))
    location = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lng = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    anonymous = fields.Boolean(load_default=False,
                               metadata={"description": "Other residents never see who raised it; staff do"})


class VoiceTriage(Schema):
    action = fields.String(required=True,
                           validate=_one_of(("acknowledge", "answer", "promote", "resolve", "decline")))
    answer = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 4000))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 500))
    council_id = fields.String(load_default=None, allow_none=True,
                               metadata={"description": "promote: the council that takes it up as a topic"})
    topic_title = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))

    @validates_schema
    def _needs(self, data: dict[str, Any], **_kwargs: Any) -> None:
        action = data.get("action")
        if action == "answer" and not data.get("answer"):
            raise ValidationError(ANSWER_REQUIRED.text, field_name="answer")
        if action == "decline" and not data.get("reason"):
            raise ValidationError(DECLINE_REASON_REQUIRED.text, field_name="reason")
        if action == "promote" and not data.get("council_id"):
            raise ValidationError(COUNCIL_REQUIRED.text, field_name="council_id")


class VoiceQuery(PageQuery):
    status = fields.String(load_default=None, allow_none=True, validate=_one_of(VOICE_STATES))
    category = fields.String(load_default=None, allow_none=True, validate=_one_of(VOICE_CATEGORIES))
    mine = fields.Boolean(load_default=False)


class VoiceOut(Schema):
    id = fields.String()
    text = fields.String()
    category = fields.String()
    location = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    anonymous = fields.Boolean()
    author_user_id = fields.String(allow_none=True,
                                   metadata={"description": "Null for an anonymous item unless you are staff or "
                                                            "its author"})
    mine = fields.Boolean()
    status = fields.String(metadata={"description": " | ".join(VOICE_STATES)})
    answer = fields.String(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    topic_id = fields.String(allow_none=True)
    me_too_count = fields.Integer()
    me_too_by_me = fields.Boolean()
    created_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    first_answered_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


VoicePage = contracts.page_schema(VoiceOut, "VoicePage")


class VoiceStats(Schema):
    tenant_id = fields.String()
    items = fields.Integer()
    awaiting_answer = fields.Integer()
    answered = fields.Integer()
    median_hours_to_first_answer = fields.Float(allow_none=True)
    p90_hours_to_first_answer = fields.Float(allow_none=True)
    oldest_waiting_hours = fields.Float(allow_none=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())


# --- branches and grid --------------------------------------------------------------------


class BranchCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    kind = fields.String(required=True, validate=_one_of(BRANCH_KINDS))


class BranchMemberCreate(Schema):
    user_id = PersonId(required=True)
    display_name = fields.String(required=True, validate=validate.Length(1, 50))
    floating = fields.Boolean(load_default=False, metadata={"description": "A floating party member"})
    role = fields.String(load_default="member", validate=_one_of(BRANCH_ROLES))


class BranchMemberOut(Schema):
    id = fields.String()
    branch_id = fields.String()
    user_id = fields.String()
    display_name = fields.String()
    floating = fields.Boolean()
    role = fields.String()
    joined_at = fields.DateTime()


class BranchOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    created_at = fields.DateTime()
    members = fields.List(fields.Nested(BranchMemberOut))


BranchList = contracts.page_schema(BranchOut, "BranchList")


class GridMemberCreate(Schema):
    user_id = PersonId(required=True)
    display_name = fields.String(required=True, validate=validate.Length(1, 50))
    grid = fields.String(required=True, validate=validate.Length(1, 100), metadata={"example": "Xiangyang grid 3"})


class GridMemberOut(Schema):
    id = fields.String()
    user_id = fields.String()
    display_name = fields.String()
    grid = fields.String()
    joined_at = fields.DateTime()


GridMemberList = contracts.page_schema(GridMemberOut, "GridMemberList")


# --- projects and duties ------------------------------------------------------------------


class ProjectCreate(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    kind = fields.String(load_default="vanguard_project", validate=_one_of(PROJECT_KINDS))
    adopter_kind = fields.String(required=True, validate=_one_of(ADOPTER_KINDS))
    adopter_branch_id = fields.String(load_default=None, allow_none=True)
    adopter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 100),
                                 metadata={"description": "A partner unit's name (a branch is named by its id)"})

    @validates_schema
    def _adopter(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("adopter_kind") == "party_branch" and not data.get("adopter_branch_id"):
            raise ValidationError(BRANCH_REQUIRED.text, field_name="adopter_branch_id")
        if data.get("adopter_kind") == "partner_unit" and not data.get("adopter_name"):
            raise ValidationError(PARTNER_UNIT_REQUIRED.text, field_name="adopter_name")


class DutyCreate(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200),
                          metadata={"example": "Weekly clean of the warm-bee rest station"})
    weekday = fields.Integer(required=True, validate=validate.Range(1, 7), metadata={"description": "1 = Monday"})
    start_time = fields.String(required=True, validate=validate.Regexp(_TIME), metadata={"example": "09:00"})
    end_time = fields.String(required=True, validate=validate.Regexp(_TIME), metadata={"example": "10:00"})
    volunteers_needed = fields.Integer(required=True, validate=validate.Range(1, 200))
    hours = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0.25, 24),
                         metadata={"description": "Credited on completion; default: the slot's length"})
    weeks_ahead = fields.Integer(load_default=4, validate=validate.Range(1, 26),
                                 metadata={"description": "Slots created now for this many weeks"})

    @validates_schema
    def _order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("start_time") and data.get("end_time") and data["start_time"] >= data["end_time"]:
            raise ValidationError(END_TIME_AFTER_START_TIME.text, field_name="end_time")


class SlotOut(Schema):
    id = fields.String()
    duty_id = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    capacity = fields.Integer()
    taken = fields.Integer()
    signed_up_by_me = fields.Boolean()


class DutyOut(Schema):
    id = fields.String()
    project_id = fields.String()
    title = fields.String()
    weekday = fields.Integer()
    start_time = fields.String()
    end_time = fields.String()
    volunteers_needed = fields.Integer()
    hours = fields.Float()
    slots = fields.List(fields.Nested(SlotOut))


class ProjectOut(Schema):
    id = fields.String()
    title = fields.String()
    description = fields.String()
    kind = fields.String()
    adopter_kind = fields.String()
    adopter_branch_id = fields.String(allow_none=True)
    adopter_name = fields.String()
    status = fields.String()
    adopted_at = fields.DateTime()
    duties = fields.List(fields.Nested(DutyOut))
    asset_ids = fields.List(fields.String())


ProjectList = contracts.page_schema(ProjectOut, "ProjectList")


class SignupOut(Schema):
    id = fields.String()
    slot_id = fields.String()
    project_id = fields.String()
    user_id = fields.String()
    status = fields.String(metadata={"description": "signed_up | cancelled | completed"})
    signed_up_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    photo_ref = fields.String(allow_none=True)
    hours = fields.Float(allow_none=True)


class DutyCheckIn(Schema):
    photo_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 300),
                              metadata={"description": "Reference of an uploaded photo of the work done"})


# --- assets ---------------------------------------------------------------------------------


class OpeningWindow(Schema):
    weekday = fields.Integer(required=True, validate=validate.Range(1, 7), metadata={"description": "1 = Monday"})
    open = fields.String(required=True, validate=validate.Regexp(_TIME), metadata={"example": "08:00"})
    close = fields.String(required=True, validate=validate.Regexp(_TIME), metadata={"example": "20:00"})

    @validates_schema
    def _order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("open") and data.get("close") and data["open"] >= data["close"]:
            raise ValidationError(CLOSE_AFTER_OPEN.text,
                                  field_name="close")


class AssetFields(Schema):
    kind = fields.String(validate=_one_of(ASSET_KINDS))
    name = fields.String(validate=validate.Length(1, 100))
    address = fields.String(validate=validate.Length(1, 200))
    lat = fields.Float(validate=validate.Range(-90, 90))
    lng = fields.Float(validate=validate.Range(-180, 180))
    opening_hours = fields.List(fields.Nested(OpeningWindow), validate=validate.Length(max=50),
                                metadata={"description": "Local (Beijing) time; ignored when open_24h"})
    amenities = fields.List(fields.String(validate=_one_of(AMENITIES)))
    project_id = fields.String(allow_none=True)
    active = fields.Boolean()
    share_with_all = fields.Boolean(metadata={"description": "List it in every community's public map"})


class AssetCreate(AssetFields):
    kind = fields.String(required=True, validate=_one_of(ASSET_KINDS))
    name = fields.String(required=True, validate=validate.Length(1, 100))
    address = fields.String(required=True, validate=validate.Length(1, 200))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lng = fields.Float(required=True, validate=validate.Range(-180, 180))


class AssetOut(Schema):
    id = fields.String()
    tenant_id = fields.String()
    kind = fields.String()
    name = fields.String()
    address = fields.String()
    lat = fields.Float()
    lng = fields.Float()
    opening_hours = fields.List(fields.Nested(OpeningWindow))
    amenities = fields.List(fields.String())
    project_id = fields.String(allow_none=True)
    project_title = fields.String(allow_none=True)
    active = fields.Boolean()
    shared_with_all = fields.Boolean()
    open_now = fields.Boolean()


class AssetQuery(Schema):
    kind = fields.String(load_default=None, allow_none=True, validate=_one_of(ASSET_KINDS))
    amenity = fields.List(fields.String(validate=_one_of(AMENITIES)), load_default=list,
                          metadata={"description": "Repeat to require several"})
    open_now = fields.Boolean(load_default=False)
    near_lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    near_lng = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))


class AssetList(Schema):
    items = fields.List(fields.Nested(AssetOut))


class AudienceOut(Schema):
    """`audience(group, ref)`: the accounts of a group in the caller's community."""

    group = fields.String()
    ref = fields.String()
    user_ids = fields.List(fields.String())


class SweepRun(Schema):
    now = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None,
                               metadata={"description": "The clock the reminders run at (tests); default: now. "
                                                        "Votes close by the real clock only."})


class SweepOut(Schema):
    """What one sweep did in the caller's community."""

    reminded = fields.Integer(metadata={"description": "vote_closing_soon announced"})
    closed = fields.Integer(metadata={"description": "votes closed"})
    mixed = fields.Integer(metadata={"description": "secret ballots mixed into the pool"})
    sessions_reminded = fields.Integer(metadata={"description": "council_session_due announced"})
    slots_reminded = fields.Integer(metadata={"description": "duty_slot_due announced"})
