"""A pooled, thread-safe RPC client speaking nameko's wire protocol.

Why not nameko's ClusterRpcProxy: it is single-threaded (sharing one across
gunicorn threads hangs) and opening one per request costs a connection and a
reply queue each time. Here each pooled `RpcClient` owns one broker connection
and one exclusive reply queue and is used by one thread at a time; the pool
never holds more than `size` of them, so broker connections stay bounded
however many requests arrive.

The protocol is nameko's: publish `{"args", "kwargs"}` to the `nameko-rpc`
topic exchange with routing key `<service>.<method>`, `reply_to` and
`correlation_id`; context data travels as `nameko.<key>` headers; the reply is
`{"result", "error"}` and errors are rebuilt by `rebuild_error` (nameko's own rule, without nameko),
so our typed errors arrive typed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.message import Message
from kombu.messaging import Consumer, Producer

from gateway import messages
from services.common.errors import REMOTE_ERRORS, FengchaoError, ServiceTimeout, ServiceUnavailable
from services.common.logging import get_logger

log = get_logger(__name__)

RPC_EXCHANGE = "nameko-rpc"
# A service answering with one of these could not reach its database (restarting, failing over): the
# request may be retried, so the caller gets 503 rather than 500.
DATABASE_AWAY = {"OperationalError", "InterfaceError", "DisconnectionError"}
CONNECTION_NAME = "fengchao-gateway-rpc"


class RpcClient:
    """One connection, one reply queue; not thread-safe (the pool guarantees exclusivity)."""

    def __init__(self, amqp_uri: str, connect_timeout: float = 5.0):
        self.broken = False
        self.idle_since = time.monotonic()
        self._pending: set[str] = set()
        self._replies: dict[str, dict[str, Any]] = {}
        self.reply_to = f"rpc.reply-gateway-{uuid.uuid4()}"
        self.connection = Connection(
            amqp_uri,
            transport_options={
                "confirm_publish": True,
                # Named so operators (and the pool test) can tell gateway connections apart.
                "client_properties": {"connection_name": f"{CONNECTION_NAME} pid={os.getpid()}"},
            },
            connect_timeout=connect_timeout,
        )
        try:
            self.connection.connect()
            exchange = Exchange(RPC_EXCHANGE, type="topic", durable=True)
            consume_channel = self.connection.channel()
            reply_queue = Queue(
                self.reply_to, exchange=exchange, routing_key=self.reply_to,
                exclusive=True, auto_delete=True, channel=consume_channel,
            )
            reply_queue.declare()
            self._consumer = Consumer(
                consume_channel, queues=[reply_queue], callbacks=[self._on_reply], no_ack=True, accept=["json"]
            )
            self._consumer.consume()
            # A separate channel for publishing, so confirms never interleave with replies.
            self._producer = Producer(self.connection.channel(), exchange=exchange, serializer="json")
        except Exception:
            self.close()
            raise

    def alive(self) -> bool:
        """Whether the connection still works: an idle pooled connection learns only on its next read
        that the broker restarted or closed it; read now, so that the pool drops it instead of failing a
        request with it."""
        if self.broken:
            return False
        if time.monotonic() - self.idle_since < 1.0:
            return True  # just used: not worth a read (a millisecond) on every call
        try:
            self.connection.drain_events(timeout=0.001)
        except TimeoutError:
            return True
        except Exception:
            self.broken = True
            return False
        return True

    def _on_reply(self, body: dict[str, Any], message: Message) -> None:
        correlation_id = message.properties.get("correlation_id")
        if correlation_id in self._pending:
            self._replies[correlation_id] = body
        # else: the late answer to a call that already timed out; dropped.

    def call(self, service: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any],
             context_data: dict[str, Any], timeout: float) -> Any:
        correlation_id = str(uuid.uuid4())
        headers = {f"nameko.{key}": value for key, value in context_data.items() if value is not None}
        self._pending.add(correlation_id)
        try:
            try:
                self._producer.publish(
                    {"args": list(args), "kwargs": kwargs},
                    routing_key=f"{service}.{method}",
                    reply_to=self.reply_to,
                    correlation_id=correlation_id,
                    headers=headers,
                    mandatory=True,  # with confirms: an unknown service fails now, not at timeout
                    expiration=timeout,  # a request nobody took in time is dropped, not run late
                    retry=False,
                )
            except Exception as exc:
                if "NO_ROUTE" in str(exc):
                    raise ServiceUnavailable(messages.SERVICE_NOT_RUNNING, service=service) from None
                self.broken = True
                raise ServiceUnavailable(messages.BROKER_UNREACHABLE) from exc
            deadline = time.monotonic() + timeout
            while correlation_id not in self._replies:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    # The connection may hold half a frame now; the pool replaces it.
                    self.broken = True
                    raise ServiceTimeout(messages.SERVICE_TIMEOUT, service=service, seconds=f"{timeout:g}")
                try:
                    self.connection.drain_events(timeout=min(remaining, 1.0))
                except TimeoutError:
                    continue
                except Exception as exc:
                    self.broken = True
                    raise ServiceUnavailable(messages.BROKER_LOST) from exc
            body = self._replies.pop(correlation_id)
        finally:
            self._pending.discard(correlation_id)
            self._replies.pop(correlation_id, None)
        if body.get("error"):
            if body["error"].get("exc_type") in DATABASE_AWAY:
                log.warning("rpc.service_database_away", service=service, method=method,
                            error=str(body["error"].get("value", ""))[:200])
                raise ServiceUnavailable(messages.SERVICE_DATABASE, service=service)
            raise rebuild_error(body["error"])
        return body.get("result")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a dead connection may fail; it is gone either way
            self.connection.release()


class RemoteError(Exception):
    """A service failed with an error that is not one of ours (a bug): its type and text, for the log."""

    def __init__(self, exc_type: str | None = None, value: str | None = None):
        self.exc_type = exc_type
        self.value = value
        super().__init__(f"{exc_type} {value}")


_ERRORS_BY_PATH = {f"{cls.__module__}.{cls.__name__}": cls for cls in REMOTE_ERRORS}


def rebuild_error(error: dict[str, Any]) -> Exception:
    """nameko's wire form of an error (`exc_path`, `exc_type`, `exc_args`, `value`) as the error itself:
    one of services.common.errors by its dotted path (the wire contract), else a RemoteError."""
    cls = _ERRORS_BY_PATH.get(str(error.get("exc_path")))
    if cls is not None:
        from gateway.words import localize  # the words are the caller's language's

        return localize(cls(*error.get("exc_args", ())))
    return RemoteError(error.get("exc_type"), error.get("value"))


class RpcPool:
    """At most `size` clients; a thread borrows one for a call and gives it back."""

    def __init__(self, amqp_uri: str, size: int = 8, timeout: float = 10.0, acquire_timeout: float | None = None):
        self.amqp_uri = amqp_uri
        self.size = size
        self.timeout = timeout
        self.acquire_timeout = acquire_timeout if acquire_timeout is not None else timeout
        self._idle: queue.LifoQueue[RpcClient] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self.created = 0  # clients ever created: a growing number means reconnects

    @contextmanager
    def client(self) -> Iterator[RpcClient]:
        if not self._slots.acquire(timeout=self.acquire_timeout):
            raise ServiceUnavailable(messages.CONCURRENCY_LIMIT)
        client = None
        try:
            while True:  # an idle client whose connection died (broker restart) is dropped, not used
                try:
                    client = self._idle.get_nowait()
                except queue.Empty:
                    client = None
                    break
                if client.alive():
                    break
                client.close()
            if client is None:
                try:
                    client = RpcClient(self.amqp_uri)
                except Exception as exc:
                    log.warning("rpc.connect_failed", error=repr(exc))
                    raise ServiceUnavailable(messages.BROKER_UNREACHABLE) from exc
                with self._lock:
                    self.created += 1
            yield client
        finally:
            if client is not None:
                if client.broken:
                    client.close()
                else:
                    client.idle_since = time.monotonic()
                    self._idle.put(client)
            self._slots.release()

    def call(self, service: str, method: str, *args: Any, context_data: dict[str, Any], timeout: float | None = None,
             **kwargs: Any) -> Any:
        with self.client() as client:
            return client.call(service, method, args, kwargs, context_data, timeout or self.timeout)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


__all__ = ["RpcPool", "RpcClient", "FengchaoError"]
