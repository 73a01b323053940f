"""Worker registration rules (零工登记)."""

import pytest

from services.common.contracts import load
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.jobs import workers
from services.jobs.contracts.schemas import WorkerProfileCreate, WorkerProfileUpdate
from tests.unit.conftest import ctx

MOTHER = {
    "display_name": "刘女士",
    "phone": "13900000006",
    "skills": ["收银", "包装"],
    "availability": [{"weekday": d, "start": "09:00", "end": "15:00"} for d in range(1, 6)],
    "groups": ["full_time_mother"],
    "expected_daily_pay": 150,
    "consent_recommendations": True,
}

def _members(error):
    """The problem members an error carries besides its message code and parameters."""
    return {k: v for k, v in error.extra.items() if k not in ("message_code", "message_params")}



def _register(session, context, payload=MOTHER):
    with session.begin():
        return workers.register(session=session, ctx=context, data=load(WorkerProfileCreate(), dict(payload)))


def test_a_resident_registers_themselves_and_it_is_recorded_who_did(jobs_sessions):
    profile = _register(jobs_sessions("huanqiu"), ctx("huanqiu", "u-mother"))
    assert profile.user_id == "u-mother" and profile.registered_by == "u-mother"
    assert profile.availability[0] == {"weekday": 1, "start": "09:00", "end": "15:00"}


def test_registering_twice_is_a_conflict_that_names_the_existing_profile(jobs_sessions):
    session = jobs_sessions("huanqiu")
    first = _register(session, ctx("huanqiu", "u-mother"))
    with pytest.raises(Conflict) as caught:
        _register(session, ctx("huanqiu", "u-mother"))
    assert _members(caught.value) == {"worker_id": first.id}


def test_staff_register_someone_on_their_behalf_and_residents_cannot(jobs_sessions):
    session = jobs_sessions("xiangyang")
    staff = ctx("xiangyang", "u-staff", "staff")
    profile = _register(session, staff, {**MOTHER, "on_behalf_of_user_id": None})
    assert profile.user_id is None and profile.registered_by == "u-staff"
    with pytest.raises(Forbidden):
        _register(session, ctx("xiangyang", "u-res"), {**MOTHER, "on_behalf_of_user_id": "u-other"})


def test_residents_see_only_their_own_profile_and_staff_see_all_in_the_tenant(jobs_sessions):
    session = jobs_sessions("xiangyang")
    mine = _register(session, ctx("xiangyang", "u1"))
    theirs = _register(session, ctx("xiangyang", "u2"))
    with session.begin():
        assert workers.get(session=session, ctx=ctx("xiangyang", "u1"), worker_id=mine.id).id == mine.id
        with pytest.raises(NotFound):
            workers.get(session=session, ctx=ctx("xiangyang", "u1"), worker_id=theirs.id)
        assert workers.get(session=session, ctx=ctx("xiangyang", "s", "staff"), worker_id=theirs.id)
        page = workers.list_page(session=session, ctx=ctx("xiangyang", "u1"), limit=10, after=None)
        assert [p.id for p in page.items] == [mine.id] and page.next_cursor is None


def test_listing_pages_with_a_cursor_without_skipping_or_repeating(jobs_sessions):
    session = jobs_sessions("xiangyang")
    ids = {_register(session, ctx("xiangyang", f"u{i}")).id for i in range(7)}
    staff, seen, after = ctx("xiangyang", "s", "staff"), [], None
    with session.begin():
        while True:
            page = workers.list_page(session=session, ctx=staff, limit=3, after=after)
            seen += [p.id for p in page.items]
            after = page.next_cursor
            if after is None:
                break
    assert sorted(seen) == sorted(ids) and len(seen) == 7


def test_an_update_with_a_stale_version_is_refused_and_changes_nothing(jobs_sessions):
    session = jobs_sessions("xiangyang")
    me = ctx("xiangyang", "u1")
    profile = _register(session, me)
    with session.begin():
        workers.update(session=session, ctx=me, worker_id=profile.id,
                       changes=load(WorkerProfileUpdate(), {"home_area": "向阳新村"}, partial=True))
    with pytest.raises(Conflict) as caught, session.begin():
        workers.update(session=session, ctx=me, worker_id=profile.id,
                       changes=load(WorkerProfileUpdate(), {"home_area": "别处", "expected_version": 1},
                                    partial=True))
    assert _members(caught.value) == {"current_version": 2}
    with session.begin():
        assert workers.get(session=session, ctx=me, worker_id=profile.id).home_area == "向阳新村"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({**MOTHER, "phone": "12345"}, "phone"),
        ({**MOTHER, "display_name": ""}, "display_name"),
        ({**MOTHER, "groups": ["astronaut"]}, "groups"),
        ({**MOTHER, "availability": [{"weekday": 1, "start": "15:00", "end": "09:00"}]}, "availability"),
        ({**MOTHER, "expected_daily_pay": -5}, "expected_daily_pay"),
        ({k: v for k, v in MOTHER.items() if k != "phone"}, "phone"),
    ],
)
def test_bad_input_is_refused_naming_the_field(payload, field):
    with pytest.raises(ValidationFailed) as caught:
        load(WorkerProfileCreate(), payload)
    assert field in caught.value.fields


def test_a_payload_that_is_not_an_object_is_refused_cleanly():
    with pytest.raises(ValidationFailed):
        load(WorkerProfileCreate(), ["not", "an", "object"])
