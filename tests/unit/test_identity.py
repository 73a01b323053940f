"""Identity rules: passwords, tokens and their misuse, API keys."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy.orm import sessionmaker

from gateway import identity
from gateway.models import Base
from services.common.database import make_engine
from services.common.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed

SETTINGS = identity.TokenSettings(secret="s" * 40, access_ttl=900, refresh_ttl=3600)


@pytest.fixture
def session():
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    db = sessionmaker(engine, expire_on_commit=False)()
    identity.create_tenant(session=db, tenant_id="xiangyang", name="向阳社区", kind="community")
    identity.create_tenant(session=db, tenant_id="dongxin", name="东新社区", kind="community")
    user = identity.create_user(session=db, phone="13900000001", display_name="王师傅", password="Courier2026")
    identity.grant_membership(session=db, user_id=user.id, tenant_id="xiangyang", roles=["resident"])
    yield db
    db.close()
    engine.dispose()


def test_passwords_are_stored_as_argon2_hashes(session):
    user = identity.find_user_by_phone(session=session, phone="13900000001")
    assert user.password_hash.startswith("$argon2id$")


def test_weak_passwords_and_duplicate_phones_are_refused(session):
    with pytest.raises(ValidationFailed) as caught:
        identity.create_user(session=session, phone="13900000002", display_name="x", password="12345678")
    assert "password" in caught.value.fields
    with pytest.raises(Conflict):
        identity.create_user(session=session, phone="13900000001", display_name="y", password="Another2026")


def test_wrong_password_and_unknown_phone_get_the_same_answer(session):
    with pytest.raises(Unauthenticated) as wrong:
        identity.authenticate(session=session, phone="13900000001", password="nope", tenant_id=None)
    with pytest.raises(Unauthenticated) as unknown:
        identity.authenticate(session=session, phone="13911111111", password="nope", tenant_id=None)
    assert str(wrong.value) == str(unknown.value)


def test_login_into_a_tenant_you_do_not_belong_to_is_refused(session):
    with pytest.raises(Forbidden):
        identity.authenticate(session=session, phone="13900000001", password="Courier2026", tenant_id="dongxin")


def _tokens(session):
    user, membership = identity.authenticate(session=session, phone="13900000001", password="Courier2026",
                                             tenant_id=None)
    return identity.issue_tokens(session=session, settings=SETTINGS, user_id=user.id,
                                 tenant_id=membership.tenant_id, roles=membership.roles)


def test_a_valid_access_token_names_user_tenant_and_roles(session):
    principal = identity.verify_access_token(session=session, settings=SETTINGS,
                                             token=_tokens(session)["access_token"])
    assert principal.tenant_id == "xiangyang" and principal.roles == {"resident"}


def test_alg_none_tokens_are_refused(session):
    claims = jwt.decode(_tokens(session)["access_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, key=None, algorithm="none")
    with pytest.raises(Unauthenticated):
        identity.verify_access_token(session=session, settings=SETTINGS, token=forged)


def test_tokens_signed_with_another_key_are_refused(session):
    claims = jwt.decode(_tokens(session)["access_token"], options={"verify_signature": False})
    claims["roles"] = ["operator"]
    forged = jwt.encode(claims, "another-key-" + "x" * 30, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        identity.verify_access_token(session=session, settings=SETTINGS, token=forged)


def test_expired_tokens_are_refused(session):
    claims = jwt.decode(_tokens(session)["access_token"], options={"verify_signature": False})
    claims["exp"] = datetime.now(UTC) - timedelta(seconds=5)
    expired = jwt.encode(claims, SETTINGS.secret, algorithm="HS256")
    with pytest.raises(Unauthenticated, match="expired"):
        identity.verify_access_token(session=session, settings=SETTINGS, token=expired)


def test_a_refresh_token_is_not_an_access_token(session):
    with pytest.raises(Unauthenticated):
        identity.verify_access_token(session=session, settings=SETTINGS, token=_tokens(session)["refresh_token"])


def test_refresh_rotates_and_reusing_a_spent_token_revokes_the_family(session):
    first = _tokens(session)
    second = identity.refresh_tokens(session=session, settings=SETTINGS, refresh_token=first["refresh_token"])
    with pytest.raises(identity.RefreshTokenReused) as reuse:
        identity.refresh_tokens(session=session, settings=SETTINGS, refresh_token=first["refresh_token"])
    identity.revoke_family(session=session, family_id=reuse.value.family_id)
    # the replay burnt the legitimate successor too
    with pytest.raises(Unauthenticated, match="revoked"):
        identity.refresh_tokens(session=session, settings=SETTINGS, refresh_token=second["refresh_token"])


def test_logout_revokes_the_access_token(session):
    tokens = _tokens(session)
    principal = identity.verify_access_token(session=session, settings=SETTINGS, token=tokens["access_token"])
    identity.logout(session=session, settings=SETTINGS, principal=principal, refresh_token=tokens["refresh_token"])
    with pytest.raises(Unauthenticated, match="revoked"):
        identity.verify_access_token(session=session, settings=SETTINGS, token=tokens["access_token"])
    with pytest.raises(Unauthenticated):
        identity.refresh_tokens(session=session, settings=SETTINGS, refresh_token=tokens["refresh_token"])


def test_api_keys_are_bound_to_their_tenant_and_can_be_revoked(session):
    key, secret = identity.issue_api_key(session=session, tenant_id="dongxin", name="hospital roster")
    assert key.secret_sha256 != secret and secret.startswith("fck_")
    principal = identity.verify_api_key(session=session, secret=secret)
    assert principal.tenant_id == "dongxin" and principal.roles == {"partner"}
    identity.revoke_api_key(session=session, key_id=key.id)
    with pytest.raises(Unauthenticated):
        identity.verify_api_key(session=session, secret=secret)


def test_the_credential_check_runs_in_autocommit_and_leaves_the_pool_transactional():
    """The per-request token check borrows a pooled connection in autocommit; the next request's own
    session on that connection must be transactional again, or its writes would commit one by one."""
    from flask import Flask

    from gateway import db

    app = Flask(__name__)
    app.extensions["fengchao.identity"] = store = db.IdentityStore("sqlite://")
    with app.app_context():
        with db.credential_check() as checking:
            checked_on = checking.connection().connection.dbapi_connection
            assert checked_on.isolation_level is None  # pysqlite's autocommit
        with store.factory() as later:
            reused = later.connection().connection.dbapi_connection
            assert reused is checked_on and reused.isolation_level is not None
    store.engine.dispose()
