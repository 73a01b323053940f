"""Requests derived from the gateway's OpenAPI document, for tests that must hold for every operation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import requests

METHODS = ("get", "post", "put", "patch", "delete")
# An id that names nothing: the path is routed, the object is not found (or never looked up).
NOBODY = "00000000-0000-4000-8000-00000000dead"
_PARAMETER = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True, eq=False)  # hashable by identity: its body schema is a dict
class Operation:
    method: str  # upper case
    path: str  # as documented, with {parameters}
    body: dict | None  # the JSON body's schema, $refs resolved at the top level; None: the operation takes none
    body_types: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, base_url: str, **values: str) -> str:
        return base_url + _PARAMETER.sub(lambda m: values.get(m.group()[1:-1], NOBODY), self.path)

    def properties(self) -> dict[str, dict]:
        return (self.body or {}).get("properties", {})


def document(base_url: str) -> dict:
    return requests.get(base_url + "/openapi.json", timeout=10).json()


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def operations(spec: dict) -> list[Operation]:
    found = []
    for path, item in sorted(spec["paths"].items()):
        for method in METHODS:
            if method not in item:
                continue
            content = item[method].get("requestBody", {}).get("content")
            body = None
            if content is not None:
                schema = next(iter(content.values())).get("schema", {})
                body = resolve(spec, schema)
                body = {**body, "properties": {name: resolve(spec, prop)
                                               for name, prop in body.get("properties", {}).items()}}
            found.append(Operation(method.upper(), path, body, tuple(content or ())))
    return found


def with_body(spec: dict) -> list[Operation]:
    return [op for op in operations(spec) if op.body is not None]


def kind(schema: dict) -> str | None:
    return schema.get("type") or ("object" if "properties" in schema else None)


def loadable(schema: dict) -> bool:
    return not schema.get("readOnly")


def string_fields(op: Operation) -> list[str]:
    return [name for name, prop in op.properties().items() if kind(prop) == "string" and loadable(prop)]


def integer_fields(op: Operation) -> list[str]:
    return [name for name, prop in op.properties().items() if kind(prop) == "integer" and loadable(prop)]


def problem(response: requests.Response) -> dict[str, Any]:
    assert response.headers.get("Content-Type", "").startswith("application/problem+json"), response.text[:300]
    return response.json()
