"""Calling the services from a request: the pooled RPC client plus the request's context."""

from __future__ import annotations

import threading
from typing import Any, cast

from flask import Response, current_app, json

from gateway.auth import call_context
from gateway.rpc import RpcPool

_pool_lock = threading.Lock()


def pool() -> RpcPool:
    """The process's pool, made on first use so that each gunicorn worker
    (forked after import) owns its own connections."""
    extensions = current_app.extensions
    if extensions.get("fengchao.rpc") is None:
        with _pool_lock:
            if extensions.get("fengchao.rpc") is None:
                settings = extensions["fengchao.settings"]
                extensions["fengchao.rpc"] = RpcPool(
                    settings.amqp_uri, size=settings.rpc_pool_size, timeout=settings.rpc_timeout
                )
    return cast(RpcPool, extensions["fengchao.rpc"])


def call(service: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call `service.method` as the signed-in principal."""
    return pool().call(service, method, *args, context_data=call_context().to_context_data(), **kwargs)


def respond(data: Any, status: int = 200) -> Response:
    """A service's result is already serialised by its own schema; pass it
    through as JSON (the route's schema still documents it in OpenAPI)."""
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json")
