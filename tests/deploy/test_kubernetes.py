"""The Kubernetes manifests render (kustomize) and are valid against the Kubernetes API schemas
(kubernetes-validate's bundled schemas, strict: unknown fields are errors), and they say what
operating the platform needs: a Deployment and autoscaler per service and the gateway, probes on
/healthz and /readyz, requests and limits, secrets from a Secret, non-root, migrations apart."""

from __future__ import annotations

import re

import kubernetes_validate
import pytest

from services.common import config
from tests.deploy.conftest import KUSTOMIZATIONS

# The oldest Kubernetes we support (CronJob timeZone is GA from 1.27) and the newest schemas we have.
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
COMPONENTS = (*config.SERVICE_NAMES, "relay", "webhooks", "gateway")
# Variables the manifests compose URLs from; everything else in the ConfigMaps must be a real setting.
URL_PARTS = {"RABBITMQ_HOST", "RABBITMQ_PORT", "RABBITMQ_USER", "RABBITMQ_VHOST", "DATABASE_HOST", "DATABASE_PORT",
             "DATABASE_OWNER_USER", "DATABASE_NAME_PREFIX", "DATABASE_SSLMODE"}


def by_kind(objects, kind):
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def containers(deployment):
    return deployment["spec"]["template"]["spec"]["containers"]


@pytest.mark.parametrize("name", list(KUSTOMIZATIONS))
@pytest.mark.parametrize("version", VERSIONS)
def test_every_rendered_object_is_valid_against_the_kubernetes_schemas(rendered, name, version):
    assert rendered[name], f"{name} rendered nothing"
    for obj in rendered[name]:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {obj['kind']}/{obj['metadata']['name']} invalid for {version}: {exc.message} "
                        f"at {'/'.join(map(str, exc.path))}")


def test_a_schema_violation_is_caught(rendered):
    """The validator is not a rubber stamp: a wrong type in a Deployment fails."""
    deployment = dict(by_kind(rendered["base"], "Deployment")["fengchao-jobs"])
    broken = {**deployment, "spec": {**deployment["spec"], "replicas": "two"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


@pytest.mark.parametrize("overlay", ["base", "production"])
def test_each_service_the_relay_and_the_gateway_run_as_a_deployment_with_resources_and_non_root(
        rendered, overlay):
    deployments = by_kind(rendered[overlay], "Deployment")
    assert set(deployments) == {f"fengchao-{c}" for c in COMPONENTS}
    for component in COMPONENTS:
        deployment = deployments[f"fengchao-{component}"]
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        (container,) = containers(deployment)
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        expected = ["service", component] if component in config.SERVICE_NAMES else [component]
        assert container["args"] == expected


def test_services_are_probed_on_their_own_healthz_and_readyz_and_the_gateway_on_its_own(rendered):
    deployments = by_kind(rendered["base"], "Deployment")
    for service in config.SERVICE_NAMES:
        (container,) = containers(deployments[f"fengchao-{service}"])
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
        assert container["startupProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
        assert {"name": "metrics", "containerPort": int(config.get("METRICS_PORT")), "protocol": "TCP"} in \
            container["ports"]
    (gateway,) = containers(deployments["fengchao-gateway"])
    assert gateway["startupProbe"]["httpGet"]["path"] == "/readyz"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_every_service_and_the_gateway_autoscale_and_keep_one_pod_through_disruptions(rendered):
    autoscalers = by_kind(rendered["production"], "HorizontalPodAutoscaler")
    for component in (*config.SERVICE_NAMES, "gateway"):
        hpa = autoscalers[f"fengchao-{component}"]
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                 "name": f"fengchao-{component}"}
        assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert autoscalers["fengchao-gateway"]["spec"]["minReplicas"] == 3  # the production overlay's patch
    budgets = by_kind(rendered["production"], "PodDisruptionBudget")
    assert set(budgets) == {f"fengchao-{c}" for c in COMPONENTS}


def test_secrets_come_from_the_secret_and_service_pods_never_hold_the_database_owner_password(rendered):
    deployments = by_kind(rendered["production"], "Deployment")
    for name, deployment in deployments.items():
        (container,) = containers(deployment)
        env = {e["name"]: e for e in container["env"]}
        for entry in env.values():
            if "value" in entry:
                # Only references: no password or key is ever written into a manifest.
                assert not re.search(r"://[^$@]*:[^$(@]+@", entry["value"]), entry
            else:
                assert entry["valueFrom"]["secretKeyRef"]["name"] == "fengchao-secrets"
        owner_password = "DATABASE_OWNER_PASSWORD" in env
        assert owner_password == (name in ("fengchao-relay", "fengchao-webhooks", "fengchao-gateway")), name
    (gateway,) = containers(deployments["fengchao-gateway"])
    assert {e["name"] for e in gateway["env"]} >= {"JWT_SECRET", "AMQP_URI", "GATEWAY_DATABASE_URL"}


def test_the_production_overlay_points_at_the_existing_broker_and_database_with_tls(rendered):
    (cfg,) = [o for o in rendered["production"] if o["kind"] == "ConfigMap"
              and o["metadata"]["name"].startswith("fengchao-config")]
    assert cfg["data"]["RABBITMQ_HOST"] != "rabbitmq" and cfg["data"]["DATABASE_HOST"] != "postgres"
    assert cfg["data"]["DATABASE_SSLMODE"] == "require"
    assert all(o["metadata"].get("namespace") == "fengchao" for o in rendered["production"])


def test_config_maps_hold_only_real_settings_and_every_referenced_config_map_is_rendered(rendered):
    settings = {s.name for s in config.SETTINGS}
    for name, objects in rendered.items():
        maps = by_kind(objects, "ConfigMap")
        for cfg in maps.values():
            unknown = set(cfg["data"]) - settings - URL_PARTS
            assert not unknown, f"{name}: {cfg['metadata']['name']} has keys no code reads: {unknown}"
        for obj in objects:
            text = repr(obj)
            for ref in re.findall(r"'configMapRef': \{'name': '([^']+)'", text):
                assert ref in maps, f"{name}: {obj['metadata']['name']} refers to a missing ConfigMap {ref}"


def test_migrations_are_a_separate_job_with_the_platforms_own_settings_and_image(rendered):
    platform = rendered["production"]
    migrate = rendered["production-migrate"]
    (job,) = [o for o in migrate if o["kind"] == "Job"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]
    (config_ref,) = [e["configMapRef"]["name"] for e in container["envFrom"]]
    assert config_ref in by_kind(platform, "ConfigMap")  # same content, same hashed name
    (gateway,) = containers(by_kind(platform, "Deployment")["fengchao-gateway"])
    assert container["image"] == gateway["image"] == "registry.example.com/fengchao/fengchao:0.1.0"
    assert not [o for o in platform if o["kind"] == "Job"], "the platform itself never migrates"


def test_the_nightly_backup_dumps_every_component_database(rendered):
    (cron,) = [o for o in rendered["base"] if o["kind"] == "CronJob"]
    script = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert "for component in jobs training governance points notifications gateway" in script
    assert set(config.SERVICE_NAMES) | {"gateway"} == set(
        re.search(r"for component in ([a-z ]+);", script).group(1).split())


def test_only_the_notifications_pods_hold_the_sms_provider_url_and_the_vapid_key_and_from_the_secret(rendered):
    deployments = by_kind(rendered["production"], "Deployment")
    secret_settings = {"NOTIFICATIONS_SMS_URL": ("notifications-sms-url", True),
                       "NOTIFICATIONS_VAPID_PRIVATE_KEY": ("notifications-vapid-private-key", False)}
    for name, deployment in deployments.items():
        (container,) = containers(deployment)
        env = {e["name"]: e for e in container["env"]}
        if name != "fengchao-notifications":
            assert not set(secret_settings) & set(env), name
            continue
        for setting, (key, optional) in secret_settings.items():
            ref = env[setting]["valueFrom"]["secretKeyRef"]
            assert (ref["name"], ref["key"], ref.get("optional", False)) == ("fengchao-secrets", key, optional)
        assert env["NOTIFICATIONS_VAPID_SUBJECT"]["value"].startswith(("mailto:", "https:"))
        assert env["NOTIFICATIONS_PUBLIC_URL"]["value"].startswith("https://")
