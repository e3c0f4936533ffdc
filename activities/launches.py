"""`start_workflows`: start a batch of workflows on the worker's own task queue, idempotently."""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.launches import LaunchBatch, LaunchResult, WorkflowLaunch

# Enough to keep the server busy without one batch monopolising the client's connection.
_CONCURRENT_STARTS = 10


@activity.defn(name="start_workflows")
async def start_workflows(batch: LaunchBatch) -> LaunchResult:
    client = activity.client()
    queue = activity.info().task_queue
    limit = asyncio.Semaphore(_CONCURRENT_STARTS)

    async def start(launch: WorkflowLaunch) -> bool:
        async with limit:
            try:
                await client.start_workflow(
                    launch.workflow_type,
                    launch.input,
                    id=launch.workflow_id,
                    task_queue=queue,
                    # An id is started once, ever: a retried batch must not start a second run
                    # of a workflow that has already finished.
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    static_summary=launch.static_summary,
                    search_attributes=TypedSearchAttributes(
                        [
                            SearchAttributePair(SearchAttributeKey.for_keyword(name), value)
                            for name, value in launch.search_attributes.items()
                        ]
                    ),
                )
            except WorkflowAlreadyStartedError:
                return False
            return True

    outcomes = await asyncio.gather(*(start(launch) for launch in batch.launches))
    started = sum(outcomes)
    return LaunchResult(started=started, already_running=len(outcomes) - started)
