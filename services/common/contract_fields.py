"""marshmallow's fields for the platform's contracts: import this as `fields` instead of `marshmallow.fields`.

Everything is marshmallow's own but `Integer` (and its alias `Int`): marshmallow's loads 1.5 as 1, silently
truncating what a client sent. Here a JSON number must be whole, as `fields.Integer(strict=True)` would have it,
while a string of digits still loads, because every value of a query string is text (`?limit=50`) and
strict=True would refuse those. One class, so no field can forget the flag; tests/unit/test_contract_fields.py
checks that no schema of the gateway or the services declares marshmallow's own Integer.
"""

from __future__ import annotations

import re
import typing

from marshmallow.fields import *  # noqa: F403 - the whole vocabulary, so that this module replaces marshmallow.fields
from marshmallow.fields import Integer as _MarshmallowInteger

_WHOLE_NUMBER_TEXT = re.compile(r"^\s*[+-]?\d+\s*$")


class Integer(_MarshmallowInteger):
    """A whole number: 1.5, 2.0, true and "1.5" are refused ("Not a valid integer."), never truncated."""

    def _validated(self, value: typing.Any) -> int:
        if isinstance(value, float) or (isinstance(value, str) and not _WHOLE_NUMBER_TEXT.match(value)):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


Int = Integer
