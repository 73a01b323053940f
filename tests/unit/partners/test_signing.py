"""Webhook signatures: HMAC-SHA256 over `<timestamp>.<body>`."""

import hashlib
import hmac

from gateway.webhooks import signing

BODY = '{"id":"e1","data":{"name":"王师傅"}}'.encode()


def test_the_signature_is_the_documented_recipe():
    headers = signing.sign("whsec_test", BODY, now=1_700_000_000)
    expected = hmac.new(b"whsec_test", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert headers == {"Fengchao-Timestamp": "1700000000", "Fengchao-Signature": f"v1={expected}"}


def test_a_fresh_signature_verifies_with_header_names_in_any_case():
    headers = {k.lower(): v for k, v in signing.sign("whsec_test", BODY, now=1000).items()}
    assert signing.verify("whsec_test", BODY, headers, now=1100)


def test_a_changed_body_a_wrong_secret_or_an_old_timestamp_is_refused():
    headers = signing.sign("whsec_test", BODY, now=1000)
    assert not signing.verify("whsec_test", BODY + b" ", headers, now=1000)
    assert not signing.verify("whsec_other", BODY, headers, now=1000)
    assert not signing.verify("whsec_test", BODY, headers, now=1000 + signing.TOLERANCE_SECONDS + 1)
    assert not signing.verify("whsec_test", BODY, {**headers, "Fengchao-Timestamp": "soon"}, now=1000)


def test_any_of_several_signatures_verifies_during_secret_rotation():
    old = signing.sign("whsec_old", BODY, now=1000)
    new = signing.sign("whsec_new", BODY, now=1000)
    headers = {**new, "Fengchao-Signature": old["Fengchao-Signature"] + ", " + new["Fengchao-Signature"]}
    assert signing.verify("whsec_new", BODY, headers, now=1000)
    assert signing.verify("whsec_old", BODY, headers, now=1000)


def test_secrets_are_random_and_prefixed():
    one, two = signing.new_secret(), signing.new_secret()
    assert one != two and one.startswith("whsec_") and len(one) > 40
