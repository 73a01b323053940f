"""One routes module per area: health, auth (identity), and one per service.

Every module here that defines a flask-smorest `blp` is registered by the app
factory, in the order of `ORDER` then alphabetically, so adding a service's API
is adding its module.
"""

from __future__ import annotations

import importlib
import pkgutil

from flask_smorest import Blueprint

ORDER = ("health", "auth", "jobs", "training", "governance", "points")


def blueprints() -> list[Blueprint]:
    names = [m.name for m in pkgutil.iter_modules(__path__)]
    names.sort(key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    found: list[Blueprint] = []
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        if hasattr(module, "blp"):
            found.append(module.blp)
    return found
