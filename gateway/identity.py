"""Identity rules: tenants, users, memberships, tokens and partner API keys.

Plain functions over a SQLAlchemy session, keyword-only, as every domain module here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.models import TENANT_KINDS, ApiKey, Membership, RefreshToken, RevokedAccessToken, Tenant, User
from services.common.context import ROLES
from services.common.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed

_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown phone as slow as a wrong
# password, so response time does not tell which phones are registered.
_DUMMY_HASH = _hasher.hash("fengchao-timing-equaliser")

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
PHONE = re.compile(r"^1\d{10}$")
ALGORITHM = "HS256"
API_KEY_PREFIX = "fck_"


class RefreshTokenReused(Unauthenticated):
    """A spent or revoked refresh token came back: stolen or replayed. The caller
    revokes `family_id` in a transaction of its own (this one rolls back)."""

    def __init__(self, family_id: str):
        super().__init__("Refresh token revoked")
        self.family_id = family_id


@dataclass(frozen=True)
class TokenSettings:
    secret: str
    access_ttl: int = 900
    refresh_ttl: int = 14 * 24 * 3600
    issuer: str = "fengchao"


@dataclass(frozen=True)
class Principal:
    """Who is calling, for which tenant, with which roles."""

    subject: str  # a user id, or "apikey:<id>"
    tenant_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    kind: str = "user"  # "user" | "api_key"
    token_id: str | None = None
    token_expires: datetime | None = None

    @property
    def user_id(self) -> str:
        return self.subject


def now() -> datetime:
    return datetime.now(timezone.utc)


# --- tenants, users, memberships --------------------------------------------------


def create_tenant(*, session: Session, tenant_id: str, name: str, kind: str) -> Tenant:
    errors = {}
    if not TENANT_ID.match(tenant_id or ""):
        errors["tenant_id"] = ["3-64 lowercase letters, digits or '-'"]
    if kind not in TENANT_KINDS:
        errors["kind"] = [f"one of {', '.join(TENANT_KINDS)}"]
    if not name or len(name) > 100:
        errors["name"] = ["1-100 characters"]
    if errors:
        raise ValidationFailed.from_messages(errors)
    if session.get(Tenant, tenant_id):
        raise Conflict(f"Tenant {tenant_id} exists")
    tenant = Tenant(id=tenant_id, name=name, kind=kind)
    session.add(tenant)
    session.flush()
    return tenant


def check_password_rules(password: str) -> list[str]:
    problems = []
    if len(password) < 8:
        problems.append("at least 8 characters")
    if len(password) > 128:
        problems.append("at most 128 characters")
    if password.isdigit() or password.isalpha():
        problems.append("mix letters and digits")
    return problems


def create_user(*, session: Session, phone: str, display_name: str, password: str) -> User:
    errors = {}
    if not PHONE.match(phone or ""):
        errors["phone"] = ["an 11-digit mobile number"]
    if not display_name or len(display_name) > 50:
        errors["display_name"] = ["1-50 characters"]
    if problems := check_password_rules(password or ""):
        errors["password"] = problems
    if errors:
        raise ValidationFailed.from_messages(errors)
    user = User(phone=phone, display_name=display_name, password_hash=_hasher.hash(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("This phone number is already registered") from None
    return user


def grant_membership(*, session: Session, user_id: str, tenant_id: str, roles: list[str]) -> Membership:
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValidationFailed.from_messages({"roles": [f"choose from {', '.join(ROLES)}"]})
    if session.get(Tenant, tenant_id) is None:
        raise NotFound(f"No tenant {tenant_id}")
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.tenant_id == tenant_id)
    )
    if membership is None:
        membership = Membership(user_id=user_id, tenant_id=tenant_id, roles=sorted(set(roles)))
        session.add(membership)
    else:
        membership.roles = sorted(set(membership.roles) | set(roles))
    session.flush()
    return membership


def find_user_by_phone(*, session: Session, phone: str) -> User | None:
    return session.scalar(select(User).where(User.phone == phone))


def authenticate(*, session: Session, phone: str, password: str, tenant_id: str | None) -> tuple[User, Membership]:
    """Phone and password, then the tenant to act in: the one named, or the only one."""
    user = find_user_by_phone(session=session, phone=phone or "")
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        user = None
    if user is None:
        raise Unauthenticated("Wrong phone number or password")
    memberships = {m.tenant_id: m for m in user.memberships}
    if tenant_id is None:
        if len(memberships) != 1:
            raise ValidationFailed.from_messages(
                {"tenant_id": [f"choose one of: {', '.join(sorted(memberships)) or '(none)'}"]}
            )
        tenant_id = next(iter(memberships))
    membership = memberships.get(tenant_id)
    if membership is None:
        raise Forbidden("You are not a member of this tenant")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user, membership


# --- tokens ---------------------------------------------------------------------


def issue_tokens(*, session: Session, settings: TokenSettings, user_id: str, tenant_id: str, roles: list[str],
                 family_id: str | None = None) -> dict:
    """An access token (short, stateless but revocable) and a refresh token (stored, rotating)."""
    issued = now()
    access_jti, refresh_jti = str(uuid.uuid4()), str(uuid.uuid4())
    common = {"sub": user_id, "tid": tenant_id, "iss": settings.issuer, "iat": issued}
    access = jwt.encode(
        {**common, "typ": "access", "roles": sorted(roles), "jti": access_jti,
         "exp": issued + timedelta(seconds=settings.access_ttl)},
        settings.secret, algorithm=ALGORITHM,
    )
    refresh_expires = issued + timedelta(seconds=settings.refresh_ttl)
    refresh = jwt.encode(
        {**common, "typ": "refresh", "jti": refresh_jti, "exp": refresh_expires}, settings.secret, algorithm=ALGORITHM
    )
    session.add(RefreshToken(jti=refresh_jti, family_id=family_id or refresh_jti, user_id=user_id,
                             tenant_id=tenant_id, expires_at=refresh_expires))
    session.flush()
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": settings.access_ttl,
        "tenant_id": tenant_id,
        "roles": sorted(roles),
    }


def _decode(token: str, settings: TokenSettings, expected_type: str) -> dict:
    try:
        # `algorithms` pinned: a token claiming alg "none" or RS256 is refused.
        claims = jwt.decode(
            token, settings.secret, algorithms=[ALGORITHM], issuer=settings.issuer,
            options={"require": ["exp", "iat", "sub", "jti", "tid", "typ"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("Token expired") from None
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"Invalid token: {exc}") from None
    if claims.get("typ") != expected_type:
        raise Unauthenticated(f"Not an {expected_type} token")
    return claims


def verify_access_token(*, session: Session, settings: TokenSettings, token: str) -> Principal:
    claims = _decode(token, settings, "access")
    if session.get(RevokedAccessToken, claims["jti"]) is not None:
        raise Unauthenticated("Token revoked")
    return Principal(
        subject=claims["sub"], tenant_id=claims["tid"], roles=frozenset(claims.get("roles", [])), kind="user",
        token_id=claims["jti"], token_expires=datetime.fromtimestamp(claims["exp"], timezone.utc),
    )


def refresh_tokens(*, session: Session, settings: TokenSettings, refresh_token: str) -> dict:
    """Rotate: the presented token is spent and a new pair issued. A spent or
    revoked token presented again raises RefreshTokenReused, and its whole
    family must then be revoked."""
    claims = _decode(refresh_token, settings, "refresh")
    stored = session.get(RefreshToken, claims["jti"], with_for_update=True)
    if stored is None:
        raise Unauthenticated("Unknown refresh token")
    if stored.revoked_at is not None:
        raise RefreshTokenReused(stored.family_id)
    stored.revoked_at = now()
    membership = session.scalar(
        select(Membership).where(Membership.user_id == stored.user_id, Membership.tenant_id == stored.tenant_id)
    )
    if membership is None:
        raise Unauthenticated("Membership ended")
    return issue_tokens(session=session, settings=settings, user_id=stored.user_id, tenant_id=stored.tenant_id,
                        roles=membership.roles, family_id=stored.family_id)


def revoke_family(*, session: Session, family_id: str) -> None:
    session.execute(
        update(RefreshToken).where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )


def logout(*, session: Session, settings: TokenSettings, principal: Principal, refresh_token: str | None) -> None:
    """Revokes the access token in hand and, if given, the refresh token's family."""
    if principal.token_id and session.get(RevokedAccessToken, principal.token_id) is None:
        session.add(RevokedAccessToken(jti=principal.token_id, expires_at=principal.token_expires or now()))
    if refresh_token:
        claims = _decode(refresh_token, settings, "refresh")
        if claims["sub"] != principal.subject:
            raise Forbidden("That refresh token is not yours")
        stored = session.get(RefreshToken, claims["jti"])
        if stored is not None:
            revoke_family(session=session, family_id=stored.family_id)
    session.flush()


# --- partner API keys ------------------------------------------------------------


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_key(*, session: Session, tenant_id: str, name: str, roles: list[str] | None = None) -> tuple[ApiKey, str]:
    """Returns the stored key and the secret, which is shown once and never stored.
    The secret has 256 bits of entropy, so a fast hash is as safe as a slow one."""
    if session.get(Tenant, tenant_id) is None:
        raise NotFound(f"No tenant {tenant_id}")
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(tenant_id=tenant_id, name=name, secret_sha256=_sha256(secret), roles=roles or ["partner"])
    session.add(key)
    session.flush()
    return key, secret


def verify_api_key(*, session: Session, secret: str) -> Principal:
    key = session.scalar(select(ApiKey).where(ApiKey.secret_sha256 == _sha256(secret or "")))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("Invalid API key")
    return Principal(subject=f"apikey:{key.id}", tenant_id=key.tenant_id, roles=frozenset(key.roles), kind="api_key")


def revoke_api_key(*, session: Session, key_id: str) -> None:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("No such API key")
    key.revoked_at = now()
    session.flush()
