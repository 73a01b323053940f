"""Property: a training session's places and waitlist behave as a queue, in any order of enrolments and
cancellations, in two tenants' sessions side by side: places fill up to capacity in arrival order; a freed place
goes to the first person waiting; cancelling a waiting place promotes nobody; waitlist positions are 1, 2, 3…
in arrival order; someone who cancels and comes back joins at the back."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.database import make_engine, session_factory
from services.common.errors import Conflict
from services.training import catalogue, enrolment
from services.training.models import Base
from tests.unit.training.conftest import NOW, World, ctx

TENANTS = ("xiangyang", "dongxin")
PEOPLE = tuple(f"u{i}" for i in range(6))
step = st.tuples(st.sampled_from(("enrol", "enrol", "cancel")), st.sampled_from(TENANTS), st.sampled_from(PEOPLE))


def _world() -> tuple[World, object]:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    factory = session_factory(engine, Base)
    with factory() as session, session.begin():
        session.info["tenant_id"] = "seed"
        catalogue.seed_categories(session=session)
    return World(factory), engine


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(capacity=st.integers(1, 3), steps=st.lists(step, max_size=20))
def test_places_and_the_waitlist_are_served_in_arrival_order(capacity, steps):
    world, engine = _world()
    try:
        cohorts = {t: world.cohort(world.course(t), capacity=capacity) for t in TENANTS}
        enrolled = {t: [] for t in TENANTS}   # the model: who holds a place
        waiting = {t: [] for t in TENANTS}    # … and who waits, in order
        latest: dict[tuple[str, str], str] = {}
        for action, tenant, person in steps:
            active = person in enrolled[tenant] or person in waiting[tenant]
            if action == "enrol":
                try:
                    made = world.run(tenant, enrolment.enrol, ctx=ctx(tenant, person), session_id=cohorts[tenant].id,
                                     data={"participant_name": person, "groups": []}, now=NOW)
                except Conflict:
                    assert active  # only a second active enrolment is refused
                    continue
                assert not active
                latest[(tenant, person)] = made.id
                if len(enrolled[tenant]) < capacity:
                    assert made.status == "enrolled"
                    enrolled[tenant].append(person)
                else:
                    assert made.status == "waitlisted"
                    waiting[tenant].append(person)
            elif active:
                with world.announcing() as heard:
                    world.run(tenant, enrolment.cancel, ctx=ctx(tenant, person), enrolment_id=latest[(tenant, person)],
                              reason=None, now=NOW)
                promoted = heard.events("waitlist_promoted")
                if person in enrolled[tenant]:
                    enrolled[tenant].remove(person)
                    if waiting[tenant]:
                        enrolled[tenant].append(waiting[tenant].pop(0))
                        assert [e["data"]["enrolment_id"] for e in promoted] == [latest[(tenant, enrolled[tenant][-1])]]
                    else:
                        assert promoted == []
                else:
                    waiting[tenant].remove(person)
                    assert promoted == []

        for tenant in TENANTS:
            with world.session(tenant) as s:
                roster = enrolment.roster(session=s, ctx=ctx(tenant, "staff", "staff"), session_id=cohorts[tenant].id,
                                          status=None, limit=100, after=None).items
                views = enrolment.views(session=s, enrolments=roster)
            holding = sorted(v["participant_name"] for v in views if v["status"] == "enrolled")
            queue = sorted((v["waitlist_position"], v["participant_name"]) for v in views
                           if v["status"] == "waitlisted")
            assert holding == sorted(enrolled[tenant])
            assert queue == [(position, person) for position, person in enumerate(waiting[tenant], start=1)]
    finally:
        world.close()
        engine.dispose()
