"""This machine's own RabbitMQ and PostgreSQL, on their standard ports: found, and started when they are
installed but stopped. The one place that knows how; `make test` (tests/support/infra.py), `make run`
(deploy/run_local.py) and `.ci/run` all come here.

    python3 deploy/local_servers.py            # make sure both run; print AMQP_URI=… and DATABASE_URL=…
    python3 deploy/local_servers.py --no-management

Standard library only, so that it runs before the virtualenv exists.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HOST = "127.0.0.1"
AMQP_PORT, MANAGEMENT_PORT, POSTGRES_PORT = 5672, 15672, 5432
AMQP_URI = f"amqp://guest:guest@{HOST}:{AMQP_PORT}/"
MANAGEMENT_URL = f"http://guest:guest@{HOST}:{MANAGEMENT_PORT}"
DATABASE_URL = f"postgresql://postgres@{HOST}:{POSTGRES_PORT}/postgres"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
START_TIMEOUT_SECONDS = 60.0


class NotAvailable(RuntimeError):
    """A server that does not answer and cannot be started here; the message says why and what to do."""


def port_open(port: int, host: str = HOST) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def _wait_for_port(port: int, host: str, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not port_open(port, host):
        if time.monotonic() > deadline:
            raise NotAvailable(f"{what} did not open port {port} within {START_TIMEOUT_SECONDS:g} s")
        time.sleep(0.5)


def _say(message: str) -> None:
    print(f"[local-servers] {message}", file=sys.stderr, flush=True)


def ensure_rabbitmq(amqp_uri: str = AMQP_URI, *, management: bool = True) -> None:
    """RabbitMQ answers at `amqp_uri` (started with `rabbitmq-server -detached` when the URI names this
    machine's standard port and the server is installed), and with `management`, its management API on 15672 too
    (the plugin enabled when it is off: the test suite makes its vhosts through it)."""
    parts = urlsplit(amqp_uri)
    host, port = parts.hostname or HOST, parts.port or AMQP_PORT
    # only the standard port is ours to start: a server we start listens there
    local = host in LOCAL_HOSTS and port == AMQP_PORT
    if not port_open(port, host):
        if not local:
            raise NotAvailable(f"RabbitMQ at {host}:{port} does not answer (AMQP_URI={amqp_uri})")
        server = shutil.which("rabbitmq-server")
        if server is None:
            raise NotAvailable("RabbitMQ is not running and not installed (Debian/Ubuntu: "
                               "`sudo apt-get install rabbitmq-server`)")
        _say("starting RabbitMQ (rabbitmq-server -detached)")
        subprocess.run([server, "-detached"], check=False, stdout=subprocess.DEVNULL)
        _wait_for_port(port, host, "RabbitMQ")
    if not management or port_open(MANAGEMENT_PORT, host):
        return
    plugins = shutil.which("rabbitmq-plugins")
    if not local or plugins is None:
        raise NotAvailable(f"RabbitMQ's management API does not answer at {host}:{MANAGEMENT_PORT}; enable it "
                           "on the broker: rabbitmq-plugins enable rabbitmq_management")
    _say("enabling RabbitMQ's management plugin (rabbitmq-plugins enable rabbitmq_management)")
    enabled = subprocess.run([plugins, "enable", "rabbitmq_management"], capture_output=True, text=True)
    if enabled.returncode != 0:
        raise NotAvailable(f"rabbitmq-plugins enable rabbitmq_management failed: {enabled.stderr.strip()}")
    _wait_for_port(MANAGEMENT_PORT, host, "RabbitMQ's management plugin")


def ensure_postgres() -> None:
    """PostgreSQL answers on 127.0.0.1:5432, started with Debian's `pg_ctlcluster` (newest installed
    version, cluster `main`) when it is installed and stopped."""
    if port_open(POSTGRES_PORT):
        return
    versions = sorted((p.name for p in Path("/etc/postgresql").glob("*") if p.name.isdigit()), key=int)
    control = shutil.which("pg_ctlcluster")
    if not versions or control is None:
        raise NotAvailable("PostgreSQL is not running on port 5432 and no Debian cluster is installed "
                           "(Debian/Ubuntu: `sudo apt-get install postgresql`)")
    _say(f"starting PostgreSQL {versions[-1]} (pg_ctlcluster {versions[-1]} main start)")
    started = subprocess.run([control, "--skip-systemctl-redirect", versions[-1], "main", "start"],
                             capture_output=True, text=True)
    if started.returncode != 0:
        raise NotAvailable(f"pg_ctlcluster {versions[-1]} main start failed: {started.stderr.strip()}")
    _wait_for_port(POSTGRES_PORT, HOST, "PostgreSQL")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 deploy/local_servers.py",
                                     description="make sure this machine's RabbitMQ and PostgreSQL run")
    parser.add_argument("--no-management", action="store_true", help="do not enable RabbitMQ's management plugin")
    args = parser.parse_args(argv)
    try:
        ensure_rabbitmq(management=not args.no_management)
        ensure_postgres()
    except NotAvailable as exc:
        print(f"local servers: {exc}", file=sys.stderr)
        return 1
    print(f"AMQP_URI={AMQP_URI}\nDATABASE_URL={DATABASE_URL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
