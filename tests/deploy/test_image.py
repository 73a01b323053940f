"""The image's Dockerfile, entrypoint and health check, checked without building: the stages, the
non-root user, the health check, and that each role the entrypoint offers starts the real program."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import DEPLOY, ROOT

DOCKERFILE = (DEPLOY / "Dockerfile").read_text()
ENTRYPOINT = DEPLOY / "entrypoint.sh"


def instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
            for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_dockerfile_builds_in_one_stage_and_runs_slim_as_a_non_root_user_with_a_health_check():
    steps = instructions()
    stages = [args for kind, args in steps if kind == "FROM"]
    assert len(stages) == 2 and stages[0].endswith("AS build") and stages[1].endswith("AS runtime")
    runtime = steps[[i for i, (kind, _a) in enumerate(steps) if kind == "FROM"][1]:]
    assert any(kind == "COPY" and args.startswith("--from=build /opt/venv") for kind, args in runtime)
    assert not any(kind == "RUN" and "build-essential" in args for kind, args in runtime)
    users = [args for kind, args in runtime if kind == "USER"]
    assert users and not users[-1].startswith(("0", "root"))
    assert any(kind == "HEALTHCHECK" and "healthcheck.py" in args for kind, args in runtime)
    assert ("ENTRYPOINT", '["/app/deploy/entrypoint.sh"]') in runtime


def test_the_image_leaves_out_only_packages_the_code_never_imports():
    (excluded,) = re.findall(r"grep -vE '\^\(([^)]*)\)=='", DOCKERFILE)
    for name in excluded.split("|"):
        module = name.replace("-", "_")
        for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "gateway").rglob("*.py")]:
            assert not re.search(rf"^\s*(import|from) {module}\b", path.read_text(), re.M), (name, path)


def test_every_file_the_dockerfile_copies_exists():
    for kind, args in instructions():
        if kind == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source


def test_the_entrypoint_is_valid_shell_and_executable():
    assert os.access(ENTRYPOINT, os.X_OK)
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True)


def run_entrypoint(*args: str, **extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "PYTHONWARNINGS": "ignore",
           **extra}
    return subprocess.run(["sh", str(ENTRYPOINT), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize(("role", "expected"), [
    ("service", "Run one Fengchao service"),
    ("relay", "Publish the services' outbox events"),
    ("migrate", "Upgrade component databases"),
    ("webhooks", "Deliver partner events to webhook subscriptions"),
])
def test_each_role_of_the_entrypoint_starts_its_program(role, expected):
    if role == "webhooks":
        pytest.importorskip("gateway.webhooks.worker")
    args = [role, "jobs", "--help"] if role == "service" else [role, "--help"]
    result = run_entrypoint(*args)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


def test_the_gateway_role_starts_gunicorn_with_the_gateway_settings(tmp_path):
    metrics_dir = tmp_path / "metrics"
    result = run_entrypoint("gateway", "--check-config", JWT_SECRET="k" * 40, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
                            DATABASE_URL=f"sqlite:///{tmp_path}/{{service}}.sqlite3")
    assert result.returncode == 0, result.stderr + result.stdout
    assert metrics_dir.is_dir()  # made, empty, for the workers' shared metrics


def test_a_service_role_without_a_name_is_refused():
    assert run_entrypoint("service").returncode == 64


def load_healthcheck():
    import importlib.util

    spec = importlib.util.spec_from_file_location("fengchao_healthcheck", DEPLOY / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("argv", "expected"), [
    (["/opt/venv/bin/python", "-m", "services.common.runner", "points"], ("service", "points")),
    (["/opt/venv/bin/python3.11", "/opt/venv/bin/gunicorn", "-c", "python:gateway.gunicorn_conf"], ("gateway", None)),
    (["/opt/venv/bin/python", "-m", "services.common.relay"], ("relay", None)),
    (["/sbin/docker-init", "--", "/app/deploy/entrypoint.sh", "service", "jobs"], ("service", "jobs")),
    (["/opt/venv/bin/python", "-m", "gateway.webhooks"], ("webhooks", None)),
    (["/opt/venv/bin/python", "-m", "services.common.migrate"], ("other", None)),
])
def test_the_health_check_knows_what_the_container_runs_from_its_command_line(argv, expected):
    assert load_healthcheck().role_of(argv) == expected
