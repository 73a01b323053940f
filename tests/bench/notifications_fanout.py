"""Notifications fan-out: 10,000 `governance.vote_closing_soon` events, each naming 5 members who have not
voted, become 50,000 inbox messages; none lost, none doubled, nobody of the other community told.

The events are committed to the governance service's outbox (`outbox_events` rows, written as the sweep's
`announce` writes them, in transactions of 200) and published by the platform's real outbox relay; the
notifications service consumes them from its own queue. The recipients are real members of two communities
(accounts and memberships in the gateway, announced by identity events, known to notifications before the
clock starts); 80 % of the events are of one community, 20 % of the other, each naming only its own people.

Beside it, in the same run and on the same events:
- the relay's publish rate: the outbox rows' `published_at`, first commit to last publish;
- a no-op nameko consumer of the same event (`NoopConsumer` below, its own queue), which only notes the time:
  delay from commit to its receipt, the floor any consumer of the relay can reach.

Then the same events are delivered a second time (a sample's outbox rows marked unpublished again, so the
relay publishes them again, as it does after a crash before its commit) and must add nothing. Last, a paced
round: events committed at about half the fan-out rate just measured, so delays are the pipeline's and not a
backlog's.

`FANOUT_EVENTS` (environment) shrinks the run for a smoke try (e.g. 500); the docs figures are at 10,000.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from nameko.events import event_handler
from nameko.rpc import rpc

NAME = "notifications_fanout"
EVENTS = int(os.environ.get("FANOUT_EVENTS", "10000"))
PER_EVENT = 5
SHARE_A = 0.8  # the first community's share of the events
MEMBERS_A, MEMBERS_B = 100, 40
REDELIVER_SAMPLE = 0.05
COMMIT_BATCH = 200
TENANT_A, TENANT_B = "xiangyang", "dongxin"
NOTIFICATIONS_QUEUE = "evt-governance-vote_closing_soon--notifications.on_vote_closing_soon"
NOOP_QUEUE = "evt-governance-vote_closing_soon--benchnoop.on_vote_closing_soon"

_RECEIVED: dict[str, list[float]] = {}


class NoopConsumer:
    """A nameko consumer of `governance.vote_closing_soon` that does nothing but note when each event came:
    the baseline for the relay → broker → consumer path (started as
    `python -m services.common.runner tests.bench.notifications_fanout:NoopConsumer`)."""

    name = "benchnoop"

    @event_handler("governance", "vote_closing_soon", requeue_on_error=True)
    def on_vote_closing_soon(self, envelope: dict) -> None:
        _RECEIVED.setdefault(envelope.get("id", "?"), []).append(time.time())

    @rpc
    def ping(self) -> dict:
        return {"service": self.name, "status": "ok"}

    @rpc
    def received(self) -> dict:
        return _RECEIVED


# --- the run -------------------------------------------------------------------------------------------------


def _p(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def _members(platform, tenant_id: str, count: int, prefix: str) -> list[str]:
    """`count` real members of the tenant (accounts and memberships in the gateway, announced as a bulk
    import is), known to the notifications service before the clock starts."""
    from sqlalchemy import select
    from sqlalchemy.orm import sessionmaker

    from gateway import identity_events
    from gateway.models import Membership, User
    from services.common.database import make_engine

    phones = [f"{prefix}{n:04d}" for n in range(count)]
    engine = make_engine(platform.infra.owner_url("gateway"), pool_size=1)
    with sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
        known = dict(session.execute(select(User.phone, User.id).where(User.phone.in_(phones))).all())
        users = [User(phone=phone, display_name=f"投票人{n}", password_hash="!") for n, phone in enumerate(phones)
                 if phone not in known]
        session.add_all(users)
        session.flush()
        joined = [Membership(user_id=user.id, tenant_id=tenant_id, roles=["resident"]) for user in users]
        session.add_all(joined)
        identity_events.record_joined(session, joined)
        ids = {**known, **{user.phone: user.id for user in users}}
    engine.dispose()
    platform.processes.wait_for_members([(ids[phone], tenant_id) for phone in phones],
                                        services=("notifications",), timeout=300)
    return [ids[phone] for phone in phones]


class Outbox:
    """The governance service's outbox, written as `announce` writes it (the owner's connection: the
    benchmark stands in for the sweep that would commit these rows)."""

    def __init__(self, platform):
        from services.common.database import make_engine
        from services.governance.models import Base

        self.model = Base.Outbox
        self.engine = make_engine(platform.infra.owner_url("governance"), pool_size=2)

    def commit(self, events: list[tuple[str, dict]]) -> dict[str, float]:
        """Commit (tenant, data) events in transactions of COMMIT_BATCH; returns event id → commit time."""
        from sqlalchemy.orm import Session

        from services.common.envelope import make_envelope

        committed: dict[str, float] = {}
        for start in range(0, len(events), COMMIT_BATCH):
            ids = []
            with Session(self.engine) as session, session.begin():
                for tenant_id, data in events[start:start + COMMIT_BATCH]:
                    envelope = make_envelope(service="governance", event="vote_closing_soon", tenant_id=tenant_id,
                                             data=data, subject=data["vote_id"])
                    session.add(self.model(tenant_id=tenant_id, event_id=envelope["id"],
                                           event_type="vote_closing_soon", envelope=envelope,
                                           headers={"tenant_id": tenant_id, "request_id": uuid.uuid4().hex}))
                    ids.append(envelope["id"])
            now = time.time()
            committed.update({event_id: now for event_id in ids})
        return committed

    def published(self, ids: list[str]) -> dict[str, float]:
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        found: dict[str, float] = {}
        with Session(self.engine) as session:
            for start in range(0, len(ids), 5000):
                chunk = ids[start:start + 5000]
                found.update({e: t.timestamp() for e, t in session.execute(
                    select(self.model.event_id, self.model.published_at).where(
                        self.model.event_id.in_(chunk), self.model.published_at.is_not(None))).all()})
        return found

    def unpublish(self, ids: list[str]) -> None:
        """As after a relay that died between the broker's confirm and its commit: published again."""
        from sqlalchemy import update
        from sqlalchemy.orm import Session

        with Session(self.engine) as session, session.begin():
            session.execute(update(self.model).where(self.model.event_id.in_(ids)).values(published_at=None))


class Inbox:
    """The notifications database as its owner reads it: messages of this run's events."""

    def __init__(self, platform):
        from services.common.database import make_engine

        self.engine = make_engine(platform.infra.owner_url("notifications"), pool_size=2)

    def _query(self, sql: str, **params):
        from sqlalchemy import text

        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).all()

    def total(self, since: datetime) -> int:
        return int(self._query("SELECT count(*) FROM messages WHERE kind = 'vote_closing' AND created_at >= :since",
                               since=since)[0][0])

    def per_event(self, since: datetime) -> dict[str, tuple[int, float, str]]:
        """event id → (messages, the last one's time, tenant)."""
        rows = self._query("SELECT event_id, count(*), max(created_at), min(tenant_id) FROM messages "
                           "WHERE kind = 'vote_closing' AND created_at >= :since GROUP BY event_id", since=since)
        return {e: (int(n), t.timestamp(), tenant) for e, n, t, tenant in rows}

    def per_person(self, since: datetime) -> dict[tuple[str, str], int]:
        rows = self._query("SELECT tenant_id, user_id, count(*) FROM messages WHERE kind = 'vote_closing' "
                           "AND created_at >= :since GROUP BY tenant_id, user_id", since=since)
        return {(tenant, user): int(n) for tenant, user, n in rows}

    def processed(self) -> int:
        return int(self._query("SELECT count(*) FROM processed_events "
                               "WHERE consumer = 'notifications.governance.vote_closing_soon'")[0][0])


def _queue_idle(platform, queue: str) -> bool:
    from urllib.parse import quote

    info = platform.infra._management("GET", f"/queues/{quote(platform.infra.vhost, safe='')}/{quote(queue)}").json()
    return info.get("messages_ready", 1) == 0 and info.get("messages_unacknowledged", 1) == 0


def _events(count: int, pool_a: list[str], pool_b: list[str], rng: random.Random) -> list[tuple[str, dict]]:
    closes_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    made = []
    for _ in range(count):
        tenant, pool = (TENANT_B, pool_b) if rng.random() >= SHARE_A else (TENANT_A, pool_a)
        names = rng.sample(pool, PER_EVENT)
        made.append((tenant, {"vote_id": str(uuid.uuid4()), "proposal_id": str(uuid.uuid4()), "closes_at": closes_at,
                              "not_voted_user_ids": names, "not_voted": PER_EVENT}))
    return made


def _wait(predicate, timeout: float, interval: float = 1.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def _cpu_seconds(proc) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _process(platform, log_name: str):
    return next(p for p in platform.processes.running
                if getattr(p, "log_path", None) is not None and p.log_path.name == log_name and p.poll() is None)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def run(bench) -> str:
    from gateway.rpc import RpcPool

    platform = bench.platform
    rng = random.Random(18)
    pool_a = _members(platform, TENANT_A, MEMBERS_A, "1331800")
    pool_b = _members(platform, TENANT_B, MEMBERS_B, "1331801")
    noop = platform.processes.start_service("tests.bench.notifications_fanout:NoopConsumer", PING_AS="benchnoop")
    rpc = RpcPool(platform.infra.amqp_uri, size=1, timeout=60)
    outbox, inbox = Outbox(platform), Inbox(platform)
    since = datetime.now(UTC).replace(microsecond=0)
    load_before = _load()
    try:
        # --- the burst ------------------------------------------------------------------------------------
        events = _events(EVENTS, pool_a, pool_b, rng)
        expected_people: dict[tuple[str, str], int] = {}
        for tenant, data in events:
            for user in data["not_voted_user_ids"]:
                expected_people[(tenant, user)] = expected_people.get((tenant, user), 0) + 1
        load_samples: list[float] = []
        sampling = threading.Event()

        def sample_load() -> None:
            while not sampling.wait(5):
                load_samples.append(os.getloadavg()[0])

        sampler = threading.Thread(target=sample_load, daemon=True)
        sampler.start()
        watched = {"notifications": _process(platform, "notifications.log"), "relay": _process(platform, "relay.log"),
                   "no-op consumer": noop}
        cpu_before = {name: _cpu_seconds(proc) for name, proc in watched.items()}
        started = time.time()
        committed = outbox.commit(events)
        commit_seconds = time.time() - started
        expected = EVENTS * PER_EVENT
        done = _wait(lambda: inbox.total(since) >= expected, timeout=max(600, EVENTS * 0.2), interval=2)
        _wait(lambda: len(rpc.call("benchnoop", "received", context_data={})) >= EVENTS, timeout=120)
        sampling.set()
        cpu_used = {name: _cpu_seconds(proc) - cpu_before[name] for name, proc in watched.items()}
        ids = list(committed)
        published = outbox.published(ids)
        received = rpc.call("benchnoop", "received", context_data={})
        per_event = inbox.per_event(since)
        per_person = inbox.per_person(since)
        first_commit = min(committed.values())

        relay_span = max(published.values()) - first_commit
        relay_rate = len(published) / relay_span
        messages = sum(n for n, _, _ in per_event.values())
        inbox_span = max(t for _, t, _ in per_event.values()) - first_commit
        message_rate = messages / inbox_span
        noop_delays = [(received[e][0] - committed[e]) * 1000 for e in ids if e in received]
        inbox_delays = [(per_event[e][1] - committed[e]) * 1000 for e in ids if e in per_event]
        publish_delays = [(published[e] - committed[e]) * 1000 for e in ids if e in published]
        lost_events = [e for e in ids if per_event.get(e, (0,))[0] < PER_EVENT]
        doubled_events = [e for e in ids if per_event.get(e, (0,))[0] > PER_EVENT]
        stray_events = set(per_event) - set(ids)
        tenant_of = dict(zip(ids, (t for t, _ in events), strict=True))
        wrong_tenant = [e for e in ids if e in per_event and per_event[e][2] != tenant_of[e]]
        people_off = {k: (v, per_person.get(k, 0)) for k, v in expected_people.items() if per_person.get(k, 0) != v}
        crossed = [k for k in per_person
                   if (k[0] == TENANT_A and k[1] not in pool_a) or (k[0] == TENANT_B and k[1] not in pool_b)]
        count_b = sum(1 for t in tenant_of.values() if t == TENANT_B)

        # --- a second delivery of a sample --------------------------------------------------------------------
        sample = rng.sample(ids, max(1, int(len(ids) * REDELIVER_SAMPLE)))
        processed_before = inbox.processed()
        outbox.unpublish(sample)
        twice = _wait(lambda: all(len(v) >= 2 for k, v in rpc.call("benchnoop", "received", context_data={}).items()
                                  if k in set(sample)), timeout=300)
        republished = len(outbox.published(sample))
        drained = _wait(lambda: _queue_idle(platform, NOTIFICATIONS_QUEUE), timeout=300)
        time.sleep(1)  # the management API's figures lag by up to a second
        drained = drained and _wait(lambda: _queue_idle(platform, NOTIFICATIONS_QUEUE), timeout=60)
        after = inbox.per_event(since)
        added = sum(n for n, _, _ in after.values()) - messages
        processed_after = inbox.processed()

        # --- a paced round: about half the fan-out rate just measured -----------------------------------------
        paced_rate = max(5.0, message_rate / PER_EVENT / 2)
        paced_count = int(min(1000, max(100, paced_rate * 30)))
        paced_events = _events(paced_count, pool_a, pool_b, rng)
        paced_committed: dict[str, float] = {}
        paced_load: list[float] = []
        paced_since = datetime.now(UTC).replace(microsecond=0)
        step = 10  # events per commit
        began = time.time()
        for start in range(0, paced_count, step):
            due = began + start / paced_rate
            if due > time.time():
                time.sleep(due - time.time())
            paced_committed.update(outbox.commit(paced_events[start:start + step]))
            if start % (step * 20) == 0:
                paced_load.append(os.getloadavg()[0])
        _wait(lambda: inbox.total(paced_since) >= paced_count * PER_EVENT, timeout=300, interval=1)
        _wait(lambda: len(rpc.call("benchnoop", "received", context_data={})) >= EVENTS + paced_count, timeout=60)
        paced_received = rpc.call("benchnoop", "received", context_data={})
        paced_per_event = inbox.per_event(paced_since)
        paced_ids = list(paced_committed)
        paced_published = outbox.published(paced_ids)
        paced_noop = [(paced_received[e][0] - paced_committed[e]) * 1000 for e in paced_ids if e in paced_received]
        paced_inbox = [(paced_per_event[e][1] - paced_committed[e]) * 1000 for e in paced_ids
                       if e in paced_per_event]
        paced_publish = [(paced_published[e] - paced_committed[e]) * 1000 for e in paced_ids if e in paced_published]
        paced_lost = sum(1 for e in paced_ids if paced_per_event.get(e, (0,))[0] != PER_EVENT)
    finally:
        rpc.close()
        platform.processes.stop(noop)
        outbox.engine.dispose()
        inbox.engine.dispose()

    ratio_rate = message_rate / relay_rate
    ratio_p95 = _p(inbox_delays, 95) / _p(noop_delays, 95)
    paced_ratio = _p(paced_inbox, 95) / _p(paced_noop, 95)
    mean_load = sum(load_samples) / len(load_samples) if load_samples else float("nan")
    bench.summary.append((NAME, f"{message_rate:,.0f} messages/s = {ratio_rate:.2f} × relay events/s; "
                                f"p95 inbox/no-op {ratio_p95:.1f}× (burst), {paced_ratio:.1f}× (paced)"))
    ok = (done and not lost_events and not doubled_events and not stray_events and not wrong_tenant
          and not people_off and not crossed and added == 0 and twice and drained and not paced_lost)
    return "\n".join([
        f"{EVENTS:,} `governance.vote_closing_soon` events, each naming {PER_EVENT} members who have not voted, "
        f"committed to the governance service's outbox (rows written as the sweep's `announce` writes them, "
        f"{COMMIT_BATCH} per transaction, in {commit_seconds:.1f} s) and published by the platform's outbox relay "
        f"(not `send_event`): {EVENTS - count_b:,} in {TENANT_A} naming its {MEMBERS_A} members, {count_b:,} in "
        f"{TENANT_B} naming its {MEMBERS_B}; every recipient a real member (account and membership in the "
        "gateway, announced by identity events, known to notifications before the clock starts). "
        f"The notifications service (one process, {os.environ.get('SERVICE_MAX_WORKERS', '10')} workers) writes "
        "one inbox message per person (no SMS or push: the kind's defaults and no subscriptions). "
        "Baselines from the same run and the same events: the relay's own publish rate (outbox `published_at`), "
        "and a no-op nameko consumer of the same event on its own queue (notes the time, nothing else). Times: "
        "commit = the benchmark's transaction committed; inbox = the message row's `created_at`, written in the "
        "fan-out's transaction.",
        "",
        f"**Result: {'all correct' if ok else 'FAILED — see the rows'}.** "
        f"Machine shared with other agents' test runs: load average {load_before} (1/5/15 min) at the start, "
        f"{mean_load:.1f} mean (1-min, sampled every 5 s) during the burst, on 2 CPUs.",
        "",
        "| burst | figure |",
        "|---|---:|",
        f"| messages expected / written | {expected:,} / {messages:,} |",
        f"| events short of {PER_EVENT} messages (lost) / over (doubled) | {len(lost_events)} / "
        f"{len(doubled_events)} |",
        f"| people whose count differs from the events naming them | {len(people_off)} |",
        f"| messages in the wrong community, or to a member of the other community | {len(wrong_tenant)} / "
        f"{len(crossed)} |",
        f"| relay: events published per s (first commit → last `published_at`) | {relay_rate:,.0f} |",
        f"| fan-out: messages per s (first commit → last message) | {message_rate:,.0f} "
        f"({message_rate / PER_EVENT:,.0f} events/s) |",
        f"| **messages/s ÷ relay events/s** | **{ratio_rate:.2f}** (= {PER_EVENT} when fan-out keeps pace) |",
        f"| commit → published, median / p95 ms | {_p(publish_delays, 50):,.0f} / {_p(publish_delays, 95):,.0f} |",
        f"| commit → no-op consumer, median / p95 ms | {_p(noop_delays, 50):,.0f} / {_p(noop_delays, 95):,.0f} |",
        f"| commit → inbox, median / p95 ms | {_p(inbox_delays, 50):,.0f} / {_p(inbox_delays, 95):,.0f} |",
        f"| **p95 commit→inbox ÷ p95 commit→no-op** | **{ratio_p95:.1f}** |",
        f"| CPU per event: notifications / relay / no-op consumer, ms | "
        f"{cpu_used['notifications'] * 1000 / EVENTS:.1f} / {cpu_used['relay'] * 1000 / EVENTS:.1f} / "
        f"{cpu_used['no-op consumer'] * 1000 / EVENTS:.1f} |",
        "",
        f"Second delivery: {len(sample)} of the events ({REDELIVER_SAMPLE:.0%}, both communities) had their outbox "
        f"rows marked unpublished again, as after a relay that died between the broker's confirm and its commit; "
        f"the relay published {republished} again, the no-op consumer saw each twice ({'yes' if twice else 'NO'}), "
        f"notifications' queue drained ({'yes' if drained else 'NO'}): **{added} messages added** "
        f"(processed-event records {processed_before:,} → {processed_after:,}).",
        "",
        f"Paced: {paced_count} more events committed at {paced_rate:.0f} events/s (about half the fan-out rate "
        f"above, 10 per transaction), load average {sum(paced_load) / max(1, len(paced_load)):.1f}; "
        f"{paced_lost} events short of or over {PER_EVENT} messages.",
        "",
        "| paced | median ms | p95 ms |",
        "|---|---:|---:|",
        f"| commit → published (relay) | {_p(paced_publish, 50):,.0f} | {_p(paced_publish, 95):,.0f} |",
        f"| commit → no-op consumer | {_p(paced_noop, 50):,.0f} | {_p(paced_noop, 95):,.0f} |",
        f"| commit → inbox | {_p(paced_inbox, 50):,.0f} | {_p(paced_inbox, 95):,.0f} |",
        f"| **p95 commit→inbox ÷ p95 commit→no-op** | | **{paced_ratio:.1f}** |",
    ])
