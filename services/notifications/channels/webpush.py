"""Web Push (RFC 8030) to a browser's push subscription, with pywebpush: the payload is encrypted for the
subscription (RFC 8291, aes128gcm) and the request signed with the deployment's VAPID key (RFC 8292: an
ES256 JWT with `aud` = the push service's origin, `exp` 12 hours ahead, `sub` = NOTIFICATIONS_VAPID_SUBJECT).

The address is the subscription as the browser gave it, as JSON: `{"endpoint", "keys": {"p256dh", "auth"}}`.
The payload the service worker receives is JSON `{"title", "body", "link"}`: nothing else leaves.

Outcomes: 2xx sent; 404 or 410 from the push service: the subscription is gone for good
(`DeliveryFailed(SUBSCRIPTION_GONE, permanent=True)`, and the caller forgets it); anything else (429, 5xx,
a network error, a key the service refuses) is a failure worth retrying, with the status in the reason.

The key (NOTIFICATIONS_VAPID_PRIVATE_KEY) is a PEM file's path, a PEM, base64url DER, or the raw 32-byte
private scalar in base64url. `generate_vapid_keys()` makes a pair and `public_key_for()` derives the URL-safe
public key the browser passes to `pushManager.subscribe({applicationServerKey})`;
`python -m services.notifications.channels.webpush` prints a new private key and its public key.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from services.notifications.channels import SUBSCRIPTION_GONE, DeliveryFailed, Outgoing

TTL_SECONDS = 2 * 86_400  # a phone that is off for a day still gets it
TIMEOUT_SECONDS = 10
DEFAULT_SUBJECT = "mailto:admin@fengchao.local"
GONE = (404, 410)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    text = "".join(text.split())
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_private_key(value: str) -> ec.EllipticCurvePrivateKey:
    """The P-256 private key from a setting: a PEM file's path, a PEM, base64url DER or base64url raw."""
    value = value.strip()
    if not value:
        raise ValueError("no VAPID private key")
    if "BEGIN" not in value and len(value) < 4096 and os.path.isfile(value):
        value = Path(value).read_text()
    if "BEGIN" in value:
        key: Any = serialization.load_pem_private_key(value.encode(), password=None)
    else:
        raw = b64url_decode(value)
        key = (ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1()) if len(raw) == 32
               else serialization.load_der_private_key(raw, password=None))
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("a VAPID key is an EC P-256 key")
    return key


def public_key_for(private_key: str) -> str:
    """The URL-safe base64 (no padding) uncompressed public point: the browser's applicationServerKey."""
    point = load_private_key(private_key).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # base64url of the raw 32-byte scalar: one line, fits an environment variable
    public_key: str  # base64url of the uncompressed point (65 bytes)


def generate_vapid_keys() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    private = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    return VapidKeys(private_key=private, public_key=public_key_for(private))


def _subscription(address: str) -> dict[str, Any]:
    try:
        info = json.loads(address)
        endpoint, keys = info["endpoint"], info["keys"]
        p256dh, auth = keys["p256dh"], keys["auth"]
        parts = urlsplit(endpoint)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError(endpoint)
        b64url_decode(p256dh), b64url_decode(auth)  # noqa: B018 - both must decode
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise DeliveryFailed("push: the subscription is not valid", permanent=True) from error
    return {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}


def payload(outgoing: Outgoing) -> str:
    return json.dumps({"title": outgoing.title, "body": outgoing.body, "link": outgoing.link},
                      ensure_ascii=False, separators=(",", ":"))


class PushChannel:
    name = "push"

    def __init__(self, *, private_key: str, subject: str = ""):
        self.private_key = private_key
        self.subject = subject.strip() or DEFAULT_SUBJECT

    def _vapid(self) -> Vapid:
        try:
            key = load_private_key(self.private_key)
        except ValueError as error:
            raise DeliveryFailed(f"push: the VAPID key is not usable ({error}; NOTIFICATIONS_VAPID_PRIVATE_KEY)") \
                from error
        return Vapid(private_key=key)

    def send(self, outgoing: Outgoing) -> None:
        subscription = _subscription(outgoing.address)
        vapid = self._vapid()
        try:
            webpush(subscription_info=subscription, data=payload(outgoing), vapid_private_key=vapid,
                    vapid_claims={"sub": self.subject}, ttl=TTL_SECONDS, timeout=TIMEOUT_SECONDS)
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in GONE:
                raise DeliveryFailed(SUBSCRIPTION_GONE, permanent=True) from error
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(subscription["endpoint"]))
            what = f"answered {status}" if status is not None else "failed"
            raise DeliveryFailed(f"push: the push service {origin} {what}") from error
        except requests.RequestException as error:
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(subscription["endpoint"]))
            raise DeliveryFailed(f"push: cannot reach the push service {origin} ({type(error).__name__})") \
                from error


def main() -> int:
    keys = generate_vapid_keys()
    print(keys.private_key)
    print(f"public key (applicationServerKey): {keys.public_key}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
