"""Supply chain: requirements.lock is pinned and hashed, and pip-audit finds no known vulnerability in it.

    python -m tests.security.audit          # what `make audit` runs; exit 0 clean, 1 findings, 2 cannot audit

pip-audit asks a vulnerability service about each pinned release: PyPI's per-release JSON
(`/pypi/<name>/<version>/json`, which carries the advisories) or OSV (api.osv.dev). Where neither answers (a
machine that reaches only a package index mirror), pip-audit alone would report every package as skipped and
still print "No known vulnerabilities found"; here that is reported as UNAVAILABLE and exits 2, never as clean.
A canary release with published advisories tells a working service from one that answers nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
SERVICES = ("pypi", "osv")
# requests 2.25.0 has published advisories (e.g. CVE-2023-32681); a service that is reachable reports them.
CANARY = ("requests==2.25.0 \\\n"
          "    --hash=sha256:e786fa28d8c9154e6a4de5d46a1d921b8749f8b74e28bde23768e5e16eece998\n")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def locked_packages(text: str) -> dict[str, list[str]]:
    """name==version → its sha256 hashes; a requirement line that is not an exact pin is an error."""
    found: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if raw[0].isspace():
            if current is None:
                raise ValueError(f"a continuation line before any requirement: {raw!r}")
            found[current] += re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
            continue
        match = PIN.match(line)
        if match is None:
            raise ValueError(f"not pinned with ==: {line!r}")
        current = f"{match.group(1)}=={match.group(2)}"
        found[current] = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
    return found


@dataclass
class Outcome:
    service: str | None = None
    vulnerabilities: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    audited: int = 0
    unavailable: list[str] = field(default_factory=list)  # why each service could not be used

    @property
    def available(self) -> bool:
        return self.service is not None


def _pip_audit(requirements: Path, service: str) -> tuple[dict | None, str]:
    command = [sys.executable, "-m", "pip_audit", "--disable-pip", "--require-hashes", "--progress-spinner", "off",
               "--format", "json", "--vulnerability-service", service, "--timeout", "20",
               "--requirement", str(requirements)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    try:
        return json.loads(done.stdout), done.stderr
    except json.JSONDecodeError:
        return None, (done.stderr or done.stdout).strip().splitlines()[-1:][0] if (done.stderr or done.stdout) else ""


def _service_answers(service: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as tmp:
        canary = Path(tmp) / "canary.txt"
        canary.write_text(CANARY)
        report, errors = _pip_audit(canary, service)
    if report is None:
        return False, f"{service}: pip-audit failed ({errors})"
    dependency = report["dependencies"][0]
    if dependency.get("skip_reason"):
        return False, f"{service}: {dependency['skip_reason']}"
    if not dependency.get("vulns"):
        return False, f"{service}: answered, but reported nothing for the canary {CANARY.split()[0]}"
    return True, f"{service}: reports {len(dependency['vulns'])} advisories for the canary"


def audit(lock: Path = LOCK) -> Outcome:
    outcome = Outcome()
    for service in SERVICES:
        answers, why = _service_answers(service)
        if answers:
            outcome.service = service
            break
        outcome.unavailable.append(why)
    if not outcome.available:
        return outcome
    report, errors = _pip_audit(lock, outcome.service)
    if report is None:
        outcome.unavailable.append(f"{outcome.service}: pip-audit failed on the lock ({errors})")
        outcome.service = None
        return outcome
    for dependency in report["dependencies"]:
        name = f"{dependency['name']}=={dependency.get('version', '?')}"
        if dependency.get("skip_reason"):
            outcome.skipped.append(f"{name}: {dependency['skip_reason']}")
            continue
        outcome.audited += 1
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
            outcome.vulnerabilities.append(f"{name}: {vuln['id']} (fixed in {fixed})")
    return outcome


def main() -> int:
    packages = locked_packages(LOCK.read_text())
    unhashed = [name for name, hashes in packages.items() if not hashes]
    print(f"requirements.lock: {len(packages)} packages, all pinned; "
          f"{len(packages) - len(unhashed)} with sha256 hashes")
    if unhashed:
        print("NOT HASHED: " + ", ".join(unhashed))
        return 1
    outcome = audit()
    if not outcome.available:
        print("pip-audit: UNAVAILABLE - no vulnerability service answers from this machine, so the lock was NOT "
              "audited:")
        for why in outcome.unavailable:
            print(f"  - {why}")
        return 2
    print(f"pip-audit ({outcome.service}): {outcome.audited} packages audited, "
          f"{len(outcome.vulnerabilities)} known vulnerabilities, {len(outcome.skipped)} not auditable")
    for line in outcome.vulnerabilities + outcome.skipped:
        print(f"  - {line}")
    return 1 if outcome.vulnerabilities or outcome.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
