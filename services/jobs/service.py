"""The jobs nameko service: entrypoints only; rules live in the domain modules."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import select

from services.common.contracts import load
from services.common.database import utcnow
from services.common.dependencies import Database, TenantContext
from services.common.errors import NotFound
from services.common.logging import get_logger
from services.common.service import EXPECTED_ERRORS, HealthEntrypoints, MemberEntrypoints, PersonalDataEntrypoints
from services.common.shared_messages import NOT_FOUND
from services.jobs import (
    access,
    applications,
    employers,
    fairs,
    personal_data,
    placements,
    posts,
    recommendations,
    skills,
    workers,
)
from services.jobs import audience as audiences
from services.jobs.batch_entrypoints import BatchEntrypoints
from services.jobs.contracts.messages import EMPLOYER_NOT_FOUND
from services.jobs.contracts.schemas import (
    ApplicationCreate,
    ApplicationList,
    ApplicationOut,
    ApplicationQuery,
    ApplicationTransition,
    AudienceOut,
    AudienceQuery,
    CandidateRecommendationList,
    CertificateCreate,
    CertificateList,
    CertificateOut,
    EmployerCreate,
    EmployerDecision,
    EmployerList,
    EmployerListQuery,
    EmployerOut,
    JobPostCreate,
    JobPostOut,
    JobPostPage,
    JobPostQuery,
    JobPostUpdate,
    PlacementList,
    PlacementOut,
    PlacementQuery,
    PostClose,
    RecommendationQuery,
    RemindersOut,
    RemindersRun,
    SkillCreate,
    SkillList,
    SkillOut,
    WageAnswer,
    WorkerListQuery,
    WorkerProfileCreate,
    WorkerProfileOut,
    WorkerProfilePage,
    WorkerProfileUpdate,
)
from services.jobs.data import DEFAULTS
from services.jobs.desk_entrypoints import DeskEntrypoints
from services.jobs.models import Application, Base, Placement
from services.jobs.post_index import PostIndexProvider

log = get_logger(__name__)

_profile_out = WorkerProfileOut()
_post_out = JobPostOut()


class JobsService(BatchEntrypoints, DeskEntrypoints, MemberEntrypoints, PersonalDataEntrypoints, HealthEntrypoints):
    name = "jobs"

    ctx = TenantContext()
    db = Database(Base)
    personal_data = personal_data  # the tables holding something about a person

    post_index = PostIndexProvider()

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def register_worker(self, payload: dict) -> dict:
        data = load(WorkerProfileCreate(), payload)
        with self.db.transaction() as tx:
            profile = workers.register(session=tx.session, ctx=self.ctx, data=data)
            return _profile_out.dump(profile)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_worker(self, worker_id: str) -> dict:
        with self.db.transaction() as tx:
            return _profile_out.dump(workers.get(session=tx.session, ctx=self.ctx, worker_id=worker_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_worker(self, worker_id: str, changes: dict) -> dict:
        data = load(WorkerProfileUpdate(), changes, partial=True)
        with self.db.transaction() as tx:
            profile = workers.update(session=tx.session, ctx=self.ctx, worker_id=worker_id, changes=data)
            return _profile_out.dump(profile)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_workers(self, query: dict | None = None) -> dict:
        params = load(WorkerListQuery(), query or {})
        with self.db.transaction() as tx:
            page = workers.list_page(session=tx.session, ctx=self.ctx, **params)
            return WorkerProfilePage().dump({"items": page.items, "next_cursor": page.next_cursor})

    # --- skills and certificates ---------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_skills(self) -> dict:
        with self.db.transaction() as tx:
            return SkillList().dump({"items": sorted(skills.taxonomy(session=tx.session).values(),
                                                     key=lambda s: (s.category, s.code))})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_skill(self, payload: dict) -> dict:
        access.require_staff(self.ctx)
        data = load(SkillCreate(), payload)
        with self.db.transaction() as tx:
            return SkillOut().dump(skills.add(session=tx.session, **data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_certificate(self, worker_id: str, payload: dict) -> dict:
        data = load(CertificateCreate(), payload)
        with self.db.transaction() as tx:
            certificate = workers.add_certificate(session=tx.session, ctx=self.ctx, worker_id=worker_id, data=data)
            return CertificateOut().dump(workers.certificate_out(certificate, now=utcnow()))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_certificates(self, worker_id: str) -> dict:
        with self.db.transaction() as tx:
            now = utcnow()
            items = workers.certificates(session=tx.session, ctx=self.ctx, worker_id=worker_id)
            return CertificateList().dump({"items": [workers.certificate_out(c, now=now) for c in items]})

    @event_handler("training", "certificate_issued", requeue_on_error=True)
    def on_certificate_issued(self, envelope: dict) -> None:
        """A certificate from training goes onto the holder's profile, once."""
        with self.db.transaction() as tx:
            if not tx.first_delivery(envelope, consumer="jobs.on_certificate_issued"):
                return
            workers.add_issued_certificate(session=tx.session, data=envelope["data"])

    # --- employers -------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def register_employer(self, payload: dict) -> dict:
        data = load(EmployerCreate(), payload)
        with self.db.transaction() as tx:
            employer = employers.register(session=tx.session, ctx=self.ctx, data=data)
            return EmployerOut().dump(employers.out(session=tx.session, employer=employer))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def decide_employer(self, employer_id: str, payload: dict) -> dict:
        data = load(EmployerDecision(), payload)
        with self.db.transaction() as tx:
            employer = employers.decide(session=tx.session, ctx=self.ctx, employer_id=employer_id, **data)
            return EmployerOut().dump(employers.out(session=tx.session, employer=employer))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_employer(self, employer_id: str) -> dict:
        with self.db.transaction() as tx:
            employer = employers.get(session=tx.session, employer_id=employer_id)
            if not access.may_act_for_employer(session=tx.session, ctx=self.ctx, employer_id=employer.id):
                raise NotFound(EMPLOYER_NOT_FOUND, {"employer_id": employer_id})
            return EmployerOut().dump(employers.out(session=tx.session, employer=employer))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_employers(self, query: dict | None = None) -> dict:
        params = load(EmployerListQuery(), query or {})
        with self.db.transaction() as tx:
            page = employers.listing(session=tx.session, ctx=self.ctx, **params)
            return EmployerList().dump({"items": [employers.out(session=tx.session, employer=e) for e in page.items],
                                        "next_cursor": page.next_cursor})

    # --- job posts -------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_post(self, payload: dict) -> dict:
        data = load(JobPostCreate(), payload)
        with self.db.transaction() as tx:
            return _post_out.dump(posts.out(posts.create(session=tx.session, ctx=self.ctx, data=data)))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_post(self, post_id: str) -> dict:
        with self.db.transaction() as tx:
            return _post_out.dump(posts.out(posts.get(session=tx.session, ctx=self.ctx, post_id=post_id)))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_post(self, post_id: str, changes: dict) -> dict:
        data = load(JobPostUpdate(), changes, partial=True)
        with self.db.transaction() as tx:
            post = posts.update(session=tx.session, ctx=self.ctx, post_id=post_id, changes=data)
            result = posts.out(post)
        self._index(result)
        return _post_out.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def open_post(self, post_id: str) -> dict:
        with self.db.transaction() as tx:
            post = posts.open_post(session=tx.session, ctx=self.ctx, post_id=post_id)
            result = posts.out(post)
        self._index(result)
        return _post_out.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def close_post(self, post_id: str, payload: dict | None = None) -> dict:
        data = load(PostClose(), payload or {})
        with self.db.transaction() as tx:
            post = posts.close(session=tx.session, ctx=self.ctx, post_id=post_id, reason=data["reason"])
            result = posts.out(post)
        self._index(result)
        return _post_out.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_posts(self, query: dict | None = None) -> dict:
        params = load(JobPostQuery(), query or {})
        with self.db.transaction() as tx:
            page = posts.listing(session=tx.session, ctx=self.ctx, **params)
            return JobPostPage().dump({"items": [posts.out(p) for p in page.items], "next_cursor": page.next_cursor})

    @timer(interval=60)
    def expire_posts(self) -> None:
        """Open posts past their expiry date become expired (and say so); then the reminders that
        are due (wage follow-ups, fairs starting within a day) are announced, tenant by tenant."""
        now = utcnow()
        with self.db.system_read_all_tenants(reason="find posts to expire") as session:
            due = posts.due_to_expire(session=session, now=now)
        for tenant_id, post_id in due:
            with self.db.system_in_tenant(tenant_id, reason="expire a post") as tx:
                post = posts.expire(session=tx.session, post_id=post_id, now=now)
                if post is not None:
                    self._index(posts.out(post))
        self._send_reminders(now)

    def _send_reminders(self, now: datetime) -> None:
        with self.db.system_read_all_tenants(reason="find reminders that are due") as session:
            tenants = (placements.tenants_with_follow_ups_due(session=session, now=now)
                       | fairs.tenants_with_fairs_due(session=session, now=now))
        for tenant_id in sorted(tenants):
            try:
                done = self._remind(lambda t=tenant_id: self.db.system_in_tenant(t, reason="announce reminders"),
                                    now)
            except Exception:  # one community's trouble must not stop the others' reminders
                log.exception("jobs.reminders_failed", tenant_id=tenant_id)
                continue
            log.info("jobs.reminders", tenant_id=tenant_id, **done)

    @staticmethod
    def _remind(unit_of_work: Callable[[], AbstractContextManager[Any]], now: datetime) -> dict[str, int]:
        """Two short transactions in one tenant; `unit_of_work()` opens each."""
        with unit_of_work() as tx:
            follow_ups = placements.announce_follow_ups_due(session=tx.session, now=now)
        with unit_of_work() as tx:
            fairs_due = fairs.announce_fairs_due(session=tx.session, now=now)
        return {"wage_follow_ups_due": len(follow_ups), "fairs_due": len(fairs_due)}

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def run_reminders(self, now: str | None = None) -> dict:
        """Staff run now, for their tenant, what the timer runs every minute: announce the wage
        follow-ups and the fairs that are due. `now` (ISO 8601, for tests: the settable clock, as in
        governance.run_sweep and points.run_housekeeping) is the moment they run at; it only
        announces reminders, each once, and changes nothing else."""
        access.require_staff(self.ctx)
        at = load(RemindersRun(), {"now": now})["now"] or utcnow()
        return RemindersOut().dump({"now": at, **self._remind(self.db.transaction, at)})

    # --- audiences ---------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def audience(self, group: str, ref: str) -> dict:
        """Who is in one of the jobs service's groups (case_person, fair_registrants,
        post_applicants) for `ref`, in the caller's tenant: for staff and for other services
        (the role `service`, no user; see access.require_staff_or_service)."""
        access.require_staff_or_service(self.ctx)
        params = load(AudienceQuery(), {"group": group, "ref": ref})
        with self.db.transaction() as tx:
            return AudienceOut().dump(audiences.members(session=tx.session, ctx=self.ctx, **params))

    def _index(self, post: dict) -> None:
        # This process sees its own change at once; others within REFRESH_SECONDS.
        self.post_index.index.upsert(post)

    # --- recommendations ---------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def recommend_posts(self, query: dict | None = None) -> dict:
        params = load(RecommendationQuery(), query or {})
        with self.db.transaction() as tx:
            return recommendations.for_worker(session=tx.session, ctx=self.ctx, index=self.post_index.index,
                                              query=params)  # already PostRecommendationList's shape

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def recommend_candidates(self, post_id: str, query: dict | None = None) -> dict:
        limit = load(RecommendationQuery(only=("limit",)), query or {})["limit"]
        with self.db.transaction() as tx:
            post = posts.get(session=tx.session, ctx=self.ctx, post_id=post_id)
            audience = post.audience
            tenants = None if audience == "*" else [post.tenant_id, *[t for t in audience.split(",") if t]]
        # Consent to recommendations is the person's sharing: read through the index's connection.
        profiles, certificate_skills = self.post_index.consenting_workers(tenants)
        with self.db.transaction() as tx:
            return CandidateRecommendationList().dump(recommendations.candidates_for_post(
                session=tx.session, ctx=self.ctx, post_id=post_id, limit=limit,
                candidate_profiles=[SimpleNamespace(**p) for p in profiles], certificate_skills=certificate_skills))

    # --- applications and placements ---------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def apply(self, payload: dict) -> dict:
        data = load(ApplicationCreate(), payload)
        with self.db.transaction() as tx:
            draft = applications.prepare(session=tx.session, ctx=self.ctx, **data)
        with self.db.write_in_tenant(draft.post_tenant_id,
                                     reason="a resident applies to a post shared with their community") as tx:
            application = applications.submit(session=tx.session, draft=draft)
            return ApplicationOut().dump(applications.out(session=tx.session, ctx=self.ctx, application=application))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_application(self, application_id: str) -> dict:
        with self.db.transaction() as tx:
            application = applications.get(session=tx.session, ctx=self.ctx, application_id=application_id)
            return ApplicationOut().dump(applications.out(session=tx.session, ctx=self.ctx, application=application))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_applications(self, query: dict | None = None) -> dict:
        params = load(ApplicationQuery(), query or {})
        with self.db.transaction() as tx:
            page = applications.listing(session=tx.session, ctx=self.ctx, **params)
            return ApplicationList().dump(
                {"items": [applications.out(session=tx.session, ctx=self.ctx, application=a) for a in page.items],
                 "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def transition_application(self, application_id: str, payload: dict) -> dict:
        data = load(ApplicationTransition(), payload)
        owner = self._owner_tenant(Application, application_id)
        with self.db.write_in_tenant(owner, reason="an applicant withdraws from a post of another community") as tx:
            application, placement, _from_status = applications.transition(
                session=tx.session, ctx=self.ctx, application_id=application_id, to_status=data["status"],
                reason=data["reason"])
            if placement is not None:
                post = posts.out(tx.session.get(posts.JobPost, application.post_id))
            result = ApplicationOut().dump(applications.out(session=tx.session, ctx=self.ctx, application=application))
        if placement is not None:
            self._index(post)
        return result

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_placements(self, query: dict | None = None) -> dict:
        params = load(PlacementQuery(), query or {})
        with self.db.transaction() as tx:
            page = placements.listing(session=tx.session, ctx=self.ctx, **params)
            return PlacementList().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def answer_wages(self, placement_id: str, payload: dict) -> dict:
        """The worker says whether wages came on time; "no" opens a rights case in
        their community (once, however often the answer is retried)."""
        data = load(WageAnswer(), payload)
        owner = self._owner_tenant(Placement, placement_id)
        with self.db.write_in_tenant(owner, reason="a worker reports on wages for a post of another community") as tx:
            placement, _recorded = placements.answer_wages(
                session=tx.session, ctx=self.ctx, placement_id=placement_id, wages_paid=data["wages_paid"])
            result = PlacementOut().dump(placement)
        if not data["wages_paid"] and result["case_id"] is None:
            case_id = self._open_wage_case(placement_id, data.get("note"))
            with self.db.write_in_tenant(owner, reason="link a wage case to its placement") as tx:
                placements.link_case(session=tx.session, placement_id=placement_id, case_id=case_id)
            result["case_id"] = case_id
        return result

    def _open_wage_case(self, placement_id: str, note: str | None) -> str:
        from services.jobs import rights_desk

        with self.db.transaction() as tx:
            case = rights_desk.open_case(
                session=tx.session, ctx=self.ctx, person_user_id=self.ctx.user_id, category="wage_arrears",
                summary=note or DEFAULTS["wage_case_summary"],
                source="placement_follow_up", source_ref=placement_id)
            return case.id

    # --- helpers -------------------------------------------------------------------------

    def _owner_tenant(self, model, row_id: str) -> str:
        """The tenant that owns a shared row the caller can see (else NotFound)."""
        with self.db.transaction() as tx:
            owner = tx.session.scalar(select(model.tenant_id).where(model.id == row_id))
        if owner is None:
            raise NotFound(NOT_FOUND, {"id": row_id})
        return owner
