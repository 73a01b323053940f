"""deploy/compose.yaml: valid against the Compose Specification schema (the copy check-jsonschema
ships) and wired the way the platform runs, without a Docker engine."""

from __future__ import annotations

import json
import re
from importlib import resources

import jsonschema
import pytest
import yaml

from services.common import config
from tests.deploy.conftest import DEPLOY

COMPOSE = DEPLOY / "compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def compose_schema() -> dict:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "compose-spec.json").read_text())


def test_the_compose_file_is_valid_against_the_compose_specification(compose):
    jsonschema.validate(compose, compose_schema())


def test_the_schema_check_rejects_a_broken_compose_file(compose):
    broken = {**compose, "services": {**compose["services"], "jobs": {**compose["services"]["jobs"],
                                                                      "restart": ["always"]}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, compose_schema())


def test_every_variable_reference_is_well_formed_and_the_jwt_secret_is_required():
    text = COMPOSE.read_text()
    for match in re.finditer(r"\$(\{[^}]*\}|[A-Za-z_])", text):
        assert re.fullmatch(r"\{[A-Z_][A-Z0-9_]*((:?[-?])[^}]*)?\}", match.group(1)), match.group(0)
    assert "${JWT_SECRET:?" in text


def test_broker_database_migrations_services_relay_and_gateway_are_wired_in_order(compose):
    services = compose["services"]
    assert {"rabbitmq", "postgres", "migrate", "relay", "webhooks", "gateway", *config.SERVICE_NAMES} == set(services)
    assert services["rabbitmq"]["image"].endswith("-management")
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in (*config.SERVICE_NAMES, "relay", "webhooks", "gateway"):
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
        env = service["environment"]
        assert env["AMQP_URI"].startswith("amqp://") and env["AMQP_URI"].endswith("/fengchao")
        assert "{service}" in env["DATABASE_URL"]
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
    for name in config.SERVICE_NAMES:
        assert services[name]["command"] == ["service", name]
        assert services["gateway"]["depends_on"][name]["condition"] == "service_healthy"
    assert services["gateway"]["environment"]["GATEWAY_BIND"] == "0.0.0.0:8080"
    assert services["relay"]["command"] == ["relay"] and services["webhooks"]["command"] == ["webhooks"]


def test_the_files_compose_mounts_exist_and_the_broker_and_database_load_them_at_start(compose):
    for service in ("rabbitmq", "postgres"):
        for volume in compose["services"][service]["volumes"]:
            source, target = volume.split(":")[:2]
            if source.startswith("./"):
                assert (DEPLOY / source).is_file(), source
    mounts = {v.split(":")[1] for v in compose["services"]["rabbitmq"]["volumes"]}
    assert "/etc/rabbitmq/definitions.json" in mounts
    conf = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text()
    assert "definitions.local.path = /etc/rabbitmq/definitions.json" in conf
    assert any(v.endswith(":/docker-entrypoint-initdb.d/10-fengchao.sh:ro")
               for v in compose["services"]["postgres"]["volumes"])


def test_the_notifications_service_gets_its_provider_and_push_settings_from_the_environment(compose):
    env = compose["services"]["notifications"]["environment"]
    for name in ("NOTIFICATIONS_SMS_URL", "NOTIFICATIONS_VAPID_PRIVATE_KEY", "NOTIFICATIONS_VAPID_SUBJECT",
                 "NOTIFICATIONS_PUBLIC_URL"):
        assert env[name].startswith("${" + name + ":-"), name
    assert all(not name.startswith("NOTIFICATIONS_") for name in compose["services"]["gateway"]["environment"])
