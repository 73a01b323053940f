"""A partner's webhook receiver for Fengchao (蜂巢) events: verifies each delivery's signature, refuses stale
or forged ones, handles each event once (by its CloudEvent id), and answers 204 quickly.

Standard library only, so a partner can copy it as it is:

    WEBHOOK_SECRET=whsec_... python examples/webhook_receiver/receiver.py --port 9000

Then register http://127.0.0.1:9000/fengchao (or your https URL) with POST /api/v1/partners/webhooks.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(secret: str, body: bytes, timestamp: str, signature_header: str, now: float | None = None) -> bool:
    """The recipe of docs/partners.md: HMAC-SHA256(secret, f"{timestamp}.{body}"), hex, compared in constant
    time against each `v1=` value of the Fengchao-Signature header; timestamps older than 5 minutes refused."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent_at) > TOLERANCE_SECONDS:
        return False
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, part.strip()) for part in (signature_header or "").split(","))


class Receiver:
    """What to do with a verified event is `on_event(envelope)`; the rest is the same for every partner."""

    def __init__(self, secret: str, on_event=None):
        self.secret = secret
        self.on_event = on_event or (lambda envelope: print(json.dumps(envelope, ensure_ascii=False), flush=True))
        self.seen: set[str] = set()  # use a table with a unique key in production
        self.deliveries = 0
        self.lock = threading.Lock()

    def handle(self, headers, body: bytes) -> int:
        if not verify(self.secret, body, headers.get("Fengchao-Timestamp"), headers.get("Fengchao-Signature")):
            return 401
        envelope = json.loads(body)
        with self.lock:
            self.deliveries += 1
            if envelope["id"] in self.seen:
                return 204  # delivered again (at least once): already handled
            self.seen.add(envelope["id"])
        self.on_event(envelope)
        return 204


def serve(receiver: Receiver, host: str = "127.0.0.1", port: int = 9000) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = self.server.receiver.handle(self.headers, body)  # type: ignore[attr-defined]
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default 5 refuses connections when deliveries arrive in parallel
        daemon_threads = True

    server = Server((host, port), Handler)
    server.receiver = receiver  # type: ignore[attr-defined]
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description="Receive Fengchao webhooks")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    secret = os.environ.get("WEBHOOK_SECRET")
    if not secret:
        raise SystemExit("set WEBHOOK_SECRET to the secret you got when registering the webhook")
    server = serve(Receiver(secret), args.host, args.port)
    print(f"listening on http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
