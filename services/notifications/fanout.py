"""Who is told what when another service's event arrives: the one fan-out (docs/notifications.md).

An event names the people it is about when they are its subject (`user_id`, `applicant_user_id`,
`worker_user_id`, `not_voted_user_ids`, `guardian_user_id`). A group the owning service defines (a vote's
eligible members, a class's roster, a fair's registrants, a rights case's person) is asked for at fan-out
time through `<service>.audience(group, ref)` (the `ask` callable the service passes in). Staff kinds go
to the tenant's members with staff roles (the members table) and the team's robot.

`plan(source, event, data)` reads an event into a Plan; `recipients` resolves it; `create_messages`
writes one message per person (unique per event, person and kind: a redelivered event adds nothing) and
a delivery per channel the person's preferences turn on. Pure rules over a session: no broker, no nameko.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.access import STAFF_ROLES
from services.common.database import new_id, write_in_tenant
from services.common.members import member_model
from services.notifications import preferences, render
from services.notifications.kinds import KINDS
from services.notifications.models import Contact, Delivery, Message, PushSubscription, TeamRobot

# ask(service, group, ref) -> the user ids of that group in the event's tenant
Ask = Callable[[str, str, str], list[str]]
TEAM = "team"  # the user id of the message the team's robot is sent (no person has it)

# jobs.application_status_changed: the steps an applicant is told about
TOLD_STATUSES = ("shortlisted", "interview", "offered", "hired", "rejected")


@dataclass(frozen=True)
class Plan:
    kind: str
    link: str  # the page where the person acts
    persons: tuple[str, ...] = ()
    groups: tuple[tuple[str, str, str], ...] = ()  # (service, group, ref)
    staff: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()  # never told (the staff member who asked for an approval)
    # the community of the people it names, when the event is another's (an application to a partner's
    # alliance post is announced in the post's tenant; the applicant reads it in their own)
    tenant_id: str | None = None


def _people(*values: Any) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        for one in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(one, str) and one and one not in found:
                found.append(one)
    return tuple(found)


def _group(service: str, group: str, ref: Any) -> tuple[tuple[str, str, str], ...]:
    return ((service, group, str(ref)),) if ref else ()


def _vote(kind: str) -> Callable[[dict[str, Any]], Plan]:
    return lambda d: Plan(kind, f"/web/votes/{d.get('vote_id')}", groups=_group("governance", "vote_eligible",
                                                                            d.get("vote_id")))


def _session(kind: str) -> Callable[[dict[str, Any]], Plan]:
    return lambda d: Plan(kind, f"/web/council-sessions/{d.get('session_id')}",
                          groups=_group("governance", "session_invitees", d.get("session_id")))


def _invited(d: dict[str, Any]) -> Plan:
    """An invitation round names whom it invited (a later round does not invite the first one again);
    without the list, everyone invited is asked for."""
    if isinstance(d.get("newly_invited_user_ids"), list):
        return Plan("council_session_invited", f"/web/council-sessions/{d.get('session_id')}",
                    persons=_people(d["newly_invited_user_ids"]))
    return _session("council_session_invited")(d)


def _class(kind: str) -> Callable[[dict[str, Any]], Plan]:
    return lambda d: Plan(kind, f"/web/courses/{d['course_id']}" if d.get("course_id") else "/web/courses",
                          groups=_group("training", "class_roster", d.get("session_id")))


def _case(d: dict[str, Any]) -> Plan:
    # Confidential: the person is never named in the event; the rights desk answers who it is.
    return Plan("case_update", f"/web/rights/{d.get('case_id')}",
                groups=_group("jobs", "case_person", d.get("case_id")))


def _application(d: dict[str, Any]) -> Plan | None:
    if d.get("to_status") not in TOLD_STATUSES:
        return None
    return Plan("application_progressed", "/web/applications", persons=_people(d.get("applicant_user_id")),
                tenant_id=d.get("applicant_tenant_id") or None)


# (source service, event) -> the plan of its messages; the service binds one handler to each.
SOURCES: dict[tuple[str, str], Callable[[dict[str, Any]], Plan | None]] = {
    ("governance", "vote_opened"): _vote("vote_opened"),
    ("governance", "vote_closing_soon"): lambda d: Plan("vote_closing", f"/web/votes/{d.get('vote_id')}",
                                                        persons=_people(d.get("not_voted_user_ids"))),
    ("governance", "vote_closed"): _vote("vote_result"),
    ("governance", "council_session_scheduled"): _invited,
    ("governance", "council_session_due"): _session("council_session_reminder"),
    ("governance", "voice_answered"): lambda d: Plan("voice_answered", f"/web/voice/{d.get('voice_id')}",
                                                     groups=_group("governance", "voice_author", d.get("voice_id"))),
    ("governance", "duty_slot_due"): lambda d: Plan("duty_tomorrow", "/web/duties",
                                                    groups=_group("governance", "duty_slot_signups", d.get("slot_id"))),
    ("training", "waitlist_promoted"): lambda d: Plan(
        "waitlist_promoted", f"/web/courses/{d['course_id']}" if d.get("course_id") else "/web/courses",
        persons=_people(d.get("user_id"), d.get("guardian_user_id"))),
    ("training", "class_due"): _class("class_tomorrow"),
    ("training", "class_rescheduled"): _class("class_moved"),
    ("training", "class_cancelled"): _class("class_cancelled"),
    ("training", "certificate_issued"): lambda d: Plan("certificate_issued",
                                                       f"/web/certificates/{d.get('certificate_id')}",
                                                       persons=_people(d.get("user_id"))),
    ("jobs", "application_status_changed"): _application,
    ("jobs", "wage_follow_up_due"): lambda d: Plan(
        "wage_follow_up", "/web/profile",
        persons=_people(d.get("worker_user_id")), tenant_id=d.get("worker_tenant_id") or None),
    ("jobs", "case_opened"): _case,
    ("jobs", "case_assigned"): _case,
    ("jobs", "case_answered"): _case,
    ("jobs", "case_resolved"): _case,
    ("jobs", "fair_due"): lambda d: Plan("fair_tomorrow", f"/web/fairs/{d.get('fair_id')}",
                                         groups=_group("jobs", "fair_registrants", d.get("fair_id"))),
    ("points", "points_awarded"): lambda d: Plan("points_awarded", "/web/points", persons=_people(d.get("user_id")),
                                                 params={"amount": d.get("amount")}),
    ("points", "points_expiring"): lambda d: Plan("points_expiring", "/web/points", persons=_people(d.get("user_id")),
                                                  params={"amount": d.get("amount")}),
    ("points", "redemption_expiring"): lambda d: Plan(
        "voucher_expiring", f"/web/vouchers/{d['redemption_id']}" if d.get("redemption_id") else "/web/redemptions",
        persons=_people(d.get("user_id"))),
    ("points", "award_requested"): lambda d: Plan("award_awaiting_approval", "/web/staff/awards", staff=True,
                                                  params={"amount": d.get("amount")},
                                                  exclude=_people(d.get("requested_by"))),
}


def plan(source: str, event: str, data: Mapping[str, Any]) -> Plan | None:
    """The messages an event causes, or None (an event nobody is told about, such as an application
    merely viewed)."""
    reader = SOURCES.get((source, event))
    return reader(dict(data)) if reader is not None else None


def staff_members(session: Session) -> list[str]:
    model = member_model(session)
    rows = session.execute(select(model.user_id, model.roles).where(model.active.is_(True))).all()
    return sorted(user_id for user_id, roles in rows if set(roles or ()) & set(STAFF_ROLES))


def community(session: Session) -> list[str]:
    model = member_model(session)
    return sorted(session.scalars(select(model.user_id).where(model.active.is_(True))))


def recipients(session: Session, the_plan: Plan, ask: Ask | None) -> list[str]:
    """The people of a plan: those it names, its groups (asked of their services) and, for a staff kind,
    the tenant's staff; people the members table knows as gone (left, deactivated, erased) dropped."""
    found: list[str] = list(the_plan.persons)
    for service, group, ref in the_plan.groups:
        if ask is None:
            raise RuntimeError("a group of recipients needs the audience RPC")
        found.extend(u for u in ask(service, group, ref) if u not in found)
    if the_plan.staff:
        found.extend(u for u in staff_members(session) if u not in found)
    return _without_former(session, [u for u in found if u not in the_plan.exclude])


def _without_former(session: Session, user_ids: list[str]) -> list[str]:
    if not user_ids:
        return []
    model = member_model(session)
    gone = set(session.scalars(select(model.user_id).where(model.user_id.in_(user_ids), model.active.is_(False))))
    return [u for u in user_ids if u not in gone]


def _locales(session: Session, user_ids: Iterable[str]) -> dict[str, str | None]:
    model = member_model(session)
    ids = list(user_ids)
    return dict(session.execute(select(model.user_id, model.locale).where(model.user_id.in_(ids))).all()) if ids \
        else {}


def create_messages(*, session: Session, event_id: str, the_plan: Plan, user_ids: list[str], now: datetime,
                    title: str | None = None, body: str | None = None, broadcast_id: str | None = None,
                    channels: Iterable[str] | None = None) -> list[Message]:
    """One message per person (in their language), skipping those this event already made, and their
    deliveries. `title`/`body`: a broadcast's own words instead of the kind's template; `channels`: the
    channels a broadcast was sent on (a person's own choice still turns SMS or push off)."""
    spec = KINDS[the_plan.kind]
    existing = set(session.scalars(select(Message.user_id).where(
        Message.event_id == event_id, Message.kind == the_plan.kind,
        Message.user_id.in_([*user_ids, TEAM]))))
    people = [u for u in user_ids if u not in existing]
    chosen = preferences.for_people(session, people)
    locales_of = _locales(session, people)
    allowed = set(channels) if channels is not None else None
    wanted_of = {u: preferences.channels(chosen.get(u), the_plan.kind) for u in people}
    # a channel nobody here wants (the kind's default and nobody's choice) needs no look-up of addresses:
    # one query fewer per event for most kinds (the fan-out benchmark, docs/benchmarks.md)
    wants = {c for wanted in wanted_of.values() for c in ("sms", "push")
             if wanted[c] and (allowed is None or c in allowed)}
    phones = set(session.scalars(select(Contact.user_id).where(
        Contact.user_id.in_(people), Contact.phone.is_not(None)))) if "sms" in wants else set()
    pushable = set(session.scalars(select(PushSubscription.user_id).where(
        PushSubscription.user_id.in_(people)))) if "push" in wants else set()
    made: list[Message] = []
    deliveries: list[Delivery] = []
    for user_id in people:
        message = _message(session, event_id=event_id, user_id=user_id, the_plan=the_plan, urgent=spec.urgent,
                           locale=locales_of.get(user_id), now=now, title=title, body=body, broadcast_id=broadcast_id)
        wanted = wanted_of[user_id]
        for channel, reachable in (("sms", user_id in phones), ("push", user_id in pushable)):
            if wanted[channel] and reachable and (allowed is None or channel in allowed):
                deliveries.append(Delivery(message_id=message.id, user_id=user_id, kind=the_plan.kind,
                                           channel=channel, urgent=spec.urgent, next_attempt_at=now, created_at=now))
        made.append(message)
    if spec.staff and TEAM not in existing and session.get(TeamRobot, session.info["tenant_id"]) is not None:
        team = _message(session, event_id=event_id, user_id=TEAM, the_plan=the_plan, urgent=spec.urgent,
                        locale=None, now=now, title=title, body=body, broadcast_id=broadcast_id)
        deliveries.append(Delivery(message_id=team.id, user_id=None, kind=the_plan.kind, channel="robot",
                                   urgent=spec.urgent, next_attempt_at=now, created_at=now))
    session.flush()  # the messages first (one batch), then the deliveries that name them
    session.add_all(deliveries)
    session.flush()
    return made


def _message(session: Session, *, event_id: str, user_id: str, the_plan: Plan, urgent: bool, locale: str | None,
             now: datetime, title: str | None, body: str | None, broadcast_id: str | None) -> Message:
    code = render.new_code()
    link = render.short_link(code)
    if title is not None and body is not None:
        words = (title, body)
    else:
        words = render.render(the_plan.kind, locale, the_plan.params, link)
    message = Message(id=new_id(), user_id=user_id, kind=the_plan.kind, event_id=event_id, title=words[0][:200],
                      body=words[1][:1000], link=the_plan.link, short_code=code, urgent=urgent,
                      broadcast_id=broadcast_id, created_at=now)
    session.add(message)  # flushed with its deliveries, once for the whole fan-out
    return message


def fan_out(*, session: Session, source: str, event: str, event_id: str, data: Mapping[str, Any], ask: Ask | None,
            now: datetime) -> list[Message]:
    """The whole fan-out of one event: in the session's tenant (the event's), or in the community of the
    people it names when the event says it is another (a crossing, recorded)."""
    the_plan = plan(source, event, data)
    if the_plan is None:
        return []
    home = session.info["tenant_id"]
    if the_plan.tenant_id and the_plan.tenant_id != home and not the_plan.groups and not the_plan.staff:
        with write_in_tenant(session, the_plan.tenant_id, reason=f"{source}.{event}: a message for a person "
                                                                 "of this community"):
            return create_messages(session=session, event_id=event_id, the_plan=the_plan,
                                   user_ids=recipients(session, the_plan, ask), now=now)
    return create_messages(session=session, event_id=event_id, the_plan=the_plan,
                           user_ids=recipients(session, the_plan, ask), now=now)
