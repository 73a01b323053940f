"""RabbitMQ definitions for Fengchao, built from the code's own exchange declarations.

    python deploy/rabbitmq/definitions.py                      # rewrite deploy/rabbitmq/definitions.json
    python deploy/rabbitmq/definitions.py --password "$PW" -o /run/secrets/definitions.json   # production
    python deploy/rabbitmq/definitions.py --check              # is the committed file still in step?

What the broker gets at boot (rabbitmq.conf `definitions.local.path`):
- vhost `fengchao` whose default queue type is quorum: every durable, non-exclusive queue the
  services declare (`rpc-<service>`, `evt-…` handler queues) is a replicated quorum queue; the
  gateway's exclusive reply queues stay classic, as they must.
- the exchanges exactly as nameko, the relay and the partner feed declare them (a mismatch would
  make the broker refuse their declarations: PRECONDITION_FAILED), so they exist before any process.
- a policy for the services' queues (`rpc-…`, `evt-…`; quorum by the default above): at most 50
  deliveries of one message (a poison message stops being redelivered forever), then at-least-once
  dead-lettering to `fengchao.dead-letters`. It applies to `queues` rather than `quorum_queues` so
  that brokers older than 3.12 accept it too; the delivery limit only means something to quorum queues.
- the platform's broker user with administrator tag (partners' broker users are created through
  the management API by `python -m services.common.partners`). Importing definitions at boot skips
  RabbitMQ's default `guest` user, so this file is the only way in: the committed file carries the
  development password `fengchao-dev` (compose); production renders its own with --password.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nameko.rpc import get_rpc_exchange  # noqa: E402

from services.common import config  # noqa: E402
from services.common.relay import event_exchange  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFINITIONS = HERE / "definitions.json"
VHOST = "fengchao"
USER = "fengchao"
DEV_PASSWORD = "fengchao-dev"
DEAD_LETTERS = "fengchao.dead-letters"
PARTNER_EXCHANGE = "fengchao.partners"


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt + sha256(salt + password)), 4-byte salt."""
    salt = salt if salt is not None else secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode("ascii")


def _exchange(exchange) -> dict:
    return {"name": exchange.name, "vhost": VHOST, "type": exchange.type, "durable": bool(exchange.durable),
            "auto_delete": bool(exchange.auto_delete), "internal": False, "arguments": {}}


def exchanges() -> list[dict]:
    """Every exchange the platform declares, with the same type and flags as the code."""
    declared = [get_rpc_exchange({}), *(event_exchange(s) for s in config.SERVICE_NAMES)]
    found = [_exchange(e) for e in declared]
    found.append({"name": PARTNER_EXCHANGE, "vhost": VHOST, "type": "topic", "durable": True, "auto_delete": False,
                  "internal": False, "arguments": {}})
    found.append({"name": DEAD_LETTERS, "vhost": VHOST, "type": "fanout", "durable": True, "auto_delete": False,
                  "internal": False, "arguments": {}})
    return found


def build(password: str, *, salt: bytes | None = None) -> dict:
    return {
        "rabbitmq_version": "4.1",
        "users": [{"name": USER, "password_hash": password_hash(password, salt),
                   "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ["administrator"], "limits": {}}],
        "vhosts": [{"name": VHOST, "description": "Fengchao platform", "tags": [], "default_queue_type": "quorum",
                    "metadata": {"description": "Fengchao platform", "tags": [], "default_queue_type": "quorum"}}],
        "permissions": [{"user": USER, "vhost": VHOST, "configure": ".*", "write": ".*", "read": ".*"}],
        "topic_permissions": [],
        "parameters": [],
        "global_parameters": [{"name": "cluster_name", "value": "fengchao"}],
        "policies": [{
            "vhost": VHOST, "name": "fengchao-quorum", "pattern": "^(rpc-|evt-)", "apply-to": "queues",
            "priority": 0,
            "definition": {"delivery-limit": 50, "dead-letter-exchange": DEAD_LETTERS,
                           "dead-letter-strategy": "at-least-once", "overflow": "reject-publish"},
        }],
        "queues": [{"name": DEAD_LETTERS, "vhost": VHOST, "durable": True, "auto_delete": False,
                    "arguments": {"x-queue-type": "quorum"}}],
        "exchanges": exchanges(),
        "bindings": [{"source": DEAD_LETTERS, "vhost": VHOST, "destination": DEAD_LETTERS,
                      "destination_type": "queue", "routing_key": "", "arguments": {}}],
    }


def _without_hashes(definitions: dict) -> dict:
    copy = json.loads(json.dumps(definitions))
    for user in copy["users"]:
        user.pop("password_hash")
    return copy


def render(definitions: dict) -> str:
    return json.dumps(definitions, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write RabbitMQ definitions for Fengchao.")
    parser.add_argument("--password", default=os.environ.get("RABBITMQ_PASSWORD", DEV_PASSWORD),
                        help="password of the platform's broker user (default: RABBITMQ_PASSWORD or the dev one)")
    parser.add_argument("-o", "--output", type=Path, default=DEFINITIONS)
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed file is out of step")
    args = parser.parse_args(argv)
    if args.check:
        committed = json.loads(DEFINITIONS.read_text())
        if _without_hashes(committed) != _without_hashes(build(DEV_PASSWORD)):
            print(f"{DEFINITIONS} is out of step; run: python deploy/rabbitmq/definitions.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(render(build(args.password)))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
