"""Logs a newcomer can read: a refusal the service meant (404, 403, 409, 422) is one line, not a
traceback; the admin command line prints its answer, not eventlet's deprecation notice."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import structlog

from services.common.errors import NotFound
from services.common.logging import configure

ROOT = Path(__file__).resolve().parents[2]


def nameko_logs_a_worker_failure(error: Exception, *, expected: bool) -> None:
    """What nameko.containers logs when an entrypoint raises (nameko 2.14, ServiceContainer._run_worker)."""
    worker_ctx = SimpleNamespace(service_name="jobs", entrypoint=SimpleNamespace(method_name="get_worker"))
    log = logging.getLogger("nameko.containers")
    try:
        raise error
    except Exception as exc:
        if expected:
            log.warning("(expected) error handling worker %s: %s", worker_ctx, exc, exc_info=True)
        else:
            log.exception("error handling worker %s: %s", worker_ctx, exc)


@pytest.fixture
def service_log(monkeypatch):
    """What a service process configured as in production writes (into a buffer instead of stderr)."""
    monkeypatch.setenv("LOG_FORMAT", "json")
    root = logging.getLogger()
    handlers, level, structlog_config = root.handlers[:], root.level, structlog.get_config()
    configure("jobs")
    written = io.StringIO()
    root.handlers[0].setStream(written)
    yield written.getvalue
    root.handlers[:], root.level = handlers, level  # as other tests expect to find them
    structlog.configure(**structlog_config)


def test_an_expected_refusal_is_logged_as_one_line_naming_the_entrypoint_and_the_error(service_log):
    nameko_logs_a_worker_failure(NotFound("还没有零工档案 / No worker profile yet"), expected=True)
    lines = service_log().splitlines()
    assert len(lines) == 1, "\n".join(lines)
    line = json.loads(lines[0])
    assert line["event"] == "worker.refused jobs.get_worker: NotFound: 还没有零工档案 / No worker profile yet"
    assert line["level"] == "warning" and "exception" not in line


def test_an_unexpected_error_keeps_its_traceback(service_log):
    nameko_logs_a_worker_failure(ZeroDivisionError("division by zero"), expected=False)
    line = json.loads(service_log())
    assert "Traceback" in line["exception"] and "ZeroDivisionError" in line["exception"]


@pytest.mark.parametrize("command", [[sys.executable, "-m", "gateway"],
                                     [str(Path(sys.executable).parent / "fengchao-admin")]])
def test_the_admin_command_line_prints_no_eventlet_deprecation_warning(tmp_path, command):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/{{service}}.sqlite3"
    migrated = subprocess.run([sys.executable, "-m", "services.common.migrate", "gateway"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    done = subprocess.run([*command, "create-tenant", "xiangyang", "向阳社区", "--kind", "community"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tenant_id"] == "xiangyang"
    assert "EventletDeprecationWarning" not in done.stderr and "deprecated" not in done.stderr.lower(), done.stderr
