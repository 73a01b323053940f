"""The inbox (own messages only, read and unread, short links for their reader only), preferences with
their defaults, contacts from identity, broadcasts, the team robot, a person's export and erasure."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from services.common.errors import NotFound, ValidationFailed
from services.notifications import broadcasts, contacts, fanout, inbox, personal_data, preferences, robots
from services.notifications.models import Contact, Delivery, Message, PushSubscription
from tests.unit.notifications.conftest import NOW


def _award(notes, tenant_id, user_id, amount=5):
    with notes(tenant_id) as session, session.begin():
        (message,) = fanout.fan_out(session=session, source="points", event="points_awarded",
                                    event_id=str(uuid.uuid4()), data={"user_id": user_id, "amount": amount},
                                    ask=None, now=NOW)
        return message.id, message.short_code


def test_the_inbox_pages_a_persons_own_messages_newest_first(notes):
    for amount in (1, 2, 3):
        _award(notes, "xiangyang", "u-amy", amount)
    _award(notes, "xiangyang", "u-wang")
    with notes("xiangyang") as session, session.begin():
        first = inbox.page(session=session, user_id="u-amy", limit=2, after=None)
        second = inbox.page(session=session, user_id="u-amy", limit=2, after=first.next_cursor)
        assert len(first.items) == 2 and len(second.items) == 1 and second.next_cursor is None
        assert {m.user_id for m in first.items + second.items} == {"u-amy"}
        assert inbox.unread_count(session=session, user_id="u-amy") == 3


def test_reading_one_all_and_opening_a_short_link(notes):
    message_id, code = _award(notes, "xiangyang", "u-amy")
    _award(notes, "xiangyang", "u-amy")
    other_id, other_code = _award(notes, "xiangyang", "u-wang")
    with notes("xiangyang") as session, session.begin():
        with pytest.raises(NotFound):
            inbox.mark_read(session=session, user_id="u-amy", message_id=other_id, now=NOW)
        with pytest.raises(NotFound):  # someone else's code is not found, like a made-up one
            inbox.open_link(session=session, user_id="u-amy", code=other_code, now=NOW)
        with pytest.raises(NotFound):
            inbox.open_link(session=session, user_id="u-amy", code="nope", now=NOW)
        opened = inbox.open_link(session=session, user_id="u-amy", code=code, now=NOW)
        assert opened.id == message_id and opened.link == "/web/points" and opened.read_at == NOW
        assert inbox.unread_count(session=session, user_id="u-amy") == 1
        assert inbox.mark_all_read(session=session, user_id="u-amy", now=NOW) == 1
        assert inbox.unread_count(session=session, user_id="u-wang") == 1
    with notes("dongxin") as session, session.begin(), pytest.raises(NotFound):  # another community's
        inbox.open_link(session=session, user_id="u-amy", code=code, now=NOW)


def test_preferences_default_and_change_partially(notes):
    with notes("xiangyang") as session, session.begin():
        view = preferences.view(preferences.of(session, "u-wang"))
        assert view["quiet_hours"] == {"start": "23:00", "end": "07:00"} and view["time_zone"] == "Asia/Shanghai"
        assert view["digest"] == {"enabled": False, "hour": 19}
        kinds = {k["kind"]: k for k in view["kinds"]}
        assert kinds["waitlist_promoted"]["channels"] == {"inbox": True, "sms": True, "push": True}
        assert kinds["points_awarded"]["channels"] == {"inbox": True, "sms": False, "push": True}
        assert kinds["award_awaiting_approval"]["staff"] is True
        row = preferences.update(session=session, user_id="u-wang", changes={
            "kinds": [{"kind": "points_awarded", "channels": {"push": False}}]})
        kinds = {k["kind"]: k for k in preferences.view(row)["kinds"]}
        assert kinds["points_awarded"]["channels"] == {"inbox": True, "sms": False, "push": False}
        assert preferences.view(row)["quiet_hours"]["start"] == "23:00"
        with pytest.raises(ValidationFailed):
            preferences.update(session=session, user_id="u-wang", changes={"time_zone": "Mars/Olympus"})
    message_id, _ = _award(notes, "xiangyang", "u-wang")
    with notes("xiangyang") as session, session.begin():
        assert session.scalars(select(Delivery).where(Delivery.message_id == message_id)).all() == []
        assert session.get(Message, message_id) is not None  # the inbox is always on


def test_contact_changed_keeps_the_newest_phone_only(notes):
    with notes("xiangyang") as session, session.begin():
        assert contacts.apply(session=session, data={"user_id": "u-new", "tenant_id": "xiangyang", "version": 3,
                                                     "phone": "13800000000"})
        assert not contacts.apply(session=session, data={"user_id": "u-new", "tenant_id": "xiangyang",
                                                         "version": 2, "phone": "13811111111"})
        assert session.get(Contact, ("xiangyang", "u-new")).phone == "13800000000"
        assert contacts.apply(session=session, data={"user_id": "u-new", "tenant_id": "xiangyang", "version": 4,
                                                     "phone": None})
        assert session.get(Contact, ("xiangyang", "u-new")).phone is None
        with pytest.raises(ValidationFailed):
            contacts.apply(session=session, data={"user_id": "u-new", "tenant_id": "dongxin", "version": 9})


def test_broadcast_preview_then_send_once_per_key(notes):
    data = {"group": "community", "title": "Water off", "body": "No water tomorrow 9-12.", "channels": ["inbox",
                                                                                                     "sms", "push"]}
    with notes("xiangyang") as session, session.begin():
        preview = broadcasts.preview(session=session, data=data, ask=None)
        # Staff chose SMS for it: everyone with a phone who has not switched broadcasts' SMS off
        assert preview == {"recipients": 4, "channels": {"inbox": 4, "sms": 4, "push": 4}}
        preferences.update(session=session, user_id="u-amy", changes={"kinds": [
            {"kind": "broadcast", "channels": {"sms": False}}]})
        assert broadcasts.preview(session=session, data=data, ask=None)["channels"]["sms"] == 3
        assert broadcasts.preview(session=session, data={**data, "channels": ["inbox"]},
                                  ask=None)["channels"] == {"inbox": 4, "sms": 0, "push": 0}
        sent = broadcasts.send(session=session, data={**data, "idempotency_key": "k1"}, actor="u-staff", ask=None,
                               now=NOW)
        again = broadcasts.send(session=session, data={**data, "idempotency_key": "k1"}, actor="u-staff",
                                ask=None, now=NOW)
        assert again.id == sent.id and sent.recipients == 4
        assert session.scalar(select(Message.title).where(Message.user_id == "u-amy")) == "Water off"
        roster = broadcasts.preview(session=session, data={**data, "group": "training.class_roster", "ref": "s1"},
                                    ask=lambda s, g, r: ["u-wang"] if (s, g, r) == ("training", "class_roster",
                                                                                   "s1") else [])
        assert roster["recipients"] == 1


def test_the_team_robot_is_stored_but_never_answered_whole(notes):
    with notes("xiangyang") as session, session.begin():
        with pytest.raises(ValidationFailed):
            robots.set_url(session=session, url="http://example.org/hook", actor="u-admin", now=NOW)
        robot = robots.set_url(session=session, url="wecombot://0123456789abcdef-secret", actor="u-admin", now=NOW)
        shown = robots.view(robot)
        assert shown["configured"] and shown["scheme"] == "wecombot" and "secret" not in str(shown)
        assert robots.view(robots.set_url(session=session, url="", actor="u-admin", now=NOW))["configured"] is False


def test_export_and_erase_a_persons_messages_preferences_subscriptions_and_contact(notes):
    _award(notes, "xiangyang", "u-amy")
    with notes("xiangyang") as session, session.begin():
        preferences.update(session=session, user_id="u-amy", changes={"time_zone": "Europe/London"})
        found = personal_data.export(session=session, user_id="u-amy")
        assert set(found) == {"messages", "deliveries", "preferences", "push_subscriptions", "contacts"}
        assert "auth" not in found["push_subscriptions"][0]
        changed = personal_data.erase(session=session, user_id="u-amy", pseudonym="erased-0001")
        assert changed["push_subscriptions"] == 1 and changed["messages"] == 1
        assert personal_data.export(session=session, user_id="u-amy") == {}
        assert session.scalars(select(PushSubscription).where(PushSubscription.user_id == "u-amy")).all() == []
        assert session.get(Contact, ("xiangyang", "erased-0001")).phone is None


def test_the_preferences_answer_can_be_sent_back_as_a_change(notes):
    from services.common.contracts import load
    from services.notifications.contracts.schemas import PreferencesIn, PreferencesOut

    with notes("dongxin") as session, session.begin():
        shown = PreferencesOut().dump(preferences.view(preferences.of(session, "u-zhao")))
        shown["kinds"][0]["channels"]["sms"] = True
        changed = preferences.update(session=session, user_id="u-zhao",
                                     changes=load(PreferencesIn(), shown, partial=True))
        assert preferences.view(changed)["kinds"][0]["channels"]["sms"] is True
        assert preferences.view(changed)["kinds"][0]["channels"]["inbox"] is True
