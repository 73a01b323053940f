"""The image's health check (Docker HEALTHCHECK; compose uses it too).

It finds out what this container runs from PID 1's command line, so one image needs one check:
- the gateway: GET /healthz on GATEWAY_BIND's port answers 200;
- a service: it answers an RPC `ping` within 3 s (which includes a `SELECT 1` on its database);
- the relay, the webhook worker and one-off commands: the process is alive (they retry broker and
  database themselves).
Exit 0 healthy, 1 not.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path


def role_of(argv: list[str]) -> tuple[str, str | None]:
    """(`gateway` | `service` | `relay` | `other`, the service's name) from a command line."""
    entry = next((i for i, a in enumerate(argv) if a.endswith("entrypoint.sh")), None)
    if entry is not None and entry + 1 < len(argv):  # PID 1 is an init that started the entrypoint
        role = argv[entry + 1]
        if role == "service":
            return "service", argv[entry + 2] if entry + 2 < len(argv) else None
        return (role, None) if role in ("gateway", "relay", "webhooks") else ("other", None)
    joined = " ".join(argv)
    if "gunicorn" in joined:
        return "gateway", None
    if "services.common.runner" in argv:
        index = argv.index("services.common.runner")
        return "service", argv[index + 1] if index + 1 < len(argv) else None
    if "services.common.relay" in argv:
        return "relay", None
    if "gateway.webhooks" in argv:
        return "webhooks", None
    return "other", None


def check_gateway() -> bool:
    port = os.environ.get("GATEWAY_BIND", "0.0.0.0:8080").rsplit(":", 1)[-1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
        return response.status == 200


def check_service(name: str) -> bool:
    from gateway.rpc import RpcPool
    from services.common import config

    pool = RpcPool(config.get("AMQP_URI"), size=1, timeout=3)
    try:
        return pool.call(name, "ping", context_data={}).get("status") == "ok"
    finally:
        pool.close()


def main() -> int:
    try:
        argv = Path("/proc/1/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return 0
    role, service = role_of([a for a in argv if a])
    try:
        if role == "gateway":
            return 0 if check_gateway() else 1
        if role == "service" and service:
            return 0 if check_service(service) else 1
        return 0
    except Exception as exc:  # any failure to answer is "unhealthy", with the reason in `docker inspect`
        print(f"unhealthy: {exc!r}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
