"""The whole platform under a mixed load of residents' journeys, against the demo data.

Six journeys, picked at random by weight by each of CONCURRENCY closed-loop clients for SECONDS:
browse posts and get recommendations, apply to a post, enrol in a course session, cast (or
change) a vote in the council, raise a "Couriers have a say" item, look at one's points and
redeem them at a caring merchant. They run through the gateway (HTTP, a resident's token),
then the very same service methods by raw nameko RPC (the baseline), in the same run; every
service's peak resident memory is sampled while they run.

Tenant scale: the same journeys against the same totals spread over 1,200 tenants instead of
12, on a second platform started for it (so neither data set sits in the other's tables).

    python -m tests.bench.run platform_load
    LOAD_SECONDS=60 LOAD_CONCURRENCY=16 LOAD_DEMO_SIZE=small python -m tests.bench.run platform_load
"""

from __future__ import annotations

import io
import itertools
import os
import queue
import random
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from deploy.demo import data
from deploy.demo.__main__ import load
from deploy.demo.loader import RESOLUTIONS
from gateway import identity
from gateway.models import User
from gateway.rpc import RpcPool
from services.common.database import make_engine
from services.common.errors import FengchaoError

NAME = "platform_load"
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "16"))
DEMO_SIZE = os.environ.get("LOAD_DEMO_SIZE", "small")
WEIGHTS = {"browse": 35, "apply": 15, "enrol": 10, "vote": 10, "voice": 10, "redeem": 20}
JOURNEYS = tuple(WEIGHTS)


class JourneyError(Exception):
    pass


@dataclass(frozen=True)
class Person:
    user_id: str
    tenant_id: str
    name: str
    roles: tuple[str, ...] = ("resident",)

    def context(self) -> dict[str, str]:
        return {"tenant_id": self.tenant_id, "user_id": self.user_id, "roles": ",".join(self.roles)}


@dataclass
class Result:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, str] = field(default_factory=dict)  # first error message per journey
    seconds: float = 0.0
    peak_rss_mb: dict[str, float] = field(default_factory=dict)

    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- the two ways in -----------------------------------------------------------------------------


class Gateway:
    def __init__(self, base_url: str, tokens: Tokens):
        self.base_url = base_url
        self.tokens = tokens
        self.local = threading.local()

    def http(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def call(self, person: Person, verb: str, path: str, body: dict | None = None, params: dict | None = None) -> Any:
        response = self.http().request(verb, self.base_url + path, json=body, params=params, timeout=60,
                                       headers={"Authorization": f"Bearer {self.tokens.get(person)}"})
        if response.status_code >= 400:
            raise JourneyError(f"{verb} {path} → {response.status_code} {response.text[:200]}")
        return response.json()


class Raw:
    def __init__(self, pool: RpcPool):
        self.pool = pool

    def call(self, person: Person, service: str, method: str, *args: Any) -> Any:
        return self.pool.call(service, method, *args, context_data=person.context(), timeout=60)


class Tokens:
    """Access tokens issued by the gateway's own identity rules (what a log-in returns), minted
    here so that the load needs no password hash per resident."""

    def __init__(self, gateway_url: str, secret: str):
        self.engine = make_engine(gateway_url, pool_size=2)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        self.settings = identity.TokenSettings(secret=secret, access_ttl=6 * 3600)
        self.cache: dict[str, str] = {}
        self.lock = threading.Lock()

    def get(self, person: Person) -> str:
        key = f"{person.user_id}@{person.tenant_id}"
        with self.lock:
            if key not in self.cache:
                with self.factory() as session, session.begin():
                    self.cache[key] = identity.issue_tokens(
                        session=session, settings=self.settings, user_id=person.user_id,
                        tenant_id=person.tenant_id, roles=list(person.roles))["access_token"]
            return self.cache[key]

    def close(self) -> None:
        self.engine.dispose()


# --- the demo world, as the journeys need it ---------------------------------------------------------


class World:
    """Who takes which journey, read back from the loaded demo through the services."""

    def __init__(self, size_name: str, gateway_db_url: str, pool: RpcPool):
        size = data.SIZES[size_name]
        residents = data.residents(size)
        engine = make_engine(gateway_db_url, pool_size=1)
        with sessionmaker(engine)() as session:
            ids = dict(session.execute(select(User.phone, User.id)).all())
        engine.dispose()
        self.residents = [Person(ids[r.phone], r.tenant_id, r.name) for r in residents]
        accounts = data.accounts(size)
        staff = {a.tenant_id: Person(ids[a.phone], a.tenant_id, a.name, a.roles) for a in accounts
                 if "tenant_admin" in a.roles}
        def rpc(person: Person, service: str, method: str, *args: Any) -> Any:
            try:
                return pool.call(service, method, *args, context_data=person.context(), timeout=120)
            except FengchaoError as exc:
                exc.add_note(f"{service}.{method}: {exc.extra}")
                raise
        # apply: registered workers, each to posts they can see that they have not applied to
        self.workers = self.residents[:size.workers]
        visible: dict[str, list[str]] = {}
        for tenant in sorted({w.tenant_id for w in self.workers}):
            page = rpc(staff[tenant], "jobs", "list_posts", {"status": "open", "limit": 200})
            visible[tenant] = [p["id"] for p in page["items"]]
        applied = {(a["applicant_user_id"], a["post_id"])
                   for w in self.workers[:size.placements + size.extra_applications]
                   for a in rpc(w, "jobs", "list_applications", {"limit": 200})["items"]}
        pairs = ((w, post) for r in itertools.count() for w in self.workers
                 for post in visible[w.tenant_id][r:r + 1] if (w.user_id, post) not in applied)
        self.applications = _Shared(pairs)
        # enrol: a session of a college course opened for the load, everyone may enrol
        college = staff[data.COLLEGE]
        course = next(c for c in rpc(college, "training", "list_courses", {"kind": "vocational", "limit": 200})["items"]
                      if c["tenant_id"] == data.COLLEGE)
        now = time.time()
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))  # noqa: E731
        cohort = rpc(college, "training", "create_session", course["id"], {
            "label": f"负载测试 {int(now)}", "venue": "康桥街道党群服务中心", "capacity": 10_000,
            "enrol_opens_at": iso(now - 3600), "enrol_closes_at": iso(now + 30 * 86400),
            "meetings": [{"starts_at": iso(now + 7 * 86400), "ends_at": iso(now + 7 * 86400 + 7200)}]})
        self.session_id = cohort["id"]
        self.learners = _Shared(iter(random.Random(7).sample(self.residents, len(self.residents))))
        # vote: the council's open vote (the newest proposal), its members
        host = staff[data.communities(size)[0][0]]
        council = next(c for c in rpc(host, "governance", "list_councils", {"limit": 200})["items"]
                       if c["name"] == "红茶议事会")
        proposal = next(p for p in rpc(host, "governance", "list_proposals", council["id"])["items"]
                        if p["title"] == RESOLUTIONS[-1][0])
        self.vote_id = proposal["vote_id"]
        members, after = [], None
        while True:
            page = rpc(host, "governance", "list_members", council["id"], {"limit": 200, "after": after})
            members += page["items"]
            after = page.get("next_cursor")
            if not after:
                break
        names = {p.user_id: p for p in self.residents}
        self.voters: queue.Queue = queue.Queue()
        for m in members:
            if m.get("user_id") in names:
                self.voters.put([Person(m["user_id"], m["home_tenant_id"] or council["tenant_id"], m["display_name"]),
                                 False])
        # redeem: volunteers in communities with a caring merchant, that merchant's cheapest item
        self.items: dict[str, tuple[str, int]] = {}
        volunteers = self.residents[:size.volunteers]
        for tenant in sorted({v.tenant_id for v in volunteers[:size.redemptions]}):
            catalogue = rpc(staff[tenant], "points", "catalogue", {})["items"]
            if catalogue:
                cheapest = min(catalogue, key=lambda i: i["price_points"])
                self.items[tenant] = (cheapest["id"], cheapest["price_points"])
        self.redeemers: queue.Queue = queue.Queue()
        for v in volunteers:
            if v.tenant_id in self.items:
                self.redeemers.put(v)
        self.everyone = self.residents


class _Shared:
    """A generator several threads draw from."""

    def __init__(self, source):
        self.source = source
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            return next(self.source)


# --- the journeys -----------------------------------------------------------------------------------


def journeys(world: World, rng: random.Random) -> dict[str, tuple[Callable, Callable]]:
    """name → (through the gateway, by raw RPC); each raises on any refusal."""

    def browse_gw(gw: Gateway):
        person = world.workers[rng.randrange(len(world.workers))]
        gw.call(person, "GET", "/api/v1/jobs/posts", params={"limit": 20})
        gw.call(person, "GET", "/api/v1/jobs/recommendations", params={"limit": 10})

    def browse_raw(raw: Raw):
        person = world.workers[rng.randrange(len(world.workers))]
        raw.call(person, "jobs", "list_posts", {"limit": 20})
        raw.call(person, "jobs", "recommend_posts", {"limit": 10})

    def apply_gw(gw: Gateway):
        person, post = world.applications.next()
        gw.call(person, "POST", "/api/v1/jobs/applications", {"post_id": post})

    def apply_raw(raw: Raw):
        person, post = world.applications.next()
        raw.call(person, "jobs", "apply", {"post_id": post})

    def enrol_gw(gw: Gateway):
        person = world.learners.next()
        gw.call(person, "POST", f"/api/v1/training/sessions/{world.session_id}/enrolments",
                {"participant_name": person.name})

    def enrol_raw(raw: Raw):
        person = world.learners.next()
        raw.call(person, "training", "enrol", world.session_id, {"participant_name": person.name})

    def vote(way):
        def run(client):
            seat = world.voters.get()
            try:
                person, voted = seat
                choice = rng.choice(("agree", "agree", "abstain", "disagree"))
                if way == "gw":
                    if voted:
                        client.call(person, "PATCH", f"/api/v1/governance/votes/{world.vote_id}/ballots/mine",
                                    {"choice": choice})
                    else:
                        client.call(person, "POST", f"/api/v1/governance/votes/{world.vote_id}/ballots",
                                    {"choice": choice})
                else:
                    method = "change_ballot" if voted else "cast_ballot"
                    client.call(person, "governance", method, world.vote_id, {"choice": choice})
                seat[1] = True
            finally:
                world.voters.put(seat)
        return run

    def voice_text() -> dict:
        return {"text": rng.choice(("东门快递车进不去", "驿站热水器坏了", "希望增设充电桩", "夜里路灯不亮")) +
                f"（负载测试 {rng.randrange(10**9)}）", "category": rng.choice(("access", "rest_stop", "charging",
                                                                               "safety"))}

    def voice_gw(gw: Gateway):
        person = world.everyone[rng.randrange(len(world.everyone))]
        gw.call(person, "POST", "/api/v1/governance/voice", voice_text())

    def voice_raw(raw: Raw):
        person = world.everyone[rng.randrange(len(world.everyone))]
        raw.call(person, "governance", "submit_voice", voice_text())

    def redeem(way):
        def run(client):
            while True:  # a volunteer whose points ran out leaves the queue
                person = world.redeemers.get_nowait()
                item_id, price = world.items[person.tenant_id]
                if way == "gw":
                    balance = client.call(person, "GET", "/api/v1/points/me")["available"]
                else:
                    balance = client.call(person, "points", "account_summary", None)["available"]
                if balance < price:
                    continue
                try:
                    if way == "gw":
                        client.call(person, "POST", "/api/v1/points/redemptions", {"item_id": item_id})
                    else:
                        client.call(person, "points", "create_redemption", {"item_id": item_id})
                finally:
                    world.redeemers.put(person)
                return
        return run

    return {"browse": (browse_gw, browse_raw), "apply": (apply_gw, apply_raw), "enrol": (enrol_gw, enrol_raw),
            "vote": (vote("gw"), vote("raw")), "voice": (voice_gw, voice_raw), "redeem": (redeem("gw"), redeem("raw"))}


# --- driving the load ------------------------------------------------------------------------------


def process_table(processes) -> dict[str, list[int]]:
    """label → pids of the platform's processes (a gunicorn master and its workers together)."""
    found: dict[str, list[int]] = {}
    for proc in processes.running:
        if proc.poll() is not None:
            continue
        label = Path(getattr(proc, "log_path", f"{proc.pid}.log")).stem
        label = "gateway" if label.startswith("gateway") else label
        pids = [proc.pid]
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        found.setdefault(label, []).extend(pids)
    return found


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def drive(way: str, client, world: World, processes, seconds: float, concurrency: int) -> Result:
    result = Result()
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    table = process_table(processes)
    done = threading.Event()

    def sample():
        while not done.wait(0.5):
            for label, pids in table.items():
                total = sum(rss_mb(p) for p in pids)
                result.peak_rss_mb[label] = max(result.peak_rss_mb.get(label, 0.0), total)

    def loop(index: int):
        rng = random.Random(index * 7919 + (0 if way == "gw" else 1))
        work = journeys(world, rng)
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        while time.monotonic() < stop:
            name = rng.choices(names, weights)[0]
            fn = work[name][0 if way == "gw" else 1]
            began = time.monotonic()
            try:
                fn(client)
            except queue.Empty:
                continue  # no volunteer with points left: not a journey
            except Exception as exc:  # noqa: BLE001 (every refusal is an error of the run)
                with lock:
                    result.errors[name] += 1
                    result.samples.setdefault(name, repr(exc)[:300])
                continue
            with lock:
                result.latencies[name].append((time.monotonic() - began) * 1000)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - began
    done.set()
    sampler.join()
    return result


def measure(size_name: str, infra, processes, base_url: str, *, raw: bool) -> tuple[Result, Result | None, dict]:
    from tests.support.processes import JWT_SECRET

    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "AMQP_URI")}
    os.environ.update(DATABASE_URL=infra.database_template, AMQP_URI=infra.amqp_uri)
    try:
        started = time.monotonic()
        summary = load(size_name, threads=4, quiet=True, stream=io.StringIO())
        summary["load_seconds"] = round(time.monotonic() - started, 1)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    pool = RpcPool(infra.amqp_uri, size=CONCURRENCY, timeout=60)
    tokens = Tokens(infra.owner_url("gateway"), JWT_SECRET)
    try:
        world = World(size_name, infra.owner_url("gateway"), pool)
        through_gateway = drive("gw", Gateway(base_url, tokens), world, processes, SECONDS, CONCURRENCY)
        baseline = drive("raw", Raw(pool), world, processes, SECONDS, CONCURRENCY) if raw else None
    finally:
        pool.close()
        tokens.close()
    return through_gateway, baseline, summary


@contextmanager
def second_platform(bench):
    """A platform of its own for the 1,200-tenant data (same settings as the bench's)."""
    from tests.support.infra import discover
    from tests.support.processes import Processes

    infra = discover()
    infra.create()
    processes = Processes(infra, Path(tempfile.mkdtemp(prefix="fengchao-load-")))
    try:
        for service in infra.services:
            processes.start_service(service)
        processes.start_relay(*infra.services)
        for attempt in range(3):  # a busy machine can take longer than start_gateway waits
            try:
                base_url = processes.start_gateway(workers=bench.gateway_workers, threads=bench.gateway_threads,
                                                   LOG_LEVEL="WARNING", JWT_ACCESS_TTL="21600")
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        yield infra, processes, base_url
    finally:
        processes.stop_all()
        infra.destroy()


def qr_timing(rounds: int = 10, per_round: int = 20) -> tuple[float, float]:
    """Median ms to draw a voucher QR code with segno's best-mask search and with the fixed mask, interleaved."""
    import statistics

    import segno

    from services.points.redemption import QR_MASK

    times: dict[object, list[float]] = {None: [], QR_MASK: []}
    for r in range(rounds):
        for mask in times:
            began = time.perf_counter()
            for i in range(per_round):
                segno.make_qr(f"FENGCHAO-VOUCHER:BENCH{r:02d}{i:04d}", error="m", mask=mask).svg_data_uri(scale=4,
                                                                                                        border=2)
            times[mask].append((time.perf_counter() - began) / per_round * 1000)
    return statistics.median(times[None]), statistics.median(times[QR_MASK])


# --- the report ---------------------------------------------------------------------------------------


def rows(result: Result) -> list[str]:
    lines = []
    for name in JOURNEYS:
        values = result.latencies.get(name, [])
        lines.append(f"| {name} | {len(values) / result.seconds:.1f} | {percentile(values, 50):.1f} | "
                     f"{percentile(values, 95):.1f} | {percentile(values, 99):.1f} | {result.errors.get(name, 0)} |")
    total = [v for values in result.latencies.values() for v in values]
    errors = sum(result.errors.values())
    lines.append(f"| **all** | **{len(total) / result.seconds:.1f}** | {percentile(total, 50):.1f} | "
                 f"{percentile(total, 95):.1f} | {percentile(total, 99):.1f} | {errors} "
                 f"({100 * errors / max(1, errors + len(total)):.2f} %) |")
    return lines


HEADER = ["| journey | per second | median ms | p95 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]


def run(bench) -> str:
    platform = bench.platform
    gw12, raw12, summary12 = measure(DEMO_SIZE, platform.infra, platform.processes, platform.base_url, raw=True)
    print("12 tenants, gateway", *HEADER, *rows(gw12), "raw RPC", *rows(raw12), gw12.samples, raw12.samples,
          sep="\n", flush=True)
    with second_platform(bench) as (infra, processes, base_url):
        gw1200, _none, summary1200 = measure(f"{DEMO_SIZE}-1200", infra, processes, base_url, raw=False)

    out = [f"Demo data `{DEMO_SIZE}` loaded by `python -m deploy.demo` ({summary12['residents']:,} residents, "
           f"{summary12.get('posts', 0):,} posts, {summary12.get('acts', 0):,} acts… in "
           f"{summary12['load_seconds']:.0f} s, {summary12['rpc_calls']:,} RPC calls); {CONCURRENCY} closed-loop "
           f"clients for {SECONDS:.0f} s each, journeys picked by weight "
           + ", ".join(f"{k} {v}" for k, v in WEIGHTS.items()) + "; gateway with "
           f"{bench.gateway_workers} gthread workers × {bench.gateway_threads} threads. A journey's latency is all "
           "of its requests (browse: posts + recommendations; redeem: balance + redemption).", "",
           "**Through the gateway, 12 community tenants**", "", *HEADER, *rows(gw12), "",
           "**Raw nameko RPC to the same methods (baseline, same run)**", "", *HEADER, *rows(raw12), ""]
    ratio_lines = ["| journey | median gateway ÷ raw | p95 gateway ÷ raw | 1,200 ÷ 12 tenants median | "
                   "1,200 ÷ 12 tenants p95 |", "|---|---:|---:|---:|---:|"]
    for name in (*JOURNEYS, None):
        pick = (lambda r, name=name: r.latencies.get(name, [])) if name else (
            lambda r: [v for values in r.latencies.values() for v in values])
        g, r, t = pick(gw12), pick(raw12), pick(gw1200)
        ratio_lines.append(f"| {name or '**all**'} | {percentile(g, 50) / percentile(r, 50):.2f} | "
                           f"{percentile(g, 95) / percentile(r, 95):.2f} | "
                           f"{percentile(t, 50) / percentile(g, 50):.2f} | "
                           f"{percentile(t, 95) / percentile(g, 95):.2f} |")
    out += ["**Through the gateway, the same totals in 1,200 tenants** (`" + DEMO_SIZE + "-1200`, loaded in "
            f"{summary1200['load_seconds']:.0f} s)", "", *HEADER, *rows(gw1200), "", "**Ratios**", "", *ratio_lines, ""]
    throughput = (gw12.count() / gw12.seconds) / (raw12.count() / raw12.seconds)
    scale = percentile([v for vs in gw1200.latencies.values() for v in vs], 50) / percentile(
        [v for vs in gw12.latencies.values() for v in vs], 50)
    out.append(f"**Gateway ÷ raw RPC throughput: {throughput:.2f}; 1,200 ÷ 12 tenants median latency: {scale:.2f}.**")
    out += ["", "Peak resident memory (MB) while the load ran (gateway: master and workers together):", "",
            "| process | 12 tenants, gateway | 12 tenants, raw RPC | 1,200 tenants, gateway |", "|---|---:|---:|---:|"]
    for label in sorted(set(gw12.peak_rss_mb) | set(gw1200.peak_rss_mb)):
        out.append(f"| {label} | {gw12.peak_rss_mb.get(label, 0):.0f} | {raw12.peak_rss_mb.get(label, 0):.0f} | "
                   f"{gw1200.peak_rss_mb.get(label, 0):.0f} |")
    slowest = max(JOURNEYS, key=lambda n: percentile(gw12.latencies.get(n, []), 50))
    best, fixed = qr_timing()
    out += ["", f"**Slowest journey: {slowest}** (median {percentile(gw12.latencies.get(slowest, []), 50):.0f} ms "
            "through the gateway). Redeeming was the slowest when this benchmark was first run, and its voucher QR "
            "code the largest single cost in the points service: segno searched all eight masks for the best one, "
            "inside the transaction that holds the member's account and the item's stock. The code is now drawn "
            "with a fixed mask (any mask is a standard QR code) after the commit. Drawing one voucher QR, measured "
            f"in this run: best-mask search {best:.1f} ms, fixed mask {fixed:.1f} ms (**{best / fixed:.1f}× faster**)."]
    samples = {**{f"12/{k}": v for k, v in gw12.samples.items()}, **{f"raw/{k}": v for k, v in raw12.samples.items()},
               **{f"1200/{k}": v for k, v in gw1200.samples.items()}}
    if samples:
        out += ["", "First error of each kind:", ""] + [f"- {k}: `{v}`" for k, v in samples.items()]
    bench.summary.append((NAME, f"{gw12.count() / gw12.seconds:.0f} journeys/s via gateway, ratio to raw "
                                f"{throughput:.2f}, 1200/12 tenants median {scale:.2f}, errors "
                                f"{sum(gw12.errors.values()) + sum(gw1200.errors.values())}"))
    return "\n".join(out)
