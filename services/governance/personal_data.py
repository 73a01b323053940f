"""What the governance service holds about a person, for export and erasure (see docs/privacy.md).

Council seats, proposals and comments, resident voice items and "me too"s, feedback on action items,
branch and grid memberships, duty sign-ups, and vote receipts (that the person voted, never how: secret
ballots keep no link to a voter). Erasure pseudonymises the person's id and blanks names and the text the
person wrote; proposals, resolutions and tallies stay, so a decision's record is still complete.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common import personal_data
from services.common.locales import translations
from services.common.personal_data import ERASED_NAME, PersonTable
from services.governance.contracts.messages import ERASED_CONTENT
from services.governance.models import (
    ActionItem,
    ActionItemFeedback,
    ActionItemUpdate,
    BranchMember,
    CouncilMember,
    DutySignup,
    GridMember,
    Proposal,
    ProposalComment,
    VoiceItem,
    VoiceMeToo,
)

# In the community's language, like the text it replaces.
ERASED_TEXT = translations("zh_Hans_CN").gettext(ERASED_CONTENT.text)

TABLES = [
    PersonTable(CouncilMember, "user_id", blank={"display_name": ERASED_NAME}),
    PersonTable(Proposal, "author_user_id"),
    PersonTable(ProposalComment, "author_user_id", blank={"body": ERASED_TEXT}),
    PersonTable(VoiceItem, "author_user_id", blank={"text": ERASED_TEXT, "location": None, "lat": None, "lng": None}),
    PersonTable(VoiceMeToo, "user_id"),
    PersonTable(ActionItem, "assignee_user_id", blank={"assignee_name": ERASED_NAME}),
    PersonTable(ActionItemUpdate, "author_user_id"),
    PersonTable(ActionItemFeedback, "user_id", blank={"comment": None}),
    PersonTable(BranchMember, "user_id", blank={"display_name": ERASED_NAME}),
    PersonTable(GridMember, "user_id", blank={"display_name": ERASED_NAME}),
    PersonTable(DutySignup, "user_id"),
]


def export(*, session: Session, user_id: str) -> dict:
    return personal_data.export(session=session, tables=TABLES, user_id=user_id)


def erase(*, session: Session, user_id: str, pseudonym: str, other_tenant=None) -> dict:
    """`other_tenant`: a crossing into another tenant (the service's `db.write_in_tenant`), for shared
    rows about the person that another tenant owns."""
    return personal_data.erase(session=session, tables=TABLES, user_id=user_id, pseudonym=pseudonym,
                               other_tenant=other_tenant)
