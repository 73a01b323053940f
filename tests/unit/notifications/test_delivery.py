"""Delivery: quiet hours in the person's time zone (urgent passes), the digest, back-off and dead letters,
limits per person and per provider — held, never dropped."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from services.common.database import announced
from services.notifications import delivery, fanout, preferences
from services.notifications.channels import DeliveryFailed
from services.notifications.delivery import Limits
from services.notifications.models import Delivery
from tests.unit.notifications.conftest import FAIL, NOW, channel

LIMITS = Limits(max_attempts=3, retry_seconds=60, per_day={"sms": 2, "push": 30})
NIGHT = NOW.replace(hour=16)  # 00:00 in Hangzhou
COURIER_DAY = NOW  # 12:00 in Hangzhou


def _notify(notes, tenant_id, user_id, *, kind_event=("points", "points_awarded"), data=None):
    with notes(tenant_id) as session, session.begin():
        fanout.fan_out(session=session, source=kind_event[0], event=kind_event[1], event_id=str(uuid.uuid4()),
                       data=data or {"user_id": user_id, "amount": 5, "course_id": "c"}, ask=None, now=NOW)


def _run(notes, tenant_id, now, **extra):
    with notes(tenant_id) as session, session.begin():
        return delivery.deliver_due(session=session, now=now, channel=channel, limits=LIMITS, **extra)


def _rows(notes, tenant_id):
    with notes(tenant_id) as session, session.begin():
        return [(d.user_id, d.kind, d.channel, d.status, d.hold_reason, d.attempts, d.next_attempt_at, d.last_error)
                for d in session.scalars(select(Delivery).order_by(Delivery.kind, Delivery.channel))]


def _prefer(notes, tenant_id, user_id, **changes):
    with notes(tenant_id) as session, session.begin():
        preferences.update(session=session, user_id=user_id, changes=changes)


def test_a_due_delivery_is_sent_with_the_rendered_text_and_short_link(notes, sent):
    _notify(notes, "xiangyang", "u-amy")
    assert _run(notes, "xiangyang", NOW) == {"sent": 1, "held": 0, "failed": 0, "dead": 0}
    (out,) = sent
    assert out.channel == "push" and "https://push.example/xiangyang/u-amy" in out.address
    assert out.body.startswith("You received 5 points: ") and out.body.endswith(out.link) and "/n/" in out.link
    assert _run(notes, "xiangyang", NOW) == {"sent": 0, "held": 0, "failed": 0, "dead": 0}  # once


def test_quiet_hours_hold_non_urgent_until_they_end_and_urgent_goes_through(notes, sent):
    _notify(notes, "xiangyang", "u-wang")  # points_awarded: push
    _notify(notes, "xiangyang", "u-wang", kind_event=("training", "waitlist_promoted"))  # urgent: sms + push
    assert _run(notes, "xiangyang", NIGHT) == {"sent": 2, "held": 1, "failed": 0, "dead": 0}
    held = [r for r in _rows(notes, "xiangyang") if r[3] == "held"]
    assert [(r[1], r[4]) for r in held] == [("points_awarded", "quiet")]
    assert held[0][6] == NOW.replace(hour=23)  # 07:00 in Hangzhou
    assert {o.channel for o in sent} == {"sms", "push"} and len(sent) == 2
    assert _run(notes, "xiangyang", NOW.replace(hour=23))["sent"] == 1


def test_a_courier_who_sleeps_by_day_sets_daytime_quiet_hours(notes, sent):
    _prefer(notes, "xiangyang", "u-wang", quiet_hours={"start": "09:00", "end": "17:00"})
    _notify(notes, "xiangyang", "u-wang")
    assert _run(notes, "xiangyang", COURIER_DAY)["held"] == 1
    assert _rows(notes, "xiangyang")[0][6] == NOW.replace(hour=9)  # 17:00 in Hangzhou
    assert _run(notes, "xiangyang", NOW.replace(hour=8, minute=59))["sent"] == 0  # held until 17:00 local
    assert _run(notes, "xiangyang", NOW.replace(hour=9))["sent"] == 1


def test_quiet_hours_are_read_in_the_persons_time_zone(notes, sent):
    _prefer(notes, "xiangyang", "u-amy", time_zone="Europe/London")
    _notify(notes, "xiangyang", "u-amy")
    assert _run(notes, "xiangyang", NIGHT)["sent"] == 1  # 16:00 in London


def test_the_digest_folds_the_days_messages_into_one_at_the_digest_hour(notes, sent):
    _prefer(notes, "xiangyang", "u-amy", digest={"enabled": True, "hour": 19})
    for _ in range(3):
        _notify(notes, "xiangyang", "u-amy")
    _notify(notes, "xiangyang", "u-amy", kind_event=("training", "waitlist_promoted"))  # urgent: not folded
    assert _run(notes, "xiangyang", NOW) == {"sent": 2, "held": 3, "failed": 0, "dead": 0}
    sent.clear()
    with notes("xiangyang") as session, session.begin():
        assert delivery.send_digests(session=session, now=NOW, channel=channel) == {"digests": 0, "folded": 0}
    at_seven = NOW.replace(hour=11)  # 19:00 in Hangzhou
    assert _run(notes, "xiangyang", at_seven)["sent"] == 0  # deliver_due leaves digest rows to the digest
    with notes("xiangyang") as session, session.begin():
        assert delivery.send_digests(session=session, now=at_seven, channel=channel) == {"digests": 1, "folded": 3}
    (digest,) = sent
    assert digest.channel == "push" and digest.title == "Your daily summary"
    assert digest.body.startswith("You have 3 new messages: ")
    assert {r[3] for r in _rows(notes, "xiangyang")} == {"sent"}


def test_failures_back_off_exponentially_then_become_dead_letters_with_the_reason(notes, sent):
    _notify(notes, "xiangyang", "u-amy")
    FAIL["push"] = DeliveryFailed("push service answered 503")
    assert _run(notes, "xiangyang", NOW)["failed"] == 1
    first = _rows(notes, "xiangyang")[0]
    assert first[3:6] == ("failed", None, 1) and first[6] == NOW + timedelta(seconds=60)
    assert _run(notes, "xiangyang", NOW + timedelta(seconds=59))["failed"] == 0  # not yet due
    assert _run(notes, "xiangyang", NOW + timedelta(seconds=60))["failed"] == 1
    assert _rows(notes, "xiangyang")[0][6] == NOW + timedelta(seconds=180)  # 60 s, then 120 s
    with notes("xiangyang") as session, session.begin():
        counts = delivery.deliver_due(session=session, now=NOW + timedelta(seconds=180), channel=channel,
                                      limits=LIMITS)
        assert counts["dead"] == 1
        (dead_letter,) = announced(session, "message_dead_lettered")
    assert dead_letter["data"]["reason"] == "push service answered 503" and dead_letter["data"]["attempts"] == 3
    row = _rows(notes, "xiangyang")[0]
    assert row[3] == "dead" and row[7] == "push service answered 503"
    # staff retry it once the cause is fixed
    FAIL.clear()
    with notes("xiangyang") as session, session.begin():
        (dead,) = session.scalars(select(Delivery).where(Delivery.status == "dead"))
        delivery.retry(session=session, delivery=dead, now=NOW + timedelta(hours=1))
    assert _run(notes, "xiangyang", NOW + timedelta(hours=1))["sent"] == 1


def test_a_permanent_failure_is_dead_at_once(notes, sent):
    _notify(notes, "xiangyang", "u-amy", kind_event=("training", "waitlist_promoted"))
    FAIL["sms"] = DeliveryFailed("number does not exist", permanent=True)
    assert _run(notes, "xiangyang", NOW) == {"sent": 1, "held": 0, "failed": 0, "dead": 1}


def test_a_person_over_their_daily_sms_limit_waits_for_tomorrow_but_urgent_does_not(notes, sent):
    _prefer(notes, "xiangyang", "u-wang", kinds=[{"kind": "points_awarded", "channels": {"sms": True,
                                                                                        "push": False}}])
    for _ in range(3):
        _notify(notes, "xiangyang", "u-wang")
    _notify(notes, "xiangyang", "u-wang", kind_event=("training", "waitlist_promoted"))
    counts = _run(notes, "xiangyang", NOW)
    assert counts == {"sent": 4, "held": 1, "failed": 0, "dead": 0}  # 2 sms + urgent sms and push; 1 held
    held = [r for r in _rows(notes, "xiangyang") if r[3] == "held"]
    assert [(r[2], r[4]) for r in held] == [("sms", "limit")]
    assert held[0][6] == NOW.replace(hour=16)  # local midnight
    assert _run(notes, "xiangyang", NOW.replace(hour=16))["sent"] == 0  # midnight: quiet hours hold it now
    assert _run(notes, "xiangyang", NOW.replace(hour=23))["sent"] == 1


def test_the_providers_limit_per_minute_holds_sms_for_the_next_minute(notes, sent):
    for user_id in ("u-wang", "u-amy"):
        _notify(notes, "xiangyang", user_id, kind_event=("training", "waitlist_promoted"))
    counts = _run(notes, "xiangyang", NOW, sms_budget=1)
    assert counts == {"sent": 3, "held": 1, "failed": 0, "dead": 0}
    held = [r for r in _rows(notes, "xiangyang") if r[3] == "held"]
    assert held[0][2] == "sms" and held[0][4] == "rate" and held[0][6] == NOW + timedelta(seconds=60)
    assert _run(notes, "xiangyang", NOW + timedelta(seconds=60), sms_budget=1)["sent"] == 1


def test_no_phone_number_is_a_dead_letter_staff_can_read(notes, sent):
    from services.notifications.models import Contact

    _notify(notes, "xiangyang", "u-amy", kind_event=("training", "waitlist_promoted"))
    with notes("xiangyang") as session, session.begin():
        session.get(Contact, ("xiangyang", "u-amy")).phone = None
    _run(notes, "xiangyang", NOW)
    assert [r[7] for r in _rows(notes, "xiangyang") if r[3] == "dead"] == ["no phone number"]


def test_each_tenant_sends_only_its_own(notes, sent):
    _notify(notes, "xiangyang", "u-amy")
    _notify(notes, "dongxin", "u-zhao")
    assert _run(notes, "dongxin", NOW)["sent"] == 1
    assert [o.address for o in sent] == ['{"endpoint": "https://push.example/dongxin/u-zhao", "keys": '
                                         '{"p256dh": "BNc", "auth": "au"}}']


def test_a_channel_that_cannot_be_built_is_a_failure_not_a_crash(notes, sent):
    _notify(notes, "xiangyang", "u-amy")

    def broken(name):
        raise RuntimeError("NOTIFICATIONS_VAPID_PRIVATE_KEY is not set")

    with notes("xiangyang") as session, session.begin():
        counts = delivery.deliver_due(session=session, now=NOW, channel=broken, limits=LIMITS)
    assert counts["failed"] == 1
    assert "VAPID" in _rows(notes, "xiangyang")[0][7]
