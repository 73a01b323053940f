"""The governance nameko service: entrypoints only; rules live in the domain modules
(councils, council_sessions, proposals, voting, resolutions, voice, branches, projects, assets)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from nameko.rpc import rpc
from nameko.timer import timer

from services.common import config
from services.common.access import require_staff
from services.common.context import CallContext
from services.common.contracts import load
from services.common.database import Transaction, utcnow
from services.common.dependencies import Database, TenantContext
from services.common.logging import get_logger
from services.common.service import EXPECTED_ERRORS, HealthEntrypoints, MemberEntrypoints, PersonalDataEntrypoints
from services.governance import (
    assets,
    audiences,
    branches,
    council_sessions,
    councils,
    figures,
    personal_data,
    projects,
    proposals,
    resolutions,
    sharing,
    voice,
    voting,
)
from services.governance.contracts import schemas as s
from services.governance.models import ActionItem, Base, Council, CouncilSession, Proposal, Resolution, Vote

log = get_logger(__name__)

# Seconds between sweeps for vote reminders and closes (and session and duty slot reminders); a vote
# closes at most this late.
SWEEP_INTERVAL = config.get_float("GOVERNANCE_SWEEP_INTERVAL")


class GovernanceService(MemberEntrypoints, PersonalDataEntrypoints, HealthEntrypoints):
    name = "governance"

    ctx = TenantContext()
    db = Database(Base)
    personal_data = personal_data  # the tables holding something about a person


    # --- councils ----------------------------------------------------------------------

    @contextmanager
    def _crossing_to_council_owner(self, model, object_id: str | None, *, reason: str,
                                   read_only: bool = False) -> Iterator[tuple[Transaction, CallContext]]:
        """The unit of work for an act on a council's business, in the community that OWNS the row:
        the caller's own (a plain transaction), or, when the row belongs to a council shared with the
        caller's community, a crossing into the owner (`db.write_in_tenant`, or `db.read_in_tenant`
        with `read_only`), recorded with `reason`, as a visitor without home roles. Rows the caller
        cannot see fall through to the domain call in the caller's community, which answers 404."""
        unit = self.db.read_in_tenant if read_only else self.db.write_in_tenant
        with unit(self.ctx.tenant, reason=reason) as tx:
            owner = sharing.owner_of(tx.session, model, object_id)
            if owner is None or owner == tx.tenant_id:
                yield tx, self.ctx
                return
        with unit(owner, reason=reason) as tx:
            yield tx, sharing.visiting(self.ctx)

    def _write_in_council_owner(self, model, object_id: str | None, *, reason: str):
        """A write on a council's business in its owning community (see `_crossing_to_council_owner`)."""
        return self._crossing_to_council_owner(model, object_id, reason=reason)

    def _read_in_council_owner(self, model, object_id: str | None, *, reason: str):
        """A read of a council's business in its owning community (see `_crossing_to_council_owner`)."""
        return self._crossing_to_council_owner(model, object_id, reason=reason, read_only=True)

    def _member_counts(self, found: list[Council], home_session) -> dict[str, int]:
        """Seats live with the owner: counted in each owning community."""
        own = [c.id for c in found if c.tenant_id == self.ctx.tenant]
        counts = councils.member_counts(session=home_session, council_ids=own)
        shared_in: dict[str, list[str]] = {}
        for council in found:
            if council.tenant_id != self.ctx.tenant:
                shared_in.setdefault(council.tenant_id, []).append(council.id)
        for owner, ids in shared_in.items():
            with self.db.read_in_tenant(owner, reason="count the seats of councils shared with the caller") as tx:
                counts.update(councils.member_counts(session=tx.session, council_ids=ids))
        return counts

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_council(self, payload: dict) -> dict:
        data = load(s.CouncilCreate(), payload)
        with self.db.transaction() as tx:
            council = councils.create(session=tx.session, ctx=self.ctx, data=data)
            return s.CouncilOut().dump(_council(council, 0))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def share_council(self, council_id: str, payload: dict) -> dict:
        data = load(s.CouncilShare(), payload)
        with self.db.transaction() as tx:
            council = sharing.share(session=tx.session, ctx=self.ctx, council_id=council_id,
                                    communities=data["shared_with"])
            counts = councils.member_counts(session=tx.session, council_ids=[council.id])
            return s.CouncilOut().dump(_council(council, counts.get(council.id, 0)))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_councils(self, query: dict | None = None) -> dict:
        """The community's own councils and those shared with it."""
        params = load(s.PageQuery(), query or {})
        with self.db.transaction() as tx:
            page = councils.list_page(session=tx.session, **params)
            counts = self._member_counts(page.items, tx.session)
            return s.CouncilPage().dump({"items": [_council(c, counts.get(c.id, 0)) for c in page.items],
                                         "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_council(self, council_id: str) -> dict:
        with self._read_in_council_owner(Council, council_id,
                                         reason="read a shared council") as (tx, ctx):
            council = councils.get(session=tx.session, council_id=council_id)
            counts = councils.member_counts(session=tx.session, council_ids=[council.id])
            return s.CouncilOut().dump(_council(council, counts.get(council.id, 0)))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_members(self, council_id: str, payload: dict) -> dict:
        data = load(s.MembersCreate(), payload)
        with self._write_in_council_owner(Council, council_id,
                                          reason="add members on a shared council") as (tx, ctx):
            added = councils.add_members(session=tx.session, ctx=ctx, council_id=council_id,
                                         members=data["members"])
            return s.MemberList().dump({"items": added, "next_cursor": None})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def remove_member(self, council_id: str, member_id: str) -> dict:
        with self._write_in_council_owner(Council, council_id,
                                          reason="remove member on a shared council") as (tx, ctx):
            return s.MemberOut().dump(councils.remove_member(session=tx.session, ctx=ctx,
                                                             council_id=council_id, member_id=member_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_members(self, council_id: str, query: dict | None = None) -> dict:
        params = load(s.PageQuery(), query or {})
        with self._read_in_council_owner(Council, council_id,
                                         reason="list members of a shared council") as (tx, ctx):
            page = councils.list_members(session=tx.session, council_id=council_id, **params)
            return s.MemberList().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def open_topic(self, council_id: str, payload: dict) -> dict:
        data = load(s.TopicCreate(), payload)
        with self._write_in_council_owner(Council, council_id,
                                          reason="open topic on a shared council") as (tx, ctx):
            return s.TopicOut().dump(councils.open_topic(session=tx.session, ctx=ctx, council_id=council_id, **data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_topics(self, council_id: str, query: dict | None = None) -> dict:
        params = load(s.ListQuery(), query or {})
        with self._read_in_council_owner(Council, council_id,
                                         reason="list topics of a shared council") as (tx, ctx):
            page = councils.list_topics(session=tx.session, council_id=council_id, **params)
            return s.TopicList().dump({"items": page.items, "next_cursor": page.next_cursor})

    # --- sessions ------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def schedule_session(self, council_id: str, payload: dict) -> dict:
        data = load(s.SessionCreate(), payload)
        with self._write_in_council_owner(Council, council_id,
                                          reason="schedule session on a shared council") as (tx, ctx):
            meeting = council_sessions.schedule(session=tx.session, ctx=ctx, council_id=council_id, data=data)
            return self._session_out(tx, ctx, meeting)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_sessions(self, council_id: str, query: dict | None = None) -> dict:
        params = load(s.ListQuery(), query or {})
        with self._read_in_council_owner(Council, council_id,
                                         reason="list sessions of a shared council") as (tx, ctx):
            page = council_sessions.list_for_council(session=tx.session, council_id=council_id, **params)
            return s.SessionList().dump({"items": [council_sessions.view(session=tx.session, ctx=ctx, meeting=m)
                                                   for m in page.items], "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_session(self, session_id: str) -> dict:
        with self._read_in_council_owner(CouncilSession, session_id,
                                         reason="read a session of a shared council") as (tx, ctx):
            return self._session_out(tx, ctx, council_sessions.get(session=tx.session, session_id=session_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def invite_to_session(self, session_id: str, payload: dict) -> dict:
        data = load(s.InvitationsCreate(), payload)
        with self._write_in_council_owner(CouncilSession, session_id,
                                          reason="invite to session on a shared council") as (tx, ctx):
            council_sessions.invite(session=tx.session, ctx=ctx, session_id=session_id, **data)
            return self._session_out(tx, ctx, council_sessions.get(session=tx.session, session_id=session_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def check_in(self, session_id: str, payload: dict) -> dict:
        data = load(s.CheckIn(), payload)
        with self._write_in_council_owner(CouncilSession, session_id,
                                          reason="check in on a shared council") as (tx, ctx):
            council_sessions.check_in(session=tx.session, ctx=ctx, session_id=session_id, **data)
            return self._session_out(tx, ctx, council_sessions.get(session=tx.session, session_id=session_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def enter_tally(self, session_id: str, payload: dict) -> dict:
        data = load(s.HandTallyCreate(), payload)
        with self._write_in_council_owner(CouncilSession, session_id,
                                          reason="enter tally on a shared council") as (tx, ctx):
            tally = council_sessions.enter_tally(session=tx.session, ctx=ctx, session_id=session_id, data=data)
            return s.HandTallyOut().dump(council_sessions.tally_view(tally))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def sign_off_tally(self, session_id: str, tally_id: str) -> dict:
        with self._write_in_council_owner(CouncilSession, session_id,
                                          reason="sign off tally on a shared council") as (tx, ctx):
            tally = council_sessions.sign_off_tally(session=tx.session, ctx=ctx, session_id=session_id,
                                                    tally_id=tally_id)
            return s.HandTallyOut().dump(council_sessions.tally_view(tally))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_minutes(self, session_id: str, payload: dict) -> dict:
        data = load(s.MinutesCreate(), payload)
        with self._write_in_council_owner(CouncilSession, session_id,
                                          reason="record minutes on a shared council") as (tx, ctx):
            meeting = council_sessions.hold(session=tx.session, ctx=ctx, session_id=session_id, data=data)
            return self._session_out(tx, ctx, meeting)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_session(self, session_id: str) -> dict:
        with self._write_in_council_owner(CouncilSession, session_id,
                                          reason="cancel session on a shared council") as (tx, ctx):
            return self._session_out(tx, ctx, council_sessions.cancel(session=tx.session, ctx=ctx,
                                                                 session_id=session_id))

    def _session_out(self, tx, ctx, meeting) -> dict:
        return s.SessionOut().dump(council_sessions.view(session=tx.session, ctx=ctx, meeting=meeting))

    # --- proposals -------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_proposal(self, council_id: str, payload: dict) -> dict:
        data = load(s.ProposalCreate(), payload)
        with self._write_in_council_owner(Council, council_id,
                                          reason="create proposal on a shared council") as (tx, ctx):
            proposal = proposals.create(session=tx.session, ctx=ctx, council_id=council_id, data=data)
            return s.ProposalOut().dump(proposals.view(session=tx.session, proposal=proposal))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_proposals(self, council_id: str, query: dict | None = None) -> dict:
        params = load(s.ListQuery(), query or {})
        with self._read_in_council_owner(Council, council_id,
                                         reason="list proposals of a shared council") as (tx, ctx):
            page = proposals.list_for_council(session=tx.session, ctx=ctx, council_id=council_id, **params)
            return s.ProposalList().dump({"items": [proposals.view(session=tx.session, proposal=p)
                                                    for p in page.items], "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_proposal(self, proposal_id: str) -> dict:
        with self._read_in_council_owner(Proposal, proposal_id,
                                         reason="read a proposal of a shared council") as (tx, ctx):
            proposal = proposals.get(session=tx.session, ctx=ctx, proposal_id=proposal_id)
            return s.ProposalOut().dump(proposals.view(session=tx.session, proposal=proposal))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def transition_proposal(self, proposal_id: str, payload: dict) -> dict:
        data = load(s.ProposalTransition(), payload)
        with self._write_in_council_owner(Proposal, proposal_id,
                                          reason="transition proposal on a shared council") as (tx, ctx):
            proposal = proposals.transition(session=tx.session, ctx=ctx, proposal_id=proposal_id, **data)
            return s.ProposalOut().dump(proposals.view(session=tx.session, proposal=proposal))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_comment(self, proposal_id: str, payload: dict) -> dict:
        data = load(s.CommentCreate(), payload)
        with self._write_in_council_owner(Proposal, proposal_id,
                                          reason="add comment on a shared council") as (tx, ctx):
            note = proposals.comment(session=tx.session, ctx=ctx, proposal_id=proposal_id, **data)
            return s.CommentOut().dump({**_columns(note), "replies": []})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_comments(self, proposal_id: str) -> dict:
        with self._read_in_council_owner(Proposal, proposal_id,
                                         reason="list comments of a shared council") as (tx, ctx):
            return s.CommentThread().dump({"items": proposals.thread(session=tx.session, ctx=ctx,
                                                                     proposal_id=proposal_id)})

    # --- votes -------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def open_vote(self, proposal_id: str, payload: dict) -> dict:
        data = load(s.VoteOpen(), payload)
        with self._write_in_council_owner(Proposal, proposal_id,
                                          reason="open vote on a shared council") as (tx, ctx):
            vote = voting.open_vote(session=tx.session, ctx=ctx, proposal_id=proposal_id,
                                    data=data)
            return s.VoteOut().dump(voting.view(session=tx.session, ctx=ctx, vote=vote))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_vote(self, vote_id: str) -> dict:
        with self._read_in_council_owner(Vote, vote_id, reason="read a vote of a shared council") as (tx, ctx):
            vote = voting.get(session=tx.session, vote_id=vote_id)
            return s.VoteOut().dump(voting.view(session=tx.session, ctx=ctx, vote=vote))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cast_ballot(self, vote_id: str, payload: dict) -> dict:
        data = load(s.BallotCast(), payload)
        with self._write_in_council_owner(Vote, vote_id, reason="cast ballot on a shared council") as (tx, ctx):
            receipt = voting.cast(session=tx.session, ctx=ctx, vote_id=vote_id, channel="online", **data)
            owner = tx.tenant_id
        self._mix(owner, vote_id, receipt)
        return s.BallotReceiptOut().dump(receipt)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cast_in_room_ballot(self, vote_id: str, payload: dict) -> dict:
        data = load(s.InRoomBallotCast(), payload)
        with self._write_in_council_owner(Vote, vote_id,
                                          reason="cast in room ballot on a shared council") as (tx, ctx):
            receipt = voting.cast(session=tx.session, ctx=ctx, vote_id=vote_id, channel="in_room", **data)
            owner = tx.tenant_id
        self._mix(owner, vote_id, receipt)
        return s.BallotReceiptOut().dump(receipt)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def change_ballot(self, vote_id: str, payload: dict) -> dict:
        data = load(s.BallotChange(), payload)
        with self._write_in_council_owner(Vote, vote_id, reason="change ballot on a shared council") as (tx, ctx):
            receipt = voting.change(session=tx.session, ctx=ctx, vote_id=vote_id, **data)
            owner = tx.tenant_id
        self._mix(owner, vote_id, receipt, everything=True)
        return s.BallotReceiptOut().dump(receipt)

    def _mix(self, owner: str, vote_id: str, receipt: dict, *, everything: bool = False) -> None:
        """A secret ballot leaves the sealed inbox in a transaction that is not the
        voter's (see voting.mix). Best effort: if it fails, the sweep mixes it within
        seconds and the close always does; the ballot is counted either way."""
        if not receipt["secret"]:
            return
        try:
            with self.db.write_in_tenant(owner, reason="mix secret ballots into the pool") as tx:
                voting.mix(session=tx.session, vote_id=vote_id, everything=everything)
        except Exception:  # noqa: BLE001 - the cast itself has committed; never fail it here
            log.exception("governance.mix_failed", vote_id=vote_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def close_vote(self, vote_id: str, payload: dict | None = None) -> dict:
        data = load(s.VoteClose(), payload or {})
        with self._write_in_council_owner(Vote, vote_id, reason="close vote on a shared council") as (tx, ctx):
            vote = voting.close(session=tx.session, ctx=ctx, vote_id=vote_id, **data)
            return s.VoteOut().dump(voting.view(session=tx.session, ctx=ctx, vote=vote))

    @timer(interval=SWEEP_INTERVAL)
    def sweep_votes(self) -> None:
        """Reminders before close and closes at the end of the window, and the reminders of council
        sessions and duty slots, tenant by tenant."""
        now = utcnow()
        with self.db.system_read_all_tenants(reason="find votes to remind or close, sessions and duty slots to "
                                                    "remind") as session:
            tenants = {*voting.tenants_with_due_votes(session=session, now=now),
                       *council_sessions.tenants_with_due_reminders(session=session, now=now),
                       *projects.tenants_with_due_slots(session=session, now=now)}
        for tenant_id in sorted(tenants):
            try:
                done = self._sweep(lambda t=tenant_id: self.db.system_in_tenant(
                    t, reason="remind or close votes, remind sessions and duty slots"), now=now)
                log.info("governance.sweep", tenant_id=tenant_id, **done)
            except Exception:  # one community's failure must not stop the others' closes
                log.exception("governance.sweep_failed", tenant_id=tenant_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def run_sweep(self, now: str | None = None) -> dict:
        """Staff run now, for their own community, what the sweep timer runs for every community.
        `now` (ISO 8601, for tests: the settable clock) is the clock reminders run at; votes close by
        the real clock only, so a clock set ahead never closes a vote early."""
        require_staff(self.ctx)
        params = load(s.SweepRun(), {"now": now})
        return s.SweepOut().dump(self._sweep(self.db.transaction, now=params["now"] or utcnow(),
                                             closes_until=utcnow()))

    @staticmethod
    def _sweep(unit_of_work, *, now: datetime, closes_until: datetime | None = None) -> dict[str, int]:
        """Three short transactions in one tenant; `unit_of_work()` opens each."""
        with unit_of_work() as tx:
            done = voting.sweep(session=tx.session, now=now, closes_until=closes_until)
        with unit_of_work() as tx:
            done["sessions_reminded"] = council_sessions.remind_due(session=tx.session, now=now)
        with unit_of_work() as tx:
            done["slots_reminded"] = projects.remind_due_slots(session=tx.session, now=now)
        return done

    # --- audiences ------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def audience(self, group: str, ref: str) -> dict:
        """The accounts of one of governance's groups in the caller's community, for the
        notifications service's fan-out (a service-internal call: role `service`, no user) and
        staff broadcasts: vote_eligible, council_members, session_invitees (by vote, council or
        session id; for a shared council only the caller's community's own people), voice_author,
        duty_slot_signups (by voice item or slot id)."""
        shared = audiences.check(self.ctx, group)
        if shared is None:
            with self.db.transaction() as tx:
                found = audiences.user_ids(session=tx.session, group=group, ref=ref, home_tenant_id=tx.tenant_id)
        else:
            with self._read_in_council_owner(shared, ref, reason="list a group of a shared council") as (tx, _ctx):
                found = audiences.user_ids(session=tx.session, group=group, ref=ref,
                                           home_tenant_id=self.ctx.tenant)
        return s.AudienceOut().dump(audiences.answer(group=group, ref=ref, found=found))

    # --- resolutions ----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def adopt_resolution(self, proposal_id: str, payload: dict) -> dict:
        data = load(s.ResolutionCreate(), payload)
        with self._write_in_council_owner(Proposal, proposal_id,
                                          reason="adopt resolution on a shared council") as (tx, ctx):
            resolution = resolutions.adopt(session=tx.session, ctx=ctx, proposal_id=proposal_id, data=data)
            return s.ResolutionOut().dump(resolutions.view(session=tx.session, ctx=ctx, resolution=resolution))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_resolutions(self, council_id: str | None = None, query: dict | None = None) -> dict:
        """One council's resolutions (its owner's, also for a shared council), or all of
        the community's own."""
        params = load(s.ListQuery(), query or {})
        with self._read_in_council_owner(Council, council_id,
                                         reason="list resolutions of a shared council") as (tx, ctx):
            page = resolutions.list_all(session=tx.session, council_id=council_id, **params)
            return s.ResolutionList().dump({"items": [resolutions.view(session=tx.session, ctx=ctx, resolution=r)
                                                      for r in page.items], "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_resolution(self, resolution_id: str) -> dict:
        with self._read_in_council_owner(Resolution, resolution_id,
                                         reason="read a resolution of a shared council") as (tx, ctx):
            resolution = resolutions.get(session=tx.session, resolution_id=resolution_id)
            return s.ResolutionOut().dump(resolutions.view(session=tx.session, ctx=ctx, resolution=resolution))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_action_item(self, resolution_id: str, payload: dict) -> dict:
        data = load(s.ActionItemCreate(), payload)
        with self._write_in_council_owner(Resolution, resolution_id,
                                          reason="add action item on a shared council") as (tx, ctx):
            item = resolutions.add_item(session=tx.session, ctx=ctx, resolution_id=resolution_id, data=data)
            return s.ActionItemOut().dump(resolutions.item_view(session=tx.session, ctx=ctx, item=item))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_action_item(self, item_id: str) -> dict:
        with self._read_in_council_owner(ActionItem, item_id,
                                         reason="read an action item of a shared council") as (tx, ctx):
            item = resolutions.get_item(session=tx.session, item_id=item_id)
            return s.ActionItemOut().dump(resolutions.item_view(session=tx.session, ctx=ctx, item=item))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def report_progress(self, item_id: str, payload: dict) -> dict:
        data = load(s.ActionItemUpdateCreate(), payload)
        with self._write_in_council_owner(ActionItem, item_id,
                                          reason="report progress on a shared council") as (tx, ctx):
            item = resolutions.report(session=tx.session, ctx=ctx, item_id=item_id, **data)
            return s.ActionItemOut().dump(resolutions.item_view(session=tx.session, ctx=ctx, item=item))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def give_feedback(self, item_id: str, payload: dict) -> dict:
        data = load(s.FeedbackCreate(), payload)
        with self._write_in_council_owner(ActionItem, item_id,
                                          reason="give feedback on a shared council") as (tx, ctx):
            item = resolutions.give_feedback(session=tx.session, ctx=ctx, item_id=item_id,
                                             **data)
            return s.ActionItemOut().dump(resolutions.item_view(session=tx.session, ctx=ctx, item=item))

    # --- voice ------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def submit_voice(self, payload: dict) -> dict:
        data = load(s.VoiceCreate(), payload)
        with self.db.transaction() as tx:
            item = voice.submit(session=tx.session, ctx=self.ctx, data=data)
            return s.VoiceOut().dump(voice.view(session=tx.session, ctx=self.ctx, item=item))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_voice(self, query: dict | None = None) -> dict:
        params = load(s.VoiceQuery(), query or {})
        with self.db.transaction() as tx:
            page = voice.list_page(session=tx.session, ctx=self.ctx, **params)
            mine = voice.my_me_toos(session=tx.session, ctx=self.ctx, voice_ids=[i.id for i in page.items])
            return s.VoicePage().dump({"items": [voice.view(session=tx.session, ctx=self.ctx, item=i,
                                                            me_too_ids=mine) for i in page.items],
                                       "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_voice(self, voice_id: str) -> dict:
        with self.db.transaction() as tx:
            item = voice.get(session=tx.session, voice_id=voice_id)
            return s.VoiceOut().dump(voice.view(session=tx.session, ctx=self.ctx, item=item))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def me_too(self, voice_id: str) -> dict:
        with self.db.transaction() as tx:
            item = voice.me_too(session=tx.session, ctx=self.ctx, voice_id=voice_id)
            return s.VoiceOut().dump(voice.view(session=tx.session, ctx=self.ctx, item=item))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def triage_voice(self, voice_id: str, payload: dict) -> dict:
        data = load(s.VoiceTriage(), payload)
        with self.db.transaction() as tx:
            item = voice.triage(session=tx.session, ctx=self.ctx, voice_id=voice_id, data=data)
            return s.VoiceOut().dump(voice.view(session=tx.session, ctx=self.ctx, item=item))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def voice_stats(self) -> dict:
        with self.db.transaction() as tx:
            return s.VoiceStats().dump(figures.voice_stats(session=tx.session, ctx=self.ctx))

    # --- branches and grid ---------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_branch(self, payload: dict) -> dict:
        data = load(s.BranchCreate(), payload)
        with self.db.transaction() as tx:
            branch = branches.create(session=tx.session, ctx=self.ctx, data=data)
            return s.BranchOut().dump({**_columns(branch), "members": []})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_branches(self, query: dict | None = None) -> dict:
        params = load(s.ListQuery(), query or {})
        with self.db.transaction() as tx:
            page = branches.list_visible(session=tx.session, ctx=self.ctx, **params)
            members = branches.members_of(session=tx.session, branch_ids=[b.id for b in page.items])
            return s.BranchList().dump({"items": [{**_columns(b), "members": members[b.id]} for b in page.items],
                                        "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_branch(self, branch_id: str) -> dict:
        with self.db.transaction() as tx:
            branch = branches.get(session=tx.session, ctx=self.ctx, branch_id=branch_id)
            members = branches.members_of(session=tx.session, branch_ids=[branch.id])
            return s.BranchOut().dump({**_columns(branch), "members": members[branch.id]})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def enrol_branch_member(self, branch_id: str, payload: dict) -> dict:
        data = load(s.BranchMemberCreate(), payload)
        with self.db.transaction() as tx:
            return s.BranchMemberOut().dump(branches.enrol(session=tx.session, ctx=self.ctx, branch_id=branch_id,
                                                           data=data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_grid_member(self, payload: dict) -> dict:
        data = load(s.GridMemberCreate(), payload)
        with self.db.transaction() as tx:
            return s.GridMemberOut().dump(branches.add_grid_member(session=tx.session, ctx=self.ctx, data=data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_grid(self, query: dict | None = None) -> dict:
        params = load(s.ListQuery(), query or {})
        with self.db.transaction() as tx:
            page = branches.list_grid(session=tx.session, ctx=self.ctx, **params)
            return s.GridMemberList().dump({"items": page.items, "next_cursor": page.next_cursor})

    # --- projects and duties ----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def adopt_project(self, payload: dict) -> dict:
        data = load(s.ProjectCreate(), payload)
        with self.db.transaction() as tx:
            project = projects.adopt(session=tx.session, ctx=self.ctx, data=data)
            return s.ProjectOut().dump(projects.view(session=tx.session, ctx=self.ctx, project=project))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_projects(self, query: dict | None = None) -> dict:
        params = load(s.ListQuery(), query or {})
        with self.db.transaction() as tx:
            page = projects.list_all(session=tx.session, **params)
            return s.ProjectList().dump({"items": [projects.view(session=tx.session, ctx=self.ctx, project=p)
                                                   for p in page.items], "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_project(self, project_id: str) -> dict:
        with self.db.transaction() as tx:
            project = projects.get(session=tx.session, project_id=project_id)
            return s.ProjectOut().dump(projects.view(session=tx.session, ctx=self.ctx, project=project))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_duty(self, project_id: str, payload: dict) -> dict:
        data = load(s.DutyCreate(), payload)
        with self.db.transaction() as tx:
            projects.add_duty(session=tx.session, ctx=self.ctx, project_id=project_id, data=data)
            project = projects.get(session=tx.session, project_id=project_id)
            return s.ProjectOut().dump(projects.view(session=tx.session, ctx=self.ctx, project=project))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def sign_up_for_slot(self, slot_id: str) -> dict:
        with self.db.transaction() as tx:
            return s.SignupOut().dump(projects.sign_up(session=tx.session, ctx=self.ctx, slot_id=slot_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_signup(self, signup_id: str) -> dict:
        with self.db.transaction() as tx:
            return s.SignupOut().dump(projects.cancel(session=tx.session, ctx=self.ctx, signup_id=signup_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def complete_duty(self, signup_id: str, payload: dict | None = None) -> dict:
        data = load(s.DutyCheckIn(), payload or {})
        with self.db.transaction() as tx:
            return s.SignupOut().dump(projects.check_in(session=tx.session, ctx=self.ctx, signup_id=signup_id, **data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def my_signups(self) -> dict:
        with self.db.transaction() as tx:
            return {"items": s.SignupOut(many=True).dump(projects.my_signups(session=tx.session, ctx=self.ctx))}

    # --- assets ---------------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_asset(self, payload: dict) -> dict:
        data = load(s.AssetCreate(), payload)
        with self.db.transaction() as tx:
            asset = assets.create(session=tx.session, ctx=self.ctx, data=data)
            return s.AssetOut().dump(assets.view(session=tx.session, assets=[asset])[0])

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_asset(self, asset_id: str, changes: dict) -> dict:
        data = load(s.AssetFields(), changes, partial=True)
        with self.db.transaction() as tx:
            asset = assets.update(session=tx.session, ctx=self.ctx, asset_id=asset_id, changes=data)
            return s.AssetOut().dump(assets.view(session=tx.session, assets=[asset])[0])

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_assets(self, query: dict | None = None) -> dict:
        """The map: public (the gateway calls it for anonymous couriers with the community as tenant)."""
        params = load(s.AssetQuery(), query or {})
        with self.db.transaction() as tx:
            found = assets.search(session=tx.session, **params)
            return s.AssetList().dump({"items": assets.view(session=tx.session, assets=found)})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_asset(self, asset_id: str) -> dict:
        with self.db.transaction() as tx:
            asset = assets.get(session=tx.session, asset_id=asset_id)
            return s.AssetOut().dump(assets.view(session=tx.session, assets=[asset])[0])


def _council(council: Council, member_count: int) -> dict:
    return {**_columns(council), "shared_with": sharing.shared_with(council), "member_count": member_count}


def _columns(row) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}
