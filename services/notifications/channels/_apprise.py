"""One apprise notification, sent in the calling thread (green thread under nameko), its outcome as
`DeliveryFailed`.

apprise answers a send with a boolean and says why in its log; the log lines this call produced (and only
those: other workers may be sending at the same time) become the failure's reason. Exceptions from a
plugin become a failure too. apprise's own thread pool is not used (`async_mode=False`): one URL per call,
and eventlet's monkey-patched threads gain nothing from it.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

import apprise
from apprise.logger import LOGGER_NAME

from services.notifications.channels import DeliveryFailed

_ASSET = apprise.AppriseAsset(async_mode=False)
REASON_LIMIT = 300


class _ThisCallsLog(logging.Handler):
    """Keeps the apprise warnings and errors logged by the current thread."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def plugin(url: str) -> Any:
    """apprise's plugin for `url`, or None when apprise does not understand it."""
    return apprise.Apprise.instantiate(url, asset=_ASSET, suppress_exceptions=True)


def redacted(url: str) -> str:
    """The URL with its secrets hidden (apprise's privacy form), for logs and for showing staff."""
    found = plugin(url)
    return str(found.url(privacy=True)).split("?", 1)[0] if found is not None else "(not an apprise URL)"


def notify(url: str, *, body: str, title: str, what: str) -> None:
    """Send `body` (and `title`) to `url`; `what` names the channel in the reason ("SMS provider")."""
    found = plugin(url)
    if found is None:
        raise DeliveryFailed(f"{what}: the URL is not one apprise understands", permanent=True)
    log = logging.getLogger(LOGGER_NAME)
    capture = _ThisCallsLog()
    log.addHandler(capture)
    try:
        sent = found.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
    except Exception as error:  # a plugin's bug or an unexpected library error: retried like any failure
        raise DeliveryFailed(_clean(f"{what}: {type(error).__name__}: {error}")) from error
    finally:
        log.removeHandler(capture)
    if not sent:
        detail = "; ".join(capture.lines[-2:]) or "the provider did not accept the message"
        raise DeliveryFailed(_clean(f"{what}: {detail}"))


def _clean(reason: str) -> str:
    """One line, no query string (a robot's key or a provider's token may sit in one), bounded."""
    reason = re.sub(r"\?[^\s]*", "?…", " ".join(reason.split()))
    return reason[:REASON_LIMIT]
