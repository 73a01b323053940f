"""What the gateway refuses before any schema or service sees a request ("no 500, whatever the input").

Run in this order from the app's before-request hook:

1. `refuse_unsupported_media_type`: an operation documented with a request body takes JSON only; any other
   content type (or a body sent without one) is 415, on every such operation alike (before, webargs read a
   `text/plain` body as "no data" and answered 422 "Missing data", or accepted it as an empty update).
2. `refuse_malformed_json`: a JSON body that does not parse is 400; one nested deeper than `MAX_JSON_DEPTH` is
   400 too, decided by a scan that does not recurse, so that Python's recursive decoder never meets it (5,000
   levels of `{"a":` raised RecursionError, a 500, on every JSON endpoint).
3. `refuse_unstorable_characters`: text PostgreSQL cannot store — NUL, or a lone UTF-16 surrogate such as
   `\\ud800`, which JSON can spell but UTF-8 cannot encode — in a path segment, query parameter, form field,
   JSON key or JSON string at any depth is 422 naming the field, instead of failing deep in a service.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from gateway import messages
from services.common.errors import ValidationFailed
from services.common.messages import Message

# Deep enough for every contract of the API (the deepest nests four levels), shallow enough that decoding,
# validating and scanning never come near Python's recursion limit (1,000).
MAX_JSON_DEPTH = 64

NUL_MESSAGE = messages.TEXT_HAS_NUL
SURROGATE_MESSAGE = messages.TEXT_HAS_LONE_SURROGATE

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON string literal (escapes included), so that brackets inside strings are not counted as nesting.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def json_depth(text: str) -> int:
    """How deeply `text` nests arrays and objects, counted without recursion: string literals are dropped, then
    the running sum of opening (+1) and closing (-1) brackets peaks at the depth. Malformed text gets a number
    too; the decoder refuses it afterwards."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def operations_with_body(app: Flask, document: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, Flask rule) of every operation the OpenAPI document gives a request body."""
    found = set()
    for rule in app.url_map.iter_rules():
        path = _RULE_PARAMETER.sub(r"{\1}", rule.rule)
        for method, operation in document.get("paths", {}).get(path, {}).items():
            if isinstance(operation, dict) and "requestBody" in operation:
                found.add((method.upper(), rule.rule))
    return found


def refuse_unsupported_media_type(with_body: set[tuple[str, str]]) -> None:
    rule = request.url_rule
    if rule is None or (request.method, rule.rule) not in with_body:
        return
    declared = "Content-Type" in request.headers
    if request.is_json or (not declared and not request.content_length and not request.get_data(cache=True)):
        return  # JSON (application/json, or a +json type such as CloudEvents'), or no body at all
    raise UnsupportedMediaType(f"Send the body as application/json (got {request.mimetype or 'no content type'})")


def refuse_malformed_json() -> None:
    if not request.is_json:
        return
    raw = request.get_data(cache=True)
    if not raw.strip():
        return  # no body: the operation's schema says whether one was needed
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The body is not UTF-8 text") from None
    if json_depth(text) > MAX_JSON_DEPTH:
        raise BadRequest(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        json.loads(text)  # not request.get_json(): outside debug mode its 400 does not say what is wrong
    except ValueError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None


def _unstorable(text: str) -> Message | None:
    if "\x00" in text:
        return NUL_MESSAGE
    if _LONE_SURROGATE.search(text):
        return SURROGATE_MESSAGE
    return None


def _printable(name: str) -> str:
    """A field name as the answer can carry it: a lone surrogate cannot be encoded as UTF-8 either."""
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", name)


def unstorable_fields(value: Any, path: str = "") -> dict[str, list[Message]]:
    """field path (dotted, list positions as numbers) → message, for every key and string that cannot be stored.
    Iterative, though depth is already bounded, so that no input can exhaust the stack."""
    found: dict[str, list[Message]] = {}
    pending: list[tuple[Any, str]] = [(value, path)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, str):
            message = _unstorable(item)
            if message:
                found.setdefault(_printable(where) or "_schema", [message])
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{where}.{key}" if where else str(key)
                message = _unstorable(str(key))
                if message:
                    found.setdefault(_printable(name), [message])
                pending.append((child, name))
        elif isinstance(item, list):
            pending.extend((child, f"{where}.{position}" if where else str(position))
                           for position, child in enumerate(item))
    return found


def refuse_unstorable_characters() -> None:
    """No text the platform stores or looks up may hold NUL or a lone surrogate (PostgreSQL text and UTF-8
    cannot): refused up front as a 422 naming the field."""
    found = unstorable_fields(request.view_args or {})
    for name, values in request.args.lists():
        found.update(unstorable_fields({name: values if len(values) > 1 else values[0]}))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, values in request.form.lists():
            found.update(unstorable_fields({name: values if len(values) > 1 else values[0]}))
    elif request.is_json:
        found.update(unstorable_fields(request.get_json(silent=True)))
    if found:
        raise ValidationFailed.from_messages(found)
