"""Recommendations for a worker (posts) and for a post (candidates), each with
its explanation. Ranking comes from the post index (post_index.py); the
explanation from matching.score on the few posts shown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.common.context import CallContext
from services.common.database import utcnow
from services.common.errors import Conflict, Forbidden
from services.jobs import matching, posts
from services.jobs.contracts import messages as words
from services.jobs.models import Employer, JobPost, WorkerCertificate, WorkerProfile
from services.jobs.post_index import PostIndex


def profile_facts(profile: WorkerProfile, certificate_skills) -> matching.WorkerFacts:
    """What the scorer needs of a worker: the profile, and the skills their valid certificates cover."""
    return matching.WorkerFacts(
        skills=frozenset(profile.skills), certificate_skills=frozenset(certificate_skills),
        hours=matching.hour_slots(profile.availability), lat=profile.home_lat, lng=profile.home_lng,
        radius_km=profile.commute_radius_km, expected_daily_pay=profile.expected_daily_pay,
        groups=frozenset(profile.groups),
    )


def _valid_certificates(worker_id, now: datetime):
    """Certificates of `worker_id` (a value or a column) that name a skill and have not expired."""
    return and_(WorkerCertificate.worker_id == worker_id, WorkerCertificate.skill.is_not(None),
                or_(WorkerCertificate.expires_at.is_(None), WorkerCertificate.expires_at > now))


def worker_facts(*, session: Session, profile: WorkerProfile, now: datetime) -> matching.WorkerFacts:
    return profile_facts(profile, session.scalars(select(WorkerCertificate.skill)
                                                  .where(_valid_certificates(profile.id, now))))


def _own_profile_and_facts(session: Session, user_id: str, now: datetime) -> tuple[WorkerProfile | None,
                                                                                  matching.WorkerFacts | None]:
    """The caller's profile and the skills of their valid certificates, in one query (a row per
    certificate, the profile alone when there is none)."""
    rows = session.execute(select(WorkerProfile, WorkerCertificate.skill)
                           .outerjoin(WorkerCertificate, _valid_certificates(WorkerProfile.id, now))
                           .where(WorkerProfile.user_id == user_id)).all()
    if not rows:
        return None, None
    profile = rows[0][0]
    return profile, profile_facts(profile, (skill for _profile, skill in rows if skill is not None))


def post_facts(post: JobPost, employer_reliability: float) -> matching.PostFacts:
    return matching.PostFacts(
        required_skills=frozenset(post.required_skills), preferred_skills=frozenset(post.preferred_skills),
        required_certificates=frozenset(post.required_certificates), hours=matching.hour_slots(post.shifts),
        lat=post.lat, lng=post.lng, daily_pay=matching.daily_pay(post.pay_amount, post.pay_period),
        target_groups=frozenset(post.target_groups), employer_reliability=employer_reliability,
    )


def _parts(match: matching.Match) -> list[dict]:
    """The explanation as ScorePart dumps it (built directly: six parts for each of 20 posts)."""
    return [{"part": p.part, "score": float(round(p.score, 3)), "weight": float(p.weight), "matched": p.matched,
             "missing": p.missing, "note": p.note} for p in match.parts]


def for_worker(*, session: Session, ctx: CallContext, index: PostIndex, query: dict) -> dict:
    """The signed-in person's best open posts (they need a worker profile), as PostRecommendationList
    dumps them."""
    now = utcnow()
    profile, facts = _own_profile_and_facts(session, ctx.require_user(), now)
    if profile is None:
        raise Conflict(words.PROFILE_FOR_RECOMMENDATIONS, {"worker_profile": None})
    candidates, considered = index.recommend(facts, tenant_id=ctx.tenant, now=now.timestamp(), **query)
    if not candidates:
        return {"items": [], "considered": considered}
    rows = {p.id: p for p in session.scalars(select(JobPost).where(JobPost.id.in_([c.post_id for c in candidates])))}
    items = []
    for candidate in candidates:
        post = rows.get(candidate.post_id)  # the tenant-scoped read is the final word on visibility
        if post is None or post.status != "open":
            continue
        # The employer's reliability as the index ranked with it (every tenant's employers, refreshed with
        # the posts), so the score explained is the score ranked, and no employer rows are read per request.
        match = matching.score(facts, post_facts(post, _index_reliability(index, post.employer_id)))
        items.append({"post": posts.public_view(post), "score": match.score, "distance_km": match.distance_km,
                      "explanation": _parts(match)})
    return {"items": items, "considered": considered}


def _index_reliability(index: PostIndex, employer_id: str) -> float:
    position = index.employers.get(employer_id)
    return 0.5 if position is None else float(index.employer_reliability[position])


def naive_for_worker(*, session: Session, facts: matching.WorkerFacts, limit: int, now: datetime,
                     reliability: dict[str, float]) -> list[tuple[str, float]]:
    """The straightforward way, kept as the benchmark's baseline: load every open
    post the tenant can see and score each one in Python."""
    scored = []
    for post in session.scalars(select(JobPost).where(JobPost.status == "open")):
        if post.expires_at is not None and post.expires_at <= now:
            continue
        match = matching.score(facts, post_facts(post, reliability.get(post.employer_id, 0.5)))
        if match.within_radius:
            scored.append((post.id, match.score))
    scored.sort(key=lambda item: -item[1])
    return scored[:limit]


def candidates_for_post(*, session: Session, ctx: CallContext, post_id: str, limit: int,
                        candidate_profiles: list[WorkerProfile], certificate_skills: dict[str, set[str]]) -> dict:
    """Consenting workers ranked for a post (the employer side asks). The caller
    supplies the consenting profiles of the tenants that can see the post."""
    post = posts.get(session=session, ctx=ctx, post_id=post_id)
    if not posts.may_edit(session=session, ctx=ctx, post=post):
        raise Forbidden(words.CANDIDATES_EMPLOYER_ONLY)
    employer = session.get(Employer, post.employer_id)
    facts_post = post_facts(post, matching.reliability(employer.wages_paid_reports, employer.wages_unpaid_reports))
    ranked = []
    for profile in candidate_profiles:
        match = matching.score(profile_facts(profile, certificate_skills.get(profile.id, ())), facts_post)
        if match.within_radius:
            ranked.append((match, profile))
    ranked.sort(key=lambda item: -item[0].score)
    return {
        "considered": len(candidate_profiles),
        "items": [{"worker_id": profile.id, "worker_tenant_id": profile.tenant_id,
                   "display_name": profile.display_name[:1] + "*" * max(1, len(profile.display_name) - 1),
                   "skills": profile.skills, "score": match.score, "distance_km": match.distance_km,
                   "explanation": _parts(match)} for match, profile in ranked[:limit]],
    }
