"""Property: a vote's tally counts every ballot exactly once, as last changed: the totals equal the members'
final choices, turnout equals the number of members who voted, the groups and channels add up to the totals,
and a second council's vote in another tenant is counted apart."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.errors import Conflict
from services.governance import voting
from services.governance.contracts.messages import BALLOT_CHOICES
from services.governance.models import Base
from tests.support.sessions import TenantSessions, ctx
from tests.unit.governance.conftest import NOW, make_council, open_vote, proposal_in_deliberation

MEMBERS = {"u1": "courier", "u2": "courier", "u3": "resident", "u4": "property_manager", "u5": "resident"}
CHOICES = sorted(BALLOT_CHOICES)
ballot = st.tuples(st.sampled_from(("xiangyang", "dongxin")), st.sampled_from(sorted(MEMBERS)),
                   st.sampled_from(CHOICES))


@pytest.mark.timeout(300)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ballot, max_size=25))
def test_the_tally_equals_the_members_last_choices(ballots):
    sessions = TenantSessions(Base)
    try:
        votes = {}
        for tenant in ("xiangyang", "dongxin"):
            session = sessions(tenant)
            council, _seats = make_council(session, tenant_id=tenant, members=MEMBERS.items())
            proposal = proposal_in_deliberation(session, council, "u1", tenant_id=tenant)
            votes[tenant] = open_vote(session, proposal, tenant_id=tenant)
        final: dict[str, dict[str, str]] = {"xiangyang": {}, "dongxin": {}}
        at = NOW + timedelta(hours=1)
        for tenant, member, choice in ballots:
            session = sessions(tenant)
            with session.begin():
                if member in final[tenant]:
                    voting.change(session=session, ctx=ctx(tenant, member), vote_id=votes[tenant].id, choice=choice,
                                  reason=None, now=at)
                else:
                    voting.cast(session=session, ctx=ctx(tenant, member), vote_id=votes[tenant].id, choice=choice,
                                reason=None, now=at)
            final[tenant][member] = choice
        for tenant, vote in votes.items():
            session = sessions(tenant)
            with session.begin():
                result = voting.tally(session=session, vote=session.get(type(vote), vote.id))
            want = Counter(final[tenant].values())
            assert result["totals"] == {c: want.get(c, 0) for c in CHOICES}
            assert result["voted"] == len(final[tenant]) and result["eligible"] == len(MEMBERS)
            for part in ("by_group", "by_channel"):
                summed = Counter()
                for counts in result[part].values():
                    summed.update(counts)
                assert {c: summed.get(c, 0) for c in CHOICES} == result["totals"]
            groups = Counter(MEMBERS[m] for m in final[tenant])
            assert {g: sum(c.values()) for g, c in result["by_group"].items()} == dict(groups)
        # a member who has voted cannot cast a second ballot
        voted = next(((t, m) for t in final for m in final[t]), None)
        if voted:
            session = sessions(voted[0])
            with pytest.raises(Conflict), session.begin():
                voting.cast(session=session, ctx=ctx(voted[0], voted[1]), vote_id=votes[voted[0]].id,
                            choice=CHOICES[0], reason=None, now=at)
    finally:
        sessions.close()
