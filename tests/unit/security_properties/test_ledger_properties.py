"""Property: whatever awards, retries and reversals happen, in two tenants, the moral bank's books hold: every
posting sums to zero, so each tenant's entries sum to zero; every account's balance is the sum of its entries;
no personal balance goes below zero; a retried key moves nothing twice; and each person has exactly what the
awards they were told succeeded, less the reversals, add up to."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from services.common.errors import Conflict
from services.points import ledger
from services.points.models import Base, Entry
from tests.support.sessions import TenantSessions, ctx
from tests.unit.points.conftest import NOW

TENANTS = ("xiangyang", "dongxin")
PEOPLE = ("u-wang", "u-li", "u-zhao")

award = st.tuples(st.just("award"), st.sampled_from(TENANTS), st.sampled_from(PEOPLE),
                  st.integers(1, 500), st.integers(0, 6))  # key number: the same key again is a retry
reversal = st.tuples(st.just("reverse"), st.sampled_from(TENANTS), st.integers(0, 30))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(award, reversal), max_size=25))
def test_the_books_balance_after_any_awards_retries_and_reversals(operations):
    bank = TenantSessions(Base)
    try:
        expected = {t: defaultdict(int) for t in TENANTS}
        awarded: dict[str, list] = {t: [] for t in TENANTS}  # (posting id, person, amount), in order
        reversed_ids: set[str] = set()
        for operation in operations:
            tenant = operation[1]
            session = bank(tenant)
            if operation[0] == "award":
                _, _, person, amount, key = operation
                with session.begin():
                    posting, created = ledger.award(session=session, user_id=person, amount=amount,
                                                    category="volunteer", source="manual", key=f"k-{key}", now=NOW)
                if created:
                    expected[tenant][person] += amount
                    awarded[tenant].append((posting.id, person, amount))
                else:  # a retry answers the first posting, whoever it was for
                    assert posting.id in {p for p, _, _ in awarded[tenant]}
            elif awarded[tenant]:
                posting_id, person, amount = awarded[tenant][operation[2] % len(awarded[tenant])]
                try:
                    with session.begin():
                        ledger.reverse(session=session, ctx=ctx(tenant, "u-staff", "staff"), posting_id=posting_id,
                                       reason="录错了 / entered by mistake", now=NOW)
                except Conflict:
                    assert posting_id in reversed_ids  # nothing is spent here: only a second reversal is refused
                else:
                    assert posting_id not in reversed_ids
                    reversed_ids.add(posting_id)
                    expected[tenant][person] -= amount

        for tenant in TENANTS:
            session = bank(tenant)
            with session.begin():
                report = ledger.check(session=session)
                assert report["ok"], report
                assert (session.scalar(select(func.coalesce(func.sum(Entry.amount), 0))) or 0) == 0
                for person in PEOPLE:
                    account = ledger.find_member_account(session=session, user_id=person)
                    balance = account.balance if account else 0
                    assert balance == expected[tenant][person] >= 0
    finally:
        bank.close()
