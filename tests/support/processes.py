"""The platform's processes, started the way `make run` starts them, against a test run's broker and databases."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from gateway.rpc import RpcPool
from services.common.errors import FengchaoError
from tests.support.infra import Infra

JWT_SECRET = "test-secret-" + "k" * 40
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    def __init__(self, infra: Infra, log_dir: Path):
        self.infra = infra
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.infra.env())
        env.update(JWT_SECRET=JWT_SECRET, LOG_FORMAT="json", LOG_LEVEL="INFO", PYTHONWARNINGS="ignore",
                   RELAY_POLL_INTERVAL="0.05", METRICS_PORT="0",  # 0: no metrics server unless a test asks
                   # the suite signs each person in once; on a busy machine it outlasts the 15-minute default
                   JWT_ACCESS_TTL="7200")
        env.update(extra)
        return env

    def _spawn(self, name: str, args: list[str], **extra: str) -> subprocess.Popen:
        with open(self.log_dir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=self.env(**extra), stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        proc.log_path = self.log_dir / f"{name}.log"  # type: ignore[attr-defined]
        self.running.append(proc)
        return proc

    def start_service(self, service: str, *, wait: bool = True, **extra: str) -> subprocess.Popen:
        name = service.split(":")[-1].lower()
        proc = self._spawn(name, ["-m", "services.common.runner", service], **extra)
        if wait:
            self.wait_for_ping(service if ":" not in service else extra.get("PING_AS", name), proc)
        return proc

    def wait_for_ping(self, service: str, proc: subprocess.Popen, timeout: float = 30) -> None:
        pool = RpcPool(self.infra.amqp_uri, size=1, timeout=2)
        deadline = time.monotonic() + timeout
        try:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{service} exited with {proc.returncode}:\n{self.tail(proc)}")
                try:
                    pool.call(service, "ping", context_data={})
                    return
                except FengchaoError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{service} did not answer a ping:\n{self.tail(proc)}") from None
                    time.sleep(0.2)
        finally:
            pool.close()

    def start_relay(self, *services: str, **extra: str) -> subprocess.Popen:
        # The gateway's identity outbox too (services learn their members from it), except in a relay
        # started to inject a fault, which tests the outboxes it was given alone.
        if services and "gateway" not in services and "FENGCHAO_RELAY_FAULT" not in extra:
            services = (*services, "gateway")
        proc = self._spawn("relay", ["-m", "services.common.relay", *services], **extra)
        proc.role = "relay"  # type: ignore[attr-defined]
        return proc

    def wait_for_members(self, members: list[tuple[str, str]], services: tuple[str, ...] | None = None,
                         timeout: float = 60) -> None:
        """Until every running service knows each (user id, tenant id) as a member: identity changes
        reach services asynchronously (gateway outbox → relay → identity events), and a test that
        names a person right after adding them must not race that."""
        pool = RpcPool(self.infra.amqp_uri, size=1, timeout=5)
        deadline = time.monotonic() + timeout
        pending = [(service, user_id, tenant_id) for service in (services or self.infra.services)
                   for user_id, tenant_id in members]
        try:
            while pending:
                service, user_id, tenant_id = pending[0]
                try:
                    known = pool.call(service, "knows_member", user_id, context_data={"tenant_id": tenant_id})
                except FengchaoError:
                    known = False
                if known:
                    pending.pop(0)
                    continue
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} did not learn that {user_id} is a member of {tenant_id}")
                time.sleep(0.1)
        finally:
            pool.close()

    def start_webhooks(self, *args: str, **extra: str) -> subprocess.Popen:
        """The webhook worker (`python -m gateway.webhooks`); args such as `--retry-base 0.2`."""
        proc = self._spawn("webhooks", ["-m", "gateway.webhooks", *args], **extra)
        proc.role = "webhooks"  # type: ignore[attr-defined]
        return proc

    def relays(self) -> list[subprocess.Popen]:
        return [p for p in self.running if getattr(p, "role", None) == "relay" and p.poll() is None]

    def start_gateway(self, *, workers: int = 1, threads: int = 16, **extra: str) -> str:
        port = free_port()
        proc = self._spawn(
            f"gateway-{port}",
            ["-m", "gunicorn", "-c", "gateway/gunicorn_conf.py", "gateway.wsgi:app"],
            GATEWAY_BIND=f"127.0.0.1:{port}", GATEWAY_WORKERS=str(workers), GATEWAY_THREADS=str(threads), **extra,
        )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gateway exited with {proc.returncode}:\n{self.tail(proc)}")
            try:
                if requests.get(base_url + "/healthz", timeout=1).status_code == 200:
                    proc.base_url = base_url  # type: ignore[attr-defined]
                    return base_url
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gateway did not start:\n{self.tail(proc)}")
            time.sleep(0.2)

    @staticmethod
    def tail(proc: subprocess.Popen, lines: int = 40) -> str:
        try:
            return "\n".join(Path(proc.log_path).read_text(errors="replace").splitlines()[-lines:])  # type: ignore
        except OSError:
            return "(no log)"

    def stop(self, proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if proc in self.running:
            self.running.remove(proc)
        return proc.returncode

    def stop_all(self, timeout: float = 20) -> None:
        """Every process at once: all are told to stop, then waited for together, so the suite's teardown
        takes one grace period however many processes the tests started (one after another, a few slow
        stoppers on a loaded machine outlasted the last test's time limit)."""
        procs = list(reversed(self.running))
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                print(f"{getattr(proc, 'log_path', proc.args)} did not stop within {timeout:.0f} s of SIGTERM: killed")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            self.running.remove(proc)
