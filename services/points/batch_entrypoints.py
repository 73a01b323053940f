"""Awards in batches, mixed into PointsService (`self.db`, `self.ctx` are the service's).

A tenant's staff recording many acts at once (the seed loader, or a volunteer team's day sheet)
would otherwise pay one broker round trip and one transaction per act. Each award goes through
the same rules as `award` (`awards.manual_awards`: staff only, never to oneself, the approval
threshold, the idempotency key) and publishes the same `points_awarded` event; the batch is one
transaction, so it posts whole or not at all, and its reads and inserts are one statement per
table for the whole batch.
"""

from __future__ import annotations

from nameko.rpc import rpc

from services.common.contracts import load
from services.common.service import EXPECTED_ERRORS
from services.points import awards
from services.points.contracts.schemas import AwardBatchIn, AwardBatchOut


class BatchEntrypoints:
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def award_batch(self, payload: dict) -> dict:
        data = load(AwardBatchIn(), payload)
        counts = {"posted": 0, "pending": 0, "unchanged": 0}
        with self.db.transaction() as tx:  # type: ignore[attr-defined]
            outcomes = awards.manual_awards(session=tx.session, ctx=self.ctx,  # type: ignore[attr-defined]
                                            items=data["awards"])
            for outcome, _result, created in outcomes:
                if not created:
                    counts["unchanged"] += 1
                elif outcome == "posted":
                    counts["posted"] += 1
                else:
                    counts["pending"] += 1
        return AwardBatchOut().dump(counts)
