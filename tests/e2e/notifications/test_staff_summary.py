"""The staff's daily summary of new voice items end to end, over real RabbitMQ and PostgreSQL with every
service running: residents of two communities submit voice items through the gateway's API (governance
commits `voice_submitted`, the relay publishes it, notifications counts it without its author); the summary
run with a settable clock (`notifications.send_staff_summaries(now=)`, as the service's timer runs it) writes
each community's staff ONE `voice_items_today` message with that community's own count, and one delivery to
the team's robot where one is set.

trigger → event → message:
- residents submit voice items; the day's summary hour (18:00 Asia/Shanghai) → `governance.voice_submitted`
  → `voice_items_today` (the community's staff and the team robot)
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.common.database import make_engine
from services.notifications import staff_summary
from tests.e2e.notifications.conftest import call, inbox, wait_until

pytestmark = pytest.mark.e2e


def submit(platform, key: str, text: str, anonymous: bool = False) -> dict:
    response = platform.session(key).post(platform.url("/api/v1/governance/voice"), json={
        "text": text, "category": "other", "anonymous": anonymous}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def submitted_in(platform, tenant_id: str, start: datetime, end: datetime) -> set[str]:
    """The voice items governance committed in `tenant_id` in [start, end) (other tests' too: the platform is
    shared), read from its outbox as the database's owner."""
    engine = make_engine(platform.infra.owner_url("governance"), pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT envelope FROM outbox_events WHERE event_type = 'voice_submitted'"))
            envelopes = rows.scalars().all()
    finally:
        engine.dispose()
    found = set()
    for envelope in envelopes:
        at = datetime.fromisoformat(envelope["data"]["submitted_at"].replace("Z", "+00:00"))
        if envelope["tenantid"] == tenant_id and start <= at < end:
            found.add(envelope["data"]["voice_id"])
    return found


def kept(platform, tenant_id: str) -> set[str]:
    """The voice items notifications has counted in `tenant_id`."""
    engine = make_engine(platform.infra.owner_url("notifications"), pool_size=1)
    try:
        with engine.connect() as conn:
            return set(conn.execute(sa.text("SELECT voice_id FROM voice_items WHERE tenant_id = :t"),
                                    {"t": tenant_id}).scalars())
    finally:
        engine.dispose()


def robot_rows(platform, staff_key: str) -> list[dict]:
    return [d for d in call(platform, staff_key, "deliveries", {"channel": "robot", "limit": 100})["items"]
            if d["kind"] == "voice_items_today"]


def summaries(platform, key: str, tenant_id: str | None = None) -> list[dict]:
    return [m for m in inbox(platform, key, tenant_id=tenant_id) if m["kind"] == "voice_items_today"]


def test_each_communitys_staff_hear_their_own_count_of_new_voice_items_once_a_day(platform, person):
    admin = person("xiangyang", "staff", "tenant_admin", locale="zh-CN")
    reader = person("xiangyang", "staff", locale="en")
    other_staff = person("dongxin", "staff", locale="zh-CN")
    amy, wang, zhao = person("xiangyang", locale="en"), person("xiangyang"), person("dongxin")
    robot_url = f"wecombot://{uuid.uuid4().hex}"
    robots = platform.session(admin)
    set_robot = robots.put(platform.url("/api/v1/notifications/team-robot"), json={"url": robot_url}, timeout=30)
    assert set_robot.status_code == 200, set_robot.text
    try:
        ours = {submit(platform, amy, "东门快递车没地方停", anonymous=True)["id"],
                submit(platform, wang, "驿站没有热水")["id"], submit(platform, wang, "路灯坏了")["id"]}
        theirs = {submit(platform, zhao, "充电桩不够")["id"]}
        # the summary of the day these were submitted in: the next 18:00 in Shanghai, a minute after
        _, start, end = staff_summary.last_summary(datetime.now(UTC) + timedelta(days=1))
        at = end + timedelta(minutes=1)
        counted = {t: submitted_in(platform, t, start, end) for t in ("xiangyang", "dongxin")}
        assert ours <= counted["xiangyang"] and theirs <= counted["dongxin"]
        assert not ours & counted["dongxin"]

        # notifications has counted every item committed in both communities (it reads the events
        # asynchronously): its own table, read as the database's owner
        assert wait_until(lambda: counted["xiangyang"] <= kept(platform, "xiangyang")
                          and counted["dongxin"] <= kept(platform, "dongxin"), timeout=30)

        # before the hour: nothing of this day (the day before is summed up then, if it had any items)
        _, before_start, before_end = staff_summary.last_summary(end - timedelta(minutes=1))
        call(platform, admin, "send_staff_summaries", (end - timedelta(minutes=1)).isoformat())
        if not submitted_in(platform, "xiangyang", before_start, before_end):
            assert summaries(platform, reader) == []
        earlier = {m["id"] for key in (reader, admin, other_staff) for m in summaries(platform, key)}
        earlier |= {d["id"] for key in (admin, other_staff) for d in robot_rows(platform, key)}

        # after the hour, and again and again (the timer's repeats): one message each
        for _ in range(3):
            for staff in (admin, other_staff):
                call(platform, staff, "send_staff_summaries", at.isoformat())
        (english,) = [m for m in summaries(platform, reader) if m["id"] not in earlier]
        assert english["link"] == "/web/staff/voice" and not english["urgent"]
        assert english["title"] == "Voice desk"
        assert english["body"].startswith(f"New voice items today: {len(counted['xiangyang'])} http")
        assert len(english["title"]) + len(english["body"]) <= 70
        (chinese,) = [m for m in summaries(platform, admin) if m["id"] not in earlier]
        assert chinese["body"].startswith(f"今天有{len(counted['xiangyang'])}条新的民情诉求")
        (theirs_msg,) = [m for m in summaries(platform, other_staff) if m["id"] not in earlier]
        assert theirs_msg["body"].startswith(f"今天有{len(counted['dongxin'])}条新的民情诉求")
        # nobody is named: not the anonymous author, not anyone
        assert "Amy" not in english["body"] and "测试居民" not in chinese["body"]

        # the team robot of xiangyang: one delivery for the day (its status depends on the vendor's host)
        rows = [d for d in robot_rows(platform, admin) if d["id"] not in earlier]
        assert len(rows) == 1 and "address" not in rows[0] and rows[0]["message_id"]
        assert [d for d in robot_rows(platform, other_staff) if d["id"] not in earlier] == []  # no robot there
    finally:  # no test posts to the vendor's real host for longer than it must
        robots.put(platform.url("/api/v1/notifications/team-robot"), json={"url": ""}, timeout=30)
    # residents hear nothing; nobody reads the other community's summary
    for key in (amy, wang, zhao):
        assert summaries(platform, key) == []
    assert summaries(platform, reader, tenant_id="dongxin") == []
    assert summaries(platform, other_staff, tenant_id="xiangyang") == []
