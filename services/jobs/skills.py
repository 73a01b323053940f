"""The skills taxonomy: a default list every community starts with, plus the
skills a community adds for itself. Profiles and posts store skill codes;
people may type a code, the Chinese name or the English name."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import Conflict, ValidationFailed
from services.jobs.contracts.messages import SKILLS
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
    rows = json.loads((Path(__file__).resolve().parent / "data" / "skills.json").read_text(encoding="utf-8"))
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
        raise ValidationFailed.from_messages(
            {field: [f"未知技能 / Unknown skill: {', '.join(unknown)} (see GET /api/v1/jobs/skills)"]})
    return codes


def add(*, session: Session, code: str, name_zh: str, name_en: str, category: str) -> TenantSkill:
    """Staff extend their community's taxonomy."""
    if not CODE.match(code):
        raise ValidationFailed.from_messages({"code": ["lowercase letters, digits and _ (2-40)"]})
    if code in taxonomy(session=session):
        raise Conflict("This skill code exists already", {"code": code})
    skill = TenantSkill(code=code, name_zh=name_zh, name_en=name_en, category=category)
    session.add(skill)
    session.flush()
    return skill
