"""Asking an owning service who is in one of its groups: `<service>.audience(group, ref)` (the brief's
one mechanism, for event fan-out and staff broadcasts alike), as a nameko dependency.

The call carries a context of its own — the event's tenant, the role `service`, no user — never the
context of the event being handled (which may name whoever caused it). A group that is gone (NotFound)
has nobody in it; a service that does not answer `audience` yet is logged and skipped; a timeout is
raised, so the event is handled again later."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nameko.exceptions import MethodNotFound, UnknownService
from nameko.extensions import DependencyProvider
from nameko.standalone.rpc import ClusterRpcProxy

from services.common import config
from services.common.errors import NotFound
from services.common.logging import get_logger
from services.notifications.access import SERVICE_ROLE

log = get_logger(__name__)

AUDIENCE_SERVICES = ("jobs", "training", "governance", "points")


class Audience(DependencyProvider):  # type: ignore[misc]  # nameko is untyped
    """`ask = self.audience(tenant_id)`; `ask(service, group, ref)` -> user ids."""

    def get_dependency(self, worker_ctx: Any) -> Callable[[str], Callable[[str, str, str], list[str]]]:
        amqp_uri = self.container.config.get("AMQP_URI") or config.get("AMQP_URI")
        timeout = config.get_float("RPC_TIMEOUT")

        def for_tenant(tenant_id: str, locale: str = "zh-CN") -> Callable[[str, str, str], list[str]]:
            def ask(service: str, group: str, ref: str) -> list[str]:
                if service not in AUDIENCE_SERVICES:
                    raise LookupError(service)
                context = {"tenant_id": tenant_id, "roles": SERVICE_ROLE, "locale": locale}
                try:
                    with ClusterRpcProxy({"AMQP_URI": amqp_uri, "serializer": "json"}, context_data=context,
                                         timeout=timeout) as cluster:
                        answer = getattr(cluster, service).audience(group, ref)
                except NotFound:
                    return []
                except (MethodNotFound, UnknownService) as error:
                    log.warning("notifications.audience_unanswered", service=service, group=group,
                                error=type(error).__name__)
                    return []
                return [str(u) for u in (answer or {}).get("user_ids", []) if u]

            return ask

        return for_tenant
