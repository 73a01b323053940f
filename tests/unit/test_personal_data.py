"""Export and erasure of one person's data in each service (services/<svc>/personal_data.py), over
tenant-scoped SQLite sessions, with the same person id in two tenants."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from services.common.errors import Forbidden, ValidationFailed
from services.common.personal_data import ERASED_NAME, check_pseudonym, require_self_or_officer
from tests.support.sessions import TenantSessions, ctx

PERSON = "u-wang"
PSEUDONYM = str(uuid.uuid4())


@pytest.fixture
def open_db(request):
    opened = []

    def _open(base):
        sessions = TenantSessions(base)
        opened.append(sessions)
        return sessions

    yield _open
    for sessions in opened:
        sessions.close()


def test_only_the_person_or_an_officer_of_the_tenant_may_ask():
    assert require_self_or_officer(ctx("xiangyang", PERSON), PERSON) == PERSON
    assert require_self_or_officer(ctx("xiangyang", "u-staff", "staff"), PERSON) == PERSON
    assert require_self_or_officer(ctx("xiangyang", "u-admin", "tenant_admin"), PERSON) == PERSON
    with pytest.raises(Forbidden):
        require_self_or_officer(ctx("xiangyang", "u-neighbour"), PERSON)
    with pytest.raises(Forbidden):
        require_self_or_officer(ctx("xiangyang", "u-boss", "employer"), PERSON)
    with pytest.raises(ValidationFailed):
        require_self_or_officer(ctx("xiangyang", "u-staff", "staff"), "")
    with pytest.raises(ValidationFailed):
        check_pseudonym("x'; drop")


def test_jobs_profile_is_exported_and_erased_in_its_own_tenant_only(open_db):
    from services.jobs import personal_data
    from services.jobs.models import Base, WorkerProfile

    db = open_db(Base)
    for tenant_id in ("xiangyang", "dongxin"):
        with db(tenant_id) as session, session.begin():
            session.add(WorkerProfile(user_id=PERSON, display_name="王师傅", phone="13900000001",
                                      home_area="向阳花园", skills=["快递"]))
            session.add(WorkerProfile(user_id="u-li", display_name="李师傅", phone="13900000002"))
    with db("xiangyang") as session, session.begin():
        found = personal_data.export(session=session, user_id=PERSON)
    assert [p["phone"] for p in found["worker_profiles"]] == ["13900000001"]
    assert found["worker_profiles"][0]["tenant_id"] == "xiangyang"
    with db("xiangyang") as session, session.begin():
        assert personal_data.erase(session=session, user_id=PERSON, pseudonym=PSEUDONYM) == {"worker_profiles": 1}
    with db("xiangyang") as session, session.begin():
        assert personal_data.export(session=session, user_id=PERSON) == {}
        erased = session.scalar(select(WorkerProfile).where(WorkerProfile.user_id == PSEUDONYM))
        assert (erased.display_name, erased.phone, erased.home_area) == (ERASED_NAME, "", None)
        assert erased.skills == ["快递"]  # not personal on its own: market figures still count it
        assert session.scalar(select(WorkerProfile.phone).where(WorkerProfile.user_id == "u-li")) == "13900000002"
    with db("dongxin") as session, session.begin():  # the other tenant's record is untouched
        assert personal_data.export(session=session, user_id=PERSON)["worker_profiles"][0]["phone"] == "13900000001"


def test_points_erasure_keeps_the_ledger_balanced_under_a_pseudonym(open_db):
    from services.points import ledger, personal_data
    from services.points.models import Account, Base, Entry, MemberPreference, Posting

    db = open_db(Base)
    for tenant_id in ("xiangyang", "dongxin"):
        with db(tenant_id) as session, session.begin():
            for i, (who, amount) in enumerate(((PERSON, 30), (PERSON, 20), ("u-li", 15))):
                ledger.award(session=session, user_id=who, amount=amount, category="volunteer", source="manual",
                             key=f"k-{i}", memo="帮王师傅搬家")
            session.add(MemberPreference(user_id=PERSON, board_name="王师傅"))
    with db("xiangyang") as session, session.begin():
        found = personal_data.export(session=session, user_id=PERSON)
        assert [a["balance"] for a in found["accounts"]] == [50]
        assert sorted(p["amount"] for p in found["postings"]) == [20, 30]
        assert found["member_preferences"][0]["board_name"] == "王师傅"
        before = ledger.check(session=session)
        changed = personal_data.erase(session=session, user_id=PERSON, pseudonym=PSEUDONYM)
    assert changed == {"accounts": 1, "postings": 2, "member_preferences": 1}
    with db("xiangyang") as session, session.begin():
        after = ledger.check(session=session)
        assert after["ok"] and before["ok"] and after["postings"] == before["postings"] == 3
        assert personal_data.export(session=session, user_id=PERSON) == {}
        member = ledger.find_member_account(session=session, user_id=PSEUDONYM)
        assert member.balance == 50 == session.scalar(select(func.sum(Entry.amount)).where(
            Entry.account_id == member.id))
        assert session.scalar(select(func.sum(Account.balance))) == 0  # issuance still mirrors what was issued
        assert set(session.scalars(select(Posting.memo).where(Posting.user_id == PSEUDONYM))) == {None}
        assert session.scalar(select(MemberPreference.board_name).where(MemberPreference.user_id == PSEUDONYM)) is None
    with db("dongxin") as session, session.begin():
        assert ledger.find_member_account(session=session, user_id=PERSON).balance == 50


def test_governance_and_training_blank_names_and_text(open_db):
    from services.governance import personal_data as governance
    from services.governance.models import Base as GovernanceBase
    from services.governance.models import GridMember, VoiceItem
    from services.training import personal_data as training
    from services.training.models import Base as TrainingBase
    from services.training.models import Mentor

    gov = open_db(GovernanceBase)
    with gov("xiangyang") as session, session.begin():
        session.add(GridMember(user_id=PERSON, display_name="王师傅", grid="三网格"))
        session.add(VoiceItem(author_user_id=PERSON, text="楼道灯坏了，我住3单元502", category="facility",
                              location="3单元", lat=30.1, lng=120.2))
    with gov("xiangyang") as session, session.begin():
        found = governance.export(session=session, user_id=PERSON)
        assert found["grid_members"][0]["display_name"] == "王师傅" and "502" in found["voice_items"][0]["text"]
        assert governance.erase(session=session, user_id=PERSON, pseudonym=PSEUDONYM) == {
            "voice_items": 1, "grid_members": 1}
    with gov("xiangyang") as session, session.begin():
        voice = session.scalar(select(VoiceItem))
        assert voice.author_user_id == PSEUDONYM and "502" not in voice.text and voice.lat is None
        assert voice.category == "facility"  # the issue is still counted
    with gov("dongxin") as session, session.begin():
        assert governance.erase(session=session, user_id=PERSON, pseudonym=PSEUDONYM) == {}

    train = open_db(TrainingBase)
    with train("xiangyang") as session, session.begin():
        session.add(Mentor(user_id=PERSON, display_name="王老师", bio="退休电工，家住向阳花园", created_by="u-staff"))
    with train("xiangyang") as session, session.begin():
        assert training.export(session=session, user_id=PERSON)["mentors"][0]["bio"].startswith("退休")
        assert training.erase(session=session, user_id=PERSON, pseudonym=PSEUDONYM) == {"mentors": 1}
        mentor = session.scalar(select(Mentor))
        assert (mentor.display_name, mentor.bio, mentor.user_id) == (ERASED_NAME, None, PSEUDONYM)


def test_shared_rows_another_tenant_owns_are_erased_in_their_owners_tenant_and_no_others(open_db):
    from contextlib import contextmanager
    from types import SimpleNamespace

    from services.training import personal_data as training
    from services.training.models import Base, Mentor

    db = open_db(Base)
    with db("college") as session, session.begin():  # the college shares its mentor list with xiangyang only
        session.add(Mentor(user_id=PERSON, display_name="王老师", bio="电工", created_by="u-c", audience=",xiangyang,"))
    with db("huanqiu") as session, session.begin():  # not shared with xiangyang: not this erasure's business
        session.add(Mentor(user_id=PERSON, display_name="王老师", bio="电工", created_by="u-h"))
    crossed = []

    @contextmanager
    def in_tenant(tenant_id):
        crossed.append(tenant_id)
        session = db(tenant_id)
        with session.begin():
            yield SimpleNamespace(session=session)

    with db("xiangyang") as session, session.begin():
        assert [m["tenant_id"] for m in training.export(session=session, user_id=PERSON)["mentors"]] == ["college"]
        changed = training.erase(session=session, user_id=PERSON, pseudonym=PSEUDONYM, other_tenant=in_tenant)
    assert changed == {"mentors": 1} and crossed == ["college"]
    with db("college") as session, session.begin():
        assert session.scalar(select(Mentor.display_name).where(Mentor.user_id == PSEUDONYM)) == ERASED_NAME
    with db("huanqiu") as session, session.begin():
        assert session.scalar(select(Mentor.display_name).where(Mentor.user_id == PERSON)) == "王老师"
