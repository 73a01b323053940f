"""Batch entrypoints mixed into JobsService (`self.db`, `self.ctx`, `self.post_index` are the
service's): many posts published, or many people registered at the gig market, in one call.

For a community's staff entering an employer's season of posts or a fair's sign-up sheet at
once (and for the demo loader). Each item goes through exactly the rules of the single-item
entrypoints (`posts.create` + `posts.open_post`, `workers.register`) and publishes the same
events; a batch is one transaction, so it is applied whole or not at all.
"""

from __future__ import annotations

from nameko.rpc import rpc

from services.common.contracts import load
from services.common.errors import Conflict
from services.common.service import EXPECTED_ERRORS
from services.jobs import posts, workers
from services.jobs.contracts.schemas import PostBatchIn, PostBatchOut, WorkerBatchIn, WorkerBatchOut


class BatchEntrypoints:
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def publish_posts_batch(self, payload: dict) -> dict:
        """Create and open each post (staff or the employer's own account, as `create_post` and
        `open_post`); every post announces itself with `job_posted` as `open_post` does."""
        data = load(PostBatchIn(), payload)
        published = []
        with self.db.transaction() as tx:  # type: ignore[attr-defined]
            for item in data["posts"]:
                post = posts.create(session=tx.session, ctx=self.ctx, data=item)  # type: ignore[attr-defined]
                post = posts.open_post(session=tx.session, ctx=self.ctx, post_id=post.id)  # type: ignore[attr-defined]
                published.append(posts.out(post))
        for result in published:
            self.post_index.index.upsert(result)  # type: ignore[attr-defined]
        return PostBatchOut().dump({"items": published})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def register_workers_batch(self, payload: dict) -> dict:
        """Staff register people at the gig market on their behalf (`on_behalf_of_user_id`), as
        `register_worker` does; someone who already has a profile is reported, not duplicated."""
        data = load(WorkerBatchIn(), payload)
        registered, existing = 0, {}
        with self.db.transaction() as tx:  # type: ignore[attr-defined]
            for item in data["workers"]:
                try:
                    workers.register(session=tx.session, ctx=self.ctx, data=item)  # type: ignore[attr-defined]
                except Conflict as exc:
                    if "worker_id" not in exc.extra:
                        raise
                    existing[item.get("on_behalf_of_user_id") or ""] = exc.extra["worker_id"]
                    continue
                registered += 1
        return WorkerBatchOut().dump({"registered": registered, "existing": existing})
