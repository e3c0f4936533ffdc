"""`RetentionWorkflow`: one pass of the retention, purging the programmes whose time is up.

Started daily by the `tandem-retention` schedule (runtime/retention_schedule.py). The workflow's
clock says when "now" is, so that a run replays the same and a test's skipped time counts.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows.retries import PURGE_RETRY

PURGE_DUE_PROGRAMMES = "purge_due_programmes"


@workflow.defn
class RetentionWorkflow:
    @workflow.run
    async def run(self) -> list[str]:
        """The ids of the programmes purged by this run."""
        purged: list[str] = await workflow.execute_activity(
            PURGE_DUE_PROGRAMMES,
            workflow.now(),
            result_type=list[str],
            start_to_close_timeout=timedelta(minutes=30),
            retry_policy=PURGE_RETRY,
            summary="purge the programmes past their retention",
        )
        return purged
