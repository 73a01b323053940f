"""Prometheus metrics of the gateway: requests and latency by route and status, and `/metrics`.

Routes are labelled by their rule (`/api/v1/jobs/posts/<post_id>`), never by the raw path, so
the number of series stays bounded whatever clients send; a path no route matches is `unmatched`.

Under gunicorn with several workers each worker counts on its own. Set
PROMETHEUS_MULTIPROC_DIR to an empty writable folder (the image does) and `/metrics` adds up
every worker's figures (prometheus-client's multiprocess mode).

`/metrics` is for the scraper inside the cluster, not for the internet: a request that came
through a proxy (it carries `X-Forwarded-For`) gets 404.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "unmatched"

REQUESTS = Counter(
    "fengchao_http_requests",
    "HTTP requests the gateway answered, by method, route and status.",
    ("method", "route", "status"),
)
LATENCY = Histogram(
    "fengchao_http_request_seconds",
    "Time from the request's arrival in the app to its response, by method and route.",
    ("method", "route"),
    buckets=LATENCY_BUCKETS,
)


def route_label(rule: str | None) -> str:
    """The route's rule, or `unmatched` (a 404 for a path no route has)."""
    return rule or UNMATCHED


def registry() -> CollectorRegistry:
    """The registry `/metrics` shows: every gunicorn worker's in multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        return combined
    return REGISTRY


def install(app: Flask) -> None:
    """Register the timing hooks and the `/metrics` endpoint on the app."""

    @app.after_request
    def _metrics_finish(response: Response) -> Response:
        if request.endpoint == "fengchao_metrics":
            return response  # the scraper's own requests would only measure the scraper
        route = route_label(request.url_rule.rule if request.url_rule else None)
        started = g.get("started")  # set by the app's first before_request, even when auth then refuses
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        if started is not None:
            LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", endpoint="fengchao_metrics")
    def metrics() -> Response:
        if request.headers.get("X-Forwarded-For"):
            abort(404)
        return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)
