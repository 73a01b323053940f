"""Export and erasure of one person's data, the same way in every service.

Each service lists, in its own `personal_data.py`, the tables that hold something about a person:
the column with the person's user id, the personal fields erasure blanks, and the fields an export
leaves out (secrets that are not the person's data). This module does the work over a tenant-scoped
session, so it only ever sees and changes rows of the caller's tenant (and, for export, shared rows
that tenant may read).

Erasure replaces the user id with a pseudonym (a random id the gateway chooses per erasure and keeps
nowhere) and blanks the personal fields; rows themselves stay, so counts, tallies and the points
ledger still add up, and nothing left links them to the person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from services.common.access import is_staff
from services.common.context import CallContext
from services.common.database import Shareable
from services.common.errors import Forbidden, ValidationFailed
from services.common.locales import stored_words
from services.common.messages import message

# The name left on an erased person's rows, stored in the platform's first language.
ERASED = message("common.erased_name", "Erased account")
ERASED_NAME = stored_words(ERASED)
PSEUDONYM_PREFIX = "erased:"  # not a user id format: ids are 36-character UUIDs


@dataclass(frozen=True)
class PersonTable:
    """A table holding personal data: `person` is the column with the person's user id."""

    model: Any  # a mapped class
    person: str
    blank: dict[str, Any] = field(default_factory=dict)  # field → value it gets on erasure
    omit: tuple[str, ...] = ()  # never exported (secrets of the service, not the person's data)
    pseudonym_prefix: str = ""  # for wider columns, e.g. points' owner_id
    label: str = ""  # the export's key when one table is listed twice (by two person columns)

    @property
    def name(self) -> str:
        return self.label or str(self.model.__tablename__)


def require_self_or_officer(ctx: CallContext, user_id: str) -> str:
    """The person themself, or staff / a tenant admin of the tenant in the call context."""
    me = ctx.require_user()
    if not user_id or not isinstance(user_id, str) or len(user_id) > 64:
        raise ValidationFailed.from_messages({"user_id": ["a user id"]})
    if user_id != me and not is_staff(ctx):  # staff may ask for another person's; anyone for their own
        raise Forbidden("Only the person, staff or a tenant admin may do this")
    return user_id


def check_pseudonym(pseudonym: str) -> str:
    if not isinstance(pseudonym, str) or not 8 <= len(pseudonym) <= 36 or not user_like(pseudonym):
        raise ValidationFailed.from_messages({"pseudonym": ["8-36 characters of letters, digits and '-'"]})
    return pseudonym


def user_like(value: str) -> bool:
    return all(c.isalnum() or c == "-" for c in value)


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def row_dict(row: Any, omit: tuple[str, ...] = ()) -> dict[str, Any]:
    return {attr.key: _plain(getattr(row, attr.key)) for attr in inspect(row).mapper.column_attrs
            if attr.key not in omit}


def export(*, session: Session, tables: list[PersonTable], user_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row about the person that this tenant can read, table by table (empty tables left out)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        column = getattr(table.model, table.person)
        rows: Sequence[Any] = session.scalars(select(table.model).where(column == user_id)).all()
        if rows:
            found[table.name] = [row_dict(row, table.omit) for row in rows]
    return found


def erase(*, session: Session, tables: list[PersonTable], user_id: str, pseudonym: str,
          other_tenant: Callable[[str], AbstractContextManager[Any]] | None = None) -> dict[str, int]:
    """Pseudonymise and blank the person's rows of this tenant; returns rows changed per table.

    Shared rows about the person that another tenant owns and this tenant may read (an application to a
    partner's alliance post, an enrolment in another community's course) are erased in their owner's
    tenant through `other_tenant(tenant_id)` — the service's `db.write_in_tenant`, which records each crossing."""
    changed: dict[str, int] = {}
    _erase_here(session, tables, user_id, pseudonym, changed)
    if other_tenant is not None:
        here = session.info.get("tenant_id")
        owners: set[str] = set()
        for table in tables:
            if issubclass(table.model, Shareable):
                column = getattr(table.model, table.person)
                owners.update(session.scalars(select(table.model.tenant_id).where(column == user_id).distinct()))
        for owner in sorted(owners - {here}):
            with other_tenant(owner) as tx:
                _erase_here(tx.session, [t for t in tables if issubclass(t.model, Shareable)], user_id, pseudonym,
                            changed)
    return changed


def _erase_here(session: Session, tables: list[PersonTable], user_id: str, pseudonym: str,
                changed: dict[str, int]) -> None:
    for table in tables:
        column = getattr(table.model, table.person)
        values = {table.person: table.pseudonym_prefix + pseudonym, **table.blank}
        result: Any = session.execute(
            update(table.model).where(column == user_id).values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:
            changed[table.name] = changed.get(table.name, 0) + result.rowcount
    session.flush()
