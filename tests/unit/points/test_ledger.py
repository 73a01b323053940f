"""The double-entry ledger: postings, idempotency, reversals and the balance-equals-entries check."""

from datetime import UTC

import pytest
from sqlalchemy import func, select, update

from services.common.database import announced
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.points import ledger
from services.points.models import Account, Entry, Lot, Posting
from tests.unit.points.conftest import NOW, ctx

STAFF = ctx("xiangyang", "u-staff", "staff")


def _award(session, user_id="u-wang", amount=30, key="k-1", **kwargs):
    with session.begin():
        return ledger.award(session=session, user_id=user_id, amount=amount, category="volunteer", source="manual",
                            key=key, now=NOW, **kwargs)


def _entries(session, posting_id):
    return [e.amount for e, _a in ledger.entries_of(session=session, posting_id=posting_id)]


def test_an_award_is_one_posting_whose_entries_sum_to_zero_and_the_balance_is_their_sum(bank):
    session = bank("xiangyang")
    posting, created = _award(session)
    assert created and posting.kind == "award" and posting.amount == 30 and len(posting.trace_number) == 14
    with session.begin():
        assert sorted(_entries(session, posting.id)) == [-30, 30]
        member = ledger.find_member_account(session=session, user_id="u-wang")
        assert member.balance == 30
        assert session.scalar(select(func.sum(Entry.amount)).where(Entry.account_id == member.id)) == 30
        assert ledger.issuance(session=session).balance == -30
        lot = session.scalar(select(Lot).where(Lot.posting_id == posting.id))
        assert lot.remaining == 30 and lot.expires_at.year == NOW.year + 2  # default: 24 months


@pytest.mark.parametrize("legs", [[10, -9], [10], [0, 0], [2.5, -2.5]])
def test_a_posting_that_is_unbalanced_single_legged_or_not_whole_points_is_refused(bank, legs):
    session = bank("xiangyang")
    with pytest.raises(ledger.LedgerCorrupt), session.begin():
        accounts = [ledger.issuance(session=session), ledger.expiry(session=session)]
        ledger.post(session=session, kind="award", source="t", key="bad", amount=10,
                    legs=list(zip(accounts, legs, strict=False)), now=NOW)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Posting)) == 0


def test_the_same_idempotency_key_returns_the_first_posting_and_moves_nothing_twice(bank):
    session = bank("xiangyang")
    first, _ = _award(session, key="drill-42")
    again, created = _award(session, key="drill-42", amount=99)
    assert not created and again.id == first.id and again.amount == 30
    with session.begin():
        assert ledger.find_member_account(session=session, user_id="u-wang").balance == 30
        assert session.scalar(select(func.count()).select_from(Posting)) == 1


def test_the_same_key_in_another_tenant_or_source_is_another_posting(bank):
    first, _ = _award(bank("xiangyang"), key="same")
    other_tenant, created_there = _award(bank("dongxin"), key="same")
    session = bank("xiangyang")
    with session.begin():
        other_source, created_by_rule = ledger.award(session=session, user_id="u-wang", amount=5, category="volunteer",
                                                     source="rule", key="same", now=NOW)
    assert created_there and created_by_rule and len({first.id, other_tenant.id, other_source.id}) == 3


def test_a_key_reused_for_another_kind_of_posting_is_a_conflict(bank):
    session = bank("xiangyang")
    _award(session, key="k")
    with pytest.raises(Conflict) as caught, session.begin():
        member = ledger.find_member_account(session=session, user_id="u-wang")
        ledger.post(session=session, kind="expiry", source="manual", key="k", amount=5,
                    legs=[(member, -5), (ledger.expiry(session=session), 5)], now=NOW)
    assert caught.value.extra["state"] == "key_reused"


def test_a_reversal_is_a_linked_posting_that_restores_the_balance_and_cannot_be_repeated(bank):
    session = bank("xiangyang")
    original, _ = _award(session)
    with session.begin():
        reversal = ledger.reverse(session=session, ctx=STAFF, posting_id=original.id, reason="重复登记", now=NOW)
    assert reversal.kind == "reversal" and reversal.reverses_id == original.id and reversal.amount == 30
    [event] = announced(session, "points_reversed")
    assert (event["data"]["reverses_posting_id"], event["data"]["reason"]) == (original.id, "重复登记")
    with session.begin():
        assert sorted(_entries(session, reversal.id)) == [-30, 30]
        assert ledger.find_member_account(session=session, user_id="u-wang").balance == 0
        assert ledger.issuance(session=session).balance == 0
        assert ledger.posting_view(session=session, posting=original)["reversed_by"] == reversal.id
        # the original is untouched: corrections never edit
        assert sorted(_entries(session, original.id)) == [-30, 30]
    reversal_id, original_id = reversal.id, original.id  # a rollback expires loaded objects
    with pytest.raises(Conflict) as caught, session.begin():
        ledger.reverse(session=session, ctx=STAFF, posting_id=original_id, reason="again", now=NOW)
    assert caught.value.extra == {"state": "reversed", "reversed_by": reversal_id,
                                  "message_code": "points.already_reversed"}
    with session.begin():
        assert ledger.check(session=session)["ok"]


def test_an_award_already_spent_cannot_be_reversed_and_the_ledger_is_unchanged(bank):
    session = bank("xiangyang")
    original_id = _award(session, amount=30)[0].id
    with session.begin():
        member = ledger.find_member_account(session=session, user_id="u-wang")
        spent, _ = ledger.post(session=session, kind="hold", source="t", key="spend", amount=20,
                               legs=[(member, -20), (ledger.holding(session=session), 20)], now=NOW)
        ledger.draw_lots(session=session, member=member, posting=spent, amount=20)
    with pytest.raises(Conflict) as caught, session.begin():
        ledger.reverse(session=session, ctx=STAFF, posting_id=original_id, reason="wrong person", now=NOW)
    assert caught.value.extra == {"state": "insufficient", "available": 10, "required": 30,
                                  "message_code": "points.not_enough_points"}
    with session.begin():
        assert ledger.find_member_account(session=session, user_id="u-wang").balance == 10
        assert session.scalar(select(func.count()).select_from(Posting)) == 2
        assert ledger.check(session=session)["ok"]


def test_only_staff_reverse_only_awards_and_unknown_or_foreign_postings_are_not_found(bank):
    session = bank("xiangyang")
    original_id = _award(session)[0].id
    with pytest.raises(Forbidden), session.begin():
        ledger.reverse(session=session, ctx=ctx("xiangyang", "u-wang"), posting_id=original_id, reason="mine")
    other = bank("dongxin")
    with pytest.raises(NotFound), other.begin():
        ledger.reverse(session=other, ctx=ctx("dongxin", "u-b", "staff"), posting_id=original_id, reason="not ours")
    with session.begin():
        member = ledger.find_member_account(session=session, user_id="u-wang")
        hold, _ = ledger.post(session=session, kind="hold", source="t", key="h", amount=5,
                              legs=[(member, -5), (ledger.holding(session=session), 5)], now=NOW)
    hold_id = hold.id
    with pytest.raises(Conflict) as caught, session.begin():
        ledger.reverse(session=session, ctx=STAFF, posting_id=hold_id, reason="no")
    assert caught.value.extra["state"] == "hold"


def test_a_personal_account_never_goes_below_zero(bank):
    session = bank("xiangyang")
    _award(session, amount=10)
    with pytest.raises(Conflict) as caught, session.begin():
        member = ledger.find_member_account(session=session, user_id="u-wang")
        ledger.post(session=session, kind="hold", source="t", key="over", amount=11,
                    legs=[(member, -11), (ledger.holding(session=session), 11)], now=NOW)
    assert caught.value.extra == {"state": "insufficient", "available": 10, "required": 11,
                                  "message_code": "points.not_enough_points"}
    with session.begin():
        assert ledger.find_member_account(session=session, user_id="u-wang").balance == 10


def test_postings_written_together_are_each_checked_against_what_the_ones_before_left(bank):
    session = bank("xiangyang")
    _award(session, amount=30)
    with pytest.raises(Conflict) as caught, session.begin():
        member = ledger.find_member_account(session=session, user_id="u-wang")
        holding = ledger.holding(session=session)
        ledger.post_many(session=session, now=NOW, specs=[
            ledger.PostingSpec(kind="hold", source="t", key=f"spend-{n}", amount=20,
                               legs=[(member, -20), (holding, 20)])
            for n in range(2)])
    assert caught.value.extra == {"state": "insufficient", "available": 10, "required": 20,
                                  "message_code": "points.not_enough_points"}
    with session.begin():  # all or nothing: the first spend did not stay either
        assert ledger.find_member_account(session=session, user_id="u-wang").balance == 30
        assert session.scalar(select(func.count()).select_from(Posting)) == 1


def test_the_check_proves_balances_equal_entries_and_finds_a_tampered_balance(bank):
    session = bank("xiangyang")
    _award(session, key="a")
    _award(session, user_id="u-li", key="b", amount=7)
    with session.begin():
        report = ledger.check(session=session)
    assert report == {"ok": True, "accounts": 3, "postings": 2, "problems": []}
    with session.begin():  # someone edits a balance behind the ledger's back
        session.execute(update(Account).where(Account.owner_id == "u-li").values(balance=70))
    with session.begin():
        report = ledger.check(session=session)
    problems = {p["problem"] for p in report["problems"]}
    assert not report["ok"]
    assert problems == {"balance_differs_from_entries", "lots_differ_from_balance", "running_balance_differs"}


def test_a_statement_lists_entries_newest_first_with_running_balances_page_by_page(bank):
    session = bank("xiangyang")
    for number in range(5):
        _award(session, key=f"s{number}", amount=number + 1)
    with session.begin():
        member = ledger.find_member_account(session=session, user_id="u-wang")
        first = ledger.statement(session=session, account_id=member.id, limit=3, after=None)
        assert isinstance(first.next_cursor, str)  # opaque
        rest = ledger.statement(session=session, account_id=member.id, limit=3, after=first.next_cursor)
        with pytest.raises(ValidationFailed) as bad:
            ledger.statement(session=session, account_id=member.id, limit=3, after="12")
        assert "after" in bad.value.fields
    assert [e["amount"] for e in first.items + rest.items] == [5, 4, 3, 2, 1]
    assert [e["balance_after"] for e in first.items + rest.items] == [15, 10, 6, 3, 1]
    assert rest.next_cursor is None and all(e["kind"] == "award" for e in first.items)


def test_months_are_added_on_the_calendar_clamping_to_the_month_end():
    from datetime import datetime

    assert ledger.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1).day == 28
    assert ledger.add_months(datetime(2026, 11, 15, tzinfo=UTC), 3) == datetime(2027, 2, 15, tzinfo=UTC)


def test_figures_answer_every_asked_tenant_and_bound_the_flows_by_time(bank):
    from datetime import timedelta

    from services.points import figures

    session = bank("xiangyang")
    _award(session)
    with session.begin():
        found = figures.figures(session=session, tenant_ids=["xiangyang", "nowhere"])
        assert set(found) == {"xiangyang", "nowhere"}
        xiangyang = found["xiangyang"]
        assert (xiangyang["issued"], xiangyang["outstanding"], xiangyang["acts"]) == (30, 30, 1)
        assert found["nowhere"]["issued"] == 0 and found["nowhere"]["clearing"] == {}
        later = figures.figures(session=session, tenant_ids=["xiangyang"], since=NOW + timedelta(days=1))
        # flows bounded, balances not
        assert (later["xiangyang"]["issued"], later["xiangyang"]["outstanding"]) == (0, 30)
        assert set(figures.figures(session=session, tenant_ids=None)) == {"xiangyang"}
