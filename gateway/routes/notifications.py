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

from gateway import messages
from gateway.auth import require_principal
from gateway.idempotency import HEADER as IDEMPOTENCY_HEADER
from gateway.idempotency import idempotent
from gateway.services import call, respond
from services.common.access import ADMIN_ROLES, STAFF_ROLES
from services.common.contracts import PageQuery, partial_schema
from services.common.errors import Forbidden
from services.notifications.contracts.schemas import (
    BroadcastCreated,
    BroadcastPage,
    BroadcastPreviewIn,
    BroadcastPreviewOut,
    DeliveryOut,
    DeliveryPage,
    DeliveryQuery,
    FiguresOut,
    FiguresQuery,
    InboxQuery,
    MarkedOut,
    MessageOut,
    MessagePage,
    PreferencesIn,
    PreferencesOut,
    PushSubscriptionIn,
    PushSubscriptionOut,
    PushUnsubscribeIn,
    RemovedOut,
    TeamRobotIn,
    TeamRobotOut,
    UnreadOut,
    VapidKeyOut,
)

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                description="通知 / Notifications: inbox, preferences, push, broadcasts, deliveries")

RETRY_SAFE = {"parameters": [{"in": "header", "name": IDEMPOTENCY_HEADER, "schema": {"type": "string"},
                              "description": "Retry-safe: the same key returns the first answer (and sends once)"}]}

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
    # Messages are for people: a partner's API key has no inbox, preferences or browsers to push to.
    if require_principal().kind == "api_key":
        raise Forbidden(messages.PEOPLE_ONLY)


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
