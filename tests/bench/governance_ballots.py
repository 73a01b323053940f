"""10,000 ballots from concurrent clients into one vote, then close and tally.

Every ballot must be counted exactly once: each member casts once and a share of
them retry (as a phone on a weak signal would), and the retries must be refused.
The baseline beside it is the service's cheapest call (`ping`) through the same
client, so the casting rate reads as a ratio on this shared, noisy machine.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from gateway.rpc import RpcPool
from services.common.context import CallContext
from services.common.database import driver_url
from services.common.errors import Conflict
from tests.bench.harness import TABLE_HEAD, LoadResult, closed_loop, row

NAME = "governance_ballots"
MEMBERS = 10_000
CONCURRENCY = 16
RETRY_EVERY = 20  # one member in twenty sends their ballot twice
GROUPS = ("courier", "resident", "property_manager", "owners_committee", "estate_officer")
CHOICES = ("agree", "agree", "agree", "disagree", "abstain", "block")


def run(bench) -> str:
    platform = bench.platform
    tenant = "xiangyang"
    staff = platform.people["staff_a"]
    pool = RpcPool(platform.infra.amqp_uri, size=CONCURRENCY, timeout=120)
    bench.cleanups.append(pool.close)
    as_staff = CallContext(tenant_id=tenant, user_id=staff.user_id, roles=frozenset({"staff"})).to_context_data()

    def call(method, *args, context=as_staff):
        return pool.call("governance", method, *args, context_data=context)

    council = call("create_council", {"name": "万人议事会", "theme": "基准测试 / benchmark"})
    users = [str(uuid.uuid4()) for _ in range(MEMBERS)]
    for start in range(0, MEMBERS, 2000):
        call("add_members", council["id"], {"members": [
            {"user_id": u, "display_name": f"成员{start + i}", "stakeholder_group": GROUPS[(start + i) % len(GROUPS)]}
            for i, u in enumerate(users[start:start + 2000])]})
    proposal = pool.call("governance", "create_proposal", council["id"], {"title": "基准提案", "body": "10,000 票"},
                         context_data=as_staff)
    call("transition_proposal", proposal["id"], {"action": "submit"})
    call("transition_proposal", proposal["id"], {"action": "deliberate"})
    closes_at = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    vote = call("open_vote", proposal["id"], {"closes_at": closes_at, "quorum_percent": 50})

    baseline = closed_loop("`governance.ping` through the same RPC client (baseline)",
                           lambda: (lambda: pool.call("governance", "ping", context_data={})),
                           concurrency=CONCURRENCY, seconds=5.0)

    accepted = refused = failed = 0
    lock = threading.Lock()
    latencies: list[float] = []

    def cast(index: int) -> None:
        nonlocal accepted, refused, failed
        context = CallContext(tenant_id=tenant, user_id=users[index], roles=frozenset({"resident"}))
        attempts = 2 if index % RETRY_EVERY == 0 else 1
        for _ in range(attempts):
            began = time.monotonic()
            try:
                pool.call("governance", "cast_ballot", vote["id"], {"choice": CHOICES[index % len(CHOICES)]},
                          context_data=context.to_context_data())
                outcome = "accepted"
            except Conflict:
                outcome = "refused"
            except Exception:
                outcome = "failed"
            with lock:
                latencies.append((time.monotonic() - began) * 1000)
                if outcome == "accepted":
                    accepted += 1
                elif outcome == "refused":
                    refused += 1
                else:
                    failed += 1

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as executor:
        list(executor.map(cast, range(MEMBERS)))
    casting_seconds = time.monotonic() - began
    casting = LoadResult(f"`cast_ballot`, {MEMBERS:,} members (+{MEMBERS // RETRY_EVERY} retries)",
                         accepted + refused, failed, casting_seconds, latencies)

    close_began = time.monotonic()
    closed = call("close_vote", vote["id"], {"early": True})
    close_seconds = time.monotonic() - close_began

    engine = sa.create_engine(driver_url(platform.infra.owner_url("governance")))
    with engine.connect() as conn:
        stored_ballots = conn.scalar(sa.text("SELECT count(*) FROM ballots WHERE vote_id = :v"), {"v": vote["id"]})
        stored_receipts = conn.scalar(sa.text("SELECT count(DISTINCT member_id) FROM vote_receipts WHERE vote_id = :v"),
                                      {"v": vote["id"]})
    engine.dispose()
    result = closed["result"]
    expected = {c: sum(1 for i in range(MEMBERS) if CHOICES[i % len(CHOICES)] == c) for c in set(CHOICES)}
    exact = (accepted == MEMBERS and refused == MEMBERS // RETRY_EVERY and failed == 0
             and result["voted"] == stored_ballots == stored_receipts == MEMBERS
             and all(result["totals"][c] == n for c, n in expected.items()))
    if not exact:
        raise AssertionError(f"ballots not counted exactly once: accepted={accepted} refused={refused} "
                             f"failed={failed} tallied={result['voted']} ballots={stored_ballots} "
                             f"receipts={stored_receipts} totals={result['totals']} expected={expected}")
    ratio = casting.per_second / baseline.per_second if baseline.per_second else float("nan")
    bench.summary.append((NAME, f"{casting.per_second:,.0f} ballots/s; close+tally {close_seconds * 1000:,.0f} ms"))
    return "\n".join([
        f"One vote, {MEMBERS:,} eligible members in {len(GROUPS)} stakeholder groups, {CONCURRENCY} concurrent "
        f"RPC clients; one member in {RETRY_EVERY} sends their ballot twice. Service with its default worker pool.",
        "",
        TABLE_HEAD,
        row(baseline),
        row(casting),
        "",
        f"- **Counted exactly once:** {accepted:,} ballots accepted, {refused:,} retries refused (409), {failed} "
        f"failures; the tally counts {result['voted']:,}, the database holds {stored_ballots:,} ballots and "
        f"{stored_receipts:,} receipts; totals {result['totals']} match what was sent.",
        f"- **Casting:** {casting_seconds:.1f} s for {accepted + refused:,} calls "
        f"({casting.per_second / baseline.per_second:.2f} × the `ping` rate)." if baseline.per_second else "",
        f"- **Close and tally** (one `close_vote` RPC: lock, tally by choice × group × channel in one query, "
        f"decide, write the outbox event): **{close_seconds * 1000:,.0f} ms**.",
        f"- Ratio casting/baseline: {ratio:.2f}.",
    ])
