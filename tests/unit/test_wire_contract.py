"""nameko's wire contract does not move by accident: the RPC methods each service answers (`<service>.<method>`
routing keys), the queue every event handler consumes from (named after the source, the event, the service
and the handler method: renaming a handler orphans its queue and the events waiting in it), and the dotted
path of every error that crosses RPC (rebuilt by that path on the other side).

`tests/unit/wire/contract.json` is the snapshot. A deliberate change rewrites it
(`python -m tests.unit.test_wire_contract --write`) and says in its commit how the running queues migrate."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).resolve().parent / "wire" / "contract.json"
SERVICES = ("jobs", "training", "governance", "points", "notifications")


def _service_class(name: str) -> Any:
    module = importlib.import_module(f"services.{name}.service")
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "name", None) == name and hasattr(value, "db"):
            return value
    raise LookupError(name)


def current() -> dict[str, Any]:
    from nameko.events import BROADCAST, SERVICE_POOL, SINGLETON, EventHandler
    from nameko.rpc import Rpc
    from nameko.timer import Timer

    import services.common.service  # noqa: F401 - registers the errors
    from services.common.errors import REMOTE_ERRORS

    contract: dict[str, Any] = {"errors": sorted(f"{c.__module__}.{c.__name__}" for c in REMOTE_ERRORS)}
    for name in SERVICES:
        cls = _service_class(name)
        rpcs, queues, timers = set(), set(), set()
        for attribute in dir(cls):
            method = getattr(cls, attribute, None)
            for entrypoint in getattr(method, "nameko_entrypoints", ()):
                if isinstance(entrypoint, Rpc):
                    rpcs.add(f"{name}.{attribute}")
                elif isinstance(entrypoint, EventHandler):
                    source, event = entrypoint.source_service, entrypoint.event_type
                    queues.add({
                        SERVICE_POOL: f"evt-{source}-{event}--{name}.{attribute}",
                        SINGLETON: f"evt-{source}-{event}",
                        BROADCAST: f"evt-{source}-{event}--{name}.{attribute}-<broadcast>",
                    }[entrypoint.handler_type])
                elif isinstance(entrypoint, Timer):
                    timers.add(f"{name}.{attribute}")
        contract[name] = {"rpc": sorted(rpcs), "event_queues": sorted(queues), "timers": sorted(timers)}
    return contract


def test_the_wire_contract_is_the_snapshot():
    snapshot = json.loads(SNAPSHOT.read_text())
    now = current()
    for part in snapshot:
        if isinstance(snapshot[part], dict):
            for kind in snapshot[part]:
                gone = sorted(set(snapshot[part][kind]) - set(now[part][kind]))
                added = sorted(set(now[part][kind]) - set(snapshot[part][kind]))
                assert not gone and not added, f"{part} {kind}: gone {gone}, added {added}"
        else:
            assert now[part] == snapshot[part], part


if __name__ == "__main__":
    if "--write" in sys.argv:
        SNAPSHOT.write_text(json.dumps(current(), indent=2, ensure_ascii=False) + "\n")
