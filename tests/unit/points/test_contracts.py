"""The points contracts stand alone: importing them loads no domain module, model, ORM or nameko."""

import subprocess
import sys


def test_the_contracts_import_no_domain_model_orm_or_nameko():
    code = ("import sys, services.points.contracts.schemas, services.points.contracts.messages; "
            "print('\\n'.join(sorted(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    points = [m for m in loaded if m.startswith("services.points.") and not m.startswith("services.points.contracts")]
    assert points == []
    assert not [m for m in loaded if m.split(".")[0] in ("nameko", "eventlet") or m.startswith("sqlalchemy.orm")]
