"""The skills taxonomy: a default list every community starts with, plus the
skills a community adds for itself. Profiles and posts store skill codes;
people may type a code, the Chinese name or the English name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import Conflict, ValidationFailed
from services.jobs.models import TenantSkill


@dataclass(frozen=True)
class Skill:
    code: str
    name_zh: str
    name_en: str
    category: str


# What the gig market of a courier-heavy sub-district asks for most; the
# categories follow the alliance enterprises' industries.
DEFAULT_SKILLS: tuple[Skill, ...] = tuple(Skill(*row) for row in (
    ("courier_delivery", "快递", "Courier delivery", "logistics"),
    ("food_delivery", "外卖配送", "Food delivery", "logistics"),
    ("ebike_riding", "电动车驾驶", "E-bike riding", "logistics"),
    ("warehouse_sorting", "仓储分拣", "Warehouse sorting", "logistics"),
    ("forklift", "叉车", "Forklift operation", "logistics"),
    ("dispatching", "物流调度", "Logistics dispatching", "logistics"),
    ("moving", "搬运", "Moving and loading", "logistics"),
    ("driving_c1", "C1驾驶", "Driving (C1 licence)", "transport"),
    ("packing", "包装", "Packing", "manufacturing"),
    ("assembly_line", "流水线", "Assembly line work", "manufacturing"),
    ("quality_check", "质检", "Quality inspection", "manufacturing"),
    ("sewing", "缝纫", "Sewing", "manufacturing"),
    ("electrician", "电工", "Electrician", "trades"),
    ("welding", "焊工", "Welding", "trades"),
    ("property_repair", "物业维修", "Property maintenance", "trades"),
    ("construction", "建筑施工", "Construction labour", "trades"),
    ("cashier", "收银", "Cashier", "retail"),
    ("shop_assistant", "导购", "Shop assistant", "retail"),
    ("online_shop", "网店运营", "Online shop operation", "retail"),
    ("livestream_sales", "直播带货", "Livestream selling", "retail"),
    ("customer_service", "客服", "Customer service", "services"),
    ("data_entry", "数据录入", "Data entry", "services"),
    ("cleaning", "保洁", "Cleaning", "services"),
    ("housekeeping", "家政", "Housekeeping", "care"),
    ("elderly_care", "养老护理", "Elderly care", "care"),
    ("childcare", "育婴", "Childcare", "care"),
    ("cooking", "烹饪", "Cooking", "catering"),
    ("chinese_pastry", "中式面点", "Chinese pastry", "catering"),
    ("catering_service", "餐饮服务", "Catering service", "catering"),
    ("beauty", "美容美发", "Beauty and hairdressing", "services"),
    ("photography", "摄影", "Photography", "services"),
    ("security_guard", "安保", "Security guard", "services"),
    ("gardening", "绿化养护", "Gardening", "services"),
    ("first_aid", "急救", "First aid", "safety"),
))

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
