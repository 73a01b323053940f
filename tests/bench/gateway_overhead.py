"""Gateway overhead: worker-profile reads through HTTP vs raw nameko RPC to the same method."""

from __future__ import annotations

import requests
from nameko.standalone.rpc import ClusterRpcProxy

from services.common.context import CallContext
from tests.bench.harness import TABLE_HEAD, closed_loop, row

NAME = "gateway_overhead"
CONCURRENCY = 16
SECONDS = 10.0


def run(bench) -> str:
    platform = bench.platform
    person = platform.people["courier_a"]
    http = platform.session("courier_a")
    created = http.post(platform.url("/api/v1/jobs/workers"),
                        json={"display_name": "王师傅", "phone": person.phone, "skills": ["快递"]})
    worker_id = created.json()["id"] if created.status_code == 201 else created.json()["worker_id"]
    context = CallContext(tenant_id=person.tenant_id, user_id=person.user_id,
                          roles=frozenset(person.roles)).to_context_data()
    token = http.headers["Authorization"]

    def raw_rpc_worker():
        # nameko's own standalone client, one per thread (it is single-threaded).
        proxy = ClusterRpcProxy({"AMQP_URI": platform.infra.amqp_uri}, context_data=context).start()
        bench.cleanups.append(lambda: proxy._reply_listener.stop())

        def call():
            assert proxy.jobs.get_worker(worker_id)["id"] == worker_id

        return call

    def gateway_worker():
        session = requests.Session()
        session.headers["Authorization"] = token
        url = platform.url(f"/api/v1/jobs/workers/{worker_id}")

        def call():
            response = session.get(url, timeout=30)
            response.raise_for_status()

        return call

    raw = closed_loop("raw nameko RPC `jobs.get_worker` (baseline)", raw_rpc_worker, concurrency=CONCURRENCY,
                      seconds=SECONDS)
    gateway = closed_loop("GET /api/v1/jobs/workers/{id} through the gateway", gateway_worker,
                          concurrency=CONCURRENCY, seconds=SECONDS)
    ratio = gateway.per_second / raw.per_second if raw.per_second else float("nan")
    bench.summary.append((NAME, f"gateway/raw RPC throughput = {ratio:.2f}"))
    return "\n".join([
        f"Worker-profile read, {CONCURRENCY} concurrent closed-loop clients, {SECONDS:.0f} s each, "
        f"gateway with {bench.gateway_workers} gthread workers × {bench.gateway_threads} threads.",
        "",
        TABLE_HEAD,
        row(raw),
        row(gateway),
        "",
        f"**Gateway overhead ratio (gateway req/s ÷ raw RPC calls/s): {ratio:.2f}** "
        f"(p95 latency ratio {gateway.percentile(95) / raw.percentile(95):.2f}).",
    ])
