"""What mixing costs: secret ballots cast concurrently into one vote, beside the same
number of open ballots into another vote of the same council (the baseline).

A secret ballot waits in the sealed inbox and is mixed into the pool in a transaction
of its own (the whole pool rewritten in shuffled order, in batches of 1/MIX_RATIO of
the pool once it is large). Checked after the close: every ballot counted exactly once,
nothing left sealed, and every pooled ballot carrying one `xmin` that no receipt has.
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
from services.governance.voting import MIX_RATIO
from tests.bench.harness import TABLE_HEAD, LoadResult, row

NAME = "governance_secret_ballots"
MEMBERS = 2_000
CONCURRENCY = 16
GROUPS = ("courier", "resident", "property_manager", "owners_committee", "estate_officer")
CHOICES = ("agree", "agree", "agree", "disagree", "abstain", "block")


def run(bench) -> str:
    platform = bench.platform
    tenant = "xiangyang"
    staff = platform.people["staff_a"]
    pool = RpcPool(platform.infra.amqp_uri, size=CONCURRENCY, timeout=120)
    bench.cleanups.append(pool.close)
    as_staff = CallContext(tenant_id=tenant, user_id=staff.user_id, roles=frozenset({"staff"})).to_context_data()

    def call(method, *args):
        return pool.call("governance", method, *args, context_data=as_staff)

    council = call("create_council", {"name": "无记名基准议事会", "theme": "基准测试 / benchmark"})
    users = [str(uuid.uuid4()) for _ in range(MEMBERS)]
    call("add_members", council["id"], {"members": [
        {"user_id": u, "display_name": f"成员{i}", "stakeholder_group": GROUPS[i % len(GROUPS)]}
        for i, u in enumerate(users)]})
    closes_at = (datetime.now(UTC) + timedelta(days=2)).isoformat()

    def vote_on(title: str, secret: bool) -> dict:
        proposal = call("create_proposal", council["id"], {"title": title, "body": "基准"})
        call("transition_proposal", proposal["id"], {"action": "submit"})
        call("transition_proposal", proposal["id"], {"action": "deliberate"})
        return call("open_vote", proposal["id"], {"closes_at": closes_at, "secret": secret})

    def cast_all(vote: dict, label: str) -> LoadResult:
        failed = 0
        lock = threading.Lock()
        latencies: list[float] = []

        def cast(index: int) -> None:
            nonlocal failed
            context = CallContext(tenant_id=tenant, user_id=users[index], roles=frozenset({"resident"}))
            began = time.monotonic()
            try:
                pool.call("governance", "cast_ballot", vote["id"], {"choice": CHOICES[index % len(CHOICES)]},
                          context_data=context.to_context_data())
                ok = True
            except Exception:
                ok = False
            with lock:
                latencies.append((time.monotonic() - began) * 1000)
                failed += 0 if ok else 1

        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as executor:
            list(executor.map(cast, range(MEMBERS)))
        return LoadResult(label, MEMBERS - failed, failed, time.monotonic() - began, latencies)

    open_vote = vote_on("公开表决基准", secret=False)
    secret_vote = vote_on("无记名表决基准", secret=True)
    baseline = cast_all(open_vote, f"`cast_ballot`, open ballot, {MEMBERS:,} members (baseline)")
    secret = cast_all(secret_vote, f"`cast_ballot`, secret ballot + mix, {MEMBERS:,} members")

    close_began = time.monotonic()
    closed = call("close_vote", secret_vote["id"], {"early": True})
    close_seconds = time.monotonic() - close_began

    engine = sa.create_engine(driver_url(platform.infra.owner_url("governance")))
    with engine.connect() as conn:
        params = {"v": secret_vote["id"]}
        sealed = conn.scalar(sa.text("SELECT count(*) FROM secret_ballot_inbox WHERE vote_id = :v"), params)
        stored = conn.scalar(sa.text("SELECT count(*) FROM ballots WHERE vote_id = :v"), params)
        ballot_xmins = set(conn.scalars(sa.text("SELECT DISTINCT xmin::text FROM ballots WHERE vote_id = :v"),
                                        params))
        receipt_xmins = set(conn.scalars(sa.text("SELECT xmin::text FROM vote_receipts WHERE vote_id = :v"),
                                         params))
    engine.dispose()
    result = closed["result"]
    expected = {c: sum(1 for i in range(MEMBERS) if CHOICES[i % len(CHOICES)] == c) for c in set(CHOICES)}
    exact = (secret.errors == 0 and result["voted"] == stored == MEMBERS and sealed == 0
             and all(result["totals"][c] == n for c, n in expected.items()))
    unlinked = len(ballot_xmins) == 1 and not ballot_xmins & receipt_xmins
    if not (exact and unlinked):
        raise AssertionError(f"secret ballots: voted={result['voted']} stored={stored} sealed={sealed} "
                             f"errors={secret.errors} totals={result['totals']} expected={expected} "
                             f"ballot xmins={len(ballot_xmins)} "
                             f"shared with receipts={bool(ballot_xmins & receipt_xmins)}")
    ratio = secret.per_second / baseline.per_second if baseline.per_second else float("nan")
    bench.summary.append((NAME, f"{secret.per_second:,.0f} secret ballots/s ({ratio:.2f} × open); "
                                f"close+mix+tally {close_seconds * 1000:,.0f} ms"))
    return "\n".join([
        f"Two votes of one council with {MEMBERS:,} members, {CONCURRENCY} concurrent RPC clients: open ballots "
        f"first (baseline), then secret ballots, each mixed after casting (whole pool rewritten; batches of "
        f"1/{MIX_RATIO} of the pool once it is large).",
        "",
        TABLE_HEAD,
        row(baseline),
        row(secret),
        "",
        f"- **Cost of mixing:** secret casting runs at **{ratio:.2f} ×** the open-ballot rate.",
        f"- **Counted exactly once:** the tally counts {result['voted']:,}, the pool holds {stored:,}, "
        f"{sealed} left sealed; totals {result['totals']} match what was sent.",
        f"- **Unlinkable:** after the close all {stored:,} pooled ballots carry one `xmin`, shared with none of "
        f"the {len(receipt_xmins):,} receipts.",
        f"- **Close, final mix and tally** (one `close_vote` RPC): **{close_seconds * 1000:,.0f} ms**.",
    ])
