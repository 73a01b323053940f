"""The jobs nameko service: entrypoints only; rules live in the domain modules."""

from __future__ import annotations

from nameko.rpc import rpc

from services.common.context import TenantContext
from services.common.contracts import load
from services.common.database import Database
from services.common.service import EXPECTED_ERRORS, HealthEntrypoints
from services.jobs import events, workers
from services.jobs.models import Base
from services.jobs.schemas import (
    WorkerListQuery,
    WorkerProfileCreate,
    WorkerProfileOut,
    WorkerProfilePage,
    WorkerProfileUpdate,
)

_profile_out = WorkerProfileOut()


class JobsService(HealthEntrypoints):
    name = "jobs"

    ctx = TenantContext()
    db = Database(Base)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def register_worker(self, payload: dict) -> dict:
        data = load(WorkerProfileCreate(), payload)
        with self.db.transaction() as tx:
            profile = workers.register(session=tx.session, ctx=self.ctx, data=data)
            tx.publish(
                events.WORKER_REGISTERED,
                events.WorkerRegisteredData().dump(
                    {
                        "worker_id": profile.id,
                        "user_id": profile.user_id,
                        "skills": profile.skills,
                        "groups": profile.groups,
                        "home_area": profile.home_area,
                        "registered_by": profile.registered_by,
                        "registered_at": profile.created_at,
                    }
                ),
                subject=profile.id,
            )
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
            items, next_cursor = workers.list_page(session=tx.session, ctx=self.ctx, **params)
            return WorkerProfilePage().dump({"items": items, "next_cursor": next_cursor})
