"""The audit log of privileged actions: who, what, when, in which tenant, on what.

Two ways in:
- actions the gateway itself performs (password changes, API keys, erasure, exports of another person,
  role grants from the admin CLI) call `record` in the same transaction as the action, so the entry and
  the change commit together;
- privileged calls that pass through the gateway to a service (staff awards and approvals, reversals,
  tenant settings, verifications, desk and council membership…) are listed in `PASS_THROUGH` by route
  endpoint; after the service answered with success, `record_pass_through` writes the entry.

The table is append-only: nothing here updates or deletes it, and on PostgreSQL a trigger refuses
UPDATE, DELETE and TRUNCATE to every role (migration 0003). Entries hold ids, never phone numbers or names.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.identity import Principal
from gateway.models import AuditEntry
from services.common.logging import get_logger
from services.common.pagination import Key, encode_cursor, keyset_page

log = get_logger(__name__)

# (endpoint, method) → (action, target type, view argument naming the target)
PASS_THROUGH: dict[tuple[str, str], tuple[str, str | None, str | None]] = {
    ("points.Awards", "POST"): ("points.award", "posting", None),  # or the award request awaiting approval
    ("points.Approval", "POST"): ("points.award_approve", "award_request", "request_id"),
    ("points.Rejection", "POST"): ("points.award_reject", "award_request", "request_id"),
    ("points.Reversal", "POST"): ("points.posting_reverse", "posting", "posting_id"),
    ("points.Settings", "PATCH"): ("points.settings_update", "tenant", None),
    ("points.Rules", "POST"): ("points.rule_create", "rule", None),
    ("points.Rule", "PATCH"): ("points.rule_update", "rule", "rule_id"),
    ("points.Agreement", "PUT"): ("points.agreement_set", "tenant", "partner_tenant_id"),
    ("points.Merchants", "POST"): ("points.merchant_create", "merchant", None),
    ("points.MerchantResource", "PATCH"): ("points.merchant_update", "merchant", "merchant_id"),
    ("jobs.EmployerVerification", "POST"): ("jobs.employer_decision", "employer", "employer_id"),
    ("jobs.Skills", "POST"): ("jobs.skill_create", "skill", None),
    ("jobs_desk.DeskMembersRoute", "POST"): ("jobs.desk_member_add", "desk_member", None),
    ("jobs_desk.RightsCaseAssignment", "POST"): ("jobs.rights_case_assign", "rights_case", "case_id"),
    ("training.Mentors", "POST"): ("training.mentor_add", "mentor", None),
    ("training.CertificateRevocation", "POST"): ("training.certificate_revoke", "certificate", "certificate_id"),
    ("training.ExamScore", "PUT"): ("training.exam_score_set", "enrolment", "enrolment_id"),
    ("governance.CouncilMembers", "POST"): ("governance.council_member_add", "council", "council_id"),
    ("governance.CouncilMemberItem", "DELETE"): ("governance.council_member_remove", "council_member", "member_id"),
    ("governance.CouncilSharing", "PUT"): ("governance.council_share", "council", "council_id"),
    ("governance.BranchMembers", "POST"): ("governance.branch_member_add", "branch", "branch_id"),
    ("governance.GridMembers", "POST"): ("governance.grid_member_add", "grid_member", None),
    ("governance.VoteClose", "POST"): ("governance.vote_close", "vote", "vote_id"),
    ("governance.SessionTallySignOff", "POST"): ("governance.tally_sign_off", "tally", "tally_id"),
    ("partners.Webhooks", "POST"): ("partners.webhook_create", "webhook", None),
    ("partners.Webhook", "DELETE"): ("partners.webhook_delete", "webhook", "subscription_id"),
    ("partners.WebhookReplay", "POST"): ("partners.webhook_replay", "webhook", "subscription_id"),
    ("partners.WebhookSecretRotation", "POST"): ("partners.webhook_secret_rotate", "webhook", "subscription_id"),
    ("notifications.Broadcasts", "POST"): ("notifications.broadcast_send", "broadcast", None),
    ("notifications.RetryDelivery", "POST"): ("notifications.delivery_retry", "delivery", "delivery_id"),
    ("notifications.TeamRobot", "PUT"): ("notifications.team_robot_set", "tenant", None),
    # The web client's staff pages make the same calls (a success there answers with a redirect).
    ("web.award", "POST"): ("points.award", "person", None),
    ("web.decide_award", "POST"): ("points.award_{decision}", "award_request", "request_id"),
    ("web.send_broadcast", "POST"): ("notifications.broadcast_send", "broadcast", None),
    ("web.retry_delivery", "POST"): ("notifications.delivery_retry", "delivery", "delivery_id"),
}
WEB_DECISIONS = ("approve", "reject")


def record(*, session: Session, tenant_id: str, actor: str, action: str, actor_roles: list[str] | None = None,
           target_type: str | None = None, target_id: str | None = None, detail: dict[str, Any] | None = None,
           request_id: str | None = None) -> AuditEntry:
    entry = AuditEntry(tenant_id=tenant_id, actor=actor, actor_roles=sorted(actor_roles or []), action=action,
                       target_type=target_type, target_id=target_id, detail=detail or {}, request_id=request_id)
    session.add(entry)
    session.flush()
    return entry


def record_for(principal: Principal, *, session: Session, action: str, request_id: str | None = None,
               tenant_id: str | None = None, **kwargs: Any) -> AuditEntry:
    return record(session=session, tenant_id=tenant_id or principal.tenant_id, actor=principal.subject,
                  actor_roles=sorted(principal.roles), action=action, request_id=request_id, **kwargs)


def pass_through_entry(*, endpoint: str | None, method: str, status: int, view_args: dict[str, Any] | None,
                       response_json: Any, form: dict[str, Any] | None = None
                       ) -> tuple[str, str | None, str | None, dict[str, Any]] | None:
    """What to record for a successful privileged call routed to a service, or None."""
    spec = PASS_THROUGH.get((endpoint or "", method))
    if spec is None or status >= 400:
        return None
    action, target_type, arg = spec
    if "{decision}" in action:
        decision = (view_args or {}).get("decision")
        if decision not in WEB_DECISIONS:
            return None
        action = action.format(decision=decision)
    target_id = (view_args or {}).get(arg) if arg else None
    detail: dict[str, Any] = {"status": status}
    if form and response_json is None:  # a web form: its ids and amounts, never its free text
        if target_id is None and form.get("user_id"):
            target_id = form["user_id"]
        for key in ("user_id", "amount"):
            if form.get(key):
                detail[key] = form[key]
    if isinstance(response_json, dict):
        # The answer itself, then what it wraps (an award answers {"outcome", "posting", "request"}).
        parts = [response_json] + [v for v in response_json.values() if isinstance(v, dict)]
        for part in parts:
            if target_id is None and part.get("id"):
                target_id = part["id"]
            for key in ("outcome", "user_id", "status", "amount", "kind"):
                value = part.get(key)
                if value is not None and key not in detail and not isinstance(value, (dict, list)):
                    detail[key] = value
    return action, target_type, str(target_id) if target_id is not None else None, detail


# --- reading ---------------------------------------------------------------------------


def _legacy(cursor: str) -> str:
    """A cursor in the format this list used before the common one (base64 of the last id) still works:
    it is turned into the common format; anything else is left to `decode_cursor` to judge."""
    try:
        return encode_cursor([int(base64.urlsafe_b64decode(cursor.encode()).decode())])
    except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
        return cursor


def entries(*, session: Session, tenant_id: str | None, action: str | None = None, actor: str | None = None,
            since: datetime | None = None, after: str | None = None, cursor: str | None = None, limit: int = 50
            ) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first. `tenant_id` None: every tenant (the operator). `cursor` is the deprecated name of
    `after`; `after` wins when both are given."""
    query = select(AuditEntry)
    if tenant_id is not None:
        query = query.where(AuditEntry.tenant_id == tenant_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if since:
        query = query.where(AuditEntry.at >= since)
    token, field = (after, "after") if after else (cursor, "cursor")
    page = keyset_page(session, query, keys=[Key(AuditEntry.id, descending=True)], limit=limit,
                       after=_legacy(token) if token else None, field=field)
    return [view(row) for row in page.items], page.next_cursor


def view(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at, "tenant_id": entry.tenant_id, "actor": entry.actor,
            "actor_roles": list(entry.actor_roles or []), "action": entry.action, "target_type": entry.target_type,
            "target_id": entry.target_id, "detail": entry.detail or {}, "request_id": entry.request_id}
