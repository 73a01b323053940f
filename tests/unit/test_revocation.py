"""Revocation takes effect at once (gateway identity rules, SQLite): removing a role or a membership,
deactivating an account, logging out and refresh-token reuse are seen by the very next credential check,
which stays one statement."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import event

from gateway import identity
from gateway.models import Membership
from services.common.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from tests.support.sessions import gateway_database

TOKENS = identity.TokenSettings(secret="s" * 40)
STAFF_PHONE, OTHER_PHONE = "13900000011", "13900000012"
PASSWORD = "Courier2026"


@pytest.fixture
def session(tmp_path):
    with gateway_database(tmp_path) as db:
        with db.begin():
            staff = identity.create_user(session=db, phone=STAFF_PHONE, display_name="张主任", password=PASSWORD)
            identity.grant_membership(session=db, user_id=staff.id, tenant_id="xiangyang", roles=["resident", "staff"])
            identity.grant_membership(session=db, user_id=staff.id, tenant_id="dongxin", roles=["resident"])
            other = identity.create_user(session=db, phone=OTHER_PHONE, display_name="王师傅", password=PASSWORD)
            identity.grant_membership(session=db, user_id=other.id, tenant_id="xiangyang", roles=["resident"])
        yield db


def _user_id(session, phone=STAFF_PHONE) -> str:
    with session.begin():
        return identity.find_user_by_phone(session=session, phone=phone).id


def _pair(session, tenant_id="xiangyang", phone=STAFF_PHONE) -> dict:
    with session.begin():
        user, membership = identity.authenticate(session=session, phone=phone, password=PASSWORD,
                                                 tenant_id=tenant_id, address="10.0.0.1")
        return identity.issue_tokens(session=session, settings=TOKENS, user_id=user.id, tenant_id=tenant_id,
                                     roles=membership.roles)


def _verify(session, token: str) -> identity.Principal:
    with session.begin():
        return identity.verify_access_token(session=session, settings=TOKENS, token=token)


def _refused(session, token: str) -> str:
    with pytest.raises(Unauthenticated) as refused:
        _verify(session, token)
    return refused.value.detail


def _refresh(session, refresh_token: str) -> dict:
    with session.begin():
        return identity.refresh_tokens(session=session, settings=TOKENS, refresh_token=refresh_token)


def test_the_credential_check_is_one_statement(session):
    pair = _pair(session)
    statements = []
    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with session.begin():
        statements.clear()  # the BEGIN of the session is not the check's
        identity.verify_access_token(session=session, settings=TOKENS, token=pair["access_token"])
    assert len(statements) == 1, statements
    assert all(table in statements[0] for table in ("users", "memberships", "revoked_access_tokens",
                                                    "refresh_tokens"))


def test_a_removed_role_is_not_honoured_on_the_next_request_and_refresh_issues_tokens_without_it(session):
    pair, user_id = _pair(session), _user_id(session)
    assert _verify(session, pair["access_token"]).roles == {"resident", "staff"}
    with session.begin():
        membership, changed = identity.remove_role(session=session, user_id=user_id,
                                                   tenant_id="xiangyang", role="staff")
    assert changed and membership.roles == ["resident"]
    assert _verify(session, pair["access_token"]).roles == {"resident"}
    assert _refresh(session, pair["refresh_token"])["roles"] == ["resident"]


def test_a_role_granted_after_the_token_was_issued_arrives_with_the_next_refresh_not_before(session):
    pair, user_id = _pair(session), _user_id(session)
    with session.begin():
        identity.grant_membership(session=session, user_id=user_id, tenant_id="xiangyang",
                                  roles=["tenant_admin"])
    assert "tenant_admin" not in _verify(session, pair["access_token"]).roles  # never more than the token says
    assert "tenant_admin" in _refresh(session, pair["refresh_token"])["roles"]


def test_removing_a_role_is_idempotent_and_refuses_the_only_role_an_unknown_role_and_a_non_member(session):
    user_id, other_id = _user_id(session), _user_id(session, OTHER_PHONE)
    with session.begin():
        identity.remove_role(session=session, user_id=user_id, tenant_id="xiangyang", role="staff")
        membership, changed = identity.remove_role(session=session, user_id=user_id, tenant_id="xiangyang",
                                                   role="staff")
    assert not changed and membership.roles == ["resident"]
    with pytest.raises(Conflict), session.begin():
        identity.remove_role(session=session, user_id=user_id, tenant_id="xiangyang", role="resident")
    with pytest.raises(ValidationFailed) as unknown, session.begin():
        identity.remove_role(session=session, user_id=user_id, tenant_id="xiangyang", role="mayor")
    assert "role" in unknown.value.fields
    with pytest.raises(NotFound), session.begin():
        identity.remove_role(session=session, user_id=other_id, tenant_id="dongxin", role="resident")


def test_a_removed_membership_refuses_its_tokens_and_refresh_and_leaves_the_other_tenant_alone(session):
    here, there = _pair(session, "xiangyang"), _pair(session, "dongxin")
    user_id = _user_id(session)
    with session.begin():
        assert identity.remove_membership(session=session, user_id=user_id, tenant_id="xiangyang")
        assert not identity.remove_membership(session=session, user_id=user_id, tenant_id="xiangyang")
    _refused(session, here["access_token"])
    with pytest.raises(Unauthenticated):
        _refresh(session, here["refresh_token"])
    assert _verify(session, there["access_token"]).tenant_id == "dongxin"
    with session.begin():
        assert [m.tenant_id for m in session.get(identity.User, user_id).memberships] == ["dongxin"]


def test_a_membership_removed_while_its_refresh_token_lives_refuses_the_token_even_unrevoked(session):
    """The credential check reads the membership itself, not only the revoked refresh tokens."""
    pair, user_id = _pair(session), _user_id(session)
    with session.begin():
        session.query(Membership).filter_by(user_id=user_id, tenant_id="xiangyang").delete()
    assert _refused(session, pair["access_token"]) == "Membership ended"


def test_a_deactivated_account_cannot_sign_in_refresh_or_use_its_tokens_until_reactivated(session):
    pair = _pair(session)
    user_id = _user_id(session)
    with session.begin():
        user, changed = identity.deactivate_user(session=session, user_id=user_id)
        assert changed and user.deactivated_at is not None
        assert identity.deactivate_user(session=session, user_id=user_id)[1] is False
    _refused(session, pair["access_token"])
    with pytest.raises(Unauthenticated):
        _refresh(session, pair["refresh_token"])
    with pytest.raises(identity.AccountDeactivated) as refused:
        _pair(session)
    assert refused.value.status == 403 and refused.value.code == "account_deactivated"
    with pytest.raises(Unauthenticated) as wrong, session.begin():  # a wrong password learns nothing new
        identity.authenticate(session=session, phone=STAFF_PHONE, password="Wrong-2026", tenant_id="xiangyang",
                              address="10.0.0.2")
    assert wrong.value.status == 401

    with session.begin():
        user, changed = identity.reactivate_user(session=session, user_id=user_id)
        assert changed and user.deactivated_at is None
        assert identity.reactivate_user(session=session, user_id=user_id)[1] is False
    _refused(session, pair["access_token"])  # reactivation does not bring old sessions back
    assert _verify(session, _pair(session)["access_token"]).subject == user_id


def test_deactivating_an_unknown_or_erased_account_is_not_found(session):
    with pytest.raises(NotFound), session.begin():
        identity.deactivate_user(session=session, user_id="00000000-0000-4000-8000-00000000dead")
    user_id = _user_id(session, OTHER_PHONE)
    with session.begin():
        identity.erase_identity(session=session, user=session.get(identity.User, user_id))
    with pytest.raises(NotFound), session.begin():
        identity.reactivate_user(session=session, user_id=user_id)


def test_logout_without_a_refresh_token_ends_the_whole_session(session):
    pair = _pair(session)
    rotated = _refresh(session, pair["refresh_token"])  # same session (family), a later access token
    elsewhere = _pair(session)  # another device: another family
    principal = _verify(session, rotated["access_token"])
    with session.begin():
        identity.logout(session=session, settings=TOKENS, principal=principal, refresh_token=None)
    _refused(session, rotated["access_token"])
    _refused(session, pair["access_token"])
    with pytest.raises(Unauthenticated):
        _refresh(session, rotated["refresh_token"])
    assert _verify(session, elsewhere["access_token"]).subject == principal.subject


def test_refresh_token_reuse_ends_the_access_tokens_of_the_family_too(session):
    pair = _pair(session)
    rotated = _refresh(session, pair["refresh_token"])
    with pytest.raises(identity.RefreshTokenReused) as reuse:
        _refresh(session, pair["refresh_token"])
    with session.begin():
        identity.revoke_family(session=session, family_id=reuse.value.family_id)
    _refused(session, pair["access_token"])
    _refused(session, rotated["access_token"])


def test_an_access_token_without_a_family_is_refused(session):
    claims = jwt.decode(_pair(session)["access_token"], TOKENS.secret, algorithms=["HS256"], issuer="fengchao")
    del claims["fam"]
    assert _refused(session, jwt.encode(claims, TOKENS.secret, algorithm="HS256")) == "Token revoked"
