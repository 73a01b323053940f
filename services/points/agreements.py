"""Cross-tenant acceptance: points of one community may be spent at a caring merchant of another
only while both tenants consent. Each tenant records its own side (`AgreementSide`, shared with
the partner so each can see the other's); the agreement is in force while both sides are active.
Either side can withdraw alone.

Pure rules over a tenant-scoped session; no broker, no nameko.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import Shareable
from services.common.errors import Conflict, ValidationFailed
from services.points import access, ledger
from services.points.contracts.messages import AGREEMENT_WITH_ITSELF, NO_AGREEMENT
from services.points.models import AgreementSide


def set_side(*, session: Session, ctx: CallContext, partner_tenant_id: str, active: bool,
             note: str | None = None) -> AgreementSide:
    """Our tenant consents to (or withdraws from) cross-tenant acceptance with a partner."""
    actor = access.require_staff(ctx)
    if partner_tenant_id == ctx.tenant:
        raise ValidationFailed.from_messages({"partner_tenant_id": [AGREEMENT_WITH_ITSELF]})
    side = ledger.get_or_create(session, AgreementSide,
                                {"tenant_id": ctx.tenant, "partner_tenant_id": partner_tenant_id},
                                {"active": active, "audience": Shareable.audience_for([partner_tenant_id])})
    side.active, side.note, side.decided_by = active, note, actor
    session.flush()
    return side


def sides(*, session: Session, ctx: CallContext) -> list[dict[str, Any]]:
    """Each partner with our consent and theirs, and whether the agreement is in force."""
    ctx.require_user()
    mine = {s.partner_tenant_id: s for s in session.scalars(
        select(AgreementSide).where(AgreementSide.tenant_id == ctx.tenant))}
    theirs = {s.tenant_id: s for s in session.scalars(
        select(AgreementSide).where(AgreementSide.partner_tenant_id == ctx.tenant))}
    result = []
    for partner in sorted(set(mine) | set(theirs)):
        ours, partners = mine.get(partner), theirs.get(partner)
        result.append({
            "partner_tenant_id": partner,
            "we_consent": bool(ours and ours.active),
            "partner_consents": bool(partners and partners.active),
            "in_force": bool(ours and ours.active and partners and partners.active),
            "note": ours.note if ours else None,
            "updated_at": ours.updated_at if ours else partners.updated_at,
        })
    return result


def in_force(*, session: Session, tenant_a: str, tenant_b: str) -> bool:
    """Both sides active. Readable from either tenant: each side is shared with the other."""
    if tenant_a == tenant_b:
        return True
    rows = session.scalars(select(AgreementSide).where(AgreementSide.active.is_(True), or_(
        and_(AgreementSide.tenant_id == tenant_a, AgreementSide.partner_tenant_id == tenant_b),
        and_(AgreementSide.tenant_id == tenant_b, AgreementSide.partner_tenant_id == tenant_a),
    ))).all()
    return len(rows) == 2


def require_in_force(*, session: Session, tenant_a: str, tenant_b: str) -> None:
    if not in_force(session=session, tenant_a=tenant_a, tenant_b=tenant_b):
        raise Conflict(NO_AGREEMENT,
                       {"state": "no_agreement", "tenants": sorted({tenant_a, tenant_b})})
