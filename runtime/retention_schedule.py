"""The `tandem-retention` schedule: a `RetentionWorkflow` run every day, on the worker's queue.

Every worker makes sure it exists when it starts, so no operator has to remember it: a schedule
already there is brought up to date (its queue, its interval), and a server that refuses
schedules leaves the worker running (the purge can still be run by hand, `tandem programme purge`).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError

from workflows.retention import RetentionWorkflow

log = structlog.get_logger(__name__)

RETENTION_SCHEDULE_ID = "tandem-retention"
# Each run's workflow id is this, followed by the time the schedule started it.
RETENTION_WORKFLOW_ID = "retention"


class ScheduleOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNAVAILABLE = "unavailable"  # the server refused: logged, nothing else changes


def retention_schedule(task_queue: str, every: timedelta = timedelta(days=1)) -> Schedule:
    return Schedule(
        # By name (the class's, as @workflow.defn names it): passing the method itself makes mypy
        # mistype every other workflow's handle in the project.
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.__name__, id=RETENTION_WORKFLOW_ID, task_queue=task_queue
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        # A purge still running when the next is due (a very large programme): skip, not queue.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_retention_schedule(client: Client, task_queue: str) -> ScheduleOutcome:
    """Create the schedule, or bring the one already there up to date; never raises for what the
    server answers."""
    schedule = retention_schedule(task_queue)
    try:
        try:
            await client.create_schedule(RETENTION_SCHEDULE_ID, schedule)
            outcome = ScheduleOutcome.CREATED
        except ScheduleAlreadyRunningError:

            def updated(current: ScheduleUpdateInput) -> ScheduleUpdate:
                # Paused by an operator stays paused: only the action, spec and policy are ours.
                return ScheduleUpdate(
                    schedule=Schedule(
                        action=schedule.action,
                        spec=schedule.spec,
                        policy=schedule.policy,
                        state=current.description.schedule.state,
                    )
                )

            await client.get_schedule_handle(RETENTION_SCHEDULE_ID).update(updated)
            outcome = ScheduleOutcome.UPDATED
    except RPCError as error:
        log.warning(
            "retention schedule not set up", schedule=RETENTION_SCHEDULE_ID, error=error.message
        )
        return ScheduleOutcome.UNAVAILABLE
    log.info("retention schedule", schedule=RETENTION_SCHEDULE_ID, outcome=outcome.value)
    return outcome
