"""`record_step`: the one side-effecting activity of a workflow step, idempotent under retries.

Order matters: events and tasks first (a task must exist before its e-mail links to it), e-mails
last, each skipped when its id was already handled, so a retry redoes only what did not happen.
"""

from __future__ import annotations

import structlog
from temporalio import activity

from activities.mailer import Mailer
from domain.steps import StepInput, StepResult
from domain.task_events import task_events
from store.events import EventStore
from store.tasks import TaskStore

log = structlog.get_logger(__name__)


class StepActivities:
    def __init__(self, events: EventStore, tasks: TaskStore, mailer: Mailer) -> None:
        self._events = events
        self._tasks = tasks
        self._mailer = mailer

    @activity.defn(name="record_step")
    async def record_step(self, step: StepInput) -> StepResult:
        # The tasks' own events go with the step's, in the same transaction (read models).
        events = [*step.events, *task_events(step.open_tasks, step.close_tasks)]
        if events:
            await self._events.append(events, metadata=step.correlation)
        if step.open_tasks:
            await self._tasks.open_many(step.open_tasks)
        if step.close_tasks:
            await self._tasks.close_many(step.close_tasks)
        sent = 0
        if step.notifications:
            async with self._mailer.connection() as smtp:
                for notification in step.notifications:
                    sent += await self._mailer.deliver(notification, smtp=smtp)
        log.debug("step recorded", events=len(step.events), emails=sent, **step.correlation)
        return StepResult(events_written=len(events), emails_sent=sent)
