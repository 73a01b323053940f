"""The deployment's VAPID key pair for web push (RFC 8292), on the push channel's own key handling
(services.notifications.channels.webpush): the private key signs each push; browsers subscribe with the
public key `public_key()` derives from it. NOTIFICATIONS_VAPID_PRIVATE_KEY holds a PEM file's path, a PEM,
base64url DER or the raw scalar in base64url. `generate(folder)` makes a pair once (`make run` does, into
var/vapid/)."""

from __future__ import annotations

from pathlib import Path

from services.common import config


def public_key(value: str | None = None) -> str | None:
    """The URL-safe base64 uncompressed public point (what `pushManager.subscribe` takes), or None when no
    key is configured. A key that cannot be read: ValueError."""
    value = config.get("NOTIFICATIONS_VAPID_PRIVATE_KEY") if value is None else value
    if not value.strip():
        return None
    from services.notifications.channels.webpush import public_key_for  # pywebpush: imported where used

    return public_key_for(value)


def generate(folder: Path) -> Path:
    """A key pair in `folder` (private_key.txt, public_key.txt), made once; returns the private key's path."""
    from services.notifications.channels.webpush import generate_vapid_keys

    folder.mkdir(parents=True, exist_ok=True)
    private = folder / "private_key.txt"
    if not private.exists():
        keys = generate_vapid_keys()
        private.write_text(keys.private_key + "\n")
        private.chmod(0o600)
        (folder / "public_key.txt").write_text(keys.public_key + "\n")
    return private
