"""Who may do what with notifications, built on services.common.access:

- a person reads and marks their own inbox, chooses their own preferences and push subscriptions;
- staff (the common STAFF_ROLES) broadcast, see deliveries and dead letters and retry them, see figures;
- a tenant admin sets the team's robot;
- the service's own timer runs deliveries and digests; staff may too for their tenant, and so may another
  platform service (the role `service`, never grantable to a person) — the test suite calls them this way
  with a settable clock.

Pure rules over a CallContext; no broker, no nameko.
"""

from __future__ import annotations

from services.common.access import SERVICE_ROLE, is_staff, require_admin, require_staff, require_staff_or_service

__all__ = ["SERVICE_ROLE", "is_staff", "require_admin", "require_staff", "require_staff_or_service"]
