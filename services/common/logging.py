"""Structured logs: one JSON object per line, carrying request id and tenant."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog
from structlog.typing import EventDict

from services.common import config


def configure(process_name: str) -> None:
    """Route stdlib logging (nameko, kombu, gunicorn) and structlog through one renderer."""
    level = getattr(logging, config.get("LOG_LEVEL").upper(), logging.INFO)
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False)
        if config.get("LOG_FORMAT") == "console"
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_process(process_name),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                mask_personal_data,  # last before rendering: it sees the formatted traceback too
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kombu and amqp are chatty at INFO about reconnects we already report.
    logging.getLogger("amqp").setLevel(max(level, logging.WARNING))
    containers = logging.getLogger("nameko.containers")
    if not any(isinstance(f, ExpectedRefusalOnOneLine) for f in containers.filters):
        containers.addFilter(ExpectedRefusalOnOneLine())


class ExpectedRefusalOnOneLine(logging.Filter):
    """nameko logs every expected exception of an entrypoint (our typed refusals: 404 no profile yet, 403
    not a member, 409, 422) as a warning WITH its traceback: a dozen lines for a request that was simply
    told no, which buried real errors in the demo's log. Such a refusal becomes one line naming the
    entrypoint, the error type and its detail; unexpected errors keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.exc_info and isinstance(record.msg, str) and record.msg.startswith("(expected)")):
            return True
        error = record.exc_info[1]
        worker_ctx = record.args[0] if isinstance(record.args, tuple) and record.args else None
        entrypoint = getattr(getattr(worker_ctx, "entrypoint", None), "method_name", "?")
        record.msg = "worker.refused %s.%s: %s: %s"
        record.args = (getattr(worker_ctx, "service_name", "?"), entrypoint, type(error).__name__, error)
        record.exc_info = record.exc_text = None
        return True


def _add_process(name: str) -> structlog.types.Processor:
    def processor(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("process", name)
        return event_dict

    return processor


# A mainland mobile number standing alone: not inside a longer run of digits (an id, a timestamp) nor of
# letters and digits (the last group of a UUID such as ...-c16512348212 holds eleven digits that look like one).
PHONE_LIKE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)(\d{4})(\d{4})(?![0-9A-Za-z])")
# Keys whose values are never logged as they are.
SECRET_KEYS = frozenset({
    "password", "current_password", "new_password", "password_hash", "token", "access_token", "refresh_token",
    "api_key", "secret", "authorization", "cookie", "set-cookie", "checkin_secret", "code_ref",
})
PHONE_KEYS = frozenset({"phone", "contact_phone", "mobile", "phone_number"})
NAME_KEYS = frozenset({"display_name", "participant_name", "holder_name", "board_name", "assignee_name",
                       "adopter_name", "name_of_person"})
ID_KEYS = frozenset({"id_number", "id_card", "identity_number"})


def mask_phone(value: str) -> str:
    """138****0001: enough to tell two people apart in a log, not enough to call anyone."""
    return PHONE_LIKE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", value)


def mask_name(value: str) -> str:
    return value[:1] + "*" * max(1, len(value) - 1) if value else value


def _mask(key: str | None, value: Any, depth: int = 0) -> Any:
    lowered = key.lower() if isinstance(key, str) else None
    if lowered in SECRET_KEYS and value:
        return "***"
    if isinstance(value, str):
        if lowered in NAME_KEYS:
            return mask_name(value)
        if lowered in ID_KEYS:
            return value[:2] + "*" * max(0, len(value) - 4) + value[-2:] if len(value) > 4 else "****"
        return mask_phone(value)
    if depth > 4:
        return value
    if isinstance(value, dict):
        return {k: _mask(k, v, depth + 1) for k, v in value.items()}
    if type(value) in (list, tuple):  # exactly: a named tuple or other sequence is left as it is
        return type(value)(_mask(lowered, v, depth + 1) for v in value)
    return value


def mask_personal_data(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: phone numbers anywhere in a log line are masked, and values under known
    personal keys (names, identity numbers) or secret keys (passwords, tokens) are masked or dropped.
    Runs for structlog and for stdlib records (nameko, kombu, gunicorn) alike."""
    for key, value in list(event_dict.items()):
        if key in ("timestamp", "level", "logger", "process", "request_id", "tenant_id", "_record", "_from_structlog"):
            continue
        try:
            event_dict[key] = _mask(key, value)
        except Exception:  # noqa: BLE001 (a log line must never fail because of what it carries)
            event_dict[key] = "<unmaskable>"
    return event_dict


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
