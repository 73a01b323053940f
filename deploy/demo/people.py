"""Tenants, accounts and memberships, through the gateway's identity rules.

Tenants and the log-in accounts go through `gateway.identity` exactly as the admin CLI does
(`create_tenant`, `create_user` with the demo password, `grant_membership`). The 44,200
residents are the exception in one respect only: they get no password. An argon2 hash costs
~50 ms of CPU by design, so hashing a password for each would take over half an hour on two
cores, and a demo resident never logs in. Their `password_hash` holds `!`, which is no argon2
hash: `identity.authenticate` refuses it like a wrong password (InvalidHashError), so these
accounts exist (for memberships, RPC calls acting as them, the figures) but cannot log in
until someone sets a password. Every other identity rule is applied as in `create_user` and
`grant_membership`: the phone format, the name length, a unique phone, known roles, an
existing tenant.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from deploy.demo.data import COMMUNITIES, OPERATOR, PARTNERS, Account, Resident, Size, communities
from gateway import identity, identity_events
from gateway.models import Membership, Tenant, User
from services.common import config
from services.common.context import ROLES
from services.common.database import make_engine, new_id
from services.common.errors import ValidationFailed

NO_PASSWORD = "!"  # never a valid argon2 hash: the account cannot log in
CHUNK = 2_000


def gateway_session() -> Session:
    engine = make_engine(config.database_url("gateway"), pool_size=1)
    return sessionmaker(engine, expire_on_commit=False)()


def ensure_tenants(session: Session, size: Size, extra: list[tuple[str, str]] | None = None) -> list[str]:
    """The communities, the partners and the operator; returns the ids created now."""
    wanted = [(tid, name, "community") for tid, name, _code in communities(size)]
    wanted += [(tid, name, "partner") for tid, name in PARTNERS]
    wanted.append((OPERATOR[0], OPERATOR[1], "operator"))
    wanted += [(tid, name, "community") for tid, name in (extra or [])]
    created = []
    with session.begin():
        existing = set(session.scalars(select(Tenant.id).where(Tenant.id.in_([w[0] for w in wanted]))))
        for tenant_id, name, kind in wanted:
            if tenant_id not in existing:
                identity.create_tenant(session=session, tenant_id=tenant_id, name=name, kind=kind)
                created.append(tenant_id)
    return created


def ensure_accounts(session: Session, accounts: list[Account]) -> dict[str, str]:
    """The log-in accounts (demo password), and those without one; returns phone → user id."""
    ids: dict[str, str] = ensure_residents(session, [a for a in accounts if not a.password])
    with session.begin():
        for account in (a for a in accounts if a.password):
            user = identity.find_user_by_phone(session=session, phone=account.phone)
            if user is None:
                user = identity.create_user(session=session, phone=account.phone, display_name=account.name,
                                            password=identity_password())
            identity.grant_membership(session=session, user_id=user.id, tenant_id=account.tenant_id,
                                      roles=list(account.roles))
            ids[account.phone] = user.id
    return ids


def identity_password() -> str:
    from deploy.demo.data import DEMO_PASSWORD

    return DEMO_PASSWORD


def _check(resident: Resident) -> None:
    # The same rules as identity.create_user and grant_membership, minus the password.
    errors = {}
    if not identity.PHONE.match(resident.phone):
        errors["phone"] = ["an 11-digit mobile number"]
    if not resident.name or len(resident.name) > 50:
        errors["display_name"] = ["1-50 characters"]
    if errors:
        raise ValidationFailed.from_messages(errors)


def ensure_residents(session: Session, residents: list[Resident] | list[Account], progress=None) -> dict[str, str]:
    """Residents without a password, each a `resident` member of their community (or with the
    roles an Account names); returns phone → user id. Existing phones are kept as they are (and
    get the membership if missing)."""
    ids: dict[str, str] = {}
    for start in range(0, len(residents), CHUNK):
        chunk = residents[start:start + CHUNK]
        with session.begin():
            tenants = {r.tenant_id for r in chunk}
            known = set(session.scalars(select(Tenant.id).where(Tenant.id.in_(tenants))))
            if tenants - known:
                raise ValidationFailed.from_messages({"tenant_id": [f"No tenant {', '.join(sorted(tenants - known))}"]})
            existing = dict(session.execute(
                select(User.phone, User.id).where(User.phone.in_([r.phone for r in chunk]))).all())
            members = set(session.execute(select(Membership.user_id, Membership.tenant_id).where(
                Membership.user_id.in_(list(existing.values())))).all()) if existing else set()
            new_users = []
            for resident in chunk:
                if resident.phone not in existing:
                    _check(resident)
                    user = User(id=new_id(), phone=resident.phone,
                                display_name=resident.name, password_hash=NO_PASSWORD)
                    new_users.append(user)
                    existing[resident.phone] = user.id
            session.add_all(new_users)
            session.flush()
            joined = []
            for r in chunk:
                roles = sorted(getattr(r, "roles", ("resident",)))
                if set(roles) - set(ROLES):
                    raise ValidationFailed.from_messages({"roles": [f"choose from {', '.join(ROLES)}"]})
                if (existing[r.phone], r.tenant_id) not in members:
                    joined.append(Membership(user_id=existing[r.phone], tenant_id=r.tenant_id, roles=roles))
            session.add_all(joined)
            identity_events.record_joined(session, joined)  # services learn of them as of any member
            ids.update({r.phone: existing[r.phone] for r in chunk})
        if progress is not None:
            progress.advance("residents", len(chunk))
    return ids


def memberships_by_tenant(session: Session, tenants: list[str]) -> dict[str, int]:
    """tenant → how many memberships identity holds there (what each service should come to know)."""
    from sqlalchemy import func

    with session.begin():
        return dict(session.execute(select(Membership.tenant_id, func.count()).where(Membership.tenant_id.in_(tenants))
                                    .group_by(Membership.tenant_id)).all())


__all__ = ["COMMUNITIES", "ensure_accounts", "ensure_residents", "ensure_tenants", "gateway_session",
           "memberships_by_tenant"]
