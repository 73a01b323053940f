"""Ctrl-C on `make run` (deploy/run_local.py) stops every process it started within 10 s, and says so
without a traceback: end to end, the launcher with its four services, relay, webhook worker and gunicorn,
on SQLite under a temporary directory and a broker vhost of the test's own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.operations.conftest import wait_until
from tests.support.processes import ROOT, free_port

pytestmark = pytest.mark.integration

STOP_LIMIT_SECONDS = 10.0


def session_members(session_id: int) -> list[int]:
    """Live processes of a session (the launcher's children keep its session, in process groups of
    their own); zombies count as gone."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state, ppid, pgrp, session…
        if int(fields[3]) == session_id and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def test_ctrl_c_on_make_run_stops_every_process_within_10_s_without_a_traceback(own_vhost, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.endswith("DATABASE_URL")}  # SQLite
    env.update(AMQP_URI=own_vhost, FENGCHAO_VAR_DIR=str(tmp_path / "var"), GATEWAY_BIND=f"127.0.0.1:{free_port()}",
               METRICS_PORT="0", PYTHONWARNINGS="ignore", LOG_FORMAT="console")
    log_path = tmp_path / "run_local.log"
    with open(log_path, "wb") as log:
        # a session of its own, as a terminal gives `make run`: Ctrl-C goes to its foreground group
        launcher = subprocess.Popen([sys.executable, "deploy/run_local.py", "--demo", "none"], cwd=ROOT, env=env,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        ready = wait_until(lambda: "ready: http://" in log_path.read_text() or launcher.poll() is not None,
                           timeout=120, interval=0.5)
        assert ready and launcher.poll() is None, log_path.read_text()
        started_processes = session_members(launcher.pid)
        assert len(started_processes) >= 8, started_processes  # launcher, 4 services, relay, webhooks, gunicorn…

        os.killpg(launcher.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        sent = time.monotonic()
        all_gone = wait_until(lambda: not session_members(launcher.pid), timeout=30, interval=0.1)
        took = time.monotonic() - sent
        output = log_path.read_text()
        print(f"run_local stopped in {took:.1f} s")
        assert all_gone and took < STOP_LIMIT_SECONDS, f"{session_members(launcher.pid)} after {took:.1f} s\n{output}"
        assert launcher.wait(5) == 0
        for trouble in ("Traceback", "AssertionError", "SIGKILL", "did not stop"):
            assert trouble not in output, output
        assert "[fengchao] stopped in" in output
    finally:
        for pid in session_members(launcher.pid):
            os.kill(pid, signal.SIGKILL)
        launcher.wait(10)
