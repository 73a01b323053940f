"""What the points service holds about a person, for export and erasure (see docs/privacy.md).

The member account and its ledger (postings about the person; entries move points between accounts
and name no one), award requests, honour-board preferences, expiry pauses and redemptions.

Erasure keeps the ledger: postings and entries stay, with the same amounts on the same accounts, so
every posting still sums to zero and every balance still equals its entries. Only who they are about
changes: the member account's owner and the postings' person become the pseudonym, and free text about
the person is blanked. On PostgreSQL postings are append-only by trigger; migration 0003 lets exactly
this change through, and only inside a transaction that declares itself an erasure (`app.erasure`).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.common import personal_data
from services.common.personal_data import PersonTable
from services.points.contracts.messages import ERASED
from services.points.models import MEMBER, Account, AwardRequest, ExpiryPause, MemberPreference, Posting, Redemption

ERASED_TEXT = ERASED.text  # stored in place of free text about an erased person

TABLES = [
    PersonTable(Account, "owner_id"),
    PersonTable(Posting, "user_id", blank={"memo": None}),
    PersonTable(AwardRequest, "user_id", blank={"reason": ERASED_TEXT}),
    PersonTable(MemberPreference, "user_id", blank={"board_name": None, "show_on_board": False}),
    PersonTable(ExpiryPause, "user_id", blank={"reason": ERASED_TEXT}),
    PersonTable(Redemption, "user_id"),
]


def export(*, session: Session, user_id: str) -> dict:
    found = personal_data.export(session=session, tables=TABLES, user_id=user_id)
    # Only the person's own account: a merchant's or the tenant's accounts have other owners.
    found["accounts"] = [a for a in found.get("accounts", []) if a["kind"] == MEMBER]
    return {k: v for k, v in found.items() if v}


def erase(*, session: Session, user_id: str, pseudonym: str, other_tenant=None) -> dict:
    if session.get_bind().dialect.name == "postgresql":
        # Local to this transaction: the postings trigger admits the pseudonymisation only here.
        session.execute(text("SELECT set_config('app.erasure', 'on', true)"))
    return personal_data.erase(session=session, tables=TABLES, user_id=user_id, pseudonym=pseudonym,
                               other_tenant=other_tenant)
