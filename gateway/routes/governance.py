"""红茶议事会 · 小哥有话讲 · 先锋领办 / Governance: the governance service's API.

Everything needs a signed-in caller except the public map of rest stops and service
centres (`/public/communities/<community>/assets`), which couriers use without an account.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from gateway import db, messages
from gateway.auth import preferred_locale, require_principal
from gateway.idempotency import idempotent
from gateway.models import Tenant
from gateway.services import call, pool, respond
from services.common.context import CallContext
from services.common.contracts import partial_schema
from services.common.errors import NotFound
from services.governance.contracts import schemas as s

blp = Blueprint("governance", __name__, url_prefix="/api/v1/governance",
                description="红茶议事会、小哥有话讲、先锋领办、党群服务一张图 / Council, voice, projects and the map")

PUBLIC_PREFIX = "/api/v1/governance/public/"
IDEMPOTENCY_DOC = {"parameters": [{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                                   "description": "Retry-safe: the same key returns the first answer"}]}


@blp.before_request
def _signed_in() -> None:
    if not request.path.startswith(PUBLIC_PREFIX):
        require_principal()


def _gov(method: str, *args: Any) -> Any:
    return call("governance", method, *args)


def _body() -> dict[str, Any]:
    # The service validates again and is the authority; it gets the body as sent.
    return request.get_json(silent=True) or {}


# --- councils ---------------------------------------------------------------------------------


@blp.route("/councils")
class Councils(MethodView):
    @blp.arguments(s.PageQuery, location="query")
    @blp.response(200, s.CouncilPage)
    def get(self, query: dict[str, Any]) -> Response:
        """Councils of your community (红茶议事会)."""
        return respond(_gov("list_councils", query))

    @idempotent
    @blp.arguments(s.CouncilCreate)
    @blp.response(201, s.CouncilOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any]) -> Response:
        """Create a council on a theme (staff)."""
        return respond(_gov("create_council", _body()), 201)


@blp.route("/councils/<council_id>")
class CouncilItem(MethodView):
    @blp.response(200, s.CouncilOut)
    def get(self, council_id: str) -> Response:
        """One council: your community's own, or one shared with it."""
        return respond(_gov("get_council", council_id))


@blp.route("/councils/<council_id>/sharing")
class CouncilSharing(MethodView):
    @blp.arguments(s.CouncilShare)
    @blp.response(200, s.CouncilOut)
    def put(self, _body_: dict[str, Any], council_id: str) -> Response:
        """Share a council with other communities on a shared theme (staff of the owning community).

        Their people can then be seated (`home_tenant_id` on a seat), and see its sessions, proposals, votes
        and resolutions; their check-ins, comments, ballots and verdicts are written in the owning community.
        Replaces the list (idempotent by nature); a community with seated members cannot be removed (409)."""
        return respond(_gov("share_council", council_id, _body()))


@blp.route("/councils/<council_id>/members")
class CouncilMembers(MethodView):
    @blp.arguments(s.PageQuery, location="query")
    @blp.response(200, s.MemberList)
    def get(self, query: dict[str, Any], council_id: str) -> Response:
        """Active members with their stakeholder group."""
        return respond(_gov("list_members", council_id, query))

    @idempotent
    @blp.arguments(s.MembersCreate)
    @blp.response(201, s.MemberList)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], council_id: str) -> Response:
        """Seat members (staff); an account holds one seat per council. A person of a community the council
        is shared with is seated with `home_tenant_id`."""
        return respond(_gov("add_members", council_id, _body()), 201)


@blp.route("/councils/<council_id>/members/<member_id>")
class CouncilMemberItem(MethodView):
    @blp.response(200, s.MemberOut)
    def delete(self, council_id: str, member_id: str) -> Response:
        """Deactivate a seat (staff); past ballots and attendance keep it."""
        return respond(_gov("remove_member", council_id, member_id))


@blp.route("/councils/<council_id>/topics")
class CouncilTopics(MethodView):
    @blp.arguments(s.ListQuery, location="query")
    @blp.response(200, s.TopicList)
    def get(self, query: dict[str, Any], council_id: str) -> Response:
        """Topics (议题) before the council."""
        return respond(_gov("list_topics", council_id, query))

    @idempotent
    @blp.arguments(s.TopicCreate)
    @blp.response(201, s.TopicOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], council_id: str) -> Response:
        """Open a topic (staff). Publishes `topic_opened`."""
        return respond(_gov("open_topic", council_id, _body()), 201)


@blp.route("/councils/<council_id>/sessions")
class CouncilSessions(MethodView):
    @blp.arguments(s.ListQuery, location="query")
    @blp.response(200, s.SessionList)
    def get(self, query: dict[str, Any], council_id: str) -> Response:
        """Sessions of the council, earliest first."""
        return respond(_gov("list_sessions", council_id, query))

    @idempotent
    @blp.arguments(s.SessionCreate)
    @blp.response(201, s.SessionOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], council_id: str) -> Response:
        """Schedule a session: agenda, time, venue or online link (staff)."""
        return respond(_gov("schedule_session", council_id, _body()), 201)


@blp.route("/councils/<council_id>/proposals")
class CouncilProposals(MethodView):
    @blp.arguments(s.ListQuery, location="query")
    @blp.response(200, s.ProposalList)
    def get(self, query: dict[str, Any], council_id: str) -> Response:
        """Proposals of the council (drafts only to their author and staff)."""
        return respond(_gov("list_proposals", council_id, query))

    @idempotent
    @blp.arguments(s.ProposalCreate)
    @blp.response(201, s.ProposalOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], council_id: str) -> Response:
        """Write a proposal (council members and staff); it starts as a draft."""
        return respond(_gov("create_proposal", council_id, _body()), 201)


# --- sessions -----------------------------------------------------------------------------------


@blp.route("/sessions/<session_id>")
class SessionItem(MethodView):
    @blp.response(200, s.SessionOut)
    def get(self, session_id: str) -> Response:
        """A session with attendance, tallies and minutes (the check-in code only for staff and the chair)."""
        return respond(_gov("get_session", session_id))


@blp.route("/sessions/<session_id>/invitations")
class SessionInvitations(MethodView):
    @blp.arguments(s.InvitationsCreate)
    @blp.response(200, s.SessionOut)
    def post(self, _body_: dict[str, Any], session_id: str) -> Response:
        """Invite listed members, or every active member (staff); repeating is harmless."""
        return respond(_gov("invite_to_session", session_id, _body()))


@blp.route("/sessions/<session_id>/check-ins")
class SessionCheckIns(MethodView):
    @blp.arguments(s.CheckIn)
    @blp.response(200, s.SessionOut)
    def post(self, _body_: dict[str, Any], session_id: str) -> Response:
        """Check in: a member with the room's code, or staff naming a member."""
        return respond(_gov("check_in", session_id, _body()))


@blp.route("/sessions/<session_id>/tallies")
class SessionTallies(MethodView):
    @idempotent
    @blp.arguments(s.HandTallyCreate)
    @blp.response(201, s.HandTallyOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], session_id: str) -> Response:
        """Enter a show of hands (the session's chair); it needs a second member's sign-off."""
        return respond(_gov("enter_tally", session_id, _body()), 201)


@blp.route("/sessions/<session_id>/tallies/<tally_id>/sign-off")
class SessionTallySignOff(MethodView):
    @blp.response(200, s.HandTallyOut)
    def post(self, session_id: str, tally_id: str) -> Response:
        """Sign off a show of hands: another member who checked in."""
        return respond(_gov("sign_off_tally", session_id, tally_id))


@blp.route("/sessions/<session_id>/minutes")
class SessionMinutes(MethodView):
    @blp.arguments(s.MinutesCreate)
    @blp.response(200, s.SessionOut)
    def post(self, _body_: dict[str, Any], session_id: str) -> Response:
        """Record minutes, decisions and linked proposals: the session is held (staff). Publishes `session_held`."""
        return respond(_gov("record_minutes", session_id, _body()))


@blp.route("/sessions/<session_id>/cancellation")
class SessionCancellation(MethodView):
    @blp.response(200, s.SessionOut)
    def post(self, session_id: str) -> Response:
        """Cancel a scheduled session (staff)."""
        return respond(_gov("cancel_session", session_id))


# --- proposals and votes ---------------------------------------------------------------------------


@blp.route("/proposals/<proposal_id>")
class ProposalItem(MethodView):
    @blp.response(200, s.ProposalOut)
    def get(self, proposal_id: str) -> Response:
        """One proposal with its vote and resolution ids."""
        return respond(_gov("get_proposal", proposal_id))


@blp.route("/proposals/<proposal_id>/transitions")
class ProposalTransitions(MethodView):
    @blp.arguments(s.ProposalTransition)
    @blp.response(200, s.ProposalOut)
    def post(self, _body_: dict[str, Any], proposal_id: str) -> Response:
        """submit (author), deliberate (staff), withdraw (author or staff, with a reason). 409 names the state."""
        return respond(_gov("transition_proposal", proposal_id, _body()))


@blp.route("/proposals/<proposal_id>/comments")
class ProposalComments(MethodView):
    @blp.response(200, s.CommentThread)
    def get(self, proposal_id: str) -> Response:
        """The deliberation thread, as a tree."""
        return respond(_gov("list_comments", proposal_id))

    @idempotent
    @blp.arguments(s.CommentCreate)
    @blp.response(201, s.CommentOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], proposal_id: str) -> Response:
        """Comment or reply while the proposal is in deliberation (members and staff)."""
        return respond(_gov("add_comment", proposal_id, _body()), 201)


@blp.route("/proposals/<proposal_id>/vote")
class ProposalVote(MethodView):
    @idempotent
    @blp.arguments(s.VoteOpen)
    @blp.response(201, s.VoteOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], proposal_id: str) -> Response:
        """Put the proposal to the vote (staff): window ≥ 24 h, quorum, threshold, open or secret."""
        return respond(_gov("open_vote", proposal_id, _body()), 201)


@blp.route("/proposals/<proposal_id>/resolution")
class ProposalResolution(MethodView):
    @idempotent
    @blp.arguments(s.ResolutionCreate)
    @blp.response(201, s.ResolutionOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], proposal_id: str) -> Response:
        """Make an adopted proposal a resolution with its action items (staff). Publishes `resolution_adopted`."""
        return respond(_gov("adopt_resolution", proposal_id, _body()), 201)


@blp.route("/votes/<vote_id>")
class VoteItem(MethodView):
    @blp.response(200, s.VoteOut)
    def get(self, vote_id: str) -> Response:
        """A vote: window, rules, how many voted, your receipt; tallies once closed."""
        return respond(_gov("get_vote", vote_id))


@blp.route("/votes/<vote_id>/ballots")
class VoteBallots(MethodView):
    @idempotent
    @blp.arguments(s.BallotCast)
    @blp.response(201, s.BallotReceiptOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], vote_id: str) -> Response:
        """Vote online: agree, abstain, disagree or block, with an optional reason. Once per member across
        channels; a secret ballot answers with a receipt code, the only way to change it later."""
        return respond(_gov("cast_ballot", vote_id, _body()), 201)


@blp.route("/votes/<vote_id>/ballots/mine")
class VoteMyBallot(MethodView):
    @blp.arguments(s.BallotChange)
    @blp.response(200, s.BallotReceiptOut)
    def patch(self, _body_: dict[str, Any], vote_id: str) -> Response:
        """Change your ballot before close (secret: with your receipt code); staff correct an in-room ballot
        by naming `member_id`."""
        return respond(_gov("change_ballot", vote_id, _body()))


@blp.route("/votes/<vote_id>/in-room-ballots")
class VoteInRoomBallots(MethodView):
    @idempotent
    @blp.arguments(s.InRoomBallotCast)
    @blp.response(201, s.BallotReceiptOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], vote_id: str) -> Response:
        """Record a member's ballot cast in the room (staff); refused if they already voted online."""
        return respond(_gov("cast_in_room_ballot", vote_id, _body()), 201)


@blp.route("/votes/<vote_id>/close")
class VoteClose(MethodView):
    @blp.arguments(s.VoteClose)
    @blp.response(200, s.VoteOut)
    def post(self, _body_: dict[str, Any], vote_id: str) -> Response:
        """Close and tally (staff): after the window, or early once every eligible member voted.
        The service also closes votes itself at the end of the window. Publishes `vote_closed`."""
        return respond(_gov("close_vote", vote_id, _body()))


# --- resolutions and action items ------------------------------------------------------------------


@blp.route("/resolutions")
class Resolutions(MethodView):
    @blp.arguments(s.ResolutionQuery, location="query")
    @blp.response(200, s.ResolutionList)
    def get(self, query: dict[str, Any]) -> Response:
        """Resolutions with their action items and progress (`?council_id=` to narrow)."""
        council_id = query.pop("council_id", None)
        return respond(_gov("list_resolutions", council_id, query))


@blp.route("/resolutions/<resolution_id>")
class ResolutionItem(MethodView):
    @blp.response(200, s.ResolutionOut)
    def get(self, resolution_id: str) -> Response:
        """One resolution with its action items."""
        return respond(_gov("get_resolution", resolution_id))


@blp.route("/resolutions/<resolution_id>/action-items")
class ResolutionActionItems(MethodView):
    @idempotent
    @blp.arguments(s.ActionItemCreate)
    @blp.response(201, s.ActionItemOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], resolution_id: str) -> Response:
        """Add an action item assigned to a party with a due date (staff)."""
        return respond(_gov("add_action_item", resolution_id, _body()), 201)


@blp.route("/action-items/<item_id>")
class ActionItemResource(MethodView):
    @blp.response(200, s.ActionItemOut)
    def get(self, item_id: str) -> Response:
        """An action item with its history and the residents' verdicts on the current completion."""
        return respond(_gov("get_action_item", item_id))


@blp.route("/action-items/<item_id>/updates")
class ActionItemUpdates(MethodView):
    @idempotent
    @blp.arguments(s.ActionItemUpdateCreate)
    @blp.response(201, s.ActionItemOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], item_id: str) -> Response:
        """Report progress or claim completion (the responsible party or staff)."""
        return respond(_gov("report_progress", item_id, _body()), 201)


@blp.route("/action-items/<item_id>/feedback")
class ActionItemFeedback(MethodView):
    @idempotent
    @blp.arguments(s.FeedbackCreate)
    @blp.response(201, s.ActionItemOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], item_id: str) -> Response:
        """Confirm or dispute that a completed item is really done; enough disputes reopen it."""
        return respond(_gov("give_feedback", item_id, _body()), 201)


# --- voice ---------------------------------------------------------------------------------------------


@blp.route("/voice")
class VoiceItems(MethodView):
    @blp.arguments(s.VoiceQuery, location="query")
    @blp.response(200, s.VoicePage)
    def get(self, query: dict[str, Any]) -> Response:
        """Items raised in the community, newest first; anonymous ones without their author."""
        return respond(_gov("list_voice", query))

    @idempotent
    @blp.arguments(s.VoiceCreate)
    @blp.response(201, s.VoiceOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any]) -> Response:
        """Raise a problem or idea (小哥有话讲), anonymously to other residents if you wish."""
        return respond(_gov("submit_voice", _body()), 201)


@blp.route("/voice/stats")
class VoiceStatsResource(MethodView):
    @blp.response(200, s.VoiceStats)
    def get(self) -> Response:
        """Time to first answer and backlog for your community (staff)."""
        return respond(_gov("voice_stats"))


@blp.route("/voice/<voice_id>")
class VoiceItemResource(MethodView):
    @blp.response(200, s.VoiceOut)
    def get(self, voice_id: str) -> Response:
        """One item."""
        return respond(_gov("get_voice", voice_id))


@blp.route("/voice/<voice_id>/me-too")
class VoiceMeToo(MethodView):
    @blp.response(200, s.VoiceOut)
    def post(self, voice_id: str) -> Response:
        """Add your "me too" (once)."""
        return respond(_gov("me_too", voice_id))


@blp.route("/voice/<voice_id>/triage")
class VoiceTriage(MethodView):
    @blp.arguments(s.VoiceTriage)
    @blp.response(200, s.VoiceOut)
    def post(self, _body_: dict[str, Any], voice_id: str) -> Response:
        """acknowledge, answer, promote to a council topic, resolve, or decline with a reason (staff)."""
        return respond(_gov("triage_voice", voice_id, _body()))


# --- branches and grid -----------------------------------------------------------------------------------


@blp.route("/branches")
class Branches(MethodView):
    @blp.arguments(s.ListQuery, location="query")
    @blp.response(200, s.BranchList)
    def get(self, query: dict[str, Any]) -> Response:
        """Branches and their members: all for staff, their own for branch officers, 403 otherwise."""
        return respond(_gov("list_branches", query))

    @idempotent
    @blp.arguments(s.BranchCreate)
    @blp.response(201, s.BranchOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any]) -> Response:
        """Create a party branch (staff)."""
        return respond(_gov("create_branch", _body()), 201)


@blp.route("/branches/<branch_id>")
class BranchItem(MethodView):
    @blp.response(200, s.BranchOut)
    def get(self, branch_id: str) -> Response:
        """One branch (staff or its officers; 404 for anyone else)."""
        return respond(_gov("get_branch", branch_id))


@blp.route("/branches/<branch_id>/members")
class BranchMembers(MethodView):
    @blp.arguments(s.BranchMemberCreate)
    @blp.response(201, s.BranchMemberOut)
    def post(self, _body_: dict[str, Any], branch_id: str) -> Response:
        """Enrol a party member (staff or the branch's officers); floating members in two branches at once."""
        return respond(_gov("enrol_branch_member", branch_id, _body()), 201)


@blp.route("/grid-members")
class GridMembers(MethodView):
    @blp.arguments(s.ListQuery, location="query")
    @blp.response(200, s.GridMemberList)
    def get(self, query: dict[str, Any]) -> Response:
        """The community grid force (网格) (staff)."""
        return respond(_gov("list_grid", query))

    @blp.arguments(s.GridMemberCreate)
    @blp.response(201, s.GridMemberOut)
    def post(self, _body_: dict[str, Any]) -> Response:
        """Add a grid member (staff)."""
        return respond(_gov("add_grid_member", _body()), 201)


# --- projects and duties ------------------------------------------------------------------------------------


@blp.route("/projects")
class Projects(MethodView):
    @blp.arguments(s.ListQuery, location="query")
    @blp.response(200, s.ProjectList)
    def get(self, query: dict[str, Any]) -> Response:
        """Vanguard-led projects and key small matters, with duties and upcoming slots."""
        return respond(_gov("list_projects", query))

    @idempotent
    @blp.arguments(s.ProjectCreate)
    @blp.response(201, s.ProjectOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any]) -> Response:
        """A branch or partner unit adopts a project (staff, or the branch's officers). Publishes `project_adopted`."""
        return respond(_gov("adopt_project", _body()), 201)


@blp.route("/projects/<project_id>")
class ProjectItem(MethodView):
    @blp.response(200, s.ProjectOut)
    def get(self, project_id: str) -> Response:
        """One project."""
        return respond(_gov("get_project", project_id))


@blp.route("/projects/<project_id>/duties")
class ProjectDuties(MethodView):
    @idempotent
    @blp.arguments(s.DutyCreate)
    @blp.response(201, s.ProjectOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], project_id: str) -> Response:
        """Add a weekly duty and create its next slots (staff or the adopting branch's officers)."""
        return respond(_gov("add_duty", project_id, _body()), 201)


@blp.route("/slots/<slot_id>/signups")
class SlotSignups(MethodView):
    @idempotent
    @blp.response(201, s.SignupOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, slot_id: str) -> Response:
        """Volunteer for a slot; 409 `full` when every place is taken."""
        return respond(_gov("sign_up_for_slot", slot_id), 201)


@blp.route("/signups/mine")
class MySignups(MethodView):
    @blp.response(200, s.SignupOut(many=True))
    def get(self) -> Response:
        """Your duty sign-ups."""
        return respond(_gov("my_signups")["items"])


@blp.route("/signups/<signup_id>/cancellation")
class SignupCancellation(MethodView):
    @blp.response(200, s.SignupOut)
    def post(self, signup_id: str) -> Response:
        """Give your place back before the slot starts."""
        return respond(_gov("cancel_signup", signup_id))


@blp.route("/signups/<signup_id>/completion")
class SignupCompletion(MethodView):
    @idempotent
    @blp.arguments(s.DutyCheckIn)
    @blp.response(200, s.SignupOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any], signup_id: str) -> Response:
        """Check in on completion, optionally with a photo reference. Publishes `duty_completed` (points)."""
        return respond(_gov("complete_duty", signup_id, _body()))


# --- assets ---------------------------------------------------------------------------------------------------


@blp.route("/assets")
class Assets(MethodView):
    @blp.arguments(s.AssetQuery, location="query")
    @blp.response(200, s.AssetList)
    def get(self, query: dict[str, Any]) -> Response:
        """The community's map, with assets other communities share."""
        return respond(_gov("list_assets", query))

    @idempotent
    @blp.arguments(s.AssetCreate)
    @blp.response(201, s.AssetOut)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, _body_: dict[str, Any]) -> Response:
        """Add a service centre, station or rest stop (staff)."""
        return respond(_gov("create_asset", _body()), 201)


@blp.route("/assets/<asset_id>")
class AssetItem(MethodView):
    @blp.response(200, s.AssetOut)
    def get(self, asset_id: str) -> Response:
        """One asset."""
        return respond(_gov("get_asset", asset_id))

    @blp.arguments(partial_schema(s.AssetFields))
    @blp.response(200, s.AssetOut)
    def patch(self, _body_: dict[str, Any], asset_id: str) -> Response:
        """Change an asset (staff of its community)."""
        return respond(_gov("update_asset", asset_id, _body()))


@blp.route("/public/communities/<community>/assets")
class PublicAssets(MethodView):
    @blp.arguments(s.AssetQuery, location="query")
    @blp.response(200, s.AssetList)
    @blp.doc(security=[])
    def get(self, query: dict[str, Any], community: str) -> Response:
        """No login: rest stops (暖蜂驿站) and service centres of a community, and those shared with it.
        Filter with `amenity=water&amenity=microwave`, `open_now=true`, `kind=rest_stop`,
        `near_lat`/`near_lng` to sort by distance."""
        if db.session().get(Tenant, community) is None:
            raise NotFound(messages.NO_SUCH_COMMUNITY, {"community": community})
        context = CallContext(tenant_id=community, roles=frozenset({"public"}), locale=preferred_locale(),
                              request_id=g.request_id)
        return respond(pool().call("governance", "list_assets", query, context_data=context.to_context_data()))
