"""Recommendation scoring: explanations people can read, and an index that ranks
exactly as the reference scorer does."""

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.jobs import matching
from services.jobs.models import JobPost
from services.jobs.post_index import PostIndex

SCHOOL_HOURS = [{"weekday": d, "start": "09:00", "end": "15:00"} for d in range(1, 6)]
MOTHER = matching.WorkerFacts(
    skills=frozenset({"cashier", "packing"}), certificate_skills=frozenset(), hours=matching.hour_slots(SCHOOL_HOURS),
    lat=30.3200, lng=120.1500, radius_km=5.0, expected_daily_pay=150, groups=frozenset({"full_time_mother"}),
)


def post_facts(**overrides):
    values = dict(required_skills=frozenset({"cashier"}), preferred_skills=frozenset(),
                  required_certificates=frozenset(),
                  hours=matching.hour_slots([{"weekday": 1, "start": "10:00", "end": "14:00"}]), lat=30.3300,
                  lng=120.1500, daily_pay=160.0, target_groups=frozenset({"full_time_mother"}),
                  employer_reliability=0.5)
    values.update(overrides)
    return matching.PostFacts(**values)


def test_a_school_hours_cashier_job_near_home_scores_high_and_says_why():
    match = matching.score(MOTHER, post_facts())
    parts = {p.part: p for p in match.parts}
    assert parts["skills"].matched == ["cashier"] and parts["skills"].missing == []
    assert parts["schedule"].score == 1.0 and "4 of the post's 4 weekly hours" in parts["schedule"].note
    assert 1.0 < match.distance_km < 1.2 and match.within_radius
    assert parts["groups"].score == 1.0
    assert match.score > 0.85


def test_missing_skills_and_certificates_are_named():
    match = matching.score(MOTHER, post_facts(required_skills=frozenset({"cashier", "forklift"}),
                                              required_certificates=frozenset({"forklift"})))
    parts = {p.part: p for p in match.parts}
    assert parts["skills"].missing == ["forklift"] and parts["certificates"].missing == ["forklift"]


def test_a_night_shift_fits_a_mothers_day_badly():
    night = post_facts(hours=matching.hour_slots([{"weekday": 1, "start": "20:00", "end": "23:59"}]))
    assert {p.part: p for p in matching.score(MOTHER, night).parts}["schedule"].score == 0.0


def test_beyond_the_commute_radius_is_not_within_reach():
    far = post_facts(lat=30.5, lng=120.5)
    assert not matching.score(MOTHER, far).within_radius


def test_a_reliable_employer_ranks_above_an_unreliable_one_all_else_equal():
    good = matching.score(MOTHER, post_facts(employer_reliability=matching.reliability(20, 0)))
    bad = matching.score(MOTHER, post_facts(employer_reliability=matching.reliability(0, 5)))
    assert good.score > bad.score


def test_pay_is_compared_per_day():
    assert matching.daily_pay(25, "hour") == 200 and matching.daily_pay(4400, "month") == 200
    assert matching.daily_pay(3, "piece") is None


# --- the index agrees with the reference scorer --------------------------------------

SKILLS = ["cashier", "packing", "forklift", "courier_delivery", "cleaning", "cooking", "ebike_riding"]


def random_post(rng: random.Random, i: int, tenant: str, audience: str) -> dict:
    day = rng.randint(1, 7)
    start = rng.randint(6, 18)
    return {
        "id": f"p{i:05d}", "tenant_id": tenant, "audience": audience, "status": "open", "expires_at": None,
        "required_skills": rng.sample(SKILLS, rng.randint(0, 2)),
        "preferred_skills": rng.sample(SKILLS, rng.randint(0, 2)),
        "required_certificates": rng.sample(SKILLS, rng.randint(0, 1)),
        "shifts": [] if rng.random() < 0.2 else [
            {"weekday": day, "start": f"{start:02d}:00", "end": f"{start + 4:02d}:30"}],
        "lat": None if rng.random() < 0.1 else 30.30 + rng.random() * 0.08,
        "lng": None if rng.random() < 0.1 else 120.12 + rng.random() * 0.08,
        "pay_amount": rng.choice([22, 180, 5200, 3]), "pay_period": rng.choice(["hour", "day", "month", "piece"]),
        "target_groups": rng.sample(["full_time_mother", "veteran", "older_job_seeker"], rng.randint(0, 1)),
        "job_type": rng.choice(["gig", "part_time", "full_time"]), "employer_id": f"e{i % 7}",
    }


def reference_facts(post: dict, reliability: float) -> matching.PostFacts:
    return matching.PostFacts(
        required_skills=frozenset(post["required_skills"]), preferred_skills=frozenset(post["preferred_skills"]),
        required_certificates=frozenset(post["required_certificates"]), hours=matching.hour_slots(post["shifts"]),
        lat=post["lat"], lng=post["lng"], daily_pay=matching.daily_pay(post["pay_amount"], post["pay_period"]),
        target_groups=frozenset(post["target_groups"]), employer_reliability=reliability)


@pytest.fixture
def indexed():
    rng = random.Random(20261128)
    index = PostIndex(capacity=16)  # small, so that growing is exercised too
    posts = []
    for i in range(400):
        audience = rng.choice(["", "*", ",xiangyang,", ",dongxin,huanqiu,"])
        post = random_post(rng, i, rng.choice(["alliance", "xiangyang", "dongxin"]), audience)
        posts.append(post)
        index.upsert(post)
    for e in range(7):
        index.set_employer_reliability(f"e{e}", matching.reliability(e, 6 - e))
    return index, posts


def visible_to(post: dict, tenant: str) -> bool:
    return post["tenant_id"] == tenant or post["audience"] == "*" or f",{tenant}," in post["audience"]


def test_the_index_ranks_exactly_as_the_reference_scorer(indexed):
    index, posts = indexed
    worker = matching.WorkerFacts(
        skills=frozenset({"cashier", "forklift"}), certificate_skills=frozenset({"forklift"}),
        hours=matching.hour_slots([{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(1, 8)]),
        lat=30.34, lng=120.16, radius_km=4.0, expected_daily_pay=200, groups=frozenset({"veteran"}))
    got, considered = index.recommend(worker, tenant_id="xiangyang", limit=400)
    expected = []
    for post in posts:
        if not visible_to(post, "xiangyang"):
            continue
        reliability = matching.reliability(int(post["employer_id"][1:]), 6 - int(post["employer_id"][1:]))
        match = matching.score(worker, reference_facts(post, reliability))
        if match.within_radius:
            expected.append((post["id"], match.score))
    assert considered == sum(visible_to(p, "xiangyang") for p in posts)
    assert {c.post_id: c.score for c in got} == pytest.approx(dict(expected), abs=1e-6)
    scores = [c.score for c in got]
    assert scores == sorted(scores, reverse=True)


def test_the_index_shows_each_tenant_only_what_it_may_see(indexed):
    index, posts = indexed
    worker = matching.WorkerFacts(frozenset(), frozenset(), frozenset(), None, None, 5.0, None, frozenset())
    for tenant in ("xiangyang", "huanqiu", "nowhere"):
        got, _ = index.recommend(worker, tenant_id=tenant, limit=1000)
        assert {c.post_id for c in got} == {p["id"] for p in posts if visible_to(p, tenant)}


def test_closed_and_expired_posts_drop_out_and_filters_apply(indexed):
    index, posts = indexed
    worker = matching.WorkerFacts(frozenset(), frozenset(), frozenset(), None, None, 5.0, None, frozenset())
    first = next(p for p in posts if p["audience"] == "*")
    index.upsert({**first, "status": "closed"})
    second = next(p for p in posts if p["audience"] == "*" and p["id"] != first["id"])
    index.upsert({**second, "expires_at": datetime(2020, 1, 1, tzinfo=UTC)})
    ids = {c.post_id for c in index.recommend(worker, tenant_id="huanqiu", limit=1000)[0]}
    assert first["id"] not in ids and second["id"] not in ids
    gigs = index.recommend(worker, tenant_id="huanqiu", limit=1000, job_type="gig")[0]
    assert gigs and all(next(p for p in posts if p["id"] == c.post_id)["job_type"] == "gig" for c in gigs)
    paid = index.recommend(worker, tenant_id="huanqiu", limit=1000, min_daily_pay=180)[0]
    for c in paid:
        post = next(p for p in posts if p["id"] == c.post_id)
        assert matching.daily_pay(post["pay_amount"], post["pay_period"]) >= 180


def test_changing_a_posts_audience_moves_it_between_tenants():
    index = PostIndex()
    rng = random.Random(1)
    post = random_post(rng, 1, "alliance", ",xiangyang,")
    index.upsert(post)
    worker = matching.WorkerFacts(frozenset(), frozenset(), frozenset(), None, None, 5.0, None, frozenset())
    assert index.recommend(worker, tenant_id="xiangyang", limit=5)[1] == 1
    index.upsert({**post, "audience": ",dongxin,"})
    assert index.recommend(worker, tenant_id="xiangyang", limit=5)[1] == 0
    assert index.recommend(worker, tenant_id="dongxin", limit=5)[1] == 1


def test_the_loader_reads_everything_once_then_only_what_changed(jobs_sessions):
    from services.common.contracts import load
    from services.jobs import employers, posts
    from services.jobs.contracts.schemas import EmployerCreate, JobPostCreate
    from services.jobs.post_index import IndexLoader
    from tests.unit.conftest import ctx

    session = jobs_sessions("alliance")
    staff = ctx("alliance", "s", "staff")
    with session.begin():
        employer = employers.register(session=session, ctx=staff, data=load(EmployerCreate(), {"name": "E"}))
        employers.decide(session=session, ctx=staff, employer_id=employer.id, status="verified")
        for i in range(3):
            post = posts.create(session=session, ctx=staff, data=load(JobPostCreate(), {
                "employer_id": employer.id, "title": f"p{i}", "job_type": "gig", "pay_amount": 200,
                "pay_period": "day", "visibility": {"scope": "all"}}))
            posts.open_post(session=session, ctx=staff, post_id=post.id)
    loader = IndexLoader(session.get_bind(), PostIndex())
    assert loader.refresh() == 3
    loader.last_look = loader.last_look.replace(year=loader.last_look.year + 1)  # a look far after those writes
    assert loader.refresh() == 0
    with session.begin():
        posts.close(session=session, ctx=staff, post_id=post.id, reason="done")
    loader.last_look = None  # a fresh process reads everything again
    assert loader.refresh() == 3
    worker = matching.WorkerFacts(frozenset(), frozenset(), frozenset(), None, None, 5.0, None, frozenset())
    assert loader.index.recommend(worker, tenant_id="xiangyang", limit=10)[1] == 2


@pytest.mark.parametrize("radius_km, max_distance_km",
                         [(0.5, None), (2.0, None), (4.0, 1.5), (25.0, None), (25.0, 3.0)])
def test_the_bounding_box_never_drops_a_post_the_reference_scorer_keeps(indexed, radius_km, max_distance_km):
    """The index narrows rows to a box around the worker before scoring; whatever
    the radius or distance filter, the result equals scoring every visible post."""
    index, posts = indexed
    worker = matching.WorkerFacts(
        skills=frozenset({"cashier"}), certificate_skills=frozenset(),
        hours=matching.hour_slots([{"weekday": 2, "start": "09:00", "end": "15:00"}]),
        lat=30.33, lng=120.15, radius_km=radius_km, expected_daily_pay=150, groups=frozenset())
    got, _ = index.recommend(worker, tenant_id="dongxin", limit=400, max_distance_km=max_distance_km)
    expected = {}
    for post in posts:
        if not visible_to(post, "dongxin"):
            continue
        reliability = matching.reliability(int(post["employer_id"][1:]), 6 - int(post["employer_id"][1:]))
        match = matching.score(worker, reference_facts(post, reliability))
        if not match.within_radius:
            continue
        exact = matching.distance_km(worker.lat, worker.lng, post["lat"], post["lng"])  # unrounded, as filtered
        if max_distance_km is not None and (exact is None or exact > max_distance_km):
            continue
        expected[post["id"]] = match.score
    assert expected, "the fixture should leave some posts in reach"
    assert {c.post_id: c.score for c in got} == pytest.approx(expected, abs=1e-6)


def minute_by_minute_hour_slots(windows) -> frozenset[int]:
    """The rule of `hour_slots` spelled out minute by minute: an hour counts when windows cover at
    least 30 of its minutes (overlapping windows count twice)."""
    covered: dict[int, int] = {}
    for window in windows:
        day = int(window["weekday"]) - 1
        start_h, start_m = (int(x) for x in window["start"].split(":"))
        end_h, end_m = (int(x) for x in window["end"].split(":"))
        for minute in range(start_h * 60 + start_m, end_h * 60 + end_m):
            slot = day * 24 + minute // 60
            covered[slot] = covered.get(slot, 0) + 1
    return frozenset(slot for slot, minutes in covered.items() if minutes >= 30)


def test_hour_slots_counts_an_hour_from_half_of_it_as_a_minute_by_minute_count_does():
    rng = random.Random(168)
    assert matching.hour_slots([{"weekday": 1, "start": "08:30", "end": "09:29"}]) == frozenset({8})
    assert matching.hour_slots([{"weekday": 2, "start": "08:31", "end": "09:29"}]) == frozenset()
    for _ in range(2000):
        windows = []
        for _ in range(rng.randint(0, 3)):  # empty, reversed and overlapping windows included
            start, end = rng.randint(0, 1439), rng.randint(0, 1439)
            if rng.random() < 0.8:
                start, end = min(start, end), max(start, end)
            windows.append({"weekday": rng.randint(1, 7), "start": f"{start // 60:02d}:{start % 60:02d}",
                            "end": f"{end // 60:02d}:{end % 60:02d}"})
        assert matching.hour_slots(windows) == minute_by_minute_hour_slots(windows), windows


def test_a_recommendation_answer_is_what_its_schema_dumps_with_only_valid_certificates_counted(jobs_sessions):
    """for_worker builds its answer directly (marshmallow's dump of 20 posts was a third of the service's
    time): every post, score and explanation must equal PostRecommendationList's dump, field for field."""
    from datetime import timedelta

    from services.common.contracts import load
    from services.common.database import utcnow
    from services.jobs import employers, posts, recommendations, workers
    from services.jobs.contracts.schemas import (
        CertificateCreate,
        EmployerCreate,
        JobPostCreate,
        PostRecommendationList,
        WorkerProfileCreate,
    )
    from services.jobs.post_index import IndexLoader
    from tests.unit.conftest import ctx

    alliance, home = jobs_sessions("alliance"), jobs_sessions("xiangyang")
    staff, person = ctx("alliance", "s", "staff"), ctx("xiangyang", "u-worker", "resident")
    with alliance.begin():
        employer = employers.register(session=alliance, ctx=staff, data=load(EmployerCreate(), {"name": "E"}))
        employers.decide(session=alliance, ctx=staff, employer_id=employer.id, status="verified")
        for payload in (
            {"title": "全字段", "description": "仓库", "job_type": "part_time", "pay_amount": 25, "pay_period": "hour",
             "headcount": 3, "area": "康桥", "lat": 30.35, "lng": 120.15, "required_skills": ["forklift"],
             "preferred_skills": ["packing"], "required_certificates": ["forklift"],
             "target_groups": ["veteran"], "benefits": ["meals", "dorm"],
             "shifts": [{"weekday": 2, "start": "09:00", "end": "15:30"}],
             "expires_at": (utcnow() + timedelta(days=3)).isoformat(),
             "visibility": {"scope": "tenants", "tenants": ["xiangyang", "dongxin"]}},
            {"title": "无地点", "job_type": "gig", "pay_amount": 3, "pay_period": "piece",
             "visibility": {"scope": "all"}},
        ):
            post = posts.create(session=alliance, ctx=staff, data=load(JobPostCreate(), {"employer_id": employer.id,
                                                                                          **payload}))
            posts.open_post(session=alliance, ctx=staff, post_id=post.id)
    with home.begin():
        worker = workers.register(session=home, ctx=person, data=load(WorkerProfileCreate(), {
            "display_name": "王师傅", "phone": "13900000001", "skills": ["forklift"], "home_lat": 30.34,
            "home_lng": 120.15, "commute_radius_km": 5, "groups": ["veteran"],
            "availability": [{"weekday": 2, "start": "08:00", "end": "12:00"}]}))
        for skill, expires in (("forklift", utcnow() - timedelta(days=1)), ("packing", None)):
            workers.add_certificate(session=home, ctx=person, worker_id=worker.id, data=load(CertificateCreate(), {
                "name": skill, "skill": skill, "expires_at": expires and expires.isoformat()}))
    loader = IndexLoader(alliance.get_bind(), PostIndex())
    loader.refresh()

    with home.begin():
        answer = recommendations.for_worker(session=home, ctx=person, index=loader.index, query={"limit": 20})
        rows = {p.id: p for p in home.scalars(select(JobPost))}
        schema_view = PostRecommendationList().dump({"considered": answer["considered"], "items": [
            {**item, "post": posts.out(rows[item["post"]["id"]])} for item in answer["items"]]})
    assert len(answer["items"]) == 2 and answer == schema_view
    full = next(item for item in answer["items"] if item["post"]["title"] == "全字段")
    certificates = next(part for part in full["explanation"] if part["part"] == "certificates")
    assert certificates["missing"] == ["forklift"], "an expired certificate does not count"


@pytest.mark.parametrize("limit, filters", [(5, {}), (20, {}), (20, {"within_my_hours": True}),
                                            (10, {"job_type": "gig", "min_daily_pay": 150}), (1, {})])
@pytest.mark.parametrize("first_rows", [256, 4])
def test_scoring_in_full_only_the_posts_that_can_reach_the_list_keeps_the_reference_top(limit, filters, first_rows,
                                                                                        monkeypatch):
    """Beyond a few hundred rows in reach, the index scores schedule and groups only for rows whose ceiling
    reaches the best found so far; the list must still be the reference scorer's best, in order. (A first
    batch of 4 rows leaves most of the work to the ceiling.)"""
    from services.jobs import post_index

    monkeypatch.setattr(post_index, "PRUNE_FIRST_ROWS", first_rows)
    rng = random.Random(limit)
    index = PostIndex()
    posts = [random_post(rng, i, "alliance", "*") for i in range(3000)]
    for post in posts:
        post["target_groups"] = rng.sample(["full_time_mother", "veteran", "older_job_seeker"], rng.randint(0, 2))
        index.upsert(post)
    for e in range(7):
        index.set_employer_reliability(f"e{e}", matching.reliability(e, 6 - e))
    for worker in (
        matching.WorkerFacts(
            skills=frozenset({"cashier", "forklift"}), certificate_skills=frozenset({"forklift"}),
            hours=matching.hour_slots([{"weekday": d, "start": "08:00", "end": "16:00"} for d in range(1, 6)]),
            lat=30.34, lng=120.16, radius_km=6.0, expected_daily_pay=200, groups=frozenset({"veteran"})),
        matching.WorkerFacts(skills=frozenset({"cooking"}), certificate_skills=frozenset(), hours=frozenset(),
                             lat=None, lng=None, radius_km=5.0, expected_daily_pay=None, groups=frozenset()),
    ):
        got, _ = index.recommend(worker, tenant_id="xiangyang", limit=limit, **filters)
        expected = []
        for post in posts:
            match = matching.score(worker, reference_facts(post, matching.reliability(
                int(post["employer_id"][1:]), 6 - int(post["employer_id"][1:]))))
            pay = matching.daily_pay(post["pay_amount"], post["pay_period"])
            if not match.within_radius or ("job_type" in filters and post["job_type"] != filters["job_type"]) or (
                    "min_daily_pay" in filters and (pay is None or pay < filters["min_daily_pay"])):
                continue
            if filters.get("within_my_hours") and not matching.hour_slots(post["shifts"]) <= worker.hours:
                continue
            expected.append(match.score)
        expected = sorted(expected, reverse=True)[:limit]
        assert len(expected) == limit
        assert [c.score for c in got] == pytest.approx(expected, abs=1e-6)
