"""Supply chain (issue 10, part 6): every dependency pinned and hashed, installed with --require-hashes, and
audited by pip-audit. Where no vulnerability service answers from the machine the audit test is skipped with
the reason printed (never passed); AUDIT_REQUIRED=1 (for a machine that should reach one) turns that into a
failure. `make audit` always fails when it cannot audit."""

from __future__ import annotations

import os
import re

import pytest

from tests.security import audit

ROOT = audit.ROOT


def test_every_locked_package_is_pinned_and_hashed():
    packages = audit.locked_packages(audit.LOCK.read_text())
    assert len(packages) > 50
    assert [name for name, hashes in packages.items() if not hashes] == []
    names = {name.split("==")[0].lower() for name in packages}
    assert {"pip-audit", "schemathesis", "hypothesis", "nameko", "flask-smorest"} <= names


def test_the_lock_parser_refuses_loose_pins():
    with pytest.raises(ValueError, match="not pinned"):
        audit.locked_packages("flask>=3\n")
    assert audit.locked_packages("a==1 \\\n    --hash=sha256:" + "0" * 64 + "\n") == {"a==1": ["0" * 64]}
    assert audit.locked_packages("b==2\n") == {"b==2": []}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_requirements_in_names_what_the_lock_pins():
    direct = {_canonical(line.split("==")[0]) + "==" + line.split("==")[1]
              for line in (ROOT / "requirements.in").read_text().splitlines() if line and not line.startswith("#")}
    locked = {_canonical(name.split("==")[0]) + "==" + name.split("==")[1]
              for name in audit.locked_packages(audit.LOCK.read_text())}
    assert direct - locked == set()


def test_make_install_requires_hashes():
    makefile = (ROOT / "Makefile").read_text()
    install = makefile.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"pip install .*--require-hashes -r requirements\.lock", install)
    assert "--no-deps -e ." in install
    # nothing else is installed from the index without a hash
    assert [line for line in install.splitlines() if "pip install" in line and "--require-hashes" not in line
            and "--no-deps -e ." not in line] == []


@pytest.mark.timeout(300)
def test_pip_audit_finds_no_known_vulnerability():
    outcome = audit.audit()
    if not outcome.available:
        reason = ("pip-audit UNAVAILABLE: no vulnerability service answers from this machine, the lock was NOT "
                  "audited: " + "; ".join(outcome.unavailable))
        print(reason)
        if os.environ.get("AUDIT_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    assert outcome.vulnerabilities == []
    assert outcome.skipped == []
    assert outcome.audited == len(audit.locked_packages(audit.LOCK.read_text()))
