"""The layers hold: the gateway depends on the services' contracts only (never on their domain code,
models or nameko), contracts import no domain code, and no words a person reads are written in service
code (they come from the catalogues at the edge, services.common.messages)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
SERVICES = ("jobs", "training", "governance", "points", "notifications")
# The services whose contracts the gateway imports; notifications once its routes import its contracts (their
# shapes are declared in gateway/routes/notifications.py until then, issue 18).
GATEWAY_USES = ("jobs", "training", "governance", "points", "notifications")
ALLOWED_SERVICE_MODULES = re.compile(
    r"^services\.(common(\..+)?|({})(\.contracts(\..+)?|\.events)?)$".format("|".join(SERVICES)))


def _modules_loaded_by(statement: str) -> list[str]:
    """The modules a fresh interpreter holds after `statement` (a fresh one: this test process has
    imported everything already)."""
    code = f"{statement}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    environment = {**os.environ, "JWT_SECRET": "a-test-secret-of-at-least-32-characters!"}
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                           check=True, env=environment)
    return found.stdout.split()


def test_the_gateway_loads_no_domain_code_no_models_and_no_nameko():
    loaded = _modules_loaded_by("import gateway.app; gateway.app.create_app()")
    services = [m for m in loaded if m.startswith("services.")]
    domain = [m for m in services if not ALLOWED_SERVICE_MODULES.match(m)]
    assert not domain, f"the gateway imports service internals: {domain}"
    for framework in ("nameko", "eventlet"):
        assert not [m for m in loaded if m == framework or m.startswith(framework + ".")], framework
    # and it does use the contracts of every service
    for name in GATEWAY_USES:
        assert f"services.{name}.contracts" in loaded, name


def test_contracts_import_no_domain_module_orm_model_or_nameko():
    for name in SERVICES:
        loaded = _modules_loaded_by(f"import services.{name}.contracts.schemas, services.{name}.contracts.messages")
        services = [m for m in loaded if m.startswith("services.")]
        assert not [m for m in services if not ALLOWED_SERVICE_MODULES.match(m)], (name, services)
        assert "nameko" not in loaded and "sqlalchemy.orm" not in loaded, name


def _string_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_chinese_words_are_written_in_service_code():
    """Outside catalogues (.po), migrations and the demo data, a Chinese string in services/ is a message
    that skipped the catalogue: a partner's English client would read it, and it cannot be corrected
    without a release."""
    found = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative:
            continue
        for line, value in _string_literals(path):
            if CJK.search(value):
                found.append(f"{relative}:{line}: {value[:40]!r}")
    assert not found, f"{len(found)} Chinese string literals in services/:\n" + "\n".join(found[:40])


def test_the_old_idioms_are_gone_under_every_name():
    """Issue 17: one way to cross tenants and one way to publish; the four old idioms do not survive renamed."""
    gone = re.compile(r"\b(_tenant_of|_in_tenant_of|_home|hosted_transaction|HostedTransaction|acting_in_tenant|"
                      r"in_partner_tenant|publish_for|publish_all)\b|\btx\.publish\(|\.in_tenant\(")
    found = []
    for path in sorted((ROOT / "services").rglob("*.py")) + sorted((ROOT / "gateway").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if gone.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
