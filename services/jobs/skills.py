"""The skills taxonomy: a default list every community starts with, plus the
skills a community adds for itself. Profiles and posts store skill codes;
people may type a code, the Chinese name or the English name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import Conflict, ValidationFailed
from services.common.shared_messages import SOME_FIELDS_INVALID
from services.jobs import data
from services.jobs.contracts.messages import SKILL_CODE_FORMAT, SKILL_EXISTS, SKILLS, UNKNOWN_SKILL
from services.jobs.models import TenantSkill


@dataclass(frozen=True)
class Skill:
    code: str
    name_zh: str
    name_en: str
    category: str


def _default_skills() -> tuple[Skill, ...]:
    """What the gig market of a courier-heavy sub-district asks for most; the categories follow the
    alliance enterprises' industries. Codes and English names: the jobs.skill enumeration; the Chinese
    names people type, and the categories: data/skills.json."""
    rows = data.load("skills.json")
    by_code = {row["code"]: row for row in rows["skills"]}
    if set(by_code) != set(SKILLS.values):
        raise ValueError("data/skills.json and the jobs.skill enumeration name different skills")
    return tuple(Skill(code, by_code[code]["name_zh"], SKILLS.text(code) or code, by_code[code]["category"])
                 for code in SKILLS.values)


DEFAULT_SKILLS: tuple[Skill, ...] = _default_skills()

CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def taxonomy(*, session: Session) -> dict[str, Skill]:
    """Default skills plus the tenant's own, by code."""
    skills = {s.code: s for s in DEFAULT_SKILLS}
    for row in session.scalars(select(TenantSkill)):
        skills[row.code] = Skill(row.code, row.name_zh, row.name_en, row.category)
    return skills


def normalise(*, session: Session, values: list[str], field: str = "skills",
              known: dict[str, Skill] | None = None) -> list[str]:
    """Codes for the given codes or names, in order, without repeats.
    Unknown ones are a ValidationFailed naming them."""
    known = known if known is not None else taxonomy(session=session)
    by_name = {}
    for skill in known.values():
        by_name[skill.code] = skill.code
        by_name[skill.name_zh] = skill.code
        by_name[skill.name_en.lower()] = skill.code
    codes, unknown = [], []
    for value in values:
        code = by_name.get(value) or by_name.get(value.strip().lower())
        if code is None:
            unknown.append(value)
        elif code not in codes:
            codes.append(code)
    if unknown:
        # The names go with the error, not into its words: the words come from the catalogue.
        raise ValidationFailed(SOME_FIELDS_INVALID, {"fields": {field: [UNKNOWN_SKILL.text]}, "unknown": unknown})
    return codes


def add(*, session: Session, code: str, name_zh: str, name_en: str, category: str) -> TenantSkill:
    """Staff extend their community's taxonomy."""
    if not CODE.match(code):
        raise ValidationFailed.from_messages({"code": [SKILL_CODE_FORMAT]})
    if code in taxonomy(session=session):
        raise Conflict(SKILL_EXISTS, {"code": code})
    skill = TenantSkill(code=code, name_zh=name_zh, name_en=name_en, category=category)
    session.add(skill)
    session.flush()
    return skill
