"""Job recommendation (岗位推荐): how well a post fits a worker, and why.

Pure functions over plain values. `score()` is the reference: the explanation
shown to people comes from it, and the vectorised index (post_index.py) must
agree with it to the last decimal (a unit test checks this).

The parts and their weights, which sum to 1:
    skills        0.35  required skills covered (80%) and preferred ones (20%)
    certificates  0.15  required certificates held and still valid
    schedule      0.20  share of the post's weekly hours inside the worker's availability
    distance      0.15  1 at the door, 0 at the edge of the commute radius (beyond it: not shown)
    pay           0.10  daily pay against the pay the worker asked for
    groups        0.05  the post targets a group the person declared (older job seekers, mothers, ...)
The total is then weighed by the employer's reliability record (wages paid on time):
    final = total × (0.8 + 0.2 × reliability)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

WEIGHTS = {"skills": 0.35, "certificates": 0.15, "schedule": 0.20, "distance": 0.15, "pay": 0.10, "groups": 0.05}
UNKNOWN = 0.5  # a part we cannot judge (no coordinates, no availability given) counts as half
WORKING_DAYS_PER_MONTH = 22
HOURS_PER_DAY = 8
HOURS_PER_WEEK = 7 * 24


def hour_slots(windows: Iterable[dict]) -> frozenset[int]:
    """Weekly hour slots (0..167) a set of windows covers; an hour counts when at
    least half of it is inside a window."""
    covered: dict[int, int] = {}
    for window in windows:
        day = int(window["weekday"]) - 1
        start = _minutes(window["start"])
        end = _minutes(window["end"])
        if end <= start:
            continue  # an empty (or reversed) window covers nothing
        # Minutes of the window inside each hour it touches (overlapping windows add up);
        # per hour, not per minute: this runs for every post the index loads.
        for hour in range(start // 60, -(-end // 60)):
            inside = min(end, hour * 60 + 60) - max(start, hour * 60)
            slot = day * 24 + hour
            covered[slot] = covered.get(slot, 0) + inside
    return frozenset(slot for slot, minutes in covered.items() if minutes >= 30)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def daily_pay(amount: int, period: str) -> float | None:
    """Pay converted to yuan per day; piece-rate pay cannot be compared (None)."""
    if period == "hour":
        return float(amount * HOURS_PER_DAY)
    if period == "day":
        return float(amount)
    if period == "month":
        return amount / WORKING_DAYS_PER_MONTH
    return None


def distance_km(lat1: float | None, lng1: float | None, lat2: float | None, lng2: float | None) -> float | None:
    """Equirectangular distance: within a city it is off by well under 1%."""
    if None in (lat1, lng1, lat2, lng2):
        return None
    mean_lat = math.radians((lat1 + lat2) / 2)
    dx = (lng2 - lng1) * 111.320 * math.cos(mean_lat)
    dy = (lat2 - lat1) * 110.574
    return math.hypot(dx, dy)


def reliability(paid_reports: int, unpaid_reports: int) -> float:
    """Share of wage reports saying "paid on time", smoothed so that one report
    does not make or break an employer (no reports: 0.5)."""
    return (paid_reports + 1) / (paid_reports + unpaid_reports + 2)


@dataclass(frozen=True)
class WorkerFacts:
    skills: frozenset[str]
    certificate_skills: frozenset[str]  # skills covered by certificates valid today
    hours: frozenset[int]
    lat: float | None
    lng: float | None
    radius_km: float
    expected_daily_pay: int | None
    groups: frozenset[str]


@dataclass(frozen=True)
class PostFacts:
    required_skills: frozenset[str]
    preferred_skills: frozenset[str]
    required_certificates: frozenset[str]
    hours: frozenset[int]
    lat: float | None
    lng: float | None
    daily_pay: float | None
    target_groups: frozenset[str]
    employer_reliability: float = 0.5


@dataclass
class Part:
    part: str
    score: float
    weight: float
    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Match:
    score: float
    distance_km: float | None
    parts: list[Part]
    within_radius: bool


def _coverage(wanted: frozenset[str], held: frozenset[str]) -> float:
    return 1.0 if not wanted else len(wanted & held) / len(wanted)


def score(worker: WorkerFacts, post: PostFacts) -> Match:
    required = _coverage(post.required_skills, worker.skills)
    preferred = _coverage(post.preferred_skills, worker.skills)
    skills = Part("skills", 0.8 * required + 0.2 * preferred, WEIGHTS["skills"],
                  matched=sorted((post.required_skills | post.preferred_skills) & worker.skills),
                  missing=sorted(post.required_skills - worker.skills),
                  note="required and preferred skills you have")

    certificates = Part("certificates", _coverage(post.required_certificates, worker.certificate_skills),
                        WEIGHTS["certificates"], matched=sorted(post.required_certificates & worker.certificate_skills),
                        missing=sorted(post.required_certificates - worker.certificate_skills),
                        note="valid certificates the post asks for")

    if not post.hours:
        schedule_score, note = 1.0, "flexible hours"
    elif not worker.hours:
        schedule_score, note = UNKNOWN, "you have not said when you can work"
    else:
        schedule_score = len(post.hours & worker.hours) / len(post.hours)
        note = f"{len(post.hours & worker.hours)} of the post's {len(post.hours)} weekly hours fit your time"
    schedule = Part("schedule", schedule_score, WEIGHTS["schedule"], note=note)

    distance = distance_km(worker.lat, worker.lng, post.lat, post.lng)
    if distance is None:
        distance_score, note, within = UNKNOWN, "location unknown", True
    else:
        within = distance <= worker.radius_km
        distance_score = max(0.0, 1.0 - distance / worker.radius_km) if worker.radius_km > 0 else 0.0
        note = f"{distance:.1f} km, your radius {worker.radius_km:g} km"
    distance_part = Part("distance", distance_score, WEIGHTS["distance"], note=note)

    if worker.expected_daily_pay is None or worker.expected_daily_pay <= 0:
        pay_score, note = 1.0, "you have not asked for a pay level"
    elif post.daily_pay is None:
        pay_score, note = UNKNOWN, "piece-rate pay"
    else:
        pay_score = min(1.0, post.daily_pay / worker.expected_daily_pay)
        note = f"about {post.daily_pay:.0f} yuan a day, you asked {worker.expected_daily_pay}"
    pay = Part("pay", pay_score, WEIGHTS["pay"], note=note)

    groups_score = (UNKNOWN if not post.target_groups
                    else 1.0 if post.target_groups & worker.groups else 0.0)
    groups = Part("groups", groups_score, WEIGHTS["groups"], matched=sorted(post.target_groups & worker.groups),
                  note="the post welcomes a group you belong to" if groups_score == 1.0 else "")

    parts = [skills, certificates, schedule, distance_part, pay, groups]
    total = sum(p.score * p.weight for p in parts)
    final = total * (0.8 + 0.2 * post.employer_reliability)
    return Match(score=round(final, 6), distance_km=None if distance is None else round(distance, 3), parts=parts,
                 within_radius=within)
