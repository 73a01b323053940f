"""The per-request credential check: what reading memberships, account state and the session family in the
same statement costs, against the check before revocation took effect at once (deny list and token version
only, its statement built per request, as it was).

Both run in autocommit on the gateway's own engine set-up, on one thread (the check's latency, not the
database's throughput), interleaved, against a gateway database holding 20,000 people with memberships and
5,000 sign-in sessions refreshed ten times each (nine spent refresh tokens and one live per family).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from gateway import identity
from gateway.db import IdentityStore
from gateway.models import Membership, RefreshToken, RevokedAccessToken, Tenant, User
from tests.bench.harness import TABLE_HEAD, LoadResult, closed_loop, row

NAME = "credential_check"
PEOPLE = 20_000
SESSIONS = 5_000
ROUNDS = 4
SECONDS = 3.0
TENANT = "bench-credentials"
SETTINGS = identity.TokenSettings(secret="bench-" + "s" * 40)


def _seed(store: IdentityStore) -> list[str]:
    """The people, their sessions and a deny list; returns access tokens of 200 of them."""
    at = identity.now()
    expires = at + timedelta(days=14)
    people = [{"id": str(uuid.uuid4()), "phone": f"199{i:08d}", "display_name": "压测", "password_hash": "!",
               "token_version": 0, "created_at": at} for i in range(PEOPLE)]
    with store.engine.begin() as connection:
        connection.execute(sa.insert(Tenant),
                           [{"id": TENANT, "name": "压测社区", "kind": "community", "created_at": at}])
        connection.execute(sa.insert(User), people)
        connection.execute(sa.insert(Membership), [{"user_id": p["id"], "tenant_id": TENANT, "roles": ["resident"]}
                                                   for p in people])
        tokens = []
        for person in people[:SESSIONS]:
            family = str(uuid.uuid4())
            tokens += [{"jti": family if k == 0 else str(uuid.uuid4()), "family_id": family, "user_id": person["id"],
                        "tenant_id": TENANT, "expires_at": expires, "revoked_at": None if k == 9 else at}
                       for k in range(10)]
        connection.execute(sa.insert(RefreshToken), tokens)
        connection.execute(sa.insert(RevokedAccessToken), [{"jti": str(uuid.uuid4()), "expires_at": expires}
                                                           for _ in range(PEOPLE)])
        connection.execute(sa.text("ANALYZE"))
    with store.factory() as session, session.begin():
        return [identity.issue_tokens(session=session, settings=SETTINGS, user_id=p["id"], tenant_id=TENANT,
                                      roles=["resident"])["access_token"] for p in people[:200]]


def _check_before(session: Session, token: str) -> None:
    """The check as it was before: deny list and token version, one statement built per request."""
    claims = identity._decode(token, SETTINGS, "access")
    revoked = exists().where(RevokedAccessToken.jti == claims["jti"])
    found = session.execute(select(User.token_version, revoked).where(User.id == claims["sub"])).first()
    assert found is not None and not found[1] and claims.get("ver", 0) == found[0]


def _check_now(session: Session, token: str) -> None:
    identity.verify_access_token(session=session, settings=SETTINGS, token=token)


def run(bench) -> str:
    store = IdentityStore(bench.platform.infra.owner_url("gateway"))
    tokens = _seed(store)

    def worker(check):
        def make():
            turn = iter(range(10**9))

            def call():
                with Session(bind=store.autocommit_engine) as checking:
                    check(checking, tokens[next(turn) % len(tokens)])

            return call

        return make

    results: dict[str, list[LoadResult]] = {"before": [], "now": []}
    for _ in range(ROUNDS):  # interleaved: the machine is shared, its load drifts
        results["before"].append(closed_loop("before", worker(_check_before), concurrency=1, seconds=SECONDS))
        results["now"].append(closed_loop("now", worker(_check_now), concurrency=1, seconds=SECONDS))
    store.engine.dispose()
    before = _merged("check before: deny list + token version", results["before"])
    now = _merged("check now: + session family, membership roles, account state", results["now"])
    ratio = now.median / before.median
    bench.summary.append((NAME, f"credential check median now/before = {ratio:.2f}"))
    return "\n".join([
        f"`verify_access_token` on one thread in autocommit, {ROUNDS} interleaved rounds of {SECONDS:.0f} s each, "
        f"{PEOPLE:,} people, {SESSIONS:,} sessions of ten refresh tokens.",
        "",
        TABLE_HEAD,
        row(before),
        row(now),
        "",
        f"**Median check now ÷ before: {ratio:.2f}** (p95 {now.percentile(95) / before.percentile(95):.2f}).",
    ])


def _merged(label: str, rounds: list[LoadResult]) -> LoadResult:
    return LoadResult(label, sum(r.calls for r in rounds), sum(r.errors for r in rounds),
                      sum(r.seconds for r in rounds), [ms for r in rounds for ms in r.latencies_ms])
