"""Gateway settings, read once at app creation from the environment (services.common.config)."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.identity import TokenSettings
from services.common import config


@dataclass(frozen=True)
class GatewaySettings:
    amqp_uri: str
    database_url: str
    tokens: TokenSettings
    rpc_pool_size: int = 8
    rpc_timeout: float = 10.0
    max_body_bytes: int = 1 << 20

    @classmethod
    def from_env(cls) -> GatewaySettings:
        secret = config.get("JWT_SECRET")
        if len(secret) < 32:
            # Fail closed: a guessable or per-worker random key would either let
            # tokens be forged or make them fail on every other worker.
            raise RuntimeError("JWT_SECRET must be set to at least 32 random characters (make run generates one)")
        return cls(
            amqp_uri=config.get("AMQP_URI"),
            database_url=config.database_url("gateway"),
            tokens=TokenSettings(
                secret=secret,
                access_ttl=config.get_int("JWT_ACCESS_TTL"),
                refresh_ttl=config.get_int("JWT_REFRESH_TTL"),
            ),
            rpc_pool_size=config.get_int("RPC_POOL_SIZE"),
            rpc_timeout=config.get_float("RPC_TIMEOUT"),
            max_body_bytes=config.get_int("GATEWAY_MAX_BODY_BYTES"),
        )
