"""A steady mixed load through the gateway, the way real clients write, and the reconciliation after it.

Writes that matter, in two tenants (xiangyang and dongxin): staff award points (body `idempotency_key`),
residents enrol in training sessions, apply to job posts and cast council ballots. Each write carries an
`Idempotency-Key`; a client retries on 503/504, on a lost connection and on 409 "still in progress",
with back-off, until it gets a definite answer, and records what the gateway told it succeeded. A retry
after an ambiguous failure (the first attempt may have been done although the client never heard) that
meets the domain's "already done" answer (409 already enrolled / already applied / already voted, or the
points service's first answer for the same key) is a success too: that is what the client was told.

Afterwards `reconcile` reads the services' own databases (as their owners) and compares, per kind, what
clients were told succeeded (expected) with what is there (found): lost = expected − found, doubled =
surplus rows for one natural key, unexpected = found but never confirmed to a client; and that every
found row has exactly one outbox event, published.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
import sqlalchemy as sa

from services.common.database import make_engine
from tests.chaos.platform import RPC_TIMEOUT

TENANTS = ("xiangyang", "dongxin")
COLLEGE = "chaoscollege"
_phones = itertools.count(random.Random().randrange(0, 9000) * 1000)


def _phone() -> str:
    return f"136{next(_phones) % 10**8:08d}"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _ok(response: requests.Response, *statuses: int) -> dict:
    assert response.status_code in (statuses or (200, 201)), f"{response.request.method} {response.url}: " \
                                                              f"{response.status_code} {response.text[:500]}"
    return response.json()


@dataclass
class Op:
    kind: str  # award | enrol | apply | ballot
    who: str  # the client (person key)
    path: str
    body: dict
    natural: tuple  # what identifies the effect in the database
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    outcome: str = "pending"  # succeeded | refused | gave_up
    via_conflict: bool = False


@dataclass
class Stats:
    sent: int = 0
    succeeded: int = 0
    failed_fast: int = 0  # 503/504 answers
    connection_errors: int = 0
    other_errors: int = 0  # any other 5xx, or an unexpected 4xx
    replays: int = 0  # answers marked Idempotent-Replayed or 409 "already done" after a retry
    slowest_failure: float = 0.0  # seconds, of a 503/504
    statuses: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)

    def __post_init__(self):
        self.lock = threading.Lock()


class World:
    """People, and per phase fresh sessions, posts and votes, made over HTTP as staff would."""

    def __init__(self, platform, residents_per_tenant: int = 6):
        self.platform = platform
        self.residents: dict[str, list[str]] = {t: [] for t in TENANTS}
        self.staff = {"xiangyang": "staff_a", "dongxin": "staff_b"}
        self.members: dict[tuple[str, str], str] = {}  # (council id, person key) → member id
        self.councils: dict[str, str] = {}
        self._tokens: dict[str, str] = {}
        self._tokens_lock = threading.Lock()
        self._setup(residents_per_tenant)

    # --- HTTP as a person -------------------------------------------------------------------------

    def http(self, key: str) -> requests.Session:
        with self._tokens_lock:
            if key not in self._tokens:
                self._tokens[key] = self.platform.login(key)["access_token"]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self._tokens[key]}"
        return session

    def url(self, path: str) -> str:
        return self.platform.url(path)

    def _setup(self, residents_per_tenant: int) -> None:
        p = self.platform
        p.infra.ensure_tenant(COLLEGE, "混沌职业学院", "partner")
        p.add_person("chaos_college_staff", phone=_phone(), name="周老师", tenant_id=COLLEGE, roles=("staff",))
        p.add_person("chaos_hosp_staff", phone=_phone(), name="何主任", tenant_id="hospital", roles=("staff",))
        p.add_person("chaos_hosp_hr", phone=_phone(), name="人事小林", tenant_id="hospital", roles=("employer",))
        for tenant in TENANTS:
            for n in range(residents_per_tenant):
                key = f"chaos_{tenant}_{n}"
                p.add_person(key, phone=_phone(), name=f"居民{n}", tenant_id=tenant, roles=("resident",))
                self.residents[tenant].append(key)
        # training: one course for everyone
        college = self.http("chaos_college_staff")
        course = _ok(college.post(self.url("/api/v1/training/courses"), json={
            "kind": "vocational", "title": "网店运营 / Online-shop operation", "category_id": "online_shop",
            "format": "night_school", "min_attendance_share": 0.5}), 201)
        self.course = _ok(college.post(self.url(f"/api/v1/training/courses/{course['id']}/publish"),
                                       json={"everyone": True}))
        # jobs: a verified employer, and every resident a worker profile
        staff = self.http("chaos_hosp_staff")
        self.http("chaos_hosp_hr")  # the HR person signs in here, before the employer exists
        employer = _ok(staff.post(self.url("/api/v1/jobs/employers"), json={
            "name": "区中医院后勤部", "member_user_ids": [p.people["chaos_hosp_hr"].user_id]}), 201)
        _ok(staff.post(self.url(f"/api/v1/jobs/employers/{employer['id']}/decision"), json={"status": "verified"}))
        self.employer_id = employer["id"]
        for keys in self.residents.values():
            for key in keys:
                _ok(self.http(key).post(self.url("/api/v1/jobs/workers"), json={
                    "display_name": "测试", "phone": p.people[key].phone, "skills": ["养老护理"], "home_lat": 30.33,
                    "home_lng": 120.15, "commute_radius_km": 5, "expected_daily_pay": 150,
                    "availability": [{"weekday": d, "start": "08:30", "end": "15:00"} for d in range(1, 6)],
                    "groups": [], "consent_recommendations": True}), 201)
        # governance: a council per community, its residents as members
        for tenant, keys in self.residents.items():
            gov = self.http(self.staff[tenant])
            council = _ok(gov.post(self.url("/api/v1/governance/councils"),
                                   json={"name": f"{tenant} 议事会", "theme": "混沌测试"}), 201)
            seats = _ok(gov.post(self.url(f"/api/v1/governance/councils/{council['id']}/members"), json={"members": [
                {"user_id": p.people[k].user_id, "display_name": f"居民{i}", "stakeholder_group": "resident"}
                for i, k in enumerate(keys)]}), 201)["items"]
            self.councils[tenant] = council["id"]
            by_user = {s["user_id"]: s["id"] for s in seats}
            for k in keys:
                self.members[(council["id"], k)] = by_user[p.people[k].user_id]

    # --- per phase: fresh things to write to ----------------------------------------------------------

    def phase_ops(self, sessions: int, posts: int, votes: int, awards: int) -> list[Op]:
        now = datetime.now(UTC)
        college, hr = self.http("chaos_college_staff"), self.http("chaos_hosp_hr")
        ops: list[Op] = []
        everyone = [k for keys in self.residents.values() for k in keys]
        for _ in range(sessions):
            made = _ok(college.post(self.url(f"/api/v1/training/courses/{self.course['id']}/sessions"), json={
                "label": "混沌班", "venue": "党群服务中心", "capacity": 1000,
                "enrol_opens_at": iso(now - timedelta(hours=1)), "enrol_closes_at": iso(now + timedelta(days=1)),
                "meetings": [{"starts_at": iso(now + timedelta(days=2)),
                              "ends_at": iso(now + timedelta(days=2, hours=1)), "topic": "第一课"}]}), 201)
            ops += [Op("enrol", k, f"/api/v1/training/sessions/{made['id']}/enrolments",
                       {"participant_name": "测试居民"}, (made["id"], self.platform.people[k].user_id))
                    for k in everyone]
        for _ in range(posts):
            draft = _ok(hr.post(self.url("/api/v1/jobs/posts"), json={
                "employer_id": self.employer_id, "title": "护工助理", "job_type": "part_time", "pay_amount": 25,
                "pay_period": "hour", "headcount": 100, "required_skills": ["养老护理"], "preferred_skills": [],
                "shifts": [{"weekday": 1, "start": "09:00", "end": "14:00"}], "area": "康桥", "lat": 30.335,
                "lng": 120.155, "target_groups": [], "benefits": [], "wage_follow_up_days": 0,
                "visibility": {"scope": "tenants", "tenants": list(TENANTS)}}), 201)
            _ok(hr.post(self.url(f"/api/v1/jobs/posts/{draft['id']}/open")))
            ops += [Op("apply", k, "/api/v1/jobs/applications", {"post_id": draft["id"]},
                       (draft["id"], self.platform.people[k].user_id)) for k in everyone]
        for tenant, keys in self.residents.items():
            gov = self.http(self.staff[tenant])
            for _ in range(votes):
                proposal = _ok(self.http(keys[0]).post(
                    self.url(f"/api/v1/governance/councils/{self.councils[tenant]}/proposals"),
                    json={"title": "快递车分时段进出", "body": "早7-9点快递车可进小区"}), 201)
                _ok(self.http(keys[0]).post(self.url(f"/api/v1/governance/proposals/{proposal['id']}/transitions"),
                                            json={"action": "submit"}))
                _ok(gov.post(self.url(f"/api/v1/governance/proposals/{proposal['id']}/transitions"),
                             json={"action": "deliberate"}))
                vote = _ok(gov.post(self.url(f"/api/v1/governance/proposals/{proposal['id']}/vote"), json={
                    "closes_at": iso(now + timedelta(days=3)), "quorum_percent": 60, "threshold_percent": 50}), 201)
                ops += [Op("ballot", k, f"/api/v1/governance/votes/{vote['id']}/ballots",
                           {"choice": random.choice(["agree", "disagree", "abstain"])},
                           (vote["id"], self.members[(self.councils[tenant], k)])) for k in keys]
        for n in range(awards):
            tenant = TENANTS[n % 2]
            op = Op("award", self.staff[tenant], "/api/v1/points/awards", {}, ())
            op.body = {"user_id": self.platform.people[random.choice(self.residents[tenant])].user_id, "amount": 1,
                       "category": "volunteer", "reason": "志愿服务 / Volunteering", "idempotency_key": op.key}
            op.natural = (op.key,)
            ops.append(op)
        random.shuffle(ops)
        return ops


ALREADY = {  # 409 answers that mean "this was done already" for a retried write
    "enrol": lambda body: "enrolment_id" in body,
    "apply": lambda body: "application_id" in body,
    "ballot": lambda body: body.get("state") == "voted",
}
RETRY_LATER = {"idempotency_in_progress", "idempotency_retry"}


class Load:
    """`threads` clients taking writes from a shared list, each retried until definite (or `give_up_after`)."""

    def __init__(self, world: World, ops: list[Op], threads: int = 4, give_up_after: float = 120.0):
        self.world = world
        self.ops = ops
        self.threads = threads
        self.give_up_after = give_up_after
        self.stats = Stats()
        self._next = iter(ops)
        self._next_lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self.done: list[Op] = []

    def start(self) -> Load:
        for n in range(self.threads):
            thread = threading.Thread(target=self._work, name=f"chaos-client-{n}", daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def stop(self, timeout: float = 180.0) -> None:
        """No new writes; the ones under way finish (retrying until definite)."""
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout)

    def _take(self) -> Op | None:
        with self._next_lock:
            return next(self._next, None)

    def _work(self) -> None:
        sessions: dict[str, requests.Session] = {}
        while not self._stop.is_set():
            op = self._take()
            if op is None:
                return
            http = sessions.get(op.who) or sessions.setdefault(op.who, self.world.http(op.who))
            self._perform(http, op)
            with self._next_lock:
                self.done.append(op)

    def _count(self, **changes) -> None:
        with self.stats.lock:
            for name, value in changes.items():
                setattr(self.stats, name, getattr(self.stats, name) + value)

    def _perform(self, http: requests.Session, op: Op) -> None:
        deadline = time.monotonic() + self.give_up_after
        ambiguous = False
        pause = 0.1
        while True:
            if time.monotonic() > deadline:
                op.outcome = "gave_up"
                self._count(other_errors=0)
                return
            began = time.monotonic()
            try:
                response = http.post(self.world.url(op.path), json=op.body, headers={"Idempotency-Key": op.key},
                                     timeout=RPC_TIMEOUT + 10)
            except requests.RequestException as exc:
                self._count(sent=1, connection_errors=1)
                with self.stats.lock:
                    self.stats.statuses["connection error"] += 1
                    self.stats.errors.append(f"{op.kind}: {exc!r}"[:300])
                ambiguous = True
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
                continue
            took = time.monotonic() - began
            status = response.status_code
            with self.stats.lock:
                self.stats.sent += 1
                self.stats.statuses[status] += 1
            try:
                body = response.json()
            except ValueError:
                body = {}
            if status in (200, 201, 202):
                op.outcome = "succeeded"
                replayed = response.headers.get("Idempotent-Replayed") == "true"
                self._count(succeeded=1, replays=int(replayed))
                return
            if status in (503, 504):
                with self.stats.lock:
                    self.stats.failed_fast += 1
                    self.stats.slowest_failure = max(self.stats.slowest_failure, took)
                ambiguous = True
            elif status == 409 and body.get("code") in RETRY_LATER:
                pass
            elif status == 409 and ambiguous and op.kind in ALREADY and ALREADY[op.kind](body):
                op.outcome, op.via_conflict = "succeeded", True
                self._count(succeeded=1, replays=1)
                return
            elif status >= 500:
                self._count(other_errors=1)
                with self.stats.lock:
                    self.stats.errors.append(f"{op.kind} {status}: {response.text[:300]}")
                ambiguous = True
            else:  # a definite refusal: the write was not done, and the client knows it
                op.outcome = "refused"
                self._count(other_errors=1)
                with self.stats.lock:
                    self.stats.errors.append(f"{op.kind} {status}: {response.text[:300]}")
                return
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


# --- probing a route the fault should not touch ------------------------------------------------------


class Probe:
    """GETs one route every `interval` seconds during a fault: its statuses and the slowest answer."""

    def __init__(self, world: World, who: str, path: str, interval: float = 0.25):
        self.world, self.who, self.path, self.interval = world, who, path, interval
        self.statuses: Counter = Counter()
        self.slowest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Probe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        http = self.world.http(self.who) if self.who else requests.Session()
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                status = http.get(self.world.url(self.path), timeout=RPC_TIMEOUT + 10).status_code
            except requests.RequestException:
                status = "connection error"
            self.slowest = max(self.slowest, time.monotonic() - began)
            self.statuses[status] += 1
            self._stop.wait(self.interval)


# --- reconciliation -------------------------------------------------------------------------------------


@dataclass
class Kind:
    kind: str
    expected: int
    found: int
    lost: int
    doubled: int
    unexpected: int
    events_expected: int
    events_found: int
    events_unpublished: int

    @property
    def exact(self) -> bool:
        return (self.lost == self.doubled == self.unexpected == self.events_unpublished == 0
                and self.expected == self.found and self.events_found == self.events_expected)


def _rows(platform, service: str, sql: str, **params) -> list:
    engine = make_engine(platform.infra.owner_url(service), pool_size=1)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        engine.dispose()


QUERIES = {
    # kind → (service, SQL giving (entity id, natural key parts…) for the phase's keys, event type)
    "award": ("points", "SELECT id, idempotency_key FROM postings WHERE source = 'manual' "
                        "AND idempotency_key = ANY(:keys)", "points_awarded"),
    "enrol": ("training", "SELECT id, session_id, user_id FROM enrolments WHERE session_id = ANY(:keys)", "enrolled"),
    "apply": ("jobs", "SELECT id, post_id, applicant_user_id FROM applications WHERE post_id = ANY(:keys)",
              "application_submitted"),
    "ballot": ("governance", "SELECT id, vote_id, member_id FROM vote_receipts WHERE vote_id = ANY(:keys)", None),
}


def wait_for_outboxes(platform, timeout: float = 60.0) -> int:
    """Until every service's outbox is published (the relay caught up); returns what is still unpublished."""
    deadline = time.monotonic() + timeout
    while True:
        left = sum(_rows(platform, s, "SELECT count(*) FROM outbox_events WHERE published_at IS NULL")[0][0]
                   for s in platform.infra.services)
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def reconcile(platform, ops: list[Op]) -> dict[str, Kind]:
    out: dict[str, Kind] = {}
    for kind, (service, sql, event_type) in QUERIES.items():
        mine = [op for op in ops if op.kind == kind]
        keys = sorted({op.natural[0] for op in mine})
        expected = Counter(op.natural for op in mine if op.outcome == "succeeded")
        rows = _rows(platform, service, sql, keys=keys) if keys else []
        found = Counter(tuple(r[1:]) for r in rows)
        events = Counter()
        unpublished = 0
        if event_type and rows:
            for subject, published in _rows(
                    platform, service, "SELECT envelope->>'subject', published_at IS NOT NULL FROM outbox_events "
                                       "WHERE event_type = :t AND envelope->>'subject' = ANY(:ids)",
                    t=event_type, ids=[r[0] for r in rows]):
                events[subject] += 1
                unpublished += int(not published)
        out[kind] = Kind(
            kind=kind,
            expected=sum(expected.values()),
            found=sum(found.values()),
            lost=sum((expected - found).values()),
            doubled=sum(n - 1 for n in found.values() if n > 1),
            unexpected=sum((found - expected).values()) - sum(n - 1 for n in found.values() if n > 1),
            events_expected=len(rows) if event_type else 0,
            events_found=sum(events.values()),
            events_unpublished=unpublished,
        )
    return out
