"""`make run`: the whole platform on one machine.

RabbitMQ from AMQP_URI, or the local one (started if installed and stopped);
SQLite files under var/db unless DATABASE_URL says otherwise; migrations applied;
two demo communities with a resident and a staff account on first start; then
the four services, the outbox relay, the webhook worker and the gateway as child processes. Once
the platform answers, the small demo data set (`python -m deploy.demo --size small`: 12
communities, 1,200 residents, posts, courses, a council, points…) is loaded in the background
on the first start, so a newcomer sees a living site; `--demo full` loads the sub-district's
real scale instead, `--demo none` nothing (or DEMO=none|small|full). FENGCHAO_VAR_DIR puts var/ elsewhere
(the databases, the JWT secret, the demo markers).

Ctrl-C stops them all within STOP_GRACE_SECONDS: each child runs in its own process group, so the
terminal's Ctrl-C reaches only this launcher, which sends each child one SIGTERM (a second signal to two
processes at once is what made nameko and gunicorn print tracebacks and stop slowly), waits, and kills
what is left with its process group. A second Ctrl-C kills at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
VAR = Path(os.environ.get("FENGCHAO_VAR_DIR") or ROOT / "var").resolve()
sys.path.insert(0, str(ROOT))

from deploy import local_servers  # noqa: E402
from services.common import config  # noqa: E402

READY_SECONDS = 180  # how long the platform may take to answer /readyz before the launcher gives up
DEMO_PASSWORD = "Fengchao2026"
# Ctrl-C to the last process gone: a service finishes its running workers (a handler takes well under a
# second), gunicorn drains within GATEWAY_GRACEFUL_SECONDS; what is left after this is killed.
STOP_GRACE_SECONDS = 8.0
GATEWAY_GRACEFUL_SECONDS = 5
DEMO_ACCOUNTS = [  # phone, name, tenant, roles
    ("13800000001", "王师傅", "xiangyang", "resident"),
    ("13800000002", "张主任", "xiangyang", "staff,tenant_admin"),
    ("13800000003", "刘女士", "dongxin", "resident"),
]


def say(message: str) -> None:
    print(f"[fengchao] {message}", flush=True)


def ensure_rabbitmq(amqp_uri: str) -> None:
    """The broker of AMQP_URI answers; the local one is started if it is installed and stopped."""
    try:
        local_servers.ensure_rabbitmq(amqp_uri, management=False)
    except local_servers.NotAvailable as exc:
        sys.exit(f"{exc}. Or set AMQP_URI to a running broker.")


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("AMQP_URI", config.get("AMQP_URI"))
    env.setdefault("DATABASE_URL", f"sqlite:///{VAR}/db/{{service}}.sqlite3")
    env.setdefault("LOG_FORMAT", "console")
    env.setdefault("PYTHONWARNINGS", "ignore")
    secret_file = VAR / "jwt-secret"
    if "JWT_SECRET" not in env:
        VAR.mkdir(parents=True, exist_ok=True)
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(48))
            secret_file.chmod(0o600)
        env["JWT_SECRET"] = secret_file.read_text().strip()
    if not env.get("NOTIFICATIONS_VAPID_PRIVATE_KEY"):
        env["NOTIFICATIONS_VAPID_PRIVATE_KEY"] = vapid_key(VAR / "vapid")
    env.setdefault("NOTIFICATIONS_PUBLIC_URL", "http://" + env.get("GATEWAY_BIND", config.get("GATEWAY_BIND")))
    return env


def vapid_key(folder: Path) -> str:
    """Web push's VAPID key pair, generated once into var/vapid/ (docs/notifications.md); the private key's
    path, or "" (push stays off) when the push libraries are not installed."""
    from services.notifications import vapid

    try:
        return str(vapid.generate(folder))
    except ImportError:
        say("web push is off: cryptography (with pywebpush) is not installed")
        return ""


def run_python(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, **kwargs)


def seed_demo(env: dict[str, str]) -> None:
    check = run_python(["-m", "gateway", "create-tenant", "xiangyang", "向阳社区", "--kind", "community"], env,
                       capture_output=True, text=True)
    if check.returncode != 0:
        return  # already seeded on an earlier start
    run_python(["-m", "gateway", "create-tenant", "dongxin", "东新社区", "--kind", "community"], env,
               capture_output=True)
    for phone, name, tenant, roles in DEMO_ACCOUNTS:
        run_python(["-m", "gateway", "create-user", phone, name, "--password", DEMO_PASSWORD, "--tenant", tenant,
                    "--roles", roles], env, capture_output=True)
    say("demo communities 向阳社区 (xiangyang) and 东新社区 (dongxin) created; accounts (password "
        f"{DEMO_PASSWORD}): " + ", ".join(f"{phone} {name} [{roles}]" for phone, name, _t, roles in DEMO_ACCOUNTS))


def announce_members_once(env: dict[str, str]) -> None:
    """A var/ made before the services learned membership from identity events has empty members tables,
    and every operation naming a person would refuse everyone: announce the existing memberships once
    (`python -m gateway publish-members`, idempotent; the relay delivers them when it starts)."""
    marker = VAR / "members-announced"
    if marker.exists():
        return
    result = run_python(["-m", "gateway", "publish-members"], env, capture_output=True, text=True)
    if result.returncode == 0:
        marker.touch()
    else:
        say("could not announce the existing memberships to the services: " + result.stderr.strip()[-300:])


def load_demo(size: str, env: dict[str, str]) -> subprocess.Popen | None:
    """The demo data set, loaded once per size (the loader is idempotent; the marker only saves
    the rerun's look at every row on each start)."""
    marker = VAR / f"demo-{size}.loaded"
    if size == "none" or marker.exists():
        return None
    say(f"loading the {size} demo data set in the background (python -m deploy.demo --size {size})")
    command = [sys.executable, "-m", "deploy.demo", "--size", size, "--quiet"]
    script = (f"import subprocess, sys, pathlib\n"
              f"done = subprocess.run({command!r}).returncode == 0\n"
              f"done and pathlib.Path({str(marker)!r}).touch()\n"
              f"print('[fengchao] demo data ' + ('loaded' if done else 'NOT loaded; rerun make demo'), flush=True)\n")
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, process_group=0)


def describe(process: subprocess.Popen) -> str:
    """`services.common.runner jobs`, `gunicorn`, `the demo loader`: what a child is, for a person."""
    args = [str(a) for a in process.args]
    if args[1:2] == ["-m"]:
        return " ".join([args[2], *(a for a in args[3:4] if not a.startswith("-"))])
    return "the demo loader"


def kill_groups(processes: list[subprocess.Popen]) -> None:
    """SIGKILL each process's group (gunicorn's workers with their master), then reap it."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):  # the whole group has exited
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="the whole platform on this machine")
    parser.add_argument("--demo", choices=["none", "small", "full"], default=os.environ.get("DEMO", "small"),
                        help="demo data to load on first start (default small; DEMO=… works too)")
    args = parser.parse_args()
    env = environment()
    ensure_rabbitmq(env["AMQP_URI"])
    say("applying migrations")
    if run_python(["-m", "services.common.migrate"], env, stdout=subprocess.DEVNULL).returncode != 0:
        sys.exit("migrations failed")
    seed_demo(env)
    announce_members_once(env)

    children: list[subprocess.Popen] = []
    helpers: list[subprocess.Popen] = []  # one-off jobs (the demo loader): their end does not stop the platform

    def spawn(args: list[str], **extra: str) -> None:
        # process_group=0: its own group, out of reach of the terminal's Ctrl-C (which goes to the
        # foreground group); stop() below is the one place a child is told to stop.
        children.append(subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**env, **extra}, process_group=0))

    # One host, several processes: each service gets its own metrics port (METRICS_PORT+1, +2, …).
    metrics_base = int(env.get("METRICS_PORT", config.get("METRICS_PORT")))
    for offset, service in enumerate(config.SERVICE_NAMES, start=1):
        spawn(["-m", "services.common.runner", service],
              METRICS_PORT=str(metrics_base + offset if metrics_base else 0))
    spawn(["-m", "services.common.relay"])
    spawn(["-m", "gateway.webhooks"])  # partner webhook deliveries (docs/partners.md)
    # a shorter drain than production's: locally nobody is waiting on a long request at Ctrl-C
    spawn(["-m", "gunicorn", "-c", "gateway/gunicorn_conf.py", "--graceful-timeout", str(GATEWAY_GRACEFUL_SECONDS),
           "gateway.wsgi:app"])

    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        if stopping:  # a second Ctrl-C: the user will not wait for the rest
            kill_groups(helpers + children)
            return
        stopping = True
        say("stopping… (Ctrl-C again kills at once)")
        started = time.monotonic()
        for helper in helpers:  # the demo loader's wrapper and the loader itself: nothing to drain
            with contextlib.suppress(ProcessLookupError):  # it had finished
                os.killpg(helper.pid, signal.SIGTERM)
        for child in children:  # the leader only: gunicorn's master stops its own workers
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = started + STOP_GRACE_SECONDS
        for child in helpers + children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                say(f"{describe(child)} did not stop within {STOP_GRACE_SECONDS:g} s; killing it")
        kill_groups(helpers + children)
        say(f"stopped in {time.monotonic() - started:.1f} s")

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    bind = env.get("GATEWAY_BIND", config.get("GATEWAY_BIND"))
    url = f"http://{bind}"
    # A first start migrates every database; on a busy 2-core machine that has taken over a minute.
    deadline = time.monotonic() + READY_SECONDS
    while not stopping:
        try:
            if requests.get(url + "/readyz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or any(c.poll() is not None for c in children):
            say("the platform did not become ready; see the log lines above")
            stop()
            sys.exit(1)
        time.sleep(0.5)
    if not stopping:
        say(f"ready: {url}   (API docs {url}/docs, readiness {url}/readyz; Ctrl-C stops)")
        if metrics_base:
            say(f"metrics: {url}/metrics; " + ", ".join(
                f"{service} http://127.0.0.1:{metrics_base + offset}/metrics"
                for offset, service in enumerate(config.SERVICE_NAMES, start=1)))
        loader = load_demo(args.demo, env)
        if loader is not None:
            helpers.append(loader)
    while not stopping:
        if any(c.poll() is not None for c in children):
            say("a process exited unexpectedly; stopping the rest")
            stop()
            sys.exit(1)
        time.sleep(1)


if __name__ == "__main__":
    main()
