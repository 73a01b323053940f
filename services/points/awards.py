"""Earning points: per-tenant rules that turn other services' events into awards, with caps per
person per day and month; manual awards by staff, where an award above the tenant's threshold
waits for a second staff member (maker-checker).

Pure rules over a tenant-scoped session; no broker, no nameko.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.common import members
from services.common.access import STAFF_ROLES
from services.common.context import CallContext
from services.common.database import announce, new_id, utcnow
from services.common.errors import Conflict, Forbidden, NotAMember, NotFound, ValidationFailed
from services.common.messages import Message
from services.common.pagination import Key, Page, keyset_page
from services.points import access, events, ledger
from services.points.contracts.messages import (
    ANOTHER_APPROVER,
    EVENT_TYPES,
    NOT_APPROVE_OWN,
    NOT_TO_YOURSELF,
    REQUEST_DECIDED,
    REQUEST_NOT_FOUND,
    RULE_MATCH_FIELDS,
    RULE_NO_HOURS,
    RULE_NOT_FOUND,
    RULE_ONE_WAY,
)
from services.points.models import AwardRequest, EarningRule, Posting

# Days, weeks and months are those of the communities' own calendar (Hangzhou).
LOCAL_TIME = ZoneInfo("Asia/Shanghai")

class EventSource:
    """What the points service reads from one kind of event it consumes."""

    def __init__(self, natural_id: str, time_field: str, match_fields: tuple[str, ...], hours_field: str | None = None):
        self.natural_id = natural_id
        self.time_field = time_field
        self.match_fields = match_fields
        self.hours_field = hours_field


# The agreed contracts (see docs/points.md): event type → how to read it.
EVENT_SOURCES: dict[str, EventSource] = {
    "training.session_attended": EventSource("attendance_id", "attended_at",
                                             ("course_kind", "course_id", "session_id")),
    "training.certificate_issued": EventSource("certificate_id", "issued_at", ("skill", "course_id")),
    "governance.duty_completed": EventSource("duty_id", "completed_at", ("project_id",), hours_field="hours"),
}
if set(EVENT_SOURCES) != set(EVENT_TYPES):  # the contract's event types are exactly those read here
    raise RuntimeError("services.points.awards.EVENT_SOURCES and contracts.messages.EVENT_TYPES differ")


def announce_award(session: Session, posting: Posting) -> None:
    """`points_awarded` for a new award, in the unit of work that posted it."""
    announce(session, events.POINTS_AWARDED, events.PointsAwardedData().dump({
        "posting_id": posting.id, "trace_number": posting.trace_number, "user_id": posting.user_id,
        "amount": posting.amount, "category": posting.category, "source": posting.source, "rule_id": posting.rule_id,
        "reference": posting.reference, "occurred_at": posting.occurred_at, "awarded_by": posting.created_by,
    }), subject=posting.id)


def announce_request(session: Session, request: AwardRequest) -> None:
    """`award_requested` for a new request waiting for a second staff member. Its readers are staff, so
    it names no beneficiary (see events.AwardRequestedData)."""
    announce(session, events.AWARD_REQUESTED, events.AwardRequestedData().dump({
        "request_id": request.id, "amount": request.amount, "category": request.category,
        "requested_by": request.requested_by, "requested_at": request.created_at,
    }), subject=request.id)


def approvers(*, session: Session, request_id: str) -> list[str]:
    """Who may approve a request (the audience group `award_approvers`): the tenant's active members with a
    staff role, less the one who asked and the one it would credit; nobody once it is decided. NotFound for
    a request that is not the session tenant's."""
    request = session.get(AwardRequest, request_id)
    if request is None:
        raise NotFound(REQUEST_NOT_FOUND, {"request_id": request_id})
    if request.status != "pending":
        return []
    model = members.member_model(session)
    staff = session.scalars(select(model).where(model.active.is_(True)).order_by(model.user_id))
    return [m.user_id for m in staff if set(m.roles or ()) & set(STAFF_ROLES)
            and m.user_id not in (request.requested_by, request.user_id)]


# --- rules ---------------------------------------------------------------------------


def _validate_rule(data: dict[str, Any]) -> None:
    source = EVENT_SOURCES[data["event_type"]]
    errors: dict[str, list[Message]] = {}
    unknown = set(data.get("match") or {}) - set(source.match_fields)
    if unknown:
        errors["match"] = [RULE_MATCH_FIELDS]
    has_points, has_hourly = data.get("points") is not None, data.get("points_per_hour") is not None
    if has_points == has_hourly:
        errors["points"] = [RULE_ONE_WAY]
    elif has_hourly and source.hours_field is None:
        errors["points_per_hour"] = [RULE_NO_HOURS]
    if errors:
        failed = ValidationFailed.from_messages(errors)
        if unknown:  # the fields it can match travel with the refusal, for the form to show
            raise ValidationFailed(failed.detail, {**failed.extra, "match_fields": list(source.match_fields)})
        raise failed


def create_rule(*, session: Session, ctx: CallContext, data: dict[str, Any]) -> EarningRule:
    """Staff define how an event earns points in their tenant."""
    actor = access.require_staff(ctx)
    _validate_rule(data)
    rule = EarningRule(created_by=actor, match=data.pop("match", None) or {}, **data)
    session.add(rule)
    session.flush()
    return rule


def update_rule(*, session: Session, ctx: CallContext, rule_id: str, changes: dict[str, Any]) -> EarningRule:
    """Change a rule (awards already made stay as they were)."""
    access.require_staff(ctx)
    rule = session.get(EarningRule, rule_id)
    if rule is None:
        raise NotFound(RULE_NOT_FOUND, {"rule_id": rule_id})
    merged = {k: getattr(rule, k) for k in ("event_type", "match", "points", "points_per_hour")}
    merged.update(changes)
    _validate_rule(merged)
    for key, value in changes.items():
        setattr(rule, key, value if key != "match" else (value or {}))
    session.flush()
    return rule


def list_rules(*, session: Session, ctx: CallContext, limit: int = 500,
               after: str | None = None) -> Page[EarningRule]:
    """Everyone in the tenant may read how points are earned; oldest first."""
    ctx.require_user()
    return keyset_page(session, select(EarningRule), keys=[Key(EarningRule.created_at), Key(EarningRule.id)],
                       limit=limit, after=after)


# --- from events ---------------------------------------------------------------------


def _parse_time(value: Any, fallback: datetime) -> datetime:
    if not value:
        return fallback
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return fallback
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL_TIME)


def _matches(rule: EarningRule, data: dict[str, Any]) -> bool:
    return all(str(data.get(key)) == str(value) for key, value in (rule.match or {}).items())


def day_and_month(moment: datetime) -> tuple[datetime, datetime, datetime, datetime]:
    """[start, end) of the local day and of the local month containing `moment`."""
    local = moment.astimezone(LOCAL_TIME)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    next_month = ledger.add_months(month, 1)
    return day, day + timedelta(days=1), month, next_month


def earned_by_rule(*, session: Session, rule_id: str, user_id: str, start: datetime, end: datetime) -> int:
    """Net points a person earned by one rule for acts in [start, end): awards less reversals."""
    signed = case((Posting.kind == "award", Posting.amount), else_=-Posting.amount)
    total = session.scalar(select(func.coalesce(func.sum(signed), 0)).where(
        Posting.rule_id == rule_id, Posting.user_id == user_id, Posting.kind.in_(("award", "reversal")),
        Posting.occurred_at >= start, Posting.occurred_at < end))
    return int(total or 0)


def capped_amount(*, session: Session, rule: EarningRule, user_id: str, amount: int, occurred_at: datetime) -> int:
    """What is left of `amount` under the rule's daily and monthly caps for that person."""
    day_start, day_end, month_start, month_end = day_and_month(occurred_at)
    if rule.daily_cap is not None:
        amount = min(amount, rule.daily_cap - earned_by_rule(session=session, rule_id=rule.id, user_id=user_id,
                                                             start=day_start, end=day_end))
    if rule.monthly_cap is not None:
        amount = min(amount, rule.monthly_cap - earned_by_rule(session=session, rule_id=rule.id, user_id=user_id,
                                                               start=month_start, end=month_end))
    return max(amount, 0)


def apply_event(*, session: Session, event_type: str, data: dict[str, Any],
                now: datetime | None = None) -> list[Posting]:
    """Award what the tenant's active rules give for one event, within their caps. The award's
    key is the event's own id (attendance, certificate, duty) and the rule, so the same act is
    never paid twice, even if its event is delivered or re-sent many times. Returns new postings."""
    now = now or utcnow()
    source = EVENT_SOURCES[event_type]
    user_id, natural_id = data.get("user_id"), data.get(source.natural_id)
    if not user_id or not natural_id:
        return []  # a child or walk-in without an account earns nothing to a ledger
    occurred_at = _parse_time(data.get(source.time_field), now)
    rules = session.scalars(select(EarningRule).where(EarningRule.event_type == event_type,
                                                      EarningRule.active.is_(True)).order_by(EarningRule.id))
    awarded = []
    for rule in rules:
        if not _matches(rule, data):
            continue
        key = f"{event_type}:{natural_id}:{rule.id}"
        if ledger.find_posting(session=session, source="rule", key=key) is not None:
            continue
        if rule.points is not None:
            amount = rule.points
        else:
            hours = data.get(source.hours_field) if source.hours_field else None
            if not isinstance(hours, (int, float)) or isinstance(hours, bool) or not math.isfinite(hours) or hours <= 0:
                continue
            amount = math.floor(hours * rule.points_per_hour)
        # Caps are counted under the person's account lock, so concurrent events cannot both fit.
        member = ledger.member_account(session=session, user_id=user_id)
        ledger.lock(session=session, accounts=[member])
        amount = capped_amount(session=session, rule=rule, user_id=user_id, amount=amount, occurred_at=occurred_at)
        if amount <= 0:
            continue
        posting, created = ledger.award(
            session=session, user_id=user_id, amount=amount, category=rule.category, source="rule", key=key,
            rule_id=rule.id, reference=str(natural_id)[:64], memo=rule.name, occurred_at=occurred_at, now=now)
        if created:
            awarded.append(posting)
            announce_award(session, posting)
    return awarded


# --- manual awards and maker-checker ----------------------------------------------------


def manual_award(*, session: Session, ctx: CallContext, data: dict[str, Any],
                 now: datetime | None = None) -> tuple[str, Posting | AwardRequest, bool]:
    """Staff award points by hand, with a reason. Up to the tenant's threshold the award posts
    at once ("posted"); above it a request waits for another staff member ("pending").
    Returns (outcome, posting or request, whether it is new). The same idempotency key
    answers with the first result."""
    return manual_awards(session=session, ctx=ctx, items=[data], now=now)[0]


def manual_awards(*, session: Session, ctx: CallContext, items: list[dict[str, Any]],
                  now: datetime | None = None) -> list[tuple[str, Posting | AwardRequest, bool]]:
    """`manual_award` for each item, in order, with one read per table for all of them (a
    volunteer team's day sheet). A key repeated within `items` answers with its first result."""
    actor = access.require_staff(ctx)
    now = now or utcnow()
    if any(data["user_id"] == actor for data in items):
        raise Forbidden(NOT_TO_YOURSELF)
    # Points go only to people of this community: never to a made-up id, a phone number typed
    # into the account box, or another community's resident.
    if missing := members.missing_members(session=session, user_ids=[data["user_id"] for data in items]):
        first = next(index for index, data in enumerate(items) if (data["user_id"] or "") in missing)
        raise NotAMember.for_field("user_id" if len(items) == 1 else f"awards.{first}.user_id", items[first]["user_id"])
    # A key the caller chose may have been used before; a fresh one cannot have been.
    keys = [data.get("idempotency_key") or new_id() for data in items]
    chosen = sorted({data["idempotency_key"] for data in items if data.get("idempotency_key")})
    requests = {r.idempotency_key: r for r in session.scalars(
        select(AwardRequest).where(AwardRequest.idempotency_key.in_(chosen)))}
    postings = ledger.find_postings(session=session, keys=[("manual", key) for key in chosen])
    threshold = ledger.settings(session=session).approval_threshold
    outcomes: list[tuple[str, Posting | AwardRequest, bool] | None] = [None] * len(items)
    first_with_key: dict[str, int] = {}
    to_post: list[tuple[int, ledger.NewAward]] = []
    for index, (data, key) in enumerate(zip(items, keys, strict=False)):
        if key in first_with_key:
            continue  # answered below with the first item's result
        first_with_key[key] = index
        if key in requests:
            outcomes[index] = ("pending", requests[key], False)
        elif ("manual", key) in postings:
            outcomes[index] = ("posted", ledger.same_kind(postings[("manual", key)], "award"), False)
        elif data["amount"] > threshold:
            request = AwardRequest(idempotency_key=key, user_id=data["user_id"], amount=data["amount"],
                                   category=data["category"], reason=data["reason"], requested_by=actor,
                                   created_at=now)
            session.add(request)
            outcomes[index] = ("pending", request, True)
        else:
            to_post.append((index, ledger.NewAward(
                user_id=data["user_id"], amount=data["amount"], category=data["category"], source="manual", key=key,
                memo=data["reason"], created_by=actor, occurred_at=data.get("occurred_at") or now)))
    session.flush()
    for outcome in outcomes:
        if outcome is not None and outcome[0] == "pending" and outcome[2]:
            announce_request(session, outcome[1])  # type: ignore[arg-type]
    posted = ledger.award_many(session=session, awards=[new for _index, new in to_post], now=now)
    for (index, _new), (posting, created) in zip(to_post, posted, strict=False):
        outcomes[index] = ("posted", posting, created)
        if created:
            announce_award(session, posting)
    for index, key in enumerate(keys):
        first = outcomes[first_with_key[key]]
        if outcomes[index] is None and first is not None:
            outcomes[index] = (first[0], first[1], False)
    return outcomes  # type: ignore[return-value]


def _pending_request(session: Session, request_id: str) -> AwardRequest:
    request = session.scalar(select(AwardRequest).where(AwardRequest.id == request_id).with_for_update()
                             .execution_options(populate_existing=True))
    if request is None:
        raise NotFound(REQUEST_NOT_FOUND, {"request_id": request_id})
    if request.status != "pending":
        raise Conflict(REQUEST_DECIDED,
                       {"state": request.status, "posting_id": request.posting_id})
    return request


def approve(*, session: Session, ctx: CallContext, request_id: str, note: str | None = None,
            now: datetime | None = None) -> tuple[AwardRequest, Posting]:
    """A second staff member (never the one who asked) approves: the award posts now."""
    actor = access.require_staff(ctx)
    now = now or utcnow()
    request = _pending_request(session, request_id)
    if request.requested_by == actor:
        raise Forbidden(ANOTHER_APPROVER)
    if request.user_id == actor:
        raise Forbidden(NOT_APPROVE_OWN)
    posting, _created = ledger.award(
        session=session, user_id=request.user_id, amount=request.amount, category=request.category,
        source="manual", key=f"request:{request.id}", reference=request.id, memo=request.reason,
        created_by=request.requested_by, occurred_at=request.created_at, now=now)
    request.status, request.decided_by, request.decided_at = "approved", actor, now
    request.decision_note, request.posting_id = note, posting.id
    session.flush()
    announce_award(session, posting)
    return request, posting


def reject(*, session: Session, ctx: CallContext, request_id: str, note: str | None = None,
           now: datetime | None = None) -> AwardRequest:
    """Another staff member refuses the request (the maker may withdraw their own, too)."""
    actor = access.require_staff(ctx)
    request = _pending_request(session, request_id)
    request.status, request.decided_by, request.decided_at = "rejected", actor, now or utcnow()
    request.decision_note = note
    session.flush()
    return request


def list_requests(*, session: Session, ctx: CallContext, status: str | None, limit: int,
                  after: str | None = None) -> Page[AwardRequest]:
    """Award requests of the tenant, newest first (staff)."""
    access.require_staff(ctx)
    query = select(AwardRequest)
    if status:
        query = query.where(AwardRequest.status == status)
    return keyset_page(session, query, keys=[Key(AwardRequest.created_at, descending=True), Key(AwardRequest.id)],
                       limit=limit, after=after)
