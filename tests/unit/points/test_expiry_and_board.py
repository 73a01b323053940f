"""Expiry first in, first out, with notices and pauses; the honour board (好人榜)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.common.errors import ValidationFailed
from services.points import board, expiry, ledger
from services.points.models import Lot
from tests.unit.points.conftest import NOW, ctx

STAFF = ctx("xiangyang", "u-staff", "staff")


def _give(session, amount, key, at, user_id="u-wang", category="volunteer"):
    with session.begin():
        return ledger.award(session=session, user_id=user_id, amount=amount, category=category, source="manual",
                            key=key, occurred_at=at, now=at)[0]


def _spend(session, amount, user_id="u-wang"):
    with session.begin():
        member = ledger.find_member_account(session=session, user_id=user_id)
        posting, _ = ledger.post(session=session, kind="hold", source="t", key=f"spend-{amount}-{NOW}", amount=amount,
                                 legs=[(member, -amount), (ledger.holding(session=session), amount)], now=NOW)
        ledger.draw_lots(session=session, member=member, posting=posting, amount=amount)


def _balance(session, user_id="u-wang"):
    with session.begin():
        return ledger.find_member_account(session=session, user_id=user_id).balance


def test_spending_draws_the_oldest_points_first_and_expiry_takes_only_what_is_left_of_them(bank):
    session = bank("xiangyang")
    _give(session, 30, "old", NOW - timedelta(days=700))  # expires in about a month (24 months)
    _give(session, 50, "new", NOW - timedelta(days=10))
    _spend(session, 40)  # all 30 old ones and 10 new ones
    with session.begin():
        assert expiry.expire_due(session=session, now=NOW + timedelta(days=60)) == []  # nothing left of the old
    _give(session, 25, "older", NOW - timedelta(days=720))
    with session.begin():
        [done] = expiry.expire_due(session=session, now=NOW + timedelta(days=60))
    assert (done["user_id"], done["amount"], done["lots"]) == ("u-wang", 25, 1)
    assert _balance(session) == 40
    with session.begin():
        assert expiry.expire_due(session=session, now=NOW + timedelta(days=60)) == []  # a second run: nothing
        assert ledger.expiry(session=session).balance == 25
        assert ledger.check(session=session)["ok"]


def test_the_expiry_period_is_the_tenants_setting(bank):
    session = bank("dongxin")
    with session.begin():
        ledger.settings(session=session).expiry_months = 6
    lot_posting = _give(session, 10, "k", NOW)
    with session.begin():
        lot = session.scalar(select(Lot).where(Lot.posting_id == lot_posting.id))
    assert lot.expires_at == NOW.replace(month=9)


def test_a_notice_is_sent_once_before_points_expire(bank):
    session = bank("xiangyang")
    _give(session, 30, "a", NOW - timedelta(days=720))  # expires in ~10 days
    _give(session, 5, "b", NOW - timedelta(days=715))
    _give(session, 50, "c", NOW)  # far away
    with session.begin():
        [notice] = expiry.send_notices(session=session, now=NOW)
    assert (notice["user_id"], notice["amount"], notice["lots"]) == ("u-wang", 35, 2)
    with session.begin():
        assert expiry.send_notices(session=session, now=NOW + timedelta(days=1)) == []


def test_a_pause_pushes_expiry_back_by_its_length_and_nothing_expires_during_it(bank):
    session = bank("xiangyang")
    _give(session, 30, "a", NOW - timedelta(days=725))  # due in about 5 days
    _give(session, 10, "b", NOW - timedelta(days=800))  # already overdue, not yet swept: not pushed back
    with session.begin():
        original = session.scalar(select(Lot.expires_at).where(Lot.amount == 30))
        pause = expiry.create_pause(session=session, ctx=STAFF, user_id="u-wang", starts_at=NOW,
                                    ends_at=NOW + timedelta(days=40), reason="春节返乡 / Spring Festival", now=NOW)
    assert pause.lots_extended == 1
    with session.begin():
        assert session.scalar(select(Lot.expires_at).where(Lot.amount == 30)) == original + timedelta(days=40)
        assert expiry.expire_due(session=session, now=NOW + timedelta(days=10)) == []  # paused: not even the overdue
        [after] = expiry.expire_due(session=session, now=NOW + timedelta(days=41))
    assert after["amount"] == 10  # the overdue lot once the pause ended; the pushed-back one still runs
    with session.begin():
        [last] = expiry.expire_due(session=session, now=original + timedelta(days=41))
    assert last["amount"] == 30 and _balance(session) == 0


@pytest.mark.parametrize("starts, ends", [(10, 5), (-20, -1), (0, 500)])
def test_a_pause_must_end_after_it_starts_in_the_future_and_within_400_days(bank, starts, ends):
    session = bank("xiangyang")
    with pytest.raises(ValidationFailed), session.begin():
        expiry.create_pause(session=session, ctx=STAFF, user_id="u-wang", starts_at=NOW + timedelta(days=starts),
                            ends_at=NOW + timedelta(days=ends), reason="产假", now=NOW)


def test_the_honour_board_ranks_net_points_by_period_and_category_and_leaves_out_who_opted_out(bank):
    session = bank("xiangyang")
    _give(session, 50, "w1", NOW - timedelta(hours=1), user_id="u-wang", category="first_aid")
    _give(session, 50, "l1", NOW - timedelta(hours=2), user_id="u-li", category="anti_fraud")
    _give(session, 80, "z1", NOW - timedelta(days=40), user_id="u-zhou", category="volunteer")  # last month
    _give(session, 30, "q1", NOW - timedelta(hours=3), user_id="u-qian", category="volunteer")
    wrong = _give(session, 20, "q2", NOW - timedelta(hours=3), user_id="u-qian", category="volunteer")
    _give(session, 999, "o1", NOW, user_id="u-other", category="volunteer")
    _give(session, 70, "d1", NOW, user_id="u-dongxin-person")  # not a member here: never ranked
    other_tenant = bank("dongxin")
    _give(other_tenant, 500, "x", NOW, user_id="u-zhao")
    viewer = ctx("xiangyang", "u-wang")
    with session.begin():
        ledger.reverse(session=session, ctx=STAFF, posting_id=wrong.id, reason="重复", now=NOW)
        board.set_preferences(session=session, ctx=ctx("xiangyang", "u-other"), changes={"show_on_board": False})
        board.set_preferences(session=session, ctx=viewer, changes={"board_name": "王师傅"})
        week = board.honour_board(session=session, ctx=viewer, period="week", category=None, limit=10, now=NOW)
        year = board.honour_board(session=session, ctx=viewer, period="all", category=None, limit=10, now=NOW)
        aid = board.honour_board(session=session, ctx=viewer, period="month", category="first_aid", limit=10, now=NOW)
    assert [(e["rank"], e["user_id"], e["points"]) for e in week["entries"]] == [
        (1, "u-li", 50), (1, "u-wang", 50), (3, "u-qian", 30)]
    assert week["entries"][1]["board_name"] == week["entries"][1]["display_name"] == "王师傅"
    assert week["entries"][2]["acts"] == 1
    assert "u-other" not in {e["user_id"] for e in year["entries"]} and "u-zhao" not in str(year)
    assert year["entries"][0]["user_id"] == "u-zhou"
    assert [e["user_id"] for e in aid["entries"]] == ["u-wang"]


def test_weeks_start_on_monday_and_months_on_the_first_in_local_time():
    sunday_night_utc = NOW - timedelta(hours=3)  # Monday 07:00 in Hangzhou
    assert board.period_start("week", sunday_night_utc).isoformat() == "2026-03-02T00:00:00+08:00"
    assert board.period_start("month", NOW).isoformat() == "2026-03-01T00:00:00+08:00"
    assert board.period_start("year", NOW).isoformat() == "2026-01-01T00:00:00+08:00"
    assert board.period_start("all", NOW) is None


def test_housekeeping_releases_timed_out_vouchers_warns_then_expires_and_announces_each(bank):
    from sqlalchemy.orm import sessionmaker

    from services.common.context import CallContext
    from services.common.database import TenantSession, WorkerDatabase
    from services.points.models import Base
    from services.points.service import PointsService

    session = bank("xiangyang")
    _give(session, 30, "soon", NOW - timedelta(days=725))  # due in about five days
    _give(session, 10, "gone", NOW - timedelta(days=800), user_id="u-li")  # overdue
    factory = sessionmaker(session.get_bind(), class_=TenantSession, expire_on_commit=False)
    database = WorkerDatabase(factory, Base, CallContext(tenant_id="xiangyang"))
    done = PointsService._housekeep(database.transaction, now=NOW)
    assert done == {"vouchers_reminded": 0, "vouchers_expired": 0, "notices_sent": 1, "people_expired": 1,
                    "points_expired": 10}
    assert PointsService._housekeep(database.transaction, now=NOW)["notices_sent"] == 0  # told once
    with session.begin():
        sent = [(row.event_type, row.envelope["data"]["user_id"]) for row in session.scalars(select(Base.Outbox))]
    assert sent == [("points_expiring", "u-wang"), ("points_expired", "u-li")]
    assert _balance(session, "u-li") == 0 and _balance(session) == 30
