"""Earning: rules over other services' events, caps per person per day and month, manual awards
and maker-checker approval."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.common.contracts import load
from services.common.database import announced
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.points import awards, ledger
from services.points.contracts.schemas import ManualAwardIn, RuleIn
from services.points.models import Account, AwardRequest, Entry, Lot, Posting
from tests.support.sessions import join
from tests.unit.points.conftest import NOW, ctx

STAFF = ctx("xiangyang", "u-staff", "staff")
CHECKER = ctx("xiangyang", "u-checker", "staff")


def _rule(session, **fields):
    payload = {"name": "急救培训 / First aid", "event_type": "training.session_attended", "category": "first_aid",
               "match": {"course_kind": "first_aid"}, "points": 20, **fields}
    with session.begin():
        return awards.create_rule(session=session, ctx=STAFF, data=load(RuleIn(), payload))


def _attended(session, attendance_id, user_id="u-wang", course_kind="first_aid", at=NOW):
    with session.begin():
        return awards.apply_event(session=session, event_type="training.session_attended", now=NOW, data={
            "attendance_id": attendance_id, "session_id": "s1", "course_id": "c1", "course_kind": course_kind,
            "user_id": user_id, "attended_at": at.isoformat()})


def _balance(session, user_id="u-wang"):
    with session.begin():
        member = ledger.find_member_account(session=session, user_id=user_id)
        return member.balance if member else 0


def test_a_first_aid_session_earns_points_by_the_rule_that_matches_its_course_kind(bank):
    session = bank("xiangyang")
    rule = _rule(session)
    [posting] = _attended(session, "att-1")
    assert (posting.amount, posting.category, posting.rule_id, posting.reference) == (20, "first_aid", rule.id, "att-1")
    assert posting.occurred_at == NOW
    assert _attended(session, "att-2", course_kind="cultural") == []
    assert _balance(session) == 20
    # the award announces itself in the unit of work that posted it
    [event] = announced(session, "points_awarded")
    assert (event["subject"], event["data"]["amount"], event["data"]["source"]) == (posting.id, 20, "rule")


def test_the_same_attendance_delivered_twice_is_awarded_once(bank):
    session = bank("xiangyang")
    _rule(session)
    assert len(_attended(session, "att-1")) == 1
    assert _attended(session, "att-1") == []
    assert _balance(session) == 20


def test_rules_are_per_tenant(bank):
    _rule(bank("xiangyang"))
    assert _attended(bank("dongxin"), "att-1") == []
    assert _balance(bank("dongxin")) == 0


def test_duty_hours_earn_points_per_hour_rounded_down(bank):
    session = bank("xiangyang")
    _rule(session, event_type="governance.duty_completed", match={}, category="volunteer", points=None,
          points_per_hour=10)
    with session.begin():
        [posting] = awards.apply_event(session=session, event_type="governance.duty_completed", now=NOW, data={
            "duty_id": "d-1", "project_id": "p-1", "user_id": "u-wang", "hours": 2.75,
            "completed_at": NOW.isoformat()})
    assert posting.amount == 27


def test_daily_and_monthly_caps_limit_what_a_person_earns_by_a_rule(bank):
    session = bank("xiangyang")
    _rule(session, points=20, daily_cap=30, monthly_cap=50)
    assert [p.amount for p in _attended(session, "a1")] == [20]
    assert [p.amount for p in _attended(session, "a2")] == [10]  # only what is left of today's 30
    assert _attended(session, "a3") == []
    # late that local evening (23:30 in Hangzhou) is still the same day
    assert _attended(session, "a4", at=NOW.replace(hour=15, minute=30)) == []
    # next day: the daily cap starts again, the monthly one does not
    assert [p.amount for p in _attended(session, "a5", at=NOW + timedelta(days=1))] == [20]
    assert _attended(session, "a6", at=NOW + timedelta(days=2)) == []
    # next month: both start again
    assert [p.amount for p in _attended(session, "a7", at=NOW + timedelta(days=31))] == [20]
    # another person has caps of their own
    assert [p.amount for p in _attended(session, "b1", user_id="u-li")] == [20]
    assert _balance(session) == 70


def test_a_reversed_award_no_longer_counts_against_the_cap(bank):
    session = bank("xiangyang")
    _rule(session, points=20, daily_cap=20)
    [first] = _attended(session, "a1")
    with session.begin():
        ledger.reverse(session=session, ctx=STAFF, posting_id=first.id, reason="登记错误", now=NOW)
    assert [p.amount for p in _attended(session, "a2")] == [20]


def test_a_walk_in_or_child_without_an_account_earns_nothing(bank):
    session = bank("xiangyang")
    _rule(session)
    assert _attended(session, "att-child", user_id=None) == []
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Posting)) == 0


@pytest.mark.parametrize("fields, bad", [
    ({"points": None}, "points"),
    ({"points": 5, "points_per_hour": 5}, "points"),
    ({"points": None, "points_per_hour": 5}, "points_per_hour"),
    ({"match": {"hair_colour": "red"}}, "match"),
])
def test_a_rule_needs_exactly_one_way_to_count_and_only_fields_its_event_has(bank, fields, bad):
    with pytest.raises(ValidationFailed) as caught:
        _rule(bank("xiangyang"), **fields)
    assert bad in caught.value.fields


def test_residents_cannot_make_rules(bank):
    session = bank("xiangyang")
    with pytest.raises(Forbidden), session.begin():
        awards.create_rule(session=session, ctx=ctx("xiangyang", "u-wang"), data=load(RuleIn(), {
            "name": "x", "event_type": "training.session_attended", "category": "first_aid", "points": 1000}))


def _manual(session, actor=STAFF, **fields):
    payload = {"user_id": "u-wang", "amount": 50, "category": "anti_fraud", "reason": "防诈骗宣传进楼道", **fields}
    with session.begin():
        return awards.manual_award(session=session, ctx=actor, data=load(ManualAwardIn(), payload), now=NOW)


def test_a_manual_award_up_to_the_threshold_posts_at_once_with_its_reason_and_who_gave_it(bank):
    session = bank("xiangyang")
    outcome, posting, created = _manual(session, amount=200)
    assert (outcome, created) == ("posted", True)
    assert (posting.amount, posting.memo, posting.created_by, posting.source) == (200, "防诈骗宣传进楼道", "u-staff",
                                                                                  "manual")
    assert _balance(session) == 200


def test_a_manual_award_with_a_repeated_key_answers_with_the_first(bank):
    session = bank("xiangyang")
    _outcome, first, _ = _manual(session, idempotency_key="k1")
    _outcome, again, created = _manual(session, idempotency_key="k1", amount=60)
    assert not created and again.id == first.id and _balance(session) == 50


@pytest.mark.parametrize("amount", [0, -5, 1.5, "10", None])
def test_negative_zero_fractional_or_missing_amounts_are_refused(amount):
    with pytest.raises(ValidationFailed) as caught:
        load(ManualAwardIn(), {"user_id": "u", "amount": amount, "category": "volunteer", "reason": "ok"})
    assert "amount" in caught.value.fields


def test_a_manual_award_above_the_threshold_waits_for_a_second_staff_member(bank):
    session = bank("xiangyang")
    outcome, request, created = _manual(session, amount=500, idempotency_key="big")
    assert (outcome, created, request.status) == ("pending", True, "pending")
    assert _balance(session) == 0
    request_id = request.id
    with pytest.raises(Forbidden), session.begin():  # the maker cannot check their own award
        awards.approve(session=session, ctx=STAFF, request_id=request_id)
    with pytest.raises(Forbidden), session.begin():  # nor a resident
        awards.approve(session=session, ctx=ctx("xiangyang", "u-li"), request_id=request_id)
    assert _manual(session, amount=500, idempotency_key="big")[1].id == request_id  # a retry: same request
    with session.begin():
        approved, posting = awards.approve(session=session, ctx=CHECKER, request_id=request_id, note="核实无误",
                                           now=NOW)
    assert (approved.status, approved.decided_by, approved.posting_id) == ("approved", "u-checker", posting.id)
    assert posting.created_by == "u-staff" and posting.amount == 500
    assert _balance(session) == 500
    with pytest.raises(Conflict) as caught, session.begin():
        awards.approve(session=session, ctx=CHECKER, request_id=request_id)
    assert caught.value.extra["state"] == "approved"
    assert _balance(session) == 500


def test_a_rejected_request_moves_nothing_and_cannot_be_approved_later(bank):
    session = bank("xiangyang")
    request_id = _manual(session, amount=900)[1].id
    with session.begin():
        assert awards.reject(session=session, ctx=CHECKER, request_id=request_id, note="材料不足").status == "rejected"
    with pytest.raises(Conflict), session.begin():
        awards.approve(session=session, ctx=CHECKER, request_id=request_id)
    assert _balance(session) == 0
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Posting)) == 0
        assert session.get(AwardRequest, request_id).decision_note == "材料不足"


def test_staff_cannot_award_themselves(bank):
    with pytest.raises(Forbidden):
        _manual(bank("xiangyang"), user_id="u-staff")


def test_the_threshold_is_the_tenants_own(bank):
    session = bank("dongxin")
    with session.begin():
        ledger.settings(session=session).approval_threshold = 1000
    outcome, _posting, _ = _manual(session, actor=ctx("dongxin", "u-b-staff", "staff"), amount=900)
    assert outcome == "posted"


# --- a day sheet: many manual awards in one call --------------------------------------------------


def _sheet(session, items, actor=STAFF):
    payloads = [load(ManualAwardIn(), {"category": "volunteer", "reason": "社区清扫 / Street sweeping", **item})
                for item in items]
    with session.begin():
        return awards.manual_awards(session=session, ctx=actor, items=payloads, now=NOW)


def test_a_day_sheet_posts_what_the_same_awards_one_at_a_time_would(bank):
    sheet = [{"user_id": "u-wang", "amount": 30, "idempotency_key": "a"},
             {"user_id": "u-li", "amount": 20, "idempotency_key": "b"},
             {"user_id": "u-wang", "amount": 15, "idempotency_key": "c"},
             {"user_id": "u-zhao", "amount": 500, "idempotency_key": "d"},   # above the threshold: waits
             {"user_id": "u-li", "amount": 99, "idempotency_key": "b"}]      # a repeated key: the first result
    batched, single = bank("xiangyang"), bank("dongxin")
    outcomes = _sheet(batched, sheet)
    one_by_one = [_sheet(single, [item])[0] for item in sheet]
    assert [(o, created) for o, _r, created in outcomes] == [(o, created) for o, _r, created in one_by_one] == [
        ("posted", True), ("posted", True), ("posted", True), ("pending", True), ("posted", False)]
    assert outcomes[4][1].id == outcomes[1][1].id and outcomes[4][1].amount == 20
    for session in (batched, single):
        with session.begin():
            balances = {a.owner_id: a.balance for a in session.scalars(select(Account).where(Account.kind == "member"))}
            running = [e.balance_after for e in session.scalars(select(Entry).where(Entry.balance_after.is_not(None))
                                                                .order_by(Entry.seq))]
            lots = sorted(session.scalars(select(Lot.remaining)))
            assert ledger.check(session=session)["ok"]
            assert ledger.issuance(session=session).balance == -65
        assert balances == {"u-wang": 45, "u-li": 20}  # u-zhao's 500 waits for a second staff member
        assert running == [30, 20, 45] and lots == [15, 20, 30]


def test_a_day_sheet_sent_again_awards_nothing_twice(bank):
    session = bank("xiangyang")
    sheet = [{"user_id": f"u-{n}", "amount": 10, "idempotency_key": f"sheet-{n}"} for n in range(40)]
    with session.begin():
        join(session, *(item["user_id"] for item in sheet))
    assert all(created for _o, _r, created in _sheet(session, sheet[:25]))  # the first 25 went through before
    again = _sheet(session, sheet)
    assert [created for _o, _r, created in again] == [False] * 25 + [True] * 15
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Posting)) == 40
        assert ledger.issuance(session=session).balance == -400 and ledger.check(session=session)["ok"]


def test_a_day_sheet_with_an_award_to_oneself_posts_nothing(bank):
    session = bank("xiangyang")
    with pytest.raises(Forbidden):
        _sheet(session, [{"user_id": "u-wang", "amount": 10}, {"user_id": "u-staff", "amount": 10}])
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Posting)) == 0
