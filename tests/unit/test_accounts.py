"""Accounts and abuse: password rules, login throttling with back-off, revocation on password change,
API key rotation, erasure of the identity record, the audit log (gateway identity rules, SQLite)."""

from datetime import timedelta

import pytest

from gateway import audit, identity
from gateway.models import AuditEntry, LoginThrottle
from services.common.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from tests.support.sessions import gateway_database

TOKENS = identity.TokenSettings(secret="s" * 40)
THROTTLE = identity.ThrottleSettings(account_max_failures=3, address_max_failures=5, window=900, lockout=60,
                                     lockout_max=200)
PHONE_A, PHONE_B = "13900000001", "13900000002"
PASSWORD = "Courier2026"


@pytest.fixture
def session(tmp_path):
    with gateway_database(tmp_path) as db:
        with db.begin():
            for phone, tenant_id in ((PHONE_A, "xiangyang"), (PHONE_B, "dongxin")):
                user = identity.create_user(session=db, phone=phone, display_name="王师傅", password=PASSWORD)
                identity.grant_membership(session=db, user_id=user.id, tenant_id=tenant_id, roles=["resident"])
        yield db


def _login(session, phone=PHONE_A, password=PASSWORD, address="10.0.0.1"):
    with session.begin():
        return identity.authenticate(session=session, phone=phone, password=password, tenant_id=None,
                                     address=address, throttle=THROTTLE)


def _shift(session, key_prefix, seconds):
    """Move every lock-out of `key_prefix` rows `seconds` into the past (time passing)."""
    with session.begin():
        for row in session.query(LoginThrottle).filter(LoginThrottle.key.startswith(key_prefix)):
            if row.locked_until:
                row.locked_until -= timedelta(seconds=seconds)


@pytest.mark.parametrize("password, problem", [
    ("short1", "at least 8 characters"),
    ("abcdefghij", "mix letters and digits"),
    ("x13900000077", "must not contain your phone number"),
    ("ab00000077x", "must not contain your phone number"),  # the last 8 digits
    ("Password123", "too common"),
    ("woaini1314", "too common"),
])
def test_password_rules(password, problem):
    problems = identity.check_password_rules(password, phone="13900000077")
    assert any(problem in p.text for p in problems), problems
    assert identity.check_password_rules("Lantern-Harbour-42", phone="13900000077") == []


def test_a_new_account_cannot_use_its_phone_number_as_password(session):
    with pytest.raises(ValidationFailed) as refused, session.begin():
        identity.create_user(session=session, phone="13900000077", display_name="x", password="a13900000077")
    assert refused.value.fields["password"] == ["must not contain your phone number"]


def test_wrong_passwords_lock_the_account_with_doubling_back_off_and_a_good_login_clears_it(session):
    def three_wrong(address):
        for _ in range(3):
            with pytest.raises(Unauthenticated) as wrong:
                _login(session, password="Wrong-pass1", address=address)
            assert not isinstance(wrong.value, identity.LoginThrottled)

    three_wrong("10.0.1.1")
    with pytest.raises(identity.LoginThrottled) as locked:
        _login(session, address="10.0.1.1")  # even the right password is refused while locked
    assert locked.value.extra["scope"] == "account" and 55 <= locked.value.retry_after <= 60
    # The other account is not affected.
    assert _login(session, phone=PHONE_B, address="10.0.0.2")[0].phone == PHONE_B
    _shift(session, "account:", 61)
    three_wrong("10.0.2.1")  # from another address: the lock-out follows the account
    with pytest.raises(identity.LoginThrottled) as again:
        _login(session, address="10.0.2.1")
    assert again.value.extra["scope"] == "account"
    assert 115 <= again.value.retry_after <= 120  # the second lock-out lasts twice as long
    _shift(session, "account:", 121)
    three_wrong("10.0.3.1")
    with pytest.raises(identity.LoginThrottled) as third:
        _login(session, address="10.0.3.1")
    assert 190 <= third.value.retry_after <= 200  # 240 capped by lockout_max
    _shift(session, "account:", 201)
    assert _login(session, address="10.0.3.1")[0].phone == PHONE_A
    with session.begin():
        assert session.get(LoginThrottle, identity._account_key(PHONE_A)) is None  # cleared by the good login


def test_one_address_trying_many_accounts_is_locked_out_and_unknown_phones_count_too(session):
    for i in range(5):
        with pytest.raises(Unauthenticated):
            _login(session, phone=f"1370000000{i}", password="Guess-1234", address="10.9.9.9")
    with pytest.raises(identity.LoginThrottled) as locked:
        _login(session, phone=PHONE_B, address="10.9.9.9")
    assert locked.value.extra["scope"] == "address"
    assert _login(session, phone=PHONE_B, address="10.1.1.1")[0].phone == PHONE_B
    with session.begin():
        keys = {row.key for row in session.query(LoginThrottle)}
    assert not any("1370000000" in key for key in keys)  # phone numbers are hashed, not stored


def test_changing_the_password_revokes_every_access_and_refresh_token(session):
    user, membership = _login(session)
    with session.begin():
        pair = identity.issue_tokens(session=session, settings=TOKENS, user_id=user.id, tenant_id="xiangyang",
                                     roles=membership.roles)
        other = identity.issue_tokens(session=session, settings=TOKENS, user_id=user.id, tenant_id="xiangyang",
                                      roles=membership.roles)
    with pytest.raises(ValidationFailed) as refused, session.begin():
        identity.change_password(session=session, user_id=user.id, current_password="nope-nope1",
                                 new_password="Lantern-Harbour-42")
    assert "current_password" in refused.value.fields
    with pytest.raises(ValidationFailed) as weak, session.begin():
        identity.change_password(session=session, user_id=user.id, current_password=PASSWORD,
                                 new_password="qwerty123")
    assert "new_password" in weak.value.fields
    with session.begin():
        identity.verify_access_token(session=session, settings=TOKENS, token=pair["access_token"])  # still fine
        identity.change_password(session=session, user_id=user.id, current_password=PASSWORD,
                                 new_password="Lantern-Harbour-42")
    for token in (pair["access_token"], other["access_token"]):
        with pytest.raises(Unauthenticated), session.begin():
            identity.verify_access_token(session=session, settings=TOKENS, token=token)
    with pytest.raises(Unauthenticated), session.begin():
        identity.refresh_tokens(session=session, settings=TOKENS, refresh_token=other["refresh_token"])
    with pytest.raises(Unauthenticated):
        _login(session)
    user, membership = _login(session, password="Lantern-Harbour-42")
    with session.begin():
        fresh = identity.issue_tokens(session=session, settings=TOKENS, user_id=user.id, tenant_id="xiangyang",
                                      roles=membership.roles)
        assert identity.verify_access_token(session=session, settings=TOKENS,
                                            token=fresh["access_token"]).subject == user.id


def test_a_rotated_key_works_during_the_grace_period_then_is_refused(session):
    with session.begin():
        old, old_secret = identity.issue_api_key(session=session, tenant_id="xiangyang", name="roster")
        new, new_secret, old = identity.rotate_api_key(session=session, key_id=old.id, tenant_id="xiangyang",
                                                       grace_seconds=3600)
        assert new.name == "roster" and new.roles == ["partner"] and old.replaced_by == new.id
        assert identity.verify_api_key(session=session, secret=old_secret).subject == f"apikey:{old.id}"
        assert identity.verify_api_key(session=session, secret=new_secret).subject == f"apikey:{new.id}"
        assert identity.api_key_view(old)["state"] == "grace"
    with pytest.raises(Conflict), session.begin():
        identity.rotate_api_key(session=session, key_id=old.id)  # rotated once only
    with pytest.raises(NotFound), session.begin():
        identity.rotate_api_key(session=session, key_id=new.id, tenant_id="dongxin")  # another tenant's key
    with session.begin():
        old.expires_at = identity.now() - timedelta(seconds=1)  # the grace period ends
    with pytest.raises(Unauthenticated), session.begin():
        identity.verify_api_key(session=session, secret=old_secret)
    with session.begin():
        assert identity.api_key_view(old)["state"] == "expired"
        identity.revoke_api_key(session=session, key_id=new.id, tenant_id="xiangyang")
    with pytest.raises(Unauthenticated), session.begin():
        identity.verify_api_key(session=session, secret=new_secret)


def test_erasing_the_identity_removes_phone_name_password_and_tokens(session):
    user, membership = _login(session)
    with session.begin():
        pair = identity.issue_tokens(session=session, settings=TOKENS, user_id=user.id, tenant_id="xiangyang",
                                     roles=membership.roles)
        identity.erase_identity(session=session, user=session.get(type(user), user.id))
    with session.begin():
        erased = session.get(type(user), user.id)
        assert erased.phone.startswith("erased-") and erased.display_name == "已注销用户"
        assert erased.memberships == [] and erased.erased_at is not None
        assert identity.find_user_by_phone(session=session, phone=PHONE_A) is None
    with pytest.raises(Unauthenticated), session.begin():
        identity.verify_access_token(session=session, settings=TOKENS, token=pair["access_token"])
    with pytest.raises(Unauthenticated):
        _login(session)


def test_audit_entries_page_newest_first_and_stay_in_their_tenant(session):
    with session.begin():
        for i in range(5):
            audit.record(session=session, tenant_id="xiangyang", actor="u-staff", action="points.award",
                         target_type="person", target_id=f"u-{i}")
        audit.record(session=session, tenant_id="dongxin", actor="u-other", action="api_key.issue")
    with session.begin():
        first, cursor = audit.entries(session=session, tenant_id="xiangyang", limit=3)
        rest, end = audit.entries(session=session, tenant_id="xiangyang", limit=3, cursor=cursor)
        again, _ = audit.entries(session=session, tenant_id="xiangyang", limit=3, after=cursor)
        everyone, _ = audit.entries(session=session, tenant_id=None, limit=50)
    assert [e["target_id"] for e in first + rest] == [f"u-{i}" for i in (4, 3, 2, 1, 0)] and end is None
    assert again == rest
    assert {e["tenant_id"] for e in everyone} == {"xiangyang", "dongxin"}
    with pytest.raises(ValidationFailed), session.begin():
        audit.entries(session=session, tenant_id="xiangyang", cursor="%%%")


def test_pass_through_calls_are_recorded_only_when_privileged_and_successful():
    entry = audit.pass_through_entry(endpoint="points.Approval", method="POST", status=200,
                                     view_args={"request_id": "r-1"}, response_json={"status": "approved"})
    assert entry == ("points.award_approve", "award_request", "r-1", {"status": 200})
    wrapped = audit.pass_through_entry(
        endpoint="points.Awards", method="POST", status=201, view_args={},
        response_json={"outcome": "posted", "posting": {"id": "p-2", "user_id": "u-8", "amount": 12}, "request": None})
    assert wrapped == ("points.award", "posting", "p-2",
                       {"status": 201, "outcome": "posted", "user_id": "u-8", "amount": 12})
    award = audit.pass_through_entry(endpoint="points.Awards", method="POST", status=201, view_args={},
                                     response_json={"id": "p-1", "user_id": "u-9", "amount": 30})
    assert award[0] == "points.award" and award[2] == "p-1" and award[3]["user_id"] == "u-9"
    assert audit.pass_through_entry(endpoint="points.Approval", method="POST", status=403, view_args={},
                                    response_json=None) is None
    assert audit.pass_through_entry(endpoint="points.MyAccount", method="GET", status=200, view_args={},
                                    response_json={}) is None
    assert AuditEntry.__tablename__ == "audit_log"


def test_the_web_staff_pages_are_audited_like_the_api():
    award = audit.pass_through_entry(endpoint="web.award", method="POST", status=302, view_args={},
                                     response_json=None, form={"user_id": "u-9", "amount": "12", "reason": "帮王师傅"})
    assert award == ("points.award", "person", "u-9", {"status": 302, "user_id": "u-9", "amount": "12"})
    decided = audit.pass_through_entry(endpoint="web.decide_award", method="POST", status=302,
                                       view_args={"request_id": "r-2", "decision": "approve"}, response_json=None)
    assert decided[:3] == ("points.award_approve", "award_request", "r-2")
    assert audit.pass_through_entry(endpoint="web.decide_award", method="POST", status=302,
                                    view_args={"request_id": "r-2", "decision": "nonsense"}, response_json=None) is None
    assert audit.pass_through_entry(endpoint="web.award", method="POST", status=422, view_args={},
                                    response_json=None, form={"user_id": "u-9"}) is None


def test_expired_tokens_are_deleted_when_new_ones_are_issued_or_at_sign_out(session):
    from gateway.models import RefreshToken, RevokedAccessToken

    user, membership = _login(session)
    with session.begin():
        pair = identity.issue_tokens(session=session, settings=TOKENS, user_id=user.id, tenant_id="xiangyang",
                                     roles=membership.roles)
        principal = identity.verify_access_token(session=session, settings=TOKENS, token=pair["access_token"])
        identity.logout(session=session, settings=TOKENS, principal=principal, refresh_token=None)
        for row in session.query(RefreshToken):
            row.expires_at = identity.now() - timedelta(seconds=1)
        for row in session.query(RevokedAccessToken):
            row.expires_at = identity.now() - timedelta(seconds=1)
    with session.begin():
        fresh = identity.issue_tokens(session=session, settings=TOKENS, user_id=user.id, tenant_id="xiangyang",
                                      roles=membership.roles)
    with session.begin():
        assert session.query(RefreshToken).count() == 1  # only the one just issued
        principal = identity.verify_access_token(session=session, settings=TOKENS, token=fresh["access_token"])
        identity.logout(session=session, settings=TOKENS, principal=principal, refresh_token=None)
    with session.begin():
        assert [r.jti for r in session.query(RevokedAccessToken)] == [principal.token_id]  # the expired one went


def test_the_client_address_is_the_peer_unless_proxies_are_declared(monkeypatch):
    from flask import Flask

    from gateway.auth import client_address

    app = Flask(__name__)
    spoofed = {"X-Forwarded-For": "6.6.6.6, 10.1.2.3"}  # the client wrote 6.6.6.6; our proxy appended 10.1.2.3
    with app.test_request_context(headers=spoofed, environ_base={"REMOTE_ADDR": "10.0.0.9"}):
        assert client_address() == "10.0.0.9"
        monkeypatch.setenv("GATEWAY_PROXY_HOPS", "1")
        assert client_address() == "10.1.2.3"
        monkeypatch.setenv("GATEWAY_PROXY_HOPS", "3")
        assert client_address() == "10.0.0.9"  # fewer entries than proxies: not trusted
