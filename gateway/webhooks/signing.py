"""Webhook signatures: HMAC-SHA256 over `<timestamp>.<body>`, sent with the timestamp.

A receiver recomputes the HMAC with its secret over the exact bytes of the body, compares in constant
time, and refuses a timestamp older than five minutes (a captured delivery cannot be replayed later).
Several `v1=` values may appear, comma-separated, while a secret is being rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

SIGNATURE_HEADER = "Fengchao-Signature"
TIMESTAMP_HEADER = "Fengchao-Timestamp"
DELIVERY_HEADER = "Fengchao-Delivery"
EVENT_ID_HEADER = "Fengchao-Event-Id"
SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>` keyed by the secret."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def sign(secret: str | Sequence[str], body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The headers of a delivery; with several secrets (during a rotation) one `v1=` each, comma-separated."""
    timestamp = int(now if now is not None else time.time())
    keys = [secret] if isinstance(secret, str) else list(secret)
    return {TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: ",".join(signature(key, timestamp, body) for key in keys)}


def verify(secret: str, body: bytes, headers: dict[str, str], *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """True when one of the header's signatures matches and the timestamp is fresh."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        timestamp = int(lowered.get(TIMESTAMP_HEADER.lower(), ""))
    except ValueError:
        return False
    current = now if now is not None else time.time()
    if abs(current - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    offered = [part.strip() for part in lowered.get(SIGNATURE_HEADER.lower(), "").split(",")]
    return any(hmac.compare_digest(expected, candidate) for candidate in offered if candidate)
