"""The staff's daily summary of new voice items: counted per tenant from governance.voice_submitted (a
redelivery counts once, no author kept), one message per staff member and one robot delivery per (tenant,
day) at the summary hour (18:00 Asia/Shanghai by default), nothing on a day without items. No broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from services.notifications import robots, staff_summary
from services.notifications.fanout import TEAM
from services.notifications.models import Delivery, Message, VoiceItem
from tests.unit.notifications.conftest import NOW

# Monday 2 March 2026: 12:00 in Hangzhou is NOW; the summary hour 18:00 there is 10:00 UTC
HOUR = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _submit(notes, tenant_id, voice_id, at=NOW, **extra):
    with notes(tenant_id) as session, session.begin():
        return staff_summary.record_voice(session=session, data={"voice_id": voice_id, "submitted_at": at.isoformat(),
                                                                 **extra}, received_at=at)


def _summary(notes, tenant_id, now):
    with notes(tenant_id) as session, session.begin():
        return staff_summary.send(session=session, now=now)


def _messages(notes, tenant_id):
    with notes(tenant_id) as session, session.begin():
        return [(m.user_id, m.kind, m.title, m.body, m.link, m.urgent)
                for m in session.scalars(select(Message).order_by(Message.user_id))]


def _robot_deliveries(notes, tenant_id):
    with notes(tenant_id) as session, session.begin():
        return session.execute(select(Delivery.kind, Delivery.channel, Delivery.user_id)
                               .where(Delivery.channel == "robot")).all()


def test_one_summary_per_tenant_and_day_after_the_hour_with_its_own_count(notes):
    with notes("xiangyang") as session, session.begin():
        robots.set_url(session=session, url="wecombot://botkey", actor="u-admin", now=NOW)
    for voice_id in ("v-1", "v-2", "v-3"):
        assert _submit(notes, "xiangyang", voice_id, anonymous=True, author_user_id=None)
    assert not _submit(notes, "xiangyang", "v-2")  # a redelivered voice_submitted counts once
    _submit(notes, "dongxin", "v-9")

    assert _summary(notes, "xiangyang", HOUR - timedelta(minutes=1)) == 0  # 17:59: not yet
    assert _messages(notes, "xiangyang") == []

    assert _summary(notes, "xiangyang", HOUR + timedelta(minutes=5)) == 2  # u-staff and u-admin
    made = _messages(notes, "xiangyang")
    assert [(u, k) for u, k, *_ in made] == [(TEAM, "voice_items_today"), ("u-admin", "voice_items_today"),
                                             ("u-staff", "voice_items_today")]
    by_user = {u: (title, body, link, urgent) for u, _, title, body, link, urgent in made}
    title, body, link, urgent = by_user["u-admin"]  # reads English
    assert body.startswith("New voice items today: 3 http") and "/n/" in body and not urgent
    assert len(title) + len(body) <= 70 and link == "/web/staff/voice"
    zh_title, zh_body, *_ = by_user["u-staff"]
    assert zh_body.startswith("今天有3条新的民情诉求") and len(zh_title) + len(zh_body) <= 70
    assert _robot_deliveries(notes, "xiangyang") == [("voice_items_today", "robot", None)]

    # the timer runs again and again, later the same evening: nothing more
    for later in (timedelta(minutes=6), timedelta(hours=3), timedelta(hours=13)):
        assert _summary(notes, "xiangyang", HOUR + later) == 0
    assert len(_messages(notes, "xiangyang")) == 3 and len(_robot_deliveries(notes, "xiangyang")) == 1

    # the other community: its own count, its own staff, no robot set there
    assert _summary(notes, "dongxin", HOUR + timedelta(minutes=5)) == 1
    (user, kind, _, zh, *_), = _messages(notes, "dongxin")
    assert (user, kind) == ("u-staff-b", "voice_items_today") and zh.startswith("今天有1条新的民情诉求")
    assert _robot_deliveries(notes, "dongxin") == []


def test_no_summary_on_a_day_without_items_and_the_next_day_counts_its_own(notes):
    _submit(notes, "xiangyang", "v-1")
    assert _summary(notes, "xiangyang", HOUR + timedelta(minutes=1)) == 2
    # Tuesday: nothing submitted, nothing said
    assert _summary(notes, "xiangyang", HOUR + timedelta(days=1, minutes=1)) == 0
    # an item after Monday's summary hour belongs to Tuesday's... none; Wednesday gets two
    _submit(notes, "xiangyang", "v-2", at=HOUR + timedelta(days=1, hours=2))
    _submit(notes, "xiangyang", "v-3", at=HOUR + timedelta(days=2, hours=-1))
    assert _summary(notes, "xiangyang", HOUR + timedelta(days=2)) == 2
    bodies = sorted(body for user, _, _, body, *_ in _messages(notes, "xiangyang") if user == "u-admin")
    assert [b.split(" http")[0] for b in bodies] == ["New voice items today: 1", "New voice items today: 2"]
    assert _messages(notes, "dongxin") == []  # the other community: nothing


def test_the_author_is_never_kept(notes):
    _submit(notes, "xiangyang", "v-1", author_user_id="u-wang", anonymous=False)
    with notes("xiangyang") as session, session.begin():
        row = session.scalars(select(VoiceItem)).one()
    assert {c.key for c in VoiceItem.__table__.columns} == {"tenant_id", "voice_id", "submitted_at"}
    assert row.voice_id == "v-1"


def test_the_day_ends_at_the_summary_hour_in_shanghai():
    day, start, end = staff_summary.last_summary(HOUR + timedelta(seconds=1))
    assert (day, start, end) == ("2026-03-02", HOUR - timedelta(days=1), HOUR)
    assert staff_summary.last_summary(HOUR - timedelta(seconds=1))[0] == "2026-03-01"
