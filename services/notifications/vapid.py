"""The deployment's VAPID key pair for web push (RFC 8292): the private key signs each push (the push
channel reads NOTIFICATIONS_VAPID_PRIVATE_KEY itself); browsers subscribe with the public key, which
`public_key()` derives from it. The setting holds a PEM file's path, a PEM, or base64url DER (the form
py-vapid and pywebpush accept). `generate(folder)` makes a pair once (`make run` does, into var/vapid/)."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from services.common import config

# cryptography comes with pywebpush / py-vapid (requirements); imported where used, so that the service
# starts without push when they are missing.


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def load_private_key(value: str) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    value = value.strip()
    if not value:
        return None
    if "BEGIN" not in value and os.path.isfile(value):
        value = Path(value).read_text()
    if "BEGIN" in value:
        key = serialization.load_pem_private_key(value.encode(), password=None)
    else:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        key = (ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1()) if len(raw) == 32
               else serialization.load_der_private_key(raw, password=None))
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("a VAPID key is an EC P-256 key")
    return key


def public_key(value: str | None = None) -> str | None:
    """The URL-safe base64 uncompressed public point (what `pushManager.subscribe` takes), or None."""
    from cryptography.hazmat.primitives import serialization

    key = load_private_key(config.get("NOTIFICATIONS_VAPID_PRIVATE_KEY") if value is None else value)
    if key is None:
        return None
    return _b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                 serialization.PublicFormat.UncompressedPoint))


def generate(folder: Path) -> Path:
    """A key pair in `folder` (private_key.pem, public_key.txt), made once; returns the private key's path."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    folder.mkdir(parents=True, exist_ok=True)
    private = folder / "private_key.pem"
    if not private.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        private.chmod(0o600)
        (folder / "public_key.txt").write_text(f"{public_key(str(private))}\n")
    return private
