"""The open-post index behind recommendations: every open post as a row of numpy
arrays, scored for one worker in a few vectorised passes instead of one Python
call per post. At 600,000 posts the naive way (load every visible post, score
each) takes seconds; this takes milliseconds (docs/benchmarks.md).

The arithmetic is `matching.score`'s, column-wise (a unit test holds them equal).
Skills and weekly hours are bit sets, so coverage is a popcount.

The index holds every tenant's open posts, so it reads with the owner
connection, like the outbox relay. It only chooses candidate ids: the posts
shown are then read through the caller's tenant-scoped session, which applies
visibility again (and row-level security on PostgreSQL).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from nameko.extensions import DependencyProvider
from sqlalchemy import select
from sqlalchemy.engine import Engine

from services.common import config
from services.common.database import make_engine
from services.common.logging import get_logger
from services.jobs import matching
from services.jobs.contracts.messages import GROUPS, JOB_TYPES
from services.jobs.models import Employer, JobPost

log = get_logger(__name__)

SKILL_WORDS = 4  # 256 distinct skill codes across all tenants
HOUR_WORDS = 3  # 168 weekly hour slots
JOB_TYPE_CODES = {job_type: i for i, job_type in enumerate(JOB_TYPES)}  # gig 0, part_time 1, full_time 2
GROUP_BITS = {group: 1 << i for i, group in enumerate(GROUPS)}
REFRESH_SECONDS = 0.5
BOX_MARGIN_DEGREES = 1e-3  # about 100 m: far above float32's rounding of a coordinate (~2 m)
# Ranking scores in full first the rows with the highest ceilings (at least this many), then only the rows
# whose ceiling reaches the best of those; the slack keeps the ceiling above the score despite rounding.
PRUNE_FIRST_ROWS = 256
CEILING_SLACK = 1e-9


def _bits(indices, words: int) -> np.ndarray:
    out = np.zeros(words, dtype=np.uint64)
    for index in indices:
        out[index // 64] |= np.uint64(1) << np.uint64(index % 64)
    return out


def _overlap(words: np.ndarray, index: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Bits set in both `wanted` and each indexed post's bit set (`words` is stored
    word-major, so each word of the posts is one contiguous gather)."""
    counts = np.zeros(len(index), dtype=np.int32)
    for word, bits in enumerate(wanted):
        if bits:  # a word the worker has nothing in adds nothing
            counts += np.bitwise_count(words[word][index] & bits)
    return counts


@dataclass
class Candidate:
    post_id: str
    score: float
    distance_km: float | None


class PostIndex:
    def __init__(self, capacity: int = 1024):
        self.size = 0
        self.ids: list[str] = []
        self.positions: dict[str, int] = {}
        self.skill_bits: dict[str, int] = {}
        self.tenants: dict[str, int] = {}
        self.named_audience: dict[int, set[int]] = {}
        self._named_arrays: dict[int, np.ndarray] = {}  # the sets as arrays, rebuilt after a change
        self.employers: dict[str, int] = {}
        self.employer_reliability = np.full(16, 0.5)
        self._allocate(capacity)

    # --- storage ------------------------------------------------------------------

    def _allocate(self, capacity: int) -> None:
        self.capacity = capacity
        self.open = np.zeros(capacity, dtype=bool)
        self.expires = np.full(capacity, np.inf)
        self.owner = np.full(capacity, -1, dtype=np.int32)
        self.everyone = np.zeros(capacity, dtype=bool)
        # bit sets word-major: (words, capacity)
        self.required = np.zeros((SKILL_WORDS, capacity), dtype=np.uint64)
        self.preferred = np.zeros((SKILL_WORDS, capacity), dtype=np.uint64)
        self.certificates = np.zeros((SKILL_WORDS, capacity), dtype=np.uint64)
        self.hours = np.zeros((HOUR_WORDS, capacity), dtype=np.uint64)
        self.required_n = np.zeros(capacity, dtype=np.int32)
        self.preferred_n = np.zeros(capacity, dtype=np.int32)
        self.certificates_n = np.zeros(capacity, dtype=np.int32)
        self.hours_n = np.zeros(capacity, dtype=np.int32)
        self.lat = np.full(capacity, np.nan)
        self.lng = np.full(capacity, np.nan)
        # single-precision copies for the bounding-box pass only (half the memory to
        # stream through; the box is widened by far more than their rounding)
        self.lat32 = np.full(capacity, np.nan, dtype=np.float32)
        self.lng32 = np.full(capacity, np.nan, dtype=np.float32)
        self.unlocated = np.ones(capacity, dtype=bool)  # no latitude or no longitude
        # cos and sin of half the latitude, so that cos of the mean latitude of a post
        # and the worker is a product and a difference instead of a cosine per row
        self.half_cos = np.full(capacity, np.nan)
        self.half_sin = np.full(capacity, np.nan)
        self.daily = np.full(capacity, np.nan)
        self.groups = np.zeros(capacity, dtype=np.uint8)
        self.job_type = np.zeros(capacity, dtype=np.int8)
        self.employer = np.zeros(capacity, dtype=np.int32)

    def _grow(self) -> None:
        old = {name: getattr(self, name) for name in (
            "open", "expires", "owner", "everyone", "required", "preferred", "certificates", "hours", "required_n",
            "preferred_n", "certificates_n", "hours_n", "lat", "lng", "lat32", "lng32", "unlocated", "half_cos",
            "half_sin", "daily", "groups", "job_type", "employer")}
        self._allocate(self.capacity * 2)
        for name, array in old.items():
            getattr(self, name)[..., : array.shape[-1]] = array

    def _skill_mask(self, codes) -> np.ndarray:
        indices = []
        for code in codes:
            if code not in self.skill_bits:
                if len(self.skill_bits) >= SKILL_WORDS * 64:
                    continue  # beyond capacity a rare skill simply does not count in the index
                self.skill_bits[code] = len(self.skill_bits)
            indices.append(self.skill_bits[code])
        return _bits(indices, SKILL_WORDS)

    def _known_skill_mask(self, codes) -> np.ndarray:
        return _bits([self.skill_bits[c] for c in codes if c in self.skill_bits], SKILL_WORDS)

    def _tenant(self, tenant_id: str) -> int:
        return self.tenants.setdefault(tenant_id, len(self.tenants))

    def set_employer_reliability(self, employer_id: str, value: float) -> None:
        index = self.employers.setdefault(employer_id, len(self.employers))
        if index >= len(self.employer_reliability):
            grown = np.full(len(self.employer_reliability) * 2, 0.5)
            grown[: len(self.employer_reliability)] = self.employer_reliability
            self.employer_reliability = grown
        self.employer_reliability[index] = value

    def upsert(self, post: dict) -> None:
        """Add or replace one post (a dict with JobPost's columns)."""
        position = self.positions.get(post["id"])
        if position is None:
            if self.size == self.capacity:
                self._grow()
            position = self.size
            self.size += 1
            self.positions[post["id"]] = position
            self.ids.append(post["id"])
        else:
            for tenant, members in self.named_audience.items():
                if position in members:
                    members.discard(position)
                    self._named_arrays.pop(tenant, None)
        expires = post.get("expires_at")
        self.open[position] = post["status"] == "open"
        self.expires[position] = expires.timestamp() if expires else np.inf
        self.owner[position] = self._tenant(post["tenant_id"])
        audience = post.get("audience") or ""
        self.everyone[position] = audience == "*"
        if audience not in ("", "*"):
            for tenant_id in audience.strip(",").split(","):
                tenant = self._tenant(tenant_id)
                self.named_audience.setdefault(tenant, set()).add(position)
                self._named_arrays.pop(tenant, None)
        self.required[:, position] = self._skill_mask(post["required_skills"])
        self.preferred[:, position] = self._skill_mask(post["preferred_skills"])
        self.certificates[:, position] = self._skill_mask(post["required_certificates"])
        self.required_n[position] = len(set(post["required_skills"]))
        self.preferred_n[position] = len(set(post["preferred_skills"]))
        self.certificates_n[position] = len(set(post["required_certificates"]))
        slots = matching.hour_slots(post["shifts"])
        self.hours[:, position] = _bits(slots, HOUR_WORDS)
        self.hours_n[position] = len(slots)
        self.lat[position] = np.nan if post["lat"] is None else post["lat"]
        self.lng[position] = np.nan if post["lng"] is None else post["lng"]
        self.lat32[position], self.lng32[position] = self.lat[position], self.lng[position]
        self.unlocated[position] = np.isnan(self.lat[position]) or np.isnan(self.lng[position])
        half = np.radians(self.lat[position]) / 2
        self.half_cos[position], self.half_sin[position] = np.cos(half), np.sin(half)
        pay = matching.daily_pay(post["pay_amount"], post["pay_period"])
        self.daily[position] = np.nan if pay is None else pay
        self.groups[position] = sum(GROUP_BITS.get(g, 0) for g in post["target_groups"])
        self.job_type[position] = JOB_TYPE_CODES.get(post["job_type"], 0)
        if post["employer_id"] not in self.employers:
            self.set_employer_reliability(post["employer_id"], 0.5)
        self.employer[position] = self.employers[post["employer_id"]]

    # --- query ---------------------------------------------------------------------

    def visible_open(self, tenant_id: str, now: float) -> np.ndarray:
        n = self.size
        mask = self.open[:n] & (self.expires[:n] > now)
        tenant = self.tenants.get(tenant_id)
        visible = self.everyone[:n].copy()
        if tenant is not None:
            visible |= self.owner[:n] == tenant
            named = self._named_arrays.get(tenant)
            if named is None:
                members = self.named_audience.get(tenant, ())
                named = self._named_arrays[tenant] = np.fromiter(members, dtype=np.int64, count=len(members))
            visible[named] = True
        return mask & visible

    def _skill_words(self) -> int:
        """Skill bit-set words actually in use: a tenant taxonomy of under 64 skills
        needs one, and scoring reads only those columns."""
        return max(1, -(-len(self.skill_bits) // 64))

    def recommend(self, worker: matching.WorkerFacts, *, tenant_id: str, limit: int, job_type: str | None = None,
                  max_distance_km: float | None = None, min_daily_pay: int | None = None,
                  within_my_hours: bool = False, now: float | None = None) -> tuple[list[Candidate], int]:
        """Top `limit` open posts visible to `tenant_id`, best first, and how many were considered.

        A post with a known location beyond the worker's radius is never shown, so a
        bounding box around the worker (cheap comparisons over every row) narrows
        the rows before the scoring arithmetic gathers them: at 600,000 posts over a
        city most fall outside an 8 km radius. The exact filters then drop rows before
        any part is scored, and the schedule and groups parts are computed only for the
        rows whose ceiling can still reach the list (see below).
        """
        now = time.time() if now is None else now
        mask = self.visible_open(tenant_id, now)
        considered = int(np.count_nonzero(mask))
        if not considered:
            return [], 0
        if limit < 1:
            return [], considered
        n = self.size
        radius = worker.radius_km
        located = worker.lat is not None and worker.lng is not None
        if located and radius > 0:
            reach = radius if max_distance_km is None else min(radius, max_distance_km)
            dlat = reach / 110.574 + BOX_MARGIN_DEGREES
            # cos of the mean latitude is at least cos of the farthest latitude in reach
            cos_low = max(np.cos(np.radians(min(89.0, abs(worker.lat) + dlat))), 1e-6)
            dlng = reach / (111.320 * cos_low) + BOX_MARGIN_DEGREES
            lat, lng = self.lat32[:n], self.lng32[:n]
            inside = lat >= np.float32(worker.lat - dlat)
            inside &= lat <= np.float32(worker.lat + dlat)
            inside &= lng >= np.float32(worker.lng - dlng)
            inside &= lng <= np.float32(worker.lng + dlng)
            if max_distance_km is None:  # a post without a full location is scored as "distance unknown"
                inside |= self.unlocated[:n]
            mask &= inside
        index = np.flatnonzero(mask)
        if not len(index):
            return [], considered

        # The exact filters (radius, distance, job type, pay) before any scoring, so that it reads fewer rows.
        if not located:
            distance = np.full(len(index), np.nan)
        else:
            # cos((a + b) / 2) = cos(a/2)·cos(b/2) − sin(a/2)·sin(b/2)
            half = np.radians(worker.lat) / 2
            cos_mean = self.half_cos[index] * np.cos(half) - self.half_sin[index] * np.sin(half)
            dx = (self.lng[index] - worker.lng) * 111.320 * cos_mean
            dy = (self.lat[index] - worker.lat) * 110.574
            distance = np.sqrt(dx * dx + dy * dy)
        keep = ~(distance > radius)  # an unknown distance (NaN) is kept, as matching.score keeps it
        if job_type is not None:
            keep &= self.job_type[index] == JOB_TYPE_CODES[job_type]
        if max_distance_km is not None:
            keep &= distance <= max_distance_km  # false for an unknown distance
        if min_daily_pay is not None:
            keep &= self.daily[index] >= min_daily_pay  # false for piece-rate pay (NaN)
        if not keep.all():
            index, distance = index[keep], distance[keep]
            if not len(index):
                return [], considered

        # Every part but the schedule and the groups, for every row left. An unknown distance or pay is NaN
        # through the arithmetic and replaced by UNKNOWN at the end.
        known = ~np.isnan(distance)
        if radius > 0:
            distance_score = np.where(known, np.maximum(0.0, 1.0 - distance / radius), matching.UNKNOWN)
        else:
            distance_score = np.where(known, 0.0, matching.UNKNOWN)
        if not worker.expected_daily_pay or worker.expected_daily_pay <= 0:
            pay = np.ones(len(index))
        else:
            daily = self.daily[index]
            pay = np.where(np.isnan(daily), matching.UNKNOWN, np.minimum(1.0, daily / worker.expected_daily_pay))
        employer_weight = 0.8 + 0.2 * self.employer_reliability[self.employer[index]]
        skills, certificates = self._skill_parts(worker, index)

        # The schedule and groups parts (three hour words to read per row) only where they can still matter.
        # A row's ceiling takes both as perfect. The rows with the highest ceilings are scored in full first;
        # the `limit`-th best of those is a bar no row with a lower ceiling can reach, so only the rows at or
        # above it are scored in full too. Exact: a row left out could not have made the list.
        w = matching.WEIGHTS
        ceiling = ((skills * w["skills"] + certificates * w["certificates"] + w["schedule"]
                    + distance_score * w["distance"] + pay * w["pay"] + w["groups"]) * employer_weight + CEILING_SLACK)

        def final_of(rows: np.ndarray) -> np.ndarray:
            return self._final(worker, index[rows], skills[rows], certificates[rows], distance_score[rows],
                               pay[rows], employer_weight[rows], within_my_hours)

        first = max(PRUNE_FIRST_ROWS, 4 * limit)
        if len(index) <= 2 * first:
            rows = np.arange(len(index))
            final = final_of(rows)
        else:
            rows = np.argpartition(-ceiling, first - 1)[:first]
            final = final_of(rows)
            shown = final[final > -np.inf]
            bar = np.partition(shown, len(shown) - limit)[len(shown) - limit] if len(shown) >= limit else -np.inf
            reaching = ceiling >= bar
            reaching[rows] = False
            more = np.flatnonzero(reaching)
            if len(more):
                rows, final = np.concatenate([rows, more]), np.concatenate([final, final_of(more)])

        k = min(limit, int(np.count_nonzero(final > -np.inf)))
        if k == 0:
            return [], considered
        top = np.argpartition(-final, k - 1)[:k]
        top = top[np.argsort(-final[top], kind="stable")]
        return [
            Candidate(self.ids[index[rows[i]]], round(float(final[i]), 6),
                      None if np.isnan(distance[rows[i]]) else round(float(distance[rows[i]]), 3))
            for i in top
        ], considered

    def _skill_parts(self, worker: matching.WorkerFacts, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The skills and certificates parts of the posts at `index`."""
        words = self._skill_words()
        worker_skills = self._known_skill_mask(worker.skills)[:words]
        worker_certs = self._known_skill_mask(worker.certificate_skills)[:words]
        required_n = self.required_n[index]
        preferred_n = self.preferred_n[index]
        certificates_n = self.certificates_n[index]
        required = np.where(required_n == 0, 1.0,
                            _overlap(self.required, index, worker_skills) / np.maximum(required_n, 1))
        preferred = np.where(preferred_n == 0, 1.0,
                             _overlap(self.preferred, index, worker_skills) / np.maximum(preferred_n, 1))
        skills = 0.8 * required + 0.2 * preferred
        if worker_certs.any():
            certificates = np.where(certificates_n == 0, 1.0,
                                    _overlap(self.certificates, index, worker_certs)
                                    / np.maximum(certificates_n, 1))
        else:  # no valid certificate: a post asking for one scores 0 on this part
            certificates = np.where(certificates_n == 0, 1.0, 0.0)
        return skills, certificates

    def _final(self, worker: matching.WorkerFacts, index: np.ndarray, skills: np.ndarray, certificates: np.ndarray,
               distance_score: np.ndarray, pay: np.ndarray, employer_weight: np.ndarray,
               within_my_hours: bool) -> np.ndarray:
        """`matching.score`'s final score of the posts at `index`, given every part but the schedule and the
        groups (same arithmetic, same order); -inf for a post that `within_my_hours` rules out."""
        worker_hours = _bits(worker.hours, HOUR_WORDS)
        hours_n = self.hours_n[index]
        overlap = _overlap(self.hours, index, worker_hours)
        if worker.hours:
            schedule = np.where(hours_n == 0, 1.0, overlap / np.maximum(hours_n, 1))
        else:
            schedule = np.where(hours_n == 0, 1.0, matching.UNKNOWN)

        worker_groups = sum(GROUP_BITS.get(g, 0) for g in worker.groups)
        post_groups = self.groups[index]
        groups = np.where(post_groups == 0, matching.UNKNOWN, np.where(post_groups & worker_groups, 1.0, 0.0))

        w = matching.WEIGHTS
        total = (skills * w["skills"] + certificates * w["certificates"] + schedule * w["schedule"]
                 + distance_score * w["distance"] + pay * w["pay"] + groups * w["groups"])
        final = total * employer_weight
        if within_my_hours:
            final = np.where(overlap == hours_n, final, -np.inf)
        return final


# --- loading and keeping fresh -------------------------------------------------------

POST_COLUMNS = (JobPost.id, JobPost.tenant_id, JobPost.audience, JobPost.status, JobPost.expires_at,
                JobPost.required_skills, JobPost.preferred_skills, JobPost.required_certificates, JobPost.shifts,
                JobPost.lat, JobPost.lng, JobPost.pay_amount, JobPost.pay_period, JobPost.target_groups,
                JobPost.job_type, JobPost.employer_id, JobPost.updated_at)


class IndexLoader:
    """Fills a PostIndex from the jobs database and keeps it fresh by reading the
    posts changed since shortly before its previous look.

    `updated_at` is stamped by the service when it writes; a transaction may
    commit a little after that stamp, so each look reaches back OVERLAP_SECONDS
    before the previous look began. Rows seen again are simply upserted again.
    """

    OVERLAP_SECONDS = 5.0

    def __init__(self, engine: Engine, index: PostIndex):
        self.engine = engine
        self.index = index
        self.last_look: datetime | None = None

    def refresh(self) -> int:
        started = datetime.now(UTC)
        query = select(*POST_COLUMNS)
        if self.last_look is not None:
            query = query.where(JobPost.updated_at >= self.last_look - timedelta(seconds=self.OVERLAP_SECONDS))
        count = 0
        with self.engine.connect() as conn:
            for row in conn.execute(query).mappings():
                self.index.upsert(dict(row))
                count += 1
                if count % 2000 == 0:
                    time.sleep(0)  # under eventlet: let requests run during a large load
            for employer in conn.execute(select(Employer.id, Employer.wages_paid_reports,
                                                Employer.wages_unpaid_reports)):
                self.index.set_employer_reliability(
                    employer.id, matching.reliability(employer.wages_paid_reports, employer.wages_unpaid_reports))
        self.last_look = started
        return count

    def consenting_workers(self, tenant_ids: list[str] | None) -> tuple[list[dict], dict[str, set[str]]]:
        """Profiles of people who consented to be recommended, in the given tenants
        (None: all), with the skills their valid certificates cover. Consent is the
        person's own sharing; only matching fields are read, never phone numbers."""
        from services.jobs.models import WorkerCertificate, WorkerProfile

        columns = (WorkerProfile.id, WorkerProfile.tenant_id, WorkerProfile.display_name, WorkerProfile.skills,
                   WorkerProfile.availability, WorkerProfile.home_lat, WorkerProfile.home_lng,
                   WorkerProfile.commute_radius_km, WorkerProfile.expected_daily_pay, WorkerProfile.groups)
        query = select(*columns).where(WorkerProfile.consent_recommendations.is_(True))
        if tenant_ids is not None:
            query = query.where(WorkerProfile.tenant_id.in_(tenant_ids))
        now = datetime.now(UTC)
        with self.engine.connect() as conn:
            profiles = [dict(row) for row in conn.execute(query).mappings()]
            certificate_skills: dict[str, set[str]] = {}
            ids = [p["id"] for p in profiles]
            for start in range(0, len(ids), 1000):
                rows = conn.execute(select(WorkerCertificate.worker_id, WorkerCertificate.skill,
                                           WorkerCertificate.expires_at)
                                    .where(WorkerCertificate.worker_id.in_(ids[start:start + 1000]),
                                           WorkerCertificate.skill.is_not(None)))
                for row in rows:
                    if row.expires_at is None or row.expires_at > now:
                        certificate_skills.setdefault(row.worker_id, set()).add(row.skill)
        return profiles, certificate_skills



class PostIndexProvider(DependencyProvider):
    """One index per service process, shared by its workers. It is filled before
    the service takes calls, then kept fresh by a background loop, so no request
    ever waits for a refresh."""

    def setup(self) -> None:
        template = self.container.config.get("DATABASE_URL")
        self.engine = make_engine(config.database_url("jobs", template), pool_size=2)
        self.loader = IndexLoader(self.engine, PostIndex())
        self._running = False

    def start(self) -> None:
        self.loader.refresh()
        self._running = True
        self.container.spawn_managed_thread(self._keep_fresh)

    def _keep_fresh(self) -> None:
        while self._running:
            time.sleep(REFRESH_SECONDS)
            try:
                self.loader.refresh()
            except Exception:  # the database may be away for a moment; the index stays as it was
                log.warning("jobs.post_index_refresh_failed", exc_info=True)

    def stop(self) -> None:
        self._running = False
        self.engine.dispose()

    def kill(self) -> None:
        self._running = False
        self.engine.dispose()

    def get_dependency(self, worker_ctx) -> IndexLoader:
        return self.loader
