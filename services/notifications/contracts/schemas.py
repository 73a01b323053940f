"""Contracts of the notifications service: RPC payloads and results (the gateway codes against these).

Plain marshmallow: no domain module, model, ORM or nameko is imported here (the gateway reads these)."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from marshmallow import Schema, validate

from services.common import contract_fields as fields
from services.common.contracts import PageQuery, page_schema
from services.notifications.contracts.messages import BAD_TIME, CHANNELS, DELIVERY_STATUSES, KINDS

TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
BROADCAST_CHANNELS = ("inbox", "sms", "push")
# A staff broadcast's group: `community` (every member) or `<service>.<group>` answered by that service's
# `audience` RPC (training.class_roster, governance.council_members, jobs.fair_registrants, ...).
GROUP = re.compile(r"^(community|(jobs|training|governance|points)\.[a-z_]{2,40})$")


def When(**kwargs: Any) -> fields.AwareDateTime:  # a field factory
    """A moment; a time without zone is read as UTC."""
    return fields.AwareDateTime(default_timezone=UTC, **kwargs)


def TimeOfDay(**kwargs: Any) -> fields.String:  # a field factory
    return fields.String(validate=validate.Regexp(TIME_OF_DAY, error=BAD_TIME.text), **kwargs)


# --- the inbox ----------------------------------------------------------------------------


class InboxQuery(PageQuery):
    unread_only = fields.Boolean(load_default=False)


class MessageOut(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": list(KINDS.values)})
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


class OpenLinkOut(Schema):
    message_id = fields.String()
    link = fields.String()


# --- preferences ----------------------------------------------------------------------------


class QuietHours(Schema):
    start = TimeOfDay(required=True)
    end = TimeOfDay(required=True)


class Digest(Schema):
    enabled = fields.Boolean(required=True)
    hour = fields.Integer(required=True, validate=validate.Range(0, 23))


class KindChannels(Schema):
    inbox = fields.Boolean(metadata={"description": "always true (ignored in a change)"})
    sms = fields.Boolean()
    push = fields.Boolean()


class KindPreference(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS.values))
    urgent = fields.Boolean(metadata={"description": "ignored in a change"})
    staff = fields.Boolean(metadata={"description": "ignored in a change"})
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


# --- push -------------------------------------------------------------------------------------


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


# --- broadcasts ---------------------------------------------------------------------------------


class BroadcastPreviewIn(Schema):
    group = fields.String(required=True, validate=validate.Regexp(GROUP))
    ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    title = fields.String(required=True, validate=validate.Length(1, 100))
    body = fields.String(required=True, validate=validate.Length(1, 500))
    channels = fields.List(fields.String(validate=validate.OneOf(BROADCAST_CHANNELS)),
                           load_default=lambda: ["inbox", "push"])


class BroadcastIn(BroadcastPreviewIn):
    idempotency_key = fields.String(required=True, validate=validate.Length(1, 200))


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


# --- deliveries (staff) -------------------------------------------------------------------------


class DeliveryQuery(PageQuery):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DELIVERY_STATUSES.values))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CHANNELS.values))


class DeliveryOut(Schema):
    """No address and no text: what staff need to see that something did not arrive, and why."""

    id = fields.String()
    message_id = fields.String()
    kind = fields.String()
    channel = fields.String()
    status = fields.String(metadata={"enum": list(DELIVERY_STATUSES.values)})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


DeliveryPage = page_schema(DeliveryOut, "DeliveryPage")


class RunOut(Schema):
    sent = fields.Integer()
    held = fields.Integer()
    failed = fields.Integer()
    dead = fields.Integer()


class DigestRunOut(Schema):
    digests = fields.Integer()
    folded = fields.Integer()


class StaffSummaryRunOut(Schema):
    messages = fields.Integer()  # staff messages written by this run; 0 when none due or already sent


class NowIn(Schema):
    now = When(load_default=None, allow_none=True)


# --- figures, robot ---------------------------------------------------------------------------


class FiguresQuery(Schema):
    since = When(load_default=None, allow_none=True)
    until = When(load_default=None, allow_none=True)


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
    url_hint = fields.String(allow_none=True, metadata={"description": "the URL with its key or token hidden"})
    updated_at = fields.DateTime(allow_none=True)
