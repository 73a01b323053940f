"""The jobs service's shape (issue 17): contracts apart from domain code, words in catalogues, not code."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOBS = ROOT / "services" / "jobs"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_no_chinese_string_literal_in_the_jobs_code():
    """Words a person reads are message codes (contracts/messages.py) with their words in the catalogues;
    Chinese data (skill names people type, examples, stored defaults) is in data/. Docstrings may explain."""
    found = []
    for path in sorted(JOBS.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        found += [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value)
                  and id(node) not in docstrings]
    assert not found, found


def test_the_contracts_import_no_domain_code_orm_or_nameko():
    code = ("import sys, services.jobs.contracts.schemas, services.jobs.contracts.messages; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith(('services.', 'nameko', 'eventlet', "
            "'sqlalchemy')))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=ROOT).stdout.split()
    jobs = {m for m in loaded if m.startswith("services.jobs")}
    assert jobs == {"services.jobs", "services.jobs.contracts", "services.jobs.contracts.messages",
                    "services.jobs.contracts.schemas"}
    assert not [m for m in loaded if m.startswith(("nameko", "eventlet", "sqlalchemy"))]


def test_one_way_per_thing_in_the_jobs_service():
    """No transitional idiom: crossings through db.write_in_tenant / db.read_in_tenant, events through
    announce(session, ...), roles through access.py."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in JOBS.rglob("*.py") if "migrations" not in p.parts)
    for gone in ("_tenant_of", "_in_tenant_of", "acting_in_tenant", ".in_tenant(", "tx.publish", ".publish(",
                 "STAFF_ROLES =", "def is_staff", '"staff", "tenant_admin"'):
        assert gone not in text, gone
