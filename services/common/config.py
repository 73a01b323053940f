"""Configuration from environment variables, each with a documented default.

The table in docs/operations.md lists every variable; `SETTINGS` below is the
single source of that table (tests check they agree).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SERVICE_NAMES = ("jobs", "training", "governance", "points", "notifications")


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/", "RabbitMQ the services, relay and gateway use."),
    Setting(
        "DATABASE_URL",
        "sqlite:///var/db/{service}.sqlite3",
        "Owner URL of each component's database; `{service}` is replaced by jobs, training, governance, points, "
        "notifications or gateway. Migrations and the outbox relay connect with it.",
    ),
    Setting(
        "DATABASE_APP_USER",
        "fengchao_app",
        "PostgreSQL only: the non-owner role the services connect as, so row-level security applies to them.",
    ),
    Setting("DATABASE_APP_PASSWORD", "", "PostgreSQL only: password of DATABASE_APP_USER (empty with trust auth)."),
    Setting("FENGCHAO_DEPLOYMENT", "fengchao",
            "Name of this deployment, prefixed to the broker users it makes for partners (`fengchao-partner-<tenant>`) "
            "so that two deployments on one RabbitMQ cannot collide."),
    Setting("RPC_TIMEOUT", "10", "Seconds the gateway waits for a service to answer before 504."),
    Setting("RPC_POOL_SIZE", "8", "Broker connections per gateway process (one RPC client each)."),
    Setting("JWT_SECRET", "", "HMAC key for access and refresh tokens; required outside development."),
    Setting("FAIR_CHECKIN_SECRET", "",
            "HMAC key of job-fair check-in codes; empty: one derived from JWT_SECRET for this purpose only."),
    Setting("JWT_ACCESS_TTL", "900", "Lifetime of an access token in seconds."),
    Setting("JWT_REFRESH_TTL", "1209600", "Lifetime of a refresh token in seconds."),
    Setting("GATEWAY_MAX_BODY_BYTES", "1048576",
            "Largest request body the gateway accepts; a larger one is refused with 413 before it is read."),
    Setting("GATEWAY_PROXY_HOPS", "0",
            "Reverse proxies in front of the gateway that append to X-Forwarded-For; the client address for sign-in "
            "throttling is taken that many entries from the end. 0: the connection's peer address."),
    Setting("LOGIN_ACCOUNT_MAX_FAILURES", "5",
            "Wrong passwords for one phone number within LOGIN_FAILURE_WINDOW before the account is locked."),
    Setting("LOGIN_ADDRESS_MAX_FAILURES", "100",
            "Failed sign-ins from one client address within LOGIN_FAILURE_WINDOW before the address is locked (high "
            "enough for a neighbourhood behind one NAT address)."),
    Setting("LOGIN_FAILURE_WINDOW", "900", "Seconds over which failed sign-ins are counted."),
    Setting("LOGIN_LOCKOUT_SECONDS", "60",
            "First lock-out in seconds (429 with Retry-After); each further lock-out doubles it."),
    Setting("LOGIN_LOCKOUT_MAX_SECONDS", "3600", "Ceiling of the doubling lock-out, in seconds."),
    Setting("API_KEY_GRACE_SECONDS", "86400",
            "After a partner API key is rotated, seconds the old key still works before it is refused."),
    Setting("GATEWAY_BIND", "127.0.0.1:8080", "host:port gunicorn listens on."),
    Setting("GATEWAY_WORKERS", "2", "gunicorn worker processes."),
    Setting("GATEWAY_THREADS", "8", "gthread threads per gunicorn worker."),
    Setting("SERVICE_MAX_WORKERS", "10", "Concurrent nameko workers per service process."),
    Setting("GOVERNANCE_SWEEP_INTERVAL", "10",
            "Seconds between governance's sweeps for vote reminders and closes (a vote closes at most this late)."),
    Setting("POINTS_HOUSEKEEPING_SECONDS", "60",
            "Seconds between the points service's housekeeping runs (voucher timeouts, expiry notices and expiry)."),
    Setting("NOTIFICATIONS_PUBLIC_URL", "http://127.0.0.1:8080",
            "Address residents reach the web pages at; short links in messages are `<this>/n/<code>`."),
    Setting("NOTIFICATIONS_INTERVAL", "10",
            "Seconds between the notifications service's runs of due deliveries and daily digests."),
    Setting("NOTIFICATIONS_MAX_ATTEMPTS", "5",
            "Attempts of one delivery (SMS, push, robot) before it is a dead letter staff can see and retry."),
    Setting("NOTIFICATIONS_RETRY_SECONDS", "60",
            "First wait before a failed delivery is tried again; each further failure doubles it."),
    Setting("NOTIFICATIONS_SMS_URL", "",
            "apprise URL of the SMS provider (e.g. `json://sms-gateway:8080/send` for a JSON webhook); empty: "
            "no SMS leaves the platform (deliveries fail with a reason staff can see)."),
    Setting("NOTIFICATIONS_SMS_PER_MINUTE", "60",
            "SMS the provider accepts per minute from the whole platform; more wait for the next minute."),
    Setting("NOTIFICATIONS_SMS_PER_DAY", "10",
            "SMS one person receives per day (urgent messages excepted); more wait for the next day."),
    Setting("NOTIFICATIONS_PUSH_PER_DAY", "30",
            "Push notifications one person receives per day (urgent excepted); more wait for the next day."),
    Setting("NOTIFICATIONS_VAPID_PRIVATE_KEY", "",
            "Web push VAPID private key (a file's path, a PEM, base64url DER or the raw scalar in base64url); "
            "empty under `make run`: a key pair is generated once into var/vapid/."),
    Setting("NOTIFICATIONS_VAPID_SUBJECT", "mailto:admin@fengchao.local",
            "Contact of this deployment sent to push services with each VAPID-signed push (mailto: or https:)."),
    Setting("RELAY_POLL_INTERVAL", "0.2", "Seconds between outbox polls when the relay found nothing to publish."),
    Setting("RELAY_BATCH_SIZE", "200", "Outbox rows the relay publishes per transaction."),
    Setting("LOG_LEVEL", "INFO", "Python log level of every process."),
    Setting("LOG_FORMAT", "json", "`json` for one JSON object per line, `console` for humans."),
    Setting("METRICS_PORT", "9100",
            "Port on which a service process serves Prometheus metrics at `/metrics`; 0 turns it off (the gateway "
            "serves its own `/metrics` on GATEWAY_BIND)."),
    Setting("METRICS_BIND", "0.0.0.0", "Address the service processes' metrics servers listen on."),
)

_DEFAULTS = {s.name: s.default for s in SETTINGS}


def get(name: str) -> str:
    """An environment variable, or its documented default."""
    return os.environ.get(name, _DEFAULTS[name])


def get_float(name: str) -> float:
    return float(get(name))


def get_int(name: str) -> int:
    return int(get(name))


def database_url(component: str, template: str | None = None) -> str:
    """Owner URL of one component's database.

    `<COMPONENT>_DATABASE_URL` wins; otherwise DATABASE_URL with `{service}`
    filled in. Without the placeholder every component would share one database,
    which the architecture forbids, so that is refused.
    """
    specific = os.environ.get(f"{component.upper()}_DATABASE_URL")
    if specific and template is None:
        return specific
    template = template or get("DATABASE_URL")
    if "{service}" not in template:
        raise RuntimeError(
            "DATABASE_URL must contain '{service}' (each service owns its database), "
            f"or set {component.upper()}_DATABASE_URL"
        )
    return template.replace("{service}", component)


def app_database_url(component: str, template: str | None = None) -> str:
    """URL the running service uses. On PostgreSQL it names the non-owner app role
    so that row-level security binds it; elsewhere it is the owner URL."""
    owner_url = database_url(component, template)
    if not owner_url.startswith("postgresql"):
        return owner_url
    parts = urlsplit(owner_url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    password = get("DATABASE_APP_PASSWORD")
    user = get("DATABASE_APP_USER") + (f":{password}" if password else "")
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


def nameko_config() -> dict[str, Any]:
    """The nameko config dict every service process starts with."""
    return {
        "AMQP_URI": get("AMQP_URI"),
        "max_workers": get_int("SERVICE_MAX_WORKERS"),
        "serializer": "json",
    }
