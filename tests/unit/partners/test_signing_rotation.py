"""Webhook secret rotation: which secrets sign a delivery, and the header a receiver verifies."""

from datetime import UTC, datetime, timedelta

from examples.webhook_receiver.receiver import verify as receiver_verify
from gateway.webhooks import signing
from gateway.webhooks.delivery import signing_secrets

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_the_previous_secret_signs_only_during_its_grace():
    assert signing_secrets("new", "old", NOW + timedelta(seconds=1), NOW) == ("new", "old")
    assert signing_secrets("new", "old", NOW, NOW) == ("new",)
    assert signing_secrets("new", None, None, NOW) == ("new",)


def test_a_delivery_signed_with_two_secrets_verifies_with_either_and_not_with_a_third():
    body = b'{"id":"e1","type":"cn.fengchao.jobs.worker_registered"}'
    headers = signing.sign(("whsec_new", "whsec_old"), body, now=1_000_000)
    assert headers[signing.SIGNATURE_HEADER].count("v1=") == 2
    for secret in ("whsec_new", "whsec_old"):
        assert signing.verify(secret, body, headers, now=1_000_010)
        assert receiver_verify(secret, body, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER],
                               now=1_000_010)
    assert not signing.verify("whsec_other", body, headers, now=1_000_010)
    assert signing.sign("whsec_new", body, now=1_000_000)[signing.SIGNATURE_HEADER] == \
        headers[signing.SIGNATURE_HEADER].split(",")[0]
