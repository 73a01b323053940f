"""Words a person reads, as codes: messages (an error's explanation) and enumerations (a category,
a status, a group, a skill), each with its English text. The words in a person's language come from
the Babel catalogues at the edge (the gateway's API and web pages, the notification templates), never
from service code, so a service raises `Conflict(POST_CLOSED)` and a courier reads "岗位已关闭" while a
partner's English client reads "This post is closed".

Each service declares its own in `services/<name>/contracts/messages.py`; its translations live in
`services/<name>/translations/<locale>/LC_MESSAGES/<name>.po` (the common ones: `services/common/
translations`, domain `common`). `pybabel extract` finds the English texts through the keywords
`message:2` and `choice:2` (babel.cfg). The registries below let a test render every code and every
enumerated value in every locale.

This module imports nothing but the standard library: contracts, the gateway and the notification
templates all read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MESSAGES: dict[str, Message] = {}
ENUMERATIONS: dict[str, Enumeration] = {}

Translate = Callable[[str], str]


@dataclass(frozen=True)
class Message:
    """A code (`<service>.<what>`, stable: clients may branch on it) and its English text, the
    catalogue's msgid; `%(name)s` placeholders are filled from the error's parameters."""

    code: str
    text: str

    def format(self, params: Mapping[str, Any] | None = None) -> str:
        return _fill(self.text, params)

    def render(self, translate: Translate, params: Mapping[str, Any] | None = None) -> str:
        """The message in the language of `translate` (a `gettext`)."""
        return _fill(translate(self.text), params)

    def __call__(self, **params: Any) -> Filled:
        """The message with its parameters, for a field: `{"age": [CHILD_AGE_OUTSIDE(lowest=6, highest=12)]}`."""
        return Filled(self, dict(params))


@dataclass(frozen=True)
class Filled:
    """A message and the parameters that complete it (a field message that names a number or a range)."""

    message: Message
    params: dict[str, Any]

    @property
    def code(self) -> str:
        return self.message.code

    @property
    def text(self) -> str:
        return self.message.format(self.params)


def message(code: str, text: str) -> Message:
    """Declare a message; a code declared twice with other words is a mistake caught at import."""
    known = MESSAGES.get(code)
    if known is not None and known.text != text:
        raise ValueError(f"message code {code!r} declared twice with different texts")
    MESSAGES[code] = found = Message(code, text)
    return found


@dataclass(frozen=True)
class Choice:
    """One value of an enumeration and its English label (the catalogue's msgid)."""

    value: str
    text: str


def choice(value: str, text: str) -> Choice:
    return Choice(value, text)


@dataclass(frozen=True)
class Enumeration:
    """A closed set of values shown to people: `values` for schemas' `OneOf`, `label` for pages."""

    name: str
    choices: tuple[Choice, ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    def text(self, value: str) -> str | None:
        for c in self.choices:
            if c.value == value:
                return c.text
        return None

    def label(self, value: str, translate: Translate) -> str:
        """The value's label in the language of `translate`; an unknown value is shown as it is."""
        text = self.text(value)
        return translate(text) if text is not None else value

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def __len__(self) -> int:
        return len(self.choices)


def enumeration(name: str, *choices: Choice) -> Enumeration:
    """Declare an enumeration (`<service>.<what>`); its values keep the order given."""
    values = [c.value for c in choices]
    if len(set(values)) != len(values):
        raise ValueError(f"enumeration {name!r} repeats a value")
    found = Enumeration(name, tuple(choices))
    known = ENUMERATIONS.get(name)
    if known is not None and known != found:
        raise ValueError(f"enumeration {name!r} declared twice with different choices")
    ENUMERATIONS[name] = found
    return found


def render_code(code: str, params: Mapping[str, Any] | None, translate: Translate) -> str | None:
    """The words for a message code in the language of `translate`; None for an unknown code."""
    found = MESSAGES.get(code)
    return found.render(translate, params) if found is not None else None


def texts() -> Iterable[str]:
    """Every English text declared so far (messages and labels): what the catalogues must translate."""
    for m in MESSAGES.values():
        yield m.text
    for e in ENUMERATIONS.values():
        for c in e.choices:
            yield c.text


def _fill(text: str, params: Mapping[str, Any] | None) -> str:
    if not params:
        return text
    try:
        return text % dict(params)
    except (KeyError, TypeError, ValueError):
        # A translation that lost a placeholder must not turn an answer into a 500.
        return text
