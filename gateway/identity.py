"""Identity rules: tenants, users, memberships, tokens and partner API keys.

Plain functions over a SQLAlchemy session, keyword-only, as every domain module here.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import identity_events, messages
from gateway.models import (
    TENANT_KINDS,
    ApiKey,
    LoginThrottle,
    Membership,
    RefreshToken,
    RevokedAccessToken,
    Tenant,
    User,
)
from services.common import config
from services.common.context import ROLES
from services.common.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from services.common.messages import Filled, Message
from services.common.personal_data import ERASED_NAME

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


class AccountDeactivated(Forbidden):
    """The password was right but the operator has deactivated the account. Told only to someone who
    knows the password, so it reveals no more than a right password already does."""

    code = "account_deactivated"
    title = "Account deactivated"


class LoginThrottled(Unauthenticated):
    """Too many failed sign-ins for this account or from this address: answered 429 with
    Retry-After (gateway.routes.auth registers the handler)."""

    status = 429
    code = "too_many_attempts"
    title = "Too many attempts"

    def __init__(self, retry_after: int, scope: str):
        super().__init__(f"Too many failed sign-ins; try again in {retry_after} s",
                         {"retry_after": retry_after, "scope": scope})
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottleSettings:
    account_max_failures: int = 5
    address_max_failures: int = 100
    window: int = 900
    lockout: int = 60
    lockout_max: int = 3600

    @classmethod
    def from_env(cls) -> ThrottleSettings:
        return cls(
            account_max_failures=config.get_int("LOGIN_ACCOUNT_MAX_FAILURES"),
            address_max_failures=config.get_int("LOGIN_ADDRESS_MAX_FAILURES"),
            window=config.get_int("LOGIN_FAILURE_WINDOW"),
            lockout=config.get_int("LOGIN_LOCKOUT_SECONDS"),
            lockout_max=config.get_int("LOGIN_LOCKOUT_MAX_SECONDS"),
        )


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
    # The sign-in session (refresh token family) an access token was minted from: logout ends it whole.
    family_id: str | None = None

    @property
    def user_id(self) -> str:
        return self.subject


def now() -> datetime:
    return datetime.now(UTC)


# --- tenants, users, memberships --------------------------------------------------


def create_tenant(*, session: Session, tenant_id: str, name: str, kind: str) -> Tenant:
    errors: dict[str, list[Message | Filled]] = {}
    if not TENANT_ID.match(tenant_id or ""):
        errors["tenant_id"] = [messages.TENANT_ID_FORMAT]
    if kind not in TENANT_KINDS:
        errors["kind"] = [messages.ONE_OF(choices=", ".join(TENANT_KINDS))]
    if not name or len(name) > 100:
        errors["name"] = [messages.NAME_LENGTH]
    if errors:
        raise ValidationFailed.from_messages(errors)
    if session.get(Tenant, tenant_id):
        raise Conflict(messages.TENANT_EXISTS, tenant_id=tenant_id)
    tenant = Tenant(id=tenant_id, name=name, kind=kind)
    session.add(tenant)
    session.flush()
    return tenant


# A small bundled list of the passwords most often seen in Chinese and English leaks that would
# otherwise pass the length and mix rules; compared case-insensitively. ("abc12345" belongs here too, but
# tests/unit/partners/test_inbound.py still signs its fixture up with it: add it once that test changes.)
COMMON_PASSWORDS = frozenset([
    "a1234567", "a12345678", "a123456789", "aa123456", "aa12345678", "abc123456", "abcd1234", "abcd12345", "asd12345",
    "asdf1234", "qwer1234", "qwe12345", "qwe123456", "qwerty12", "qwerty123", "qwerty1234", "1qaz2wsx", "1q2w3e4r",
    "1q2w3e4r5t", "zaq12wsx", "q1w2e3r4", "password1", "password12", "password123", "passw0rd", "p@ssw0rd",
    "p@ssword1", "iloveyou1", "iloveyou2", "woaini1314", "woaini520", "woaini123", "wangyu123", "li123456", "zhang123",
    "wang1234", "zxcvbnm1", "zxcvbnm123", "admin123", "admin1234", "admin888", "root1234", "test1234", "test12345",
    "welcome1", "welcome123", "letmein1", "monkey123", "dragon123", "master123", "sunshine1", "princess1", "football1",
    "baseball1", "shadow123", "superman1", "michael1", "computer1", "trustno1", "123456abc", "123456aa", "123456qq",
    "12345qwe", "123qweasd", "123qwe123", "1234qwer", "1234abcd", "11111111a", "88888888a", "66666666a", "5201314a",
    "a5201314", "aini1314", "qq123456", "qq1234567", "huawei123", "xiaomi123", "baidu123", "taobao123", "wechat123",
    "weixin123", "fengchao1", "fengchao123", "fengchao2025", "china123", "china2024", "beijing123", "shanghai1",
    "abc123abc", "abcabc123", "aaa111222", "a1b2c3d4", "a1b2c3d4e5", "1a2b3c4d",
])


def check_password_rules(password: str, *, phone: str | None = None) -> list[Message]:
    """What is wrong with a new password (empty: nothing). Not the phone number, not a common password."""
    problems = []
    if len(password) < 8:
        problems.append(messages.PASSWORD_TOO_SHORT)
    if len(password) > 128:
        problems.append(messages.PASSWORD_TOO_LONG)
    if password.isdigit() or password.isalpha():
        problems.append(messages.PASSWORD_MIX)
    if phone and (phone in password or (len(phone) >= 8 and phone[-8:] in password)):
        problems.append(messages.PASSWORD_HAS_PHONE)
    if password.lower() in COMMON_PASSWORDS:
        problems.append(messages.PASSWORD_TOO_COMMON)
    return problems


def create_user(*, session: Session, phone: str, display_name: str, password: str) -> User:
    errors: dict[str, list[Message]] = {}
    if not PHONE.match(phone or ""):
        errors["phone"] = [messages.PHONE_FORMAT]
    if not display_name or len(display_name) > 50:
        errors["display_name"] = [messages.DISPLAY_NAME_LENGTH]
    if problems := check_password_rules(password or "", phone=phone):
        errors["password"] = problems
    if errors:
        raise ValidationFailed.from_messages(errors)
    user = User(phone=phone, display_name=display_name, password_hash=_hasher.hash(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(messages.PHONE_ALREADY_REGISTERED) from None
    return user


def grant_membership(*, session: Session, user_id: str, tenant_id: str, roles: list[str]) -> Membership:
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValidationFailed.from_messages({"roles": [messages.CHOOSE_FROM(choices=", ".join(ROLES))]})
    if session.get(Tenant, tenant_id) is None:
        raise NotFound(messages.NO_TENANT, tenant_id=tenant_id)
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.tenant_id == tenant_id)
    )
    # A new account is announced here, on joining its first tenant: services know people by tenant.
    if membership is None:
        membership = Membership(user_id=user_id, tenant_id=tenant_id, roles=sorted(set(roles)))
        session.add(membership)
        identity_events.record(session, "member_joined", {"user_id": user_id}, tenant_id)
        identity_events.record_contact(session, user_id, tenant_id)  # the community may now text them
    elif set(roles) - set(membership.roles):
        membership.roles = sorted(set(membership.roles) | set(roles))
        identity_events.record(session, "member_role_granted", {"user_id": user_id}, tenant_id)
    session.flush()
    return membership


def change_phone(*, session: Session, user_id: str, phone: str) -> tuple[User, bool]:
    """A person's new mobile number (their sign-in name too). Returns the user and whether it changed; each
    community they belong to hears it once (`contact_changed`, for text messages)."""
    if not PHONE.match(phone or ""):
        raise ValidationFailed.from_messages({"phone": [messages.PHONE_FORMAT]})
    user = _account(session, user_id)
    if user.phone == phone:
        return user, False
    user.phone = phone
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(messages.PHONE_ALREADY_REGISTERED) from None
    identity_events.record_contact_everywhere(session, user.id)
    return user, True


def find_user_by_phone(*, session: Session, phone: str) -> User | None:
    return session.scalar(select(User).where(User.phone == phone))


# --- revocation: roles, memberships, accounts --------------------------------------------------
# Each takes effect on the next request: the per-request credential check (verify_access_token) reads the
# membership's roles and the account's state in the same statement as the deny list and token version.


def _membership(session: Session, user_id: str, tenant_id: str, *, lock: bool = False) -> Membership | None:
    query = select(Membership).where(Membership.user_id == user_id, Membership.tenant_id == tenant_id)
    return session.scalar(query.with_for_update() if lock else query)


def remove_role(*, session: Session, user_id: str, tenant_id: str, role: str) -> tuple[Membership, bool]:
    """Take one role from a member of a tenant. Returns the membership and whether it changed: removing a
    role the member does not hold changes nothing (idempotent). A member's only role cannot be removed
    (a membership without a role means nothing): remove the membership instead. Tokens already issued
    stop carrying the role on their next request; refreshing issues tokens without it."""
    if role not in ROLES:
        raise ValidationFailed.from_messages({"role": [messages.CHOOSE_FROM(choices=", ".join(ROLES))]})
    membership = _membership(session, user_id, tenant_id, lock=True)
    if membership is None:
        raise NotFound(messages.NO_SUCH_MEMBER)
    if role not in membership.roles:
        return membership, False
    if set(membership.roles) == {role}:
        raise Conflict(messages.ONLY_ROLE, {"role": role})
    membership.roles = sorted(set(membership.roles) - {role})  # a new list: JSON columns track assignment
    session.flush()
    identity_events.record(session, "member_role_removed", {"user_id": user_id}, tenant_id)
    return membership, True


def remove_membership(*, session: Session, user_id: str, tenant_id: str) -> bool:
    """End a person's membership of a tenant; True when there was one (calling again changes nothing).
    The person's sign-in sessions in that tenant end with it: their refresh tokens are revoked, so
    neither a refresh nor an access token minted from one works there any more. The account and its
    other memberships stay."""
    membership = _membership(session, user_id, tenant_id, lock=True)
    if membership is None:
        return False
    session.delete(membership)
    session.execute(update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.tenant_id == tenant_id,
                                               RefreshToken.revoked_at.is_(None)).values(revoked_at=now()))
    session.flush()
    if (user := session.get(User, user_id)) is not None:
        session.expire(user, ["memberships"])  # a caller reading them next must not see the ended one
    # the community's services forget the name with the membership (an erasure ends memberships this way too)
    identity_events.record(session, "member_left", {"user_id": user_id, "display_name": None}, tenant_id)
    identity_events.record_contact(session, user_id, tenant_id, remove=True)  # and the phone
    return True


def _account(session: Session, user_id: str) -> User:
    user = session.get(User, user_id, with_for_update=True)
    if user is None or user.erased_at is not None:
        raise NotFound(messages.NO_SUCH_ACCOUNT)
    return user


def deactivate_user(*, session: Session, user_id: str) -> tuple[User, bool]:
    """Suspend an account (the operator's decision; not erasure: nothing is deleted, and
    reactivate_user undoes it). Sign-in is refused, every token stops working on its next request and
    every refresh token is revoked, so reactivation means signing in again. Returns the user and whether
    it changed (deactivating a deactivated account changes nothing)."""
    user = _account(session, user_id)
    if user.deactivated_at is not None:
        return user, False
    user.deactivated_at = now()
    revoke_all_tokens(session=session, user=user)
    identity_events.record_everywhere(session, "account_deactivated", {"user_id": user_id})
    return user, True


def reactivate_user(*, session: Session, user_id: str) -> tuple[User, bool]:
    """Lift a deactivation: the person can sign in again (their old tokens stay revoked). Returns the user
    and whether it changed."""
    user = _account(session, user_id)
    if user.deactivated_at is None:
        return user, False
    user.deactivated_at = None
    session.flush()
    identity_events.record_everywhere(session, "account_reactivated", {"user_id": user_id})
    return user, True


# The languages a person may choose for themselves (the members table's `locale`; messages follow it).
ACCOUNT_LOCALES = ("zh-CN", "en")


def set_locale(*, session: Session, user_id: str, locale: str) -> tuple[User, bool]:
    """The language the person chose (the pages' language switch). Returns the user and whether it changed;
    a change is announced in every community they belong to (`member_profile_changed`, `changed: ["locale"]`),
    so each service's members table has it and later messages are written in it."""
    if locale not in ACCOUNT_LOCALES:
        raise ValueError(f"not a language a person may choose: {locale!r}")
    user = _account(session, user_id)
    if user.locale == locale:
        return user, False
    user.locale = locale
    session.flush()
    identity_events.record_everywhere(session, "member_profile_changed", {"user_id": user_id, "changed": ["locale"]})
    return user, True


def _account_key(phone: str) -> str:
    # The phone number itself is not kept in the throttle table: a hash names the account.
    return "account:" + hashlib.sha256((phone or "").encode()).hexdigest()[:40]


def _retry_after(row: LoginThrottle | None, at: datetime) -> int:
    if row is None or row.locked_until is None or row.locked_until <= at:
        return 0
    return max(1, math.ceil((row.locked_until - at).total_seconds()))


def check_throttle(*, session: Session, phone: str, address: str | None,
                   settings: ThrottleSettings | None = None) -> None:
    """Raise LoginThrottled while the account or the address is locked out."""
    at = now()
    keys = [(_account_key(phone), "account")] + ([(f"address:{address}", "address")] if address else [])
    for key, scope in keys:
        wait = _retry_after(session.get(LoginThrottle, key, populate_existing=True), at)
        if wait:
            raise LoginThrottled(wait, scope)


def _locked_row(session: Session, key: str, at: datetime) -> LoginThrottle:
    """The throttle row for `key`, created if missing, locked FOR UPDATE so that concurrent
    failures in several processes count one by one."""
    dialect = session.get_bind().dialect.name
    values = {"key": key, "failures": 0, "window_started_at": at, "lockouts": 0, "updated_at": at}
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(LoginThrottle).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    return session.get_one(LoginThrottle, key, with_for_update=True, populate_existing=True)


def record_failure(*, session: Session, phone: str, address: str | None,
                   settings: ThrottleSettings | None = None) -> None:
    """Count a failed sign-in; past the limit, lock the account (or address) out for a time that
    doubles with each lock-out, up to the ceiling. The caller commits this on its own, even though
    the sign-in itself fails."""
    settings = settings or ThrottleSettings.from_env()
    at = now()
    limits = [(_account_key(phone), settings.account_max_failures)]
    if address:
        limits.append((f"address:{address}", settings.address_max_failures))
    for key, limit in limits:
        row = _locked_row(session, key, at)
        if row.window_started_at <= at - timedelta(seconds=settings.window):
            row.failures, row.window_started_at = 0, at
        row.failures += 1
        row.updated_at = at
        if row.failures >= limit:
            row.lockouts += 1
            row.locked_until = at + timedelta(
                seconds=min(settings.lockout * 2 ** (row.lockouts - 1), settings.lockout_max))
            row.failures, row.window_started_at = 0, at
    # Rows idle for a day carry nothing worth keeping (they hold a client address).
    session.execute(delete(LoginThrottle).where(LoginThrottle.updated_at < at - timedelta(days=1),
                                                LoginThrottle.key.notin_([k for k, _ in limits])))
    session.flush()


def _request_address() -> str | None:
    from flask import has_request_context  # only when called while serving a request

    if not has_request_context():
        return None
    from gateway.auth import client_address

    return client_address()


def authenticate(*, session: Session, phone: str, password: str, tenant_id: str | None,
                 address: str | None = None, throttle: ThrottleSettings | None = None) -> tuple[User, Membership]:
    """Phone and password, then the tenant to act in: the one named, or the only one.

    Locked-out accounts and addresses are refused (LoginThrottled) before the password is looked at;
    a wrong password is counted in a transaction of its own, so it stays counted though this one
    rolls back. `address` defaults to the client address of the web request being served, so the web
    client's sign-in form is counted per address as the API is."""
    if address is None:
        address = _request_address()
    check_throttle(session=session, phone=phone or "", address=address)
    user = find_user_by_phone(session=session, phone=phone or "")
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or user.erased_at is not None:
        with Session(bind=session.get_bind()) as counter, counter.begin():
            record_failure(session=counter, phone=phone or "", address=address, settings=throttle)
        raise Unauthenticated(messages.WRONG_PHONE_OR_PASSWORD)
    if user.deactivated_at is not None:
        raise AccountDeactivated(messages.ACCOUNT_DEACTIVATED_ASK)
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == _account_key(phone)))
    memberships = {m.tenant_id: m for m in user.memberships}
    if tenant_id is None:
        if len(memberships) != 1:
            raise ValidationFailed.from_messages(
                {"tenant_id": [messages.CHOOSE_TENANT(choices=", ".join(sorted(memberships)) or "(none)")]}
            )
        tenant_id = next(iter(memberships))
    membership = memberships.get(tenant_id)
    if membership is None:
        raise Forbidden(messages.NOT_A_MEMBER_OF_TENANT)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user, membership


def confirm_password(*, session: Session, user_id: str, password: str) -> User:
    """The signed-in user proves it is them again (before erasure)."""
    user = session.get(User, user_id)
    if user is None or user.erased_at is not None:
        raise NotFound(messages.NO_SUCH_USER)
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise ValidationFailed.from_messages({"password": [messages.NOT_CURRENT_PASSWORD]}) from None
    return user


def change_password(*, session: Session, user_id: str, current_password: str, new_password: str) -> User:
    """A new password after the current one is proven. Every token issued before stops working:
    the user's token version goes up (access tokens) and all refresh tokens are revoked."""
    user = session.get(User, user_id, with_for_update=True)
    if user is None or user.erased_at is not None:
        raise NotFound(messages.NO_SUCH_USER)
    try:
        _hasher.verify(user.password_hash, current_password or "")
    except (VerificationError, InvalidHashError):
        raise ValidationFailed.from_messages({"current_password": [messages.NOT_CURRENT_PASSWORD]}) from None
    problems = check_password_rules(new_password or "", phone=user.phone)
    if new_password == current_password:
        problems.append(messages.PASSWORD_SAME)
    if problems:
        raise ValidationFailed.from_messages({"new_password": problems})
    user.password_hash = _hasher.hash(new_password)
    user.password_changed_at = now()
    revoke_all_tokens(session=session, user=user)
    return user


def revoke_all_tokens(*, session: Session, user: User) -> None:
    user.token_version = (user.token_version or 0) + 1
    session.execute(update(RefreshToken).where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=now()))
    session.flush()


def erase_identity(*, session: Session, user: User) -> None:
    """Pseudonymise the identity record: no phone, name or password remains, every token stops
    working, memberships end. The row keeps its id, so the audit log still names who acted."""
    user.phone = "erased-" + secrets.token_hex(6)  # unique, and no phone number can match it
    user.display_name = ERASED_NAME
    user.password_hash = "!erased"
    user.erased_at = now()
    for tenant_id in [m.tenant_id for m in user.memberships]:
        remove_membership(session=session, user_id=user.id, tenant_id=tenant_id)  # the one way a membership ends
    revoke_all_tokens(session=session, user=user)
    identity_events.forget_phone(session, user.id)  # no phone stays behind in the identity outbox either
    session.expire(user, ["memberships"])


# --- tokens ---------------------------------------------------------------------


def issue_tokens(*, session: Session, settings: TokenSettings, user_id: str, tenant_id: str, roles: list[str],
                 family_id: str | None = None) -> dict[str, Any]:
    """An access token (short, stateless but revocable) and a refresh token (stored, rotating)."""
    issued = now()
    access_jti, refresh_jti = str(uuid.uuid4()), str(uuid.uuid4())
    family_id = family_id or refresh_jti
    user = session.get(User, user_id)
    common = {"sub": user_id, "tid": tenant_id, "iss": settings.issuer, "iat": issued,
              "ver": user.token_version if user else 0}
    access = jwt.encode(
        {**common, "typ": "access", "roles": sorted(roles), "jti": access_jti, "fam": family_id,
         "exp": issued + timedelta(seconds=settings.access_ttl)},
        settings.secret, algorithm=ALGORITHM,
    )
    refresh_expires = issued + timedelta(seconds=settings.refresh_ttl)
    refresh = jwt.encode(
        {**common, "typ": "refresh", "jti": refresh_jti, "exp": refresh_expires}, settings.secret, algorithm=ALGORITHM
    )
    session.add(RefreshToken(jti=refresh_jti, family_id=family_id, user_id=user_id,
                             tenant_id=tenant_id, expires_at=refresh_expires))
    # Retention (docs/privacy.md): an expired token is refused by its signature's `exp` already, so its row
    # carries nothing; the person's expired refresh tokens go here (expired revocations at logout).
    session.execute(delete(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.expires_at < issued))
    session.flush()
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": settings.access_ttl,
        "tenant_id": tenant_id,
        "roles": sorted(roles),
    }


def _decode(token: str, settings: TokenSettings, expected_type: str) -> dict[str, Any]:
    try:
        # `algorithms` pinned: a token claiming alg "none" or RS256 is refused.
        claims = jwt.decode(
            token, settings.secret, algorithms=[ALGORITHM], issuer=settings.issuer,
            options={"require": ["exp", "iat", "sub", "jti", "tid", "typ"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated(messages.TOKEN_EXPIRED) from None
    except jwt.PyJWTError as exc:
        raise Unauthenticated(messages.TOKEN_INVALID, reason=str(exc)) from None
    if claims.get("typ") != expected_type:
        raise Unauthenticated(messages.TOKEN_WRONG_TYPE, expected=expected_type)
    return claims


# What may have changed since an access token was issued, as ONE statement (every request runs it, in
# autocommit: one round trip, nothing cached): whether the token is on the logout deny list, whether its
# sign-in session (refresh family) still has a live refresh token, the user's token version (password change,
# erasure, deactivation raise it) and deactivation, and the roles the user holds now in the token's tenant
# (NULL when the membership is gone). Built once with bound parameters: building it per request cost more
# Python time than the statement costs the database.
_STANDING = (
    select(User.token_version, User.deactivated_at,
           exists().where(RevokedAccessToken.jti == bindparam("jti")),
           exists().where(RefreshToken.family_id == bindparam("fam"), RefreshToken.revoked_at.is_(None)),
           Membership.roles)
    .outerjoin(Membership, (Membership.user_id == User.id) & (Membership.tenant_id == bindparam("tid")))
    .where(User.id == bindparam("sub"))
)


def verify_access_token(*, session: Session, settings: TokenSettings, token: str) -> Principal:
    """A valid signature is not enough: the token is refused (401) once it was logged out, its session
    ended (logout, refresh-token reuse), the password changed, the account was erased or deactivated, or
    the membership of its tenant was removed. A role removed since the token was issued is not honoured:
    the principal holds the token's roles that the membership still has (never more than the token says,
    so a role granted since arrives with the next refresh)."""
    claims = _decode(token, settings, "access")
    if not claims.get("fam"):
        # Minted before tokens named their session (at most one access TTL before this version): without a
        # family it cannot be logged out with its session, so the client refreshes.
        raise Unauthenticated(messages.TOKEN_REVOKED)
    # On the session's connection, as Core: the ORM's result machinery adds nothing to five plain columns.
    row = session.connection().execute(_STANDING, {key: claims[key] for key in ("jti", "fam", "tid", "sub")}).first()
    if row is None:
        raise Unauthenticated(messages.TOKEN_REVOKED)
    version, deactivated_at, denied, live_family, member_roles = row
    if denied or not live_family or version is None or claims.get("ver", 0) != version:
        raise Unauthenticated(messages.TOKEN_REVOKED)
    if deactivated_at is not None:
        raise Unauthenticated(messages.ACCOUNT_DEACTIVATED)
    roles = frozenset(claims.get("roles", [])) & frozenset(member_roles or ())
    if not roles:
        raise Unauthenticated(messages.MEMBERSHIP_ENDED)
    return Principal(
        subject=claims["sub"], tenant_id=claims["tid"], roles=roles, kind="user", token_id=claims["jti"],
        token_expires=datetime.fromtimestamp(claims["exp"], UTC), family_id=claims["fam"],
    )


def _check_version(session: Session, claims: dict[str, Any]) -> None:
    """A refresh token from before the user's last password change (or erasure, or deactivation) is
    refused, and so is any refresh token of a deactivated account."""
    row = session.execute(select(User.token_version, User.deactivated_at).where(User.id == claims["sub"])).first()
    if row is None or claims.get("ver", 0) != row.token_version:
        raise Unauthenticated(messages.TOKEN_REVOKED)
    if row.deactivated_at is not None:
        raise Unauthenticated(messages.ACCOUNT_DEACTIVATED)


def refresh_tokens(*, session: Session, settings: TokenSettings, refresh_token: str) -> dict[str, Any]:
    """Rotate: the presented token is spent and a new pair issued, with the roles the membership holds now.
    A spent or revoked token presented again raises RefreshTokenReused, and its whole family must then be
    revoked (revoke_family: the access tokens minted from it stop working too). A deactivated account or
    an ended membership gets no new pair."""
    claims = _decode(refresh_token, settings, "refresh")
    stored = session.get(RefreshToken, claims["jti"], with_for_update=True)
    if stored is None:
        raise Unauthenticated(messages.UNKNOWN_REFRESH_TOKEN)
    if stored.revoked_at is not None:
        raise RefreshTokenReused(stored.family_id)
    _check_version(session, claims)
    stored.revoked_at = now()
    membership = _membership(session, stored.user_id, stored.tenant_id)
    if membership is None:
        raise Unauthenticated(messages.MEMBERSHIP_ENDED)
    return issue_tokens(session=session, settings=settings, user_id=stored.user_id, tenant_id=stored.tenant_id,
                        roles=membership.roles, family_id=stored.family_id)


def revoke_family(*, session: Session, family_id: str) -> None:
    """End a sign-in session: its refresh tokens are revoked, and with no live refresh token left every
    access token minted from the family ("fam") is refused by the credential check on its next request."""
    session.execute(
        update(RefreshToken).where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )


def logout(*, session: Session, settings: TokenSettings, principal: Principal, refresh_token: str | None) -> None:
    """Ends the session of the access token in hand: the token itself (deny list) and its whole family —
    every refresh token of it, and so every access token minted from it. A refresh token sent along ends
    its own family too (it may be another session of the same person)."""
    session.execute(delete(RevokedAccessToken).where(RevokedAccessToken.expires_at < now()))
    if principal.token_id and session.get(RevokedAccessToken, principal.token_id) is None:
        session.add(RevokedAccessToken(jti=principal.token_id, expires_at=principal.token_expires or now()))
    if principal.family_id:
        revoke_family(session=session, family_id=principal.family_id)
    if refresh_token:
        claims = _decode(refresh_token, settings, "refresh")
        if claims["sub"] != principal.subject:
            raise Forbidden(messages.REFRESH_TOKEN_NOT_YOURS)
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
        raise NotFound(messages.NO_TENANT, tenant_id=tenant_id)
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(tenant_id=tenant_id, name=name, secret_sha256=_sha256(secret), roles=roles or ["partner"])
    session.add(key)
    session.flush()
    return key, secret


def verify_api_key(*, session: Session, secret: str) -> Principal:
    key = session.scalar(select(ApiKey).where(ApiKey.secret_sha256 == _sha256(secret or "")))
    if key is None or key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now()):
        raise Unauthenticated(messages.INVALID_API_KEY)
    return Principal(subject=f"apikey:{key.id}", tenant_id=key.tenant_id, roles=frozenset(key.roles), kind="api_key")


def _tenant_key(session: Session, key_id: str, tenant_id: str | None, *, lock: bool = False) -> ApiKey:
    key = session.get(ApiKey, key_id, with_for_update=lock)
    if key is None or (tenant_id is not None and key.tenant_id != tenant_id):
        raise NotFound(messages.NO_SUCH_API_KEY)  # another tenant's key is not disclosed
    return key


def revoke_api_key(*, session: Session, key_id: str, tenant_id: str | None = None) -> ApiKey:
    key = _tenant_key(session, key_id, tenant_id)
    if key.revoked_at is None:
        key.revoked_at = now()
    session.flush()
    return key


def rotate_api_key(*, session: Session, key_id: str, tenant_id: str | None = None,
                   grace_seconds: int | None = None) -> tuple[ApiKey, str, ApiKey]:
    """A new key with the old one's tenant, name and roles; the old key keeps working for the grace
    period (API_KEY_GRACE_SECONDS) so the partner can switch, then is refused. Returns the new key,
    its secret (shown once) and the old key."""
    old = _tenant_key(session, key_id, tenant_id, lock=True)
    at = now()
    if old.revoked_at is not None or old.replaced_by is not None or (old.expires_at and old.expires_at <= at):
        raise Conflict(messages.KEY_ALREADY_REPLACED, {"replaced_by": old.replaced_by})
    new, secret = issue_api_key(session=session, tenant_id=old.tenant_id, name=old.name, roles=list(old.roles))
    grace = config.get_int("API_KEY_GRACE_SECONDS") if grace_seconds is None else grace_seconds
    old.expires_at = at + timedelta(seconds=max(0, grace))
    old.replaced_by = new.id
    session.flush()
    return new, secret, old


def list_api_keys(*, session: Session, tenant_id: str) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at)))


def api_key_view(key: ApiKey) -> dict[str, Any]:
    at = now()
    state = ("revoked" if key.revoked_at else "expired" if key.expires_at and key.expires_at <= at
             else "grace" if key.expires_at else "active")
    return {"key_id": key.id, "tenant_id": key.tenant_id, "name": key.name, "roles": list(key.roles),
            "created_at": key.created_at, "expires_at": key.expires_at, "revoked_at": key.revoked_at,
            "replaced_by": key.replaced_by, "state": state}
