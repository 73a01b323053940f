"""nameko's entrypoint decorators, typed: nameko ships no annotations, so a method decorated with its
own `rpc` or `event_handler` would lose its signature for the type checker. These are the same
decorators (nameko registers the entrypoint exactly as before), declared to return the method."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from nameko.events import event_handler as _event_handler
from nameko.rpc import rpc as _rpc

Method = TypeVar("Method", bound=Callable[..., Any])


def rpc(*, expected_exceptions: tuple[type[Exception], ...] = (), sensitive_arguments: tuple[str, ...] = ()
        ) -> Callable[[Method], Method]:
    return cast(Callable[[Method], Method],
                _rpc(expected_exceptions=expected_exceptions, sensitive_arguments=sensitive_arguments))


def event_handler(source_service: str, event_type: str, **options: Any) -> Callable[[Method], Method]:
    return cast(Callable[[Method], Method], _event_handler(source_service, event_type, **options))
