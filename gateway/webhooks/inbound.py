"""Inbound partner events: validated against the inbound catalogue, recorded once by (tenant, event id),
and turned into service calls.

The tenant is the API key's. A partner acts only through the calls its event type maps to, and only for
people who are members of that tenant; every call carries an idempotency key built from the partner's own
natural id (the drill), so a roster re-sent — even under a new event id — awards nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import messages
from gateway.identity import Principal
from gateway.models import InboundEvent, Membership
from services.common import contract_fields as fields
from services.common import partners
from services.common.context import CallContext
from services.common.database import utcnow
from services.common.errors import (
    Conflict,
    FengchaoError,
    Forbidden,
    ServiceTimeout,
    ServiceUnavailable,
    ValidationFailed,
)

# (service, method, args, context) → result; the gateway's pooled RPC client in production.
Caller = Callable[[str, str, tuple[Any, ...], CallContext], Any]


class InboundEnvelope(Schema):
    """The CloudEvent a partner posts (structured JSON)."""

    specversion = fields.String(required=True, validate=validate.Equal("1.0"))
    id = fields.String(required=True, validate=validate.Length(1, 100))
    source = fields.String(required=True, validate=validate.Length(1, 200))
    type = fields.String(required=True, validate=validate.OneOf(tuple(partners.INBOUND_CATALOGUE)))
    time = fields.DateTime(load_default=None, allow_none=True)
    subject = fields.String(load_default=None, allow_none=True)
    tenantid = fields.String(load_default=None, allow_none=True)
    datacontenttype = fields.String(load_default="application/json",
                                    validate=validate.OneOf(("application/json",)))
    data = fields.Dict(required=True)


def validate_event(payload: Any, *, tenant_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The envelope and its `data`, both checked; field messages name `data.<field>` for the data."""
    if not isinstance(payload, dict):
        raise ValidationFailed.from_messages({"_schema": [messages.EVENT_NOT_AN_OBJECT]})
    try:
        envelope = InboundEnvelope().load(payload)
    except ValidationError as exc:
        raise ValidationFailed.from_messages(exc.messages if isinstance(exc.messages, dict)
                                             else {"_schema": exc.messages}) from None
    if envelope["tenantid"] not in (None, tenant_id):
        raise Forbidden(messages.EVENT_OTHER_TENANT)
    try:
        data = partners.INBOUND_CATALOGUE[envelope["type"]]().load(envelope["data"])
    except ValidationError as exc:
        found = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed.from_messages({f"data.{k}": v for k, v in found.items()}) from None
    return envelope, data


def mapping_context(principal: Principal, request_id: str | None) -> CallContext:
    """The rights a partner's inbound event acts with: staff of the key's tenant, as the API key's id (the
    services keep actor ids of 36 characters; the id leads to `api_keys`), only for the calls its event type
    maps to (the moral bank's maker-checker still holds above the tenant's approval threshold)."""
    return CallContext(tenant_id=principal.tenant_id, user_id=principal.subject.split(":", 1)[-1],
                       roles=frozenset({"partner", "staff"}), request_id=request_id)


def receive(*, session: Session, principal: Principal, payload: Any) -> tuple[InboundEvent, bool]:
    """Record the event; (record, True) when it is new or not yet processed, (record, False) when it was
    processed before. The same id with other content is a conflict."""
    envelope, _data = validate_event(payload, tenant_id=principal.tenant_id)
    record = session.get(InboundEvent, (principal.tenant_id, envelope["id"]), with_for_update=True)
    if record is not None:
        if record.type != envelope["type"] or record.data != payload["data"]:
            raise Conflict(messages.EVENT_ID_REUSED,
                           {"event_id": envelope["id"]})
        return record, record.processed_at is None
    record = InboundEvent(tenant_id=principal.tenant_id, event_id=envelope["id"], type=envelope["type"],
                          source=envelope["source"], api_key_id=principal.subject.split(":", 1)[-1],
                          data=payload["data"], received_at=utcnow())
    session.add(record)
    session.flush()
    return record, True


def process(*, session: Session, record: InboundEvent, principal: Principal, call: Caller,
            request_id: str | None = None) -> dict[str, Any]:
    """Make the event type's service calls; returns the result kept on the record."""
    data = partners.INBOUND_CATALOGUE[record.type]().load(record.data)
    handler = HANDLERS[record.type]
    result = handler(session=session, tenant_id=record.tenant_id, data=data, call=call,
                     ctx=mapping_context(principal, request_id), source=record.source)
    record.result = result
    record.processed_at = utcnow()
    session.flush()
    return result


def _first_aid_drill_roster(*, session: Session, tenant_id: str, data: dict[str, Any], call: Caller,
                            ctx: CallContext, source: str) -> dict[str, Any]:
    """Each attendee who is a member of the tenant earns the drill's points (category first_aid), keyed by
    the partner's drill id and the person, so the drill pays each person once."""
    attendees = list(dict.fromkeys(a["user_id"] for a in data["attendees"]))
    members = set(session.scalars(select(Membership.user_id).where(Membership.tenant_id == tenant_id,
                                                                   Membership.user_id.in_(attendees))))
    held_at: datetime = data["held_at"]
    outcomes = []
    for user_id in attendees:
        if user_id not in members:
            outcomes.append({"user_id": user_id, "outcome": "skipped",
                             "reason": "不是本社区成员 / Not a member of this tenant"})
            continue
        payload = {
            "user_id": user_id, "amount": data["points"], "category": "first_aid",
            "reason": f"{data['title']}（{source}）"[:500], "occurred_at": held_at.isoformat(),
            "idempotency_key": f"partner:{source}:drill:{data['drill_id']}:{user_id}"[:200],
        }
        try:
            answer = call("points", "award", (payload,), ctx)
        except (ServiceUnavailable, ServiceTimeout):
            raise  # transient: the event stays unprocessed (503/504), and the partner's retry finishes it
        except FengchaoError as exc:
            outcomes.append({"user_id": user_id, "outcome": "refused", "reason": exc.detail})
            continue
        reference = (answer.get("posting") or {}).get("id") or (answer.get("request") or {}).get("id")
        outcomes.append({"user_id": user_id, "outcome": answer["outcome"], "reference": reference})
    return {"calls": "points.award", "outcomes": outcomes}


def _exam_results(*, session: Session, tenant_id: str, data: dict[str, Any], call: Caller, ctx: CallContext,
                  source: str) -> dict[str, Any]:
    """Each score goes on the learner's enrolment in the session (training checks the session is the key's
    tenant's, a certificate course, still open). Setting a score is idempotent by nature."""
    roster = call("training", "roster", (data["session_id"], {"status": "enrolled"}), ctx)
    enrolment_of = {e["user_id"]: e["id"] for e in roster["items"] if e.get("user_id")}
    outcomes = []
    for result in data["results"]:
        user_id = result["user_id"]
        enrolment_id = enrolment_of.get(user_id)
        if enrolment_id is None:
            outcomes.append({"user_id": user_id, "outcome": "skipped",
                             "reason": "未在本期在读 / Not enrolled in this session"})
            continue
        try:
            scored = call("training", "set_exam_score", (enrolment_id, {"score": result["score"]}), ctx)
        except (ServiceUnavailable, ServiceTimeout):
            raise
        except FengchaoError as exc:
            outcomes.append({"user_id": user_id, "outcome": "refused", "reason": exc.detail})
            continue
        outcomes.append({"user_id": user_id, "outcome": "scored", "reference": scored["id"],
                         "score": scored["exam_score"]})
    return {"calls": "training.set_exam_score", "outcomes": outcomes}


def _merchant_voucher_batch(*, session: Session, tenant_id: str, data: dict[str, Any], call: Caller,
                            ctx: CallContext, source: str) -> dict[str, Any]:
    """Confirm each voucher as the till (an operator of the merchant); a voucher already confirmed is the
    normal answer to a re-sent batch, not an error."""
    outcomes = []
    for voucher in {v["code"]: v for v in data["vouchers"]}.values():
        try:
            confirmed = call("points", "confirm_voucher", (voucher["code"],), ctx)
        except (ServiceUnavailable, ServiceTimeout):
            raise
        except Conflict as exc:
            state = (exc.extra or {}).get("state")
            outcomes.append({"code": voucher["code"], "outcome": "already_confirmed" if state == "confirmed"
                             else "refused", "reason": exc.detail})
            continue
        except FengchaoError as exc:
            outcomes.append({"code": voucher["code"], "outcome": "refused", "reason": exc.detail})
            continue
        outcomes.append({"code": voucher["code"], "outcome": "confirmed", "reference": confirmed["id"],
                         "points": confirmed["points"]})
    return {"calls": "points.confirm_voucher", "outcomes": outcomes}


HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {
    f"{partners.INBOUND_TYPE_PREFIX}.first_aid_drill_roster": _first_aid_drill_roster,
    f"{partners.INBOUND_TYPE_PREFIX}.exam_results": _exam_results,
    f"{partners.INBOUND_TYPE_PREFIX}.merchant_voucher_batch": _merchant_voucher_batch,
}
