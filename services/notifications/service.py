"""The notifications nameko service: entrypoints only; rules live in the domain modules (fanout,
delivery, inbox, preferences, broadcasts, robots, contacts, figures).

It consumes the other services' events (one handler per source event, fanout.SOURCES), keeps people's
phone numbers from identity's confidential `contact_changed`, answers the inbox and preferences RPCs of
the gateway, and its timer sends what is due (deliveries, then digests) in every tenant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from nameko.timer import timer
from sqlalchemy import func, select

from services.common import config
from services.common.contracts import load
from services.common.database import utcnow
from services.common.dependencies import Database, TenantContext
from services.common.entrypoints import event_handler, rpc
from services.common.errors import FengchaoError, NotFound, ServiceUnavailable
from services.common.logging import get_logger
from services.common.members import CONTACT_CHANGED, IDENTITY
from services.common.service import EXPECTED_ERRORS, HealthEntrypoints, MemberEntrypoints, PersonalDataEntrypoints
from services.notifications import (
    access,
    broadcasts,
    channels,
    contacts,
    delivery,
    fanout,
    figures,
    inbox,
    personal_data,
    preferences,
    robots,
    staff_summary,
    vapid,
)
from services.notifications.audience import Audience
from services.notifications.contracts.messages import DELIVERY_NOT_FOUND, NO_PUSH_KEY
from services.notifications.contracts.schemas import (
    BroadcastCreated,
    BroadcastIn,
    BroadcastPage,
    BroadcastPreviewIn,
    BroadcastPreviewOut,
    DeliveryOut,
    DeliveryPage,
    DeliveryQuery,
    DigestRunOut,
    FiguresOut,
    FiguresQuery,
    InboxQuery,
    MarkedOut,
    MessageOut,
    MessagePage,
    NowIn,
    OpenLinkOut,
    PreferencesIn,
    PreferencesOut,
    PushSubscriptionIn,
    PushSubscriptionOut,
    RemovedOut,
    RunOut,
    StaffSummaryRunOut,
    TeamRobotIn,
    TeamRobotOut,
    UnreadOut,
)
from services.notifications.models import DUE_STATES, SENT, Base, Delivery, PushSubscription

log = get_logger(__name__)

INTERVAL = config.get_float("NOTIFICATIONS_INTERVAL")


def channel_settings() -> dict[str, str]:
    return {s.name: config.get(s.name) for s in config.SETTINGS if s.name.startswith("NOTIFICATIONS_")}


def _channels() -> Callable[[str], Any]:
    settings, made = channel_settings(), {}

    def channel(name: str) -> Any:
        if name not in made:
            made[name] = channels.channel_for(name, settings)
        return made[name]

    return channel


class NotificationsService(MemberEntrypoints, PersonalDataEntrypoints, HealthEntrypoints):
    name = "notifications"

    ctx = TenantContext()
    db = Database(Base)
    audience = Audience()
    personal_data = personal_data  # the tables holding something about a person

    # --- what other services' events cause --------------------------------------------------------

    def _fan_out(self, source: str, event: str, envelope: dict) -> None:
        if not self.ctx.tenant_id or not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
            log.warning("notifications.event_ignored", event_type=f"{source}.{event}",
                        event_id=(envelope or {}).get("id") if isinstance(envelope, dict) else None)
            return
        ask = self.audience(self.ctx.tenant, self.ctx.locale)
        with self.db.transaction() as tx:
            if not tx.first_delivery(envelope, consumer=f"notifications.{source}.{event}"):
                return
            try:
                made = fanout.fan_out(session=tx.session, source=source, event=event, event_id=envelope["id"],
                                      data=envelope["data"], ask=ask, now=utcnow())
            except FengchaoError as refusal:  # a group its service refuses: nobody to tell, and a retry won't help
                log.warning("notifications.fan_out_refused", event_type=f"{source}.{event}",
                            event_id=envelope["id"], error=type(refusal).__name__)
                return
            if made:
                log.info("notifications.fanned_out", event_type=f"{source}.{event}", messages=len(made))

    @event_handler("governance", "vote_opened", requeue_on_error=True)
    def on_vote_opened(self, envelope: dict) -> None:
        self._fan_out("governance", "vote_opened", envelope)

    @event_handler("governance", "vote_closing_soon", requeue_on_error=True)
    def on_vote_closing_soon(self, envelope: dict) -> None:
        self._fan_out("governance", "vote_closing_soon", envelope)

    @event_handler("governance", "vote_closed", requeue_on_error=True)
    def on_vote_closed(self, envelope: dict) -> None:
        self._fan_out("governance", "vote_closed", envelope)

    @event_handler("governance", "council_session_scheduled", requeue_on_error=True)
    def on_council_session_scheduled(self, envelope: dict) -> None:
        self._fan_out("governance", "council_session_scheduled", envelope)

    @event_handler("governance", "council_session_due", requeue_on_error=True)
    def on_council_session_due(self, envelope: dict) -> None:
        self._fan_out("governance", "council_session_due", envelope)

    @event_handler("governance", "voice_answered", requeue_on_error=True)
    def on_voice_answered(self, envelope: dict) -> None:
        self._fan_out("governance", "voice_answered", envelope)

    @event_handler("governance", "duty_slot_due", requeue_on_error=True)
    def on_duty_slot_due(self, envelope: dict) -> None:
        self._fan_out("governance", "duty_slot_due", envelope)

    @event_handler("training", "waitlist_promoted", requeue_on_error=True)
    def on_waitlist_promoted(self, envelope: dict) -> None:
        self._fan_out("training", "waitlist_promoted", envelope)

    @event_handler("training", "class_due", requeue_on_error=True)
    def on_class_due(self, envelope: dict) -> None:
        self._fan_out("training", "class_due", envelope)

    @event_handler("training", "class_rescheduled", requeue_on_error=True)
    def on_class_rescheduled(self, envelope: dict) -> None:
        self._fan_out("training", "class_rescheduled", envelope)

    @event_handler("training", "class_cancelled", requeue_on_error=True)
    def on_class_cancelled(self, envelope: dict) -> None:
        self._fan_out("training", "class_cancelled", envelope)

    @event_handler("training", "certificate_issued", requeue_on_error=True)
    def on_certificate_issued(self, envelope: dict) -> None:
        self._fan_out("training", "certificate_issued", envelope)

    @event_handler("jobs", "application_status_changed", requeue_on_error=True)
    def on_application_status_changed(self, envelope: dict) -> None:
        self._fan_out("jobs", "application_status_changed", envelope)

    @event_handler("jobs", "wage_follow_up_due", requeue_on_error=True)
    def on_wage_follow_up_due(self, envelope: dict) -> None:
        self._fan_out("jobs", "wage_follow_up_due", envelope)

    @event_handler("jobs", "case_opened", requeue_on_error=True)
    def on_case_opened(self, envelope: dict) -> None:
        self._fan_out("jobs", "case_opened", envelope)

    @event_handler("jobs", "case_assigned", requeue_on_error=True)
    def on_case_assigned(self, envelope: dict) -> None:
        self._fan_out("jobs", "case_assigned", envelope)

    @event_handler("jobs", "case_answered", requeue_on_error=True)
    def on_case_answered(self, envelope: dict) -> None:
        self._fan_out("jobs", "case_answered", envelope)

    @event_handler("jobs", "case_resolved", requeue_on_error=True)
    def on_case_resolved(self, envelope: dict) -> None:
        self._fan_out("jobs", "case_resolved", envelope)

    @event_handler("jobs", "fair_due", requeue_on_error=True)
    def on_fair_due(self, envelope: dict) -> None:
        self._fan_out("jobs", "fair_due", envelope)

    @event_handler("points", "points_awarded", requeue_on_error=True)
    def on_points_awarded(self, envelope: dict) -> None:
        self._fan_out("points", "points_awarded", envelope)

    @event_handler("points", "points_expiring", requeue_on_error=True)
    def on_points_expiring(self, envelope: dict) -> None:
        self._fan_out("points", "points_expiring", envelope)

    @event_handler("points", "redemption_expiring", requeue_on_error=True)
    def on_redemption_expiring(self, envelope: dict) -> None:
        self._fan_out("points", "redemption_expiring", envelope)

    @event_handler("points", "award_requested", requeue_on_error=True)
    def on_award_requested(self, envelope: dict) -> None:
        self._fan_out("points", "award_requested", envelope)

    @event_handler("governance", "voice_submitted", requeue_on_error=True)
    def on_voice_submitted(self, envelope: dict) -> None:
        """Counted for the staff's daily summary (staff_summary.py); nobody is told now, nobody is named."""
        if not self.ctx.tenant_id or not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
            return
        with self.db.transaction() as tx:
            if tx.first_delivery(envelope, consumer="notifications.governance.voice_submitted"):
                staff_summary.record_voice(session=tx.session, data=envelope["data"],
                                           received_at=_when(envelope.get("time")) or utcnow())

    @event_handler(IDENTITY, CONTACT_CHANGED, requeue_on_error=True)
    def on_contact_changed(self, envelope: dict) -> None:
        if not self.ctx.tenant_id or not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
            return
        with self.db.transaction() as tx:
            if tx.first_delivery(envelope, consumer="notifications.contacts"):
                contacts.apply(session=tx.session, data=envelope["data"])

    # --- the inbox -------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def inbox(self, query: dict | None = None) -> dict:
        params = load(InboxQuery(), query or {})
        with self.db.transaction() as tx:
            page = inbox.page(session=tx.session, user_id=self.ctx.require_user(), **params)
            return MessagePage().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def unread_count(self) -> dict:
        with self.db.transaction() as tx:
            return UnreadOut().dump({"unread": inbox.unread_count(session=tx.session,
                                                                   user_id=self.ctx.require_user())})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def mark_read(self, message_id: str) -> dict:
        with self.db.transaction() as tx:
            return MessageOut().dump(inbox.mark_read(session=tx.session, user_id=self.ctx.require_user(),
                                                     message_id=str(message_id), now=utcnow()))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def mark_all_read(self) -> dict:
        with self.db.transaction() as tx:
            return MarkedOut().dump({"marked": inbox.mark_all_read(session=tx.session,
                                                                    user_id=self.ctx.require_user(), now=utcnow())})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def open_link(self, code: str) -> dict:
        with self.db.transaction() as tx:
            message = inbox.open_link(session=tx.session, user_id=self.ctx.require_user(), code=str(code),
                                      now=utcnow())
            return OpenLinkOut().dump({"message_id": message.id, "link": message.link})

    # --- preferences and push subscriptions ----------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_preferences(self) -> dict:
        with self.db.transaction() as tx:
            return PreferencesOut().dump(preferences.view(preferences.of(tx.session, self.ctx.require_user())))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_preferences(self, payload: dict) -> dict:
        data = load(PreferencesIn(), payload, partial=True)
        with self.db.transaction() as tx:
            row = preferences.update(session=tx.session, user_id=self.ctx.require_user(), changes=data)
            return PreferencesOut().dump(preferences.view(row))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def vapid_public_key(self) -> dict:
        try:
            key = vapid.public_key()
        except (ImportError, ValueError):
            key = None
        if not key:
            raise ServiceUnavailable(NO_PUSH_KEY)
        return {"key": key}

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def subscribe_push(self, payload: dict) -> dict:
        data = load(PushSubscriptionIn(), payload)
        with self.db.transaction() as tx:
            user_id = self.ctx.require_user()
            row = tx.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == data["endpoint"]))
            if row is None:
                row = PushSubscription(endpoint=data["endpoint"], user_id=user_id, created_at=utcnow())
                tx.session.add(row)
            # the same browser signed in as someone else now receives that person's notifications
            row.user_id, row.p256dh, row.auth = user_id, data["keys"]["p256dh"], data["keys"]["auth"]
            row.user_agent = data.get("user_agent")
            tx.session.flush()
            return PushSubscriptionOut().dump(row)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def unsubscribe_push(self, endpoint: str) -> dict:
        with self.db.transaction() as tx:
            user_id = self.ctx.require_user()
            rows = tx.session.scalars(select(PushSubscription).where(
                PushSubscription.endpoint == str(endpoint), PushSubscription.user_id == user_id)).all()
            for row in rows:
                tx.session.delete(row)
            return RemovedOut().dump({"removed": len(rows)})

    # --- staff: broadcasts, deliveries, figures; admin: the team robot ---------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def preview_broadcast(self, payload: dict) -> dict:
        data = load(BroadcastPreviewIn(), payload)
        access.require_staff(self.ctx)
        ask = self.audience(self.ctx.tenant, self.ctx.locale)
        with self.db.transaction() as tx:
            return BroadcastPreviewOut().dump(broadcasts.preview(session=tx.session, data=data, ask=ask))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def send_broadcast(self, payload: dict, idempotency_key: str | None = None) -> dict:
        """`payload` with `idempotency_key` in it, or the gateway's Idempotency-Key header as the second argument."""
        if idempotency_key is not None and isinstance(payload, dict):
            payload = {**payload, "idempotency_key": idempotency_key}
        data = load(BroadcastIn(), payload)
        actor = access.require_staff(self.ctx)
        ask = self.audience(self.ctx.tenant, self.ctx.locale)
        with self.db.transaction() as tx:
            sent = broadcasts.send(session=tx.session, data=data, actor=actor, ask=ask, now=utcnow())
            return BroadcastCreated().dump(sent)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_broadcasts(self, query: dict | None = None) -> dict:
        from services.common.contracts import PageQuery

        params = load(PageQuery(), query or {})
        with self.db.transaction() as tx:
            access.require_staff(self.ctx)
            page = broadcasts.list_page(session=tx.session, **params)
            return BroadcastPage().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def deliveries(self, query: dict | None = None) -> dict:
        params = load(DeliveryQuery(), query or {})
        with self.db.transaction() as tx:
            access.require_staff(self.ctx)
            page = delivery.list_page(session=tx.session, **params)
            return DeliveryPage().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def retry_delivery(self, delivery_id: str) -> dict:
        with self.db.transaction() as tx:
            access.require_staff(self.ctx)
            row = tx.session.get(Delivery, str(delivery_id)) if delivery_id else None
            if row is None:
                raise NotFound(DELIVERY_NOT_FOUND, {"id": delivery_id})
            return DeliveryOut().dump(delivery.retry(session=tx.session, delivery=row, now=utcnow()))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def figures(self, since: str | datetime | None = None, until: str | datetime | None = None) -> dict:
        params = load(FiguresQuery(), {"since": _iso(since), "until": _iso(until)})
        with self.db.transaction() as tx:
            access.require_staff(self.ctx)
            tenant_id = self.ctx.tenant
            found = figures.figures(session=tx.session, tenant_ids=[tenant_id], **params)
            return FiguresOut().dump({"tenant_id": tenant_id, **found[tenant_id]})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_team_robot(self) -> dict:
        with self.db.transaction() as tx:
            access.require_staff(self.ctx)
            return TeamRobotOut().dump(robots.view(robots.get(tx.session)))

    @rpc(expected_exceptions=EXPECTED_ERRORS, sensitive_arguments=("payload",))
    def set_team_robot(self, payload: dict) -> dict:
        data = load(TeamRobotIn(), payload)
        with self.db.transaction() as tx:
            actor = access.require_admin(self.ctx)
            return TeamRobotOut().dump(robots.view(robots.set_url(session=tx.session, url=data["url"], actor=actor,
                                                                  now=utcnow())))

    # --- sending: the timer, and the same for one tenant on request (staff, tests with `now`) -----------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def deliver_due(self, now: str | None = None) -> dict:
        when = load(NowIn(), {"now": _iso(now)})["now"] or utcnow()
        access.require_staff_or_service(self.ctx)
        with self.db.transaction() as tx:
            budget = config.get_int("NOTIFICATIONS_SMS_PER_MINUTE") - _sms_sent_since(tx.session, when)
            return RunOut().dump(delivery.deliver_due(session=tx.session, now=when, channel=_channels(),
                                                      sms_budget=budget))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def send_digests(self, now: str | None = None) -> dict:
        when = load(NowIn(), {"now": _iso(now)})["now"] or utcnow()
        access.require_staff_or_service(self.ctx)
        with self.db.transaction() as tx:
            return DigestRunOut().dump(delivery.send_digests(session=tx.session, now=when, channel=_channels()))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def send_staff_summaries(self, now: str | None = None) -> dict:
        """The staff's daily summary of new voice items of the context's tenant, if due at `now` and not sent."""
        when = load(NowIn(), {"now": _iso(now)})["now"] or utcnow()
        access.require_staff_or_service(self.ctx)
        with self.db.transaction() as tx:
            return StaffSummaryRunOut().dump({"messages": staff_summary.send(session=tx.session, now=when)})

    @timer(interval=INTERVAL)
    def send_due(self) -> None:
        """The staff's daily summaries that are due, then due deliveries, then digests, in every tenant that
        has any."""
        now = utcnow()
        self._send_staff_summaries(now)
        with self.db.system_read_all_tenants(reason="notifications: find tenants with due deliveries") as session:
            tenants = sorted(set(session.scalars(select(Delivery.tenant_id).where(
                Delivery.status.in_(DUE_STATES), Delivery.next_attempt_at <= now).distinct())))
            budget = config.get_int("NOTIFICATIONS_SMS_PER_MINUTE") - _sms_sent_since(session, now)
        channel = _channels()
        for tenant_id in tenants:
            try:
                with self.db.system_in_tenant(tenant_id, reason="notifications: send due deliveries") as tx:
                    done = delivery.deliver_due(session=tx.session, now=now, channel=channel,
                                                sms_budget=max(budget, 0))
                with self.db.system_in_tenant(tenant_id, reason="notifications: daily digests") as tx:
                    digests = delivery.send_digests(session=tx.session, now=now, channel=channel)
            except Exception:  # one tenant's trouble must not stop the others'
                log.exception("notifications.send_failed", tenant_id=tenant_id)
                continue
            budget -= done["sent"]
            if any(done.values()) or digests["digests"]:
                log.info("notifications.sent", tenant_id=tenant_id, **done, digests=digests["digests"])

    def _send_staff_summaries(self, now: datetime) -> None:
        try:
            with self.db.system_read_all_tenants(reason="notifications: tenants with a staff summary due") as session:
                tenants = staff_summary.tenants_due(session, now)
        except Exception:
            log.exception("notifications.staff_summary_failed")
            return
        for tenant_id in tenants:
            try:
                with self.db.system_in_tenant(tenant_id, reason="notifications: the staff's daily summary") as tx:
                    made = staff_summary.send(session=tx.session, now=now)
            except Exception:  # one tenant's trouble must not stop the others'
                log.exception("notifications.staff_summary_failed", tenant_id=tenant_id)
                continue
            if made:
                log.info("notifications.staff_summary_sent", tenant_id=tenant_id, messages=made)


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _iso(value: Any) -> Any:
    """A time as the contract loads it: the gateway's client may hand a datetime over as one."""
    return value.isoformat() if isinstance(value, datetime) else value


def _sms_sent_since(session: Any, now: datetime) -> int:
    """SMS handed to the provider in the minute before `now` (all tenants the session sees)."""
    return int(session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.channel == "sms", Delivery.status == SENT, Delivery.sent_at > now - timedelta(seconds=60))) or 0)

