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

_WHOLE_NUMBER_TEXT = re.compile(r"^\s*[+-]?\d{1,30}\s*$")
# PostgreSQL's widest integer (bigint): a larger number cannot be stored or compared with a column as one.
STORABLE = range(-(2**63), 2**63)


class Integer(_MarshmallowInteger):  # type: ignore[no-redef]  # replaces the star-imported one
    """A whole number a database can hold: 1.5, 2.0, true and "1.5" are refused ("Not a valid integer."), never
    truncated, and so is anything beyond a 64-bit integer."""

    default_error_messages = {"too_large": "Must be between -2^63 and 2^63-1."}

    def _validated(self, value: typing.Any) -> int:
        if isinstance(value, float) or (isinstance(value, str) and not _WHOLE_NUMBER_TEXT.match(value)):
            raise self.make_error("invalid", input=value)
        number = super()._validated(value)
        if number not in STORABLE:
            raise self.make_error("too_large", input=value)
        return number


Int: type[Integer] = Integer  # type: ignore[no-redef]
