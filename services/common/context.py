"""The call context: who is asking, for which tenant.

The gateway puts these keys into nameko context data; nameko carries them in
message headers (`nameko.<key>`) through every RPC call and event a worker makes.
A service reads the tenant from here only, never from a payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.common.errors import Forbidden, TenantRequired

TENANT_KEY = "tenant_id"
USER_KEY = "user_id"
ROLES_KEY = "roles"
LOCALE_KEY = "locale"
REQUEST_ID_KEY = "request_id"

ROLES = ("resident", "staff", "tenant_admin", "employer", "merchant", "mentor", "partner", "operator")


@dataclass(frozen=True)
class CallContext:
    tenant_id: str | None = None
    user_id: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    locale: str = "zh-CN"
    request_id: str | None = None

    @classmethod
    def from_context_data(cls, data: dict[str, Any]) -> CallContext:
        raw_roles = data.get(ROLES_KEY) or ""
        if isinstance(raw_roles, (list, tuple)):
            roles = frozenset(raw_roles)
        else:
            roles = frozenset(r for r in str(raw_roles).split(",") if r)
        return cls(
            tenant_id=data.get(TENANT_KEY) or None,
            user_id=data.get(USER_KEY) or None,
            roles=roles,
            locale=data.get(LOCALE_KEY) or "zh-CN",
            request_id=data.get(REQUEST_ID_KEY) or None,
        )

    def to_context_data(self) -> dict[str, str]:
        """Header-safe form: strings only; absent values left out (nameko drops None)."""
        data = {
            TENANT_KEY: self.tenant_id,
            USER_KEY: self.user_id,
            ROLES_KEY: ",".join(sorted(self.roles)) if self.roles else None,
            LOCALE_KEY: self.locale,
            REQUEST_ID_KEY: self.request_id,
        }
        return {k: v for k, v in data.items() if v}

    @property
    def tenant(self) -> str:
        """The tenant, or TenantRequired: work without a tenant is refused."""
        if not self.tenant_id:
            raise TenantRequired("This operation needs a tenant in the call context")
        return self.tenant_id

    def has_any_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def require_role(self, *roles: str) -> None:
        if not self.has_any_role(*roles):
            raise Forbidden(f"Needs one of the roles: {', '.join(roles)}")

    def require_user(self) -> str:
        if not self.user_id:
            raise Forbidden("This operation needs a signed-in user")
        return self.user_id
