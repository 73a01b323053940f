"""Enrolment rush: 500 residents of three communities ask at the same instant for one session of 30
places, through the gateway. Exactly 30 get a place, the other 470 queue on the waitlist in the order the
service decided them, nothing is lost or doubled; the figures are throughput and latency."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import requests

from tests.bench.harness import TABLE_HEAD, LoadResult, row
from tests.e2e.training.crowd import crowd

NAME = "training_enrolment_rush"
REQUESTS = 500
CAPACITY = 30
TENANTS = ("xiangyang", "dongxin", "huanqiu")


def run(bench) -> str:
    platform = bench.platform
    staff = platform.session("staff_a")
    api = platform.url("/api/v1/training")
    now = datetime.now(UTC)
    course = staff.post(f"{api}/courses", json={"kind": "cultural", "title": "社区合唱团 / Community choir"},
                        timeout=30).json()
    staff.post(f"{api}/courses/{course['id']}/publish", json={"everyone": True}, timeout=30).raise_for_status()
    session = staff.post(f"{api}/courses/{course['id']}/sessions", timeout=30, json={
        "label": "抢报名压测 / enrolment rush", "venue": "向阳社区文化家园", "capacity": CAPACITY,
        "enrol_opens_at": (now - timedelta(hours=1)).isoformat(),
        "enrol_closes_at": (now + timedelta(days=1)).isoformat(),
        "meetings": [{"starts_at": (now + timedelta(days=2)).isoformat(),
                      "ends_at": (now + timedelta(days=2, hours=2)).isoformat()}]}).json()
    residents = crowd(platform, REQUESTS, TENANTS)
    url = f"{api}/sessions/{session['id']}/enrolments"
    # Baseline in the same run (the machine is shared and noisy): the same crowd reading the session at once.
    read_answers, read_latencies, read_wall = _burst(residents, "get", f"{api}/sessions/{session['id']}", None)
    answers, latencies, wall = _burst(residents, "post", url, lambda r: {"participant_name": r.name})

    ok = [a for a in answers if isinstance(a, requests.Response) and a.status_code == 201]
    errors = REQUESTS - len(ok)
    places = [a.json() for a in ok]
    enrolled = sorted(p["arrival"] for p in places if p["status"] == "enrolled")
    waitlisted = sorted(p["arrival"] for p in places if p["status"] == "waitlisted")
    roster = staff.get(url, timeout=60).json()["items"]
    queue = [e for e in roster if e["status"] == "waitlisted"]
    checks = {
        f"exactly {CAPACITY} enrolled, arrivals 1–{CAPACITY}": enrolled == list(range(1, CAPACITY + 1)),
        f"{REQUESTS - CAPACITY} waitlisted": len(waitlisted) == REQUESTS - CAPACITY,
        "arrival numbers 1–500, none lost or doubled":
            sorted(p["arrival"] for p in places) == list(range(1, REQUESTS + 1)),
        "one row per person on the roster": len(roster) == REQUESTS == len({e["user_id"] for e in roster}),
        "waitlist positions 1–470 follow arrival order": (
            [e["waitlist_position"] for e in queue] == list(range(1, REQUESTS - CAPACITY + 1))
            and [e["arrival"] for e in queue] == sorted(e["arrival"] for e in queue)),
    }
    result = LoadResult(f"POST /sessions/{{id}}/enrolments, {REQUESTS} at once", len(ok), errors, wall,
                        [ms for ms, a in zip(latencies, answers, strict=False) if a in ok])
    reads_ok = [a for a in read_answers if isinstance(a, requests.Response) and a.status_code == 200]
    baseline = LoadResult(f"GET /sessions/{{id}}, {REQUESTS} at once (baseline: no lock, no write)", len(reads_ok),
                          REQUESTS - len(reads_ok), read_wall,
                          [ms for ms, a in zip(read_latencies, read_answers, strict=False) if a in reads_ok])
    ratio = result.per_second / baseline.per_second if baseline.per_second else float("nan")
    held = all(checks.values())
    bench.summary.append((NAME, f"{result.per_second:.0f} enrolments/s ({ratio:.2f} of reads), "
                                f"p95 {result.percentile(95):.0f} ms, "
                                f"invariants {'held' if held else 'BROKEN'}"))
    return "\n".join([
        f"{REQUESTS} residents of {len(TENANTS)} communities POST an enrolment into one session of capacity "
        f"{CAPACITY} at the same instant (one thread each, released by a barrier), through the gateway "
        f"({bench.gateway_workers} gthread workers × {bench.gateway_threads} threads) to the training service "
        "(session row locked `FOR UPDATE` per request, PostgreSQL).",
        "",
        TABLE_HEAD,
        row(baseline),
        row(result),
        "",
        f"**Enrolment throughput ÷ read throughput in the same run: {ratio:.2f}.**",
        "",
        f"All {REQUESTS} answered in {wall:.1f} s: **{result.per_second:.0f} enrolments/s, p95 latency "
        f"{result.percentile(95):.0f} ms** (median {result.median:.0f} ms).",
        "",
        "| invariant | held |\n|---|---|",
        *[f"| {name} | {'yes' if passed else '**NO**'} |" for name, passed in checks.items()],
    ])


def _burst(residents, method: str, url: str, body) -> tuple[list, list, float]:
    """One request per resident, all released at the same instant; answers, latencies (ms), wall time (s)."""
    answers: list = [None] * len(residents)
    latencies: list = [None] * len(residents)
    start = threading.Barrier(len(residents) + 1)

    def one(i: int) -> None:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {residents[i].token}"
        start.wait()
        began = time.monotonic()
        try:
            answers[i] = http.request(method, url, json=body(residents[i]) if body else None, timeout=120)
        except requests.RequestException as exc:  # counted as an error by the caller
            answers[i] = exc
        latencies[i] = (time.monotonic() - began) * 1000

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(len(residents))]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    return answers, latencies, time.monotonic() - began
