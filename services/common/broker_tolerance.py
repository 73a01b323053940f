"""What a service process does when the broker goes away under it, instead of what nameko does.

nameko treats a failed reply, ack or requeue as fatal and kills the whole service container, so one
broker restart under load would take a busy service down for good. `install()` (called by
`services.common.runner` before the container starts) makes those three log and carry on: the broker
takes an unacked message back when the old connection dies and delivers it again, and the caller of a
lost reply times out and retries with its idempotency key; every handler is idempotent, so nothing is
lost or done twice (docs/reliability.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nameko.rpc
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko.messaging import QueueConsumer

from services.common.logging import get_logger

log = get_logger(__name__)

BROKER_ERRORS = (OSError, AMQPError, OperationalError)


class TolerantResponder(nameko.rpc.Responder):  # type: ignore[misc]  # nameko is untyped
    """nameko's RPC responder, except that a reply it cannot publish (the broker is restarting) is
    logged and dropped instead of raised. Raised, nameko treats it as fatal and kills the whole service
    container, so one broker restart would take every service down for good. The caller has timed out
    (504) or will; it retries with its idempotency key, and the write it asked for is committed once."""

    def send_response(self, result: Any, exc_info: Any) -> Any:
        try:
            return super().send_response(result, exc_info)
        except BROKER_ERRORS as exc:
            log.warning("rpc.reply_lost", error=repr(exc),
                        correlation_id=self.message.properties.get("correlation_id"))
            return result, exc_info


def _tolerant(settle: Callable[[Any, Any], Any], action: str) -> Callable[[Any, Any], Any]:
    """nameko acks (or requeues) a message after its worker finishes, on the connection it came by. If
    the broker went away meanwhile, that socket raises (BrokenPipeError, ConnectionResetError): nameko
    catches only amqp's own ConnectionError there, so the error reached the container and killed the
    service for good (seen when RabbitMQ restarted under a burst of RPCs). The broker has already taken
    the message back with the old connection and delivers it again on the new one; the handlers are
    idempotent (keys, first_delivery, the domain's own "already" answers), so nothing is lost or doubled."""

    def settle_or_log(self: Any, message: Any) -> Any:
        try:
            return settle(self, message)
        except BROKER_ERRORS as exc:
            log.warning("amqp.settle_lost", action=action, error=repr(exc),
                        correlation_id=message.properties.get("correlation_id"))

    return settle_or_log


_ORIGINAL = {"ack": QueueConsumer.ack_message, "requeue": QueueConsumer.requeue_message}


def install() -> None:
    """Once per process, before the container starts."""
    nameko.rpc.Responder = TolerantResponder  # RpcConsumer.handle_result looks it up in the module
    # QueueConsumer is one shared extension per container, created where nameko's entrypoints are
    # declared, so its methods are replaced in place rather than by a subclass.
    QueueConsumer.ack_message = _tolerant(_ORIGINAL["ack"], "ack")
    QueueConsumer.requeue_message = _tolerant(_ORIGINAL["requeue"], "requeue")
