"""The rules inside the metrics modules, without a broker: how a worker's outcome and kind are named,
what the outbox figures are, what the probes answer, and the bounded route labels."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from nameko.events import EventHandler
from nameko.rpc import Rpc
from nameko.timer import Timer
from sqlalchemy.orm import Session

from services.common import metrics
from services.common.database import make_engine, service_base
from services.common.errors import NotFound, ValidationFailed


def test_workers_are_named_by_their_entrypoints_kind():
    assert metrics.entrypoint_kind(Rpc.__new__(Rpc)) == "rpc"
    assert metrics.entrypoint_kind(EventHandler.__new__(EventHandler)) == "event"
    assert metrics.entrypoint_kind(Timer.__new__(Timer)) == "timer"
    assert metrics.entrypoint_kind(object()) == "other"


def test_a_declared_typed_error_is_a_refusal_and_anything_else_an_error():
    declared = (ValidationFailed, NotFound)
    assert metrics.outcome(None, declared) == "ok"
    refused = NotFound("no such post")
    assert metrics.outcome((NotFound, refused, None), declared) == "refused"
    crash = KeyError("bug")
    assert metrics.outcome((KeyError, crash, None), declared) == "error"
    assert metrics.outcome((NotFound, refused, None), ()) == "error"


def test_webhook_outcomes_are_counted_and_an_unknown_outcome_is_refused():
    before = metrics.WEBHOOK_DELIVERIES.labels("dead")._value.get()
    metrics.record_webhook_delivery("dead")
    assert metrics.WEBHOOK_DELIVERIES.labels("dead")._value.get() == before + 1
    with pytest.raises(ValueError):
        metrics.record_webhook_delivery("lost")


def test_outbox_figures_count_unpublished_rows_of_every_tenant_and_the_age_of_the_oldest(tmp_path):
    Base = service_base("metricsprobe")
    engine = make_engine(f"sqlite:///{tmp_path}/outbox.sqlite3")
    Base.metadata.create_all(engine)
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        for n, (tenant, age, published) in enumerate(
                [("xiangyang", 30, False), ("dongxin", 5, False), ("dongxin", 99, True)]):
            session.add(Base.Outbox(tenant_id=tenant, event_id=f"e{n}", event_type="probe", envelope={}, headers={},
                                    created_at=now - timedelta(seconds=age),
                                    published_at=now if published else None))
    with Session(engine) as session:
        figures = metrics.read_outbox(session, Base.Outbox, now=now)
    assert figures == metrics.OutboxFigures(backlog=2, oldest_age_seconds=30.0, written_total=3)
    with Session(engine) as session, session.begin():
        session.query(Base.Outbox).update({"published_at": now})
    with Session(engine) as session:
        assert metrics.read_outbox(session, Base.Outbox, now=now) == metrics.OutboxFigures(0, 0.0, 3)
    engine.dispose()


def call(app, path: str) -> tuple[str, dict | str]:
    result = {}

    def start_response(status, headers):
        result["status"] = status

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO(),
                         "QUERY_STRING": ""}, start_response))
    text = body.decode()
    return result["status"], (json.loads(text) if text.startswith("{") else text)


def test_readyz_fails_when_a_services_check_fails_and_healthz_answers_regardless():
    probes = metrics.Probes()
    app = metrics.http_app(probes=probes)
    assert call(app, "/readyz")[0].startswith("503")  # nothing running yet
    probes.add("jobs", lambda: None)
    assert call(app, "/readyz") == ("200 OK", {"status": "ok", "failures": {}})

    def database_away():
        raise ConnectionError("database away")

    probes.add("points", database_away)
    status, body = call(app, "/readyz")
    assert status.startswith("503") and set(body["failures"]) == {"points"}
    assert call(app, "/healthz") == ("200 OK", {"status": "ok"})
    status, text = call(app, "/metrics")
    assert status == "200 OK" and "fengchao_service_calls" in text


def test_the_outbox_collector_reports_an_unreadable_outbox_as_down_without_failing_the_scrape():
    collector = metrics.OutboxCollector()
    collector.add("jobs", lambda: metrics.OutboxFigures(3, 1.5, 10))

    def away():
        raise ConnectionError("database away")

    collector.add("points", away)
    families = {f.name: {s.labels["service"]: s.value for s in f.samples} for f in collector.collect()}
    assert families["fengchao_outbox_backlog"] == {"jobs": 3}
    assert families["fengchao_outbox_up"] == {"jobs": 1, "points": 0}


def test_routes_are_labelled_by_their_rule_and_unmatched_paths_share_one_label():
    from gateway.metrics import UNMATCHED, route_label

    assert route_label("/api/v1/jobs/posts/<post_id>") == "/api/v1/jobs/posts/<post_id>"
    assert route_label(None) == UNMATCHED
