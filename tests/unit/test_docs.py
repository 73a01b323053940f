"""The docs stay true to the code."""

from pathlib import Path

from services.common import catalogue
from services.common.config import SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def test_the_event_catalogue_in_docs_matches_the_code():
    assert catalogue.main(["--check"]) == 0, "run: python -m services.common.catalogue"


def test_every_setting_is_documented_with_its_default():
    operations = (ROOT / "docs" / "operations.md").read_text()
    for setting in SETTINGS:
        assert f"| `{setting.name}` | `{setting.default or '(empty)'}` |" in operations, setting.name


def test_the_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    head = readme[: readme.index("\n## ", readme.index("make test"))]
    assert "make run" in head and "make test" in head
