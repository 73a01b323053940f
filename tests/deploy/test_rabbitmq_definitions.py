"""deploy/rabbitmq/definitions.json: in step with its generator and with the code's own exchange
declarations (a mismatch makes the broker refuse a declaration at run time), quorum queues by default."""

from __future__ import annotations

import importlib.util
import json

import pytest
from nameko.rpc import get_rpc_exchange

from services.common import config
from services.common.relay import event_exchange
from tests.deploy.conftest import DEPLOY


def load_definitions_module():
    spec = importlib.util.spec_from_file_location("fengchao_definitions", DEPLOY / "rabbitmq" / "definitions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def definitions() -> dict:
    return json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())


def test_the_committed_definitions_are_what_the_generator_makes():
    assert load_definitions_module().main(["--check"]) == 0, "run: python deploy/rabbitmq/definitions.py"


def test_every_exchange_is_declared_as_the_code_declares_it(definitions):
    exchanges = {e["name"]: e for e in definitions["exchanges"]}
    for exchange in (get_rpc_exchange({}), *(event_exchange(s) for s in config.SERVICE_NAMES)):
        declared = exchanges[exchange.name]
        assert (declared["type"], declared["durable"], declared["auto_delete"]) == (
            exchange.type, exchange.durable, exchange.auto_delete)


def test_the_partner_exchange_is_the_one_the_relay_publishes_to(definitions):
    partners = pytest.importorskip("services.common.partners")
    exchange = partners.partner_exchange()
    declared = {e["name"]: e for e in definitions["exchanges"]}[exchange.name]
    assert (declared["type"], declared["durable"]) == (exchange.type, exchange.durable)


def test_queues_are_quorum_by_default_with_a_delivery_limit_and_dead_lettering(definitions):
    (vhost,) = definitions["vhosts"]
    assert vhost["default_queue_type"] == "quorum"
    (policy,) = definitions["policies"]
    assert policy["apply-to"] == "queues" and policy["vhost"] == vhost["name"]
    assert policy["pattern"] == "^(rpc-|evt-)"  # the services' queues, not the replies (`rpc.reply-…`)
    dead_letters = policy["definition"]["dead-letter-exchange"]
    assert dead_letters in {e["name"] for e in definitions["exchanges"]}
    assert {"source": dead_letters, "destination": dead_letters} == {
        k: v for k, v in definitions["bindings"][0].items() if k in ("source", "destination")}
    assert policy["definition"]["delivery-limit"] > 1


def test_the_only_user_is_the_platforms_with_a_salted_sha256_hash_never_a_plain_password(definitions):
    (user,) = definitions["users"]
    assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256" and "password" not in user
    module = load_definitions_module()
    assert module.password_hash("x") != module.password_hash("x")  # salted
    assert module.password_hash("x", b"\x00\x01\x02\x03") == module.password_hash("x", b"\x00\x01\x02\x03")
