"""Local stand-ins for what the notification channels talk to, so their tests send real HTTP:

- `RecordingReceiver`: a threaded HTTP(S) server that records every request and answers with the status
  codes the test chooses (a provider that fails, then recovers). The SMS provider's JSON webhook in tests,
  and, with TLS, a vendor's robot endpoint.
- `PushService`: a Web Push service (RFC 8030) that checks what a real one checks and what we promise:
  the VAPID JWT (RFC 8292: `Authorization: vapid t=<jwt>,k=<key>`, ES256 signed by the key in `k`, the key
  the subscription was made with, `aud` = this endpoint's origin, `exp` in the future and at most 24 hours
  ahead, a `sub`), then decrypts the body (RFC 8291 aes128gcm, with http_ece) with the test subscription's
  own P-256 private key and auth secret, as a browser would. Subscriptions can be made "gone" (410/404).
- `TestCA`: a throw-away certificate authority (cryptography) that issues server certificates, for the TLS
  receiver standing in for qyapi.weixin.qq.com / oapi.dingtalk.com; its bundle is what the client trusts.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
import ssl
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import http_ece
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- a certificate authority for TLS receivers ------------------------------------------------------------

class TestCA:
    """A root CA made for one test session; `bundle` is its certificate as a PEM file (for
    REQUESTS_CA_BUNDLE / SSL_CERT_FILE)."""

    __test__ = False  # not a pytest test class

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or tempfile.mkdtemp(prefix="fengchao-test-ca-"))
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fengchao test CA")])
        now = dt.datetime.now(dt.UTC)
        self.certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256()))
        self.bundle = self.folder / "ca.pem"
        self.bundle.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    def issue(self, *names: str) -> tuple[Path, Path]:
        """A server certificate for DNS names and IP addresses: (certificate chain file, key file)."""
        key = ec.generate_private_key(ec.SECP256R1())
        alt: list[x509.GeneralName] = []
        for name in names:
            try:
                alt.append(x509.IPAddress(ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.certificate.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                           critical=False)
            .sign(self.key, hashes.SHA256()))
        stem = self.folder / f"server-{secrets.token_hex(4)}"
        cert_file, key_file = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM)
                              + self.certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert_file, key_file


# --- a recording HTTP(S) receiver ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    host: str  # the Host header: which name the client thought it was talking to
    status: int  # what the receiver answered

    def json(self) -> Any:
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class RecordingReceiver:
    """Records every request; answers each with the next queued status (`fail_next`), else `status`.

        with RecordingReceiver() as sms:
            sms.fail_next(503)
            ... sms.requests[-1].json() ...
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, ca: TestCA | None = None,
                 names: tuple[str, ...] = (), status: int = 200,
                 answer: bytes = b'{"errcode":0,"errmsg":"ok"}'):
        self.status = status
        self.answer = answer
        self._queued: deque[int] = deque()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, answer = receiver.handle(self, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_GET = do_PUT = _any

        self.server = _Server((host, port), Handler)
        self.tls = ca is not None
        if ca is not None:
            cert, key = ca.issue(*(names or (host,)))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.host, self.port = self.server.server_address[:2]
        self._thread = threading.Thread(target=self.server.serve_forever, name=f"receiver-{self.port}",
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def fail_next(self, *statuses: int) -> None:
        with self._lock:
            self._queued.extend(statuses)

    def next_status(self) -> int:
        with self._lock:
            return self._queued.popleft() if self._queued else self.status

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, bytes]:
        status = self.next_status()
        self.record(request, body, status)
        return status, self.answer if 200 <= status < 300 else b'{"error":"simulated failure"}'

    def record(self, request: BaseHTTPRequestHandler, body: bytes, status: int) -> Recorded:
        parts = urlsplit(request.path)
        recorded = Recorded(method=request.command, path=parts.path, query=parse_qs(parts.query),
                            headers={k.lower(): v for k, v in request.headers.items()}, body=body,
                            host=request.headers.get("Host", ""), status=status)
        with self._lock:
            self.requests.append(recorded)
        return recorded

    def start(self) -> RecordingReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> RecordingReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- a Web Push service ------------------------------------------------------------------------------------

@dataclass
class TestSubscription:
    """What a browser holds for one push subscription: the public parts go to the server
    (`as_json`), the private key and auth secret stay here to decrypt."""

    __test__ = False

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: str  # the VAPID public key it was made with

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                                 serialization.PublicFormat.UncompressedPoint))

    def as_json(self) -> str:
        return json.dumps({"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}})


@dataclass(frozen=True)
class Pushed:
    endpoint: str
    plaintext: bytes
    claims: dict[str, Any]
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.plaintext)


@dataclass
class PushService:
    """A push service on 127.0.0.1. `subscribe(vapid_public_key)` makes a subscription the way a browser
    does; every accepted push is in `pushed` (decrypted), every refused one in `refused` with why."""

    receiver: RecordingReceiver = field(init=False)
    subscriptions: dict[str, TestSubscription] = field(default_factory=dict)
    gone: dict[str, int] = field(default_factory=dict)  # path -> 404 or 410
    pushed: list[Pushed] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        service = self
        self.receiver = RecordingReceiver(answer=b"")

        def handle(request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, bytes]:
            status, why = service.check(request, body)
            service.receiver.record(request, body, status)
            if status >= 300:
                service.refused.append((status, why))
            return status, why.encode()

        self.receiver.handle = handle  # type: ignore[method-assign]

    @property
    def origin(self) -> str:
        return self.receiver.url

    def subscribe(self, application_server_key: str) -> TestSubscription:
        path = f"/push/{secrets.token_urlsafe(16)}"
        subscription = TestSubscription(endpoint=f"{self.origin}{path}", private_key=ec.generate_private_key(
            ec.SECP256R1()), auth=os.urandom(16), application_server_key=application_server_key)
        self.subscriptions[path] = subscription
        return subscription

    def make_gone(self, subscription: TestSubscription, status: int = 410) -> None:
        self.gone[urlsplit(subscription.endpoint).path] = status

    def check(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, str]:
        path = urlsplit(request.path).path
        if request.command != "POST":
            return 405, "push is a POST"
        if path in self.gone:
            return self.gone[path], "subscription expired or unsubscribed"
        subscription = self.subscriptions.get(path)
        if subscription is None:
            return 404, "no such subscription"
        headers = {k.lower(): v for k, v in request.headers.items()}
        scheme, _, params = headers.get("authorization", "").partition(" ")
        fields = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
        if scheme.lower() != "vapid" or "t" not in fields or "k" not in fields:
            return 401, "no VAPID authorization (vapid t=…,k=…)"
        if fields["k"] != subscription.application_server_key:
            return 403, "VAPID key is not the one the subscription was made with"
        try:
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(fields["k"]))
            claims = jwt.decode(fields["t"], key=public, algorithms=["ES256"], audience=self.origin,
                                options={"require": ["aud", "exp", "sub"]})
        except (jwt.PyJWTError, ValueError) as error:
            return 401, f"VAPID JWT refused: {type(error).__name__}: {error}"
        if claims["exp"] > dt.datetime.now(dt.UTC).timestamp() + 24 * 3600:
            return 401, "VAPID JWT exp more than 24 hours ahead"
        if not str(claims["sub"]).startswith(("mailto:", "https:")):
            return 401, "VAPID sub is neither mailto: nor https:"
        if headers.get("content-encoding") != "aes128gcm":
            return 415, "content-encoding must be aes128gcm"
        if "ttl" not in headers:
            return 400, "TTL header missing"
        try:
            plaintext = http_ece.decrypt(body, private_key=subscription.private_key, auth_secret=subscription.auth,
                                         version="aes128gcm")
        except Exception as error:  # noqa: BLE001 - any decryption failure is the sender's fault
            return 400, f"cannot decrypt: {type(error).__name__}: {error}"
        self.pushed.append(Pushed(endpoint=subscription.endpoint, plaintext=plaintext, claims=claims,
                                  headers=headers))
        return 201, ""

    def __enter__(self) -> PushService:
        self.receiver.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.receiver.stop()
