"""The words a person reads, in their language: the one place the gateway turns message codes,
field messages and enumerated values into text (services.common.messages explains the codes).

The locale is the request's (the language cookie, else Accept-Language; Chinese wins a tie), the
same for the API's problem+json and the web pages. The services' catalogues
(services.common.locales) are asked first, then the gateway's own (flask-babel, the pages' words).
"""

from __future__ import annotations

from typing import Any

import flask_babel
from flask import has_request_context

from services.common.errors import FengchaoError
from services.common.locales import translations
from services.common.messages import ENUMERATIONS, MESSAGES


def current_locale() -> str:
    if not has_request_context():
        return "zh_CN"
    return "en" if str(flask_babel.get_locale() or "zh_CN").startswith("en") else "zh_CN"


def translate(text: str, domain: str | None = None) -> str:
    """`text` (an English msgid) in the request's language, from `domain`'s catalogue (a service's, for its
    codes and enumerations) or any; itself when no catalogue knows it."""
    found = translations(current_locale(), domain).gettext(text)
    if found != text or not has_request_context():
        return found
    return str(flask_babel.gettext(text))


def _domain(name: str) -> str:
    """`jobs.post_closed` → `jobs`: the catalogue that owns a code or an enumeration."""
    return name.split(".", 1)[0]


def message(code: str | None, params: dict[str, Any] | None = None, default: str = "") -> str:
    """The words of a message code with its parameters; `default` for a code no catalogue declares."""
    found = MESSAGES.get(code or "")
    if found is None:
        return default
    return found.render(lambda text: translate(text, _domain(found.code)), params)


def field_messages(fields: Any) -> Any:
    """A problem's field messages (nested as marshmallow nests them), each translated."""
    if isinstance(fields, dict):
        return {key: field_messages(value) for key, value in fields.items()}
    if isinstance(fields, list):
        return [field_messages(value) for value in fields]
    if isinstance(fields, str):
        return translate(fields)
    return fields


def label(enumeration: str, value: Any) -> str:
    """An enumerated value's label (`label("jobs.case_category", "wage_arrears")`); an unknown
    enumeration or value is shown as it is."""
    found = ENUMERATIONS.get(enumeration)
    if found is None or value is None:
        return "" if value is None else str(value)
    return found.label(str(value), lambda text: translate(text, _domain(enumeration)))


def localize(error: FengchaoError) -> FengchaoError:
    """A service's error with its words in the request's language: `detail` from its message code,
    field messages from the catalogues. Done once where the gateway receives it, so the API and the
    pages read the same words."""
    if not has_request_context():
        return error
    error.detail = message(error.message_code, error.message_params, default=error.detail)
    codes = error.extra.pop("field_codes", None)
    if isinstance(codes, dict):
        error.extra["fields"] = coded_field_messages(codes)
    elif isinstance(error.extra.get("fields"), dict):
        error.extra["fields"] = field_messages(error.extra["fields"])
    return error


def coded_field_messages(codes: Any) -> Any:
    """Field messages sent as codes and parameters (services.common.errors: `field_codes`), worded. The
    messages are the items of lists; dicts above them are fields (a field may well be called `code`)."""
    if isinstance(codes, list):
        return [_coded_message(value) for value in codes]
    if isinstance(codes, dict):
        return {key: coded_field_messages(value) for key, value in codes.items()}
    return codes


def _coded_message(item: Any) -> Any:
    if isinstance(item, dict) and "code" in item:
        return message(str(item["code"]), item.get("params"), default=str(item["code"]))
    if isinstance(item, dict) and "text" in item:
        return translate(str(item["text"]))
    return coded_field_messages(item)
