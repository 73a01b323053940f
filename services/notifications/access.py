"""Who may do what with notifications, built on services.common.access:

- a person reads and marks their own inbox, chooses their own preferences and push subscriptions;
- staff (the common STAFF_ROLES) broadcast, see deliveries and dead letters and retry them, see figures;
- a tenant admin sets the team's robot;
- the service's own timers and the test suite run deliveries and digests (staff may too, for their tenant).

Pure rules over a CallContext; no broker, no nameko.
"""

from __future__ import annotations

from services.common.access import STAFF_ROLES, is_staff, require_admin, require_staff
from services.common.context import CallContext

__all__ = ["SERVICE_ROLE", "is_service", "is_staff", "require_admin", "require_staff", "require_staff_or_service"]

# The role a service-internal call carries (docs/notifications.md, "service-to-service calls"); the
# gateway never puts it into a person's roles. The merge replaces this with services.common.access's.
SERVICE_ROLE = "service"


def is_service(ctx: CallContext) -> bool:
    return ctx.has_any_role(SERVICE_ROLE)


def require_staff_or_service(ctx: CallContext) -> str | None:
    """Staff, a tenant admin or a service (None then: no person is asking)."""
    if ctx.has_any_role(SERVICE_ROLE) and not ctx.has_any_role(*STAFF_ROLES):
        return None
    return require_staff(ctx)
