"""Keyset pagination, the one way every list endpoint pages.

The contract (the same in every service and in the OpenAPI document): a query takes `limit` and
`after`, an opaque cursor; a page answers `items` and `next_cursor`, null on the last page. A cursor
is the sort key of the last row seen, encoded (URL-safe base64 of JSON, typed so datetimes come back
as datetimes); clients must not build or read one. Paging by key instead of by offset keeps a page
stable while rows are added and costs one index range scan however deep the page.

    page = keyset_page(session, select(Post).where(...),
                       keys=[Key(Post.created_at, descending=True), Key(Post.id, descending=True)],
                       limit=params["limit"], after=params["after"])
    return {"items": [...page.items], "next_cursor": page.next_cursor}

The query and answer schemas (`PageQuery`, `page_limit`, `page_schema`) are contracts: they live in
services.common.contracts.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from services.common.errors import ValidationFailed
from services.common.shared_messages import BAD_CURSOR

T = TypeVar("T")



@dataclass(frozen=True)
class Key:
    """One column of the sort key. The last key must be unique (an id) so the order is total."""

    column: Any  # an ORM attribute or a labelled column of the statement
    descending: bool = False

    @property
    def name(self) -> str:
        return str(self.column.key)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_tag(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, width: int, *, field: str = "after") -> list[Any]:
    """The key values in a cursor; a cursor that is not one of ours (or from another list) is a 422 on
    `field`, never a 500."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != width:
            raise ValueError("wrong width")
        return [_untag(v) for v in values]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError):
        raise ValidationFailed.from_messages({field: [BAD_CURSOR]}) from None


def keyset_page(session: Session, statement: Select[Any], *, keys: Sequence[Key], limit: int,
                after: str | None, field: str = "after", scalars: bool = True,
                key_of: Callable[[Any], Sequence[Any]] | None = None) -> Page[Any]:
    """One page of `statement` ordered by `keys`, starting after the cursor `after`.

    `scalars` pages ORM entities (one per row); with `scalars=False` rows are returned as they are.
    `key_of` reads a row's key values when they are not attributes named like the key columns."""
    if after:
        values = decode_cursor(after, len(keys), field=field)
        statement = statement.where(_after(keys, values))
    statement = statement.order_by(*[k.column.desc() if k.descending else k.column.asc() for k in keys])
    statement = statement.limit(limit + 1)
    result = session.scalars(statement) if scalars else session.execute(statement)
    rows = list(result.all())
    more = len(rows) > limit
    rows = rows[:limit]
    if not more or not rows:
        return Page(rows, None)
    last = rows[-1]
    values = list(key_of(last)) if key_of is not None else [getattr(last, k.name) for k in keys]
    return Page(rows, encode_cursor(values))


def page_of(values: Sequence[Any], *, limit: int, key_of: Callable[[Any], Sequence[Any]],
            more: bool) -> Page[Any]:
    """A page built by a caller that fetched `limit + 1` rows itself (a query keyset_page cannot
    express, such as a UNION); `more` says whether a row beyond the page was found."""
    items = list(values)[:limit]
    return Page(items, encode_cursor(list(key_of(items[-1]))) if more and items else None)


def _after(keys: Sequence[Key], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys`, for any mix of directions:
    k1 > v1  OR  (k1 = v1 AND k2 > v2)  OR  ..."""
    alternatives = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


def _tag(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        raise ValueError("unknown tag")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ValueError("not a key value")
