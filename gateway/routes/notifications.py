"""通知 / Notifications: the notifications service's API (issue 18).

A person's inbox (unread first to see, mark read), their preferences (which kinds reach them by text message or
push, quiet hours, time zone, daily digest) and push subscriptions; staff broadcasts to a group, the deliveries
that did not arrive (dead letters, retry) and the figures; the tenant admin's team robot.

The gateway validates each body and query against the contract (which also documents it here); the service
validates again and is the authority, so it gets what was sent.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, validate

from gateway.auth import require_principal
from gateway.idempotency import HEADER as IDEMPOTENCY_HEADER
from gateway.idempotency import idempotent
from gateway.services import call, respond
from services.common import contract_fields as fields
from services.common.access import ADMIN_ROLES, STAFF_ROLES
from services.common.contracts import PageQuery, page_schema, partial_schema

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                description="通知 / Notifications: inbox, preferences, push, broadcasts, deliveries")

RETRY_SAFE = {"parameters": [{"in": "header", "name": IDEMPOTENCY_HEADER, "schema": {"type": "string"},
                              "description": "Retry-safe: the same key returns the first answer (and sends once)"}]}

# --- the contract ----------------------------------------------------------------------------------------
# The shapes of services/notifications/contracts/schemas.py (written beside this, issue 18), declared here with
# the same names so that the merge replaces this block by one import from there, as the points routes do.

TIME_OF_DAY = r"^([01]\d|2[0-3]):[0-5]\d$"
BROADCAST_CHANNELS = ("inbox", "sms", "push")
GROUP = r"^(community|(jobs|training|governance|points)\.[a-z_]{2,40})$"


class InboxQuery(PageQuery):
    unread_only = fields.Boolean(load_default=False)


class MessageOut(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String(metadata={"description": "the page where the person acts"})
    short_code = fields.String(metadata={"description": "the message's short link is /n/<short_code>"})
    urgent = fields.Boolean()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


MessagePage = page_schema(MessageOut, "MessagePage")


class UnreadOut(Schema):
    unread = fields.Integer()


class MarkedOut(Schema):
    marked = fields.Integer()


class QuietHours(Schema):
    start = fields.String(required=True, validate=validate.Regexp(TIME_OF_DAY), metadata={"example": "23:00"})
    end = fields.String(required=True, validate=validate.Regexp(TIME_OF_DAY), metadata={"example": "07:00"})


class Digest(Schema):
    enabled = fields.Boolean(required=True)
    hour = fields.Integer(required=True, validate=validate.Range(0, 23))


class KindChannels(Schema):
    inbox = fields.Boolean(dump_only=True, metadata={"description": "always true"})
    sms = fields.Boolean()
    push = fields.Boolean()


class KindPreference(Schema):
    kind = fields.String(required=True)
    urgent = fields.Boolean(dump_only=True)
    staff = fields.Boolean(dump_only=True)
    channels = fields.Nested(KindChannels, required=True)


class PreferencesIn(Schema):
    """Any part may be left out; `kinds` lists only the kinds whose channels change."""

    quiet_hours = fields.Nested(QuietHours)
    time_zone = fields.String(validate=validate.Length(1, 64), metadata={"description": "IANA, e.g. Asia/Shanghai"})
    digest = fields.Nested(Digest)
    kinds = fields.List(fields.Nested(KindPreference))


class PreferencesOut(Schema):
    quiet_hours = fields.Nested(QuietHours)
    time_zone = fields.String()
    digest = fields.Nested(Digest)
    kinds = fields.List(fields.Nested(KindPreference))


class VapidKeyOut(Schema):
    key = fields.String(metadata={"description": "URL-safe base64 public key for pushManager.subscribe"})


class PushKeys(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(1, 200))
    auth = fields.String(required=True, validate=validate.Length(1, 100))


class PushSubscriptionIn(Schema):
    endpoint = fields.Url(required=True, schemes={"https", "http"}, validate=validate.Length(1, 1000))
    keys = fields.Nested(PushKeys, required=True)
    user_agent = fields.String(load_default=None, allow_none=True, validate=validate.Length(0, 300))


class PushSubscriptionOut(Schema):
    id = fields.String()
    endpoint = fields.String()
    created_at = fields.DateTime()


class PushUnsubscribeIn(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(1, 1000))


class RemovedOut(Schema):
    removed = fields.Integer()


class BroadcastPreviewIn(Schema):
    group = fields.String(required=True, validate=validate.Regexp(GROUP), metadata={
        "description": "`community` (every member) or an owning service's group, e.g. `training.class_roster`"})
    ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64),
                        metadata={"description": "the group's thing, e.g. the class session's id"})
    title = fields.String(required=True, validate=validate.Length(1, 100))
    body = fields.String(required=True, validate=validate.Length(1, 500))
    channels = fields.List(fields.String(validate=validate.OneOf(BROADCAST_CHANNELS)),
                           load_default=lambda: ["inbox", "push"])


class ChannelCounts(Schema):
    inbox = fields.Integer()
    sms = fields.Integer()
    push = fields.Integer()


class BroadcastPreviewOut(Schema):
    recipients = fields.Integer()
    channels = fields.Nested(ChannelCounts)


class BroadcastCreated(Schema):
    id = fields.String()
    recipients = fields.Integer()
    created_at = fields.DateTime()


class BroadcastOut(Schema):
    id = fields.String()
    group = fields.String()
    ref = fields.String(allow_none=True)
    title = fields.String()
    body = fields.String()
    channels = fields.List(fields.String())
    recipients = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime()


BroadcastPage = page_schema(BroadcastOut, "BroadcastPage")


class DeliveryQuery(PageQuery):
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(("queued", "held", "sent", "failed", "dead")))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(("sms", "push", "robot")))


class DeliveryOut(Schema):
    """No address and no text: what staff need to see that something did not arrive, and why."""

    id = fields.String()
    message_id = fields.String()
    kind = fields.String()
    channel = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


DeliveryPage = page_schema(DeliveryOut, "DeliveryPage")


class FiguresQuery(Schema):
    since = fields.AwareDateTime(load_default=None, allow_none=True)
    until = fields.AwareDateTime(load_default=None, allow_none=True)


class FiguresOut(Schema):
    tenant_id = fields.String()
    messages = fields.Dict(keys=fields.String(), values=fields.Integer(),
                           metadata={"description": "messages by kind"})
    deliveries = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()),
                             metadata={"description": "channel -> status -> count"})
    unread = fields.Integer()


class TeamRobotIn(Schema):
    url = fields.String(required=True, validate=validate.Length(0, 1000),
                        metadata={"description": "apprise URL: wecombot://, dingtalk://, feishu://; empty removes"})


class TeamRobotOut(Schema):
    configured = fields.Boolean()
    scheme = fields.String(allow_none=True)
    url_hint = fields.String(allow_none=True, metadata={"description": "the URL's scheme and host, never its key"})
    updated_at = fields.DateTime(allow_none=True)


# --- helpers ---------------------------------------------------------------------------------------------


def _body() -> dict[str, Any]:
    body: dict[str, Any] = request.get_json()
    return body


def _query() -> dict[str, str]:
    return request.args.to_dict()


def broadcast_key(key: str | None) -> str:
    """The service's once-only key of a broadcast: the caller's Idempotency-Key, kept apart per person (two
    staff members may pick the same key); without one, a new key (each such request sends)."""
    principal = require_principal()
    if not key:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{principal.subject}\n{key}".encode()).hexdigest()


@blp.before_request
def _signed_in() -> None:
    require_principal()


# --- the inbox ---------------------------------------------------------------------------------------------


@blp.route("/inbox")
class Inbox(MethodView):
    @blp.arguments(InboxQuery, location="query")
    @blp.response(200, MessagePage)
    def get(self, _query_in: dict[str, object]) -> Response:
        """My messages, newest first; `unread_only=true` for the unread ones."""
        return respond(call("notifications", "inbox", _query()))


@blp.route("/inbox/unread-count")
class UnreadCount(MethodView):
    @blp.response(200, UnreadOut)
    def get(self) -> Response:
        """How many of my messages are unread (the badge)."""
        return respond(call("notifications", "unread_count"))


@blp.route("/inbox/<message_id>/read")
class MarkRead(MethodView):
    @blp.response(200, MessageOut)
    def post(self, message_id: str) -> Response:
        """Mark one of my messages read (again: no change). Someone else's message answers 404."""
        return respond(call("notifications", "mark_read", message_id))


@blp.route("/inbox/read-all")
class MarkAllRead(MethodView):
    @blp.response(200, MarkedOut)
    def post(self) -> Response:
        """Mark all my messages read; answers how many were unread."""
        return respond(call("notifications", "mark_all_read"))


# --- preferences and push ---------------------------------------------------------------------------------


@blp.route("/preferences")
class Preferences(MethodView):
    @blp.response(200, PreferencesOut)
    def get(self) -> Response:
        """My preferences: per kind, text message and push on or off (the inbox is always on); quiet hours,
        time zone, daily digest. Urgent kinds pass quiet hours and the digest."""
        return respond(call("notifications", "get_preferences"))

    @blp.arguments(partial_schema(PreferencesIn))
    @blp.response(200, PreferencesOut)
    def put(self, _body_in: dict[str, object]) -> Response:
        """Change my preferences: any part may be left out; `kinds` names only the kinds that change."""
        return respond(call("notifications", "update_preferences", _body()))


@blp.route("/push/vapid-public-key")
class VapidKey(MethodView):
    @blp.response(200, VapidKeyOut)
    def get(self) -> Response:
        """The platform's VAPID public key, for the browser's `pushManager.subscribe`."""
        return respond(call("notifications", "vapid_public_key"))


@blp.route("/push/subscriptions")
class PushSubscriptions(MethodView):
    @blp.arguments(PushSubscriptionIn)
    @blp.response(201, PushSubscriptionOut)
    def post(self, _body_in: dict[str, object]) -> Response:
        """Register this browser's push subscription (the same endpoint again replaces it)."""
        return respond(call("notifications", "subscribe_push", _body()), 201)

    @blp.arguments(PushUnsubscribeIn)
    @blp.response(200, RemovedOut)
    def delete(self, body: dict[str, Any]) -> Response:
        """Stop push to a browser of mine (its subscription's endpoint)."""
        return respond(call("notifications", "unsubscribe_push", body["endpoint"]))


# --- staff: broadcasts, deliveries, figures ------------------------------------------------------------------


@blp.route("/broadcasts")
class Broadcasts(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, BroadcastPage)
    def get(self, _query_in: dict[str, object]) -> Response:
        """The tenant's broadcasts, newest first (staff)."""
        require_principal(*STAFF_ROLES)
        return respond(call("notifications", "list_broadcasts", _query()))

    @idempotent
    @blp.arguments(BroadcastPreviewIn)
    @blp.response(201, BroadcastCreated)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body_in: dict[str, object]) -> Response:
        """Send a notice to a group (staff): every member of the community, or a group an owning service
        answers (a class's roster, a council's members, a fair's registrants). One message per person, however
        often the same Idempotency-Key is sent."""
        require_principal(*STAFF_ROLES)
        payload = {**_body(), "idempotency_key": broadcast_key(request.headers.get(IDEMPOTENCY_HEADER))}
        return respond(call("notifications", "send_broadcast", payload), 201)


@blp.route("/broadcasts/preview")
class BroadcastPreview(MethodView):
    @blp.arguments(BroadcastPreviewIn)
    @blp.response(200, BroadcastPreviewOut)
    def post(self, _body_in: dict[str, object]) -> Response:
        """How many people a broadcast would reach, and by which channel (staff); nothing is sent."""
        require_principal(*STAFF_ROLES)
        return respond(call("notifications", "preview_broadcast", _body()))


@blp.route("/deliveries")
class Deliveries(MethodView):
    @blp.arguments(DeliveryQuery, location="query")
    @blp.response(200, DeliveryPage)
    def get(self, _query_in: dict[str, object]) -> Response:
        """Text messages, push and robot posts by status and channel, newest first (staff): `status=dead`
        for the dead letters with their reason. No address and no text."""
        require_principal(*STAFF_ROLES)
        return respond(call("notifications", "deliveries", _query()))


@blp.route("/deliveries/<delivery_id>/retry")
class RetryDelivery(MethodView):
    @blp.response(200, DeliveryOut)
    def post(self, delivery_id: str) -> Response:
        """Send a failed or dead delivery again (staff)."""
        require_principal(*STAFF_ROLES)
        return respond(call("notifications", "retry_delivery", delivery_id))


@blp.route("/figures")
class Figures(MethodView):
    @blp.arguments(FiguresQuery, location="query")
    @blp.response(200, FiguresOut)
    def get(self, _query_in: dict[str, object]) -> Response:
        """The tenant's messages by kind and deliveries by channel and status, in a period (staff)."""
        require_principal(*STAFF_ROLES)
        query = _query()
        return respond(call("notifications", "figures", query.get("since"), query.get("until")))


@blp.route("/team-robot")
class TeamRobot(MethodView):
    @blp.response(200, TeamRobotOut)
    def get(self) -> Response:
        """Whether the staff team's chat robot (WeCom, DingTalk, Feishu) is set; its key is never shown."""
        require_principal(*STAFF_ROLES)
        return respond(call("notifications", "get_team_robot"))

    @blp.arguments(TeamRobotIn)
    @blp.response(200, TeamRobotOut)
    def put(self, _body_in: dict[str, object]) -> Response:
        """Set the staff team's robot by its apprise URL, or remove it with an empty one (tenant admin)."""
        require_principal(*ADMIN_ROLES)
        return respond(call("notifications", "set_team_robot", _body()))
