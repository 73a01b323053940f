"""A private RabbitMQ node and a private PostgreSQL cluster that a test owns and may kill or restart.

The suite's shared broker and database server (AMQP_URI, DATABASE_URL) serve every other test run on
the machine, so the fault tests never touch them. Instead they start their own:

- `PrivateRabbit`: `rabbitmq-server` (from /usr/lib/rabbitmq/bin, run as this user) with its own node
  name, AMQP, distribution, management and epmd ports, its own Erlang cookie (HOME is its directory)
  and its own mnesia, log, config and plugins files, all in a temporary directory. `rabbitmqctl -n
  <node>` controls it. A restart keeps the mnesia directory: durable queues and persistent messages
  survive it, as on a real broker.
- `PrivatePostgres`: `initdb` + `pg_ctl` from /usr/lib/postgresql/<newest>/bin, run as the `postgres`
  OS user (via `runuser` when we are root), trust authentication, listening on 127.0.0.1 at a free port,
  its socket in its own directory.

Both are context managers; `close()` stops the process (escalating to SIGKILL) and removes the
directory, also after a failed start, and an `atexit` hook does the same if a test run is interrupted.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.2)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def available() -> str | None:
    """None when both can run here, otherwise why not."""
    if not (RABBIT_BIN / "rabbitmq-server").exists():
        return "rabbitmq-server is not installed (/usr/lib/rabbitmq/bin)"
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        return "PostgreSQL server binaries are not installed (/usr/lib/postgresql/*/bin)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres OS user to run a private cluster as"
    return None


class PrivateRabbit:
    """One RabbitMQ node with the management plugin, private to the test that started it."""

    def __init__(self, base_dir: Path | None = None, name: str = "fct"):
        self.dir = Path(base_dir or tempfile.mkdtemp(prefix="fengchao-rabbit-"))
        self.node = f"{name}-{secrets.token_hex(3)}@localhost"
        self.amqp_port, self.management_port = free_port(), free_port()
        self.dist_port, self.epmd_port = free_port(), free_port()
        self.proc: subprocess.Popen | None = None
        self.epmd: subprocess.Popen | None = None
        self.restarts = 0
        (self.dir / "mnesia").mkdir(parents=True, exist_ok=True)
        (self.dir / "log").mkdir(exist_ok=True)
        cookie = self.dir / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16).upper())
        cookie.chmod(0o400)
        (self.dir / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (self.dir / "rabbitmq.conf").write_text("\n".join([
            f"listeners.tcp.default = 127.0.0.1:{self.amqp_port}",
            f"management.tcp.port = {self.management_port}",
            "management.tcp.ip = 127.0.0.1",
            "loopback_users = none",
            "vm_memory_high_watermark.absolute = 1GB",
            "disk_free_limit.absolute = 50MB",
            "collect_statistics_interval = 1000",
            "log.console = false",
            "log.file.level = info",
            "",
        ]))
        (self.dir / "rabbitmq-env.conf").write_text("")  # not /etc/rabbitmq/rabbitmq-env.conf (the shared node's)
        _registry.append(self)

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    @property
    def management_url(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.management_port}"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        return {
            **keep,
            "HOME": str(self.dir),  # the cookie
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.dir / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.dir / "rabbit.pid"),
        }

    def ctl(self, *args: str, timeout: float = 60) -> str:
        done = subprocess.run([str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *args], env=self.env(),
                              cwd=self.dir, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    @property
    def beam_pid(self) -> int | None:
        try:
            return int((self.dir / "rabbit.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def start(self, timeout: float = 90) -> PrivateRabbit:
        if self.epmd is None or self.epmd.poll() is not None:
            # this node's own epmd in the foreground, as our child, so that close() can end it
            self.epmd = subprocess.Popen(["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"],
                                         env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         start_new_session=True)
            _wait(lambda: port_open(self.epmd_port), 10, "epmd listening")
        (self.dir / "rabbit.pid").unlink(missing_ok=True)
        with open(self.dir / "log" / "server.out", "ab") as log:
            self.proc = subprocess.Popen([str(RABBIT_BIN / "rabbitmq-server")], env=self.env(), cwd=self.dir,
                                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        try:
            _wait(lambda: (self.dir / "rabbit.pid").exists() or self.proc.poll() is not None, 30,
                  "the RabbitMQ pid file")
            if self.proc.poll() is not None:
                raise RuntimeError(f"rabbitmq-server exited with {self.proc.returncode}:\n{self.tail()}")
            self.ctl("wait", str(self.dir / "rabbit.pid"), "--timeout", str(int(timeout)), timeout=timeout + 10)
            _wait(lambda: port_open(self.amqp_port), 20, "the AMQP port opening")
            _wait(self._management_answers, 30, "the management API answering")
        except Exception:
            self.kill()
            raise
        return self

    def _management_answers(self) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.management_port}/api/overview", auth=("guest", "guest"),
                                timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self, timeout: float = 60) -> None:
        """A clean broker shutdown (`rabbitmqctl shutdown`): clients see their connections closed."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.ctl("shutdown", timeout=timeout)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the whole node (its process group: beam, erl_child_setup, inet_gethost)."""
        pid = self.beam_pid
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        if pid and _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def restart(self, *, hard: bool = False, down_for: float = 0.0) -> float:
        """Stop (cleanly, or SIGKILL with `hard`), stay down `down_for` seconds, start again on the same
        ports and data; returns the seconds the broker was unreachable."""
        began = time.monotonic()
        self.kill() if hard else self.stop()
        time.sleep(down_for)
        self.start()
        self.restarts += 1
        return time.monotonic() - began

    def tail(self, lines: int = 30) -> str:
        out = []
        for path in sorted((self.dir / "log").glob("*")):
            with contextlib.suppress(OSError):
                out.append(f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(out)

    def close(self) -> None:
        self.kill()
        if self.epmd is not None and self.epmd.poll() is None:
            self.epmd.kill()
            self.epmd.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)
        if self in _registry:
            _registry.remove(self)

    def __enter__(self) -> PrivateRabbit:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.close()


class PrivatePostgres:
    """One PostgreSQL cluster, private to the test that started it; superuser `postgres`, trust auth."""

    def __init__(self, base_dir: Path | None = None):
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                               key=lambda p: int(p.split("/")[4]))[-1]).parent
        self.dir = Path(base_dir or tempfile.mkdtemp(prefix="fengchao-postgres-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.restarts = 0
        self.user = pwd.getpwnam("postgres")
        os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self.dir.chmod(0o700)
        _registry.append(self)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> str:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, cwd=self.dir, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]}: {done.stdout}{done.stderr}")
        return done.stdout

    def start(self) -> PrivatePostgres:
        try:
            if not (self.data / "PG_VERSION").exists():
                self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                          "--no-sync", "--locale=C.UTF-8")
            options = " ".join([
                f"-p {self.port}", f"-k {self.dir}", "-c listen_addresses=127.0.0.1", "-c max_connections=300",
                "-c shared_buffers=64MB",
                # a process crash (what the tests do) loses nothing without fsync; only an OS crash would
                "-c fsync=off", "-c full_page_writes=off",
            ])
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", options, "-w",
                      "-t", "60", "start")
        except Exception:
            self.kill()
            raise
        return self

    @property
    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session and shuts down cleanly; `immediate` is a crash (recovery on start)."""
        if self.postmaster_pid is None:
            return
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        except RuntimeError:
            self.kill()

    def kill(self) -> None:
        pid = self.postmaster_pid
        if pid and _pid_alive(pid):
            children = _children_of(pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _wait_gone(pid)
            for child in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)

    def restart(self, *, mode: str = "fast", down_for: float = 0.0) -> float:
        began = time.monotonic()
        self.stop(mode)
        time.sleep(down_for)
        self.start()
        self.restarts += 1
        return time.monotonic() - began

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join((self.dir / "server.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def close(self) -> None:
        self.stop("immediate")
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self in _registry:
            _registry.remove(self)

    def __enter__(self) -> PrivatePostgres:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.close()


def _children_of(pid: int) -> list[int]:
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.split("/")[2]))
    return found


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


_registry: list = []


@atexit.register
def _close_all() -> None:
    for thing in list(reversed(_registry)):
        with contextlib.suppress(Exception):
            thing.close()
