"""Structured logs: one JSON object per line, carrying request id and tenant."""

from __future__ import annotations

import logging
import sys

import structlog

from services.common import config


def configure(process_name: str) -> None:
    """Route stdlib logging (nameko, kombu, gunicorn) and structlog through one renderer."""
    level = getattr(logging, config.get("LOG_LEVEL").upper(), logging.INFO)
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False)
        if config.get("LOG_FORMAT") == "console"
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    shared = [
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
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kombu and amqp are chatty at INFO about reconnects we already report.
    logging.getLogger("amqp").setLevel(max(level, logging.WARNING))


def _add_process(name: str):
    def processor(_logger, _method, event_dict):
        event_dict.setdefault("process", name)
        return event_dict

    return processor


def get_logger(name: str):
    return structlog.get_logger(name)
