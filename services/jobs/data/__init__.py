"""Data the jobs service reads at import: the default skills' Chinese names (skills.json), examples for the
OpenAPI document and the events catalogue (examples.json), and the words stored when a person gave none
(defaults.json). Chinese text lives here, not in the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent


def load(name: str) -> Any:
    return json.loads((FOLDER / name).read_text(encoding="utf-8"))


DEFAULTS: dict[str, str] = load("defaults.json")
EXAMPLES: dict[str, Any] = load("examples.json")
