"""What the demo holds: the communities and partners, the sizes, and generated people.

Everything here is deterministic (seeded), so a rerun plans exactly the same rows and the
loader can tell what already exists by its natural keys. Names are plausible, phones fake:
residents' numbers are in the 170 range (a virtual-operator prefix) counted up from
17000000000, staff and partner accounts in 1380000xxxx.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

SEED = 20260128
DEMO_PASSWORD = "Fengchao2026"

# The 12 communities of the sub-district (tenant id, name, short code used in reference numbers).
COMMUNITIES: tuple[tuple[str, str, str], ...] = (
    ("xiangyang", "向阳社区", "XY"),
    ("dongxin", "东新社区", "DX"),
    ("huanqiu", "环球社区", "HQ"),
    ("yunhe", "运河社区", "YH"),
    ("qiaoxi", "桥西社区", "QX"),
    ("kangyuan", "康园社区", "KY"),
    ("hemu", "和睦社区", "HM"),
    ("gongchen", "拱宸社区", "GC"),
    ("dongfeng", "东风社区", "DF"),
    ("xinyuan", "新苑社区", "XN"),
    ("hangbo", "杭玻社区", "HB"),
    ("guashan", "瓜山社区", "GS"),
)
# Partner tenants: the gig-market enterprise alliance, a vocational college, a caring-merchant circle.
ALLIANCE, COLLEGE, MERCHANTS = "gig-alliance", "hz-vocational-college", "caring-merchants"
PARTNERS: tuple[tuple[str, str], ...] = (
    (ALLIANCE, "零工市场联盟（红色蜂巢）"),
    (COLLEGE, "杭州职业技术学院"),
    (MERCHANTS, "爱心联盟商圈"),
)
OPERATOR = ("kangqiao", "康桥街道")


@dataclass(frozen=True)
class Size:
    name: str
    communities: int
    residents: int
    floating_members: int
    employers: int
    posts: int
    workers: int
    placements: int
    extra_applications: int
    fairs: int
    held_fairs: int
    rights_cases: int
    vocational_sessions: int
    cultural_classes: int
    learners_per_session: int
    council_sessions: int
    council_members: int
    rest_stops: int
    service_points: int
    grid_members: int
    voice_items: int
    volunteers: int
    acts: int
    redemptions: int


SIZES = {
    # The sub-district's real scale (../shared/design/DOMAIN.md).
    "full": Size("full", communities=12, residents=44_200, floating_members=703, employers=150, posts=6_000,
                 workers=3_000, placements=1_800, extra_applications=1_200, fairs=100, held_fairs=12,
                 rights_cases=550, vocational_sessions=85, cultural_classes=300, learners_per_session=10,
                 council_sessions=22, council_members=154, rest_stops=19, service_points=15, grid_members=200,
                 voice_items=300, volunteers=13_000, acts=32_000, redemptions=2_400),
    # What `make run` loads by default: every page has something to show, in well under a minute.
    "small": Size("small", communities=12, residents=1_200, floating_members=48, employers=24, posts=240,
                  workers=120, placements=48, extra_applications=36, fairs=12, held_fairs=4, rights_cases=24,
                  vocational_sessions=12, cultural_classes=24, learners_per_session=6, council_sessions=4,
                  council_members=24, rest_stops=19, service_points=15, grid_members=24, voice_items=24,
                  volunteers=300, acts=800, redemptions=60),
    # For the tests: two communities, a handful of each.
    "tiny": Size("tiny", communities=2, residents=40, floating_members=4, employers=3, posts=8, workers=8,
                 placements=3, extra_applications=2, fairs=3, held_fairs=1, rights_cases=3, vocational_sessions=2,
                 cultural_classes=2, learners_per_session=3, council_sessions=2, council_members=6, rest_stops=3,
                 service_points=2, grid_members=3, voice_items=4, volunteers=12, acts=30, redemptions=4),
}

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强海燕文斌春林玉兰晓东小红立新宏伟"
         "俊杰家豪子轩雨涵浩然欣怡思远佳琪建华永刚德明卫东国平秀珍凤英淑珍丽娟金凤晓燕春花海波振华")


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


@dataclass(frozen=True)
class Resident:
    index: int
    phone: str
    name: str
    tenant_id: str


# The same data spread over 1,200 tenants (the tenant-scale benchmark): the 12 communities and
# generated ones after them.
for _name in ("small", "full"):
    SIZES[f"{_name}-1200"] = replace(SIZES[_name], name=f"{_name}-1200", communities=1_200)


def communities(size: Size) -> tuple[tuple[str, str, str], ...]:
    generated = tuple((f"sq{n:04d}", f"康桥第{n + 1}社区", f"S{n}") for n in range(len(COMMUNITIES), size.communities))
    return (COMMUNITIES + generated)[:size.communities]


def residents(size: Size) -> list[Resident]:
    """Residents spread over the communities round-robin; the same list on every run."""
    rng = random.Random(SEED)
    tenants = [c[0] for c in communities(size)]
    return [Resident(i, f"170{i:08d}", person_name(rng), tenants[i % len(tenants)]) for i in range(size.residents)]


@dataclass(frozen=True)
class Account:
    """A log-in account of the demo (with the demo password)."""

    phone: str
    name: str
    tenant_id: str
    roles: tuple[str, ...]
    password: bool = True  # False: an account the loader acts as, which cannot log in (see people.py)


def accounts(size: Size) -> list[Account]:
    """Who can log in: the three `make run` has always offered, a staff member per community,
    a resident and a merchant per community, an admin per partner and the sub-district operator."""
    found = [
        Account("13800000001", "王师傅", "xiangyang", ("resident",)),
        Account("13800000002", "张主任", "xiangyang", ("staff", "tenant_admin")),
        Account("13800000003", "刘女士", "dongxin", ("resident",)),
    ]
    rng = random.Random(SEED + 1)
    for n, (tenant_id, _name, _code) in enumerate(communities(size)):
        if n >= len(COMMUNITIES):  # generated communities: staff and a merchant to act as, no log-in
            found.append(Account(f"1381{n:07d}", person_name(rng), tenant_id, ("staff", "tenant_admin"), False))
            found.append(Account(f"1382{n:07d}", person_name(rng), tenant_id, ("merchant",), False))
            continue
        if tenant_id != "xiangyang":
            found.append(Account(f"13800001{n:03d}", person_name(rng), tenant_id,
                                 ("staff", "tenant_admin")))
        if tenant_id not in ("xiangyang", "dongxin"):
            found.append(Account(f"13800002{n:03d}", person_name(rng), tenant_id, ("resident",)))
        found.append(Account(f"13800004{n:03d}", person_name(rng), tenant_id, ("merchant",)))
    for n, (tenant_id, _name) in enumerate(PARTNERS):
        found.append(Account(f"13800003{n:03d}", person_name(rng), tenant_id, ("staff", "tenant_admin")))
    found.append(Account("13800005000", "街道管理员", OPERATOR[0], ("operator", "staff")))
    return found


def staff_of(size: Size) -> dict[str, Account]:
    """The staff account that acts for each community and partner."""
    return {a.tenant_id: a for a in accounts(size) if "tenant_admin" in a.roles}


def merchant_operator_of(size: Size) -> dict[str, Account]:
    """The account that runs each community's caring merchants (confirms vouchers)."""
    return {a.tenant_id: a for a in accounts(size) if "merchant" in a.roles}
