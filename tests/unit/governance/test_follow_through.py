"""Resolutions and action items: residents confirm or dispute completion; enough disputes reopen."""

from datetime import date, timedelta

import pytest

from services.common.errors import Conflict, Forbidden
from services.governance import events, resolutions, voting
from services.governance.models import ActionItem
from tests.unit.governance.conftest import NOW, ctx, make_council, open_vote, proposal_in_deliberation, staff

PARKING = {"title": "小区外设快递车专用停车区", "description": "东门外20个车位", "assignee_kind": "property_manager",
           "assignee_name": "向阳物业", "assignee_user_id": "pm-user", "due_on": date(2026, 12, 31),
           "dispute_threshold": 2}


@pytest.fixture
def adopted(gov_sessions, announcements):
    session = gov_sessions("xiangyang")
    council, _ = make_council(session, members=[("c1", "courier")])
    proposal = proposal_in_deliberation(session, council, "c1")
    vote = open_vote(session, proposal)
    with session.begin():
        voting.cast(session=session, ctx=ctx("xiangyang", "c1"), vote_id=vote.id, choice="agree", reason=None,
                    now=NOW + timedelta(hours=1))
        voting.close(session=session, ctx=staff(), vote_id=vote.id, early=True,
                     now=NOW + timedelta(hours=2))
    return session, proposal


def _adopt(session, proposal_id):
    with session.begin():
        return resolutions.adopt(session=session, ctx=staff(), proposal_id=proposal_id, data={
            "text": "快递车辆早7-9点、晚5-8点可进入小区，其余时段停放于专用停车区。", "effective_on": date(2026, 12, 1),
            "review_on": date(2027, 6, 1), "action_items": [dict(PARKING)]})


def _feedback(session, item_id, user, verdict, comment="车位被私家车占了"):
    with session.begin():
        return resolutions.give_feedback(session=session, ctx=ctx("xiangyang", user), item_id=item_id,
                                         verdict=verdict, comment=comment)


def _item(session, item_id):
    with session.begin():
        return session.get(ActionItem, item_id)


def _report(session, item_id, user="pm-user", completed=True, progress=None):
    with session.begin():
        return resolutions.report(session=session, ctx=ctx("xiangyang", user), item_id=item_id,
                                  note="已划线", progress_percent=progress, completed=completed)


def test_only_an_adopted_proposal_becomes_a_resolution_and_only_once(adopted, announcements, gov_sessions):
    session, proposal = adopted
    resolution = _adopt(session, proposal.id)
    [announced] = announcements.named(events.RESOLUTION_ADOPTED)
    assert announced["resolution_id"] == resolution.id and len(announced["action_item_ids"]) == 1
    with pytest.raises(Conflict) as twice:
        _adopt(session, proposal.id)
    assert twice.value.extra == {"state": "resolved", "resolution_id": resolution.id,
                                 "message_code": "governance.resolution_exists"}


def test_progress_is_reported_by_the_responsible_party_and_completion_needs_their_claim(adopted, announcements):
    session, proposal = adopted
    resolution = _adopt(session, proposal.id)
    with session.begin():
        item_id = resolutions.view(session=session, ctx=staff(), resolution=resolution)["action_items"][0]["id"]
    with pytest.raises(Forbidden):
        _report(session, item_id, user="c1", completed=False, progress=50)
    item = _report(session, item_id, completed=False, progress=100)
    assert item.status == "in_progress" and item.progress_percent == 99  # 100 % is a claim, not a bar position
    with pytest.raises(Conflict) as early:
        _feedback(session, item_id, "r1", "confirm", None)
    assert early.value.extra["state"] == "in_progress"
    _report(session, item_id)
    assert announcements.named(events.ACTION_ITEM_COMPLETED)[0]["completion_round"] == 1


def test_enough_disputes_outnumbering_confirmations_reopen_a_completed_item(adopted, announcements):
    session, proposal = adopted
    resolution = _adopt(session, proposal.id)
    with session.begin():
        item_id = resolutions.view(session=session, ctx=staff(), resolution=resolution)["action_items"][0]["id"]
    _report(session, item_id)
    with pytest.raises(Forbidden):
        _feedback(session, item_id, "pm-user", "confirm", None)
    _feedback(session, item_id, "r1", "confirm", None)
    _feedback(session, item_id, "r2", "dispute")
    with pytest.raises(Conflict):
        _feedback(session, item_id, "r2", "dispute")
    assert _item(session, item_id).status == "done"  # 1 dispute < threshold 2
    _feedback(session, item_id, "r3", "dispute")
    # the threshold (2) is reached and 2 disputes outnumber 1 confirmation
    item = _item(session, item_id)
    assert item.status == "reopened" and item.reopened_count == 1 and item.completed_at is None
    assert len(announcements.named(events.ACTION_ITEM_DISPUTED)) == 2
    [reopened] = announcements.named(events.ACTION_ITEM_REOPENED)
    assert reopened == {**reopened, "disputes": 2, "confirmations": 1, "completion_round": 1}
    # a new claim starts a new round: earlier verdicts do not carry over
    _report(session, item_id)
    _feedback(session, item_id, "r2", "confirm", None)
    with session.begin():
        view = resolutions.item_view(session=session, ctx=ctx("xiangyang", "r2"), item=session.get(ActionItem,
                                                                                                   item_id))
    assert (view["status"], view["completion_round"], view["confirmations"], view["disputes"],
            view["my_verdict"]) == ("done", 2, 1, 0, "confirm")
    assert [h["kind"] for h in view["history"]] == ["completed", "reopened", "completed"]


def test_disputes_that_do_not_outnumber_confirmations_leave_the_item_done(adopted, announcements):
    session, proposal = adopted
    resolution = _adopt(session, proposal.id)
    with session.begin():
        item_id = resolutions.view(session=session, ctx=staff(), resolution=resolution)["action_items"][0]["id"]
    _report(session, item_id)
    for user in ("r1", "r2"):
        _feedback(session, item_id, user, "confirm", None)
    for user in ("r3", "r4"):
        _feedback(session, item_id, user, "dispute")
    assert _item(session, item_id).status == "done"
    assert announcements.named(events.ACTION_ITEM_REOPENED) == []
