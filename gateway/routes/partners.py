"""合作伙伴 / Partners: the event catalogue, webhook subscriptions (deliveries, dead letters, replay) and
inbound partner events. Rules live in `gateway/webhooks/`; these views only translate.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, validate
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import db, messages
from gateway.auth import require_principal
from gateway.idempotency import idempotent
from gateway.identity import Principal
from gateway.models import WebhookSubscription
from gateway.services import pool, respond
from gateway.webhooks import delivery, inbound
from services.common import catalogue
from services.common import contract_fields as fields
from services.common.context import CallContext
from services.common.contracts import PageQuery, page_limit, page_schema
from services.common.errors import Forbidden

blp = Blueprint("partners", __name__, url_prefix="/api/v1/partners",
                description="合作伙伴 / Partners: event catalogue, webhooks, inbound events")

MANAGERS = ("partner", "tenant_admin")


@functools.lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    return catalogue.as_json()


@functools.lru_cache(maxsize=1)
def _partner_types() -> frozenset[str]:
    return frozenset(catalogue.partner_types())


class SubscriptionIn(Schema):
    url = fields.String(required=True, metadata={"description": "https URL the deliveries are POSTed to"})
    event_types = fields.List(fields.String(), required=True, validate=validate.Length(1, 100),
                              metadata={"description": "catalogue types, e.g. cn.fengchao.training.certificate_issued;"
                                                       " \"*\" for every event of your tenant"})
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class SubscriptionOut(Schema):
    id = fields.String()
    tenant_id = fields.String()
    url = fields.String()
    event_types = fields.List(fields.String())
    description = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    disabled_at = fields.DateTime(allow_none=True)
    deliveries = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True,
                             metadata={"description": "pending / delivered / dead counts"})


class SubscriptionCreated(SubscriptionOut):
    secret = fields.String(metadata={"description": "the signing secret; shown once, store it now"})


class SecretRotationIn(Schema):
    grace_seconds = fields.Integer(load_default=86400, validate=validate.Range(0, delivery.MAX_ROTATION_GRACE_SECONDS),
                                   metadata={"description": "how long deliveries are signed with the old secret "
                                                            "too (default a day); 0 retires it at once"})


class SecretRotated(SubscriptionCreated):
    previous_secret_until = fields.DateTime(allow_none=True, metadata={
        "description": "until then each delivery carries two `v1=` signatures, by the new and the old secret"})


class SubscriptionList(Schema):
    items = fields.List(fields.Nested(SubscriptionOut))


class DeliveryQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf((delivery.PENDING, delivery.DELIVERED,
                                                                        delivery.DEAD)),
                           metadata={"description": "`dead` lists the dead letters"})
    limit = page_limit(default=100, maximum=500)


class DeliveryOut(Schema):
    id = fields.String()
    event_id = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    replay = fields.Boolean()
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)


DeliveryList = page_schema(DeliveryOut, "DeliveryList")


class ReplayIn(Schema):
    since = fields.AwareDateTime(required=True, metadata={"description": "events from this time on (their `time`)"})
    until = fields.AwareDateTime(load_default=None, allow_none=True)


class ReplayOut(Schema):
    queued = fields.Integer()


class InboundOut(Schema):
    event_id = fields.String()
    type = fields.String()
    duplicate = fields.Boolean(metadata={"description": "true: this id was processed before; nothing was done again"})
    received_at = fields.DateTime()
    processed_at = fields.DateTime(allow_none=True)
    result = fields.Dict()


def _manager() -> Principal:
    return require_principal(*MANAGERS)


def _owner(principal: Principal) -> str | None:
    """A partner key manages the webhooks it registered; a tenant admin manages all of the tenant's."""
    return None if "tenant_admin" in principal.roles else principal.subject


def _subscription_out(subscription: WebhookSubscription, session: Session, schema: type[Schema] = SubscriptionOut
                      ) -> dict[str, Any]:
    """The subscription with how many of its deliveries are pending, delivered and dead."""
    out: dict[str, Any] = schema().dump(subscription)
    out["deliveries"] = delivery.subscription_counts(session=session, subscription_id=subscription.id)
    return out


class InboundEventOut(Schema):
    type = fields.String()
    version = fields.String()
    doc = fields.String()
    schema = fields.Dict(metadata={"description": "JSON Schema of the event's `data`"})
    example = fields.Dict()


class PublishedEventOut(InboundEventOut):
    """An event the platform publishes: what a partner receives, plus where it comes from and who may see it."""

    event = fields.String()
    service = fields.String()
    routing_key = fields.String(allow_none=True)
    visibility = fields.String()


class EventCatalogueOut(Schema):
    exchange = fields.String()
    published = fields.List(fields.Nested(PublishedEventOut))
    inbound = fields.List(fields.Nested(InboundEventOut))


@blp.route("/events")
class EventCatalogue(MethodView):
    @blp.doc(security=[])
    @blp.response(200, EventCatalogueOut)
    def get(self) -> Response:
        """The event catalogue: every event the services publish (type, version, JSON Schema of `data`, example,
        partner routing key, who sees it) and the inbound events partners may send. Generated from the code."""
        return respond(_catalogue())


@blp.route("/webhooks")
class Webhooks(MethodView):
    @blp.arguments(SubscriptionIn)
    @blp.response(201, SubscriptionCreated)
    def post(self, body: dict[str, Any]) -> Response:
        """Register a webhook for some of your tenant's events (partner API key or tenant admin). The answer
        holds the signing secret, shown once."""
        principal = _manager()
        session = db.session()
        with session.begin():
            subscription = delivery.create_subscription(
                session=session, tenant_id=principal.tenant_id, url=body["url"], event_types=body["event_types"],
                known_types=_partner_types(), created_by=principal.subject, description=body["description"])
            out = _subscription_out(subscription, session, SubscriptionCreated)
        return respond(out, 201)

    @blp.response(200, SubscriptionList)
    def get(self) -> Response:
        """Your webhooks (a tenant admin: all of the tenant's), with how many deliveries are pending, delivered
        and dead."""
        principal = _manager()
        session = db.session()
        with session.begin():
            items = [_subscription_out(s, session)
                     for s in delivery.list_subscriptions(session=session, tenant_id=principal.tenant_id,
                                                         owner=_owner(principal))]
        return respond({"items": items})


@blp.route("/webhooks/<subscription_id>")
class Webhook(MethodView):
    @blp.response(200, SubscriptionOut)
    def get(self, subscription_id: str) -> Response:
        """One webhook of your tenant."""
        principal = _manager()
        session = db.session()
        with session.begin():
            subscription = delivery.get_subscription(session=session, tenant_id=principal.tenant_id,
                                                     subscription_id=subscription_id, owner=_owner(principal))
            return respond(_subscription_out(subscription, session))

    @blp.response(200, SubscriptionOut)
    def delete(self, subscription_id: str) -> Response:
        """Stop a webhook: nothing more is delivered to it (its history stays)."""
        principal = _manager()
        session = db.session()
        with session.begin():
            subscription = delivery.disable_subscription(session=session, tenant_id=principal.tenant_id,
                                                         subscription_id=subscription_id, owner=_owner(principal))
            return respond(_subscription_out(subscription, session))


@blp.route("/webhooks/<subscription_id>/deliveries")
class WebhookDeliveries(MethodView):
    @blp.arguments(DeliveryQuery, location="query")
    @blp.response(200, DeliveryList)
    def get(self, query: dict[str, Any], subscription_id: str) -> Response:
        """Deliveries of a webhook, newest first; `?status=dead` is its dead-letter list."""
        principal = _manager()
        session = db.session()
        with session.begin():
            page = delivery.list_deliveries(session=session, tenant_id=principal.tenant_id,
                                            subscription_id=subscription_id, status=query["status"],
                                            limit=query["limit"], after=query["after"], owner=_owner(principal))
            return respond({"items": DeliveryOut(many=True).dump(page.items), "next_cursor": page.next_cursor})


@blp.route("/webhooks/<subscription_id>/secret-rotation")
class WebhookSecretRotation(MethodView):
    @idempotent
    @blp.arguments(SecretRotationIn)
    @blp.response(200, SecretRotated)
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                          "description": "Retry-safe: the same key returns the first answer (one rotation)"}])
    def post(self, body: dict[str, Any], subscription_id: str) -> Response:
        """A new signing secret, shown once. During `grace_seconds` deliveries are signed with the new and the
        old secret, so the receiver can switch over without refusing a delivery; `0` retires the old secret at
        once (it leaked)."""
        principal = _manager()
        session = db.session()
        with session.begin():
            subscription, secret = delivery.rotate_secret(
                session=session, tenant_id=principal.tenant_id, subscription_id=subscription_id,
                grace_seconds=body["grace_seconds"], owner=_owner(principal))
            out = _subscription_out(subscription, session, schema=SecretRotated)
            out["secret"] = secret
            return respond(out)


@blp.route("/webhooks/<subscription_id>/replay")
class WebhookReplay(MethodView):
    @blp.arguments(ReplayIn)
    @blp.response(202, ReplayOut)
    def post(self, body: dict[str, Any], subscription_id: str) -> Response:
        """Deliver again every event of your tenant this webhook wants, from `since` (to `until`, default now):
        after an outage, or to empty the dead-letter list. Each is a new delivery with the same event id."""
        principal = _manager()
        session = db.session()
        with session.begin():
            queued = delivery.replay(session=session, tenant_id=principal.tenant_id,
                                     subscription_id=subscription_id, since=body["since"], until=body["until"],
                                     owner=_owner(principal))
        return respond({"queued": queued}, 202)


@blp.route("/inbound")
class Inbound(MethodView):
    @blp.response(200, InboundOut)
    @blp.doc(requestBody={"required": True, "content": {"application/cloudevents+json": {"schema": {
        "type": "object", "description": "a CloudEvent whose type is in the inbound catalogue"}}}})
    def post(self) -> Response:
        """Send an event in with your partner API key (e.g. `cn.fengchao.partner.first_aid_drill_roster`). It is
        validated against the inbound catalogue and processed once per event id; sending it again answers
        from the record with `duplicate: true`."""
        principal = require_principal("partner")
        if principal.kind != "api_key":
            raise Forbidden(messages.INBOUND_NEEDS_PARTNER_KEY)
        payload = request.get_json(force=True)
        session = db.session()
        try:
            with session.begin():
                record, fresh = inbound.receive(session=session, principal=principal, payload=payload)
        except IntegrityError:  # the same event arrived twice at once: the other insert won; read it
            with session.begin():
                record, fresh = inbound.receive(session=session, principal=principal, payload=payload)
        if fresh:
            rpc = pool()

            def call(service: str, method: str, args: tuple[Any, ...], ctx: CallContext) -> Any:
                return rpc.call(service, method, *args, context_data=ctx.to_context_data())

            with session.begin():
                record = session.merge(record)
                inbound.process(session=session, record=record, principal=principal, call=call,
                                request_id=g.get("request_id"))
        return respond(InboundOut().dump({"event_id": record.event_id, "type": record.type, "duplicate": not fresh,
                                          "received_at": record.received_at, "processed_at": record.processed_at,
                                          "result": record.result or {}}))
